// metrics_text.go: renders the counters of metrics.go in the Prometheus text
// exposition format 0.0.4, by hand (no client library, SPEC §1).
//
// Output is deterministic: the families of metricFamilies in alphabetical
// order, each with # HELP and # TYPE, then its series sorted by label values.
// Label values are escaped as the format requires (backslash, double quote,
// newline); floats use the shortest representation that round-trips, with
// +Inf, -Inf and NaN spelled as Prometheus expects. Lines stream through a
// bufio.Writer, so a scrape at the series cap does not build the whole text
// in memory. The core serves it with metricsContentType.
package main

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// metricsContentType is the Content-Type for GET /metrics.
const metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

// leLabels are the le label values of the histogram buckets, +Inf last.
var leLabels = func() (le [nBuckets + 1]string) {
	for i, b := range latencyBuckets {
		le[i] = string(appendFloat(nil, b))
	}
	le[nBuckets] = "+Inf"
	return le
}()

// metricFamily is one exported family; samples writes its series.
type metricFamily struct {
	name, typ, help string
	samples         func(e *expo, s *scrape)
}

// metricFamilies is every family, sorted by name (a test enforces the order
// of the output). Help texts must not contain a backslash or newline.
var metricFamilies = []metricFamily{
	{"nexus_backend_healthy", "gauge", "1 if the backend passed its last health check, else 0.", writeBackendHealthy},
	{"nexus_backend_models", "gauge", "Number of models the backend currently serves.", writeBackendModels},
	{"nexus_backend_queued", "gauge", "Requests waiting in the queue for a slot on the backend.", writeBackendQueued},
	{"nexus_completion_tokens_total", "counter", "Completion (output) tokens.", writeCompletionTokens},
	{"nexus_cost_usd_total", "counter", "Estimated cost in US dollars, for requests whose cost could be computed.", writeCost},
	{"nexus_failovers_total", "counter", "Attempts on a backend that failed and were retried on another backend.", writeFailovers},
	{"nexus_health_check_duration_seconds", "gauge", "Duration of the backend's last health check.", writeCheckDuration},
	{"nexus_health_checks_total", "counter", "Active health checks by result.", writeChecks},
	{"nexus_in_flight_requests", "gauge", "Requests currently being served by the backend.", writeInFlight},
	{"nexus_prompt_tokens_total", "counter", "Prompt (input) tokens.", writePromptTokens},
	{"nexus_queue_waiting", "gauge", "Requests waiting in the queue across the whole process.", writeQueueWaiting},
	{"nexus_request_attempts_total", "counter", "Backend attempts made to serve requests (1 per request plus 1 per failover).", writeAttempts},
	{"nexus_request_duration_seconds", "histogram", "Request latency from arrival to the last byte sent.", writeDuration},
	{"nexus_request_errors_total", "counter", "Requests answered with an HTTP status of 400 or more.", writeErrors},
	{"nexus_requests_total", "counter", "Finished requests by backend, model, status, route reason and streaming.", writeRequests},
	{"nexus_spend_usd_total", "counter", "Cloud spend in US dollars this UTC calendar month by client and backend, as budgets count it (resets on the 1st).", writeSpend},
	{"nexus_time_to_first_byte_seconds", "histogram", "Time from request arrival to the first byte sent to the client.", writeTTFB},
}

// writeText writes the whole exposition: the request-derived families from
// the store, plus the live per-backend gauges and the total queue length the
// caller passes in.
func (m *metrics) writeText(w io.Writer, gauges []backendGauge, queued int) error {
	s := m.snapshot()
	s.gauges, s.queued = sortedGauges(gauges), queued
	if m.spend != nil {
		s.spend = m.spend()
	}
	s.aggregate()
	e := &expo{w: bufio.NewWriterSize(w, 32<<10), line: make([]byte, 0, 512)}
	for _, f := range metricFamilies {
		e.header(f.name, f.typ, f.help)
		f.samples(e, s)
	}
	if err := e.w.Flush(); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}

// scrape is one consistent copy of the store plus its aggregations.
type scrape struct {
	reqs      []reqEntry // sorted by key
	failovers map[string]uint64
	checks    map[string]checkSeries
	gauges    []backendGauge // sorted by name, unique
	queued    int

	bm      map[bmKey]*bmAgg
	bmKeys  []bmKey
	dur     map[durKey]*histogram
	durKeys []durKey
	errs    map[errKey]uint64
	errKeys []errKey
	spend   map[clientBackend]nanoUSD
}

type reqEntry struct {
	k reqKey
	s reqSeries
}

// bmKey groups by backend and model; durKey adds stream; errKey adds status.
type bmKey struct{ backend, model string }

type durKey struct {
	backend, model string
	stream         bool
}

type errKey struct {
	backend, model string
	status         int
}

// bmAgg is everything aggregated per backend and model.
type bmAgg struct {
	prompt, completion, attempts uint64
	cost                         float64
	hasCost                      bool
	ttfb                         histogram
}

// snapshot copies the store under the lock so rendering does not block the
// hot path for longer than a copy.
func (m *metrics) snapshot() *scrape {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := &scrape{
		reqs:      make([]reqEntry, 0, len(m.reqs)),
		failovers: make(map[string]uint64, len(m.failovers)),
		checks:    make(map[string]checkSeries, len(m.checks)),
	}
	for k, v := range m.reqs {
		s.reqs = append(s.reqs, reqEntry{k: k, s: *v})
	}
	for k, v := range m.failovers {
		s.failovers[k] = v
	}
	for k, v := range m.checks {
		s.checks[k] = *v
	}
	return s
}

// aggregate sorts the request series and derives the coarser families.
func (s *scrape) aggregate() {
	slices.SortFunc(s.reqs, func(a, b reqEntry) int { return compareReqKey(a.k, b.k) })
	s.bm = map[bmKey]*bmAgg{}
	s.dur = map[durKey]*histogram{}
	s.errs = map[errKey]uint64{}
	for i := range s.reqs {
		k, r := s.reqs[i].k, &s.reqs[i].s
		a := s.bm[bmKey{k.backend, k.model}]
		if a == nil {
			a = &bmAgg{}
			s.bm[bmKey{k.backend, k.model}] = a
		}
		a.prompt += r.promptTokens
		a.completion += r.completionTokens
		a.attempts += r.attempts
		a.cost += r.cost
		a.hasCost = a.hasCost || r.hasCost
		a.ttfb.add(&r.ttfb)
		h := s.dur[durKey{k.backend, k.model, k.stream}]
		if h == nil {
			h = &histogram{}
			s.dur[durKey{k.backend, k.model, k.stream}] = h
		}
		h.add(&r.duration)
		if k.status >= 400 {
			s.errs[errKey{k.backend, k.model, k.status}] += r.count
		}
	}
	s.bmKeys = sortedMapKeys(s.bm, func(a, b bmKey) int {
		return cmp.Or(strings.Compare(a.backend, b.backend), strings.Compare(a.model, b.model))
	})
	s.durKeys = sortedMapKeys(s.dur, compareDurKey)
	s.errKeys = sortedMapKeys(s.errs, compareErrKey)
}

// sortedGauges returns the gauges sorted by name, without duplicate names
// (a duplicate series would make the exposition invalid), with names and
// types made valid UTF-8.
func sortedGauges(in []backendGauge) []backendGauge {
	g := slices.Clone(in)
	for i := range g {
		g[i].Name, g[i].Type = safeLabel(g[i].Name), safeLabel(g[i].Type)
	}
	slices.SortStableFunc(g, func(a, b backendGauge) int { return strings.Compare(a.Name, b.Name) })
	return slices.CompactFunc(g, func(a, b backendGauge) bool { return a.Name == b.Name })
}

func writeBackendHealthy(e *expo, s *scrape) {
	for _, g := range s.gauges {
		v := 0.0
		if g.Healthy {
			v = 1
		}
		e.float("nexus_backend_healthy", "", v, "backend", g.Name, "type", g.Type)
	}
}

func writeBackendModels(e *expo, s *scrape) {
	for _, g := range s.gauges {
		e.float("nexus_backend_models", "", float64(g.Models), "backend", g.Name)
	}
}

func writeBackendQueued(e *expo, s *scrape) {
	for _, g := range s.gauges {
		e.float("nexus_backend_queued", "", float64(g.Queued), "backend", g.Name)
	}
}

// writeCheckDuration prefers the duration reported by observeHealthCheck and
// falls back to the gauge's LastCheckDuration; only live backends appear.
func writeCheckDuration(e *expo, s *scrape) {
	for _, g := range s.gauges {
		d := g.LastCheckDuration
		if c, ok := s.checks[g.Name]; ok {
			d = c.last
		}
		e.float("nexus_health_check_duration_seconds", "", durationSeconds(d), "backend", g.Name)
	}
}

func writeInFlight(e *expo, s *scrape) {
	for _, g := range s.gauges {
		e.float("nexus_in_flight_requests", "", float64(g.InFlight), "backend", g.Name)
	}
}

func writeQueueWaiting(e *expo, s *scrape) {
	e.float("nexus_queue_waiting", "", float64(s.queued))
}

func writeFailovers(e *expo, s *scrape) {
	for _, name := range sortedMapKeys(s.failovers, strings.Compare) {
		e.uint("nexus_failovers_total", "", s.failovers[name], "backend", name)
	}
}

func writeChecks(e *expo, s *scrape) {
	for _, name := range sortedMapKeys(s.checks, strings.Compare) {
		c := s.checks[name]
		e.uint("nexus_health_checks_total", "", c.failed, "backend", name, "result", "failure")
		e.uint("nexus_health_checks_total", "", c.ok, "backend", name, "result", "success")
	}
}

func writeCompletionTokens(e *expo, s *scrape) {
	for _, k := range s.bmKeys {
		e.uint("nexus_completion_tokens_total", "", s.bm[k].completion, "backend", k.backend, "model", k.model)
	}
}

// writeCost writes only pairs that had at least one honest cost.
func writeCost(e *expo, s *scrape) {
	for _, k := range s.bmKeys {
		if s.bm[k].hasCost {
			e.float("nexus_cost_usd_total", "", s.bm[k].cost, "backend", k.backend, "model", k.model)
		}
	}
}

func writePromptTokens(e *expo, s *scrape) {
	for _, k := range s.bmKeys {
		e.uint("nexus_prompt_tokens_total", "", s.bm[k].prompt, "backend", k.backend, "model", k.model)
	}
}

func writeAttempts(e *expo, s *scrape) {
	for _, k := range s.bmKeys {
		e.uint("nexus_request_attempts_total", "", s.bm[k].attempts, "backend", k.backend, "model", k.model)
	}
}

func writeDuration(e *expo, s *scrape) {
	for _, k := range s.durKeys {
		e.histogram("nexus_request_duration_seconds", s.dur[k], "backend", k.backend, "model", k.model, "stream", strconv.FormatBool(k.stream))
	}
}

func writeErrors(e *expo, s *scrape) {
	for _, k := range s.errKeys {
		e.uint("nexus_request_errors_total", "", s.errs[k], "backend", k.backend, "model", k.model, "status", strconv.Itoa(k.status))
	}
}

func writeRequests(e *expo, s *scrape) {
	for i := range s.reqs {
		k := s.reqs[i].k
		e.uint("nexus_requests_total", "", s.reqs[i].s.count, "backend", k.backend, "backend_type", k.backendType,
			"model", k.model, "status", strconv.Itoa(k.status), "route_reason", k.routeReason, "stream", strconv.FormatBool(k.stream))
	}
}

func writeSpend(e *expo, s *scrape) {
	keys := sortedMapKeys(s.spend, func(a, b clientBackend) int {
		return cmp.Or(strings.Compare(a.client, b.client), strings.Compare(a.backend, b.backend))
	})
	for _, k := range keys {
		e.float("nexus_spend_usd_total", "", s.spend[k].usd(), "client", safeLabel(k.client), "backend", safeLabel(k.backend))
	}
}

func writeTTFB(e *expo, s *scrape) {
	for _, k := range s.bmKeys {
		e.histogram("nexus_time_to_first_byte_seconds", &s.bm[k].ttfb, "backend", k.backend, "model", k.model)
	}
}

func compareReqKey(a, b reqKey) int {
	return cmp.Or(
		strings.Compare(a.backend, b.backend),
		strings.Compare(a.backendType, b.backendType),
		strings.Compare(a.model, b.model),
		cmp.Compare(a.status, b.status),
		strings.Compare(a.routeReason, b.routeReason),
		compareBool(a.stream, b.stream),
	)
}

func compareDurKey(a, b durKey) int {
	return cmp.Or(strings.Compare(a.backend, b.backend), strings.Compare(a.model, b.model), compareBool(a.stream, b.stream))
}

func compareErrKey(a, b errKey) int {
	return cmp.Or(strings.Compare(a.backend, b.backend), strings.Compare(a.model, b.model), cmp.Compare(a.status, b.status))
}

// compareBool orders false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func sortedMapKeys[K comparable, V any](m map[K]V, compare func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compare)
	return keys
}

// expo writes exposition lines; line is a reused scratch buffer. Write
// errors are sticky in bufio.Writer and reported by Flush.
type expo struct {
	w    *bufio.Writer
	line []byte
}

// header writes a family's # HELP and # TYPE lines.
func (e *expo) header(name, typ, help string) {
	b := append(e.line[:0], "# HELP "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, help...)
	b = append(b, "\n# TYPE "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, typ...)
	e.line = append(b, '\n')
	_, _ = e.w.Write(e.line) // errors are sticky; Flush reports them
}

// uint writes one integer-valued sample; lv alternates label names and values.
func (e *expo) uint(name, suffix string, v uint64, lv ...string) {
	b := appendSeries(e.line[:0], name, suffix, lv)
	b = strconv.AppendUint(b, v, 10)
	e.line = append(b, '\n')
	_, _ = e.w.Write(e.line) // errors are sticky; Flush reports them
}

// float writes one float-valued sample; lv alternates label names and values.
func (e *expo) float(name, suffix string, v float64, lv ...string) {
	b := appendSeries(e.line[:0], name, suffix, lv)
	b = appendFloat(b, v)
	e.line = append(b, '\n')
	_, _ = e.w.Write(e.line) // errors are sticky; Flush reports them
}

// histogram writes the cumulative _bucket lines (ending with le="+Inf"),
// then _sum and _count.
func (e *expo) histogram(name string, h *histogram, lv ...string) {
	withLe := append(slices.Clip(lv), "le", "")
	var cum uint64
	for i, c := range h.counts {
		cum += c
		withLe[len(withLe)-1] = leLabels[i]
		e.uint(name, "_bucket", cum, withLe...)
	}
	e.float(name, "_sum", h.sum, lv...)
	e.uint(name, "_count", cum, lv...)
}

// appendSeries appends `name{k="v",...} ` with escaped label values.
func appendSeries(b []byte, name, suffix string, lv []string) []byte {
	b = append(b, name...)
	b = append(b, suffix...)
	if len(lv) > 0 {
		b = append(b, '{')
		for i := 0; i+1 < len(lv); i += 2 {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, lv[i]...)
			b = append(b, '=', '"')
			b = appendEscapedLabel(b, lv[i+1])
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	return append(b, ' ')
}

// appendEscapedLabel escapes a label value: \ → \\, " → \", newline → \n.
func appendEscapedLabel(b []byte, v string) []byte {
	start := 0
	for i := 0; i < len(v); i++ {
		var esc string
		switch v[i] {
		case '\\':
			esc = `\\`
		case '"':
			esc = `\"`
		case '\n':
			esc = `\n`
		default:
			continue
		}
		b = append(b, v[start:i]...)
		b = append(b, esc...)
		start = i + 1
	}
	return append(b, v[start:]...)
}

// appendFloat formats v as the exposition format expects.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}
