// console_test.go: the operator console's HTTP side and data (SPEC §14):
// the page and its assets (size, CSP, no inline code), /nexus/status (shape,
// bounds, ?since=, auth) and that no prompt or key ever reaches it. The
// browser test is console_browser_test.go.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"
)

func getPath(t *testing.T, n *testNexus, path string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", n.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := n.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp, readAll(t, resp)
}

func TestConsolePageAndAssets(t *testing.T) {
	n := startNexus(t, testConfig(), nil)
	resp, page := getPath(t, n, "/")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET / = %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	checkCSP(t, "/", resp.Header.Get("Content-Security-Policy"))

	// Everything the page loads is one of ours, and is served.
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	total, assets := len(page), map[string]bool{}
	for _, m := range refs {
		ref := m[1]
		if !strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "//") {
			t.Errorf("page refers to %q: only same-origin absolute paths allowed", ref)
			continue
		}
		if assets[ref] || !strings.HasPrefix(ref, "/console/") {
			continue // the footer's links to /health etc.
		}
		assets[ref] = true
		r, body := getPath(t, n, ref)
		if r.StatusCode != 200 || r.Header.Get("ETag") == "" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s = %d, headers %v", ref, r.StatusCode, r.Header)
		}
		checkCSP(t, ref, r.Header.Get("Content-Security-Policy"))
		total += len(body)
	}
	for _, want := range []string{"/console/console.js", "/console/console.css", "/console/icon.svg"} {
		if !assets[want] {
			t.Errorf("page does not load %s", want)
		}
	}
	if !regexp.MustCompile(`<link rel="icon" href="/console/icon.svg"`).MatchString(page) {
		t.Error("page declares no icon of its own")
	}
	t.Logf("page and assets: %d bytes", total)
	if total >= 60<<10 {
		t.Errorf("page and assets are %d bytes, want under 60 KiB", total)
	}
	// Nothing the CSP would block, and nothing that turns data into markup.
	if regexp.MustCompile(`<script>|<script [^>]*>[^<]|<style|\sstyle=|\son[a-z]+=`).MatchString(page) {
		t.Error("page has inline script, style or event handler")
	}
	_, js := getPath(t, n, "/console/console.js")
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "localStorage.setItem", "setAttribute('style'"} {
		if strings.Contains(js, bad) {
			t.Errorf("console.js uses %s", bad)
		}
	}

	// Revalidation, and unknown paths stay JSON 404s.
	r, _ := getPath(t, n, "/console/console.js", "If-None-Match", consoleAssets["/console/console.js"].etag)
	if r.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET = %d, want 304", r.StatusCode)
	}
	for _, p := range []string{"/console/nope.js", "/console/", "/index.html", "/favicon.ico"} {
		r, body := getPath(t, n, p)
		if r.StatusCode != 404 || !strings.Contains(body, `"unknown_url"`) {
			t.Errorf("GET %s = %d %s", p, r.StatusCode, body)
		}
	}
	req, _ := http.NewRequest("POST", n.URL+"/", strings.NewReader("{}"))
	if r, _ := n.Client().Do(req); r.StatusCode == 200 {
		t.Error("POST / answered 200")
	}
}

func checkCSP(t *testing.T, path, csp string) {
	t.Helper()
	dirs := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			dirs[f[0]] = strings.Join(f[1:], " ")
		}
	}
	if dirs["default-src"] != "'self'" {
		t.Errorf("%s: CSP default-src = %q in %q", path, dirs["default-src"], csp)
	}
	if s, ok := dirs["script-src"]; ok && s != "'self'" {
		t.Errorf("%s: CSP script-src = %q", path, s)
	}
	if strings.Contains(csp, "unsafe-") || strings.Contains(csp, "*") || strings.Contains(csp, "data:") {
		t.Errorf("%s: CSP too loose: %q", path, csp)
	}
}

// statusView decodes the parts of /nexus/status the tests look at.
type statusView struct {
	ClientAuth bool `json:"client_auth"`
	Gateway    struct {
		Requests5m    int              `json:"requests_5m"`
		Errors5m      int              `json:"errors_5m"`
		ErrorRate     float64          `json:"error_rate"`
		RequestsTotal int              `json:"requests_total"`
		RouteReasons  map[string]int   `json:"route_reasons"`
		Sparkline     map[string][]int `json:"sparkline"`
		Latency       map[string]*float64
	} `json:"gateway"`
	Spend struct {
		Day, Month string
		Today      struct {
			Total     map[string]float64 `json:"total"`
			ByBackend []map[string]any   `json:"by_backend"`
			ByClient  []map[string]any   `json:"by_client"`
		} `json:"today"`
	} `json:"spend"`
	Budgets  []any `json:"budgets"`
	Backends []struct {
		Name          string `json:"name"`
		State         string `json:"state"`
		Models        []string
		InFlight      int `json:"in_flight"`
		MaxConcurrent int `json:"max_concurrent"`
		Requests5m    int `json:"requests_5m"`
		Errors5m      int `json:"errors_5m"`
		Latency, TTFB map[string]*float64
		Sparkline     map[string][]int
	} `json:"backends"`
	Recent struct {
		Capacity int            `json:"capacity"`
		LastSeq  int            `json:"last_seq"`
		Entries  []consoleEntry `json:"entries"`
	} `json:"recent"`
}

func getStatus(t *testing.T, n *testNexus, query string, hdr ...string) (statusView, string) {
	t.Helper()
	resp, body := getPath(t, n, "/nexus/status"+query, hdr...)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" ||
		resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET /nexus/status%s = %d %v %s", query, resp.StatusCode, resp.Header, body)
	}
	var v statusView
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("status JSON: %v\n%s", err, body)
	}
	return v, body
}

func TestConsoleStatusShape(t *testing.T) {
	ok := newMock(t, []string{"m1"}, answerJSON(200, chatJSON))
	bad := newMock(t, []string{"m2"}, answerJSON(500, `{"error":{"message":"boom","type":"server_error"}}`))
	cloud := newMock(t, []string{"gpt-4o"}, answerJSON(200, chatJSON))
	local := localBE("local", ok.URL)
	local.MaxConcurrent = 4
	n := startNexus(t, testConfig(local, localBE("bad", bad.URL), cloudBE("cloud", cloud.URL+"/v1", "CK", "gpt-4o")),
		map[string]string{"CK": "k"})
	for _, c := range []struct{ model, id string }{{"m1", "r1"}, {"m1", "r2"}, {"m2", "r3"}, {"gpt-4o", "r4"}, {"nope", "r5"}} {
		readAll(t, n.post(t, "/v1/chat/completions", `{"model":"`+c.model+`","messages":[{"role":"user","content":"x"}]}`, hdrRequestID, c.id))
	}
	readAll(t, n.post(t, "/v1/chat/completions", `{"model":`)) // malformed: 400, no model

	v, body := getStatus(t, n, "")
	for _, key := range []string{`"version":`, `"now":`, `"uptime_seconds":`, `"bucket_seconds":10`, `"window_seconds":300`,
		`"requests_per_second":`, `"in_flight":`, `"queued":`, `"p50_ms":`, `"p95_ms":`, `"this_month":`, `"last_check":`,
		`"check_ms":`, `"zone":`, `"tier":`, `"budgets":[]`, `"by_client":[]`} {
		if !strings.Contains(body, key) {
			t.Errorf("status lacks %s", key)
		}
	}
	if v.ClientAuth {
		t.Error("client_auth true without keys")
	}
	g := v.Gateway
	if g.Requests5m != 6 || g.RequestsTotal != 6 || g.Errors5m != 3 || g.ErrorRate != 0.5 {
		t.Errorf("gateway counts: %+v", g)
	}
	if g.RouteReasons[reasonCapability] != 4 || g.RouteReasons[reasonNone] != 2 || g.RouteReasons["budget-limit"] != 0 {
		t.Errorf("route reasons: %v", g.RouteReasons)
	}
	if len(g.Sparkline["requests"]) != sparkBuckets || sum(g.Sparkline["requests"]) != 6 || sum(g.Sparkline["errors"]) != 3 {
		t.Errorf("gateway sparkline: %v", g.Sparkline)
	}
	want := map[string][3]int{"local": {2, 0, 4}, "bad": {1, 1, 0}, "cloud": {1, 0, 0}}
	for _, b := range v.Backends {
		w := want[b.Name]
		if b.Requests5m != w[0] || b.Errors5m != w[1] || b.MaxConcurrent != w[2] || sum(b.Sparkline["requests"]) != w[0] {
			t.Errorf("backend %s: %d req, %d err, max %d, want %v", b.Name, b.Requests5m, b.Errors5m, b.MaxConcurrent, w)
		}
		if (b.Latency["p50_ms"] == nil) != (w[0] == 0) || len(b.Models) != 1 || b.State != "healthy" {
			t.Errorf("backend %s: latency %v models %v state %s", b.Name, b.Latency, b.Models, b.State)
		}
		delete(want, b.Name)
	}
	if len(want) != 0 {
		t.Errorf("backends missing: %v", want)
	}
	// Spend: tokens for all three backends, cost only where priced (cloud).
	tot := v.Spend.Today.Total
	if tot["requests"] != 6 || tot["prompt_tokens"] != 36 || tot["priced_requests"] != 1 || tot["cost_usd"] <= 0 {
		t.Errorf("spend today: %v", tot)
	}
	if len(v.Spend.Today.ByBackend) != 3 || v.Spend.Day != time.Now().UTC().Format("2006-01-02") {
		t.Errorf("spend by backend: %v (%s)", v.Spend.Today.ByBackend, v.Spend.Day)
	}

	// Recent: newest first, failed and unrouted ones included.
	r := v.Recent
	if r.Capacity != consoleRingSize || r.LastSeq != 6 || len(r.Entries) != 6 {
		t.Fatalf("recent: cap %d last %d entries %d", r.Capacity, r.LastSeq, len(r.Entries))
	}
	e := r.Entries
	if e[0].Status != 400 || e[0].Backend != "none" || e[0].RouteReason != "none" || e[0].Model != "" {
		t.Errorf("malformed request entry: %+v", e[0])
	}
	if e[1].ID != "r5" || e[1].Status != 404 || e[1].Model != "nope" || e[1].Attempts != 0 {
		t.Errorf("unrouted entry: %+v", e[1])
	}
	if e[2].ID != "r4" || e[2].Backend != "cloud" || e[2].BackendType != "cloud" || e[2].CostUSD == nil ||
		e[2].PromptTokens != 12 || e[2].CompletionTokens != 3 || e[2].TTFBMs == nil {
		t.Errorf("cloud entry: %+v", e[2])
	}
	if e[3].ID != "r3" || e[3].Status < 500 || e[3].Backend != "bad" || e[3].Attempts != 1 || e[3].TTFBMs != nil {
		t.Errorf("failed entry: %+v", e[3])
	}
	if e[4].ID != "r2" || e[4].Model != "m1" || e[4].Backend != "local" || e[4].BackendType != "local" ||
		e[4].Status != 200 || e[4].CostUSD != nil || e[4].Client != "" || e[4].RouteReason != reasonCapability {
		t.Errorf("local entry: %+v", e[4])
	}
	for i := 1; i < len(e); i++ {
		if e[i].Seq >= e[i-1].Seq || e[i].Time > e[i-1].Time {
			t.Errorf("entries out of order at %d", i)
		}
	}
}

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// TestConsoleStatusBounds: 1000 requests leave the newest 200; ?since=
// returns only newer entries.
func TestConsoleStatusBounds(t *testing.T) {
	ok := newMock(t, []string{"m1"}, answerJSON(200, chatJSON))
	n := startNexus(t, testConfig(localBE("local", ok.URL)), nil)
	for i := 1; i <= 1000; i++ {
		model := "m1"
		if i%10 == 0 {
			model = "unknown"
		}
		readAll(t, n.post(t, "/v1/chat/completions", `{"model":"`+model+`","messages":[{"role":"user","content":"x"}]}`,
			hdrRequestID, fmt.Sprintf("req-%d", i)))
	}
	v, _ := getStatus(t, n, "")
	e := v.Recent.Entries
	if len(e) != consoleRingSize || v.Recent.LastSeq != 1000 || e[0].ID != "req-1000" || e[199].ID != "req-801" {
		t.Fatalf("after 1000 requests: %d entries, last %d, first %q, oldest %q", len(e), v.Recent.LastSeq, e[0].ID, e[len(e)-1].ID)
	}
	if v.Gateway.RequestsTotal != 1000 || v.Gateway.Requests5m != 1000 || v.Gateway.Errors5m != 100 {
		t.Errorf("gateway: %+v", v.Gateway)
	}
	for _, c := range []struct {
		query string
		first string
		n     int
	}{{"?since=997", "req-1000", 3}, {"?since=1000", "", 0}, {"?since=5", "req-1000", 200}, {"?since=0", "req-1000", 200},
		{"?since=5000", "req-1000", 200}} { // a since from before a restart: everything
		v, _ := getStatus(t, n, c.query)
		if len(v.Recent.Entries) != c.n || (c.n > 0 && v.Recent.Entries[0].ID != c.first) {
			t.Errorf("%s: %d entries", c.query, len(v.Recent.Entries))
		}
	}
	for _, q := range []string{"?since=-1", "?since=x", "?since=1e3"} {
		r, body := getPath(t, n, "/nexus/status"+q)
		if r.StatusCode != 400 || !strings.Contains(body, `"param":"since"`) {
			t.Errorf("%s = %d %s", q, r.StatusCode, body)
		}
	}
}

func TestConsoleStatusAuth(t *testing.T) {
	const key = "console-key-7"
	ok := newMock(t, []string{"m1"}, answerJSON(200, chatJSON))
	for _, authOn := range []bool{false, true} {
		env := map[string]string{}
		if authOn {
			env["NEXUS_API_KEYS"] = "other-key, " + key
		}
		n := startNexus(t, testConfig(localBE("local", ok.URL)), env)
		for _, c := range []struct {
			name string
			path string
			hdr  []string
			want int // with auth on; every one is 200 with auth off
		}{
			{"no key", "/nexus/status", nil, 401},
			{"wrong key", "/nexus/status", []string{"Authorization", "Bearer wrong"}, 401},
			{"key in the URL", "/nexus/status?key=" + key + "&api_key=" + key, nil, 401},
			{"bearer", "/nexus/status", []string{"Authorization", "Bearer " + key}, 200},
			{"x-api-key", "/nexus/status", []string{"x-api-key", key}, 200},
			{"page", "/", nil, 200},
			{"script", "/console/console.js", nil, 200},
			{"icon", "/console/icon.svg", nil, 200},
			{"health", "/health", nil, 200},
			{"ready", "/ready", nil, 200},
			{"metrics", "/metrics", nil, 200},
		} {
			want := c.want
			if !authOn {
				want = 200
			}
			r, body := getPath(t, n, c.path, c.hdr...)
			if r.StatusCode != want {
				t.Errorf("auth %v, %s: %d, want %d", authOn, c.name, r.StatusCode, want)
			}
			if r.StatusCode == 401 && (!strings.Contains(body, `"type":"authentication_error"`) ||
				!strings.Contains(body, `"code":"invalid_api_key"`) || r.Header.Get("WWW-Authenticate") == "" ||
				strings.Contains(body, key)) {
				t.Errorf("%s: 401 body %s", c.name, body)
			}
		}
		_, health := getPath(t, n, "/health")
		if !strings.Contains(health, fmt.Sprintf(`"client_auth":%v`, authOn)) {
			t.Errorf("auth %v: /health = %s", authOn, health)
		}
		if authOn {
			if v, _ := getStatus(t, n, "", "Authorization", "Bearer "+key); !v.ClientAuth {
				t.Error("status says client_auth false")
			}
		}
	}
}

// TestConsoleStatusNeverHoldsSecretsOrPrompts drives successes, failures,
// a stream, an untranslatable answer echoing the prompt and a provider error
// echoing the backend key, then checks /nexus/status and the page.
func TestConsoleStatusNeverHoldsSecretsOrPrompts(t *testing.T) {
	const prompt = "PROMPT-CANARY-c0ffee"
	const answer = "ANSWER-CANARY-beef"
	const backendKey = "sk-backend-canary-987654321"
	const clientKey = "client-canary-key-1234"
	okBody := strings.Replace(chatJSON, "h\\u00e9llo <b>", answer, 1)
	ok := newMock(t, []string{"m1"}, answerJSON(200, okBody))
	echo := newMock(t, []string{"m2"}, answerJSON(401, `{"error":{"message":"Incorrect API key provided: `+backendKey+`"}}`))
	broken := newMock(t, []string{"m3"}, answerJSON(200, `not json `+prompt))
	stream := newMock(t, []string{"m4"}, sseHandler([]string{
		`data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"` + answer + `"}}]}` + "\n\n",
		"data: [DONE]\n\n"}, nil))
	n := startNexus(t, testConfig(localBE("ok", ok.URL), cloudBE("echo", echo.URL, "BK", "m2"),
		BackendConfig{Name: "broken", Type: "anthropic", URL: broken.URL, APIKeyEnv: "BK", Zone: "open", Tier: 3,
			Priority: 100, Models: []string{"m3"}}, localBE("stream", stream.URL)),
		map[string]string{"BK": backendKey, "NEXUS_API_KEYS": clientKey})
	msgs := `"messages":[{"role":"system","content":"` + prompt + `"},{"role":"user","content":"` + prompt + `"}]`
	for _, c := range []struct{ model, key, extra string }{{"m1", clientKey, ""}, {"m2", clientKey, ""}, {"m3", clientKey, ""},
		{"m4", clientKey, `"stream":true,`}, {"m1", "wrong-" + clientKey, ""}, {"nope", clientKey, ""}} {
		readAll(t, n.post(t, "/v1/chat/completions", `{"model":"`+c.model+`",`+c.extra+msgs+`}`,
			"Authorization", "Bearer "+c.key, "x-api-key", c.key))
	}
	readAll(t, n.post(t, "/v1/messages", `{"model":"m1","max_tokens":10,"messages":[{"role":"user","content":"`+prompt+`"}]}`,
		"x-api-key", clientKey))
	v, body := getStatus(t, n, "", "Authorization", "Bearer "+clientKey)
	if len(v.Recent.Entries) != 6 { // the wrong key never reached the proxy
		t.Errorf("recent has %d entries, want 6", len(v.Recent.Entries))
	}
	_, page := getPath(t, n, "/")
	_, js := getPath(t, n, "/console/console.js")
	for _, secret := range []string{prompt, answer, backendKey, clientKey} {
		for what, text := range map[string]string{"status": body, "page": page, "script": js} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains %q", what, secret)
			}
		}
	}
}

// TestConsoleRecorderWindows checks the windows against known inputs and
// times: sparkline placement, the 5-minute cut and percentiles.
func TestConsoleRecorderWindows(t *testing.T) {
	c := newConsoleRecorder()
	now := time.Date(2025, 3, 31, 23, 59, 55, 0, time.UTC)
	rec := func(at time.Time, lat time.Duration, status int) {
		c.record("id", at, &requestRecord{Backend: "b", BackendType: "local", Model: "m", RouteReason: reasonCapability,
			Status: status, Latency: lat, TTFB: lat / 2, PromptTokens: 10, CompletionTokens: 5, CostUSD: 0.01, HasCost: true, Attempts: 1})
	}
	rec(now.Add(-11*time.Minute), time.Second, 200) // outside every window
	rec(now.Add(-7*time.Minute), time.Second, 500)  // sparkline only
	for i := range 100 {
		rec(now.Add(-time.Duration(i)*time.Second), time.Duration(i+1)*10*time.Millisecond, 200)
	}
	rc := c.copyOut([]string{"b", "absent"}, 0)
	var st windowStats
	st.from(rc.windows[0], now.UnixNano())
	if st.requests != 100 || st.errors != 0 || sum32(st.spark.Requests) != 101 || sum32(st.spark.Errors) != 1 {
		t.Errorf("counts: %d req %d err, spark %d/%d", st.requests, st.errors, sum32(st.spark.Requests), sum32(st.spark.Errors))
	}
	if st.spark.Requests[sparkBuckets-1] != 6 || st.spark.Errors[sparkBuckets-1-42] != 1 {
		t.Errorf("sparkline placement: %v / %v", st.spark.Requests, st.spark.Errors)
	}
	// Latencies 10..1000 ms uniform: p50 ≈ 505 ms, p95 ≈ 955 ms, within a bin (30 %).
	for _, c := range []struct {
		got  *float64
		want float64
	}{{st.latency.P50, 505}, {st.latency.P95, 955}, {st.ttfb.P50, 252}, {st.ttfb.P95, 477}} {
		if c.got == nil || *c.got < c.want/1.3 || *c.got > c.want*1.3 {
			t.Errorf("percentile %v, want about %v", c.got, c.want)
		}
	}
	var empty windowStats
	empty.from(rc.windows[1], now.UnixNano())
	if rc.windows[1] != nil || empty.latency.P50 != nil || len(empty.spark.Requests) != sparkBuckets {
		t.Errorf("absent backend: %+v", empty)
	}
	if r := empty.lastMinute(now.UnixNano(), time.Hour); r != 0 {
		t.Errorf("rate of nothing = %v", r)
	}
	if r := st.lastMinute(now.UnixNano(), time.Hour); r < 50.0/55 || r > 60.0/55 {
		t.Errorf("rate = %v, want about one per second", r)
	}

	// Midnight at the end of March: a new day and a new month start at zero.
	next := now.Add(10 * time.Second)
	rec(next, time.Millisecond, 200)
	rc = c.copyOut(nil, 0)
	day, month := utcDayMonth(next)
	if got := rc.total.current(day, month, false); got.Requests != 1 || got.PromptTokens != 10 {
		t.Errorf("new day: %+v", got)
	}
	if got := rc.total.current(day, month, true); got.Requests != 1 || got.PricedRequests != 1 {
		t.Errorf("new month: %+v", got)
	}
	rec(now, time.Millisecond, 200) // a straggler from the day before counts in neither
	if got := c.copyOut(nil, 0).total.current(day, month, false); got.Requests != 1 {
		t.Errorf("straggler counted: %+v", got)
	}
	if got := rc.total.current(day-1, month-1, true); got.Requests != 0 {
		t.Errorf("old month still reported: %+v", got)
	}
}

func sum32(xs []uint32) int {
	s := 0
	for _, x := range xs {
		s += int(x)
	}
	return s
}

// TestConsoleEntrySize documents the memory bound reported in README.
func TestConsoleEntrySize(t *testing.T) {
	entry, win := unsafe.Sizeof(ringEntry{}), unsafe.Sizeof(window{})
	t.Logf("ring entry %d bytes, ring %d bytes; window %d bytes per backend plus one for the gateway",
		entry, entry*consoleRingSize, win)
	if entry > 400 || win > 8<<10 {
		t.Errorf("entry %d or window %d grew: update README's memory bound", entry, win)
	}
}

// TestConsoleModelCut: long and invalid model names are cut at a rune
// boundary and shown as valid UTF-8.
func TestConsoleModelCut(t *testing.T) {
	c := newConsoleRecorder()
	long := strings.Repeat("é", 100) // 200 bytes
	for _, m := range []string{long, "ok\xff\xfe", strings.Repeat("a", 127) + "€"} {
		c.record(strings.Repeat("i", 200), time.Now(), &requestRecord{Model: m, Status: 200})
	}
	rc := c.copyOut(nil, 0)
	for _, e := range rc.entries {
		v := e.view()
		if !utf8.ValidString(v.Model) || len(v.Model) > consoleModelMax || len(v.ID) > consoleIDBytes {
			t.Errorf("entry %q (%d bytes) id %d bytes", v.Model, len(v.Model), len(v.ID))
		}
	}
	if v := rc.entries[2].view(); v.Model != strings.Repeat("é", 64) || !v.ModelTruncated {
		t.Errorf("cut = %q truncated %v", v.Model, v.ModelTruncated)
	}
	if v := rc.entries[0].view(); v.Model != strings.Repeat("a", 127) || !v.ModelTruncated {
		t.Errorf("cut before a 3-byte rune = %q", v.Model)
	}
}

// TestConsoleConcurrent records and reads at once (run with -race), and
// drops the windows of backends a reload removed.
func TestConsoleConcurrent(t *testing.T) {
	ok := newMock(t, []string{"m1"}, answerJSON(200, chatJSON))
	n := startNexus(t, testConfig(localBE("a", ok.URL), localBE("b", ok.URL)), nil)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if g == 0 {
					n.s.consoleSnapshot(time.Now(), uint64(i))
					continue
				}
				n.s.console.record("x", time.Now(), &requestRecord{Backend: []string{"a", "b"}[i%2], Status: 200, Latency: time.Millisecond})
			}
		}()
	}
	wg.Wait()
	n.s.install(testConfig(localBE("a", ok.URL)))
	n.s.console.mu.Lock()
	_, hasB := n.s.console.backends["b"]
	left := len(n.s.console.backends)
	n.s.console.mu.Unlock()
	if hasB || left != 1 {
		t.Errorf("after reload: %d windows, b kept %v", left, hasB)
	}
	// Spend stays: the money was spent even if the backend left.
	if v, _ := getStatus(t, n, ""); len(v.Spend.Today.ByBackend) != 2 || len(v.Backends) != 1 {
		t.Errorf("after reload: spend %v, backends %d", v.Spend.Today.ByBackend, len(v.Backends))
	}
}

// FuzzConsoleRecord: any id and model a client sends end up as bounded,
// valid JSON text.
func FuzzConsoleRecord(f *testing.F) {
	f.Add("req-1", "gpt-4o")
	f.Add(strings.Repeat("x", 300), strings.Repeat("é", 200))
	f.Add("</script>", "<img src=x onerror=alert(1)>\x00\xff")
	f.Fuzz(func(t *testing.T, id, model string) {
		c := newConsoleRecorder()
		c.record(id, time.Now(), &requestRecord{Backend: model, Model: model, Status: 200, PromptTokens: -5})
		s := &server{console: c, started: time.Now()}
		s.reg.Store(newRegistry(testConfig(), func(string) string { return "" }))
		b, err := json.Marshal(s.consoleSnapshot(time.Now(), 0))
		if err != nil {
			t.Fatal(err)
		}
		var v statusView
		if err := json.Unmarshal(b, &v); err != nil || len(v.Recent.Entries) != 1 {
			t.Fatalf("status JSON: %v %s", err, b)
		}
		e := v.Recent.Entries[0]
		limit := func(in string, max int) int { // a replacement character per bad byte at worst
			if utf8.ValidString(in) {
				return max
			}
			return 3 * max
		}
		if len(e.Model) > limit(model, consoleModelMax) || len(e.ID) > limit(id, consoleIDBytes) || e.PromptTokens != 0 {
			t.Errorf("entry not bounded: %+v", e)
		}
		if utf8.ValidString(model) && !strings.HasPrefix(model, e.Model) {
			t.Errorf("model %q shown as %q", model, e.Model)
		}
	})
}

// BenchmarkConsoleRecord is the console's whole cost on the request path:
// one record per finished request.
func BenchmarkConsoleRecord(b *testing.B) {
	c := newConsoleRecorder()
	rec := &requestRecord{Backend: "local", BackendType: "local", Model: "llama3.2:3b", RouteReason: reasonCapability,
		Status: 200, Latency: 40 * time.Millisecond, TTFB: 5 * time.Millisecond, PromptTokens: 12, CompletionTokens: 3, Attempts: 1}
	at := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.record("0123456789abcdef0123456789abcdef", at, rec)
		}
	})
}

// BenchmarkConsoleSnapshot is one /nexus/status poll with 20 backends and a
// full ring.
func BenchmarkConsoleSnapshot(b *testing.B) {
	var bs []BackendConfig
	for i := range 20 {
		bs = append(bs, localBE(fmt.Sprintf("b%d", i), "http://127.0.0.1:1", "m1"))
	}
	s := &server{console: newConsoleRecorder(), started: time.Now()}
	s.reg.Store(newRegistry(testConfig(bs...), func(string) string { return "" }))
	for i := range 1000 {
		s.console.record("id", time.Now(), &requestRecord{Backend: fmt.Sprintf("b%d", i%20), Model: "m1", Status: 200, Latency: time.Millisecond})
	}
	b.ReportAllocs()
	for b.Loop() {
		json.Marshal(s.consoleSnapshot(time.Now(), 0))
	}
}
