// budget.go: spend accounting (SPEC §15) — what each client, backend and
// model cost this UTC calendar month, kept by the server so that a reload
// (which replaces the registry) keeps it, and the budget levels routing
// reads from it.
//
// Spend is counted in whole nano-dollars (int64), not floats: additions are
// exact and do not depend on their order, so the totals a restart rebuilds
// from the state file are exactly the totals that were running. A cost is
// rounded to the nano-dollar once, when it is charged.
//
// The clock is passed in (month rollover is tested with an injected one).
// Earlier months are kept (and persisted) but count towards nothing.
package main

import (
	"math"
	"strings"
	"sync"
	"time"
)

// nanoUSD is an amount of US dollars in units of 1e-9.
type nanoUSD int64

// usdToNano rounds a cost to the nano-dollar; NaN, infinities and negative
// amounts are 0, and huge ones saturate.
func usdToNano(usd float64) nanoUSD {
	switch {
	case !(usd > 0):
		return 0
	case usd >= math.MaxInt64/1e9:
		return math.MaxInt64 / 2 // far beyond any budget, and still safe to add to
	}
	return nanoUSD(math.Round(usd * 1e9))
}

func (n nanoUSD) usd() float64 { return float64(n) / 1e9 }

// clock is the time source of accounting, rate limits and the state
// writer; tests inject their own.
type clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// monthOf is the UTC calendar month of t as "2006-01".
func monthOf(t time.Time) string { return t.UTC().Format("2006-01") }

// monthStart is 00:00 UTC on the first day of t's month.
func monthStart(t time.Time) time.Time {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// nextMonth is 00:00 UTC on the first day of the month after t's: when
// this month's spend stops counting.
func nextMonth(t time.Time) time.Time { return monthStart(t).AddDate(0, 1, 0) }

// spendKey is one row of the spend table.
type spendKey struct {
	month, client, backend, model string
}

// spendLedger is every month's spend, plus running totals for the current
// month. Safe for concurrent use.
type spendLedger struct {
	mu       sync.Mutex
	rows     map[spendKey]nanoUSD
	month    string // the month the totals are for
	from, to int64  // its bounds in unix nanoseconds [from, to)
	total    nanoUSD
	clients  map[string]nanoUSD // this month's spend per client
	gen      uint64             // bumped by every change
	changed  chan struct{}      // receives (without blocking) after a change
}

func newSpendLedger() *spendLedger {
	return &spendLedger{rows: map[spendKey]nanoUSD{}, clients: map[string]nanoUSD{},
		changed: make(chan struct{}, 1)}
}

// rollLocked makes the totals those of now's month. Called with mu held;
// cheap when the month has not changed.
func (b *spendLedger) rollLocked(now time.Time) {
	ns := now.UnixNano()
	if ns >= b.from && ns < b.to && b.month != "" {
		return
	}
	start := monthStart(now)
	b.from, b.to = start.UnixNano(), start.AddDate(0, 1, 0).UnixNano()
	b.month = monthOf(now)
	b.total = 0
	clear(b.clients)
	for k, v := range b.rows {
		if k.month == b.month {
			b.total += v
			b.clients[k.client] += v
		}
	}
}

// add charges amount to client, backend and model at now.
func (b *spendLedger) add(now time.Time, client, backend, model string, amount nanoUSD) {
	if amount <= 0 {
		return
	}
	b.mu.Lock()
	b.rollLocked(now)
	k := spendKey{b.month, client, backend, model}
	if _, ok := b.rows[k]; !ok { // a new row must not pin the caller's buffers
		k = spendKey{k.month, strings.Clone(client), strings.Clone(backend), strings.Clone(model)}
	}
	b.rows[k] += amount
	b.total += amount
	b.clients[k.client] += amount
	b.gen++
	b.mu.Unlock()
	select {
	case b.changed <- struct{}{}:
	default:
	}
}

// spent is this month's global spend and the client's.
func (b *spendLedger) spent(now time.Time, client string) (global, own nanoUSD) {
	b.mu.Lock()
	b.rollLocked(now)
	global, own = b.total, b.clients[client]
	b.mu.Unlock()
	return global, own
}

// byClient is this month's spend per client name in USD, for the operator
// console ("" is spend without a client, when client auth is off).
func (b *spendLedger) byClient(now time.Time) map[string]float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollLocked(now)
	out := make(map[string]float64, len(b.clients))
	for c, v := range b.clients {
		out[c] = v.usd()
	}
	return out
}

// clientBackend is one series of nexus_spend_usd_total.
type clientBackend struct{ client, backend string }

// byClientBackend is this month's spend per client and backend.
func (b *spendLedger) byClientBackend(now time.Time) map[clientBackend]nanoUSD {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollLocked(now)
	out := map[clientBackend]nanoUSD{}
	for k, v := range b.rows {
		if k.month == b.month {
			out[clientBackend{k.client, k.backend}] += v
		}
	}
	return out
}

// snapshot copies every row, with the generation it belongs to.
func (b *spendLedger) snapshot() (map[spendKey]nanoUSD, uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	rows := make(map[spendKey]nanoUSD, len(b.rows))
	for k, v := range b.rows {
		rows[k] = v
	}
	return rows, b.gen
}

// restore replaces every row (at start-up, from the state file).
func (b *spendLedger) restore(rows map[spendKey]nanoUSD) {
	b.mu.Lock()
	b.rows = rows
	b.month = "" // recompute the totals at the next use
	b.mu.Unlock()
}
