// metrics.go: the in-process counters behind GET /metrics.
//
// Nexus must not pull in a Prometheus client library (SPEC §1), so this file
// keeps its own counters and metrics_text.go renders them in the Prometheus
// text exposition format (version 0.0.4).
//
// Hot path: the proxy reports one requestRecord per finished request. All
// per-request families (requests, errors, latency and TTFB histograms, tokens,
// cost, attempts) are derived at scrape time from ONE map keyed by the full
// label set, so observeRequest is a single mutex-guarded map lookup plus a few
// additions: no fmt, no allocation once the series exists.
//
// Cardinality guard: the model label comes from the client, so an attacker (or
// a typo loop) could create unbounded series. The request store holds at most
// maxRequestSeries distinct label sets; once full, a request whose label set
// is new is recorded with model="other". Model names that are not valid UTF-8
// or longer than maxModelLabelBytes are always recorded as model="other".
// Every per-request family is an aggregation of that store, so each family
// has at most maxRequestSeries label sets with a client-chosen model name,
// plus the "other" series (bounded by backends x statuses x route reasons).
// A client model literally named "other" shares those series.
package main

import (
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

const (
	// maxRequestSeries caps distinct request label sets (see top comment).
	maxRequestSeries = 1000
	// maxNameSeries caps distinct backend names in the failover and health
	// check maps; backend names come from the config, so this is a backstop.
	maxNameSeries = 1000
	// maxModelLabelBytes: longer model names are recorded as "other".
	maxModelLabelBytes = 200
	// otherLabel replaces label values that would blow up cardinality.
	otherLabel = "other"
	// noneLabel stands in for an empty backend, type or route reason.
	noneLabel = "none"
)

// latencyBuckets are the upper bounds (seconds) of the request duration and
// time-to-first-byte histograms: from a cached local answer (5 ms) to a long
// cloud generation (5 min). The +Inf bucket is implicit.
var latencyBuckets = [...]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300}

const nBuckets = len(latencyBuckets)

// requestRecord is what the proxy reports once per finished request.
type requestRecord struct {
	Backend, BackendType, Model, RouteReason string // "none" when routing failed
	Status                                   int
	Stream                                   bool
	Latency                                  time.Duration
	TTFB                                     time.Duration // 0 when no byte was sent
	PromptTokens, CompletionTokens           int
	CostUSD                                  float64
	HasCost                                  bool
	Attempts                                 int
	Client                                   string // the client's name; "" until client keys have names
}

// backendGauge is one backend's live state at scrape time.
type backendGauge struct {
	Name, Type        string
	Healthy           bool
	Models            int
	InFlight          int
	Queued            int
	LastCheckDuration time.Duration
}

// metrics holds every counter Nexus exports. The zero value is not usable;
// call newMetrics.
type metrics struct {
	mu        sync.Mutex
	reqs      map[reqKey]*reqSeries
	failovers map[string]uint64
	checks    map[string]*checkSeries
	// spend reads this month's spend by client and backend at scrape time
	// (the spend ledger, budget.go); nil: none.
	spend func() map[clientBackend]nanoUSD
}

// reqKey is the full label set of one request series.
type reqKey struct {
	backend, backendType, model, routeReason string
	status                                   int
	stream                                   bool
}

// reqSeries accumulates every request with one reqKey.
type reqSeries struct {
	count            uint64
	promptTokens     uint64
	completionTokens uint64
	attempts         uint64
	cost             float64
	hasCost          bool // at least one request had an honest cost
	duration         histogram
	ttfb             histogram
}

// histogram keeps per-bucket (non-cumulative) counts; counts[nBuckets] is the
// overflow above the largest bound. Cumulation happens when rendering.
type histogram struct {
	counts [nBuckets + 1]uint64
	sum    float64
}

// checkSeries is one backend's health check history.
type checkSeries struct {
	ok, failed uint64
	last       time.Duration
}

func newMetrics() *metrics {
	return &metrics{
		reqs:      make(map[reqKey]*reqSeries),
		failovers: make(map[string]uint64),
		checks:    make(map[string]*checkSeries),
	}
}

// observeRequest records one finished request. Safe for concurrent use.
func (m *metrics) observeRequest(r requestRecord) {
	k := reqKey{
		backend:     orNone(r.Backend),
		backendType: orNone(r.BackendType),
		model:       r.Model,
		routeReason: orNone(r.RouteReason),
		status:      r.Status,
		stream:      r.Stream,
	}
	lat := durationSeconds(r.Latency)
	ttfb := durationSeconds(r.TTFB)
	m.mu.Lock()
	s := m.reqs[k]
	if s == nil {
		s = m.newRequestSeries(k)
	}
	s.count++
	s.promptTokens += nonNegative(r.PromptTokens)
	s.completionTokens += nonNegative(r.CompletionTokens)
	s.attempts += nonNegative(r.Attempts)
	if r.HasCost {
		s.cost += r.CostUSD
		s.hasCost = true
	}
	s.duration.observe(lat)
	if r.TTFB > 0 {
		s.ttfb.observe(ttfb)
	}
	m.mu.Unlock()
}

// newRequestSeries admits a label set not seen before, applying the
// cardinality guard. Called with m.mu held.
func (m *metrics) newRequestSeries(k reqKey) *reqSeries {
	k.backend = safeLabel(k.backend)
	k.backendType = safeLabel(k.backendType)
	k.routeReason = safeLabel(k.routeReason)
	if !validModelLabel(k.model) || len(m.reqs) >= maxRequestSeries {
		k.model = otherLabel
	}
	if s := m.reqs[k]; s != nil {
		return s
	}
	// Clone so a series never pins a caller's larger buffer.
	k.backend = strings.Clone(k.backend)
	k.backendType = strings.Clone(k.backendType)
	k.model = strings.Clone(k.model)
	k.routeReason = strings.Clone(k.routeReason)
	s := &reqSeries{}
	m.reqs[k] = s
	return s
}

// observeHealthCheck records one active health check of a backend.
func (m *metrics) observeHealthCheck(backend string, d time.Duration, ok bool) {
	m.mu.Lock()
	c := m.checks[backend]
	if c == nil {
		name := admitName(backend, len(m.checks))
		if c = m.checks[name]; c == nil {
			c = &checkSeries{}
			m.checks[name] = c
		}
	}
	if ok {
		c.ok++
	} else {
		c.failed++
	}
	c.last = d
	m.mu.Unlock()
}

// observeFailover records that an attempt on backend failed and the request
// was retried on another backend.
func (m *metrics) observeFailover(backend string) {
	m.mu.Lock()
	if _, seen := m.failovers[backend]; !seen {
		backend = admitName(backend, len(m.failovers))
	}
	m.failovers[backend]++
	m.mu.Unlock()
}

func (h *histogram) observe(v float64) {
	i := 0
	for i < nBuckets && v > latencyBuckets[i] {
		i++
	}
	h.counts[i]++
	h.sum += v
}

// add merges o into h (scrape-time aggregation).
func (h *histogram) add(o *histogram) {
	for i := range h.counts {
		h.counts[i] += o.counts[i]
	}
	h.sum += o.sum
}

func durationSeconds(d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return d.Seconds()
}

func nonNegative(n int) uint64 {
	if n < 0 {
		return 0
	}
	return uint64(n)
}

func orNone(s string) string {
	if s == "" {
		return noneLabel
	}
	return s
}

// validModelLabel reports whether a client-supplied model name may become a
// label value of its own.
func validModelLabel(s string) bool {
	return len(s) <= maxModelLabelBytes && utf8.ValidString(s)
}

// safeLabel makes a server-side label value (backend name, type, reason)
// valid UTF-8; these come from the config or constants, so this is a
// backstop that keeps the exposition parseable.
func safeLabel(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// admitName applies the cardinality guard to a backend name for a map that
// already holds n names and does not hold this one.
func admitName(name string, n int) string {
	if n >= maxNameSeries || !validModelLabel(name) {
		return otherLabel
	}
	return strings.Clone(name)
}
