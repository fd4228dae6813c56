// config_decode.go: the nexus.json schema, section by section.
//
// Each function here lists the JSON fields of one object and where each goes
// in Config. The field tables are functions of their destination so tests
// (and CONFIG.md's drift check) can list the schema's keys without decoding.
package main

import (
	"encoding/json"
	"fmt"
)

// config decodes the top-level object into cfg.
func (d *configDecoder) config(raw json.RawMessage, cfg *Config) {
	d.object("", "", raw, d.topFields(cfg))
}

// topFields is the top-level schema.
func (d *configDecoder) topFields(cfg *Config) fieldHandlers {
	section := func(fields fieldHandlers) func(string, json.RawMessage) {
		return func(p string, v json.RawMessage) { d.object(p, ".", v, fields) }
	}
	return fieldHandlers{
		"listen":         func(p string, v json.RawMessage) { d.str(p, v, &cfg.Listen) },
		"health_check":   section(d.healthFields(&cfg.HealthCheck)),
		"timeouts":       section(d.timeoutFields(&cfg.Timeouts)),
		"queue":          section(d.queueFields(&cfg.Queue)),
		"max_body_bytes": func(p string, v json.RawMessage) { d.integer(p, v, &cfg.MaxBodyBytes) },
		"shutdown_grace": func(p string, v json.RawMessage) { d.duration(p, v, &cfg.ShutdownGrace) },
		"backends":       func(p string, v json.RawMessage) { d.backends(p, v, cfg) },
		"aliases":        func(p string, v json.RawMessage) { d.aliases(p, v, cfg) },
		"fallbacks":      func(p string, v json.RawMessage) { d.fallbacks(p, v, cfg) },
		"policies":       func(p string, v json.RawMessage) { d.policies(p, v, cfg) },
		"pricing":        func(p string, v json.RawMessage) { d.pricing(p, v, cfg) },
		"budget":         section(d.budgetFields(&cfg.Budget)),
		"clients":        func(p string, v json.RawMessage) { d.clients(p, v, cfg) },
		"discover":       func(p string, v json.RawMessage) { d.boolean(p, v, &cfg.Discover) },
		"discover_ports": func(p string, v json.RawMessage) {
			if list, ok := d.portList(p, v); ok {
				cfg.DiscoverPorts = list
			}
		},
	}
}

func (d *configDecoder) healthFields(h *HealthCheckConfig) fieldHandlers {
	return fieldHandlers{
		"interval": func(p string, v json.RawMessage) { d.duration(p, v, &h.Interval) },
		"timeout":  func(p string, v json.RawMessage) { d.duration(p, v, &h.Timeout) },
	}
}

func (d *configDecoder) timeoutFields(t *TimeoutsConfig) fieldHandlers {
	return fieldHandlers{
		"connect":     func(p string, v json.RawMessage) { d.duration(p, v, &t.Connect) },
		"first_byte":  func(p string, v json.RawMessage) { d.duration(p, v, &t.FirstByte) },
		"stream_idle": func(p string, v json.RawMessage) { d.duration(p, v, &t.StreamIdle) },
		"request":     func(p string, v json.RawMessage) { d.duration(p, v, &t.Request) },
	}
}

func (d *configDecoder) queueFields(q *QueueConfig) fieldHandlers {
	return fieldHandlers{
		"max_waiting": func(p string, v json.RawMessage) { d.intField(p, v, &q.MaxWaiting) },
		"timeout":     func(p string, v json.RawMessage) { d.duration(p, v, &q.Timeout) },
	}
}

// backendFields is the schema of one backend. "name" is decoded first, by
// backend, so that every other message can carry it.
func (d *configDecoder) backendFields(b *BackendConfig) fieldHandlers {
	return fieldHandlers{
		"name":           nil,
		"type":           func(p string, v json.RawMessage) { d.str(p, v, &b.Type) },
		"url":            func(p string, v json.RawMessage) { d.str(p, v, &b.URL) },
		"api_key_env":    func(p string, v json.RawMessage) { d.str(p, v, &b.APIKeyEnv) },
		"zone":           func(p string, v json.RawMessage) { d.str(p, v, &b.Zone) },
		"tier":           func(p string, v json.RawMessage) { d.intField(p, v, &b.Tier) },
		"priority":       func(p string, v json.RawMessage) { d.intField(p, v, &b.Priority) },
		"max_concurrent": func(p string, v json.RawMessage) { d.intField(p, v, &b.MaxConcurrent) },
		"responses":      func(p string, v json.RawMessage) { d.str(p, v, &b.Responses) },
		"models": func(p string, v json.RawMessage) {
			if list, ok := d.stringList(p, v); ok {
				b.Models = list
			}
		},
	}
}

func (d *configDecoder) policyFields(pol *Policy) fieldHandlers {
	return fieldHandlers{
		"model":    func(p string, v json.RawMessage) { d.str(p, v, &pol.Model) },
		"zone":     func(p string, v json.RawMessage) { d.str(p, v, &pol.Zone) },
		"min_tier": func(p string, v json.RawMessage) { d.intField(p, v, &pol.MinTier) },
	}
}

func (d *configDecoder) priceFields(pr *Price) fieldHandlers {
	optional := func(dst **float64) func(string, json.RawMessage) {
		return func(p string, v json.RawMessage) {
			var f float64
			if d.number(p, v, &f) {
				*dst = &f
			}
		}
	}
	return fieldHandlers{
		"input_per_mtok":        func(p string, v json.RawMessage) { d.number(p, v, &pr.InputPerMTok) },
		"output_per_mtok":       func(p string, v json.RawMessage) { d.number(p, v, &pr.OutputPerMTok) },
		"cached_input_per_mtok": optional(&pr.CachedInputPerMTok),
		"cache_write_per_mtok":  optional(&pr.CacheWritePerMTok),
	}
}

// backendLabel names backend i in messages: `backends[2] ("gpu-box")`.
func backendLabel(i int, name string) string { return listLabel("backends", i, name) }

// listLabel names entry i of a list of named objects in messages.
func listLabel(list string, i int, name string) string {
	if name == "" {
		return fmt.Sprintf("%s[%d]", list, i)
	}
	return fmt.Sprintf("%s[%d] (%s)", list, i, quoteValue(name))
}

// backends decodes the backend list. An element that is not an object stays
// in the list as a skipped placeholder so later indexes match the file.
func (d *configDecoder) backends(path string, v json.RawMessage, cfg *Config) {
	elems, ok := arrayElems(v)
	if !ok {
		d.fail(path, "must be an array of backend objects, got %s", jsonKind(v))
		return
	}
	for i, e := range elems {
		cfg.Backends = append(cfg.Backends, d.backend(i, e))
	}
}

// backend decodes one backend and applies its type-dependent defaults.
func (d *configDecoder) backend(i int, raw json.RawMessage) BackendConfig {
	var b BackendConfig
	set := d.namedObject(raw, func(name string) string { return backendLabel(i, name) }, &b.Name, d.backendFields(&b))
	if set != nil {
		applyBackendDefaults(&b, set)
	}
	return b
}

// namedObject decodes a list entry whose messages carry its name: "name"
// first (into name), then every field under label(name). It returns the
// fields present, or nil when raw is not an object.
func (d *configDecoder) namedObject(raw json.RawMessage, label func(name string) string, name *string,
	fields fieldHandlers) map[string]bool {
	members, ok := objectMembers(raw)
	if !ok {
		d.fail(label(""), "must be an object, got %s", jsonKind(raw))
		return nil
	}
	for _, m := range members {
		if m.Key == "name" {
			d.str(childPath(label(""), ": ", "name"), m.Value, name)
			break
		}
	}
	return d.object(label(*name), ": ", raw, fields)
}

// aliases decodes alias -> model.
func (d *configDecoder) aliases(path string, v json.RawMessage, cfg *Config) {
	for _, m := range d.mapMembers(path, v) {
		var target string
		if d.str(entryKey(path, m.Key), m.Value, &target) {
			cfg.Aliases[m.Key] = target
		}
	}
}

// fallbacks decodes model -> [fallback models].
func (d *configDecoder) fallbacks(path string, v json.RawMessage, cfg *Config) {
	for _, m := range d.mapMembers(path, v) {
		if list, ok := d.stringList(entryKey(path, m.Key), m.Value); ok {
			cfg.Fallbacks[m.Key] = list
		}
	}
}

// policies decodes the policy list; like backends, a bad element keeps its
// place as a skipped placeholder.
func (d *configDecoder) policies(path string, v json.RawMessage, cfg *Config) {
	elems, ok := arrayElems(v)
	if !ok {
		d.fail(path, "must be an array of policy objects, got %s", jsonKind(v))
		return
	}
	for i, e := range elems {
		var pol Policy
		d.object(fmt.Sprintf("%s[%d]", path, i), ": ", e, d.policyFields(&pol))
		cfg.Policies = append(cfg.Policies, pol)
	}
}

// pricing decodes model -> price. Input and output prices are required so a
// typo cannot silently price a model at zero.
func (d *configDecoder) pricing(path string, v json.RawMessage, cfg *Config) {
	for _, m := range d.mapMembers(path, v) {
		var pr Price
		label := entryKey(path, m.Key)
		set := d.object(label, ": ", m.Value, d.priceFields(&pr))
		if set == nil {
			continue
		}
		for _, f := range []string{"input_per_mtok", "output_per_mtok"} {
			if !set[f] {
				d.fail(childPath(label, ": ", f), "required (USD per million tokens; 0 is allowed)")
			}
		}
		cfg.Pricing[m.Key] = pr
	}
}
