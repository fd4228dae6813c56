// translate_messages_json.go: small JSON helpers shared by the Anthropic
// Messages translators.
//
// rawJSON lets a decoder point at one value of the document being decoded
// without copying it, so the stream translator can splice upstream string
// literals (already valid, already escaped JSON) straight into its output.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// rawJSON is one JSON value exactly as it appears in the decoded document.
// It aliases the decoder's input: it is valid only while that input is.
// A literal null is kept as "null"; an absent field stays empty.
type rawJSON []byte

// UnmarshalJSON keeps a reference to b (encoding/json hands over a slice of
// the original input, which outlives this call within one Unmarshal).
func (r *rawJSON) UnmarshalJSON(b []byte) error {
	*r = b
	return nil
}

// kind is the first byte of the value: '"', '[', '{', 'n' (null), 't', 'f',
// a digit or '-'; 0 when the field was absent.
func (r rawJSON) kind() byte {
	if len(r) == 0 {
		return 0
	}
	return r[0]
}

// absent reports a missing field or an explicit null.
func (r rawJSON) absent() bool { return len(r) == 0 || r[0] == 'n' }

// isString reports a JSON string literal.
func (r rawJSON) isString() bool { return len(r) >= 2 && r[0] == '"' }

// emptyString reports the literal "".
func (r rawJSON) emptyString() bool { return len(r) == 2 && r[0] == '"' && r[1] == '"' }

// str decodes a JSON string literal; anything else yields "".
func (r rawJSON) str() string {
	if !r.isString() {
		return ""
	}
	var s string
	if json.Unmarshal(r, &s) != nil {
		return ""
	}
	return s
}

// nonEmptyArray reports a JSON array with at least one element.
func (r rawJSON) nonEmptyArray() bool {
	if r.kind() != '[' {
		return false
	}
	rest := bytes.TrimLeft(r[1:], " \t\r\n")
	return len(rest) > 0 && rest[0] != ']'
}

// marshalJSON encodes v without HTML escaping (prompts often hold <, > and &)
// and without the encoder's trailing newline.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return b[:len(b)-1], nil
}

// appendJSONString appends s as a JSON string literal.
func appendJSONString(dst []byte, s string) []byte {
	b, err := marshalJSON(s)
	if err != nil { // cannot happen for a string
		return append(dst, `""`...)
	}
	return append(dst, b...)
}

// randomHex returns 2n random hex digits.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil { // never fails on supported platforms
		return "000000000000000000000000"[:2*min(n, 12)]
	}
	return hex.EncodeToString(b)
}

// decodeError turns a json.Unmarshal failure on a client body into a 400
// whose message names the field and kind, never the client's text.
func decodeError(err error) *apiError {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return errBody("request body must be a JSON object", err)
		}
		return errBody(fmt.Sprintf("%s: unexpected %s", typeErr.Field, typeErr.Value), err)
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return errBody("malformed JSON in request body at offset "+strconv.FormatInt(syntaxErr.Offset, 10), err)
	}
	return errBody("request body could not be read as JSON", err)
}

// errBody is a 400 invalid_request_error with an underlying cause.
func errBody(msg string, err error) *apiError {
	e := errInvalid("", "%s", msg)
	e.Err = err
	return e
}

// clip shortens a client-supplied token (a type name, say) before it is
// quoted in an error message.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
