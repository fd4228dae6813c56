// cost_test.go: price lookup (exact, prefix, overrides), cost arithmetic for
// every provider's usage shape, and the 4-decimal header format.
package main

import (
	"math"
	"testing"
)

func TestPriceForLookup(t *testing.T) {
	tests := []struct {
		model      string
		wantIn     float64
		wantOut    float64
		wantCached float64
		found      bool
	}{
		{"gpt-4o", 2.50, 10, 1.25, true},
		{"gpt-4o-mini", 0.15, 0.60, 0.075, true},
		{"gpt-4o-mini-2024-07-18", 0.15, 0.60, 0.075, true}, // never gpt-4o
		{"gpt-4o-2024-08-06", 2.50, 10, 1.25, true},
		{"gpt-4o-2024-05-13", 5, 15, 5, true}, // exact snapshot beats prefix
		{"GPT-4o", 2.50, 10, 1.25, true},
		{"gpt-4.1-mini-2025-04-14", 0.40, 1.60, 0.10, true},
		{"gpt-4-0613", 30, 60, 30, true},
		{"gpt-4-turbo-2024-04-09", 10, 30, 10, true},
		{"gpt-4-turbo-preview", 10, 30, 10, true},
		{"gpt-3.5-turbo-0125", 0.50, 1.50, 0.50, true},
		{"gpt-5-2025-08-07", 1.25, 10, 0.125, true},
		{"gpt-5-mini-2025-08-07", 0.25, 2, 0.025, true},
		{"o1-preview", 15, 60, 7.50, true},
		{"o3-2025-04-16", 2, 8, 0.50, true},
		{"o4-mini-2025-04-16", 1.10, 4.40, 0.275, true},
		{"text-embedding-3-small", 0.02, 0, 0.02, true},
		{"claude-3-5-sonnet-20241022", 3, 15, 0.30, true},
		{"claude-3-7-sonnet-latest", 3, 15, 0.30, true},
		{"claude-sonnet-4-5-20250929", 3, 15, 0.30, true},
		{"claude-opus-4-20250514", 15, 75, 1.50, true},
		{"claude-opus-4-1-20250805", 15, 75, 1.50, true},
		{"claude-opus-4-5-20251101", 5, 25, 0.50, true},
		{"claude-haiku-4-5-20251001", 1, 5, 0.10, true},
		{"claude-3-haiku-20240307", 0.25, 1.25, 0.03, true},
		{"claude-3-5-sonnet-v2@20241022", 3, 15, 0.30, true},
		{"models/gemini-2.5-pro", 1.25, 10, 0.125, true},
		{"gemini-2.5-flash-preview-05-20", 0.30, 2.50, 0.03, true},
		{"gemini-2.5-flash-lite", 0.10, 0.40, 0.01, true}, // never gemini-2.5-flash
		{"gemini-2.0-flash-001", 0.10, 0.40, 0.025, true},
		{"gemini-1.5-pro-002", 1.25, 5, 0.3125, true},
		// Unknown variants get no price rather than their base model's.
		{"gpt-5.5", 0, 0, 0, false},
		{"gpt-4o-search-preview", 0, 0, 0, false},
		{"o3-deep-research", 0, 0, 0, false},
		{"claude-opus-4-9", 0, 0, 0, false},
		{"gemini-2.5-flash-image", 0, 0, 0, false},
		{"gemini-1.5-flash-8b", 0, 0, 0, false},
		{"llama3.2:3b", 0, 0, 0, false},
		{"", 0, 0, 0, false},
	}
	for _, tt := range tests {
		p, ok := priceFound(t, tt.model, nil, tt.found)
		if !ok {
			continue
		}
		if p.InputPerMTok != tt.wantIn || p.OutputPerMTok != tt.wantOut || *p.CachedInputPerMTok != tt.wantCached {
			t.Errorf("priceFor(%q) = in %v out %v cached %v; want %v %v %v", tt.model,
				p.InputPerMTok, p.OutputPerMTok, *p.CachedInputPerMTok, tt.wantIn, tt.wantOut, tt.wantCached)
		}
	}
}

func TestPriceForOverrides(t *testing.T) {
	overrides := map[string]Price{
		"my-finetune": {InputPerMTok: 0.5, OutputPerMTok: 1.5},
		"llama3.1":    {InputPerMTok: 0.1, OutputPerMTok: 0.2},
		"gpt-4o":      {InputPerMTok: 2, OutputPerMTok: 8},
		"vendor/":     {InputPerMTok: 7, OutputPerMTok: 9},
		"claude-3-haiku": {InputPerMTok: 0.5, OutputPerMTok: 2.5,
			CachedInputPerMTok: ptrFloat(0.04)},
	}
	tests := []struct {
		model           string
		in, cached, wrt float64
		found           bool
	}{
		{"my-finetune", 0.5, 0.5, 0.5, true},              // unknown model: cache at input price
		{"my-finetune-v2", 0.5, 0.5, 0.5, true},           // prefix at a separator
		{"llama3.1:70b", 0.1, 0.1, 0.1, true},             // ':' separates
		{"llama3.10", 0, 0, 0, false},                     // not a separator
		{"gpt-4o", 2, 1, 2, true},                         // override wins; built-in 50% cache ratio
		{"gpt-4o-2024-11-20", 2, 1, 2, true},              // override prefix beats built-in
		{"gpt-4o-mini", 2, 1, 2, true},                    // config prefix rule is plain
		{"vendor/some-model", 7, 7, 7, true},              // key ending in a separator
		{"claude-3-haiku-20240307", 0.5, 0.04, 0.6, true}, // given cache read kept, write ratio 1.2
		{"gpt-4.1", 2, 0.5, 2, true},                      // no override: built-in
	}
	for _, tt := range tests {
		p, ok := priceFound(t, tt.model, overrides, tt.found)
		if !ok {
			continue
		}
		cached, wrt := p.InputPerMTok, p.InputPerMTok
		if p.CachedInputPerMTok != nil {
			cached = *p.CachedInputPerMTok
		}
		if p.CacheWritePerMTok != nil {
			wrt = *p.CacheWritePerMTok
		}
		if p.InputPerMTok != tt.in || math.Abs(cached-tt.cached) > 1e-12 || math.Abs(wrt-tt.wrt) > 1e-12 {
			t.Errorf("%q: in %v cached %v write %v; want %v %v %v", tt.model, p.InputPerMTok, cached, wrt, tt.in, tt.cached, tt.wrt)
		}
	}
}

func TestPriceForDoesNotAliasTable(t *testing.T) {
	p, _ := priceFor("gpt-4o", nil)
	*p.CachedInputPerMTok = 999
	if q, _ := priceFor("gpt-4o", nil); *q.CachedInputPerMTok != 1.25 {
		t.Fatal("caller changed the built-in table")
	}
}

func TestCostUSD(t *testing.T) {
	price := func(model string) Price {
		p, ok := priceFor(model, nil)
		if !ok {
			t.Fatalf("no price for %s", model)
		}
		return p
	}
	tests := []struct {
		name string
		p    Price
		u    usage
		want float64
	}{
		{"plain", price("gpt-4o"), usage{InputTokens: 1000, OutputTokens: 100}, 0.0035},
		// 2000 uncached at 2.50 + 8000 cached at 1.25 + 500 out at 10
		{"openai cached", price("gpt-4o"), usage{InputTokens: 10000, CacheReadTokens: 8000, OutputTokens: 500}, 0.02},
		// gpt-4.1 caches at 25%: 1000*2 + 3000*0.5 + 200*8 = 5100
		{"gpt-4.1 cached", price("gpt-4.1"), usage{InputTokens: 4000, CacheReadTokens: 3000, OutputTokens: 200}, 0.0051},
		// reasoning is part of output: 300 in *1.10 + 1200 out *4.40
		{"reasoning", price("o4-mini"), usage{InputTokens: 300, OutputTokens: 1200, ReasoningTokens: 1000}, 0.00561},
		// Anthropic: 100 uncached *3 + 2000 write *3.75 + 10000 read *0.30 + 400 out *15
		{"anthropic cache", price("claude-sonnet-4-5"),
			usage{InputTokens: 12100, CacheWriteTokens: 2000, CacheReadTokens: 10000, OutputTokens: 400}, 0.0168},
		// Claude Haiku 3 has its own ratios: 1000*0.25 + 1000*0.30 + 1000*0.03 + 1000*1.25
		{"haiku 3 cache", price("claude-3-haiku"),
			usage{InputTokens: 3000, CacheWriteTokens: 1000, CacheReadTokens: 1000, OutputTokens: 1000}, 0.00183},
		// Gemini: thoughts are in OutputTokens: 5000*0.30... 4000 uncached*0.30 + 1000 cached*0.03 + (200+800)*2.50
		{"gemini thoughts", price("gemini-2.5-flash"),
			usage{InputTokens: 5000, CacheReadTokens: 1000, OutputTokens: 1000, ReasoningTokens: 800}, 0.00373},
		{"nil cache rates at input price", Price{InputPerMTok: 1, OutputPerMTok: 2},
			usage{InputTokens: 1000, CacheReadTokens: 500, CacheWriteTokens: 500, OutputTokens: 1000}, 0.003},
		{"cache counts clamped to input", Price{InputPerMTok: 1, CachedInputPerMTok: ptrFloat(0.5)},
			usage{InputTokens: 1000, CacheReadTokens: 5000}, 0.0005},
		{"negative counts ignored", price("gpt-4o"), usage{InputTokens: -5, OutputTokens: -1}, 0},
		{"input side only", price("claude-3-5-haiku"), usage{InputTokens: 250000, HasInput: true}, 0.2},
	}
	for _, tt := range tests {
		if got := costUSD(tt.p, tt.u); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: costUSD = %.12f, want %.12f", tt.name, got, tt.want)
		}
	}
}

func TestFormatUSD(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0.0035, "0.0035"},
		{0.00004, "0.0000"},
		{0.00006, "0.0001"},
		{0, "0.0000"},
		{1.23456, "1.2346"},
		{12.5, "12.5000"},
		{1234.5, "1234.5000"},
		{-0.01, "0.0000"},
		{math.Copysign(0, -1), "0.0000"},
		{math.NaN(), "0.0000"},
	}
	for _, tt := range tests {
		if got := formatUSD(tt.v); got != tt.want {
			t.Errorf("formatUSD(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
	if got := formatUSD(costUSD(Price{InputPerMTok: 2.5, OutputPerMTok: 10}, usage{InputTokens: 1000, OutputTokens: 100})); got != "0.0035" {
		t.Errorf("end to end = %q", got)
	}
}

func TestBuiltinTableSane(t *testing.T) {
	if priceTableDate == "" {
		t.Fatal("priceTableDate empty")
	}
	for id, p := range builtinPrices {
		if p.InputPerMTok <= 0 || p.OutputPerMTok < 0 || p.CachedInputPerMTok == nil || p.CacheWritePerMTok == nil {
			t.Errorf("%s: incomplete price %+v", id, p)
			continue
		}
		if *p.CachedInputPerMTok > p.InputPerMTok {
			t.Errorf("%s: cache read dearer than input", id)
		}
		if id != lower(id) {
			t.Errorf("%s: ids must be lower case", id)
		}
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func FuzzPriceFor(f *testing.F) {
	for _, m := range []string{"gpt-4o-mini-2024-07-18", "models/gemini-2.5-pro", "claude-3-5-sonnet-v2@20241022",
		"llama3.1:70b", "gpt-4o-", "-", "@", "o3-deep-research", "claude-opus-4-0"} {
		f.Add(m)
	}
	overrides := map[string]Price{"llama3.1": {InputPerMTok: 1}, "x/": {InputPerMTok: 2}}
	f.Fuzz(func(t *testing.T, model string) {
		p, ok := priceFor(model, overrides)
		if !ok {
			return
		}
		u := usage{InputTokens: 1000, CacheReadTokens: 100, CacheWriteTokens: 100, OutputTokens: 10}
		if c := costUSD(p, u); c < 0 || c != c {
			t.Fatalf("cost %v for %q", c, model)
		}
	})
}

// priceFound looks model up, failing when it is found but should not be or
// the other way round; ok says whether there is a price to check.
func priceFound(t *testing.T, model string, overrides map[string]Price, found bool) (Price, bool) {
	t.Helper()
	p, ok := priceFor(model, overrides)
	if ok != found {
		t.Errorf("priceFor(%q) found=%v, want %v", model, ok, found)
		return p, false
	}
	return p, ok
}
