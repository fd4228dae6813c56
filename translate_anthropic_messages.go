// translate_anthropic_messages.go: an Anthropic client's request (POST
// /v1/messages) -> hub request, so that any backend can serve Claude Code
// and the Anthropic SDKs. Errors are worded the way Anthropic words them.
//
// Choices made where the two formats differ:
//   - system (top level, and `system` entries inside messages, which the
//     current API accepts and Claude Code sends) becomes one system message
//     at the start, blocks joined with a blank line: many local chat
//     templates reject a system message anywhere else.
//   - Text blocks that must become one string (assistant text, tool results,
//     text-only user turns) are joined with a blank line; a user turn
//     holding an image or document becomes an array of parts.
//   - tool_result blocks become tool messages placed before the rest of
//     their user turn; is_error prefixes "Error: ". Images and documents
//     inside a tool result move, in order, into the user message after it.
//   - thinking and redacted_thinking blocks in assistant turns are dropped
//     (no other backend can verify them); any unknown block is a 400.
//   - document blocks: text sources become text, base64 sources a file part;
//     URL and content sources are a 400.
//   - top_k is dropped; temperature passes unchanged (0..1 is within
//     OpenAI's range); thinking.budget_tokens becomes the hub's
//     ThinkingBudget, which a backend with a reasoning control maps.
//   - tool_choice and parallel_tool_calls are sent only with tools; server
//     tools (a tools entry whose type is neither absent nor "custom") cannot
//     run on another backend: 400.
package main

import (
	"bytes"
	"encoding/json"
	"strconv"
)

func init() { clientCodecs[opMessages] = anthropicClient{} }

// anthropicClient is the Messages format as clients speak it.
type anthropicClient struct{}

func (anthropicClient) errorBody(e *apiError) []byte  { return anthropicErrorBody(e) }
func (anthropicClient) errorEvent(e *apiError) []byte { return anthropicErrorEvent(e) }

// messagesRequest is what routing needs from an inbound Messages request.
type messagesRequest struct {
	Model     string
	Stream    bool
	MaxTokens int
}

// parseMessagesRequest validates what routing needs: malformed JSON, a
// missing or ill-typed model, max_tokens or messages are 400s with
// Anthropic-style messages. The messages themselves are not read.
func parseMessagesRequest(body []byte) (messagesRequest, error) {
	var raw struct {
		Model     rawJSON `json:"model"`
		Stream    rawJSON `json:"stream"`
		MaxTokens rawJSON `json:"max_tokens"`
		Messages  rawJSON `json:"messages"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return messagesRequest{}, decodeError(err)
	}
	var req messagesRequest
	switch {
	case raw.Model.absent():
		return req, fieldError("model", "model: Field required")
	case !raw.Model.isString():
		return req, fieldError("model", "model: Input should be a valid string")
	}
	if req.Model = raw.Model.str(); req.Model == "" {
		return req, fieldError("model", "model: String should have at least 1 character")
	}
	if raw.MaxTokens.absent() {
		return req, fieldError("max_tokens", "max_tokens: Field required")
	}
	n, err := strconv.Atoi(string(raw.MaxTokens))
	switch {
	case err != nil:
		return req, fieldError("max_tokens", "max_tokens: Input should be a valid integer")
	case n < 1:
		return req, fieldError("max_tokens", "max_tokens: Input should be greater than or equal to 1")
	}
	req.MaxTokens = n
	switch raw.Stream.kind() {
	case 0, 'n', 'f':
	case 't':
		req.Stream = true
	default:
		return req, fieldError("stream", "stream: Input should be a valid boolean")
	}
	switch {
	case raw.Messages.absent():
		return req, fieldError("messages", "messages: Field required")
	case raw.Messages.kind() != '[':
		return req, fieldError("messages", "messages: Input should be a valid list")
	case !raw.Messages.nonEmptyArray():
		return req, fieldError("messages", "messages: at least one message is required")
	}
	return req, nil
}

// fieldError is a 400 about one top-level parameter.
func fieldError(param, msg string) *apiError { return errInvalid(param, "%s", msg) }

// messagesIn is an inbound Messages request as the translator reads it.
type messagesIn struct {
	System   rawJSON `json:"system"`
	Messages []struct {
		Role    string  `json:"role"`
		Content rawJSON `json:"content"`
	} `json:"messages"`
	MaxTokens     *int                 `json:"max_tokens"`
	Temperature   *float64             `json:"temperature"`
	TopP          *float64             `json:"top_p"`
	StopSequences []string             `json:"stop_sequences"`
	Stream        bool                 `json:"stream"`
	Tools         []anthropicTool      `json:"tools"`
	ToolChoice    *anthropicToolChoice `json:"tool_choice"`
	Metadata      *anthropicMetadata   `json:"metadata"`
	Thinking      *anthropicThinking   `json:"thinking"`
}

// blockSeparator joins text blocks that must become one string.
const blockSeparator = "\n\n"

func (anthropicClient) request(body []byte) (*chatRequest, error) {
	var in messagesIn
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, decodeError(err)
	}
	if len(in.Messages) == 0 {
		return nil, fieldError("messages", "messages: at least one message is required")
	}
	out := &chatRequest{MaxTokens: in.MaxTokens, Temperature: in.Temperature, TopP: in.TopP,
		Stop: in.StopSequences, Stream: in.Stream, Messages: make([]chatMessage, 1, len(in.Messages)+1)}
	if t := in.Thinking; t != nil && t.Type == "enabled" && t.BudgetTokens > 0 {
		out.ThinkingBudget = t.BudgetTokens
	}
	if in.Metadata != nil {
		out.User = in.Metadata.UserID
	}
	var system bytes.Buffer
	if err := systemText(&system, in.System, "system"); err != nil {
		return nil, err
	}
	for i := range in.Messages {
		m := &in.Messages[i]
		var err error
		if m.Role == "system" {
			err = systemText(&system, m.Content, "messages."+strconv.Itoa(i)+".content")
		} else {
			out.Messages, err = appendTurn(out.Messages, i, m.Role, m.Content)
		}
		if err != nil {
			return nil, err
		}
	}
	if system.Len() > 0 {
		out.Messages[0] = chatMessage{Role: "system", Content: textContent(system.String())}
	} else {
		out.Messages = out.Messages[1:]
	}
	if err := translateTools(out, in.Tools, in.ToolChoice); err != nil {
		return nil, err
	}
	return out, nil
}

// translateTools maps tools and tool_choice.
func translateTools(out *chatRequest, tools []anthropicTool, choice *anthropicToolChoice) error {
	for i, t := range tools {
		if t.Type != "" && t.Type != "custom" {
			return errInvalid("tools", "tools.%d: tool type %s is not supported by this backend", i, quote(t.Type))
		}
		if t.Name == "" {
			return errInvalid("tools", "tools.%d.name: Field required", i)
		}
		params := emptySchema
		if !t.InputSchema.absent() {
			if t.InputSchema.kind() != '{' {
				return errInvalid("tools", "tools.%d.input_schema: Input should be an object", i)
			}
			params = t.InputSchema
		}
		out.Tools = append(out.Tools, chatTool{Type: "function",
			Function: &functionDef{Name: t.Name, Description: t.Description, Parameters: params}})
	}
	if choice == nil || len(out.Tools) == 0 {
		return nil
	}
	switch choice.Type {
	case "auto", "":
		out.ToolChoice = &toolChoice{Mode: "auto"}
	case "any":
		out.ToolChoice = &toolChoice{Mode: "required"}
	case "none":
		out.ToolChoice = &toolChoice{Mode: "none"}
	case "tool":
		if choice.Name == "" {
			return errInvalid("tool_choice", "tool_choice.name: Field required")
		}
		out.ToolChoice = &toolChoice{Mode: "function", Name: choice.Name}
	default:
		return errInvalid("tool_choice", "tool_choice.type: unsupported value %s", quote(choice.Type))
	}
	if choice.DisableParallelToolUse && choice.Type != "none" {
		f := false
		out.ParallelToolCalls = &f
	}
	return nil
}

// joinBlock appends a text block to buf, after a blank line when buf
// already holds one; empty blocks add nothing.
func joinBlock(buf *bytes.Buffer, s string) {
	if s == "" {
		return
	}
	if buf.Len() > 0 {
		buf.WriteString(blockSeparator)
	}
	buf.WriteString(s)
}

// systemText appends system text (a string or text blocks) to buf, blocks
// joined with blank lines; where names it in errors.
func systemText(buf *bytes.Buffer, raw rawJSON, where string) error {
	switch raw.kind() {
	case 0, 'n':
		return nil
	case '"':
		joinBlock(buf, raw.str())
		return nil
	case '[':
	default:
		return errInvalid("system", "%s: Input should be a string or a list of text blocks", where)
	}
	var blocks []anthropicBlock
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return errBody("system", where+": invalid content blocks", err)
	}
	for i, b := range blocks {
		if b.Type != "text" {
			return errInvalid("system", "%s.%d: content block type %s is not supported in system", where, i, quote(b.Type))
		}
		joinBlock(buf, b.Text)
	}
	return nil
}

// appendTurn appends the hub messages for one user or assistant turn.
func appendTurn(out []chatMessage, i int, role string, content rawJSON) ([]chatMessage, error) {
	if role != "user" && role != "assistant" {
		return out, errInvalid("messages", "messages.%d.role: Input should be 'user', 'assistant' or 'system'", i)
	}
	switch content.kind() {
	case '"':
		return append(out, chatMessage{Role: role, Content: textContent(content.str())}), nil
	case '[':
	case 0, 'n':
		return out, errInvalid("messages", "messages.%d.content: Field required", i)
	default:
		return out, errInvalid("messages", "messages.%d.content: Input should be a string or a list of content blocks", i)
	}
	var blocks []anthropicBlock
	if err := json.Unmarshal(content, &blocks); err != nil {
		e := decodeError(err)
		e.Param, e.Message = "messages", "messages."+strconv.Itoa(i)+".content: "+e.Message
		return out, e
	}
	if role == "assistant" {
		return appendAssistantTurn(out, i, blocks)
	}
	return appendUserTurn(out, i, blocks)
}

// blockPath names one content block in error messages.
type blockPath struct{ msg, block int }

// blockError is a 400 naming messages.<i>.content.<j>.
func blockError(at blockPath, msg string) *apiError {
	return errInvalid("messages", "messages.%d.content.%d: %s", at.msg, at.block, msg)
}

// unsupportedBlock is the 400 for a block type that cannot be translated.
func unsupportedBlock(at blockPath, typ, role string) *apiError {
	if typ == "" {
		return blockError(at, "type: Field required")
	}
	return blockError(at, "content block type "+quote(typ)+" is not supported in "+role+" messages by this backend")
}

// appendUserTurn emits the turn's tool results as tool messages, then one
// user message with whatever else it holds.
func appendUserTurn(out []chatMessage, i int, blocks []anthropicBlock) ([]chatMessage, error) {
	var parts []contentPart
	for j := range blocks {
		b, at := &blocks[j], blockPath{i, j}
		switch b.Type {
		case "text":
			if b.Text != "" {
				parts = append(parts, contentPart{Type: "text", Text: b.Text})
			}
		case "image", "document":
			p, err := mediaPart(at, b)
			if err != nil {
				return out, err
			}
			parts = append(parts, p)
		case "tool_result":
			msg, moved, err := toolResultMessage(at, b)
			if err != nil {
				return out, err
			}
			out = append(out, msg)
			parts = append(parts, moved...)
		default:
			return out, unsupportedBlock(at, b.Type, "user")
		}
	}
	if len(parts) == 0 {
		return out, nil
	}
	return append(out, chatMessage{Role: "user", Content: partsContent(parts)}), nil
}

// partsContent is one string when every part is text, else the parts.
func partsContent(parts []contentPart) chatContent {
	c := chatContent{Parts: parts}
	for _, p := range parts {
		if p.Type != "text" {
			return c
		}
	}
	return textContent(c.joined(blockSeparator))
}

// appendAssistantTurn joins the text and turns tool_use blocks into calls.
func appendAssistantTurn(out []chatMessage, i int, blocks []anthropicBlock) ([]chatMessage, error) {
	var text bytes.Buffer
	msg := chatMessage{Role: "assistant"}
	for j := range blocks {
		b, at := &blocks[j], blockPath{i, j}
		switch b.Type {
		case "text":
			joinBlock(&text, b.Text)
		case "tool_use":
			call, err := toolCallOf(at, b)
			if err != nil {
				return out, err
			}
			msg.ToolCalls = append(msg.ToolCalls, call)
		case "thinking", "redacted_thinking":
			// Dropped: only the backend that produced a thinking block can use it.
		default:
			return out, unsupportedBlock(at, b.Type, "assistant")
		}
	}
	msg.Content = textContent(text.String())
	if text.Len() == 0 && len(msg.ToolCalls) > 0 {
		msg.Content = chatContent{Null: true}
	}
	return append(out, msg), nil
}

// toolCallOf maps a tool_use block; arguments are the compacted input.
func toolCallOf(at blockPath, b *anthropicBlock) (toolCall, error) {
	if b.ID == "" {
		return toolCall{}, blockError(at, "id: Field required")
	}
	if b.Name == "" {
		return toolCall{}, blockError(at, "name: Field required")
	}
	args := "{}"
	if !b.Input.absent() {
		if b.Input.kind() != '{' {
			return toolCall{}, blockError(at, "input: Input should be an object")
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, b.Input); err != nil {
			return toolCall{}, blockError(at, "input: invalid JSON")
		}
		args = buf.String()
	}
	return toolCall{ID: b.ID, Type: "function", Function: functionCall{Name: b.Name, Arguments: toolArguments(args)}}, nil
}

// toolResultMessage maps a tool_result block to a tool message; images and
// documents it holds are returned to be moved into the next user message.
func toolResultMessage(at blockPath, b *anthropicBlock) (chatMessage, []contentPart, error) {
	if b.ToolUseID == "" {
		return chatMessage{}, nil, blockError(at, "tool_use_id: Field required")
	}
	var text bytes.Buffer
	var moved []contentPart
	switch b.Content.kind() {
	case 0, 'n':
	case '"':
		text.WriteString(b.Content.str())
	case '[':
		var inner []anthropicBlock
		if err := json.Unmarshal(b.Content, &inner); err != nil {
			return chatMessage{}, nil, blockError(at, "content: invalid content blocks")
		}
		for k := range inner {
			c := &inner[k]
			switch c.Type {
			case "text":
				joinBlock(&text, c.Text)
			case "image", "document":
				p, err := mediaPart(at, c)
				if err != nil {
					return chatMessage{}, nil, err
				}
				moved = append(moved, p)
			default:
				return chatMessage{}, nil, blockError(at, "content."+strconv.Itoa(k)+": content block type "+
					quote(c.Type)+" is not supported in tool_result")
			}
		}
	default:
		return chatMessage{}, nil, blockError(at, "content: Input should be a string or a list of content blocks")
	}
	s := text.String()
	if b.IsError {
		s = "Error: " + s
	}
	return chatMessage{Role: "tool", ToolCallID: b.ToolUseID, Content: textContent(s)}, moved, nil
}

// mediaPart maps an image block to an image_url part and a document block
// to a text or file part.
func mediaPart(at blockPath, b *anthropicBlock) (contentPart, error) {
	src := b.Source
	if src == nil {
		return contentPart{}, blockError(at, "source: Field required")
	}
	dataURL := "data:" + src.MediaType + ";base64," + src.Data
	if b.Type == "image" {
		switch src.Type {
		case "base64":
			if src.MediaType == "" || src.Data == "" {
				return contentPart{}, blockError(at, "source: base64 images need media_type and data")
			}
			return contentPart{Type: "image_url", ImageURL: &imageURL{URL: dataURL}}, nil
		case "url":
			if src.URL == "" {
				return contentPart{}, blockError(at, "source.url: Field required")
			}
			return contentPart{Type: "image_url", ImageURL: &imageURL{URL: src.URL}}, nil
		}
		return contentPart{}, blockError(at, "source: image source type "+quote(src.Type)+" is not supported by this backend")
	}
	switch src.Type {
	case "text":
		return contentPart{Type: "text", Text: src.Data}, nil
	case "base64":
		if src.MediaType == "" || src.Data == "" {
			return contentPart{}, blockError(at, "source: base64 documents need media_type and data")
		}
		name := b.Title
		if name == "" {
			name = "document.pdf"
		}
		return contentPart{Type: "file", File: &filePart{Filename: name, FileData: dataURL}}, nil
	}
	return contentPart{}, blockError(at, "source: document source type "+quote(src.Type)+" is not supported by this backend")
}
