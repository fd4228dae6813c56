// console_status.go: the data model of GET /nexus/status (SPEC §14) — what
// the console page draws and what scripts read: live backend state from the
// registry joined with the recorder's windows, totals, spend and the recent
// requests. Never a prompt, an answer or a key: the recorder never sees them.
package main

import (
	"math"
	"slices"
	"strings"
	"time"
)

// consoleStatus is the whole /nexus/status answer.
type consoleStatus struct {
	Version       string           `json:"version"`
	Now           string           `json:"now"`
	UptimeSeconds int64            `json:"uptime_seconds"`
	ClientAuth    bool             `json:"client_auth"`
	BucketSeconds int              `json:"bucket_seconds"` // sparkline bucket width
	WindowSeconds int              `json:"window_seconds"` // the "last 5 minutes" counts
	Gateway       consoleGateway   `json:"gateway"`
	Spend         consoleSpend     `json:"spend"`
	Budgets       []consoleBudget  `json:"budgets"`
	Backends      []consoleBackend `json:"backends"`
	Recent        consoleRecent    `json:"recent"`
}

// consoleGateway is the whole gateway. Requests that were never routed
// (404, 503, bad input) count here and under route reason "none".
type consoleGateway struct {
	RequestsPerSecond float64           `json:"requests_per_second"` // over the last minute
	Requests5m        uint32            `json:"requests_5m"`
	Errors5m          uint32            `json:"errors_5m"` // status >= 400, as nexus_request_errors_total
	ErrorRate         float64           `json:"error_rate"`
	RequestsTotal     uint64            `json:"requests_total"` // since start
	InFlight          int               `json:"in_flight"`
	Queued            int               `json:"queued"`
	Latency           percentiles       `json:"latency"`
	TTFB              percentiles       `json:"ttfb"`
	RouteReasons      map[string]uint64 `json:"route_reasons"` // since start
	Sparkline         sparkline         `json:"sparkline"`
}

// percentiles over the last 5 minutes; null when there was no request.
type percentiles struct {
	P50 *float64 `json:"p50_ms"`
	P95 *float64 `json:"p95_ms"`
}

// sparkline is requests and errors per bucket_seconds, oldest first.
type sparkline struct {
	Requests []uint32 `json:"requests"`
	Errors   []uint32 `json:"errors"`
}

// consoleSpend is tokens and cost today and this month (UTC) since this
// process started.
type consoleSpend struct {
	Day       string      `json:"day"`   // 2006-01-02
	Month     string      `json:"month"` // 2006-01
	Today     spendPeriod `json:"today"`
	ThisMonth spendPeriod `json:"this_month"`
}

type spendPeriod struct {
	Total     spendTally   `json:"total"`
	ByBackend []namedTally `json:"by_backend"`
	ByClient  []namedTally `json:"by_client"` // empty until client keys have names (§15)
}

type namedTally struct {
	Name string `json:"name"`
	spendTally
}

// consoleBudget is one budget gauge (§15); the list is empty until budgets
// exist.
type consoleBudget struct {
	Scope     string  `json:"scope"` // global | client
	Name      string  `json:"name,omitempty"`
	BudgetUSD float64 `json:"budget_usd"`
	SpentUSD  float64 `json:"spent_usd"`
	ResetsAt  string  `json:"resets_at"`
}

// consoleBackend is /health's view of a backend plus its traffic.
type consoleBackend struct {
	healthBackend
	MaxConcurrent int         `json:"max_concurrent"` // 0 = unlimited
	Requests5m    uint32      `json:"requests_5m"`
	Errors5m      uint32      `json:"errors_5m"`
	Latency       percentiles `json:"latency"`
	TTFB          percentiles `json:"ttfb"`
	Sparkline     sparkline   `json:"sparkline"`
}

// consoleRecent is the ring, newest first; with ?since=N only entries whose
// seq is greater than N.
type consoleRecent struct {
	Capacity int            `json:"capacity"`
	LastSeq  uint64         `json:"last_seq"`
	Entries  []consoleEntry `json:"entries"`
}

type consoleEntry struct {
	Seq              uint64   `json:"seq"`
	Time             string   `json:"time"` // when it finished
	ID               string   `json:"id"`
	Client           string   `json:"client"`
	Model            string   `json:"model"`
	ModelTruncated   bool     `json:"model_truncated,omitempty"`
	Backend          string   `json:"backend"`
	BackendType      string   `json:"backend_type"`
	RouteReason      string   `json:"route_reason"`
	Status           int      `json:"status"`
	Attempts         int      `json:"attempts"`
	Stream           bool     `json:"stream"`
	LatencyMs        float64  `json:"latency_ms"`
	TTFBMs           *float64 `json:"ttfb_ms"` // null when no byte was sent
	PromptTokens     int      `json:"prompt_tokens"`
	CompletionTokens int      `json:"completion_tokens"`
	CostUSD          *float64 `json:"cost_usd"` // null when it could not be priced honestly
}

// knownRouteReasons are always listed, so a script sees zeros, not gaps.
var knownRouteReasons = []string{reasonCapability, reasonOverflow, reasonPrivacy, reasonFailover,
	"budget-limit", reasonNone}

// recorderCopy is what status needs from the recorder, copied under its
// lock so the arithmetic happens outside it.
type recorderCopy struct {
	requests uint64
	lastSeq  uint64
	gateway  window
	windows  []*window // one per requested backend; nil when it has none
	entries  []ringEntry
	reasons  map[string]uint64
	total    spendRow
	backends []namedRow
	clients  []namedRow
}

type namedRow struct {
	name string
	row  spendRow
}

// copyOut copies the recorder's state for the given backends and the ring
// entries newer than since.
func (c *consoleRecorder) copyOut(names []string, since uint64) *recorderCopy {
	out := &recorderCopy{windows: make([]*window, len(names)), reasons: map[string]uint64{}}
	c.mu.Lock()
	defer c.mu.Unlock()
	out.requests, out.lastSeq, out.gateway, out.total = c.requests, c.seq, c.gateway, c.spend.total
	for i, n := range names {
		if w := c.backends[n]; w != nil {
			cp := *w
			out.windows[i] = &cp
		}
	}
	if since > c.seq {
		since = 0 // the server restarted under the caller: send everything
	}
	n := min(c.seq-since, consoleRingSize)
	out.entries = make([]ringEntry, 0, n)
	for s := c.seq; s > c.seq-n; s-- {
		out.entries = append(out.entries, c.ring[s%consoleRingSize])
	}
	for k, v := range c.reasons {
		out.reasons[k] = v
	}
	for k, r := range c.spend.backends {
		out.backends = append(out.backends, namedRow{k, *r})
	}
	for k, r := range c.spend.clients {
		out.clients = append(out.clients, namedRow{k, *r})
	}
	return out
}

// consoleSnapshot builds the /nexus/status answer at now.
func (s *server) consoleSnapshot(now time.Time, since uint64) *consoleStatus {
	reg := s.reg.Load()
	backends := reg.backends() // one snapshot: discovery may add backends meanwhile
	names := make([]string, len(backends))
	for i, b := range backends {
		names[i] = b.cfg.Name
	}
	rc := s.console.copyOut(names, since)
	nowNs := now.UnixNano()
	uptime := now.Sub(s.started)
	out := &consoleStatus{Version: version, Now: now.UTC().Format(time.RFC3339Nano),
		UptimeSeconds: int64(uptime.Seconds()), ClientAuth: s.clientAuth(),
		BucketSeconds: bucketSeconds, WindowSeconds: windowBuckets * bucketSeconds,
		Budgets: s.consoleBudgets(reg, now), Backends: make([]consoleBackend, 0, len(backends))}

	g := &out.Gateway
	var gw windowStats
	gw.from(&rc.gateway, nowNs)
	g.Requests5m, g.Errors5m, g.Latency, g.TTFB, g.Sparkline = gw.requests, gw.errors, gw.latency, gw.ttfb, gw.spark
	if gw.requests > 0 {
		g.ErrorRate = round(float64(gw.errors)/float64(gw.requests), 4)
	}
	g.RequestsPerSecond = round(gw.lastMinute(nowNs, uptime), 3)
	g.RequestsTotal, g.Queued = rc.requests, int(s.waiting.Load())
	g.RouteReasons = rc.reasons
	for _, r := range knownRouteReasons {
		g.RouteReasons[r] += 0
	}

	for i, b := range backends {
		cb := consoleBackend{healthBackend: b.health(), MaxConcurrent: b.cfg.MaxConcurrent}
		var st windowStats
		st.from(rc.windows[i], nowNs)
		cb.Requests5m, cb.Errors5m, cb.Latency, cb.TTFB, cb.Sparkline = st.requests, st.errors, st.latency, st.ttfb, st.spark
		g.InFlight += cb.InFlight
		out.Backends = append(out.Backends, cb)
	}

	day, month := utcDayMonth(now)
	u := now.UTC()
	out.Spend = consoleSpend{Day: u.Format("2006-01-02"), Month: u.Format("2006-01"),
		Today:     spendPeriod{Total: rc.total.current(day, month, false)},
		ThisMonth: spendPeriod{Total: rc.total.current(day, month, true)}}
	out.Spend.Today.ByBackend, out.Spend.ThisMonth.ByBackend = byName(rc.backends, day, month)
	out.Spend.Today.ByClient, out.Spend.ThisMonth.ByClient = byName(rc.clients, day, month)

	out.Recent = consoleRecent{Capacity: consoleRingSize, LastSeq: rc.lastSeq,
		Entries: make([]consoleEntry, len(rc.entries))}
	for i := range rc.entries {
		out.Recent.Entries[i] = rc.entries[i].view()
	}
	return out
}

// current is the row's spendTally for today or this month (zero when the row
// belongs to an earlier period).
func (r *spendRow) current(day, month int32, ofMonth bool) spendTally {
	if ofMonth {
		if r.month == month {
			return r.thisMonth
		}
	} else if r.day == day {
		return r.today
	}
	return spendTally{}
}

// byName lists rows with traffic in the period, by name.
func byName(rows []namedRow, day, month int32) (today, thisMonth []namedTally) {
	slices.SortFunc(rows, func(a, b namedRow) int { return strings.Compare(a.name, b.name) })
	today, thisMonth = []namedTally{}, []namedTally{}
	for _, r := range rows {
		if t := r.row.current(day, month, false); t.Requests > 0 {
			today = append(today, namedTally{r.name, t})
		}
		if t := r.row.current(day, month, true); t.Requests > 0 {
			thisMonth = append(thisMonth, namedTally{r.name, t})
		}
	}
	return today, thisMonth
}

// view renders one ring entry.
func (e *ringEntry) view() consoleEntry {
	v := consoleEntry{Seq: e.seq, Time: time.Unix(0, e.at).UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		ID: strings.ToValidUTF8(string(e.id[:e.idLen]), "\uFFFD"), Client: e.client, Model: strings.ToValidUTF8(string(e.model[:e.modelLen]), "\uFFFD"),
		ModelTruncated: e.flags&entryFlagModelCut != 0, Backend: e.backend, BackendType: e.kind,
		RouteReason: e.reason, Status: int(e.status), Attempts: int(e.attempts), Stream: e.flags&entryFlagStream != 0,
		LatencyMs: nsToMs(e.latency), PromptTokens: int(e.prompt), CompletionTokens: int(e.completion)}
	if e.ttfb > 0 {
		t := nsToMs(e.ttfb)
		v.TTFBMs = &t
	}
	if e.flags&entryFlagCost != 0 {
		c := round(e.cost, 6)
		v.CostUSD = &c
	}
	return v
}

// windowStats is a window read at one instant.
type windowStats struct {
	requests, errors uint32
	latency, ttfb    percentiles
	spark            sparkline
}

// from reads w (nil: no traffic yet) at now.
func (st *windowStats) from(w *window, now int64) {
	st.spark = sparkline{Requests: make([]uint32, sparkBuckets), Errors: make([]uint32, sparkBuckets)}
	if w == nil {
		return
	}
	sec := now / int64(time.Second)
	cur := sec / bucketSeconds
	for k := range sparkBuckets {
		e := cur - sparkBuckets + 1 + int64(k)
		if e < 0 {
			continue
		}
		slot := &w.counts[e%sparkBuckets]
		if slot.epoch != e {
			continue
		}
		st.spark.Requests[k], st.spark.Errors[k] = slot.requests, slot.errors
		if k >= sparkBuckets-windowBuckets {
			st.requests += slot.requests
			st.errors += slot.errors
		}
	}
	var lat, ttfb [histBins]uint64
	curH := sec / histSlotSeconds
	for i := range w.hist {
		h := &w.hist[i]
		if h.epoch > curH || h.epoch <= curH-histSlots {
			continue
		}
		for j := range histBins {
			lat[j] += uint64(h.latency[j])
			ttfb[j] += uint64(h.ttfb[j])
		}
	}
	st.latency = percentiles{quantile(&lat, 0.50), quantile(&lat, 0.95)}
	st.ttfb = percentiles{quantile(&ttfb, 0.50), quantile(&ttfb, 0.95)}
}

// lastMinute is requests per second over the last six 10 s buckets (the
// current one partly elapsed), or over the uptime when that is shorter.
func (st *windowStats) lastMinute(now int64, uptime time.Duration) float64 {
	var n uint32
	for _, v := range st.spark.Requests[sparkBuckets-6:] {
		n += v
	}
	into := time.Duration(now % int64(bucketSeconds*time.Second))
	span := 50*time.Second + into
	span = max(min(span, uptime), time.Second)
	return float64(n) / span.Seconds()
}

// quantile is the q-quantile of a histogram in milliseconds, nil when empty.
func quantile(h *[histBins]uint64, q float64) *float64 {
	var n uint64
	for _, c := range h {
		n += c
	}
	if n == 0 {
		return nil
	}
	rank := uint64(math.Ceil(q * float64(n)))
	var seen uint64
	for i, c := range h {
		if seen += c; seen >= rank {
			v := round(binValue(i), 2)
			return &v
		}
	}
	return nil
}

func nsToMs(ns int64) float64 { return round(float64(ns)/1e6, 2) }

func round(v float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(v*p) / p
}
