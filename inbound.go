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
	"unicode/utf8"
)

// rawKind records the first byte of a JSON value without keeping it (for
// decoders that only need to know a field's kind).
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

// parseInbound validates what routing needs from an OpenAI-format request
// in one allocation-free pass over the body (which also validates it).
func parseInbound(op opKind, body []byte, h http.Header) (*inbound, error) {
	if op == opMessages {
		m, err := parseMessagesRequest(body)
		if err != nil {
			return nil, err
		}
		return &inbound{op: op, body: body, model: m.Model, stream: m.Stream, header: h}, nil
	}
	var f inboundFields
	if err := f.scan(body); err != nil {
		return nil, err
	}
	in := &inbound{op: op, body: body, header: h, stream: f.stream, includeUsage: f.includeUsage}
	switch {
	case f.modelKind == 0:
		return nil, errInvalid("model", "model is required")
	case f.modelKind != '"' || len(f.model) == 0:
		return nil, errInvalid("model", "model must be a non-empty string")
	case bytes.IndexByte(f.model, '\\') >= 0 || !utf8.Valid(f.model):
		json.Unmarshal(f.modelQuoted, &in.model) // valid: the scan checked it; invalid UTF-8 becomes U+FFFD as there
	default:
		in.model = string(f.model)
	}
	switch op {
	case opChat:
		if f.messages != '[' {
			return nil, errInvalid("messages", "messages is required and must be an array")
		}
	case opEmbeddings:
		if f.input == 0 || f.input == 'n' {
			return nil, errInvalid("input", "input is required")
		}
		in.stream = false
	case opCompletions:
		if f.prompt == 0 {
			return nil, errInvalid("prompt", "prompt is required")
		}
	case opResponses:
		in.includeUsage = false // Responses streams always end with their usage
	}
	return in, nil
}

// inboundFields are the top-level fields routing reads.
type inboundFields struct {
	model, modelQuoted      []byte // escaped body of the model string, and with its quotes
	modelKind               byte   // first byte of the model value; 0 when absent
	stream, includeUsage    bool
	messages, input, prompt byte // first byte of each value; 0 when absent
}

var errNotJSON = errInvalid("", "request body is not valid JSON")

// scan reads the top-level object; duplicate keys: the last wins, as in
// encoding/json.
func (f *inboundFields) scan(body []byte) error {
	s := jsonScan{b: body}
	if s.open('{') != nil {
		return errInvalid("", "request body must be a JSON object")
	}
	for first := true; ; {
		key, ok, err := s.key(&first)
		if err != nil {
			return errNotJSON
		}
		if !ok {
			break
		}
		c := s.peek()
		switch string(key) {
		case "model":
			f.modelKind = c
			if c == '"' {
				at := s.i
				f.model, err = s.str()
				f.modelQuoted = s.b[at:s.i]
			} else {
				err = s.skip(0)
			}
		case "stream":
			if c != 't' && c != 'f' && c != 'n' {
				return errInvalid("stream", "stream must be a boolean")
			}
			err = s.boolInto(&f.stream)
		case "stream_options":
			if c == '{' {
				err = f.scanStreamOptions(&s)
			} else {
				err = s.skip(0)
			}
		case "messages", "input", "prompt":
			switch key[0] {
			case 'm':
				f.messages = c
			case 'i':
				f.input = c
			default:
				f.prompt = c
			}
			err = s.skip(0)
		default:
			err = s.skip(0)
		}
		if err != nil {
			return errNotJSON
		}
	}
	if s.peek(); s.i != len(s.b) {
		return errNotJSON // data after the object
	}
	return nil
}

func (f *inboundFields) scanStreamOptions(s *jsonScan) error {
	s.i++ // '{'
	for first := true; ; {
		key, ok, err := s.key(&first)
		if err != nil || !ok {
			return err
		}
		if string(key) == "include_usage" && s.peek() != 'n' {
			err = s.boolInto(&f.includeUsage)
		} else {
			err = s.skip(0)
		}
		if err != nil {
			return err
		}
	}
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
