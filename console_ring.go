// console_ring.go: the operator console's bounded recorder (SPEC §14).
//
// server.finish hands every finished request to consoleRecorder.record, once.
// The recorder keeps, in memory of fixed size:
//   - the most recent consoleRingSize requests (a ring of fixed-size entries:
//     request id and model name are copied into arrays, so an entry never
//     pins a request's buffers and never allocates);
//   - per backend and for the whole gateway, a window: requests and errors
//     per 10 s over the last 10 minutes (the sparkline and the 5-minute
//     counts) and log-scale latency and TTFB histograms per 30 s (the p50/p95);
//   - route-reason counts since start;
//   - tokens and cost today and this month (UTC) by backend and by client.
//
// Every map is keyed by a name from the config (backend, client) or a route
// reason constant, and capped at maxNameSeries names as a backstop; windows
// of backends that a reload removed are dropped (retain).
//
// Hot path: record is one mutex, a few map lookups and fixed-size copies —
// no allocation once a name has been seen.
package main

import (
	"math"
	"sync"
	"time"
	"unicode/utf8"
)

const (
	consoleRingSize   = 200 // most recent requests kept
	consoleIDBytes    = 128 // request ids longer than this are refused by requestIDFrom
	consoleModelMax   = 128 // longer model names are cut (at a rune boundary)
	bucketSeconds     = 10  // sparkline resolution
	sparkBuckets      = 60  // 10 minutes of 10 s buckets
	windowBuckets     = 30  // the "last 5 minutes" counts: 30 buckets of 10 s
	histSlotSeconds   = 30  // percentile resolution in time
	histSlots         = 11  // the current 30 s slot and the 10 before it
	histBins          = 64  // log-scale latency bins
	histBaseMicros    = 100 // bin 0 holds everything below 100 µs
	histGrowth        = 1.3 // each bin is 30 % wider than the one before (last bin ≈ 30 min)
	spendKeyNone      = -1
	entryFlagStream   = 1 << 0
	entryFlagCost     = 1 << 1
	entryFlagModelCut = 1 << 2
)

var histLogGrowth = math.Log(histGrowth)

// consoleRecorder holds everything the console shows that is not live
// backend state. The zero value is not usable; call newConsoleRecorder.
type consoleRecorder struct {
	mu       sync.Mutex
	seq      uint64 // sequence number of the newest entry; 0 = none yet
	ring     [consoleRingSize]ringEntry
	requests uint64 // since start
	gateway  window
	backends map[string]*window
	reasons  map[string]uint64
	spend    spendBook
}

// ringEntry is one recent request. Its size is fixed (see
// TestConsoleEntrySize for the number reported in README).
type ringEntry struct {
	seq        uint64
	at         int64 // unix nanoseconds when the request finished
	latency    int64 // nanoseconds
	ttfb       int64 // nanoseconds; 0 when no byte was sent
	cost       float64
	backend    string // from the config, or "none"
	kind       string // local | cloud | none
	reason     string // a route reason constant
	client     string // the client's name from the config; "" without client keys
	prompt     int32
	completion int32
	status     int16
	attempts   uint8
	flags      uint8
	idLen      uint8
	modelLen   uint8
	id         [consoleIDBytes]byte
	model      [consoleModelMax]byte
}

// window is a fixed-size view of recent traffic.
type window struct {
	counts [sparkBuckets]countSlot
	hist   [histSlots]histSlot
}

// countSlot holds the 10 s bucket with number epoch (unix seconds / 10).
type countSlot struct {
	epoch            int64
	requests, errors uint32
}

// histSlot holds the 30 s slot with number epoch (unix seconds / 30).
type histSlot struct {
	epoch   int64
	latency [histBins]uint32
	ttfb    [histBins]uint32
}

// spendBook is tokens and cost today and this month, in UTC.
type spendBook struct {
	total    spendRow
	backends map[string]*spendRow
	clients  map[string]*spendRow
}

// spendRow is one name's tallies; day and month say which day and month
// they belong to (a row from an earlier period counts as zero).
type spendRow struct {
	day, month       int32 // days since the epoch; year*12+month-1
	today, thisMonth spendTally
}

// spendTally counts requests, tokens and priced cost.
type spendTally struct {
	Requests         uint64  `json:"requests"`
	PromptTokens     uint64  `json:"prompt_tokens"`
	CompletionTokens uint64  `json:"completion_tokens"`
	CostUSD          float64 `json:"cost_usd"`
	PricedRequests   uint64  `json:"priced_requests"` // requests with an honest cost
}

func newConsoleRecorder() *consoleRecorder {
	return &consoleRecorder{
		backends: make(map[string]*window),
		reasons:  make(map[string]uint64),
		spend: spendBook{total: spendRow{day: spendKeyNone, month: spendKeyNone},
			backends: make(map[string]*spendRow), clients: make(map[string]*spendRow)},
	}
}

// record adds one finished request. id is the request id, at the time it
// finished. Safe for concurrent use.
func (c *consoleRecorder) record(id string, at time.Time, r *requestRecord) {
	now := at.UnixNano()
	failed := r.Status >= 400 || r.Status == 0
	unrouted := r.Backend == "" || r.Backend == noneLabel
	day, month := utcDayMonth(at)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	c.requests++
	c.fillEntry(&c.ring[c.seq%consoleRingSize], id, now, r)
	c.gateway.add(now, r.Latency, r.TTFB, failed)
	if reason := orNone(r.RouteReason); c.reasons[reason] > 0 || len(c.reasons) < maxNameSeries {
		c.reasons[reason]++
	}
	c.spend.total.add(day, month, r)
	if unrouted {
		return
	}
	if w := c.backendWindow(r.Backend); w != nil {
		w.add(now, r.Latency, r.TTFB, failed)
	}
	if row := spendRowFor(c.spend.backends, r.Backend); row != nil {
		row.add(day, month, r)
	}
	if r.Client != "" {
		if row := spendRowFor(c.spend.clients, r.Client); row != nil {
			row.add(day, month, r)
		}
	}
}

func (c *consoleRecorder) fillEntry(e *ringEntry, id string, now int64, r *requestRecord) {
	e.seq, e.at, e.latency, e.ttfb = c.seq, now, int64(r.Latency), int64(r.TTFB)
	e.cost, e.flags = r.CostUSD, 0
	e.backend, e.kind, e.reason, e.client = orNone(r.Backend), orNone(r.BackendType), orNone(r.RouteReason), r.Client
	e.prompt, e.completion = clampInt32(r.PromptTokens), clampInt32(r.CompletionTokens)
	e.status, e.attempts = int16(min(max(r.Status, 0), math.MaxInt16)), uint8(min(max(r.Attempts, 0), math.MaxUint8))
	if r.Stream {
		e.flags |= entryFlagStream
	}
	if r.HasCost {
		e.flags |= entryFlagCost
	}
	e.idLen = uint8(copy(e.id[:], id[:cutAt(id, consoleIDBytes)]))
	n := cutAt(r.Model, consoleModelMax)
	if n < len(r.Model) {
		e.flags |= entryFlagModelCut
	}
	e.modelLen = uint8(copy(e.model[:], r.Model[:n]))
}

// cutAt is the length of s cut to at most max bytes at a rune boundary.
func cutAt(s string, max int) int {
	if len(s) <= max {
		return len(s)
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

func clampInt32(n int) int32 { return int32(min(max(n, 0), math.MaxInt32)) }

// backendWindow returns name's window, creating it under the cap.
func (c *consoleRecorder) backendWindow(name string) *window {
	if w := c.backends[name]; w != nil {
		return w
	}
	if len(c.backends) >= maxNameSeries {
		return nil
	}
	w := &window{}
	c.backends[name] = w
	return w
}

func spendRowFor(m map[string]*spendRow, name string) *spendRow {
	if row := m[name]; row != nil {
		return row
	}
	if len(m) >= maxNameSeries {
		return nil
	}
	row := &spendRow{day: spendKeyNone, month: spendKeyNone}
	m[name] = row
	return row
}

// retain drops the windows of backends not in bs (after a reload). Spend
// rows stay: the money was spent this month even if the backend left.
func (c *consoleRecorder) retain(bs []*backend) {
	keep := make(map[string]bool, len(bs))
	for _, b := range bs {
		keep[b.cfg.Name] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for n := range c.backends {
		if !keep[n] {
			delete(c.backends, n)
		}
	}
}

func (w *window) add(now int64, lat, ttfb time.Duration, failed bool) {
	sec := now / int64(time.Second)
	e := sec / bucketSeconds
	if s := &w.counts[e%sparkBuckets]; s.epoch <= e { // a slot never goes back in time
		if s.epoch != e {
			*s = countSlot{epoch: e}
		}
		s.requests++
		if failed {
			s.errors++
		}
	}
	he := sec / histSlotSeconds
	if h := &w.hist[he%histSlots]; h.epoch <= he {
		if h.epoch != he {
			*h = histSlot{epoch: he}
		}
		h.latency[histBin(lat)]++
		if ttfb > 0 {
			h.ttfb[histBin(ttfb)]++
		}
	}
}

// histBin is the log-scale bin of a duration.
func histBin(d time.Duration) int {
	us := float64(d.Microseconds())
	if us < histBaseMicros*histGrowth {
		return 0
	}
	return min(int(math.Log(us/histBaseMicros)/histLogGrowth), histBins-1)
}

// binValue is the geometric middle of bin i, in milliseconds.
func binValue(i int) float64 {
	if i == 0 {
		return histBaseMicros / 1000.0
	}
	return histBaseMicros * math.Pow(histGrowth, float64(i)+0.5) / 1000
}

// utcDayMonth numbers the UTC day and month of t.
func utcDayMonth(t time.Time) (int32, int32) {
	u := t.UTC()
	return int32(u.Unix() / 86400), int32(u.Year()*12 + int(u.Month()) - 1)
}

// add counts r in its day and month. A request that finished in the
// previous period after the row moved on (a race at midnight) counts in
// neither.
func (s *spendRow) add(day, month int32, r *requestRecord) {
	if day > s.day {
		s.day, s.today = day, spendTally{}
	}
	if month > s.month {
		s.month, s.thisMonth = month, spendTally{}
	}
	if day == s.day {
		s.today.add(r)
	}
	if month == s.month {
		s.thisMonth.add(r)
	}
}

func (t *spendTally) add(r *requestRecord) {
	t.Requests++
	t.PromptTokens += nonNegative(r.PromptTokens)
	t.CompletionTokens += nonNegative(r.CompletionTokens)
	if r.HasCost {
		t.CostUSD += r.CostUSD
		t.PricedRequests++
	}
}
