// inbound.go: reading a client's request only as far as routing needs.
//
// The body is kept as received. We learn the model, the stream flag and
// whether messages are present without copying them (rawKind records only a
// JSON value's kind), and rewriteModel edits the one "model" value in place
// of re-encoding the body.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// rawKind records the first byte of a JSON value without keeping it.
type rawKind byte

func (k *rawKind) UnmarshalJSON(b []byte) error {
	if len(b) > 0 {
		*k = rawKind(b[0])
	}
	return nil
}

// readBody reads at most limit bytes; more is a 413.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, errTooLarge(limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge(limit)
		}
		return nil, &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error",
			Message: "could not read request body", Err: err}
	}
	return body, nil
}

func errTooLarge(limit int64) *apiError {
	return &apiError{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error",
		Code: "request_too_large", Message: "request body exceeds " + strconv.FormatInt(limit, 10) + " bytes"}
}

// parseInbound validates what routing needs from an OpenAI-format request.
func parseInbound(op opKind, body []byte, h http.Header) (*inbound, error) {
	if op == opMessages {
		m, err := parseMessagesRequest(body)
		if err != nil {
			return nil, err
		}
		return &inbound{op: op, body: body, model: m.Model, stream: m.Stream, header: h,
			thinking: messagesThinking(body)}, nil
	}
	var v struct {
		Model         *json.RawMessage `json:"model"`
		Stream        *bool            `json:"stream"`
		Messages      rawKind          `json:"messages"`
		Input         rawKind          `json:"input"`
		Prompt        rawKind          `json:"prompt"`
		StreamOptions *struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, errInvalid(te.Field, "%s has the wrong type", te.Field)
		}
		return nil, errInvalid("", "request body is not valid JSON")
	}
	in := &inbound{op: op, body: body, header: h}
	if v.Model == nil {
		return nil, errInvalid("model", "model is required")
	}
	if err := json.Unmarshal(*v.Model, &in.model); err != nil || in.model == "" {
		return nil, errInvalid("model", "model must be a non-empty string")
	}
	if v.Stream != nil {
		in.stream = *v.Stream
	}
	if v.StreamOptions != nil {
		in.includeUsage = v.StreamOptions.IncludeUsage
	}
	switch op {
	case opChat:
		if v.Messages != '[' {
			return nil, errInvalid("messages", "messages is required and must be an array")
		}
	case opEmbeddings:
		if v.Input == 0 || v.Input == 'n' {
			return nil, errInvalid("input", "input is required")
		}
		in.stream = false
	case opCompletions:
		if v.Prompt == 0 {
			return nil, errInvalid("prompt", "prompt is required")
		}
	}
	return in, nil
}

// rewriteModel returns body with its top-level "model" string replaced by
// model, touching no other byte. It returns body itself when nothing changes.
func rewriteModel(body []byte, asked, model string) ([]byte, error) {
	if asked == model {
		return body, nil
	}
	start, end, ok := topLevelValue(body, "model")
	if !ok {
		return nil, errInvalid("model", "model is required")
	}
	enc, _ := json.Marshal(model)
	out := make([]byte, 0, len(body)-(end-start)+len(enc))
	out = append(out, body[:start]...)
	out = append(out, enc...)
	return append(out, body[end:]...), nil
}

// topLevelValue finds the byte range of the value of key in a JSON object.
// It relies on Decode leaving the offset just past the value it returned.
func topLevelValue(body []byte, key string) (start, end int, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0, 0, false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return 0, 0, false
		}
		k, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return 0, 0, false
		}
		if k == key { // the last duplicate wins, as in encoding/json
			end = int(dec.InputOffset())
			start, ok = end-len(raw), true
		}
	}
	return start, end, ok
}
