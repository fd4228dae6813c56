// config.go: the nexus.json configuration, its defaults and its validation.
package main

import (
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
	Type          string // ollama|vllm|llamacpp|lmstudio|exo|generic|openai|anthropic|google
	URL           string // without trailing slash; cloud defaults applied
	APIKeyEnv     string
	Zone          string // restricted|open
	Tier          int    // 1..5
	Priority      int    // lower is preferred
	MaxConcurrent int    // 0 = unlimited
	Models        []string
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

// isLocalType reports whether a backend type is a local inference server.
func isLocalType(t string) bool {
	switch t {
	case "ollama", "vllm", "llamacpp", "lmstudio", "exo", "generic":
		return true
	}
	return false
}
