// admit.go: what a client may do with one request, checked in SPEC §15's
// order after its key (server.go): the model (403), the rate (429), then
// the requirements routing applies — the client's zone and tier, and how
// far spend is into the budgets that cover the request. When a spent budget
// leaves no backend at all for the model, the answer is 429
// insufficient_quota before any routing.
//
// Budgets are read at admission; the cost of an answer is only known when
// it ends. So the spend that can pass a budget is bounded by the cost of
// requests already admitted and still in flight (waiting in the queue,
// failing over, streaming), and no request is refused for what it might
// itself cost.
package main

import (
	"fmt"
	"math"
	"net/http"
	"time"
)

// budgetLevel is how far spend is into the budgets covering a request.
type budgetLevel uint8

const (
	budgetOpen        budgetLevel = iota // below prefer_local_at of every budget
	budgetPreferLocal                    // cloud backends rank after every eligible local one
	budgetNoCloud                        // cloud backends are not eligible
)

// levelOf places spent against a budget.
func levelOf(spent, limit nanoUSD, preferAt float64) budgetLevel {
	switch {
	case spent >= limit:
		return budgetNoCloud
	case float64(spent) >= preferAt*float64(limit):
		return budgetPreferLocal
	}
	return budgetOpen
}

// budgetState is what the budgets say about one request: the strictest
// level, and the budget that set it (the client's when both are spent).
type budgetState struct {
	level        budgetLevel
	scope        string // "client" or "global"
	limit, spent nanoUSD
}

// covered reports whether any budget applies to requests of c.
func covered(cfg *Config, c *client) bool {
	return cfg.Budget.MonthlyUSD != nil || c != nil && c.hasBudget
}

// budgetFor reads this month's spend against the global budget and c's.
func (s *server) budgetFor(cfg *Config, c *client, now time.Time) budgetState {
	if !covered(cfg, c) {
		return budgetState{}
	}
	global, own := s.spend.spent(now, c.nameOf())
	var st budgetState
	if c != nil && c.hasBudget {
		st = budgetState{levelOf(own, c.monthly, cfg.Budget.PreferLocalAt), "client", c.monthly, own}
	}
	if g := cfg.Budget.MonthlyUSD; g != nil {
		limit := usdToNano(*g)
		if l := levelOf(global, limit, cfg.Budget.PreferLocalAt); l > st.level || st.scope == "" {
			st = budgetState{l, "global", limit, global}
		}
	}
	return st
}

// remaining is the smaller of the global and c's budget left this month,
// never below 0; ok is false when no budget covers c.
func (s *server) remaining(cfg *Config, c *client, now time.Time) (nanoUSD, bool) {
	if !covered(cfg, c) {
		return 0, false
	}
	global, own := s.spend.spent(now, c.nameOf())
	left := nanoUSD(math.MaxInt64)
	if c != nil && c.hasBudget {
		left = c.monthly - own
	}
	if g := cfg.Budget.MonthlyUSD; g != nil {
		left = min(left, usdToNano(*g)-global)
	}
	return max(left, 0), true
}

// admit applies the client's rights to one request. asked is the model
// name the client sent; models are the resolved model and its fallbacks
// (the slice is filtered in place). It returns the requirements to route
// with and the models the client may be served.
func (s *server) admit(reg *registry, rl *reqLog, asked string, q requirements, models []string) (requirements, []string, error) {
	c := rl.acct.client
	var now time.Time
	if c != nil {
		if !c.allows(asked) || !c.allows(models[0]) {
			return q, nil, errModelNotAllowed(c, asked)
		}
		if c.bucket != nil {
			now = s.clock.Now()
			if ok, wait := c.bucket.take(now); !ok {
				return q, nil, errRateLimited(c, wait)
			}
		}
		q = c.tighten(q)
		models = c.allowedModels(models)
	}
	if !covered(reg.cfg, c) {
		return q, models, nil
	}
	if now.IsZero() {
		now = s.clock.Now()
	}
	st := s.budgetFor(reg.cfg, c, now)
	q.budget = st.level
	if st.level == budgetNoCloud && reg.budgetBlocks(rl.op, models, q) {
		return q, nil, st.exceeded(c, models[0], now)
	}
	return q, models, nil
}

// budgetBlocks reports whether a spent budget leaves nothing for models:
// some cloud backend would serve one of them within the zone and tier
// asked, and no local backend serves any of them at all. (Local backends
// that serve a model but are down or full get the usual queue and 503.)
func (r *registry) budgetBlocks(op opKind, models []string, q requirements) bool {
	cloud := false
	for i, m := range models {
		qm := q
		if i > 0 && len(r.cfg.Policies) > 0 { // a fallback obeys its own policies too
			qm = r.policyFor(q, m)
		}
		for _, b := range r.candidates(m) {
			if !b.servesOp(op, m) || qm.restricted && !b.restricted || b.cfg.Tier < qm.minTier {
				continue
			}
			if b.local {
				return false
			}
			cloud = true
		}
	}
	return cloud
}

// budgetContext is the top-level "context" of a budget_exceeded answer.
type budgetContext struct {
	Scope     string  `json:"scope"` // client or global
	BudgetUSD float64 `json:"budget_usd"`
	SpentUSD  float64 `json:"spent_usd"`
	ResetsAt  string  `json:"resets_at"` // RFC 3339, 00:00 UTC on the 1st of next month
}

// exceeded is the 429 for a request a spent budget leaves nothing for. It
// has no Retry-After: waiting helps only at the start of the next month.
func (st budgetState) exceeded(c *client, model string, now time.Time) *apiError {
	resets := nextMonth(now).Format(time.RFC3339)
	whose := "the gateway's monthly budget"
	if st.scope == "client" {
		whose = "the monthly budget of client " + c.name
	}
	return &apiError{Status: http.StatusTooManyRequests, Type: "insufficient_quota", Code: "budget_exceeded",
		Message: fmt.Sprintf("%s ($%.2f) is spent ($%.4f) and no local backend serves model %q; it resets at %s",
			whose, st.limit.usd(), st.spent.usd(), model, resets),
		Context: &budgetContext{Scope: st.scope, BudgetUSD: st.limit.usd(), SpentUSD: st.spent.usd(), ResetsAt: resets}}
}

// choosePreferLocal is choose past prefer_local_at: the best eligible
// local backend, with every eligible cloud backend counted as passed over
// for budget (one that would have won gives budget-limit); when no local
// backend is eligible, the usual ranking picks among the cloud ones. Both
// passes are choose's own allocation-free walk.
func (r *registry) choosePreferLocal(op opKind, model string, q requirements, tried []*backend) pick {
	local := q
	local.budget = budgetNoCloud
	if p := r.choose(op, model, local, tried); p.b != nil {
		return p
	}
	q.budget = budgetOpen
	return r.choose(op, model, q, tried)
}
