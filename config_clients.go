// config_clients.go: the "budget" and "clients" sections of nexus.json
// (SPEC §15) — their types, their JSON schema and their rules.
//
// A client is named by the SHA-256 digest of its key, never the key itself:
// a literal key anywhere in a client entry is a config error that does not
// print the value. Whether budget.state_file can be used (its directory
// exists, the file parses) depends on the machine, not the file, so that is
// checked at start-up and by `nexus check` (spend_store.go), not here.
package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// defaultPreferLocalAt is the share of a budget from which cloud backends
// rank after local ones.
const defaultPreferLocalAt = 0.8

// BudgetConfig is the global monthly budget and where spend is kept.
type BudgetConfig struct {
	MonthlyUSD    *float64 // nil: no global budget
	PreferLocalAt float64  // 0..1, default 0.8; also applies to client budgets
	StateFile     string   // "": spend lives in memory only
}

// ClientConfig is one client key and what it may do.
type ClientConfig struct {
	Name              string
	KeySHA256         string   // hex SHA-256 of the whole key string
	Models            []string // path.Match globs; nil = every model
	Zone              string   // "", restricted or open
	MinTier           int      // 0 = none
	MonthlyUSD        *float64 // nil: no client budget (0: no cloud spend at all)
	RequestsPerMinute int      // 0 = unlimited
}

// hasBudget reports whether any budget (global or a client's) is set.
func (c *Config) hasBudget() bool {
	if c.Budget.MonthlyUSD != nil {
		return true
	}
	for _, cl := range c.Clients {
		if cl.MonthlyUSD != nil {
			return true
		}
	}
	return false
}

func (d *configDecoder) budgetFields(b *BudgetConfig) fieldHandlers {
	return fieldHandlers{
		"monthly_usd":     d.optionalNumber(&b.MonthlyUSD),
		"prefer_local_at": func(p string, v json.RawMessage) { d.number(p, v, &b.PreferLocalAt) },
		"state_file":      func(p string, v json.RawMessage) { d.str(p, v, &b.StateFile) },
	}
}

// clientFields is the schema of one client. "name" is decoded first, by
// client, so that every other message can carry it.
func (d *configDecoder) clientFields(c *ClientConfig) fieldHandlers {
	return fieldHandlers{
		"name":       nil,
		"key_sha256": func(p string, v json.RawMessage) { d.str(p, v, &c.KeySHA256) },
		"models": func(p string, v json.RawMessage) {
			if list, ok := d.stringList(p, v); ok {
				c.Models = list
			}
		},
		"zone":                func(p string, v json.RawMessage) { d.str(p, v, &c.Zone) },
		"min_tier":            func(p string, v json.RawMessage) { d.intField(p, v, &c.MinTier) },
		"monthly_usd":         d.optionalNumber(&c.MonthlyUSD),
		"requests_per_minute": func(p string, v json.RawMessage) { d.intField(p, v, &c.RequestsPerMinute) },
	}
}

// optionalNumber decodes a number into a field where absent and 0 differ.
func (d *configDecoder) optionalNumber(dst **float64) func(string, json.RawMessage) {
	return func(p string, v json.RawMessage) {
		var f float64
		if d.number(p, v, &f) {
			*dst = &f
		}
	}
}

// clientLabel names client i in messages: `clients[1] ("ci-bot")`.
func clientLabel(i int, name string) string { return listLabel("clients", i, name) }

// clients decodes the client list; like backends, an element that is not
// an object keeps its place as a skipped placeholder.
func (d *configDecoder) clients(path string, v json.RawMessage, cfg *Config) {
	elems, ok := arrayElems(v)
	if !ok {
		d.fail(path, "must be an array of client objects, got %s", jsonKind(v))
		return
	}
	for i, e := range elems {
		var c ClientConfig
		d.namedObject(e, func(name string) string { return clientLabel(i, name) }, &c.Name, d.clientFields(&c))
		cfg.Clients = append(cfg.Clients, c)
	}
}

// budget checks the global budget section.
func (v *configValidator) budget(b BudgetConfig) {
	if b.MonthlyUSD != nil {
		v.check(*b.MonthlyUSD >= 0, "budget.monthly_usd", "must not be negative, got %g", *b.MonthlyUSD)
	}
	v.check(b.PreferLocalAt >= 0 && b.PreferLocalAt <= 1, "budget.prefer_local_at",
		"%g is out of range 0..1 (the share of a budget from which cloud backends rank after local ones)", b.PreferLocalAt)
	if b.StateFile != "" {
		v.check(!strings.HasSuffix(b.StateFile, "/"), "budget.state_file",
			"%s names a directory; name a file in it, e.g. \"/var/lib/nexus/spend.json\"", quoteValue(b.StateFile))
	}
}

// clients checks each client and that names and keys are unique.
func (v *configValidator) clients(list []ClientConfig) {
	names, keys := map[string]int{}, map[string]int{}
	for i, c := range list {
		if v.skip[clientLabel(i, "")] {
			continue // not an object; already reported
		}
		label := clientLabel(i, c.Name)
		at := func(field string) string { return childPath(label, ": ", field) }
		v.client(at, c)
		if j, dup := names[c.Name]; dup && c.Name != "" {
			v.check(false, at("name"), "duplicate of clients[%d]; names must be unique (spend belongs to the name)", j)
		} else if c.Name != "" {
			names[c.Name] = i
		}
		digest := strings.ToLower(c.KeySHA256)
		if j, dup := keys[digest]; dup && validDigest(c.KeySHA256) {
			v.check(false, at("key_sha256"), "the same key as clients[%d]; every client needs its own key", j)
		} else if validDigest(c.KeySHA256) {
			keys[digest] = i
		}
	}
}

// client checks one client's fields; at gives a field's full path.
func (v *configValidator) client(at func(string) string, c ClientConfig) {
	v.check(c.Name != "", at("name"), "required")
	v.check(c.Name == "" || validBackendName(c.Name), at("name"), "%s must match [A-Za-z0-9._-]+", quoteValue(c.Name))
	v.check(!looksLikeKey(c.Name), at("name"), "looks like a key, and names appear in logs and metrics: name the "+
		"client (e.g. \"ci-bot\") and give the digest of its key in key_sha256")
	v.check(!strings.HasPrefix(strings.ToLower(c.Name), "env-"), at("name"),
		"names starting with \"env-\" are reserved for the keys in NEXUS_API_KEYS (env-1, env-2, ...)")
	switch {
	case c.KeySHA256 == "":
		v.check(false, at("key_sha256"), "required: the SHA-256 hex digest of the client's key "+
			"(`nexus key NAME` prints a new key and this entry)")
	case !validDigest(c.KeySHA256):
		// Never echo it: an operator may have pasted the key itself here.
		v.check(false, at("key_sha256"), "must be the SHA-256 digest of the key as 64 hex digits, not the key "+
			"itself (`nexus key NAME` prints a new key and its digest)")
	}
	v.check(c.Models == nil || len(c.Models) > 0, at("models"),
		"is empty; list the model names or patterns the client may call, or leave models out to allow every model")
	for i, m := range c.Models {
		p := fmt.Sprintf("%s[%d]", at("models"), i)
		v.check(m != "", p, "must not be empty")
		if _, err := path.Match(m, ""); m != "" && err != nil {
			v.check(false, p, "%s is not a valid pattern (path.Match syntax: *, ?, [a-z])", quoteValue(m))
		}
	}
	v.check(c.Zone == "" || c.Zone == "restricted" || c.Zone == "open", at("zone"),
		"%s is not one of restricted, open (or leave it out)", quoteValue(c.Zone))
	v.check(c.MinTier >= 0 && c.MinTier <= 5, at("min_tier"), "%d is out of range 0..5", c.MinTier)
	if c.MonthlyUSD != nil {
		v.check(*c.MonthlyUSD >= 0, at("monthly_usd"), "must not be negative, got %g", *c.MonthlyUSD)
	}
	v.check(c.RequestsPerMinute >= 0, at("requests_per_minute"),
		"must be 0 or more (0 = unlimited), got %d", c.RequestsPerMinute)
}

// validDigest reports whether s is 64 hex digits (either case).
func validDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
