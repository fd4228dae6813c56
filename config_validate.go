// config_validate.go: the rules a decoded Config must satisfy.
//
// Validation works on Config values, so the same rules check a parsed file
// and the zero-config default. It reports every broken rule, in a stable
// order, each naming the field (and backend) it is about. Paths the decoder
// could not decode are in skip and are not reported a second time.
package main

import (
	"fmt"
	"net"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"
)

// configValidator collects rule violations.
type configValidator struct {
	problems []string
	skip     map[string]bool
}

// validateConfig checks cfg and returns every problem; skip may be nil.
func validateConfig(cfg *Config, skip map[string]bool) []string {
	v := &configValidator{skip: skip}
	v.globals(cfg)
	v.backends(cfg.Backends, cfg.Discover)
	v.discovery(cfg)
	v.aliases(cfg.Aliases)
	v.fallbacks(cfg.Fallbacks)
	v.policies(cfg.Policies)
	v.pricing(cfg.Pricing)
	v.budget(cfg.Budget)
	v.clients(cfg.Clients)
	return v.problems
}

// check records a problem at path unless ok or path was undecodable.
func (v *configValidator) check(ok bool, path, format string, args ...any) {
	if ok || v.skip[path] {
		return
	}
	v.problems = append(v.problems, joinProblem(path, fmt.Sprintf(format, args...)))
}

func (v *configValidator) positive(path string, d time.Duration) {
	v.check(d > 0, path, "must be greater than 0, got %q", d.String())
}

// globals checks everything outside backends and the routing maps.
func (v *configValidator) globals(cfg *Config) {
	_, port, err := net.SplitHostPort(cfg.Listen)
	v.check(err == nil && port != "", "listen",
		"%s is not a host:port address such as \":8000\" or \"127.0.0.1:8000\"", quoteValue(cfg.Listen))
	v.positive("health_check.interval", cfg.HealthCheck.Interval)
	v.positive("health_check.timeout", cfg.HealthCheck.Timeout)
	v.positive("timeouts.connect", cfg.Timeouts.Connect)
	v.positive("timeouts.first_byte", cfg.Timeouts.FirstByte)
	v.positive("timeouts.stream_idle", cfg.Timeouts.StreamIdle)
	v.positive("timeouts.request", cfg.Timeouts.Request)
	v.check(cfg.Queue.MaxWaiting >= 0, "queue.max_waiting", "must be 0 or more (0 = no queue), got %d", cfg.Queue.MaxWaiting)
	v.positive("queue.timeout", cfg.Queue.Timeout)
	v.check(cfg.MaxBodyBytes > 0, "max_body_bytes", "must be greater than 0, got %d", cfg.MaxBodyBytes)
	v.check(cfg.ShutdownGrace >= 0, "shutdown_grace", "must not be negative, got %q", cfg.ShutdownGrace.String())
}

// backends checks each backend and that names are unique. With discovery
// on, the list may be empty.
func (v *configValidator) backends(list []BackendConfig, discover bool) {
	v.check(len(list) > 0 || discover, "backends", "at least one backend is required")
	first := map[string]int{}
	for i, b := range list {
		if v.skip[backendLabel(i, "")] {
			continue // not an object; already reported
		}
		label := backendLabel(i, b.Name)
		v.backend(label, b)
		if b.Name == "" {
			continue
		}
		j, dup := first[b.Name]
		v.check(!dup, label+": name", "duplicate of backends[%d]; names must be unique", j)
		if !dup {
			first[b.Name] = i
		}
	}
}

// backend checks one backend's fields.
func (v *configValidator) backend(label string, b BackendConfig) {
	at := func(field string) string { return childPath(label, ": ", field) }
	v.check(b.Name != "", at("name"), "required")
	v.check(b.Name == "" || validBackendName(b.Name), at("name"), "%s must match [A-Za-z0-9._-]+", quoteValue(b.Name))
	known := isLocalType(b.Type) || isCloudType(b.Type)
	v.check(b.Type != "", at("type"), "required (one of %s)", backendTypes())
	v.check(b.Type == "" || known, at("type"), "%s is not one of %s", quoteValue(b.Type), backendTypes())
	switch {
	case isLocalType(b.Type) && b.URL == "":
		v.check(false, at("url"), "required for local type %q (the server root, e.g. \"http://127.0.0.1:8080\")", b.Type)
	case known || b.URL != "":
		if msg := checkBackendURL(b.URL); msg != "" {
			v.check(false, at("url"), "%s", msg)
		} else if isLocalType(b.Type) && strings.HasSuffix(strings.TrimRight(b.URL, "/"), "/v1") {
			// The most common paste: the OpenAI base instead of the root.
			v.check(false, at("url"), "for local type %q give the server root without /v1 (Nexus calls {url}/v1/...)", b.Type)
		}
	}
	if isCloudType(b.Type) && b.APIKeyEnv == "" {
		v.check(false, at("api_key_env"), "required for cloud type %q (the name of the environment variable "+
			"holding the key, e.g. %s)", b.Type, providers[b.Type].keyEnvExample)
	} else if b.APIKeyEnv != "" {
		if msg := checkEnvName(b.APIKeyEnv); msg != "" {
			v.check(false, at("api_key_env"), "%s", msg)
		}
	}
	v.check(b.Zone == "restricted" || b.Zone == "open", at("zone"), "%s is not one of restricted, open", quoteValue(b.Zone))
	v.check(b.Tier >= 1 && b.Tier <= 5, at("tier"), "%d is out of range 1..5", b.Tier)
	v.check(b.Priority >= 0, at("priority"), "must be 0 or more (lower is preferred), got %d", b.Priority)
	v.check(b.MaxConcurrent >= 0, at("max_concurrent"), "must be 0 or more (0 = unlimited), got %d", b.MaxConcurrent)
	v.check(b.Responses == "" || b.Responses == "native" || b.Responses == "translate", at("responses"),
		"%s is not one of native, translate", quoteValue(b.Responses))
	if p := providers[b.Type]; p != nil && b.Responses == "native" {
		v.check(p.canServeResponses, at("responses"), "native needs a server that speaks the Responses API itself; "+
			"type %q is always translated", b.Type)
	}
	v.check(b.Models == nil || len(b.Models) > 0, at("models"),
		"is empty; list at least one model, or leave models out to discover them")
	v.modelList(at("models"), "", b.Models)
}

// validBackendName reports whether name matches [A-Za-z0-9._-]+.
func validBackendName(name string) bool {
	for i := 0; i < len(name); i++ {
		if charClass(name[i]) < 0 && name[i] != '.' {
			return false
		}
	}
	return name != ""
}

// checkBackendURL returns what is wrong with a backend URL, or "". It never
// echoes the URL, which may hold credentials.
func checkBackendURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "":
		return "must be an absolute http:// or https:// URL with a host"
	case u.User != nil:
		return "must not contain credentials (user:password@); keys come only from the environment variable named in api_key_env"
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "must not contain a query (?...) or fragment (#...); Nexus appends API paths to it"
	}
	return ""
}

// checkEnvName returns what is wrong with an api_key_env value, or "". A
// value that looks like a key is never echoed.
func checkEnvName(name string) string {
	if looksLikeKey(name) {
		return "must name an environment variable, not hold a key"
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if class := charClass(c); class < 0 || c == '-' || (i == 0 && class == 3) {
			return fmt.Sprintf("%s is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)", quoteValue(name))
		}
	}
	return ""
}

// modelList checks a list of model names: non-empty, no repeats, and (when
// self is set) not the model the list belongs to.
func (v *configValidator) modelList(path, self string, models []string) {
	seen := map[string]bool{}
	for i, m := range models {
		at := fmt.Sprintf("%s[%d]", path, i)
		v.check(m != "", at, "must not be empty")
		v.check(self == "" || m != self, at, "%s cannot fall back to itself", quoteValue(m))
		v.check(m == "" || !seen[m], at, "%s is listed twice", quoteValue(m))
		seen[m] = true
	}
}

// sortedKeys returns a map's keys in order, for stable messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// aliases checks names and targets, and that aliases resolve in one level.
func (v *configValidator) aliases(aliases map[string]string) {
	for _, name := range sortedKeys(aliases) {
		target, at := aliases[name], entryKey("aliases", name)
		switch {
		case name == "":
			v.check(false, "aliases", "alias names must not be empty")
		case target == "":
			v.check(false, at, "target must not be empty")
		case target == name:
			v.check(false, at, "points to itself (a loop)")
		default:
			if next, isAlias := aliases[target]; isAlias {
				v.check(false, at, "%s", aliasChainProblem(aliases, name, target, next))
			}
		}
	}
}

// aliasChainProblem explains an alias whose target is itself an alias: a
// loop when the chain comes back to name, else a two-level chain.
func aliasChainProblem(aliases map[string]string, name, target, next string) string {
	chain := quoteValue(name) + " -> " + quoteValue(target)
	cur := target
	for range len(aliases) {
		nxt, ok := aliases[cur]
		if !ok {
			break
		}
		chain += " -> " + quoteValue(nxt)
		if nxt == name {
			return "loop: " + chain
		}
		cur = nxt
	}
	return fmt.Sprintf("target %s is itself an alias (of %s); aliases resolve one level only, so point %s at %s directly",
		quoteValue(target), quoteValue(next), quoteValue(name), quoteValue(next))
}

// fallbacks checks each fallback list.
func (v *configValidator) fallbacks(fallbacks map[string][]string) {
	for _, model := range sortedKeys(fallbacks) {
		if model == "" {
			v.check(false, "fallbacks", "model names must not be empty")
			continue
		}
		at := entryKey("fallbacks", model)
		v.check(len(fallbacks[model]) > 0, at, "is empty; list at least one fallback model, or leave %s out", quoteValue(model))
		v.modelList(at, model, fallbacks[model])
	}
}

// policies checks each policy's pattern and requirements.
func (v *configValidator) policies(policies []Policy) {
	for i, p := range policies {
		label := fmt.Sprintf("policies[%d]", i)
		if v.skip[label] {
			continue
		}
		at := func(field string) string { return childPath(label, ": ", field) }
		v.check(p.Model != "", at("model"), "required (a model name or pattern such as \"patient-*\")")
		if p.Model != "" {
			_, err := path.Match(p.Model, "")
			v.check(err == nil, at("model"), "%s is not a valid pattern (path.Match syntax: *, ?, [a-z])",
				quoteValue(p.Model))
		}
		v.check(p.Zone == "" || p.Zone == "restricted" || p.Zone == "open", at("zone"),
			"%s is not one of restricted, open (or leave it out)", quoteValue(p.Zone))
		v.check(p.MinTier >= 0 && p.MinTier <= 5, at("min_tier"), "%d is out of range 0..5", p.MinTier)
	}
}

// pricing checks that prices are non-negative.
func (v *configValidator) pricing(pricing map[string]Price) {
	for _, model := range sortedKeys(pricing) {
		if model == "" {
			v.check(false, "pricing", "model names must not be empty")
			continue
		}
		p, label := pricing[model], entryKey("pricing", model)
		nonNeg := func(field string, f float64) {
			v.check(f >= 0, childPath(label, ": ", field), "must not be negative, got %g", f)
		}
		nonNeg("input_per_mtok", p.InputPerMTok)
		nonNeg("output_per_mtok", p.OutputPerMTok)
		if p.CachedInputPerMTok != nil {
			nonNeg("cached_input_per_mtok", *p.CachedInputPerMTok)
		}
		if p.CacheWritePerMTok != nil {
			nonNeg("cache_write_per_mtok", *p.CacheWritePerMTok)
		}
	}
}
