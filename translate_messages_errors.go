// translate_messages_errors.go: errors shown to Anthropic clients.
//
// An Anthropic client expects {"type":"error","error":{"type","message"}} with
// Anthropic's own error types, chosen here from the HTTP status. An OpenAI
// upstream that fails mid-stream sends `data: {"error":{...}}` (or vLLM's
// {"object":"error",...}); upstreamStreamError turns that into an *apiError
// the core renders with anthropicErrorEvent.
package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"
)

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

// anthropicErrorBody renders an *apiError as Anthropic's envelope
// {"type":"error","error":{"type","message"}}; when e.Context != nil it adds
// the same top-level "context" object as openAIErrorBody does.
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
	if err != nil { // cannot happen: strings and ints only
		return []byte(`{"type":"error","error":{"type":"api_error","message":"internal error"}}`)
	}
	return b
}

// anthropicErrorEvent renders a mid-stream failure as an Anthropic
// "event: error" SSE frame.
func anthropicErrorEvent(e *apiError) []byte {
	return appendSSE(nil, "error", anthropicErrorBody(e))
}

// errUpstreamStream is the cause of every upstream stream error.
var errUpstreamStream = errors.New("upstream reported an error in the stream")

// maxUpstreamMessage bounds an upstream error message relayed to the client.
const maxUpstreamMessage = 1024

// upstreamStreamError builds the *apiError for an error chunk. errField is
// the chunk's "error" value (object or string); for vLLM's flat form it is
// absent and the top-level message/type/code are used.
func upstreamStreamError(errField, message, typ, code rawJSON) *apiError {
	var msg, kind string
	switch errField.kind() {
	case '{':
		var v struct {
			Message rawJSON `json:"message"`
			Type    rawJSON `json:"type"`
			Code    rawJSON `json:"code"`
		}
		_ = json.Unmarshal(errField, &v) // already validated as part of the chunk
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
	if n, ok := httpStatusCode(code); ok {
		return n
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

// httpStatusCode reads a numeric error code that is an HTTP error status.
func httpStatusCode(code rawJSON) (int, bool) {
	n := 0
	if len(code) != 3 {
		return 0, false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n >= 400 && n <= 599
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
