// cost_gateway_test.go: the cost headers end to end (SPEC §6–§7):
// X-Nexus-Cost-Estimated from a non-streaming answer's usage (configured and
// built-in prices, cache and thinking tokens), its absence for local backends
// and unpriced models, and for streams the prompt-side estimate before the
// body plus the X-Nexus-Cost-Actual trailer after it.
package main

import (
	"io"
	"net/http"
	"testing"
)

// costBackend builds a backend of kind ("openai", "local", "anthropic",
// "google") serving model, answering POSTs with handle.
func costBackend(t *testing.T, kind, model string, handle func(http.ResponseWriter, *http.Request, []byte)) (BackendConfig, map[string]string) {
	t.Helper()
	switch kind {
	case "openai":
		m := newMock(t, []string{model}, handle)
		return cloudBE("oa", m.URL+"/v1", "OPENAI_KEY", model), map[string]string{"OPENAI_KEY": "sk-test-openai-0123456789"}
	case "local":
		m := newMock(t, []string{model}, handle)
		return localBE("oa", m.URL, model), nil
	case "anthropic":
		m := newProvMock(t, anthropicModelsPage(model), handle)
		return anthropicBE("oa", m.URL, anthKeyEnv, model), anthEnv
	case "google":
		m := newProvMock(t, geminiModelsPage(model), handle)
		return googleBE("oa", m.URL, gemKeyEnv, model), gemEnv
	}
	t.Fatalf("unknown backend kind %q", kind)
	return BackendConfig{}, nil
}

func TestCostHeaderNonStreaming(t *testing.T) {
	openAIAnswer := func(model, usage string) string {
		return `{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"` + model + `",` +
			`"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":` + usage + `}`
	}
	tests := []struct {
		name, kind, model string
		pricing           map[string]Price
		answer            string
		want              string // "" = no header
	}{
		// (1234*2 + 567*6) / 1e6 = 0.00587
		{"configured price", "openai", "my-model", map[string]Price{"my-model": {InputPerMTok: 2, OutputPerMTok: 6}},
			openAIAnswer("my-model", `{"prompt_tokens":1234,"completion_tokens":567,"total_tokens":1801}`), "0.0059"},
		// (6000*0.15 + 4000*0.075 + 2000*0.60) / 1e6 = 0.0024
		{"gpt-4o-mini with cached tokens", "openai", "gpt-4o-mini", nil,
			openAIAnswer("gpt-4o-mini-2024-07-18", `{"prompt_tokens":10000,"completion_tokens":2000,"total_tokens":12000,`+
				`"prompt_tokens_details":{"cached_tokens":4000,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}`), "0.0024"},
		// a snapshot id takes gpt-4o-mini's price, not gpt-4o's: (100000*0.15 + 10000*0.60) / 1e6
		{"gpt-4o-mini snapshot", "openai", "gpt-4o-mini-2024-07-18", nil,
			openAIAnswer("gpt-4o-mini-2024-07-18", `{"prompt_tokens":100000,"completion_tokens":10000,"total_tokens":110000}`), "0.0210"},
		// the config overrides the built-in table: (1000*10 + 1000*20) / 1e6
		{"config overrides built-in", "openai", "gpt-4o", map[string]Price{"gpt-4o": {InputPerMTok: 10, OutputPerMTok: 20}},
			openAIAnswer("gpt-4o", `{"prompt_tokens":1000,"completion_tokens":1000,"total_tokens":2000}`), "0.0300"},
		// (100*3 + 10000*0.30 + 2000*3.75 + 500*15) / 1e6 = 0.0183
		{"claude-sonnet-4-5 with cache read and creation", "anthropic", "claude-sonnet-4-5", nil,
			`{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"ok"}],` +
				`"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":100,"cache_creation_input_tokens":2000,` +
				`"cache_read_input_tokens":10000,"output_tokens":500}}`, "0.0183"},
		// (6000*0.30 + 4000*0.03 + (300+700)*2.50) / 1e6 = 0.00442: thinking is output
		{"gemini-2.5-flash with thoughts and cache", "google", "gemini-2.5-flash", nil,
			`{"candidates":[{"content":{"parts":[{"text":"ok"}],"role":"model"},"finishReason":"STOP","index":0}],` +
				`"usageMetadata":{"promptTokenCount":10000,"cachedContentTokenCount":4000,"candidatesTokenCount":300,` +
				`"thoughtsTokenCount":700,"totalTokenCount":11000},"modelVersion":"gemini-2.5-flash","responseId":"r"}`, "0.0044"},
		{"unpriced cloud model", "openai", "mystery-model", nil,
			openAIAnswer("mystery-model", `{"prompt_tokens":1000000,"completion_tokens":1000000,"total_tokens":2000000}`), ""},
		{"local backend, built-in price", "local", "gpt-4o-mini", nil,
			openAIAnswer("gpt-4o-mini", `{"prompt_tokens":1000000,"completion_tokens":1000000,"total_tokens":2000000}`), ""},
		{"local backend, configured price", "local", "my-model", map[string]Price{"my-model": {InputPerMTok: 2, OutputPerMTok: 6}},
			openAIAnswer("my-model", `{"prompt_tokens":1000000,"completion_tokens":1000000,"total_tokens":2000000}`), ""},
		{"cloud answer without usage", "openai", "gpt-4o-mini", nil,
			`{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			be, env := costBackend(t, tc.kind, tc.model, answerJSON(200, tc.answer))
			cfg := testConfig(be)
			for k, v := range tc.pricing {
				cfg.Pricing[k] = v
			}
			n := startNexus(t, cfg, env)
			resp := n.post(t, "/v1/chat/completions", `{"model":"`+tc.model+`","messages":[{"role":"user","content":"hi"}]}`)
			body := readAll(t, resp)
			if resp.StatusCode != 200 || resp.Header.Get(hdrBackend) != "oa" {
				t.Fatalf("status %d backend %q body %s", resp.StatusCode, resp.Header.Get(hdrBackend), body)
			}
			got, present := resp.Header[hdrCostEst]
			if tc.want == "" {
				if present {
					t.Fatalf("%s = %q, want none", hdrCostEst, got)
				}
				return
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("%s = %q, want %q", hdrCostEst, got, tc.want)
			}
			if _, ok := resp.Header[hdrCostActual]; ok {
				t.Errorf("non-streaming answer carries %s", hdrCostActual)
			}
		})
	}
}

func TestCostStreamingTrailer(t *testing.T) {
	oaChunk := func(rest string) string {
		return oaiSSE(`{"id":"chatcmpl-c1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-2024-08-06",` + rest + `}`)
	}
	openAIText := []string{
		oaChunk(`"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]`),
		oaChunk(`"choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]`),
		oaChunk(`"choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}]`),
		oaChunk(`"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]`),
	}
	withUsage := append(append([]string{}, openAIText...),
		oaChunk(`"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":5,"total_tokens":14}`), oaiSSE("[DONE]"))
	withoutUsage := append(append([]string{}, openAIText...), oaiSSE("[DONE]"))
	// Prompt side 12000 tokens (10000 cache reads); message_start already
	// counts 1 output token, message_delta settles on 400.
	anthEvents := []string{
		anthSSE("message_start", `{"type":"message_start","message":{"id":"msg_c","type":"message","role":"assistant","content":[],`+
			`"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,`+
			`"usage":{"input_tokens":2000,"cache_creation_input_tokens":0,"cache_read_input_tokens":10000,"output_tokens":1}}}`),
		anthSSE("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`),
		anthSSE("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`),
		anthSSE("content_block_stop", `{"type":"content_block_stop","index":0}`),
		anthSSE("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":400}}`),
		anthSSE("message_stop", `{"type":"message_stop"}`),
	}
	gemEvents := []string{
		geminiSSE(`{"candidates":[{"content":{"parts":[{"text":"Hel"}],"role":"model"},"index":0}],` +
			`"usageMetadata":{"promptTokenCount":10000,"totalTokenCount":10000},"modelVersion":"gemini-2.5-flash","responseId":"g"}`),
		geminiSSE(`{"candidates":[{"content":{"parts":[{"text":"lo"}],"role":"model"},"finishReason":"STOP","index":0}],` +
			`"usageMetadata":{"promptTokenCount":10000,"candidatesTokenCount":300,"thoughtsTokenCount":700,"totalTokenCount":11000},` +
			`"modelVersion":"gemini-2.5-flash","responseId":"g"}`),
	}
	expensive := map[string]Price{"gpt-4o": {InputPerMTok: 1000, OutputPerMTok: 3000}}
	const hi = `"messages":[{"role":"user","content":"hi"}]` // 8 prompt tokens for gpt-4o (3 + "user" + "hi" + 3)
	tests := []struct {
		name, kind, model, path, req string
		pricing                      map[string]Price
		events                       []string
		wantEst, wantActual          string // "" = absent (and no trailer declared)
	}{
		// estimate 8*1000/1e6; actual from the final usage chunk (9*1000 + 5*3000)/1e6
		{"openai with final usage chunk", "openai", "gpt-4o", "/v1/chat/completions",
			`{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},` + hi + `}`,
			expensive, withUsage, "0.0080", "0.0240"},
		// no usage: the completion "Hello world" is counted (2 tokens): (8*1000 + 2*3000)/1e6
		{"openai without usage counts the text", "openai", "gpt-4o", "/v1/chat/completions",
			`{"model":"gpt-4o","stream":true,` + hi + `}`,
			expensive, withoutUsage, "0.0080", "0.0140"},
		// estimate (2000*3 + 10000*0.30 + 1*15)/1e6; actual (2000*3 + 10000*0.30 + 400*15)/1e6
		{"anthropic", "anthropic", "claude-sonnet-4-5", "/v1/chat/completions",
			`{"model":"claude-sonnet-4-5","stream":true,` + hi + `}`, nil, anthEvents, "0.0090", "0.0150"},
		{"anthropic client on anthropic", "anthropic", "claude-sonnet-4-5", "/v1/messages",
			`{"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,` + hi + `}`, nil, anthEvents, "0.0090", "0.0150"},
		// estimate 10000*0.30/1e6; actual (10000*0.30 + (300+700)*2.50)/1e6
		{"gemini", "google", "gemini-2.5-flash", "/v1/chat/completions",
			`{"model":"gemini-2.5-flash","stream":true,` + hi + `}`, nil, gemEvents, "0.0030", "0.0055"},
		{"local backend", "local", "gpt-4o", "/v1/chat/completions",
			`{"model":"gpt-4o","stream":true,` + hi + `}`, expensive, withUsage, "", ""},
		{"unpriced cloud model", "openai", "mystery-model", "/v1/chat/completions",
			`{"model":"mystery-model","stream":true,` + hi + `}`, nil, withUsage, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gate := make(chan struct{})
			be, env := costBackend(t, tc.kind, tc.model, sseHandler(tc.events, map[int]chan struct{}{1: gate}))
			cfg := testConfig(be)
			for k, v := range tc.pricing {
				cfg.Pricing[k] = v
			}
			n := startNexus(t, cfg, env)
			resp := postCtx(t, n, tc.path, tc.req)
			defer resp.Body.Close()
			// The headers arrived while the backend still holds the rest of
			// the stream: the estimate cannot depend on the completion.
			if resp.StatusCode != 200 || resp.Header.Get(hdrBackend) != "oa" {
				close(gate)
				t.Fatalf("status %d backend %q", resp.StatusCode, resp.Header.Get(hdrBackend))
			}
			est, hasEst := resp.Header[hdrCostEst]
			_, declared := resp.Trailer[hdrCostActual] // Go moves a declared trailer here
			close(gate)
			if tc.wantEst == "" {
				if hasEst || declared {
					t.Errorf("estimate %q, trailer declared %v: want neither", est, declared)
				}
			} else {
				if len(est) != 1 || est[0] != tc.wantEst {
					t.Errorf("%s = %q, want %q", hdrCostEst, est, tc.wantEst)
				}
				if !declared {
					t.Errorf("trailer %s not declared (Trailer: %v)", hdrCostActual, resp.Trailer)
				}
			}
			if _, err := io.ReadAll(resp.Body); err != nil {
				t.Fatalf("reading the stream: %v", err)
			}
			if got := resp.Trailer.Get(hdrCostActual); got != tc.wantActual {
				t.Errorf("trailer %s = %q, want %q", hdrCostActual, got, tc.wantActual)
			}
		})
	}
}
