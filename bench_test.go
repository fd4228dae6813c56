// bench_test.go: overhead benchmarks. Each proxied benchmark has a direct
// twin against the same httptest backend in the same run, so the gateway's
// cost is the difference.
package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
)

func benchSerial(b *testing.B, c *http.Client, url, body string) {
	b.Helper()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		resp, err := c.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkChat measures one small non-streaming chat request, serially
// (latency) — direct and through Nexus.
func BenchmarkChat(b *testing.B) {
	mock := newMock(b, []string{"m1"}, answerJSON(200, chatJSON))
	n := startNexus(b, testConfig(localBE("local", mock.URL)), nil)
	n.s.log = discardLogger()
	// The standard library's own reverse proxy is the floor for any
	// net/http gateway: one more loopback hop and the same transport.
	target, _ := url.Parse(mock.URL)
	rp := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
	defer rp.Close()
	b.Run("direct", func(b *testing.B) { benchSerial(b, mock.Client(), mock.URL+"/v1/chat/completions", chatReq) })
	b.Run("stdlib-reverseproxy", func(b *testing.B) { benchSerial(b, rp.Client(), rp.URL+"/v1/chat/completions", chatReq) })
	b.Run("nexus", func(b *testing.B) { benchSerial(b, n.Client(), n.URL+"/v1/chat/completions", chatReq) })
}

// BenchmarkChatBudget is BenchmarkChat on a priced cloud backend, without
// client keys and budgets and then with them (a client key with a rate
// limit and a budget, and a global budget): the difference is what client
// auth, admission and spend accounting cost a request.
func BenchmarkChatBudget(b *testing.B) {
	mock := newMock(b, []string{"gpt-4o"}, answerJSON(200, cloudAnswer))
	plain := testConfig(cloudBE("cloud", mock.URL, "K", "gpt-4o"))
	plain.Pricing = map[string]Price{"gpt-4o": {InputPerMTok: 1e-3, OutputPerMTok: 1e-3}}
	budgeted := *plain
	budgeted.Budget = BudgetConfig{MonthlyUSD: usd(1e6), PreferLocalAt: 0.8}
	budgeted.Clients = []ClientConfig{clientEntry("bench", keyCIBot, func(c *ClientConfig) {
		c.Models, c.MonthlyUSD, c.RequestsPerMinute = []string{"gpt-*"}, usd(1e6), 1<<30
	})}
	req := `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`
	for _, tc := range []struct {
		name string
		cfg  *Config
		hdr  string
	}{{"plain", plain, ""}, {"client-budget", &budgeted, "Bearer " + keyCIBot}} {
		n := startNexus(b, tc.cfg, map[string]string{"K": "k"})
		n.s.log = discardLogger()
		c := &http.Client{Transport: withAuthorization{n.Client().Transport, tc.hdr}}
		b.Run(tc.name, func(b *testing.B) { benchSerial(b, c, n.URL+"/v1/chat/completions", req) })
	}
}

// withAuthorization sends every request with an Authorization header (the
// same way for every variant of a benchmark).
type withAuthorization struct {
	rt    http.RoundTripper
	value string
}

func (a withAuthorization) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", a.value)
	return a.rt.RoundTrip(r)
}

// BenchmarkStream100 relays a 100-event stream; per-event relay delay is
// (nexus - direct) / 100, reported as ns/event.
func BenchmarkStream100(b *testing.B) {
	events := make([]string, 0, 101)
	for i := 0; i < 100; i++ {
		events = append(events, fmt.Sprintf("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok%d \"}}]}\n\n", i))
	}
	events = append(events, "data: [DONE]\n\n")
	mock := newMock(b, []string{"m1"}, sseHandler(events, nil))
	n := startNexus(b, testConfig(localBE("local", mock.URL)), nil)
	n.s.log = discardLogger()
	run := func(b *testing.B, c *http.Client, url string) {
		benchSerial(b, c, url, streamReq)
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/event")
	}
	b.Run("direct", func(b *testing.B) { run(b, mock.Client(), mock.URL+"/v1/chat/completions") })
	b.Run("nexus", func(b *testing.B) { run(b, n.Client(), n.URL+"/v1/chat/completions") })
}

// BenchmarkRoute1000 is one routing decision over 1,000 backends serving
// the same model.
func BenchmarkRoute1000(b *testing.B) {
	benchRoute(b, routeRegistry([]string{"generic"}, nil), requirements{minTier: 2})
}

// BenchmarkRouteFleet1000 is BenchmarkRoute1000 over local servers that
// report on themselves (fleet_load.go): every other one holds the model in
// memory, and every third reports a queue of its own.
func BenchmarkRouteFleet1000(b *testing.B) {
	reg := routeRegistry([]string{"ollama"}, func(i int, be *backend) {
		fs := &fleetState{extra: int32(i % 3), residency: true}
		if i%2 == 0 {
			fs.resident = []string{"other:latest", "m1"}
		}
		setFleet(be, fs)
	})
	benchRoute(b, reg, requirements{minTier: 2})
}

// BenchmarkRoute1000Budget is BenchmarkRoute1000 with every other backend
// in the cloud, while a budget is past prefer_local_at (local backends rank
// first) or spent (cloud backends are skipped).
func BenchmarkRoute1000Budget(b *testing.B) {
	reg := routeRegistry([]string{"generic", "openai"}, nil)
	for _, level := range []budgetLevel{budgetPreferLocal, budgetNoCloud} {
		q := requirements{minTier: 2, budget: level}
		if p := reg.choose(opChat, "m1", q, nil); p.b == nil || !p.b.local {
			b.Fatalf("level %d: no local pick", level)
		}
		b.Run([]string{"open", "prefer-local", "no-cloud"}[level], func(b *testing.B) { benchRoute(b, reg, q) })
	}
}

// routeRegistry is 1,000 healthy backends serving m1, their types taken in
// turn from types (priorities 0..6, max_concurrent 4); prepare, when set,
// adjusts each backend.
func routeRegistry(types []string, prepare func(i int, be *backend)) *registry {
	var bs []BackendConfig
	for i := 0; i < 1000; i++ {
		c := localBE(fmt.Sprintf("b%d", i), "http://127.0.0.1:1", "m1")
		c.Type, c.Priority, c.MaxConcurrent = types[i%len(types)], i%7, 4
		bs = append(bs, c)
	}
	reg := newRegistry(testConfig(bs...), func(string) string { return "" })
	for i, be := range reg.backends() {
		be.state.Store(stateHealthy)
		if prepare != nil {
			prepare(i, be)
		}
	}
	return reg
}

// benchRoute times choose for q on reg.
func benchRoute(b *testing.B, reg *registry, q requirements) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := reg.choose(opChat, "m1", q, nil)
		if p.b == nil {
			b.Fatal("no pick")
		}
	}
}

// BenchmarkStreamTTFB is the time to the first streamed byte for an
// OpenAI-format cloud stream whose prompt Nexus counts (gpt-4o, priced) and
// for the same prompt on an unpriced model (not counted), with a mock that
// answers at once — the worst case, since a real provider's own time to
// first token hides the count.
func BenchmarkStreamTTFB(b *testing.B) {
	events := []string{chunkEvents[0], chunkEvents[2], "data: [DONE]\n\n"}
	mock := newMock(b, []string{"gpt-4o", "unpriced-model"}, sseHandler(events, nil))
	n := startNexus(b, testConfig(cloudBE("cloud", mock.URL, "K")), map[string]string{"K": "k"})
	n.s.log = discardLogger()
	words := strings.Fields("the quick brown fox jumps over the lazy dog while a gateway counts tokens")
	for _, size := range []int{1000, 10000, 100000} {
		var sb strings.Builder
		for sb.Len() < size*5 { // ~1 token per 5 bytes of English
			sb.WriteString(words[sb.Len()%len(words)])
			sb.WriteByte(' ')
		}
		prompt := sb.String()
		if tok, _ := countTextTokens("gpt-4o", prompt); tok < size*9/10 {
			b.Fatalf("prompt has %d tokens, want ~%d", tok, size)
		}
		for _, model := range []string{"gpt-4o", "unpriced-model"} {
			body := `{"model":"` + model + `","stream":true,"messages":[{"role":"user","content":"` + prompt + `"}]}`
			b.Run(fmt.Sprintf("%dk/%s", size/1000, model), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					resp, err := n.Client().Post(n.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
					if err != nil {
						b.Fatal(err)
					}
					var one [1]byte
					io.ReadFull(resp.Body, one[:]) // first byte
					if model == "gpt-4o" && resp.Header.Get(hdrCostEst) == "" {
						b.Fatal("no cost estimate")
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
	}
}
