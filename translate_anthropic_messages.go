// translate_anthropic_messages.go: OpenAI chat messages -> Anthropic system + turns.
//
// Anthropic keeps the system prompt outside the conversation and requires
// user and assistant turns to alternate, with tool results sent as blocks of
// a user turn. This file hoists every system/developer message (in order)
// into `system`, converts content parts, tool calls and tool results into
// content blocks, and merges consecutive turns of the same role. Messages that
// end up with no content at all (e.g. an assistant message with empty text and
// no tool calls) are dropped rather than sent as empty turns, which Anthropic
// rejects.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// anthropicMessage is one Anthropic turn.
type anthropicMessage struct {
	Role    string           `json:"role"`
	Content []anthropicBlock `json:"content"`
}

// anthropicBlock is any request content block; unused fields are omitted.
type anthropicBlock struct {
	Type      string           `json:"type"`
	Text      string           `json:"text,omitempty"`
	Source    *anthropicSource `json:"source,omitempty"`
	ID        string           `json:"id,omitempty"`
	Name      string           `json:"name,omitempty"`
	Input     json.RawMessage  `json:"input,omitempty"`
	ToolUseID string           `json:"tool_use_id,omitempty"`
	Content   json.RawMessage  `json:"content,omitempty"`
}

// anthropicSource is an image or document source.
type anthropicSource struct {
	Type      string `json:"type"` // url | base64
	MediaType string `json:"media_type,omitempty"`
	Data      string `json:"data,omitempty"`
	URL       string `json:"url,omitempty"`
}

// anthropicOAIMessage is one OpenAI chat message as far as we read it.
type anthropicOAIMessage = openAIChatMessage[openAIToolCall]

// anthropicOAIPart is one element of a multi-part content array.
type anthropicOAIPart struct {
	Type     string          `json:"type"`
	Text     string          `json:"text"`
	Refusal  string          `json:"refusal"`
	ImageURL json.RawMessage `json:"image_url"`
	File     *struct {
		FileData string `json:"file_data"`
		FileID   string `json:"file_id"`
	} `json:"file"`
}

// anthropicConvertMessages fills req.System and req.Messages.
func anthropicConvertMessages(raw json.RawMessage, req *anthropicRequest) error {
	if anthropicIsNull(raw) {
		return errInvalid("messages", "messages is required")
	}
	var msgs []anthropicOAIMessage
	if err := json.Unmarshal(raw, &msgs); err != nil {
		return errInvalid("messages", "messages must be an array of message objects")
	}
	var system []anthropicBlock
	for i, m := range msgs {
		var blocks []anthropicBlock
		var err error
		role := "user"
		switch m.Role {
		case "system", "developer":
			blocks, err = anthropicTextBlocks(m.Content, fmt.Sprintf("messages[%d].content", i))
			system = append(system, blocks...)
			blocks = nil
		case "user":
			blocks, err = anthropicUserBlocks(m.Content, i)
		case "assistant":
			role = "assistant"
			blocks, err = anthropicAssistantBlocks(m, i)
		case "tool":
			blocks, err = anthropicToolResult(m, i)
		default:
			err = errInvalid(fmt.Sprintf("messages[%d].role", i),
				"messages[%d].role must be system, developer, user, assistant or tool", i)
		}
		if err != nil {
			return err
		}
		req.Messages = anthropicAppendTurn(req.Messages, role, blocks)
	}
	if len(req.Messages) == 0 {
		return errInvalid("messages", "messages must contain at least one non-empty user or assistant message")
	}
	req.System = anthropicSystem(system)
	return nil
}

// anthropicAppendTurn appends blocks as a turn, merging with a previous turn
// of the same role; empty block lists add nothing.
func anthropicAppendTurn(turns []anthropicMessage, role string, blocks []anthropicBlock) []anthropicMessage {
	if len(blocks) == 0 {
		return turns
	}
	if n := len(turns); n > 0 && turns[n-1].Role == role {
		turns[n-1].Content = append(turns[n-1].Content, blocks...)
		return turns
	}
	return append(turns, anthropicMessage{Role: role, Content: blocks})
}

// anthropicSystem renders system text: a string for one block, else blocks.
func anthropicSystem(blocks []anthropicBlock) json.RawMessage {
	var v any = blocks
	switch len(blocks) {
	case 0:
		return nil
	case 1:
		v = blocks[0].Text
	}
	b, _ := json.Marshal(v) // strings and plain structs cannot fail
	return b
}

// anthropicParts decodes content that is null, a string or an array of parts.
// A string becomes one text part.
func anthropicParts(raw json.RawMessage, param string) ([]anthropicOAIPart, error) {
	if anthropicIsNull(raw) {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []anthropicOAIPart{{Type: "text", Text: s}}, nil
	}
	var parts []anthropicOAIPart
	if err := json.Unmarshal(raw, &parts); err != nil {
		return nil, errInvalid(param, "%s must be a string or an array of content parts", param)
	}
	return parts, nil
}

// anthropicTextBlocks converts text-only content (system, developer, tool).
func anthropicTextBlocks(raw json.RawMessage, param string) ([]anthropicBlock, error) {
	parts, err := anthropicParts(raw, param)
	if err != nil {
		return nil, err
	}
	var out []anthropicBlock
	for j, p := range parts {
		if p.Type != "text" {
			return nil, errInvalid(fmt.Sprintf("%s[%d].type", param, j), "%s may only contain text parts", param)
		}
		if p.Text != "" {
			out = append(out, anthropicBlock{Type: "text", Text: p.Text})
		}
	}
	return out, nil
}

// anthropicUserBlocks converts user content: text, images and PDF files.
func anthropicUserBlocks(raw json.RawMessage, i int) ([]anthropicBlock, error) {
	param := fmt.Sprintf("messages[%d].content", i)
	parts, err := anthropicParts(raw, param)
	if err != nil {
		return nil, err
	}
	var out []anthropicBlock
	for j, p := range parts {
		pp := fmt.Sprintf("%s[%d]", param, j)
		switch p.Type {
		case "text":
			if p.Text != "" {
				out = append(out, anthropicBlock{Type: "text", Text: p.Text})
			}
		case "image_url":
			src, err := anthropicImageSource(p.ImageURL, pp+".image_url")
			if err != nil {
				return nil, err
			}
			out = append(out, anthropicBlock{Type: "image", Source: src})
		case "file":
			src, err := anthropicFileSource(p, pp+".file")
			if err != nil {
				return nil, err
			}
			out = append(out, anthropicBlock{Type: "document", Source: src})
		default:
			return nil, errInvalid(pp+".type", "content part type %q is not supported by Anthropic backends", p.Type)
		}
	}
	return out, nil
}

// anthropicImageSource reads image_url ({"url":..} or a bare string).
func anthropicImageSource(raw json.RawMessage, param string) (*anthropicSource, error) {
	var obj struct {
		URL string `json:"url"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		if json.Unmarshal(raw, &obj.URL) != nil {
			return nil, errInvalid(param, "%s must be an object with a url", param)
		}
	}
	u := obj.URL
	lower := strings.ToLower(u[:min(len(u), 8)])
	switch {
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
		return &anthropicSource{Type: "url", URL: u}, nil
	case strings.HasPrefix(lower, "data:"):
		return anthropicDataURLSource(u, param)
	}
	return nil, errInvalid(param, "%s.url must be an http(s) URL or a base64 data URL", param)
}

// anthropicDataURLSource parses "data:<media type>;base64,<data>".
func anthropicDataURLSource(u, param string) (*anthropicSource, error) {
	header, data, ok := strings.Cut(u[len("data:"):], ",")
	mediaType, isBase64 := strings.CutSuffix(header, ";base64")
	if !ok || !isBase64 || mediaType == "" || data == "" {
		return nil, errInvalid(param, "%s must be a base64 data URL with a media type", param)
	}
	return &anthropicSource{Type: "base64", MediaType: mediaType, Data: data}, nil
}

// anthropicFileSource reads an inline file part (file_data, PDF by default);
// uploaded file ids cannot be resolved on Anthropic.
func anthropicFileSource(p anthropicOAIPart, param string) (*anthropicSource, error) {
	if p.File == nil || p.File.FileData == "" {
		return nil, errInvalid(param, "%s needs file_data; file_id is not supported by Anthropic backends", param)
	}
	d := p.File.FileData
	if len(d) >= 5 && strings.EqualFold(d[:5], "data:") {
		return anthropicDataURLSource(d, param)
	}
	return &anthropicSource{Type: "base64", MediaType: "application/pdf", Data: d}, nil
}

// anthropicAssistantBlocks converts assistant text and tool calls.
func anthropicAssistantBlocks(m anthropicOAIMessage, i int) ([]anthropicBlock, error) {
	param := fmt.Sprintf("messages[%d].content", i)
	parts, err := anthropicParts(m.Content, param)
	if err != nil {
		return nil, err
	}
	var out []anthropicBlock
	for j, p := range parts {
		text := p.Text
		switch p.Type {
		case "text":
		case "refusal":
			text = p.Refusal
		default:
			return nil, errInvalid(fmt.Sprintf("%s[%d].type", param, j), "assistant content may only contain text or refusal parts")
		}
		if text != "" {
			out = append(out, anthropicBlock{Type: "text", Text: text})
		}
	}
	for j, tc := range m.ToolCalls {
		b, err := anthropicToolUse(tc, fmt.Sprintf("messages[%d].tool_calls[%d]", i, j))
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// anthropicToolUse converts one assistant tool call into a tool_use block.
func anthropicToolUse(tc openAIToolCall, param string) (anthropicBlock, error) {
	if tc.Type != "" && tc.Type != "function" {
		return anthropicBlock{}, errInvalid(param+".type", "only function tool calls are supported by Anthropic backends")
	}
	if tc.ID == "" || tc.Function.Name == "" {
		return anthropicBlock{}, errInvalid(param, "%s needs an id and a function name", param)
	}
	input, err := anthropicToolInput(tc.Function.Arguments)
	if err != nil {
		return anthropicBlock{}, errInvalid(param+".function.arguments",
			"%s.function.arguments must be a JSON object encoded as a string", param)
	}
	return anthropicBlock{Type: "tool_use", ID: tc.ID, Name: tc.Function.Name, Input: input}, nil
}

// anthropicToolInput turns OpenAI arguments (a JSON string holding an object;
// an object is tolerated) into a tool_use input object. "" means {}.
func anthropicToolInput(raw json.RawMessage) (json.RawMessage, error) {
	if anthropicIsNull(raw) {
		return json.RawMessage(`{}`), nil
	}
	args := []byte(raw)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		args = []byte(strings.TrimSpace(s))
		if len(args) == 0 {
			return json.RawMessage(`{}`), nil
		}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(args, &obj); err != nil {
		return nil, fmt.Errorf("anthropic: tool arguments: %w", err)
	}
	if obj == nil {
		return nil, errors.New("anthropic: tool arguments are null")
	}
	return args, nil
}

// anthropicToolResult converts a tool message into a tool_result block.
func anthropicToolResult(m anthropicOAIMessage, i int) ([]anthropicBlock, error) {
	if m.ToolCallID == "" {
		return nil, errInvalid(fmt.Sprintf("messages[%d].tool_call_id", i), "messages[%d].tool_call_id is required", i)
	}
	blocks, err := anthropicTextBlocks(m.Content, fmt.Sprintf("messages[%d].content", i))
	if err != nil {
		return nil, err
	}
	var content json.RawMessage
	switch len(blocks) {
	case 0:
	case 1:
		content, _ = json.Marshal(blocks[0].Text)
	default:
		content, _ = json.Marshal(blocks)
	}
	return []anthropicBlock{{Type: "tool_result", ToolUseID: m.ToolCallID, Content: content}}, nil
}
