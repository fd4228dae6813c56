// translate_openai.go: the OpenAI chat wire format on both sides of the hub.
//
// The hub is OpenAI chat, so this codec is thin: an OpenAI client's request
// decodes straight into it (when its backend speaks another format), and a
// request for an OpenAI-compatible backend (from an Anthropic or Responses
// client) is the hub encoded, with two backend rules: OpenAI's reasoning
// models (the provider's reasoningModel rule) take max_completion_tokens and
// reasoning_effort, and a translated stream asks for usage. The streams are
// in translate_openai_stream.go.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

func init() { clientCodecs[opChat] = openAIClient{} }

// openAIClient is the OpenAI chat format as clients speak it.
type openAIClient struct{}

func (openAIClient) request(body []byte) (*chatRequest, error) { return decodeChatRequest(body) }

func (openAIClient) response(_ *inbound, c *chatCompletion) ([]byte, error) {
	for i := range c.Choices {
		if m := &c.Choices[i].Message; len(m.ToolCalls) > 0 && m.Content.absent() {
			m.Content = chatContent{Null: true} // OpenAI's shape for a turn that only calls tools
		}
	}
	return marshalJSON(c)
}

func (openAIClient) stream(in *inbound, model string) streamEncoder {
	return &openAIChunkWriter{includeUsage: in.includeUsage, model: model}
}

func (openAIClient) errorBody(e *apiError) []byte { return openAIErrorBody(e) }

func (openAIClient) errorEvent(e *apiError) []byte { return appendSSE(nil, "", openAIErrorBody(e)) }

// openAICodec is the OpenAI chat format as OpenAI-compatible backends speak
// it. reasoningModel, when set, tells which models take reasoning controls.
type openAICodec struct {
	reasoningModel func(model string) bool
}

func (c openAICodec) request(req *chatRequest, model string) ([]byte, error) {
	out := *req
	out.Model = model
	if c.reasoningModel != nil && c.reasoningModel(model) {
		if out.MaxTokens != nil && out.MaxCompletionTokens == nil {
			out.MaxCompletionTokens, out.MaxTokens = out.MaxTokens, nil // reasoning models reject max_tokens
		}
		if out.ReasoningEffort == "" {
			out.ReasoningEffort = reasoningEffortForBudget(req.ThinkingBudget)
		}
	}
	if out.Stream {
		out.StreamOptions = &streamOptions{IncludeUsage: true} // a translated stream reports usage at its end
	}
	b, err := marshalJSON(&out)
	if err != nil {
		return nil, errBody("", "request could not be encoded", err)
	}
	return b, nil
}

// reasoningEffortForBudget maps an Anthropic thinking budget to an OpenAI
// reasoning_effort ("" for no thinking). Claude Code's "think" (4000),
// "think hard" (10000) and "ultrathink" (31999) land on low, medium, high.
func reasoningEffortForBudget(budget int) string {
	switch {
	case budget <= 0:
		return ""
	case budget < 4096:
		return "low"
	case budget <= 16384:
		return "medium"
	default:
		return "high"
	}
}

// errNoChoices is returned for a chat.completion without choices.
var errNoChoices = errors.New("openai: completion has no choices")

func (openAICodec) response(body []byte, model string) (*chatCompletion, error) {
	var c chatCompletion
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, fmt.Errorf("openai: unreadable completion: %w", err)
	}
	if len(c.Choices) == 0 {
		return nil, errNoChoices
	}
	if c.Model == "" {
		c.Model = model
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		ch.FinishReason = canonicalFinish(ch.FinishReason)
		if ch.Message.ReasoningContent == "" {
			ch.Message.ReasoningContent, ch.Message.Reasoning = ch.Message.Reasoning, ""
		}
	}
	return &c, nil
}

func (openAICodec) stream(model string) streamDecoder { return newOpenAIChunkReader() }

// errorMessage reads {"error":{"message","type"}}, Ollama's {"error":"..."}
// and vLLM's flat {"object":"error","message","type"}.
func (openAICodec) errorMessage(body []byte) (string, string) {
	var v struct {
		Error   rawJSON `json:"error"`
		Message string  `json:"message"`
		Type    string  `json:"type"`
	}
	if json.Unmarshal(body, &v) != nil {
		return "", ""
	}
	switch v.Error.kind() {
	case '"':
		return v.Error.str(), ""
	case '{':
		var o struct {
			Message string `json:"message"`
			Type    string `json:"type"`
		}
		if json.Unmarshal(v.Error, &o) == nil {
			return o.Message, o.Type
		}
	}
	return v.Message, v.Type
}

// errUpstreamStream is the cause of every error an upstream reports in a stream.
var errUpstreamStream = errors.New("upstream reported an error in the stream")

// maxUpstreamMessage bounds an upstream error message relayed to the client.
const maxUpstreamMessage = 1024

// openAIStreamError builds the *apiError for an error event: errField is the
// event's "error" value (object or string); for vLLM's flat form it is
// absent and the top-level message/type/code are used.
func openAIStreamError(errField, message, typ, code rawJSON) *apiError {
	var msg, kind string
	switch errField.kind() {
	case '{':
		var v struct {
			Message rawJSON `json:"message"`
			Type    rawJSON `json:"type"`
			Code    rawJSON `json:"code"`
		}
		_ = json.Unmarshal(errField, &v) // already validated as part of the event
		msg, kind, code = v.Message.str(), v.Type.str(), v.Code
	case '"':
		msg = errField.str()
	default:
		msg, kind = message.str(), typ.str()
	}
	if msg == "" {
		msg = "upstream error"
	}
	status := upstreamErrorStatus(kind, code)
	return &apiError{Status: status, Type: errorTypeForStatus(status), Message: truncateUTF8(msg, maxUpstreamMessage),
		Err: errUpstreamStream}
}

// upstreamErrorStatus guesses an HTTP status from an OpenAI-style error type
// or code; 502 when nothing says better.
func upstreamErrorStatus(kind string, code rawJSON) int {
	if len(code) == 3 {
		n := 0
		for _, c := range code {
			if c < '0' || c > '9' {
				n = -1
				break
			}
			n = n*10 + int(c-'0')
		}
		if n >= 400 && n <= 599 {
			return n
		}
	}
	k := strings.ToLower(kind + " " + code.str())
	switch {
	case strings.Contains(k, "rate_limit"), strings.Contains(k, "insufficient_quota"):
		return http.StatusTooManyRequests
	case strings.Contains(k, "overloaded"), strings.Contains(k, "unavailable"):
		return http.StatusServiceUnavailable
	case strings.Contains(k, "context_length"), strings.Contains(k, "invalid_request"), strings.Contains(k, "badrequest"):
		return http.StatusBadRequest
	case strings.Contains(k, "authentication"), strings.Contains(k, "invalid_api_key"):
		return http.StatusUnauthorized
	case strings.Contains(k, "permission"):
		return http.StatusForbidden
	case strings.Contains(k, "not_found"), strings.Contains(k, "notfound"):
		return http.StatusNotFound
	}
	return http.StatusBadGateway
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
