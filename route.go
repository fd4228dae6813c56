// route.go: choosing a backend for a model (SPEC §5).
//
// A registry is the set of backends built from one config; a reload builds a
// new one and swaps it in. Local-server discovery (discover.go) may add
// backends to a running registry: the member list and the model index
// (model -> backends that serve it) are copy-on-write snapshots behind
// atomic pointers, replaced under one mutex and never mutated, so a routing
// decision stays one map lookup and one allocation-free pass over the
// backends that serve the model, with no lock.
package main

import (
	"math"
	"net/http"
	"path"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Route reasons (X-Nexus-Route-Reason).
const (
	reasonCapability = "capability-match"
	reasonOverflow   = "capacity-overflow"
	reasonPrivacy    = "privacy-requirement"
	reasonFailover   = "failover"
	reasonBudget     = "budget-limit"
	reasonNone       = "none"
)

// registry is the set of backends of one config.
type registry struct {
	cfg     *Config
	client  *http.Client // pooled connections to every backend of this config
	clients *clientSet   // client keys of this config (nil: client auth off)

	indexMu sync.Mutex                 // serialises additions and index rebuilds
	members atomic.Pointer[[]*backend] // configured, then discovered; read with backends()
	index   atomic.Pointer[map[string][]*backend]

	slots slotSignal // broadcast when any slot frees and someone waits
}

func newRegistry(cfg *Config, getenv func(string) string) *registry {
	r := &registry{cfg: cfg}
	var list []*backend
	for _, bc := range cfg.Backends {
		list = append(list, newBackend(bc, getenv))
	}
	r.members.Store(&list)
	r.slots.ch = make(chan struct{})
	r.rebuildIndex()
	return r
}

// backends is every backend, configured and discovered: a snapshot that is
// never modified (an addition stores a new slice).
func (r *registry) backends() []*backend { return *r.members.Load() }

// add registers a backend in the running registry (discovery). Requests
// routed from now on see it; in-flight ones keep their snapshot.
func (r *registry) add(b *backend) {
	r.indexMu.Lock()
	defer r.indexMu.Unlock()
	old := r.backends()
	list := make([]*backend, len(old), len(old)+1)
	copy(list, old)
	list = append(list, b)
	r.members.Store(&list)
	r.rebuildIndexLocked()
}

// rebuildIndex recomputes model -> backends from every backend's model list.
func (r *registry) rebuildIndex() {
	r.indexMu.Lock()
	defer r.indexMu.Unlock()
	r.rebuildIndexLocked()
}

func (r *registry) rebuildIndexLocked() {
	idx := make(map[string][]*backend)
	for _, b := range r.backends() {
		for _, id := range b.models.Load().ids {
			idx[id] = append(idx[id], b)
		}
	}
	r.index.Store(&idx)
}

func (r *registry) candidates(model string) []*backend { return (*r.index.Load())[model] }

// release frees a slot taken by tryAcquire and wakes waiters.
func (r *registry) release(b *backend) {
	b.inFlight.Add(-1)
	r.slots.notify()
}

// requirements is what a request demands of a backend.
type requirements struct {
	restricted bool        // only restricted-zone backends
	budget     budgetLevel // how far spend is into a budget (admit.go)
	minTier    int
}

// requirementsFor combines the policies that match the model (or the name the
// client used) with the client's X-Nexus-* headers; the strictest wins.
func (r *registry) requirementsFor(h http.Header, asked, model string) (requirements, error) {
	q := r.policyFor(r.policyFor(requirements{}, model), asked)
	if v := h.Get("X-Nexus-Privacy-Zone"); v != "" {
		switch v {
		case "restricted":
			q.restricted = true
		case "open":
		default:
			return q, errInvalid("X-Nexus-Privacy-Zone", "X-Nexus-Privacy-Zone must be \"restricted\" or \"open\"")
		}
	}
	if v := h.Get("X-Nexus-Min-Tier"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5 {
			return q, errInvalid("X-Nexus-Min-Tier", "X-Nexus-Min-Tier must be an integer from 1 to 5")
		}
		q.minTier = max(q.minTier, n)
	}
	return q, nil
}

// policyFor tightens q with every policy whose pattern matches model.
func (r *registry) policyFor(q requirements, model string) requirements {
	for _, p := range r.cfg.Policies {
		if ok, _ := path.Match(p.Model, model); !ok {
			continue
		}
		if p.Zone == "restricted" {
			q.restricted = true
		}
		q.minTier = max(q.minTier, p.MinTier)
	}
	return q
}

// skip reasons, in the order they are checked.
type skipKind uint8

const (
	skipNone skipKind = iota
	skipZone
	skipTier
	skipBudget // a cloud backend while a budget is spent
	skipUnhealthy
	skipTried
	skipFull
)

func (k skipKind) reason() string {
	switch k {
	case skipZone:
		return reasonPrivacy
	case skipUnhealthy, skipTried:
		return reasonFailover
	case skipFull:
		return reasonOverflow
	case skipBudget:
		return reasonBudget
	}
	return reasonCapability
}

func (r *registry) skipFor(b *backend, q requirements, tried []*backend) skipKind {
	switch {
	case q.restricted && !b.restricted:
		return skipZone
	case b.cfg.Tier < q.minTier:
		return skipTier
	case b.state.Load() == stateUnhealthy:
		return skipUnhealthy
	}
	for _, t := range tried {
		if t == b {
			return skipTried
		}
	}
	if q.budget >= budgetNoCloud && !b.local { // before full: waiting for it will not help
		return skipBudget
	}
	if b.full() {
		return skipFull
	}
	return skipNone
}

// ranksBefore orders backends for model by (priority, local before cloud,
// the model already in memory before not, load, latency). Load is in-flight
// plus what the server itself reported beyond Nexus's own requests, over
// capacity (fleet_load.go), compared by cross multiplication to stay in
// integers. The priority test is inlined into choose; backends that tie on
// priority are compared by tieRanksBefore, which makes no call.
func ranksBefore(a, b *backend, model string) bool {
	if a.cfg.Priority != b.cfg.Priority {
		return a.cfg.Priority < b.cfg.Priority
	}
	return tieRanksBefore(a, b, model)
}

// tieRanksBefore is ranksBefore for two backends of the same priority.
func tieRanksBefore(a, b *backend, model string) bool {
	if a.local != b.local {
		return a.local
	}
	if ra, rb := a.fleet.Load().holds(model), b.fleet.Load().holds(model); ra != rb {
		return ra
	}
	la, lb := a.load()*int64(b.capacity()), b.load()*int64(a.capacity())
	if la != lb {
		return la < lb
	}
	return a.latencyEWMA.Load() < b.latencyEWMA.Load()
}

// pick is one routing decision for one model.
type pick struct {
	b      *backend
	reason string
	// known: some backend serves the model at all. waitable: some backend
	// was skipped only because it was full.
	known, waitable bool
	fullest         *backend // best-ranked full backend, for the queue
}

// choose walks the backends serving model and returns the best eligible one
// with its route reason. It does not allocate.
func (r *registry) choose(op opKind, model string, q requirements, tried []*backend) pick {
	if q.budget == budgetPreferLocal {
		return r.choosePreferLocal(op, model, q, tried) // admit.go
	}
	var p pick
	var firstSkip *backend
	var firstKind skipKind
	for _, b := range r.candidates(model) {
		if !b.servesOp(op, model) {
			continue
		}
		p.known = true
		k := r.skipFor(b, q, tried)
		if k == skipNone {
			if p.b == nil || ranksBefore(b, p.b, model) {
				p.b = b
			}
			continue
		}
		if k == skipFull && (p.fullest == nil || ranksBefore(b, p.fullest, model)) {
			p.fullest = b
			p.waitable = true
		}
		if k != skipTier && (firstSkip == nil || ranksBefore(b, firstSkip, model)) {
			firstSkip, firstKind = b, k
		}
	}
	switch {
	case p.b == nil:
		p.reason = reasonNone
	case len(tried) > 0:
		p.reason = reasonFailover
	case firstSkip != nil && ranksBefore(firstSkip, p.b, model):
		p.reason = firstKind.reason()
	default:
		p.reason = reasonCapability
	}
	return p
}

// unavailable builds the actionable 503 for a model no eligible backend can
// serve right now.
func (r *registry) unavailable(op opKind, models []string, q requirements, why string) *apiError {
	ctx := &unavailableContext{RequiredTier: q.minTier, AvailableBackends: []string{}}
	if q.restricted {
		ctx.PrivacyZoneRequired = "restricted"
	}
	eta := math.MaxInt
	now := time.Now()
	seen := map[*backend]bool{}
	for _, m := range models {
		for _, b := range r.candidates(m) {
			if seen[b] || !b.servesOp(op, m) {
				continue
			}
			seen[b] = true
			if b.state.Load() != stateUnhealthy {
				ctx.AvailableBackends = append(ctx.AvailableBackends, b.cfg.Name)
			}
			if q.restricted && !b.restricted || b.cfg.Tier < q.minTier || q.budget >= budgetNoCloud && !b.local {
				continue // waiting will not help
			}
			switch {
			case b.state.Load() == stateUnhealthy:
				next := time.Unix(0, b.lastCheck.Load()).Add(r.cfg.HealthCheck.Interval)
				eta = min(eta, max(1, int(math.Ceil(next.Sub(now).Seconds()))))
			case b.full():
				eta = min(eta, max(1, int(math.Ceil(float64(b.latencyEWMA.Load())/1e6))))
			}
		}
	}
	e := &apiError{Status: http.StatusServiceUnavailable, Type: "service_unavailable",
		Code: "no_available_backend", Message: why, Context: ctx}
	if eta != math.MaxInt {
		ctx.EtaSeconds = &eta
		e.RetryAfter = eta
	}
	return e
}

// slotSignal lets queued requests wait for any slot to free without a
// per-request cost when nobody waits.
type slotSignal struct {
	waiters atomic.Int32
	mu      sync.Mutex
	ch      chan struct{}
}

// wait returns a channel closed at the next notify.
func (s *slotSignal) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ch
}

func (s *slotSignal) notify() {
	if s.waiters.Load() == 0 {
		return
	}
	s.mu.Lock()
	close(s.ch)
	s.ch = make(chan struct{})
	s.mu.Unlock()
}
