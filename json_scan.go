// json_scan.go: a minimal validating JSON reader for hot paths.
//
// encoding/json spends most of its time on a validation pass, reflection and
// a string allocation per field. jsonScan walks the bytes once, validates as
// it goes, and hands back strings as slices of the input in their escaped
// form, so reading a few fields allocates nothing. The stream chunk readers
// of Gemini (translate_google_chunk.go) and OpenAI-compatible servers
// (translate_openai_chunk.go) and the inbound request reader (inbound.go)
// use it; each has a fuzz target that checks it against encoding/json.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// jsonMaxDepth bounds nesting, as encoding/json does.
const jsonMaxDepth = 10000

// jsonStrStop marks the bytes a string scan must look at: the quote, the
// backslash and control characters.
var jsonStrStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// jsonScan reads JSON values from b, starting at i.
type jsonScan struct {
	b []byte
	i int
}

var errJSONSyntax = errors.New("invalid JSON")

func (s *jsonScan) fail() error {
	return fmt.Errorf("json: %w at offset %d", errJSONSyntax, s.i)
}

func (s *jsonScan) peek() byte {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c
		}
	}
	return 0
}

// null consumes a null literal if one is next.
func (s *jsonScan) null() bool {
	if s.peek() == 'n' && bytes.HasPrefix(s.b[s.i:], []byte("null")) {
		s.i += 4
		return true
	}
	return false
}

func (s *jsonScan) open(c byte) error {
	if s.peek() != c {
		return s.fail()
	}
	s.i++
	return nil
}

// more steps through an object or array: false once the closing byte is consumed.
func (s *jsonScan) more(first *bool, closing byte) (bool, error) {
	c := s.peek()
	if c == closing {
		s.i++
		return false, nil
	}
	if !*first {
		if c != ',' {
			return false, s.fail()
		}
		s.i++
	}
	*first = false
	return true, nil
}

// object reads an object, calling field with each key; field must read the
// value that follows it.
func (s *jsonScan) object(field func(key []byte) error) error {
	if err := s.open('{'); err != nil {
		return err
	}
	for first := true; ; {
		key, ok, err := s.key(&first)
		if err != nil || !ok {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
	}
}

// array reads an array, calling elem for each element; elem must read it.
func (s *jsonScan) array(elem func() error) error {
	if err := s.open('['); err != nil {
		return err
	}
	for first := true; ; {
		ok, err := s.more(&first, ']')
		if err != nil || !ok {
			return err
		}
		if err := elem(); err != nil {
			return err
		}
	}
}

// key reads the next object key and its colon; ok is false at the end.
func (s *jsonScan) key(first *bool) (key []byte, ok bool, err error) {
	if ok, err = s.more(first, '}'); !ok || err != nil {
		return nil, false, err
	}
	if key, err = s.str(); err != nil {
		return nil, false, err
	}
	if bytes.IndexByte(key, '\\') >= 0 { // rare: match escaped keys as encoding/json does
		var k string
		if json.Unmarshal(s.b[s.i-len(key)-2:s.i], &k) == nil {
			key = []byte(k)
		}
	}
	if s.peek() != ':' {
		return nil, false, s.fail()
	}
	s.i++
	return key, true, nil
}

// str reads a string and returns its raw (escaped) body.
func (s *jsonScan) str() ([]byte, error) {
	if s.peek() != '"' {
		return nil, s.fail()
	}
	s.i++
	start := s.i
	for s.i < len(s.b) {
		for s.i < len(s.b) && !jsonStrStop[s.b[s.i]] {
			s.i++
		}
		if s.i >= len(s.b) {
			break
		}
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], nil
		case c == '\\':
			if s.i+1 >= len(s.b) {
				return nil, s.fail()
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) || !jsonIsHex4(s.b[s.i+2:s.i+6]) {
					return nil, s.fail()
				}
				s.i += 6
			default:
				return nil, s.fail()
			}
		case c < 0x20:
			return nil, s.fail()
		default:
			s.i++
		}
	}
	return nil, s.fail()
}

// strInto reads a string into *dst; null leaves *dst as it was (as encoding/json does).
func (s *jsonScan) strInto(dst *[]byte) error {
	if s.null() {
		return nil
	}
	v, err := s.str()
	if err == nil {
		*dst = v
	}
	return err
}

func jsonIsHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// number reads a JSON number and returns its bytes.
func (s *jsonScan) number() ([]byte, error) {
	s.peek()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		s.digits()
	default:
		return nil, s.fail()
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return nil, s.fail()
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return nil, s.fail()
		}
	}
	return s.b[start:s.i], nil
}

func (s *jsonScan) digits() int {
	n := 0
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

// intInto reads a JSON integer that fits an int; null leaves *dst as it was.
func (s *jsonScan) intInto(dst *int) error {
	if s.null() {
		return nil
	}
	num, err := s.number()
	if err != nil {
		return err
	}
	if len(num) > 18 { // rare: near the int range, let strconv decide
		n, err := strconv.ParseInt(string(num), 10, 0)
		if err != nil {
			return fmt.Errorf("json: number %.20s is not an int", num)
		}
		*dst = int(n)
		return nil
	}
	digits, neg := bytes.CutPrefix(num, []byte("-"))
	n := 0
	for _, d := range digits {
		if d < '0' || d > '9' {
			return fmt.Errorf("json: number %.20s is not an int", num)
		}
		n = n*10 + int(d-'0')
	}
	if neg {
		n = -n
	}
	*dst = n
	return nil
}

// boolInto reads true or false; null leaves *dst as it was.
func (s *jsonScan) boolInto(dst *bool) error {
	switch s.peek() {
	case 'n':
		return s.lit("null")
	case 't':
		*dst = true
		return s.lit("true")
	case 'f':
		*dst = false
		return s.lit("false")
	}
	return s.fail()
}

func (s *jsonScan) lit(word string) error {
	if s.peek() != word[0] || !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return s.fail()
	}
	s.i += len(word)
	return nil
}

// rawValue reads and validates any value (as skip does) and returns its bytes.
func (s *jsonScan) rawValue(depth int) ([]byte, error) {
	s.peek()
	start := s.i
	if err := s.skip(depth); err != nil {
		return nil, err
	}
	return s.b[start:s.i], nil
}

// skip reads and validates any value.
func (s *jsonScan) skip(depth int) error {
	if depth > jsonMaxDepth {
		return s.fail()
	}
	switch c := s.peek(); {
	case c == '{':
		return s.object(func([]byte) error { return s.skip(depth + 1) })
	case c == '[':
		return s.array(func() error { return s.skip(depth + 1) })
	case c == '"':
		_, err := s.str()
		return err
	case c == '-' || c >= '0' && c <= '9':
		_, err := s.number()
		return err
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	}
	return s.fail()
}
