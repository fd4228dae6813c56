// config_json.go: the strict JSON walker under the config decoder.
//
// encoding/json stops at the first problem and cannot tell an unset field
// from a zero one. The config decoder instead walks the document member by
// member, in order, with these helpers, so it can report every unknown,
// duplicate or ill-typed field at once with its full path.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// jsonMember is one "key": value pair of a JSON object, in document order.
type jsonMember struct {
	Key   string
	Value json.RawMessage
}

// jsonKind names the JSON type of a well-formed value, for messages.
func jsonKind(raw []byte) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// objectMembers splits a well-formed JSON object into its members, keeping
// duplicates and order; ok is false when raw is not an object.
func objectMembers(raw []byte) (members []jsonMember, ok bool) {
	if jsonKind(raw) != "object" {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		members = append(members, jsonMember{Key: key, Value: v})
	}
	return members, true
}

// arrayElems splits a well-formed JSON array; ok is false when raw is not one.
func arrayElems(raw []byte) (elems []json.RawMessage, ok bool) {
	if jsonKind(raw) != "array" {
		return nil, false
	}
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, false
	}
	return elems, true
}

// fieldHandlers maps the known fields of one JSON object to the functions
// that decode them; path is the field's full path for messages.
type fieldHandlers map[string]func(path string, v json.RawMessage)

// configDecoder collects problems while decoding. skip records the paths whose
// value could not be decoded, so validation does not report them twice.
type configDecoder struct {
	problems []string
	skip     map[string]bool
}

func newConfigDecoder() *configDecoder {
	return &configDecoder{skip: map[string]bool{}}
}

// addf records a problem at path ("" for the document itself).
func (d *configDecoder) addf(path, format string, args ...any) {
	d.problems = append(d.problems, joinProblem(path, fmt.Sprintf(format, args...)))
}

// fail records a problem and marks path as undecodable.
func (d *configDecoder) fail(path, format string, args ...any) {
	d.skip[path] = true
	d.addf(path, format, args...)
}

// joinProblem prefixes a message with the path it is about.
func joinProblem(path, msg string) string {
	if path == "" {
		return msg
	}
	return path + ": " + msg
}

// childPath is the path of field key inside label: "health_check.interval"
// for sections (sep "."), `backends[0] ("x"): tier` for entries (sep ": ").
func childPath(label, sep, key string) string {
	if label == "" {
		return key
	}
	return label + sep + key
}

// object decodes the members of a JSON object with fields, reporting unknown,
// duplicate and secret-looking fields. It returns the set of fields present,
// or nil when raw is not an object.
func (d *configDecoder) object(label, sep string, raw json.RawMessage, fields fieldHandlers) map[string]bool {
	members, ok := objectMembers(raw)
	if !ok {
		d.fail(label, "must be an object, got %s", jsonKind(raw))
		return nil
	}
	seen := map[string]bool{}
	for _, m := range members {
		if seen[m.Key] {
			d.addf(label, "duplicate field %s", quoteValue(m.Key))
			continue
		}
		seen[m.Key] = true
		handle, known := fields[m.Key]
		if !known {
			d.unknownField(label, m, fields)
			continue
		}
		if handle != nil {
			handle(childPath(label, sep, m.Key), m.Value)
		}
	}
	return seen
}

// unknownField reports a field the schema does not have: as a literal
// secret when its name says so (never showing the value), else as unknown,
// with a suggestion when the name is a near miss.
func (d *configDecoder) unknownField(label string, m jsonMember, fields fieldHandlers) {
	if p := secretFieldPath(m.Key, m.Value); p != "" {
		if strings.HasPrefix(label, "clients[") {
			d.addf(label, "field %s looks like a literal secret; a client holds only key_sha256, the SHA-256 "+
				"of its key (`nexus key NAME` prints a new key and its entry)", quoteValue(p))
			return
		}
		d.addf(label, "field %s looks like a literal secret; put the key in an environment variable "+
			"and name it in api_key_env", quoteValue(p))
		return
	}
	msg := "unknown field " + quoteValue(m.Key)
	if s := closestField(m.Key, fields); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	d.addf(label, "%s", msg)
}

// closestField suggests the known field nearest to a misspelt one: within
// two edits, or a known field that adds a prefix or suffix ("tier" for
// "min_tier").
func closestField(name string, fields fieldHandlers) string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	best, bestDist := "", 3
	for _, k := range names {
		if strings.HasSuffix(k, "_"+name) || strings.HasPrefix(k, name+"_") {
			return k
		}
		if d := editDistance(name, k); d < bestDist && d < len(k) {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between two short strings.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// str decodes a JSON string into dst.
func (d *configDecoder) str(path string, v json.RawMessage, dst *string) bool {
	if jsonKind(v) != "string" {
		d.fail(path, "must be a string, got %s", jsonKind(v))
		return false
	}
	if err := json.Unmarshal(v, dst); err != nil {
		d.fail(path, "must be a string")
		return false
	}
	return true
}

// boolean decodes a JSON true or false into dst.
func (d *configDecoder) boolean(path string, v json.RawMessage, dst *bool) bool {
	if jsonKind(v) != "boolean" {
		d.fail(path, "must be true or false, got %s", jsonKind(v))
		return false
	}
	*dst = string(bytes.TrimSpace(v)) == "true"
	return true
}

// integer decodes a JSON number that is a whole number (3 or 3.0) into dst.
func (d *configDecoder) integer(path string, v json.RawMessage, dst *int64) bool {
	if jsonKind(v) != "number" {
		d.fail(path, "must be a whole number, got %s", jsonKind(v))
		return false
	}
	s := string(bytes.TrimSpace(v))
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*dst = n
		return true
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || math.Abs(f) >= 1<<62:
		d.fail(path, "%s is too large", s)
		return false
	case f != math.Trunc(f):
		d.fail(path, "%s is not a whole number", s)
		return false
	}
	*dst = int64(f)
	return true
}

// intField decodes a whole number into an int.
func (d *configDecoder) intField(path string, v json.RawMessage, dst *int) bool {
	var n int64
	if !d.integer(path, v, &n) {
		return false
	}
	if n > math.MaxInt || n < math.MinInt {
		d.fail(path, "%d is too large", n)
		return false
	}
	*dst = int(n)
	return true
}

// number decodes any finite JSON number into dst.
func (d *configDecoder) number(path string, v json.RawMessage, dst *float64) bool {
	if jsonKind(v) != "number" {
		d.fail(path, "must be a number, got %s", jsonKind(v))
		return false
	}
	s := string(bytes.TrimSpace(v))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		d.fail(path, "%s is out of range", s)
		return false
	}
	*dst = f
	return true
}

// duration decodes a Go duration string ("30s", "10m") into dst.
func (d *configDecoder) duration(path string, v json.RawMessage, dst *time.Duration) bool {
	var s string
	if jsonKind(v) != "string" {
		d.fail(path, "must be a duration string such as \"30s\", got %s", jsonKind(v))
		return false
	}
	if err := json.Unmarshal(v, &s); err != nil {
		d.fail(path, "must be a duration string such as \"30s\"")
		return false
	}
	dur, err := time.ParseDuration(s)
	if err != nil {
		d.fail(path, "%s is not a duration; use Go syntax such as \"30s\", \"1m30s\" or \"10m\"", quoteValue(s))
		return false
	}
	*dst = dur
	return true
}

// stringList decodes an array of strings. An element of the wrong type is
// reported, kept as "" and marked to skip, so indexes stay those of the file.
func (d *configDecoder) stringList(path string, v json.RawMessage) ([]string, bool) {
	elems, ok := arrayElems(v)
	if !ok {
		d.fail(path, "must be an array of strings, got %s", jsonKind(v))
		return nil, false
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		d.str(fmt.Sprintf("%s[%d]", path, i), e, &out[i])
	}
	return out, true
}

// entryKey renders a map key inside a path: aliases["smart"].
func entryKey(section, key string) string {
	return section + "[" + quoteValue(key) + "]"
}

// mapMembers returns the members of a JSON object used as a map (aliases,
// fallbacks, pricing), reporting a non-object and keys defined twice.
func (d *configDecoder) mapMembers(path string, v json.RawMessage) []jsonMember {
	members, ok := objectMembers(v)
	if !ok {
		d.fail(path, "must be an object, got %s", jsonKind(v))
		return nil
	}
	seen := map[string]bool{}
	out := members[:0]
	for _, m := range members {
		if seen[m.Key] {
			d.addf(path, "%s is defined twice", quoteValue(m.Key))
			continue
		}
		seen[m.Key] = true
		out = append(out, m)
	}
	return out
}
