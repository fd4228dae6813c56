// budget_gateway_test.go: budgets end to end (SPEC §15) — spend moving
// traffic local at prefer_local_at with route reason budget-limit,
// exhaustion with and without a local alternative, the 429 budget_exceeded
// body, X-Nexus-Budget-Remaining on every answer, month rollover with an
// injected clock, concurrent requests near the limit, a stream whose cost is
// only known at its end, reloads, /health and /metrics.
package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func usd(v float64) *float64 { return &v }

// healthBudgetOf reads /health's budget block (nil when absent).
func healthBudgetOf(t *testing.T, n *testNexus) *healthBudget {
	t.Helper()
	resp, err := http.Get(n.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Budget *healthBudget }
	if err := json.Unmarshal([]byte(readAll(t, resp)), &h); err != nil {
		t.Fatal(err)
	}
	return h.Budget
}

// TestBudgetPreferLocalMidRun: spend crosses prefer_local_at during a run,
// and from then on traffic the cloud backend would win goes local, with
// route reason budget-limit; X-Nexus-Budget-Remaining counts down after
// each answer's own cost.
func TestBudgetPreferLocalMidRun(t *testing.T) {
	f := newFleet(t)
	f.cfg.Budget = BudgetConfig{MonthlyUSD: usd(1), PreferLocalAt: 0.5}
	n := startNexus(t, f.cfg, f.env)
	steps := []struct {
		model, backend, reason, remaining string
	}{
		{"gpt-4o-mini", "cloud", reasonCapability, "0.8000"},
		{"gpt-4o-mini", "cloud", reasonCapability, "0.6000"},
		{"gpt-4o-mini", "cloud", reasonCapability, "0.4000"}, // admitted at $0.40 < $0.50
		{"gpt-4o-mini", "local", reasonBudget, "0.4000"},     // $0.60: cloud ranks after local now
		{"llama3", "local", reasonCapability, "0.4000"},      // no cloud backend was passed over
		{"gpt-4o", "cloud", reasonCapability, "0.2000"},      // no local backend serves it: cloud still
		{"gpt-4o", "cloud", reasonCapability, "0.0000"},      // admitted at $0.80 < $1
		{"gpt-4o-mini", "local", reasonBudget, "0.0000"},     // spent: cloud not eligible
	}
	for i, st := range steps {
		resp := n.post(t, "/v1/chat/completions", chatFor(st.model))
		body := readAll(t, resp)
		if resp.StatusCode != 200 || resp.Header.Get(hdrBackend) != st.backend ||
			resp.Header.Get(hdrRouteReason) != st.reason || resp.Header.Get(hdrBudgetRemaining) != st.remaining {
			t.Fatalf("step %d (%s): %d %s/%s remaining %q, want %s/%s %q: %s", i, st.model, resp.StatusCode,
				resp.Header.Get(hdrBackend), resp.Header.Get(hdrRouteReason), resp.Header.Get(hdrBudgetRemaining),
				st.backend, st.reason, st.remaining, body)
		}
	}
	if b := healthBudgetOf(t, n); b == nil || b.MonthlyUSD != 1 || b.SpentUSD != 1 {
		t.Fatalf("/health budget %+v", b)
	}
}

// TestBudgetPreferLocalRanking: past prefer_local_at, the route reason is
// judged against the ranking without budget.
func TestBudgetPreferLocalRanking(t *testing.T) {
	mk := func(name string, local bool, prio int) BackendConfig {
		b := localBE(name, "http://127.0.0.1:1", "m")
		if !local {
			b = cloudBE(name, "http://127.0.0.1:1", "K", "m")
		}
		b.Priority = prio
		return b
	}
	for _, tc := range []struct {
		name     string
		backends []BackendConfig
		full     string // a backend at max_concurrent
		level    budgetLevel
		want     string
		reason   string
	}{
		{"open: cloud wins on priority", []BackendConfig{mk("l", true, 50), mk("c", false, 10)}, "", budgetOpen, "c", reasonCapability},
		{"prefer local: re-ranked", []BackendConfig{mk("l", true, 50), mk("c", false, 10)}, "", budgetPreferLocal, "l", reasonBudget},
		{"prefer local: local already first", []BackendConfig{mk("l", true, 10), mk("c", false, 50)}, "", budgetPreferLocal, "l", reasonCapability},
		{"prefer local: local full, cloud serves", []BackendConfig{mk("l", true, 10), mk("c", false, 50)}, "l", budgetPreferLocal, "c", reasonOverflow},
		{"prefer local: best local among several", []BackendConfig{mk("l1", true, 60), mk("c", false, 10), mk("l2", true, 40)}, "", budgetPreferLocal, "l2", reasonBudget},
		{"prefer local: full local above the cloud", []BackendConfig{mk("l1", true, 5), mk("c", false, 10), mk("l2", true, 40)}, "l1", budgetPreferLocal, "l2", reasonOverflow},
		{"no cloud: passed over", []BackendConfig{mk("l", true, 50), mk("c", false, 10)}, "", budgetNoCloud, "l", reasonBudget},
		{"no cloud: only cloud", []BackendConfig{mk("c", false, 10)}, "", budgetNoCloud, "", reasonNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.backends {
				if tc.backends[i].Name == tc.full {
					tc.backends[i].MaxConcurrent = 1
				}
			}
			reg := newRegistry(testConfig(tc.backends...), func(string) string { return "k" })
			for _, b := range reg.backends() {
				b.state.Store(stateHealthy)
				if b.cfg.Name == tc.full {
					b.inFlight.Store(1)
				}
			}
			p := reg.choose(opChat, "m", requirements{budget: tc.level}, nil)
			got := ""
			if p.b != nil {
				got = p.b.cfg.Name
			}
			if got != tc.want || p.reason != tc.reason {
				t.Fatalf("chose %q (%s), want %q (%s)", got, p.reason, tc.want, tc.reason)
			}
		})
	}
}

func TestBudgetExhaustion(t *testing.T) {
	const month = "2025-03"
	now := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		global     *float64
		client     *float64
		path       string
		model      string
		localDown  bool
		status     int
		backend    string
		scope      string
		budget     float64
		spent      float64
		remaining  string
		anthropic  bool
		clientless bool
	}{
		{name: "global, no local alternative", global: usd(0.5), model: "gpt-4o", status: 429, scope: "global",
			budget: 0.5, spent: 0.6, remaining: "0.0000"},
		{name: "global, local alternative", global: usd(0.5), model: "gpt-4o-mini", status: 200, backend: "local",
			remaining: "0.0000"},
		{name: "local alternative down: usual 503", global: usd(0.5), model: "gpt-4o-mini", localDown: true,
			status: 503, remaining: "0.0000"},
		{name: "client budget spent, global not", global: usd(100), client: usd(0.5), model: "gpt-4o", status: 429,
			scope: "client", budget: 0.5, spent: 0.6, remaining: "0.0000"},
		{name: "both spent: scope client", global: usd(0.1), client: usd(0.5), model: "gpt-4o", status: 429,
			scope: "client", budget: 0.5, spent: 0.6, remaining: "0.0000"},
		{name: "client budget 0: never cloud", client: usd(0), model: "gpt-4o", status: 429, scope: "client",
			budget: 0, spent: 0.6, remaining: "0.0000"},
		{name: "client budget left: min of both", global: usd(10), client: usd(2), model: "gpt-4o", status: 200,
			backend: "cloud", remaining: "1.2000"},
		{name: "messages: Anthropic envelope", global: usd(0.5), path: "/v1/messages", model: "gpt-4o", status: 429,
			scope: "global", budget: 0.5, spent: 0.6, remaining: "0.0000", anthropic: true},
		{name: "no client auth, global budget", global: usd(0.5), model: "gpt-4o", status: 429, scope: "global",
			budget: 0.5, spent: 0.6, remaining: "0.0000", clientless: true},
		{name: "no budget: no header", model: "gpt-4o", status: 200, backend: "cloud"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFleet(t)
			f.cfg.Budget.MonthlyUSD = tc.global
			spender := ""
			hdr := []string(nil)
			if !tc.clientless {
				f.cfg.Clients = []ClientConfig{clientEntry("ci-bot", keyCIBot, func(c *ClientConfig) { c.MonthlyUSD = tc.client })}
				spender, hdr = "ci-bot", bearer(keyCIBot)
			}
			fc := newFakeClock(now)
			n := startNexus(t, f.cfg, f.env, func(s *server) {
				s.clock = fc
				s.spend.restore(map[spendKey]nanoUSD{{month, spender, "cloud", "gpt-4o"}: 600_000_000})
			})
			if tc.localDown {
				backendNamed(n, "local").state.Store(stateUnhealthy)
			}
			path, body := "/v1/chat/completions", chatFor(tc.model)
			if tc.path != "" {
				path, body = tc.path, `{"model":"`+tc.model+`","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`
			}
			resp := n.post(t, path, body, hdr...)
			got := readAll(t, resp)
			if resp.StatusCode != tc.status || resp.Header.Get(hdrBudgetRemaining) != tc.remaining {
				t.Fatalf("%d remaining %q, want %d %q: %s", resp.StatusCode, resp.Header.Get(hdrBudgetRemaining),
					tc.status, tc.remaining, got)
			}
			if _, ok := resp.Header[hdrBudgetRemaining]; tc.remaining == "" && ok {
				t.Fatal("a request no budget covers carries X-Nexus-Budget-Remaining")
			}
			if tc.backend != "" && resp.Header.Get(hdrBackend) != tc.backend {
				t.Fatalf("served by %s, want %s", resp.Header.Get(hdrBackend), tc.backend)
			}
			if tc.backend == "local" && resp.Header.Get(hdrRouteReason) != reasonBudget {
				t.Fatalf("route reason %q", resp.Header.Get(hdrRouteReason))
			}
			if tc.status == 503 && !strings.Contains(got, `"no_available_backend"`) {
				t.Fatalf("not the usual 503: %s", got)
			}
			if tc.status != 429 {
				return
			}
			if resp.Header.Get("Retry-After") != "" {
				t.Fatal("budget_exceeded carries Retry-After")
			}
			var v struct {
				Type  string
				Error struct{ Type, Code, Message string }
				Ctx   *budgetContext `json:"context"`
			}
			json.Unmarshal([]byte(got), &v)
			want := budgetContext{Scope: tc.scope, BudgetUSD: tc.budget, SpentUSD: tc.spent, ResetsAt: "2025-04-01T00:00:00Z"}
			if v.Ctx == nil || *v.Ctx != want {
				t.Fatalf("context %+v, want %+v: %s", v.Ctx, want, got)
			}
			if tc.anthropic {
				if v.Type != "error" || v.Error.Type != "rate_limit_error" {
					t.Fatalf("not an Anthropic envelope: %s", got)
				}
			} else if v.Error.Type != "insufficient_quota" || v.Error.Code != "budget_exceeded" {
				t.Fatalf("error %s", got)
			}
			if !strings.Contains(v.Error.Message, "gpt-4o") || !strings.Contains(v.Error.Message, "2025-04-01T00:00:00Z") {
				t.Errorf("message does not say what and until when: %q", v.Error.Message)
			}
			if len(f.cloud.posts()) != 0 {
				t.Error("the cloud backend was called")
			}
		})
	}
}

// TestBudgetRemainingOnErrors: every answer to a covered request carries
// the header, whatever refused it.
func TestBudgetRemainingOnErrors(t *testing.T) {
	f := newFleet(t)
	f.cfg.Budget.MonthlyUSD = usd(5)
	f.cfg.Clients = []ClientConfig{clientEntry("ci-bot", keyCIBot, func(c *ClientConfig) {
		c.Models, c.RequestsPerMinute, c.MonthlyUSD = []string{"gpt-*"}, 1, usd(3)
	})}
	n := startNexus(t, f.cfg, f.env, func(s *server) {
		s.spend.add(s.clock.Now(), "ci-bot", "cloud", "gpt-4o", 1_000_000_000)
	})
	for _, tc := range []struct {
		path, body string
		status     int
		remaining  string
	}{
		{"/v1/chat/completions", `{"model":`, 400, "2.0000"},
		{"/v1/chat/completions", chatFor("llama3"), 403, "2.0000"},
		{"/v1/responses", `{"model":"llama3","input":"hi"}`, 403, "2.0000"},
		{"/v1/messages", `{"model":"llama3","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`, 403, "2.0000"},
		{"/v1/chat/completions", chatFor("gpt-4o"), 200, "1.8000"},
		{"/v1/chat/completions", chatFor("gpt-4o"), 429, "1.8000"}, // rate limited
		{"/v1/messages/count_tokens", `{"model":"gpt-4o","messages":[]}`, 429, "1.8000"},
	} {
		resp := n.post(t, tc.path, tc.body, bearer(keyCIBot)...)
		body := readAll(t, resp)
		if resp.StatusCode != tc.status || resp.Header.Get(hdrBudgetRemaining) != tc.remaining {
			t.Errorf("%s %s: %d remaining %q, want %d %q: %s", tc.path, tc.body, resp.StatusCode,
				resp.Header.Get(hdrBudgetRemaining), tc.status, tc.remaining, body)
		}
	}
}

// TestBudgetMonthRollover: a spent budget opens again at 00:00 UTC on the
// 1st, with an injected clock; the old month stays in the book.
func TestBudgetMonthRollover(t *testing.T) {
	f := newFleet(t)
	f.cfg.Budget.MonthlyUSD = usd(0.3)
	fc := newFakeClock(time.Date(2025, 1, 31, 23, 58, 0, 0, time.UTC))
	n := startNexus(t, f.cfg, f.env, func(s *server) { s.clock = fc })
	send := func() *http.Response {
		resp := n.post(t, "/v1/chat/completions", chatFor("gpt-4o"))
		readAll(t, resp)
		return resp
	}
	for i, want := range []int{200, 200, 429} { // $0.20, $0.40 (admitted at $0.20), then spent
		if r := send(); r.StatusCode != want {
			t.Fatalf("January request %d: %d", i, r.StatusCode)
		}
	}
	if b := healthBudgetOf(t, n); b.SpentUSD != 0.4 || b.ResetsAt != "2025-02-01T00:00:00Z" {
		t.Fatalf("January /health budget %+v", b)
	}
	fc.Advance(time.Minute + 59*time.Second) // 23:59:59
	if r := send(); r.StatusCode != 429 {
		t.Fatalf("a second before midnight: %d", r.StatusCode)
	}
	fc.Advance(time.Second) // 00:00:00 on 1 February
	if r := send(); r.StatusCode != 200 || r.Header.Get(hdrBudgetRemaining) != "0.1000" {
		t.Fatalf("February: %d remaining %q", r.StatusCode, r.Header.Get(hdrBudgetRemaining))
	}
	if b := healthBudgetOf(t, n); b.SpentUSD != 0.2 || b.ResetsAt != "2025-03-01T00:00:00Z" {
		t.Fatalf("February /health budget %+v", b)
	}
	rows, _ := n.s.spend.snapshot()
	if rows[spendKey{"2025-01", "", "cloud", "gpt-4o"}] != 400_000_000 || rows[spendKey{"2025-02", "", "cloud", "gpt-4o"}] != 200_000_000 {
		t.Fatalf("rows %v", rows)
	}
}

// TestBudgetConcurrentNearLimit: many clients race for the last dollars.
// No request is refused for its own cost; spend passes the budget by at
// most what was in flight (workers × cost), and once spent every request is
// refused.
func TestBudgetConcurrentNearLimit(t *testing.T) {
	f := newFleet(t)
	f.cfg.Budget.MonthlyUSD = usd(2)
	n := startNexus(t, f.cfg, f.env, func(s *server) {
		s.spend.add(s.clock.Now(), "", "cloud", "gpt-4o", 1_500_000_000) // $0.50 left
	})
	const workers = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				req, _ := http.NewRequest("POST", n.URL+"/v1/chat/completions", strings.NewReader(chatFor("gpt-4o")))
				resp, err := n.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				statuses[resp.StatusCode]++
				mu.Unlock()
				if resp.StatusCode != 200 {
					return
				}
			}
		}()
	}
	wg.Wait()
	global, _ := n.s.spend.spent(n.s.clock.Now(), "")
	const cost = 200_000_000
	if global < 2_000_000_000 || global >= 2_000_000_000+workers*cost {
		t.Fatalf("spend $%.2f: not within [$2, $2 + %d in flight × $0.20)", global.usd(), workers)
	}
	if statuses[429] != workers || len(statuses) != 2 || nanoUSD(statuses[200])*cost != global-1_500_000_000 {
		t.Fatalf("statuses %v for spend $%.2f", statuses, global.usd())
	}
}

// TestBudgetStreamCostKnownAtEnd: a stream's header says what was left
// before it; its actual cost (the trailer) is charged when it ends, and
// only then.
func TestBudgetStreamCostKnownAtEnd(t *testing.T) {
	chunk := func(rest string) string {
		return oaiSSE(`{"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o",` + rest + `}`)
	}
	events := []string{
		chunk(`"choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]`),
		chunk(`"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]`),
		chunk(`"choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":500,"total_tokens":1500}`),
		oaiSSE("[DONE]"),
	}
	gate := make(chan struct{})
	f := newFleet(t)
	f.cloud.handle = sseHandler(events, map[int]chan struct{}{1: gate})
	f.cfg.Budget.MonthlyUSD = usd(10)
	f.cfg.Clients = []ClientConfig{clientEntry("ci-bot", keyCIBot, func(c *ClientConfig) { c.MonthlyUSD = usd(5) })}
	n := startNexus(t, f.cfg, f.env)
	resp := postCtx(t, n, "/v1/chat/completions", `{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}`,
		bearer(keyCIBot)...)
	if resp.Header.Get(hdrBudgetRemaining) != "5.0000" || resp.Header.Get(hdrCostEst) == "" {
		t.Fatalf("stream headers: remaining %q estimate %q", resp.Header.Get(hdrBudgetRemaining), resp.Header.Get(hdrCostEst))
	}
	first := make([]byte, len(events[0]))
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	if g, own := n.s.spend.spent(time.Now(), "ci-bot"); g != 0 || own != 0 {
		t.Fatalf("charged before the stream ended: %d %d", g, own)
	}
	close(gate)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	// (1000×$1000 + 500×$2000) / 1e6 = $2
	if got := resp.Trailer.Get(hdrCostActual); got != "2.0000" {
		t.Fatalf("trailer %q", got)
	}
	if g, own := n.s.spend.spent(time.Now(), "ci-bot"); g != 2_000_000_000 || own != g {
		t.Fatalf("after the stream: global %d own %d", g, own)
	}
	r := n.post(t, "/v1/chat/completions", chatFor("llama3"), bearer(keyCIBot)...)
	readAll(t, r)
	if r.Header.Get(hdrBudgetRemaining) != "3.0000" {
		t.Fatalf("next answer: remaining %q", r.Header.Get(hdrBudgetRemaining))
	}
}

// TestSpendSurvivesReload: spend belongs to the server, so installing a new
// config (what SIGHUP does) keeps it, and a renamed client keeps its own.
func TestSpendSurvivesReload(t *testing.T) {
	f := newFleet(t)
	f.cfg.Budget.MonthlyUSD = usd(10)
	f.cfg.Clients = []ClientConfig{clientEntry("ci-bot", keyCIBot, nil)}
	n := startNexus(t, f.cfg, f.env)
	r := n.post(t, "/v1/chat/completions", chatFor("gpt-4o"), bearer(keyCIBot)...)
	readAll(t, r)
	cfg2 := *f.cfg
	cfg2.Budget.MonthlyUSD = usd(1)
	cfg2.Clients = []ClientConfig{clientEntry("ci-bot-2", keyCIBot, nil)}
	n.s.install(&cfg2)
	if b := healthBudgetOf(t, n); b.MonthlyUSD != 1 || b.SpentUSD != 0.2 {
		t.Fatalf("after reload: %+v", b)
	}
	r = n.post(t, "/v1/chat/completions", chatFor("gpt-4o"), bearer(keyCIBot)...)
	readAll(t, r)
	if r.Header.Get(hdrBudgetRemaining) != "0.6000" {
		t.Fatalf("remaining %q", r.Header.Get(hdrBudgetRemaining))
	}
	if got := n.s.spend.byClient(time.Now()); got["ci-bot"] != 0.2 || got["ci-bot-2"] != 0.2 {
		t.Fatalf("byClient %v", got)
	}
}

func TestSpendMetricsAndHealth(t *testing.T) {
	f := newFleet(t)
	f.cfg.Clients = []ClientConfig{clientEntry("ci-bot", keyCIBot, nil), clientEntry("app", keyApp, nil)}
	n := startNexus(t, f.cfg, f.env)
	if b := healthBudgetOf(t, n); b != nil {
		t.Fatalf("/health has a budget block without a global budget: %+v", b)
	}
	for _, k := range []string{keyCIBot, keyCIBot, keyApp} {
		readAll(t, n.post(t, "/v1/chat/completions", chatFor("gpt-4o"), bearer(k)...))
	}
	readAll(t, n.post(t, "/v1/chat/completions", chatFor("llama3"), bearer(keyApp)...)) // local: nothing
	resp, _ := http.Get(n.URL + "/metrics")
	text := readAll(t, resp)
	want := "# TYPE nexus_spend_usd_total counter\n" +
		`nexus_spend_usd_total{client="app",backend="cloud"} 0.2` + "\n" +
		`nexus_spend_usd_total{client="ci-bot",backend="cloud"} 0.4` + "\n"
	if !strings.Contains(text, want) {
		t.Fatalf("metrics lack\n%s\nin\n%s", want, familyBlock(text, "nexus_spend_usd_total"))
	}
	if strings.Contains(text, keyCIBot) || strings.Contains(text, keyApp) {
		t.Fatal("metrics hold a key")
	}
}

// TestReloadKeepsStateFile: SIGHUP cannot move the state file (that needs a
// restart) and keeps the spend; the writer keeps writing the running file.
func TestReloadKeepsStateFile(t *testing.T) {
	f := newFleet(t)
	dir := t.TempDir()
	state, other := dir+"/spend.json", dir+"/other.json"
	cfgPath := dir + "/nexus.json"
	write := func(stateFile string) {
		cfg := `{"listen":"127.0.0.1:0","backends":[{"name":"cloud","type":"openai","url":"` + f.cloud.URL +
			`","api_key_env":"CLOUD_KEY","models":["gpt-4o"]}],"pricing":{"gpt-4o":{"input_per_mtok":1000,"output_per_mtok":2000}},` +
			`"budget":{"monthly_usd":5,"state_file":"` + stateFile + `"}}`
		os.WriteFile(cfgPath, []byte(cfg), 0o600)
	}
	write(state)
	cfg, err := loadConfigFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	s := newServer(newTestLogger(logs), func(k string) string { return f.env[k] })
	if err := s.openSpend(cfg); err != nil {
		t.Fatal(err)
	}
	s.install(cfg)
	srv := httptest.NewServer(s.handler())
	defer srv.Close()
	post := func() {
		resp, err := http.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(chatFor("gpt-4o")))
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
	}
	post()
	write(other)
	s.reload(cfgPath, cfg.Listen)
	if !strings.Contains(logs.String(), "budget.state_file changes need a restart") {
		t.Fatalf("no warning:\n%s", logs.String())
	}
	post()
	s.close()
	if got := spendOnDisk(t, state); got != 400_000_000 {
		t.Fatalf("running state file holds %d", got)
	}
	if _, err := os.Stat(other); err == nil {
		t.Fatal("the new state_file was written without a restart")
	}
}

// TestConsoleShowsClientsAndBudgets: /nexus/status, with a client key,
// shows budget gauges from the ledger and spend and requests by client.
func TestConsoleShowsClientsAndBudgets(t *testing.T) {
	f := newFleet(t)
	f.cfg.Budget.MonthlyUSD = usd(10)
	f.cfg.Clients = []ClientConfig{
		clientEntry("ci-bot", keyCIBot, func(c *ClientConfig) { c.MonthlyUSD = usd(2) }),
		clientEntry("app", keyApp, nil),
	}
	now := time.Now()
	n := startNexus(t, f.cfg, f.env, func(s *server) {
		s.spend.add(now, "ci-bot", "cloud", "gpt-4o", 500_000_000) // before a restart, say
	})
	readAll(t, n.post(t, "/v1/chat/completions", chatFor("gpt-4o"), bearer(keyCIBot)...))
	readAll(t, n.post(t, "/v1/chat/completions", chatFor("gpt-4o"), bearer(keyApp)...))
	if resp, _ := getPath(t, n, "/nexus/status"); resp.StatusCode != 401 {
		t.Fatalf("/nexus/status without a key: %d", resp.StatusCode)
	}
	v, body := getStatus(t, n, "", "Authorization", "Bearer "+keyApp)
	resets := nextMonth(now).Format(time.RFC3339)
	want := []any{
		map[string]any{"scope": "global", "budget_usd": 10.0, "spent_usd": 0.9, "resets_at": resets},
		map[string]any{"scope": "client", "name": "ci-bot", "budget_usd": 2.0, "spent_usd": 0.7, "resets_at": resets},
	}
	if !reflect.DeepEqual(v.Budgets, want) {
		t.Fatalf("budgets %v, want %v", v.Budgets, want)
	}
	if len(v.Spend.Today.ByClient) != 2 || !v.ClientAuth {
		t.Fatalf("by_client %v", v.Spend.Today.ByClient)
	}
	for _, name := range []string{`"client":"ci-bot"`, `"client":"app"`} {
		if !strings.Contains(body, name) {
			t.Errorf("recent requests lack %s", name)
		}
	}
	if strings.Contains(body, keyCIBot) || strings.Contains(body, keyApp) {
		t.Fatal("status holds a key")
	}
}
