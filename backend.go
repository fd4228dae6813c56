// backend.go: the live state of one configured backend.
//
// A backend is its validated config plus a handful of atomics (health, load,
// latency, discovered models) that the router reads without locks on every
// request and the health checker and proxy update.
package main

import (
	"math"
	"sync/atomic"
	"time"
)

// Health states, as shown in /health.
const (
	stateUnknown int32 = iota
	stateHealthy
	stateUnhealthy
)

var stateNames = [...]string{"unknown", "healthy", "unhealthy"}

// backend is one registered backend. Fields below cfg are safe for
// concurrent use.
type backend struct {
	cfg        BackendConfig
	local      bool
	restricted bool  // cfg.Zone == "restricted"
	ops        uint8 // bit i set: the kind serves opKind(i)
	discovered bool  // registered by local-server discovery (discover.go), not by the config
	kind       *provider
	agent      agent
	// key is the value of cfg.APIKeyEnv at load time ("" when unset). It is
	// sent only to this backend and never logged.
	key string
	// hdrName, hdrKind, hdrZone are its X-Nexus-* header values, shared
	// read-only.
	hdrName, hdrKind, hdrZone []string

	state    atomic.Int32
	reason   atomic.Pointer[string]
	models   atomic.Pointer[modelList]
	inFlight atomic.Int32
	// serverExtra and serverSlots are what a local server reported at its
	// last check (fleet_load.go): the requests it held beyond Nexus's own,
	// and its slot count (0: not reported). Routing reads them with inFlight.
	serverExtra atomic.Int32
	serverSlots atomic.Int32
	queued      atomic.Int32
	failStreak  atomic.Int32 // consecutive failed requests (passive health)
	latencyEWMA atomic.Int64 // microseconds, 0 = no sample yet
	lastCheck   atomic.Int64 // unix nanoseconds of the last health check
	checkDur    atomic.Int64 // nanoseconds the last check took
	// fleet is the last self-report in full (loaded models, queue), for
	// /health and the model index; nil when the server reports nothing.
	fleet atomic.Pointer[fleetState]
}

// modelList is an immutable set of model ids a backend serves.
type modelList struct {
	ids   []string
	set   map[string]struct{}
	chat  map[string]struct{} // models that chat; nil = all of them
	embed map[string]struct{} // models that embed; nil = all of them
}

// newModelList builds a list; embed == nil means the backend does not say
// which models embed (every model may be tried for every operation).
func newModelList(chat, embed []string) *modelList {
	m := &modelList{set: make(map[string]struct{}, len(chat)+len(embed))}
	add := func(id string) {
		if _, ok := m.set[id]; !ok {
			m.set[id] = struct{}{}
			m.ids = append(m.ids, id)
		}
	}
	for _, id := range chat {
		add(id)
	}
	if embed == nil {
		return m
	}
	m.chat, m.embed = make(map[string]struct{}, len(chat)), make(map[string]struct{}, len(embed))
	for _, id := range chat {
		m.chat[id] = struct{}{}
	}
	for _, id := range embed {
		add(id)
		m.embed[id] = struct{}{}
	}
	return m
}

// servesOp reports whether the backend can serve op for model.
func (b *backend) servesOp(op opKind, model string) bool {
	if b.ops&(1<<op) == 0 {
		return false
	}
	ml := b.models.Load()
	if ml.chat == nil {
		return true // the kind does not split chat and embedding models
	}
	switch op {
	case opChat, opMessages, opResponses:
		if ml.chat != nil {
			_, ok := ml.chat[model]
			return ok
		}
	case opEmbeddings:
		if ml.embed != nil {
			_, ok := ml.embed[model]
			return ok
		}
	}
	return true
}

func newBackend(cfg BackendConfig, getenv func(string) string) *backend {
	kind := providers[cfg.Type]
	b := &backend{cfg: cfg, local: !kind.cloud, restricted: cfg.Zone == "restricted", kind: kind, agent: kind.agent}
	b.hdrName, b.hdrKind, b.hdrZone = []string{cfg.Name}, []string{b.kindName()}, []string{cfg.Zone}
	for op := range opCount {
		if b.agent.supports(op) {
			b.ops |= 1 << op
		}
	}
	if cfg.APIKeyEnv != "" {
		b.key = getenv(cfg.APIKeyEnv)
	}
	b.models.Store(newModelList(cfg.Models, nil))
	b.setReason("not checked yet")
	return b
}

func (b *backend) kindName() string {
	if b.local {
		return "local"
	}
	return "cloud"
}

func (b *backend) stateName() string { return stateNames[b.state.Load()] }

func (b *backend) setReason(r string) { b.reason.Store(&r) }

func (b *backend) reasonText() string {
	if p := b.reason.Load(); p != nil {
		return *p
	}
	return ""
}

// tryAcquire takes an in-flight slot unless the backend is at max_concurrent.
func (b *backend) tryAcquire() bool {
	limit := int32(b.cfg.MaxConcurrent)
	for {
		n := b.inFlight.Load()
		if limit > 0 && n >= limit {
			return false
		}
		if b.inFlight.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (b *backend) full() bool {
	return b.cfg.MaxConcurrent > 0 && int(b.inFlight.Load()) >= b.cfg.MaxConcurrent
}

// capacity is max_concurrent; else the slot count a llama.cpp server
// reports; else an unlimited backend counts as 100 when comparing loads.
func (b *backend) capacity() int {
	if b.cfg.MaxConcurrent > 0 {
		return b.cfg.MaxConcurrent
	}
	if n := b.serverSlots.Load(); n > 0 {
		return int(n)
	}
	return 100
}

// observeLatency folds one request's latency into the moving average.
func (b *backend) observeLatency(d time.Duration) {
	us := d.Microseconds()
	for {
		old := b.latencyEWMA.Load()
		nv := us
		if old != 0 {
			nv = int64(math.Round(0.8*float64(old) + 0.2*float64(us)))
		}
		if b.latencyEWMA.CompareAndSwap(old, nv) {
			return
		}
	}
}

func (b *backend) latencyMs() float64 { return float64(b.latencyEWMA.Load()) / 1000 }
