// translate_google_json.go: small JSON writing helpers for the Gemini translator.
//
// The streaming path writes OpenAI chunks by appending bytes instead of calling
// json.Marshal per event, so it needs an allocation-free JSON string escaper
// and a few helpers shared with the non-streaming path (usage objects, ids).
// Everything is prefixed "gem" so it cannot collide with other translators in
// the same package.
package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"time"
	"unicode/utf8"
)

// gemNow and gemRandHex are variables so tests can pin "created" and the
// generated ids; production code never reassigns them.
var (
	gemNow     = func() int64 { return time.Now().Unix() }
	gemRandHex = func(nBytes int) string {
		b := make([]byte, nBytes)
		for i := range b {
			b[i] = byte(rand.Uint32())
		}
		return hex.EncodeToString(b)
	}
)

const gemHexDigits = "0123456789abcdef"

// gemAppendJSONString appends s as a quoted JSON string. Invalid UTF-8 becomes
// U+FFFD; control characters, U+2028 and U+2029 are escaped (as encoding/json
// does), but <, > and & are left as they are.
func gemAppendJSONString[T string | []byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	dst = gemAppendEscaped(dst, s)
	return append(dst, '"')
}

// gemAppendEscaped appends s escaped for use inside a JSON string, without
// the quotes (so several texts can be joined into one string value).
func gemAppendEscaped[T string | []byte](dst []byte, s T) []byte {
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
				dst = append(dst, '\\', 'u', '0', '0', gemHexDigits[c>>4], gemHexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := gemDecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', gemHexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

// gemAppendRawEscaped appends the body of a JSON string exactly as it was
// received (escapes kept; the scanner has validated them), replacing invalid
// UTF-8 with U+FFFD and escaping U+2028/U+2029, so the result is always a
// valid JSON string body.
func gemAppendRawEscaped(dst, raw []byte) []byte {
	start := 0
	for i := 0; i < len(raw); {
		if raw[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := gemDecodeRune(raw[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, raw[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, raw[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', gemHexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, raw[start:]...)
}

// gemDecodeRune decodes the first rune of s like utf8.DecodeRune, returning
// (utf8.RuneError, 1) for an invalid encoding. It is generic so neither
// strings nor byte slices are converted (which would allocate).
func gemDecodeRune[T string | []byte](s T) (rune, int) {
	c := s[0]
	var n int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c < 0x80:
		return rune(c), 1
	case c >= 0xC2 && c <= 0xDF:
		n = 2
	case c >= 0xE0 && c <= 0xEF:
		n = 3
		if c == 0xE0 {
			lo = 0xA0
		} else if c == 0xED {
			hi = 0x9F
		}
	case c >= 0xF0 && c <= 0xF4:
		n = 4
		if c == 0xF0 {
			lo = 0x90
		} else if c == 0xF4 {
			hi = 0x8F
		}
	default:
		return utf8.RuneError, 1
	}
	if len(s) < n || s[1] < lo || s[1] > hi {
		return utf8.RuneError, 1
	}
	r := rune(c) & (0x7F >> n)
	for k := 1; k < n; k++ {
		b := s[k]
		if b < 0x80 || b > 0xBF {
			return utf8.RuneError, 1
		}
		r = r<<6 | rune(b&0x3F)
	}
	return r, n
}

// gemAppendArgsString appends a function call's args (a JSON object from
// Gemini) as an OpenAI "arguments" JSON string. scratch is reused for the
// compacted form and returned for the next call. Missing args become "{}".
func gemAppendArgsString(dst []byte, args json.RawMessage, scratch *bytes.Buffer) []byte {
	if len(args) == 0 || string(args) == "null" {
		return append(dst, `"{}"`...)
	}
	scratch.Reset()
	if json.Compact(scratch, args) != nil {
		return gemAppendJSONString(dst, []byte(args))
	}
	return gemAppendJSONString(dst, scratch.Bytes())
}

// gemMarshal encodes v without HTML escaping and without a trailing newline.
func gemMarshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// gemIsNull reports whether a raw JSON value is absent or null.
func gemIsNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}
