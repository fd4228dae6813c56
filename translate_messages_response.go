// translate_messages_response.go: an OpenAI chat.completion answer -> an
// Anthropic Messages response body.
//
// Choices made where the formats differ:
//   - id is "msg_" + the OpenAI id without "chatcmpl-", or random hex.
//   - Content order: thinking (from reasoning_content, or "reasoning" as
//     vLLM/Ollama/OpenRouter name it; signature ""), then text (omitted when
//     empty and there are tool calls), then tool_use blocks.
//   - Tool arguments that are not a JSON object: a JSON string holding an
//     object (double encoding, seen on some local servers) is unwrapped; empty
//     or unparsable arguments become input {} and translation goes on, so the
//     client's tool reports the bad input instead of the whole turn failing.
//   - stop_reason: stop -> end_turn (stop_sequence when vLLM names the
//     matched stop string), length -> max_tokens, tool_calls/function_call ->
//     tool_use (also when a server says "stop" but returned tool calls),
//     content_filter -> refusal.
//   - usage: input_tokens = prompt_tokens - cached, cache_read_input_tokens =
//     cached, cache_creation_input_tokens 0, output_tokens = completion_tokens.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// errNoChoices is returned for a chat.completion without choices.
var errNoChoices = errors.New("messages: OpenAI response has no choices")

type oaiResponse struct {
	ID      string       `json:"id"`
	Model   string       `json:"model"`
	Choices []oaiChoice  `json:"choices"`
	Usage   *openAIUsage `json:"usage"`
}

type oaiChoice struct {
	Message struct {
		Content          rawJSON `json:"content"`
		ReasoningContent rawJSON `json:"reasoning_content"`
		Reasoning        rawJSON `json:"reasoning"`
		Refusal          rawJSON `json:"refusal"`
		ToolCalls        []struct {
			ID       string `json:"id"`
			Function struct {
				Name      string  `json:"name"`
				Arguments rawJSON `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
		FunctionCall *struct {
			Name      string  `json:"name"`
			Arguments rawJSON `json:"arguments"`
		} `json:"function_call"`
	} `json:"message"`
	FinishReason rawJSON `json:"finish_reason"`
	StopReason   rawJSON `json:"stop_reason"` // vLLM: the matched stop string
}

type msgsResponse struct {
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	Role         string            `json:"role"`
	Model        string            `json:"model"`
	Content      []anthropicOutput `json:"content"`
	StopReason   string            `json:"stop_reason"`
	StopSequence *string           `json:"stop_sequence"`
	Usage        msgsUsage         `json:"usage"`
}

// anthropicOutput is one response content block; pointers keep each type's
// own fields (and an empty text) on the wire.
type anthropicOutput struct {
	Type      string          `json:"type"`
	Text      *string         `json:"text,omitempty"`
	Thinking  *string         `json:"thinking,omitempty"`
	Signature *string         `json:"signature,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
}

type msgsUsage struct {
	InputTokens              int `json:"input_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
	OutputTokens             int `json:"output_tokens"`
}

// messagesResponseFromOpenAI translates an OpenAI chat.completion into an
// Anthropic message body. Errors mean the answer could not be read (the core
// answers 502).
func messagesResponseFromOpenAI(body []byte) ([]byte, usage, error) {
	var in oaiResponse
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, usage{}, fmt.Errorf("messages: unreadable OpenAI response: %w", err)
	}
	if len(in.Choices) == 0 {
		return nil, usage{}, errNoChoices
	}
	c := &in.Choices[0]
	out := msgsResponse{ID: messageID(in.ID), Type: "message", Role: "assistant", Model: in.Model}
	out.Content = responseBlocks(c)
	sawTool := len(c.Message.ToolCalls) > 0 || c.Message.FunctionCall != nil
	stopSeq := ""
	if c.StopReason.isString() {
		stopSeq = c.StopReason.str()
	}
	out.StopReason = anthropicStopReason(finishReasonOf(c.FinishReason), sawTool, stopSeq != "")
	if out.StopReason == "stop_sequence" {
		out.StopSequence = &stopSeq
	}
	var u usage
	if in.Usage != nil {
		u = in.Usage.toUsage()
		out.Usage = anthropicUsageOf(u)
	}
	b, err := marshalJSON(&out)
	if err != nil {
		return nil, usage{}, fmt.Errorf("messages: encoding response: %w", err)
	}
	return b, u, nil
}

// responseBlocks builds thinking, text and tool_use blocks in that order.
func responseBlocks(c *oaiChoice) []anthropicOutput {
	m := &c.Message
	blocks := make([]anthropicOutput, 0, 2+len(m.ToolCalls))
	thinking := m.ReasoningContent.str()
	if thinking == "" {
		thinking = m.Reasoning.str()
	}
	if thinking != "" {
		blocks = append(blocks, anthropicOutput{Type: "thinking", Thinking: &thinking, Signature: new(string)})
	}
	text := contentText(m.Content)
	if text == "" {
		text = m.Refusal.str()
	}
	hasCalls := len(m.ToolCalls) > 0 || m.FunctionCall != nil
	if text != "" || !hasCalls {
		blocks = append(blocks, anthropicOutput{Type: "text", Text: &text})
	}
	for _, tc := range m.ToolCalls {
		id := tc.ID
		if id == "" {
			id = "toolu_" + randomHex(12)
		}
		blocks = append(blocks, anthropicOutput{Type: "tool_use", ID: id, Name: tc.Function.Name,
			Input: toolInput(tc.Function.Arguments)})
	}
	if fc := m.FunctionCall; fc != nil {
		blocks = append(blocks, anthropicOutput{Type: "tool_use", ID: "toolu_" + randomHex(12), Name: fc.Name,
			Input: toolInput(fc.Arguments)})
	}
	return blocks
}

// contentText reads message content: a string, or an array of text parts.
func contentText(raw rawJSON) string {
	switch raw.kind() {
	case '"':
		return raw.str()
	case '[':
		var parts []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if json.Unmarshal(raw, &parts) != nil {
			return ""
		}
		var sb strings.Builder
		for _, p := range parts {
			if p.Type == "text" {
				sb.WriteString(p.Text)
			}
		}
		return sb.String()
	}
	return ""
}

// emptyInput is the tool input used when the arguments are not an object.
var emptyInput = json.RawMessage(`{}`)

// toolInput turns OpenAI's arguments string into an Anthropic input object.
func toolInput(raw rawJSON) json.RawMessage {
	args := []byte(raw.str())
	for range 2 { // at most one level of double encoding
		args = bytes.TrimSpace(args)
		switch {
		case len(args) > 0 && args[0] == '{' && json.Valid(args):
			var buf bytes.Buffer
			if json.Compact(&buf, args) != nil {
				return emptyInput
			}
			return buf.Bytes()
		case len(args) > 0 && args[0] == '"':
			var inner string
			if json.Unmarshal(args, &inner) != nil {
				return emptyInput
			}
			args = []byte(inner)
		default:
			return emptyInput
		}
	}
	return emptyInput
}

// messageID derives an Anthropic message id from an OpenAI completion id.
func messageID(openAIID string) string {
	id := strings.TrimPrefix(openAIID, "chatcmpl-")
	if id == "" {
		id = randomHex(12)
	}
	return "msg_" + id
}

// finishReason values, canonical.
const (
	finishNone          = ""
	finishStop          = "stop"
	finishLength        = "length"
	finishToolCalls     = "tool_calls"
	finishContentFilter = "content_filter"
	finishOther         = "other"
)

// finishReasonOf maps a raw finish_reason to a canonical constant without
// allocating.
func finishReasonOf(raw rawJSON) string {
	if !raw.isString() {
		return finishNone
	}
	switch string(raw[1 : len(raw)-1]) {
	case "stop", "eos", "end_turn":
		return finishStop
	case "length", "max_tokens":
		return finishLength
	case "tool_calls", "function_call", "tool_use":
		return finishToolCalls
	case "content_filter":
		return finishContentFilter
	case "":
		return finishNone
	}
	return finishOther
}

// anthropicStopReason maps a canonical finish reason to Anthropic's.
func anthropicStopReason(finish string, sawTool, stopSequence bool) string {
	switch finish {
	case finishLength:
		return "max_tokens"
	case finishToolCalls:
		return "tool_use"
	case finishContentFilter:
		return "refusal"
	}
	if sawTool {
		return "tool_use"
	}
	if stopSequence && finish == finishStop {
		return "stop_sequence"
	}
	return "end_turn"
}

// anthropicUsageOf renders normalised usage the Anthropic way (cache reads
// are not part of input_tokens).
func anthropicUsageOf(u usage) msgsUsage {
	in := u.InputTokens - u.CacheReadTokens - u.CacheWriteTokens
	if in < 0 {
		in = 0
	}
	return msgsUsage{InputTokens: in, CacheCreationInputTokens: u.CacheWriteTokens,
		CacheReadInputTokens: u.CacheReadTokens, OutputTokens: u.OutputTokens}
}
