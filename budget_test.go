// budget_test.go: the spend ledger and budget levels (SPEC §15) in
// isolation — nano-dollar rounding, month rollover with an injected clock,
// the levels a spend puts a request at, and the accounting path under a
// concurrent load (run with -race).
package main

import (
	"fmt"
	"math"
	"sync"
	"testing"
	"time"
)

// fakeClock is an injected clock: time moves only when a test says so, and
// After channels fire when Advance passes their deadline.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(now time.Time) *fakeClock { return &fakeClock{now: now} }

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) After(d time.Duration) <-chan time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- f.now
		return ch
	}
	f.waiters = append(f.waiters, fakeWaiter{f.now.Add(d), ch})
	return ch
}

// Advance moves time on and fires every waiter whose deadline passed.
func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	kept := f.waiters[:0]
	for _, w := range f.waiters {
		if w.at.After(f.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- f.now
	}
	f.waiters = kept
}

// Set moves time to t (forwards), firing waiters as Advance does.
func (f *fakeClock) Set(t time.Time) { f.Advance(t.Sub(f.Now())) }

// Waiters is how many After channels have not fired yet.
func (f *fakeClock) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.waiters)
}

func TestUSDToNano(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want nanoUSD
	}{
		{0, 0}, {-1, 0}, {math.NaN(), 0}, {math.Inf(1), math.MaxInt64 / 2},
		{0.0035, 3_500_000}, {1e-9, 1}, {4e-10, 0}, {6e-10, 1}, {12.345678901, 12_345_678_901},
		{0.1 + 0.2, 300_000_000}, // float noise rounds away
	} {
		if got := usdToNano(tc.in); got != tc.want {
			t.Errorf("usdToNano(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestMonthBounds(t *testing.T) {
	for _, tc := range []struct {
		now         string
		month, next string
	}{
		{"2025-01-15T10:00:00Z", "2025-01", "2025-02-01T00:00:00Z"},
		{"2025-12-31T23:59:59Z", "2025-12", "2026-01-01T00:00:00Z"},
		// 00:30 on the 1st in UTC+2 is still the previous month in UTC
		{"2025-03-01T00:30:00+02:00", "2025-02", "2025-03-01T00:00:00Z"},
		{"2024-02-29T12:00:00Z", "2024-02", "2024-03-01T00:00:00Z"},
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		if m, n := monthOf(now), nextMonth(now).Format(time.RFC3339); m != tc.month || n != tc.next {
			t.Errorf("%s: month %s next %s, want %s %s", tc.now, m, n, tc.month, tc.next)
		}
	}
}

func TestLevelOf(t *testing.T) {
	const usd = nanoUSD(1e9)
	for _, tc := range []struct {
		spent, limit nanoUSD
		at           float64
		want         budgetLevel
	}{
		{0, 10 * usd, 0.8, budgetOpen},
		{7*usd + 999_999_999, 10 * usd, 0.8, budgetOpen},
		{8 * usd, 10 * usd, 0.8, budgetPreferLocal},
		{10*usd - 1, 10 * usd, 0.8, budgetPreferLocal},
		{10 * usd, 10 * usd, 0.8, budgetNoCloud},
		{11 * usd, 10 * usd, 0.8, budgetNoCloud},
		{0, 0, 0.8, budgetNoCloud}, // a budget of 0: no cloud spend at all
		{0, 10 * usd, 0, budgetPreferLocal},
		{9 * usd, 10 * usd, 1, budgetOpen},
	} {
		if got := levelOf(tc.spent, tc.limit, tc.at); got != tc.want {
			t.Errorf("levelOf(%d, %d, %v) = %d, want %d", tc.spent, tc.limit, tc.at, got, tc.want)
		}
	}
}

func TestSpendBookMonthRollover(t *testing.T) {
	jan := time.Date(2025, 1, 31, 23, 59, 0, 0, time.UTC)
	b := newSpendLedger()
	b.add(jan, "ci-bot", "openai", "gpt-4o", 2_000_000_000)
	b.add(jan, "", "openai", "gpt-4o", 500_000_000)
	b.add(jan, "ci-bot", "anthropic", "claude", 0) // nothing to charge
	if g, own := b.spent(jan, "ci-bot"); g != 2_500_000_000 || own != 2_000_000_000 {
		t.Fatalf("January: global %d own %d", g, own)
	}
	feb := jan.Add(2 * time.Minute)
	if g, own := b.spent(feb, "ci-bot"); g != 0 || own != 0 {
		t.Fatalf("February starts at zero: global %d own %d", g, own)
	}
	b.add(feb, "ci-bot", "openai", "gpt-4o", 1)
	if got := b.byClient(feb); len(got) != 1 || got["ci-bot"] != 1e-9 {
		t.Fatalf("byClient(feb) = %v", got)
	}
	// January is kept (it is persisted) but counts towards nothing now,
	// and counts again when the clock is set back into it.
	rows, _ := b.snapshot()
	if len(rows) != 3 || rows[spendKey{"2025-01", "ci-bot", "openai", "gpt-4o"}] != 2_000_000_000 {
		t.Fatalf("rows %v", rows)
	}
	if g, _ := b.spent(jan, ""); g != 2_500_000_000 {
		t.Fatalf("January again: %d", g)
	}
	if got := b.byClientBackend(feb); len(got) != 1 || got[clientBackend{"ci-bot", "openai"}] != 1 {
		t.Fatalf("byClientBackend(feb) = %v", got)
	}
}

func TestSpendBookRestore(t *testing.T) {
	now := time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC)
	b := newSpendLedger()
	b.spent(now, "") // totals computed before the restore must not stick
	b.restore(map[spendKey]nanoUSD{
		{"2025-06", "a", "openai", "m"}: 3, {"2025-06", "b", "openai", "m"}: 4, {"2025-05", "a", "openai", "m"}: 100,
	})
	if g, own := b.spent(now, "a"); g != 7 || own != 3 {
		t.Fatalf("after restore: global %d own %d", g, own)
	}
}

// TestAccountingConcurrentLoad drives every accounting entry point at once;
// run with -race. The totals must be exact whatever the interleaving.
func TestAccountingConcurrentLoad(t *testing.T) {
	s := newServer(discardLogger(), func(string) string { return "" })
	monthly := 1000.0
	cfg := testConfig()
	cfg.Budget = BudgetConfig{MonthlyUSD: &monthly, PreferLocalAt: 0.8}
	c := &client{name: "c1", hasBudget: true, monthly: usdToNano(10)}
	const workers, each = 8, 500
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				now := s.clock.Now()
				s.budgetFor(cfg, c, now)
				s.remaining(cfg, c, now)
				s.spend.add(now, "c1", fmt.Sprintf("b%d", w%3), "m", 1_000)
				if i%100 == 0 {
					s.spend.byClient(now)
					s.spend.snapshot()
					s.spend.byClientBackend(now)
				}
			}
		}()
	}
	wg.Wait()
	if g, own := s.spend.spent(s.clock.Now(), "c1"); g != workers*each*1_000 || own != g {
		t.Fatalf("global %d own %d, want %d", g, own, workers*each*1_000)
	}
}

// BenchmarkAccounting is what budgets add to one request: reading the
// budget level at admission, the remaining budget for the header, and
// charging the answer's cost. SPEC budget: under 2 µs.
func BenchmarkAccounting(b *testing.B) {
	s := newServer(discardLogger(), func(string) string { return "" })
	monthly := 1000.0
	cfg := testConfig()
	cfg.Budget = BudgetConfig{MonthlyUSD: &monthly, PreferLocalAt: 0.8}
	c := &client{name: "ci-bot", hasBudget: true, monthly: usdToNano(100), bucket: newTokenBucket(1 << 30), rpm: 1 << 30}
	for i := range 50 { // a realistic book: a few clients, backends and models
		s.spend.add(s.clock.Now(), fmt.Sprintf("c%d", i%5), fmt.Sprintf("b%d", i%4), fmt.Sprintf("m%d", i%7), 1000)
	}
	request := func() { // admission (rate, budget level), charge, remaining
		now := s.clock.Now()
		c.bucket.take(now)
		s.budgetFor(cfg, c, now)
		s.spend.add(s.clock.Now(), c.name, "openai", "gpt-4o", 3_500_000)
		s.remaining(cfg, c, s.clock.Now())
	}
	b.ReportAllocs()
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			request()
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				request()
			}
		})
	})
}
