// translate_messages_content.go: Anthropic conversation turns and content
// blocks -> OpenAI chat messages.
//
// Choices made where the formats differ:
//   - Text blocks that must become one OpenAI string (system, assistant text,
//     tool results, text-only user turns) are joined with a blank line.
//     User turns holding an image or document become an array of parts.
//   - tool_result blocks become "tool" messages placed before the rest of
//     their user turn; is_error:true prefixes the content with "Error: ".
//     Images and documents inside a tool result cannot live in a tool message,
//     so they move, in order, into the user message that follows.
//   - thinking and redacted_thinking blocks in assistant turns are dropped
//     (no OpenAI-compatible backend can verify or use them); everywhere else,
//     and for any unknown block type, the request is a 400 naming the block.
//   - document blocks: text sources become text; base64 sources become an
//     OpenAI "file" part; URL and content sources are a 400.
package main

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// msgsBlock is any content block; fields not used by its type stay zero.
type msgsBlock struct {
	Type      string      `json:"type"`
	Text      string      `json:"text"`
	Source    *msgsSource `json:"source"`
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Input     rawJSON     `json:"input"`
	ToolUseID string      `json:"tool_use_id"`
	Content   rawJSON     `json:"content"`
	IsError   bool        `json:"is_error"`
	Title     string      `json:"title"`
}

type msgsSource struct {
	Type      string `json:"type"`
	MediaType string `json:"media_type"`
	Data      string `json:"data"`
	URL       string `json:"url"`
}

// oaiMessage is one OpenAI chat message. Content is a string, a []oaiPart, or
// nil (null: an assistant turn that only calls tools).
type oaiMessage struct {
	Role       string        `json:"role"`
	Content    any           `json:"content"`
	ToolCalls  []oaiToolCall `json:"tool_calls,omitempty"`
	ToolCallID string        `json:"tool_call_id,omitempty"`
}

type oaiToolCall struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	Function oaiFunctionCall `json:"function"`
}

type oaiFunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type oaiPart struct {
	Type     string       `json:"type"`
	Text     string       `json:"text,omitempty"`
	ImageURL *oaiImageURL `json:"image_url,omitempty"`
	File     *oaiFile     `json:"file,omitempty"`
}

type oaiImageURL struct {
	URL string `json:"url"`
}

type oaiFile struct {
	Filename string `json:"filename,omitempty"`
	FileData string `json:"file_data"`
}

// blockPath names one content block in error messages.
type blockPath struct{ msg, block int }

// appendTurn appends the OpenAI messages for one Anthropic turn.
func appendTurn(out []oaiMessage, i int, m *msgsMessage) ([]oaiMessage, error) {
	if m.Role != "user" && m.Role != "assistant" {
		return out, errInvalid("messages", "messages.%d.role: Input should be 'user' or 'assistant'", i)
	}
	switch m.Content.kind() {
	case '"':
		return append(out, oaiMessage{Role: m.Role, Content: m.Content.str()}), nil
	case '[':
	case 0, 'n':
		return out, errInvalid("messages", "messages.%d.content: Field required", i)
	default:
		return out, errInvalid("messages", "messages.%d.content: Input should be a string or a list of content blocks", i)
	}
	var blocks []msgsBlock
	if err := json.Unmarshal(m.Content, &blocks); err != nil {
		e := decodeError(err)
		e.Message = "messages." + itoa(i) + ".content: " + e.Message
		return out, e
	}
	if m.Role == "assistant" {
		return appendAssistantTurn(out, i, blocks)
	}
	return appendUserTurn(out, i, blocks)
}

// appendUserTurn emits the turn's tool results as tool messages, then one
// user message with whatever else it holds.
func appendUserTurn(out []oaiMessage, i int, blocks []msgsBlock) ([]oaiMessage, error) {
	var parts []oaiPart
	for j := range blocks {
		b, at := &blocks[j], blockPath{i, j}
		switch b.Type {
		case "text":
			if b.Text != "" {
				parts = append(parts, oaiPart{Type: "text", Text: b.Text})
			}
		case "image":
			p, err := imagePart(at, b.Source)
			if err != nil {
				return out, err
			}
			parts = append(parts, p)
		case "document":
			p, err := documentPart(at, b)
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
	return append(out, oaiMessage{Role: "user", Content: partsContent(parts)}), nil
}

// partsContent is a joined string when every part is text, else the parts.
func partsContent(parts []oaiPart) any {
	for _, p := range parts {
		if p.Type != "text" {
			return parts
		}
	}
	if len(parts) == 1 {
		return parts[0].Text
	}
	var buf bytes.Buffer
	for k, p := range parts {
		if k > 0 {
			buf.WriteString(blockSeparator)
		}
		buf.WriteString(p.Text)
	}
	return buf.String()
}

// appendAssistantTurn joins the text and turns tool_use blocks into tool_calls.
func appendAssistantTurn(out []oaiMessage, i int, blocks []msgsBlock) ([]oaiMessage, error) {
	var text bytes.Buffer
	hasText := false
	msg := oaiMessage{Role: "assistant"}
	for j := range blocks {
		b, at := &blocks[j], blockPath{i, j}
		switch b.Type {
		case "text":
			if b.Text == "" {
				continue
			}
			if hasText {
				text.WriteString(blockSeparator)
			}
			text.WriteString(b.Text)
			hasText = true
		case "tool_use":
			call, err := toolCall(at, b)
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
	switch {
	case hasText:
		msg.Content = text.String()
	case len(msg.ToolCalls) == 0:
		msg.Content = ""
	}
	return append(out, msg), nil
}

// toolCall maps a tool_use block; arguments are the compacted input object.
func toolCall(at blockPath, b *msgsBlock) (oaiToolCall, error) {
	if b.ID == "" {
		return oaiToolCall{}, blockError(at, "id: Field required")
	}
	if b.Name == "" {
		return oaiToolCall{}, blockError(at, "name: Field required")
	}
	args := "{}"
	if !b.Input.absent() {
		if b.Input.kind() != '{' {
			return oaiToolCall{}, blockError(at, "input: Input should be an object")
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, b.Input); err != nil {
			return oaiToolCall{}, blockError(at, "input: invalid JSON")
		}
		args = buf.String()
	}
	return oaiToolCall{ID: b.ID, Type: "function", Function: oaiFunctionCall{Name: b.Name, Arguments: args}}, nil
}

// toolResultMessage maps a tool_result block to a tool message; images and
// documents it holds are returned to be moved into the next user message.
func toolResultMessage(at blockPath, b *msgsBlock) (oaiMessage, []oaiPart, error) {
	if b.ToolUseID == "" {
		return oaiMessage{}, nil, blockError(at, "tool_use_id: Field required")
	}
	text, moved, err := toolResultContent(at, b.Content)
	if err != nil {
		return oaiMessage{}, nil, err
	}
	if b.IsError {
		text = "Error: " + text
	}
	return oaiMessage{Role: "tool", ToolCallID: b.ToolUseID, Content: text}, moved, nil
}

// toolResultContent reads a tool_result's content: a string or blocks.
func toolResultContent(at blockPath, raw rawJSON) (string, []oaiPart, error) {
	switch raw.kind() {
	case 0, 'n':
		return "", nil, nil
	case '"':
		return raw.str(), nil, nil
	case '[':
	default:
		return "", nil, blockError(at, "content: Input should be a string or a list of content blocks")
	}
	var blocks []msgsBlock
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return "", nil, blockError(at, "content: invalid content blocks")
	}
	var text bytes.Buffer
	var moved []oaiPart
	for k := range blocks {
		c := &blocks[k]
		switch c.Type {
		case "text":
			if c.Text == "" {
				continue
			}
			if text.Len() > 0 {
				text.WriteString(blockSeparator)
			}
			text.WriteString(c.Text)
		case "image":
			p, err := imagePart(at, c.Source)
			if err != nil {
				return "", nil, err
			}
			moved = append(moved, p)
		case "document":
			p, err := documentPart(at, c)
			if err != nil {
				return "", nil, err
			}
			moved = append(moved, p)
		default:
			return "", nil, blockError(at, "content."+itoa(k)+": content block type "+quote(c.Type)+" is not supported in tool_result")
		}
	}
	return text.String(), moved, nil
}

// imagePart maps an image source to an image_url part.
func imagePart(at blockPath, src *msgsSource) (oaiPart, error) {
	if src == nil {
		return oaiPart{}, blockError(at, "source: Field required")
	}
	switch src.Type {
	case "base64":
		if src.MediaType == "" || src.Data == "" {
			return oaiPart{}, blockError(at, "source: base64 images need media_type and data")
		}
		return oaiPart{Type: "image_url", ImageURL: &oaiImageURL{URL: dataURL(src)}}, nil
	case "url":
		if src.URL == "" {
			return oaiPart{}, blockError(at, "source.url: Field required")
		}
		return oaiPart{Type: "image_url", ImageURL: &oaiImageURL{URL: src.URL}}, nil
	default:
		return oaiPart{}, blockError(at, "source: image source type "+quote(src.Type)+" is not supported by this backend")
	}
}

// documentPart maps a document block to a text or file part.
func documentPart(at blockPath, b *msgsBlock) (oaiPart, error) {
	src := b.Source
	if src == nil {
		return oaiPart{}, blockError(at, "source: Field required")
	}
	switch src.Type {
	case "text":
		return oaiPart{Type: "text", Text: src.Data}, nil
	case "base64":
		if src.MediaType == "" || src.Data == "" {
			return oaiPart{}, blockError(at, "source: base64 documents need media_type and data")
		}
		name := b.Title
		if name == "" {
			name = "document.pdf"
		}
		return oaiPart{Type: "file", File: &oaiFile{Filename: name, FileData: dataURL(src)}}, nil
	default:
		return oaiPart{}, blockError(at, "source: document source type "+quote(src.Type)+" is not supported by this backend")
	}
}

// dataURL renders a base64 source as a data: URL.
func dataURL(src *msgsSource) string {
	return "data:" + src.MediaType + ";base64," + src.Data
}

// unsupportedBlock is the 400 for a block type that cannot be translated.
func unsupportedBlock(at blockPath, typ, role string) *apiError {
	if typ == "" {
		return blockError(at, "type: Field required")
	}
	return blockError(at, "content block type "+quote(typ)+" is not supported in "+role+" messages by this backend")
}

// blockError is a 400 naming messages.<i>.content.<j>.
func blockError(at blockPath, msg string) *apiError {
	return errInvalid("messages", "messages.%d.content.%d: %s", at.msg, at.block, msg)
}

func itoa(i int) string { return strconv.Itoa(i) }

// quote renders a clipped client token as a JSON string for a message.
func quote(s string) string { return string(appendJSONString(nil, clip(s))) }
