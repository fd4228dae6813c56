// config_doc_test.go: nexus.json.example and CONFIG.md stay true to the schema.
package main

import (
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// mapSections are the objects whose keys the operator chooses, and the
// placeholder CONFIG.md uses for those keys.
var mapSections = map[string]string{"aliases": "{alias}", "fallbacks": "{model}", "pricing": "{model}"}

// leafPaths lists the field paths of a JSON value: objects recurse with ".",
// arrays of objects with "[]", anything else is a leaf.
func leafPaths(prefix string, v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			name := k
			if ph, ok := mapSections[prefix]; ok {
				name = ph
			}
			p := name
			if prefix != "" {
				p = prefix + "." + name
			}
			leafPaths(p, child, out)
		}
	case []any:
		objects := false
		for _, e := range x {
			if _, ok := e.(map[string]any); ok {
				objects = true
				leafPaths(prefix+"[]", e, out)
			}
		}
		if !objects {
			out[prefix] = true
		}
	default:
		out[prefix] = true
	}
}

// documentedPaths reads the field table between the markers in CONFIG.md.
func documentedPaths(t *testing.T) map[string]bool {
	t.Helper()
	doc, err := os.ReadFile("CONFIG.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "<!-- fields:begin -->")
	table, _, ok2 := strings.Cut(table, "<!-- fields:end -->")
	if !ok || !ok2 {
		t.Fatal("CONFIG.md has no fields table markers")
	}
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\|")
	out := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(table, -1) {
		if out[m[1]] {
			t.Errorf("CONFIG.md documents %s twice", m[1])
		}
		out[m[1]] = true
	}
	if len(out) < 20 {
		t.Fatalf("only %d rows parsed from CONFIG.md", len(out))
	}
	return out
}

// schemaPaths lists every field the decoder accepts, in CONFIG.md's notation.
func schemaPaths() map[string]bool {
	d := newConfigDecoder()
	cfg := newDefaultConfig()
	out := map[string]bool{}
	add := func(prefix string, fields fieldHandlers) {
		for k := range fields {
			out[prefix+k] = true
		}
	}
	for k := range d.topFields(cfg) {
		switch k {
		case "health_check", "timeouts", "queue", "backends", "policies", "pricing", "budget", "clients":
		case "aliases", "fallbacks":
			out[k+"."+mapSections[k]] = true
		default:
			out[k] = true
		}
	}
	add("health_check.", d.healthFields(&cfg.HealthCheck))
	add("timeouts.", d.timeoutFields(&cfg.Timeouts))
	add("queue.", d.queueFields(&cfg.Queue))
	add("backends[].", d.backendFields(&BackendConfig{}))
	add("policies[].", d.policyFields(&Policy{}))
	add("pricing.{model}.", d.priceFields(&Price{}))
	add("budget.", d.budgetFields(&cfg.Budget))
	add("clients[].", d.clientFields(&ClientConfig{}))
	return out
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// missingFrom returns the members of a that b lacks.
func missingFrom(a, b map[string]bool) []string {
	var out []string
	for _, k := range sortedSet(a) {
		if !b[k] {
			out = append(out, k)
		}
	}
	return out
}

func TestExampleIsValidAndComplete(t *testing.T) {
	data, err := os.ReadFile("nexus.json.example")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := parseConfig(data)
	if err != nil {
		t.Fatalf("nexus.json.example is rejected:\n%v", err)
	}
	types := map[string]bool{}
	for _, b := range cfg.Backends {
		types[b.Type] = true
	}
	for _, typ := range strings.Split(backendTypes(), ", ") {
		if !types[typ] {
			t.Errorf("nexus.json.example has no backend of type %s", typ)
		}
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	example := map[string]bool{}
	leafPaths("", doc, example)
	documented, schema := documentedPaths(t), schemaPaths()
	if m := missingFrom(documented, example); m != nil {
		t.Errorf("documented in CONFIG.md but absent from nexus.json.example: %q", m)
	}
	if m := missingFrom(example, documented); m != nil {
		t.Errorf("in nexus.json.example but not documented in CONFIG.md: %q", m)
	}
	if m := missingFrom(schema, documented); m != nil {
		t.Errorf("accepted by the decoder but not documented in CONFIG.md: %q", m)
	}
	if m := missingFrom(documented, schema); m != nil {
		t.Errorf("documented in CONFIG.md but unknown to the decoder: %q", m)
	}
}
