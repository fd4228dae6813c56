// json.go: Nexus's one JSON policy, in one place.
//
// encoding/json reads and writes every body Nexus translates. Beside it
// stand only what a benchmark in the repo asks for: the validating scanner
// of json_scan.go (the inbound top-level read, BenchmarkParseInbound, and the
// Gemini stream chunk reader, BenchmarkGeminiChunkParse), and the helpers
// below — rawJSON, which keeps one value of a decoded document without
// copying it (so stream translators splice provider strings, already valid
// and escaped, straight into their output), the one string escaper, the one
// marshal helper, and the one id generator.
package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
	"unicode/utf8"
)

// rawJSON is one JSON value exactly as it appears in the decoded document.
// It aliases the decoder's input: it is valid only while that input is. A
// literal null is kept as "null"; an absent field stays empty.
type rawJSON []byte

// UnmarshalJSON keeps a reference to b (encoding/json hands over a slice of
// the original input, which outlives this call within one Unmarshal).
func (r *rawJSON) UnmarshalJSON(b []byte) error {
	*r = b
	return nil
}

// MarshalJSON writes the value back as it was (null when empty).
func (r rawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
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

// nonEmptyString reports a string literal with at least one character.
func (r rawJSON) nonEmptyString() bool { return len(r) > 2 && r[0] == '"' }

// body is a string literal without its quotes (still escaped); nil otherwise.
func (r rawJSON) body() []byte {
	if !r.isString() {
		return nil
	}
	return r[1 : len(r)-1]
}

// str decodes a JSON string literal; anything else yields "".
func (r rawJSON) str() string {
	if !r.isString() {
		return ""
	}
	if bytes.IndexByte(r, '\\') < 0 && utf8.Valid(r) {
		return string(r[1 : len(r)-1])
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

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a quoted JSON string: invalid UTF-8 becomes
// U+FFFD; control characters, U+2028 and U+2029 are escaped (as
// encoding/json does); <, > and & are left as they are.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendJSONEscaped(dst, s)
	return append(dst, '"')
}

// appendJSONEscaped appends s escaped for use inside a JSON string, without
// the quotes, so several texts can be joined into one string value.
func appendJSONEscaped(dst []byte, s string) []byte {
	return appendEscaped(dst, s, utf8.DecodeRuneInString)
}

// appendJSONEscapedBytes is appendJSONEscaped for bytes.
func appendJSONEscapedBytes(dst, s []byte) []byte { return appendEscaped(dst, s, utf8.DecodeRune) }

// appendEscaped is the escaper behind both; it allocates nothing.
func appendEscaped[T string | []byte](dst []byte, s T, decode func(T) (rune, int)) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := decode(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}

// nowUnix and randomHex are the clock and the id source of every answer
// Nexus writes (created times, message, call and request ids). They are
// variables only so tests can pin them; production never reassigns them.
var (
	nowUnix   = func() int64 { return time.Now().Unix() }
	randomHex = func(nBytes int) string {
		var buf [32]byte
		b := buf[:min(nBytes, len(buf))]
		for i := 0; i < len(b); i += 8 {
			v := rand.Uint64()
			for j := i; j < len(b) && j < i+8; j++ {
				b[j] = byte(v >> (8 * (j - i)))
			}
		}
		return hex.EncodeToString(b)
	}
)

// decodeError turns a json.Unmarshal failure on a client body into a 400
// whose message names the field and kind, never the client's text.
func decodeError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return errBody("", "request body must be a JSON object", err)
		}
		return errBody(typeErr.Field, fmt.Sprintf("%s: unexpected %s", typeErr.Field, typeErr.Value), err)
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return errBody("", "malformed JSON in request body at offset "+strconv.FormatInt(syntaxErr.Offset, 10), err)
	}
	return errBody("", "request body could not be read as JSON", err)
}

// errBody is a 400 invalid_request_error with an underlying cause.
func errBody(param, msg string, err error) *apiError {
	e := errInvalid(param, "%s", msg)
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

// quote renders a clipped client token as a JSON string for a message.
func quote(s string) string { return string(appendJSONString(nil, clip(s))) }
