// errors.go: the one place where failures become HTTP answers.
//
// Every handler returns errors; apiError carries the HTTP status and the
// OpenAI error envelope fields, and writeError renders it in the client's
// own format (clientCodec.errorBody) with the Nexus headers. Errors from
// deeper layers are wrapped with %w and classified here, so no handler
// hand-writes an error body. A provider's error answer is read with its
// codec and mapped to what the client sees by providerError.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// apiError is an error that knows how it is shown to a client.
type apiError struct {
	Status  int    // HTTP status
	Type    string // OpenAI error type: invalid_request_error, service_unavailable, ...
	Code    string // OpenAI error code, optional
	Param   string // offending parameter, optional
	Message string // safe to show: never a key or prompt text
	// Context is extra actionable detail (the 503's *unavailableContext, a
	// spent budget's *budgetContext), rendered as a top-level "context"; nil
	// when there is none.
	Context any
	// RetryAfter, when positive, becomes a Retry-After header (seconds).
	RetryAfter int
	Err        error // underlying cause, for logs and errors.Is
}

// unavailableContext tells a client what it would take to be served.
type unavailableContext struct {
	RequiredTier        int      `json:"required_tier"`
	AvailableBackends   []string `json:"available_backends"`
	EtaSeconds          *int     `json:"eta_seconds"`
	PrivacyZoneRequired string   `json:"privacy_zone_required,omitempty"`
}

func (e *apiError) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *apiError) Unwrap() error { return e.Err }

// errInvalid is a 400 invalid_request_error.
func errInvalid(param, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Param: param,
		Message: fmt.Sprintf(format, args...)}
}

// asAPIError classifies any error into an apiError (500 when unknown).
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return &apiError{Status: http.StatusInternalServerError, Type: "server_error",
		Message: "internal error", Err: err}
}

// writeError answers e in the client's format with the Nexus headers of
// the request (ri is empty when it never reached a backend).
func writeError(w http.ResponseWriter, id string, ri routeInfo, e *apiError, client clientCodec) {
	h := w.Header()
	setNexusHeaders(h, ri, id)
	h.Set("Content-Type", "application/json")
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	body := client.errorBody(e)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	w.Write(body)
}

// clientForPath is the wire format of the endpoint a path belongs to
// (OpenAI's unless an inbound format owns the path).
func clientForPath(path string) clientCodec {
	for op, p := range opPaths {
		if c := clientCodecs[op]; c != nil && (path == p || strings.HasPrefix(path, p+"/")) {
			return c
		}
	}
	return openAIClient{}
}

// openAIErrorBody renders the OpenAI error envelope.
func openAIErrorBody(e *apiError) []byte {
	type inner struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
		// Context is repeated inside "error" because the OpenAI SDKs keep
		// only that object on their error classes.
		Context any `json:"context,omitempty"`
	}
	in := inner{Message: e.Message, Type: e.Type, Context: e.Context}
	if in.Type == "" {
		in.Type = errorTypeForStatus(e.Status)
	}
	if e.Param != "" {
		in.Param = &e.Param
	}
	if e.Code != "" {
		in.Code = &e.Code
	}
	b, _ := json.Marshal(struct {
		Error   inner `json:"error"`
		Context any   `json:"context,omitempty"`
	}{in, e.Context})
	return b
}

// errorTypeForStatus is the OpenAI error type used when none was set.
func errorTypeForStatus(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "authentication_error"
	case status == http.StatusForbidden:
		return "permission_error"
	case status == http.StatusNotFound:
		return "invalid_request_error"
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status == http.StatusServiceUnavailable:
		return "service_unavailable"
	case status < 500:
		return "invalid_request_error"
	default:
		return "api_error"
	}
}

// providerError maps a backend's error answer to what the client sees: the
// provider's message (secrets scrubbed) with a fitting status. A backend's
// own 401/403 is a 502 naming the backend and its key variable: the client
// did nothing wrong. An overloaded provider (Anthropic's 529
// overloaded_error, Gemini's 503 UNAVAILABLE) is a 503, which fails over.
func providerError(b *backend, status int, raw []byte) *apiError {
	msg, typ := b.kind.codec.errorMessage(raw)
	if msg == "" {
		msg = strings.TrimSpace(string(raw[:min(len(raw), 512)]))
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	msg = scrubSecrets(msg, b.key)
	name := b.cfg.Name
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		hint := "check the key in environment variable " + b.cfg.APIKeyEnv
		if b.cfg.APIKeyEnv == "" {
			hint = "it needs a key: set api_key_env"
		}
		return &apiError{Status: http.StatusBadGateway, Type: "api_error", Code: "backend_auth_failed",
			Message: fmt.Sprintf("backend %s rejected Nexus's credentials (HTTP %d): %s", name, status, hint)}
	case status == 529 || typ == "overloaded_error" || typ == "UNAVAILABLE" ||
		strings.Contains(strings.ToLower(typ), "overloaded"):
		return &apiError{Status: http.StatusServiceUnavailable, Type: "service_unavailable", Code: "backend_overloaded",
			Message: fmt.Sprintf("backend %s is overloaded (HTTP %d): %s", name, status, msg)}
	case status >= 500:
		return &apiError{Status: http.StatusBadGateway, Type: "api_error", Code: "backend_error",
			Message: fmt.Sprintf("backend %s failed (HTTP %d): %s", name, status, msg)}
	case status == http.StatusTooManyRequests:
		return &apiError{Status: status, Type: "rate_limit_error", Code: "rate_limit_exceeded",
			Message: fmt.Sprintf("backend %s is rate limited: %s", name, msg)}
	}
	if _, openAIShaped := b.kind.codec.(openAICodec); typ == "" || !openAIShaped {
		typ = errorTypeForStatus(status)
	}
	return &apiError{Status: status, Type: typ, Message: msg}
}

// scrubSecrets removes every known key value and any word shaped like a
// key (providers sometimes echo the key they were given).
func scrubSecrets(s string, keys ...string) string {
	for _, k := range keys {
		if len(k) >= 4 {
			s = strings.ReplaceAll(s, k, "[redacted]")
		}
	}
	var out strings.Builder
	i := 0
	for i < len(s) {
		j := i
		for j < len(s) && !isKeyBreak(s[j]) {
			j++
		}
		if word := s[i:j]; looksLikeKey(strings.TrimRight(word, ".:;")) {
			out.WriteString("[redacted]")
		} else {
			out.WriteString(word)
		}
		if j < len(s) {
			out.WriteByte(s[j])
		}
		i = j + 1
	}
	return out.String()
}

func isKeyBreak(c byte) bool {
	return c == ' ' || c == '"' || c == '\'' || c == ',' || c == '\n' || c == '\t' || c == '(' || c == ')' || c == '`'
}
