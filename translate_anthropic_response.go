// translate_anthropic_response.go: Anthropic answers -> OpenAI answers.
//
// A non-streaming Anthropic message becomes an OpenAI chat.completion; error
// bodies and the model list are read here too, as are the stop-reason and
// usage mappings shared with the stream translator
// (translate_anthropic_stream.go).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// anthropicNow is the clock for "created" (a variable so tests can pin it).
var anthropicNow = func() int64 { return time.Now().Unix() }

// anthropicUsage is Anthropic's usage object. Pointers tell absent from 0
// (a stream's message_delta may carry only output_tokens).
type anthropicUsage struct {
	InputTokens              *int `json:"input_tokens"`
	OutputTokens             *int `json:"output_tokens"`
	CacheCreationInputTokens *int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     *int `json:"cache_read_input_tokens"`
}

// anthropicIntOr returns *p, or 0 when p is nil.
func anthropicIntOr(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// hasInput reports whether any prompt-side count is present.
func (a *anthropicUsage) hasInput() bool {
	return a.InputTokens != nil || a.CacheCreationInputTokens != nil || a.CacheReadInputTokens != nil
}

// applyInput sets the prompt side of u: InputTokens includes cache tokens.
func (a *anthropicUsage) applyInput(u *usage) {
	u.CacheReadTokens = anthropicIntOr(a.CacheReadInputTokens)
	u.CacheWriteTokens = anthropicIntOr(a.CacheCreationInputTokens)
	u.InputTokens = anthropicIntOr(a.InputTokens) + u.CacheReadTokens + u.CacheWriteTokens
	u.HasInput = true
}

// anthropicFinishReason maps an Anthropic stop_reason to an OpenAI
// finish_reason; unknown reasons count as a normal stop.
func anthropicFinishReason(stop string) string {
	switch stop {
	case "max_tokens", "model_context_window_exceeded":
		return "length"
	case "tool_use":
		return "tool_calls"
	case "refusal":
		return "content_filter"
	}
	return "stop" // end_turn, stop_sequence, pause_turn, unknown
}

// anthropicResponse is a non-streaming Anthropic message.
type anthropicResponse struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Model      string `json:"model"`
	StopReason string `json:"stop_reason"`
	Content    []struct {
		Type     string          `json:"type"`
		Text     string          `json:"text"`
		Thinking string          `json:"thinking"`
		ID       string          `json:"id"`
		Name     string          `json:"name"`
		Input    json.RawMessage `json:"input"`
	} `json:"content"`
	Usage anthropicUsage `json:"usage"`
}

// anthropicOAIRespMsg is the assistant message of the chat.completion we return.
type anthropicOAIRespMsg = openAIAnswerMessage[openAIToolCall]

// openAIResponseFromAnthropic translates a non-streaming Anthropic message into an OpenAI chat.completion body.
// err (not *apiError) means untranslatable.
func openAIResponseFromAnthropic(body []byte) (out []byte, u usage, err error) {
	var r anthropicResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, usage{}, fmt.Errorf("anthropic: decode message: %w", err)
	}
	if r.Type != "message" {
		return nil, usage{}, errors.New("anthropic: answer is not a message")
	}
	msg := anthropicOAIRespMsg{Role: "assistant"}
	var text, thinking strings.Builder
	hasText := false
	for _, c := range r.Content {
		switch c.Type {
		case "text":
			text.WriteString(c.Text)
			hasText = true
		case "thinking":
			thinking.WriteString(c.Thinking)
		case "tool_use":
			call, err := anthropicToolCall(c.ID, c.Name, c.Input)
			if err != nil {
				return nil, usage{}, err
			}
			msg.ToolCalls = append(msg.ToolCalls, call)
		} // redacted_thinking, server tool blocks and unknown blocks carry nothing an OpenAI client can use
	}
	if hasText || len(msg.ToolCalls) == 0 {
		s := text.String()
		msg.Content = &s
	}
	msg.ReasoningContent = thinking.String()
	r.Usage.applyInput(&u)
	u.OutputTokens, u.HasOutput = anthropicIntOr(r.Usage.OutputTokens), true
	resp := openAICompletion[anthropicOAIRespMsg]{
		ID: "chatcmpl-" + r.ID, Object: "chat.completion", Created: anthropicNow(), Model: r.Model,
		Choices: []openAIChoice[anthropicOAIRespMsg]{{Message: msg,
			FinishReason: anthropicFinishReason(r.StopReason)}},
		Usage: openAIAppendUsage(nil, u, false),
	}
	out, err = json.Marshal(&resp)
	if err != nil {
		return nil, usage{}, fmt.Errorf("anthropic: encode completion: %w", err)
	}
	return out, u, nil
}

// anthropicToolCall converts a tool_use block; arguments are the compact
// JSON text of its input ("{}" when absent), encoded as a JSON string.
func anthropicToolCall(id, name string, input json.RawMessage) (openAIToolCall, error) {
	call := openAIToolCall{ID: id, Type: "function", Function: openAIFunctionCall{Name: name}}
	args := []byte("{}")
	if !anthropicIsNull(input) {
		b, err := json.Marshal(input) // compacts
		if err != nil {
			return call, fmt.Errorf("anthropic: tool_use input: %w", err)
		}
		args = b
	}
	call.Function.Arguments, _ = json.Marshal(string(args)) // a string cannot fail
	return call, nil
}

// anthropicErrorMessage extracts the message and type from an Anthropic error body {"type":"error","error":{"type","message"}}.
func anthropicErrorMessage(body []byte) (errType, message string, ok bool) {
	var v struct {
		Error *struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil || v.Error == nil || (v.Error.Type == "" && v.Error.Message == "") {
		return "", "", false
	}
	return v.Error.Type, v.Error.Message, true
}

// anthropicErrorStatus is the HTTP status for an Anthropic error type (used
// for errors reported inside a stream, where the HTTP status was already 200).
func anthropicErrorStatus(errType string) int {
	switch errType {
	case "invalid_request_error":
		return http.StatusBadRequest
	case "authentication_error":
		return http.StatusUnauthorized
	case "permission_error":
		return http.StatusForbidden
	case "not_found_error":
		return http.StatusNotFound
	case "request_too_large":
		return http.StatusRequestEntityTooLarge
	case "rate_limit_error":
		return http.StatusTooManyRequests
	case "overloaded_error":
		return http.StatusServiceUnavailable // Anthropic's 529 is not a standard status
	case "timeout_error":
		return http.StatusGatewayTimeout
	}
	return http.StatusBadGateway // api_error and anything unknown
}

// anthropicModelIDs parses GET /v1/models ({"data":[{"id":..}],"has_more","last_id"}).
func anthropicModelIDs(body []byte) (ids []string, hasMore bool, lastID string, err error) {
	var v struct {
		Data *[]struct {
			ID string `json:"id"`
		} `json:"data"`
		HasMore bool   `json:"has_more"`
		LastID  string `json:"last_id"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, false, "", fmt.Errorf("anthropic: decode model list: %w", err)
	}
	if v.Data == nil {
		return nil, false, "", errors.New("anthropic: model list has no data")
	}
	for _, m := range *v.Data {
		if m.ID != "" {
			ids = append(ids, m.ID)
		}
	}
	return ids, v.HasMore, v.LastID, nil
}
