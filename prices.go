// prices.go: the built-in price table (USD per million tokens) for the cloud
// models Nexus prices without any configuration.
//
// Numbers taken on 2026-11-25 (priceTableDate) from:
//   - Anthropic: the provider's pricing page (platform.claude.com / docs.anthropic.com
//     "Pricing": base input, 5-minute cache write, cache hit, output);
//   - OpenAI: the provider's pricing page as transcribed by dated public copies
//     (developers.openai.com/api/docs/pricing, platform.openai.com/docs/pricing);
//     OpenAI's own page could not be read directly here;
//   - Google: ai.google.dev/gemini-api/docs/pricing (paid tier, Standard),
//     partly through dated transcriptions of that page.
//
// Models whose numbers could not be found are left out (notably
// text-embedding-004, gpt-5.5 and newer: no reliable figure), so they get no
// cost header rather than a guess.
//
// Tiered prices: the lower tier is priced. Gemini 2.5 Pro prompts over 200k
// tokens ($2.50 in / $15 out), Gemini 1.5 prompts over 128k, and Claude
// Sonnet 4/4.5 1M-context requests over 200k input tokens ($6 / $22.50) are
// therefore under-estimated; Price has no field for a threshold. Gemini audio
// input (priced higher than text) is priced as text.
//
// Every entry states its cache rates: OpenAI and Gemini cache reads as listed
// per model; Anthropic cache reads and 5-minute cache writes as listed (1.25x
// and 0.1x input for most models, but not for Claude Haiku 3). Models without
// prompt caching carry their input price, i.e. no discount.
package main

// priceTableDate is when the built-in prices were taken from the providers.
const priceTableDate = "2026-11-25"

// builtinPrices maps a lower-case model id (or id prefix, see priceFor) to
// its price.
var builtinPrices = func() map[string]Price {
	m := map[string]Price{}
	add := func(p Price, ids ...string) {
		for _, id := range ids {
			m[id] = p
		}
	}

	// OpenAI: openai(input, cached input, output).
	add(openai(1.25, 0.125, 10), "gpt-5", "gpt-5-chat-latest", "gpt-5.1", "gpt-5.1-chat-latest")
	add(openai(0.25, 0.025, 2), "gpt-5-mini")
	add(openai(0.05, 0.005, 0.40), "gpt-5-nano")
	add(openai(15, 15, 120), "gpt-5-pro")
	add(openai(1.75, 0.175, 14), "gpt-5.2", "gpt-5.2-chat-latest")
	add(openai(2.50, 0.25, 15), "gpt-5.4")
	add(openai(0.75, 0.075, 4.50), "gpt-5.4-mini")
	add(openai(2, 0.50, 8), "gpt-4.1")
	add(openai(0.40, 0.10, 1.60), "gpt-4.1-mini")
	add(openai(0.10, 0.025, 0.40), "gpt-4.1-nano")
	add(openai(75, 37.50, 150), "gpt-4.5-preview")
	add(openai(2.50, 1.25, 10), "gpt-4o")
	add(openai(5, 5, 15), "gpt-4o-2024-05-13")
	add(openai(0.15, 0.075, 0.60), "gpt-4o-mini")
	add(openai(15, 7.50, 60), "o1")
	add(openai(1.10, 0.55, 4.40), "o1-mini", "o3-mini")
	add(openai(150, 150, 600), "o1-pro")
	add(openai(2, 0.50, 8), "o3")
	add(openai(20, 20, 80), "o3-pro")
	add(openai(1.10, 0.275, 4.40), "o4-mini")
	add(openai(10, 10, 30), "gpt-4-turbo", "gpt-4-1106-preview", "gpt-4-0125-preview")
	add(openai(30, 30, 60), "gpt-4")
	add(openai(60, 60, 120), "gpt-4-32k")
	add(openai(0.50, 0.50, 1.50), "gpt-3.5-turbo")
	add(openai(1.50, 1.50, 2), "gpt-3.5-turbo-instruct")
	add(openai(0.02, 0.02, 0), "text-embedding-3-small")
	add(openai(0.13, 0.13, 0), "text-embedding-3-large")
	add(openai(0.10, 0.10, 0), "text-embedding-ada-002")

	// Anthropic: anthropic(input, 5-minute cache write, cache read, output).
	add(anthropic(5, 6.25, 0.50, 25), "claude-opus-4-8", "claude-opus-4-7", "claude-opus-4-6", "claude-opus-4-5")
	add(anthropic(15, 18.75, 1.50, 75), "claude-opus-4-1", "claude-opus-4", "claude-opus-4-0", "claude-3-opus")
	add(anthropic(3, 3.75, 0.30, 15), "claude-sonnet-4-6", "claude-sonnet-4-5", "claude-sonnet-4",
		"claude-sonnet-4-0", "claude-3-7-sonnet", "claude-3-5-sonnet")
	add(anthropic(1, 1.25, 0.10, 5), "claude-haiku-4-5")
	add(anthropic(0.80, 1, 0.08, 4), "claude-3-5-haiku")
	add(anthropic(0.25, 0.30, 0.03, 1.25), "claude-3-haiku")

	// Google: openai-shaped (input, cached input, output); output includes thinking.
	add(openai(1.25, 0.125, 10), "gemini-2.5-pro")
	add(openai(0.30, 0.03, 2.50), "gemini-2.5-flash")
	add(openai(0.10, 0.01, 0.40), "gemini-2.5-flash-lite")
	add(openai(0.10, 0.025, 0.40), "gemini-2.0-flash")
	add(openai(0.075, 0.075, 0.30), "gemini-2.0-flash-lite")
	add(openai(1.25, 0.3125, 5), "gemini-1.5-pro")
	add(openai(0.075, 0.01875, 0.30), "gemini-1.5-flash")
	add(openai(0.15, 0.15, 0), "gemini-embedding-001")
	return m
}()

// openai builds a price whose cache writes cost the input price (OpenAI and
// Gemini do not bill writes separately in a request's usage).
func openai(input, cached, output float64) Price {
	return Price{InputPerMTok: input, OutputPerMTok: output,
		CachedInputPerMTok: ptrFloat(cached), CacheWritePerMTok: ptrFloat(input)}
}

// anthropic builds a price with Anthropic's 5-minute cache write and cache
// read rates.
func anthropic(input, write5m, read, output float64) Price {
	return Price{InputPerMTok: input, OutputPerMTok: output,
		CachedInputPerMTok: ptrFloat(read), CacheWritePerMTok: ptrFloat(write5m)}
}

func ptrFloat(v float64) *float64 { return &v }
