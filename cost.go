// cost.go: what a request cost in USD, from its token usage and the model's
// price, for the X-Nexus-Cost-* headers, metrics and logs.
//
// Lookup (priceFor): the config's "pricing" entries first, then the built-in
// table (prices.go); in each, the exact id first, then the longest prefix.
//   - A config key matches a model that starts with it when the next character
//     is a separator (not a letter, digit or '.'), or when the key itself ends
//     in one: "llama3.1" prices "llama3.1:70b", "gpt-5" does not price "gpt-5.4".
//   - A built-in key matches a longer id only when the rest is a snapshot or
//     release suffix: dated or numbered segments ("-2024-08-06", "-0613",
//     "-001", "-20250514"; the first number at least 3 digits, so
//     "claude-opus-4-9" is not "claude-opus-4"), "-latest", "-preview",
//     "-exp", "-v<N>", or a tag after '@' or ':'. So gpt-4o-mini-2024-07-18 is
//     gpt-4o-mini (never gpt-4o), while an unknown variant such as
//     "o3-deep-research" gets no price instead of its base model's.
//
// A "models/" prefix (Gemini ids) is ignored. A config entry without cache
// rates takes the built-in entry's cache-to-input ratios when the model is in
// the built-in table; otherwise cache reads and writes cost the input price.
package main

import (
	"math"
	"strconv"
	"strings"
)

// priceFor returns the price of model; ok is false when neither the config
// overrides nor the built-in table know it. The returned Price owns its
// pointers.
func priceFor(model string, overrides map[string]Price) (Price, bool) {
	m := strings.TrimPrefix(model, "models/")
	lower := strings.ToLower(m)
	builtin, inBuiltin := lookupBuiltin(lower)
	if p, ok := lookupOverride(m, overrides); ok {
		return withCacheRatios(p, builtin, inBuiltin), true
	}
	if inBuiltin {
		return clonePrice(builtin), true
	}
	return Price{}, false
}

// lookupOverride finds m in the config's pricing: exact, then the longest
// key that m starts with at a separator.
func lookupOverride(m string, overrides map[string]Price) (Price, bool) {
	if len(overrides) == 0 {
		return Price{}, false
	}
	if p, ok := overrides[m]; ok {
		return p, true
	}
	for i := len(m) - 1; i > 0; i-- {
		if !isIDChar(m[i]) || !isIDChar(m[i-1]) {
			if p, ok := overrides[m[:i]]; ok {
				return p, true
			}
		}
	}
	return Price{}, false
}

// lookupBuiltin finds a lower-case id in the built-in table: exact, then the
// longest key followed by a snapshot suffix.
func lookupBuiltin(m string) (Price, bool) {
	if p, ok := builtinPrices[m]; ok {
		return p, true
	}
	for i := len(m) - 1; i > 0; i-- {
		if m[i] != '-' && m[i] != '@' && m[i] != ':' {
			continue
		}
		if p, ok := builtinPrices[m[:i]]; ok && isSnapshotSuffix(m[i:]) {
			return p, true
		}
	}
	return Price{}, false
}

// isSnapshotSuffix reports whether rest (starting with '-', '@' or ':') only
// names a snapshot or release of the model before it.
func isSnapshotSuffix(rest string) bool {
	afterWord := false
	for rest != "" {
		if rest[0] == '@' || rest[0] == ':' {
			return len(rest) > 1
		}
		if rest[0] != '-' {
			return false
		}
		seg := rest[1:]
		if i := strings.IndexAny(seg, "-@:"); i >= 0 {
			seg, rest = seg[:i], seg[i:]
		} else {
			rest = ""
		}
		switch {
		case isDigits(seg):
			if !afterWord && len(seg) < 3 {
				return false // "-1", "-45": a version number, not a snapshot
			}
			afterWord = true
		case seg == "latest", seg == "preview", seg == "exp",
			len(seg) > 1 && seg[0] == 'v' && isDigits(seg[1:]):
			afterWord = true
		default:
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isIDChar is a character that continues a model name rather than separating
// a suffix from it.
func isIDChar(c byte) bool { return isAlnum(c) || c == '.' }

// withCacheRatios fills an override's missing cache rates from the built-in
// entry's ratios to its input price.
func withCacheRatios(p, builtin Price, inBuiltin bool) Price {
	out := clonePrice(p)
	if !inBuiltin || builtin.InputPerMTok == 0 {
		return out
	}
	if out.CachedInputPerMTok == nil && builtin.CachedInputPerMTok != nil {
		out.CachedInputPerMTok = ptrFloat(p.InputPerMTok * *builtin.CachedInputPerMTok / builtin.InputPerMTok)
	}
	if out.CacheWritePerMTok == nil && builtin.CacheWritePerMTok != nil {
		out.CacheWritePerMTok = ptrFloat(p.InputPerMTok * *builtin.CacheWritePerMTok / builtin.InputPerMTok)
	}
	return out
}

func clonePrice(p Price) Price {
	if p.CachedInputPerMTok != nil {
		p.CachedInputPerMTok = ptrFloat(*p.CachedInputPerMTok)
	}
	if p.CacheWritePerMTok != nil {
		p.CacheWritePerMTok = ptrFloat(*p.CacheWritePerMTok)
	}
	return p
}

// costUSD is the cost of u at p: uncached input at the input price, cache
// reads at CachedInputPerMTok, cache writes at CacheWritePerMTok (each the
// input price when nil), and all output, reasoning included, at the output
// price. Counts are clamped so cache parts never exceed InputTokens.
func costUSD(p Price, u usage) float64 {
	input := max(u.InputTokens, 0)
	read := min(max(u.CacheReadTokens, 0), input)
	write := min(max(u.CacheWriteTokens, 0), input-read)
	readRate, writeRate := p.InputPerMTok, p.InputPerMTok
	if p.CachedInputPerMTok != nil {
		readRate = *p.CachedInputPerMTok
	}
	if p.CacheWritePerMTok != nil {
		writeRate = *p.CacheWritePerMTok
	}
	micro := float64(input-read-write)*p.InputPerMTok +
		float64(read)*readRate +
		float64(write)*writeRate +
		float64(max(u.OutputTokens, 0))*p.OutputPerMTok
	return micro / 1e6
}

// formatUSD renders a cost with exactly 4 decimals ("0.0035"); negative,
// NaN and infinite values render as "0.0000".
func formatUSD(v float64) string {
	if !(v > 0) || math.IsInf(v, 1) {
		return "0.0000"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}
