// config.go: the nexus.json configuration, its defaults and its validation.
//
// The Config types are what the rest of Nexus reads. This file turns a JSON
// file into them: parseConfig decodes strictly (config_json.go), applies the
// defaults below, then validates (config_validate.go), and reports every
// problem at once so an operator fixes a file in one pass. The zero-config
// default and `nexus check` live in config_env.go.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is the whole validated configuration. Durations are resolved,
// defaults applied; nothing here is a secret (keys stay in the environment).
type Config struct {
	Listen        string
	HealthCheck   HealthCheckConfig
	Timeouts      TimeoutsConfig
	Queue         QueueConfig
	MaxBodyBytes  int64
	ShutdownGrace time.Duration
	Backends      []BackendConfig
	Aliases       map[string]string   // alias -> model
	Fallbacks     map[string][]string // model -> fallback models, in order
	Policies      []Policy
	Pricing       map[string]Price // model id or prefix -> price
	Budget        BudgetConfig     // monthly budget and spend state (config_clients.go)
	Clients       []ClientConfig   // client keys and their rights
	// Discover probes this machine's well-known local-server ports
	// (discover.go); zero-config turns it on. DiscoverPorts replaces the
	// well-known list; nil means that list.
	Discover      bool
	DiscoverPorts []int
}

type HealthCheckConfig struct {
	Interval time.Duration // default 30s
	Timeout  time.Duration // default 3s
}

type TimeoutsConfig struct {
	Connect    time.Duration // default 2s
	FirstByte  time.Duration // default 120s
	StreamIdle time.Duration // default 60s
	Request    time.Duration // default 10m
}

type QueueConfig struct {
	MaxWaiting int           // default 256
	Timeout    time.Duration // default 30s
}

// BackendConfig is one backend with defaults applied.
type BackendConfig struct {
	Name          string
	Type          string // a registered provider type (provider.go)
	URL           string // without trailing slash; cloud defaults applied
	APIKeyEnv     string
	Zone          string // restricted|open
	Tier          int    // 1..5
	Priority      int    // lower is preferred
	MaxConcurrent int    // 0 = unlimited
	Models        []string
	// Responses is how /v1/responses reaches the backend: "native" (it
	// serves the Responses API itself), "translate" (through the hub), or ""
	// for the kind's default.
	Responses string
}

// Policy tightens requirements for models matching a glob pattern.
type Policy struct {
	Model   string // path.Match pattern, e.g. "patient-*"
	Zone    string // "", restricted or open
	MinTier int    // 0 = none
}

// Price is USD per million tokens.
type Price struct {
	InputPerMTok  float64 `json:"input_per_mtok"`
	OutputPerMTok float64 `json:"output_per_mtok"`
	// CachedInputPerMTok prices cache reads; nil means the provider default
	// ratio for the model's family.
	CachedInputPerMTok *float64 `json:"cached_input_per_mtok,omitempty"`
	// CacheWritePerMTok prices cache writes (Anthropic); nil means default.
	CacheWritePerMTok *float64 `json:"cache_write_per_mtok,omitempty"`
}

// Defaults applied to every config, file or zero-config.
const (
	defaultListen          = ":8000"
	defaultHealthInterval  = 30 * time.Second
	defaultHealthTimeout   = 3 * time.Second
	defaultConnectTimeout  = 2 * time.Second
	defaultFirstByte       = 120 * time.Second
	defaultStreamIdle      = 60 * time.Second
	defaultRequestTimeout  = 10 * time.Minute
	defaultQueueMaxWaiting = 256
	defaultQueueTimeout    = 30 * time.Second
	defaultMaxBodyBytes    = 32 << 20
	defaultShutdownGrace   = 30 * time.Second
	defaultTier            = 3
	defaultLocalPriority   = 50
	defaultCloudPriority   = 100
)

// maxConfigBytes bounds a config file; real ones are a few KiB.
const maxConfigBytes = 8 << 20

// configError lists every problem found in a config.
type configError struct{ Problems []string }

func (e *configError) Error() string { return strings.Join(e.Problems, "\n") }

// newDefaultConfig is a Config with every global default and no backends.
func newDefaultConfig() *Config {
	return &Config{
		Listen:      defaultListen,
		HealthCheck: HealthCheckConfig{Interval: defaultHealthInterval, Timeout: defaultHealthTimeout},
		Timeouts: TimeoutsConfig{Connect: defaultConnectTimeout, FirstByte: defaultFirstByte,
			StreamIdle: defaultStreamIdle, Request: defaultRequestTimeout},
		Queue:         QueueConfig{MaxWaiting: defaultQueueMaxWaiting, Timeout: defaultQueueTimeout},
		MaxBodyBytes:  defaultMaxBodyBytes,
		ShutdownGrace: defaultShutdownGrace,
		Aliases:       map[string]string{},
		Fallbacks:     map[string][]string{},
		Pricing:       map[string]Price{},
		Budget:        BudgetConfig{PreferLocalAt: defaultPreferLocalAt},
	}
}

// applyBackendDefaults fills what a backend left out; set says which JSON
// fields were present, so an explicit 0 or "" is kept (and then rejected).
func applyBackendDefaults(b *BackendConfig, set map[string]bool) {
	cloud := isCloudType(b.Type)
	if !set["zone"] {
		b.Zone = "restricted"
		if cloud {
			b.Zone = "open"
		}
	}
	if !set["tier"] {
		b.Tier = defaultTier
	}
	if !set["priority"] {
		b.Priority = defaultLocalPriority
		if cloud {
			b.Priority = defaultCloudPriority
		}
	}
	if !set["url"] && cloud {
		b.URL = providers[b.Type].defaultURL
	}
	b.URL = strings.TrimRight(b.URL, "/")
}

// loadConfigFile reads and validates a JSON config file. Every problem is
// collected; validation problems come back as a *configError.
func loadConfigFile(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if len(data) > maxConfigBytes {
		return nil, &configError{Problems: []string{fmt.Sprintf("the file is larger than %d MiB", maxConfigBytes>>20)}}
	}
	return parseConfig(data)
}

// parseConfig decodes and validates JSON bytes. Its error is a *configError
// listing every problem, each naming the field and, for a backend, its index
// and name: `backends[2] ("gpu-box"): tier: 7 is out of range 1..5`.
func parseConfig(data []byte) (*Config, error) {
	d := newConfigDecoder()
	cfg := newDefaultConfig()
	if raw, ok := d.document(data); ok {
		d.config(raw, cfg)
		d.problems = append(d.problems, validateConfig(cfg, d.skip)...)
		sortProblems(d.problems)
	}
	if len(d.problems) > 0 {
		return nil, &configError{Problems: d.problems}
	}
	return cfg, nil
}

// document checks that data is exactly one well-formed JSON object and
// returns it. A syntax error is reported with its line and column.
func (d *configDecoder) document(data []byte) (json.RawMessage, bool) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 BOM from some editors
	if len(bytes.TrimSpace(data)) == 0 {
		d.addf("", "the config is empty; it must be a JSON object such as {\"backends\": [...]}")
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		d.addf("", "%s", describeJSONError(data, err))
		return nil, false
	}
	end := dec.InputOffset()
	if rest := bytes.TrimLeft(data[end:], " \t\r\n"); len(rest) > 0 {
		d.addf("", "%s: unexpected data after the top-level JSON object", lineCol(data, len(data)-len(rest)))
		return nil, false
	}
	if k := jsonKind(raw); k != "object" {
		d.addf("", "the top level must be a JSON object, got %s", k)
		return nil, false
	}
	return raw, true
}

// describeJSONError renders a decoding error with a line and column.
func describeJSONError(data []byte, err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("%s: invalid JSON: %s", lineCol(data, int(syn.Offset)-1), syn.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "invalid JSON: unexpected end of file (an unclosed { or [ ?)"
	}
	return "invalid JSON: " + err.Error()
}

// lineCol gives the 1-based line and column of the byte at index i.
func lineCol(data []byte, i int) string {
	i = max(0, min(i, len(data)))
	before := data[:i]
	line := bytes.Count(before, []byte("\n")) + 1
	col := i - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

// problemSections orders problems by where they are in the file.
var problemSections = map[string]int{
	"listen": 1, "health_check": 2, "timeouts": 3, "queue": 4, "max_body_bytes": 5, "shutdown_grace": 6,
	"backends": 7, "aliases": 8, "fallbacks": 9, "policies": 10, "pricing": 11,
	"discover": 12, "discover_ports": 13, "budget": 14, "clients": 15,
}

// sortProblems groups problems by section and then by backend or policy
// index, keeping decoding problems before rule problems within a group.
func sortProblems(problems []string) {
	sort.SliceStable(problems, func(i, j int) bool {
		si, ii := problemPosition(problems[i])
		sj, ij := problemPosition(problems[j])
		if si != sj {
			return si < sj
		}
		return ii < ij
	})
}

// problemPosition is the section rank and list index a problem is about;
// document-level problems (unknown top-level fields) come first.
func problemPosition(p string) (section, index int) {
	end := strings.IndexAny(p, ".[: ")
	if end < 0 {
		return 0, 0
	}
	section = problemSections[p[:end]]
	if p[end] == '[' {
		rest := p[end+1:]
		if close := strings.IndexByte(rest, ']'); close > 0 {
			index, _ = strconv.Atoi(rest[:close])
		}
	}
	return section, index
}
