// budget_meter.go: putting each answer's cost into the spend ledger, and
// X-Nexus-Budget-Remaining on every answer to a request a budget covers.
//
// The proxy sets a request's cost before it writes the answer's header (a
// non-streamed answer's final cost from its usage; a stream's estimate,
// then its actual cost when it ends). The meter wraps the response writer
// of a covered request and acts at WriteHeader: a non-streamed answer's cost
// is charged there, before the client can read the answer, and the header
// says what is left after it; a stream's header says what was left before
// it, and its cost is charged when it ends (finish, before the last bytes
// leave). A request no budget covers is not wrapped and is charged at
// finish. Whatever writes the answer — success, error, stream — the rule is
// the same, because it sits in the one place every answer passes.
package main

import (
	"net/http"
	"time"
)

// hdrBudgetRemaining is the USD left this month (SPEC §15).
const hdrBudgetRemaining = "X-Nexus-Budget-Remaining"

// requestAccount is what accounting knows about one request (reqLog.acct).
type requestAccount struct {
	client  *client // nil when client auth is off
	covered bool    // a budget covers it: its answer carries the remaining budget
	charged bool    // its cost is in the spend ledger
}

// meter records the call's client and, when a budget covers the call,
// wraps its response writer; it returns the writer to answer with.
func (s *server) meter(c *call) http.ResponseWriter {
	cl := clientFrom(c.r.Context())
	c.rl.acct.client = cl
	if !covered(c.reg.cfg, cl) {
		return c.w
	}
	c.rl.acct.covered = true
	c.w = &meterWriter{ResponseWriter: c.w, s: s, rl: &c.rl, cfg: c.reg.cfg}
	return c.w
}

// charge adds a priced cloud answer's cost to the spend ledger, once.
func (s *server) charge(rl *reqLog) {
	b := rl.ri.backend
	if rl.acct.charged || !rl.hasCost || b == nil || b.local {
		return
	}
	rl.acct.charged = true
	s.spend.add(s.clock.Now(), rl.acct.client.nameOf(), b.cfg.Name, rl.served, usdToNano(rl.cost))
}

// meterWriter is the response writer of a request a budget covers.
type meterWriter struct {
	http.ResponseWriter
	s       *server
	rl      *reqLog
	cfg     *Config
	started bool
}

func (m *meterWriter) WriteHeader(code int) {
	if !m.started && code >= 200 {
		m.started = true
		h := m.ResponseWriter.Header()
		if !isEventStream(h) {
			m.s.charge(m.rl)
		}
		if left, ok := m.s.remaining(m.cfg, m.rl.acct.client, m.s.clock.Now()); ok {
			h[hdrBudgetRemaining] = []string{formatUSD(left.usd())}
		}
	}
	m.ResponseWriter.WriteHeader(code)
}

func (m *meterWriter) Write(p []byte) (int, error) {
	if !m.started {
		m.WriteHeader(http.StatusOK)
	}
	return m.ResponseWriter.Write(p)
}

func (m *meterWriter) Flush() {
	if !m.started {
		m.WriteHeader(http.StatusOK)
	}
	if f, ok := m.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (m *meterWriter) Unwrap() http.ResponseWriter { return m.ResponseWriter }

// healthBudget is /health's "budget" block, present when a global budget
// is set.
type healthBudget struct {
	MonthlyUSD float64 `json:"monthly_usd"`
	SpentUSD   float64 `json:"spent_usd"`
	ResetsAt   string  `json:"resets_at"`
}

func (s *server) healthBudget(cfg *Config) *healthBudget {
	if cfg.Budget.MonthlyUSD == nil {
		return nil
	}
	now := s.clock.Now()
	global, _ := s.spend.spent(now, "")
	return &healthBudget{MonthlyUSD: *cfg.Budget.MonthlyUSD, SpentUSD: global.usd(),
		ResetsAt: nextMonth(now).Format(time.RFC3339)}
}

// consoleBudgets is the console's budget gauges: the global budget, then
// each client's, with this month's spend from the ledger.
func (s *server) consoleBudgets(reg *registry, now time.Time) []consoleBudget {
	out := []consoleBudget{}
	if !reg.cfg.hasBudget() {
		return out
	}
	resets := nextMonth(now).Format(time.RFC3339)
	if g := reg.cfg.Budget.MonthlyUSD; g != nil {
		global, _ := s.spend.spent(now, "")
		out = append(out, consoleBudget{Scope: "global", BudgetUSD: *g, SpentUSD: global.usd(), ResetsAt: resets})
	}
	if reg.clients == nil {
		return out
	}
	spent := s.spend.byClient(now)
	for _, c := range reg.clients.list {
		if c.hasBudget {
			out = append(out, consoleBudget{Scope: "client", Name: c.name, BudgetUSD: c.monthly.usd(),
				SpentUSD: spent[c.name], ResetsAt: resets})
		}
	}
	return out
}
