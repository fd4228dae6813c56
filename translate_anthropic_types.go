// translate_anthropic_types.go: the Anthropic Messages wire format, once.
//
// The same shapes serve both directions — requests Nexus sends to Anthropic
// and requests Anthropic clients send to Nexus, answers read from Anthropic
// and answers written to Anthropic clients — along with the mappings every
// Anthropic translator shares: usage, stop reasons and errors.
package main

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// anthropicVersion is the API version Nexus speaks to Anthropic.
const anthropicVersion = "2023-06-01"

// anthropicRequest is a Messages request body.
type anthropicRequest struct {
	Model         string               `json:"model"`
	MaxTokens     int                  `json:"max_tokens"`
	System        rawJSON              `json:"system,omitempty"`
	Messages      []anthropicMessage   `json:"messages"`
	Metadata      *anthropicMetadata   `json:"metadata,omitempty"`
	StopSequences []string             `json:"stop_sequences,omitempty"`
	Stream        bool                 `json:"stream"`
	Temperature   *float64             `json:"temperature,omitempty"`
	TopP          *float64             `json:"top_p,omitempty"`
	TopK          *int                 `json:"top_k,omitempty"`
	Thinking      *anthropicThinking   `json:"thinking,omitempty"`
	Tools         []anthropicTool      `json:"tools,omitempty"`
	ToolChoice    *anthropicToolChoice `json:"tool_choice,omitempty"`
}

// anthropicMessage is one turn; its content is a list of blocks (a client
// may send a string, which the client translator reads itself).
type anthropicMessage struct {
	Role    string           `json:"role"`
	Content []anthropicBlock `json:"content"`
}

type anthropicMetadata struct {
	UserID string `json:"user_id"`
}

type anthropicThinking struct {
	Type         string `json:"type"`
	BudgetTokens int    `json:"budget_tokens"`
}

type anthropicTool struct {
	Type        string  `json:"type,omitempty"`
	Name        string  `json:"name"`
	Description string  `json:"description,omitempty"`
	InputSchema rawJSON `json:"input_schema"`
}

type anthropicToolChoice struct {
	Type                   string `json:"type"`
	Name                   string `json:"name,omitempty"`
	DisableParallelToolUse bool   `json:"disable_parallel_tool_use,omitempty"`
}

// anthropicBlock is any content block of a request or an answer; each type
// uses its own fields (MarshalJSON writes only those).
type anthropicBlock struct {
	Type      string           `json:"type"`
	Text      string           `json:"text"`
	Source    *anthropicSource `json:"source"`
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Input     rawJSON          `json:"input"`
	ToolUseID string           `json:"tool_use_id"`
	Content   rawJSON          `json:"content"`
	IsError   bool             `json:"is_error"`
	Title     string           `json:"title"`
	Thinking  string           `json:"thinking"`
	Signature string           `json:"signature"`
}

// anthropicSource is an image or document source.
type anthropicSource struct {
	Type      string `json:"type"` // url | base64 | text
	MediaType string `json:"media_type,omitempty"`
	Data      string `json:"data,omitempty"`
	URL       string `json:"url,omitempty"`
}

func (b anthropicBlock) MarshalJSON() ([]byte, error) {
	dst := append([]byte(`{"type":`), appendJSONString(nil, b.Type)...)
	str := func(key, v string) {
		dst = append(append(append(dst, `,"`...), key...), `":`...)
		dst = appendJSONString(dst, v)
	}
	switch b.Type {
	case "text":
		str("text", b.Text)
	case "thinking":
		str("thinking", b.Thinking)
		str("signature", b.Signature)
	case "tool_use":
		str("id", b.ID)
		str("name", b.Name)
		input := b.Input
		if input.absent() {
			input = rawJSON(`{}`)
		}
		dst = append(append(dst, `,"input":`...), input...)
	case "tool_result":
		str("tool_use_id", b.ToolUseID)
		if len(b.Content) > 0 {
			dst = append(append(dst, `,"content":`...), b.Content...)
		}
		if b.IsError {
			dst = append(dst, `,"is_error":true`...)
		}
	default: // image, document
		if b.Source != nil {
			src, err := json.Marshal(b.Source)
			if err != nil {
				return nil, err
			}
			dst = append(append(dst, `,"source":`...), src...)
		}
	}
	return append(dst, '}'), nil
}

// anthropicResponse is a non-streaming Messages answer.
type anthropicResponse struct {
	ID           string           `json:"id"`
	Type         string           `json:"type"`
	Role         string           `json:"role"`
	Model        string           `json:"model"`
	Content      []anthropicBlock `json:"content"`
	StopReason   string           `json:"stop_reason"`
	StopSequence *string          `json:"stop_sequence"`
	Usage        anthropicUsage   `json:"usage"`
}

// anthropicUsage is Anthropic's usage object. Pointers tell absent from 0
// (a stream's message_delta may carry only output_tokens).
type anthropicUsage struct {
	InputTokens              *int `json:"input_tokens,omitempty"`
	CacheCreationInputTokens *int `json:"cache_creation_input_tokens,omitempty"`
	CacheReadInputTokens     *int `json:"cache_read_input_tokens,omitempty"`
	OutputTokens             *int `json:"output_tokens,omitempty"`
	OutputTokensDetails      *struct {
		ThinkingTokens *int `json:"thinking_tokens,omitempty"`
	} `json:"output_tokens_details,omitempty"`
}

func intOr0(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// hasInput reports whether any prompt-side count is present.
func (a *anthropicUsage) hasInput() bool {
	return a.InputTokens != nil || a.CacheCreationInputTokens != nil || a.CacheReadInputTokens != nil
}

// apply folds what a is present into u: InputTokens includes cache tokens;
// thinking tokens are the reasoning part of the output.
func (a *anthropicUsage) apply(u *usage) {
	if a.hasInput() {
		u.CacheReadTokens = intOr0(a.CacheReadInputTokens)
		u.CacheWriteTokens = intOr0(a.CacheCreationInputTokens)
		u.InputTokens = intOr0(a.InputTokens) + u.CacheReadTokens + u.CacheWriteTokens
		u.HasInput = true
	}
	if a.OutputTokens != nil {
		u.OutputTokens, u.HasOutput = *a.OutputTokens, true
	}
	if d := a.OutputTokensDetails; d != nil && d.ThinkingTokens != nil {
		u.ReasoningTokens = *d.ThinkingTokens
	}
}

// anthropicUsageOf is u the Anthropic way, every count present (cache
// tokens are not part of input_tokens; thinking tokens are detailed).
func anthropicUsageOf(u usage) anthropicUsage {
	in := max(u.InputTokens-u.CacheReadTokens-u.CacheWriteTokens, 0)
	a := anthropicUsage{InputTokens: &in, CacheCreationInputTokens: &u.CacheWriteTokens,
		CacheReadInputTokens: &u.CacheReadTokens, OutputTokens: &u.OutputTokens}
	if u.ReasoningTokens > 0 {
		a.OutputTokensDetails = &struct {
			ThinkingTokens *int `json:"thinking_tokens,omitempty"`
		}{&u.ReasoningTokens}
	}
	return a
}

// appendAnthropicUsage writes u the Anthropic way (cache tokens are not part
// of input_tokens); withInput adds the prompt side, which message_start
// always has and message_delta only when it is known.
func appendAnthropicUsage(dst []byte, u usage, withInput bool) []byte {
	dst = append(dst, '{')
	if withInput {
		in := max(u.InputTokens-u.CacheReadTokens-u.CacheWriteTokens, 0)
		dst = append(dst, `"input_tokens":`...)
		dst = strconv.AppendInt(dst, int64(in), 10)
		dst = append(dst, `,"cache_creation_input_tokens":`...)
		dst = strconv.AppendInt(dst, int64(u.CacheWriteTokens), 10)
		dst = append(dst, `,"cache_read_input_tokens":`...)
		dst = strconv.AppendInt(dst, int64(u.CacheReadTokens), 10)
		dst = append(dst, ',')
	}
	dst = append(dst, `"output_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.OutputTokens), 10)
	if u.ReasoningTokens > 0 {
		dst = append(dst, `,"output_tokens_details":{"thinking_tokens":`...)
		dst = strconv.AppendInt(dst, int64(u.ReasoningTokens), 10)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// anthropicFinish maps a stop_reason to the hub's finish reason; unknown
// reasons count as a normal stop.
func anthropicFinish(stop string) string {
	switch stop {
	case "max_tokens", "model_context_window_exceeded":
		return finishLength
	case "tool_use":
		return finishToolCalls
	case "refusal":
		return finishContentFilter
	}
	return finishStop // end_turn, stop_sequence, pause_turn, unknown
}

// anthropicStopReason maps a hub finish reason to Anthropic's.
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
	if stopSequence {
		return "stop_sequence"
	}
	return "end_turn"
}

// anthropicErrorMessage reads {"type":"error","error":{"type","message"}}.
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

// anthropicErrorStatus is the HTTP status for an Anthropic error type (for
// errors inside a stream, whose HTTP status was already 200).
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

// anthropicErrorType is Anthropic's error type for an HTTP status.
func anthropicErrorType(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request_error"
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case http.StatusServiceUnavailable, 529:
		return "overloaded_error"
	}
	if status >= 400 && status < 500 {
		return "invalid_request_error"
	}
	return "api_error"
}

// anthropicErrorBody renders an *apiError as Anthropic's envelope, with the
// same top-level "context" as the OpenAI envelope when there is one.
func anthropicErrorBody(e *apiError) []byte {
	type inner struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	}
	b, err := marshalJSON(struct {
		Type    string `json:"type"`
		Error   inner  `json:"error"`
		Context any    `json:"context,omitempty"`
	}{"error", inner{anthropicErrorType(e.Status), e.Message}, e.Context})
	if err != nil { // cannot happen: strings and numbers only
		return []byte(`{"type":"error","error":{"type":"api_error","message":"internal error"}}`)
	}
	return b
}

// anthropicErrorEvent renders a mid-stream failure as an "event: error" frame.
func anthropicErrorEvent(e *apiError) []byte {
	return appendSSE(nil, "error", anthropicErrorBody(e))
}
