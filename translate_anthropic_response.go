// translate_anthropic_response.go: non-streaming answers between the
// Anthropic Messages format and the hub, both ways.
//
// Anthropic -> hub (an `anthropic` backend's answer): text blocks joined,
// thinking becomes reasoning_content, tool_use blocks become tool calls with
// the compact JSON of their input ("{}" when there is none); redacted
// thinking and server tool blocks carry nothing another client can use.
//
// hub -> Anthropic (an answer for an Anthropic client):
//   - id is "msg_" + the completion id without "chatcmpl-", or random hex.
//   - Content order: thinking (signature ""), text (a refusal is text; the
//     text is omitted when empty and there are tool calls), tool_use blocks.
//   - Tool arguments that are not a JSON object: a JSON string holding one
//     (double encoding, seen on some local servers) is unwrapped; empty or
//     unparsable arguments become {} so the client's tool reports the bad
//     input instead of the whole turn failing.
//   - stop_reason: stop -> end_turn (stop_sequence when vLLM names the
//     matched stop string), length -> max_tokens, tool_calls -> tool_use
//     (also when a server says "stop" but returned calls), content_filter
//     -> refusal.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

func (anthropicCodec) response(body []byte, model string) (*chatCompletion, error) {
	var r anthropicResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("anthropic: decode message: %w", err)
	}
	if r.Type != "message" {
		return nil, errors.New("anthropic: answer is not a message")
	}
	if r.Model == "" {
		r.Model = model
	}
	msg := chatMessage{Role: "assistant"}
	var text, thinking strings.Builder
	hasText := false
	for _, b := range r.Content {
		switch b.Type {
		case "text":
			text.WriteString(b.Text)
			hasText = true
		case "thinking":
			thinking.WriteString(b.Thinking)
		case "tool_use":
			args := []byte("{}")
			if !b.Input.absent() {
				var buf bytes.Buffer
				if err := json.Compact(&buf, b.Input); err != nil {
					return nil, fmt.Errorf("anthropic: tool_use input: %w", err)
				}
				args = buf.Bytes()
			}
			msg.ToolCalls = append(msg.ToolCalls, toolCall{ID: b.ID, Type: "function",
				Function: functionCall{Name: b.Name, Arguments: toolArguments(args)}})
		}
	}
	msg.Content = textContent(text.String())
	if !hasText && len(msg.ToolCalls) > 0 {
		msg.Content = chatContent{Null: true}
	}
	msg.ReasoningContent = thinking.String()
	var u usage
	r.Usage.apply(&u)
	c := newCompletion(r.ID, r.Model)
	c.Choices = []chatChoice{{Message: msg, FinishReason: anthropicFinish(r.StopReason)}}
	c.setUsage(u)
	return c, nil
}

func (anthropicClient) response(_ *inbound, c *chatCompletion) ([]byte, error) {
	if len(c.Choices) == 0 {
		return nil, errNoChoices
	}
	ch := &c.Choices[0]
	m := &ch.Message
	out := anthropicResponse{ID: messageID(c.ID), Type: "message", Role: "assistant", Model: c.Model}
	if r := m.reasoning(); r != "" {
		out.Content = append(out.Content, anthropicBlock{Type: "thinking", Thinking: r})
	}
	text := m.Content.joined("")
	if text == "" {
		text = m.Refusal
	}
	calls := m.ToolCalls
	if m.FunctionCall != nil {
		calls = append(calls, toolCall{Function: *m.FunctionCall})
	}
	if text != "" || len(calls) == 0 {
		out.Content = append(out.Content, anthropicBlock{Type: "text", Text: text})
	}
	for _, tc := range calls {
		id := tc.ID
		if id == "" {
			id = "toolu_" + randomHex(12)
		}
		out.Content = append(out.Content, anthropicBlock{Type: "tool_use", ID: id, Name: tc.Function.Name,
			Input: toolInput(string(tc.Function.Arguments))})
	}
	stopSeq := ch.StopReason.str()
	out.StopReason = anthropicStopReason(canonicalFinish(ch.FinishReason), len(calls) > 0,
		stopSeq != "" && canonicalFinish(ch.FinishReason) == finishStop)
	if out.StopReason == "stop_sequence" {
		out.StopSequence = &stopSeq
	}
	u, _ := c.usage()
	out.Usage = anthropicUsageOf(u)
	body, err := marshalJSON(&out)
	if err != nil {
		return nil, fmt.Errorf("messages: encoding response: %w", err)
	}
	return body, nil
}

// toolInput turns OpenAI arguments into an Anthropic input object.
func toolInput(args string) rawJSON {
	s := []byte(args)
	for range 2 { // at most one level of double encoding
		s = bytes.TrimSpace(s)
		switch {
		case len(s) > 0 && s[0] == '{' && json.Valid(s):
			var buf bytes.Buffer
			if json.Compact(&buf, s) != nil {
				return rawJSON(`{}`)
			}
			return buf.Bytes()
		case len(s) > 0 && s[0] == '"':
			var inner string
			if json.Unmarshal(s, &inner) != nil {
				return rawJSON(`{}`)
			}
			s = []byte(inner)
		default:
			return rawJSON(`{}`)
		}
	}
	return rawJSON(`{}`)
}

// messageID derives an Anthropic message id from a completion id.
func messageID(id string) string {
	id = strings.TrimPrefix(id, "chatcmpl-")
	if id == "" {
		id = randomHex(12)
	}
	if strings.HasPrefix(id, "msg_") {
		return id
	}
	return "msg_" + id
}
