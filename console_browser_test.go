// console_browser_test.go: the operator console in a real browser (SPEC §14).
// Headless Chromium, driven over the DevTools protocol (cdp_test.go), loads
// the page from an in-process Nexus with mock backends and must show every
// backend with its state, show a request sent after the page loaded, render
// hostile model names as text, ask for a client key when auth is on, and log
// no JavaScript error, no CSP violation and no failed resource.
//
// Locally the test skips without /usr/bin/chromium; .ci/run installs it and
// sets NEXUS_BROWSER_REQUIRED=1 so that there it must run.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pageLog collects what a page did wrong.
type pageLog struct {
	mu        sync.Mutex
	urls      map[string]string // DevTools request id -> URL
	responses map[string]int    // URL path -> last status
	sent      []sentRequest
	problems  []string
	allow     func(url string, status int) bool // an expected failure (the 401 of a refused key)
}

type sentRequest struct {
	url     string
	headers map[string]string
}

func newPageLog() *pageLog {
	return &pageLog{urls: map[string]string{}, responses: map[string]int{}}
}

func (p *pageLog) reset(allow func(string, int) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.problems, p.sent, p.allow = nil, nil, allow
	clear(p.responses)
}

func (p *pageLog) allowed(url string, status int) bool {
	return p.allow != nil && p.allow(url, status)
}

func (p *pageLog) event(e cdpEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e.Method {
	case "Runtime.exceptionThrown":
		var v struct {
			ExceptionDetails struct {
				Text      string `json:"text"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		json.Unmarshal(e.Params, &v)
		p.problems = append(p.problems, "uncaught exception: "+v.ExceptionDetails.Text+" "+v.ExceptionDetails.Exception.Description)
	case "Runtime.consoleAPICalled":
		var v struct {
			Type string            `json:"type"`
			Args []json.RawMessage `json:"args"`
		}
		json.Unmarshal(e.Params, &v)
		if v.Type == "error" || v.Type == "assert" || v.Type == "warning" {
			p.problems = append(p.problems, "console."+v.Type+fmt.Sprint(rawStrings(v.Args)))
		}
	case "Log.entryAdded":
		var v struct {
			Entry struct {
				Source, Level, Text, URL string
			} `json:"entry"`
		}
		json.Unmarshal(e.Params, &v)
		if v.Entry.Level == "error" && !p.allowed(v.Entry.URL, 401) {
			p.problems = append(p.problems, "log "+v.Entry.Source+": "+v.Entry.Text+" "+v.Entry.URL)
		}
	case "Network.requestWillBeSent":
		var v struct {
			RequestID string `json:"requestId"`
			Request   struct {
				URL     string            `json:"url"`
				Headers map[string]string `json:"headers"`
			} `json:"request"`
		}
		json.Unmarshal(e.Params, &v)
		p.urls[v.RequestID] = v.Request.URL
		p.sent = append(p.sent, sentRequest{v.Request.URL, v.Request.Headers})
	case "Network.responseReceived":
		var v struct {
			Response struct {
				URL    string `json:"url"`
				Status int    `json:"status"`
			} `json:"response"`
		}
		json.Unmarshal(e.Params, &v)
		path := v.Response.URL
		if i := strings.Index(path, "://"); i >= 0 {
			if j := strings.IndexByte(path[i+3:], '/'); j >= 0 {
				path = path[i+3+j:]
			}
		}
		p.responses[strings.SplitN(path, "?", 2)[0]] = v.Response.Status
		if v.Response.Status >= 400 && !p.allowed(v.Response.URL, v.Response.Status) {
			p.problems = append(p.problems, fmt.Sprintf("HTTP %d for %s", v.Response.Status, v.Response.URL))
		}
	case "Network.loadingFailed":
		var v struct {
			RequestID string `json:"requestId"`
			ErrorText string `json:"errorText"`
		}
		json.Unmarshal(e.Params, &v)
		p.problems = append(p.problems, "failed to load "+p.urls[v.RequestID]+": "+v.ErrorText)
	}
}

func rawStrings(args []json.RawMessage) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = string(a)
	}
	return out
}

func (p *pageLog) check(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range p.problems {
		t.Errorf("page problem: %s", pr)
	}
}

// browser is one Chromium page plus what it logged.
type browser struct {
	cdp *cdpSession
	log *pageLog
}

func newBrowser(t *testing.T, width, height int) *browser {
	bin := requireChromium(t)
	log := newPageLog()
	cdp := startChromium(t, bin, width, height, log.event)
	ctx := ctxTimeout(t)
	for _, domain := range []string{"Runtime", "Log", "Network", "Page"} {
		if err := cdp.call(ctx, domain+".enable", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	return &browser{cdp: cdp, log: log}
}

func (b *browser) open(t *testing.T, url string) {
	t.Helper()
	var r struct {
		ErrorText string `json:"errorText"`
	}
	if err := b.cdp.call(ctxTimeout(t), "Page.navigate", map[string]any{"url": url}, &r); err != nil || r.ErrorText != "" {
		t.Fatalf("navigate %s: %v %s", url, err, r.ErrorText)
	}
}

// waitFor resolves when the JavaScript expression cond is truthy in the
// page (checked on every DOM change, no polling) and decodes its value.
func (b *browser) waitFor(t *testing.T, what, cond string, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	expr := `new Promise((resolve) => {
		const check = () => { try { const v = (` + cond + `); if (v) { resolve(v); return true; } } catch (e) {} return false; };
		if (check()) return;
		new MutationObserver((_, obs) => { if (check()) obs.disconnect(); })
			.observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
	})`
	if err := b.cdp.eval(ctx, expr, out); err != nil {
		b.log.check(t)
		var body string
		b.cdp.eval(context.Background(), "document.body ? document.body.innerText.slice(0, 3000) : ''", &body)
		t.Fatalf("waiting for %s: %v\npage text:\n%s", what, err, body)
	}
}

// consoleBackendsExpr lists the backend cards as [{name, state}].
const consoleBackendsExpr = `[...document.querySelectorAll('#be-list [data-backend]')].map((c) =>
	({name: c.dataset.backend, state: c.querySelector('.badge').textContent, reason: c.querySelector('.reason').textContent}))`

type shownBackend struct{ Name, State, Reason string }

func TestConsoleInBrowser(t *testing.T) {
	begin := time.Now()
	b := newBrowser(t, 1280, 900)

	t.Run("live", func(t *testing.T) {
		ok := newMock(t, []string{"llama3.2:3b", "m1"}, answerJSON(200, chatJSON))
		gone := httptest.NewServer(http.NotFoundHandler())
		gone.Close() // connection refused: unhealthy
		n := startNexus(t, testConfig(localBE("local-ok", ok.URL), localBE("local-gone", gone.URL),
			cloudBE("cloud-nokey", ok.URL+"/v1", "CONSOLE_TEST_UNSET_KEY", "gpt-4o")), nil)
		readAll(t, n.post(t, "/v1/chat/completions", `{"model":"m1","messages":[{"role":"user","content":"hi"}]}`))
		b.log.reset(nil)
		b.open(t, n.URL+"/")

		var shown []shownBackend
		b.waitFor(t, "three backend cards", consoleBackendsExpr+`.filter((c) => c.state).length === 3 && `+consoleBackendsExpr, &shown)
		want := map[string]string{"local-ok": "healthy", "local-gone": "unhealthy", "cloud-nokey": "unhealthy"}
		for _, s := range shown {
			if w, ok := want[s.Name]; !ok || !strings.HasSuffix(s.State, " "+w) {
				t.Errorf("backend %q shows state %q, want the word %q", s.Name, s.State, w)
			}
			delete(want, s.Name)
		}
		if len(want) != 0 {
			t.Errorf("backends not shown: %v (shown: %+v)", want, shown)
		}
		b.waitFor(t, "the first request in the list", `document.querySelectorAll('#recent-body tr').length === 1`, nil)

		// A request sent now must appear within about a second.
		id := fmt.Sprintf("browser-%d", time.Now().UnixNano())
		sent := time.Now()
		readAll(t, n.post(t, "/v1/chat/completions", `{"model":"llama3.2:3b","messages":[{"role":"user","content":"hi"}]}`, hdrRequestID, id))
		var row string
		b.waitFor(t, "the new request's row", `(document.querySelector('#recent-body tr[data-id="`+id+`"]') || {}).innerText`, &row)
		appeared := time.Since(sent)
		t.Logf("request appeared on the page after %v", appeared)
		if appeared > 2*time.Second {
			t.Errorf("request took %v to appear, want about 1 s", appeared)
		}
		for _, part := range []string{"llama3.2:3b", "local-ok", "200 ok", "12 / 3"} {
			if !strings.Contains(row, part) {
				t.Errorf("row %q lacks %q", row, part)
			}
		}

		// A hostile model name is text, never markup.
		const hostile = `<img src=x onerror="document.title='pwned'">`
		hid := fmt.Sprintf("hostile-%d", time.Now().UnixNano())
		body, _ := json.Marshal(map[string]any{"model": hostile, "messages": []map[string]string{{"role": "user", "content": "x"}}})
		readAll(t, n.post(t, "/v1/chat/completions", string(body), hdrRequestID, hid))
		var model string
		b.waitFor(t, "the hostile row", `(document.querySelector('#recent-body tr[data-id="`+hid+`"] td.model') || {}).textContent`, &model)
		if model != hostile {
			t.Errorf("model cell = %q, want the literal text %q", model, hostile)
		}
		var injected int
		b.cdp.eval(ctxTimeout(t), `document.querySelectorAll('#recent-body img, #recent-body script').length + (document.title === 'pwned' ? 100 : 0)`, &injected)
		if injected != 0 {
			t.Errorf("hostile model name became markup (%d)", injected)
		}

		b.log.mu.Lock()
		icon := b.log.responses["/console/icon.svg"]
		b.log.mu.Unlock()
		if icon != 200 {
			t.Errorf("icon answered %d, want 200", icon)
		}
		b.log.check(t)
	})

	t.Run("client-auth", func(t *testing.T) {
		const key = "console-browser-key-1"
		ok := newMock(t, []string{"m1"}, answerJSON(200, chatJSON))
		n := startNexus(t, testConfig(localBE("local-ok", ok.URL)), map[string]string{"NEXUS_API_KEYS": key})
		b.log.reset(func(url string, status int) bool {
			return status == http.StatusUnauthorized && strings.Contains(url, "/nexus/status")
		})
		b.open(t, n.URL+"/")
		b.waitFor(t, "the key form", `!document.getElementById('auth').hidden && document.activeElement.id === 'auth-key'`, nil)
		submit := func(k string) {
			b.cdp.eval(ctxTimeout(t), `document.getElementById('auth-key').value = `+jsString(k)+`; document.getElementById('auth-form').requestSubmit(); true`, nil)
		}
		submit("wrong-" + key)
		var msg string
		b.waitFor(t, "the refusal", `!document.getElementById('auth-error').hidden && document.getElementById('auth-error').textContent`, &msg)
		if !strings.Contains(msg, "refused (401)") {
			t.Errorf("refusal message = %q", msg)
		}
		submit(key)
		var shown []shownBackend
		b.waitFor(t, "the backend card", consoleBackendsExpr+`.length === 1 && `+consoleBackendsExpr, &shown)
		var stored struct {
			Session string `json:"session"`
			Local   int    `json:"local"`
			Cookie  string `json:"cookie"`
		}
		b.cdp.eval(ctxTimeout(t), `({session: sessionStorage.getItem('nexus.clientKey'), local: localStorage.length, cookie: document.cookie})`, &stored)
		if stored.Session != key || stored.Local != 0 || stored.Cookie != "" {
			t.Errorf("key storage = %+v, want it only in sessionStorage", stored)
		}
		b.log.mu.Lock()
		authorized := 0
		for _, s := range b.log.sent {
			if strings.Contains(s.url, key) {
				t.Errorf("a URL carries the key: %s", s.url)
			}
			if strings.Contains(s.url, "/nexus/status") && s.headers["Authorization"] == "Bearer "+key {
				authorized++
			}
		}
		b.log.mu.Unlock()
		if authorized == 0 {
			t.Error("no status request carried the key in the Authorization header")
		}
		b.log.check(t)
	})

	t.Run("detects-csp-violations", func(t *testing.T) {
		// The checks above must be able to fail: a page with an inline
		// script under the console's policy has to be reported.
		bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", consoleCSP)
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<!doctype html><link rel="icon" href="data:,"><p id="x">x</p><script>document.title='ran'</script>`)
		}))
		defer bad.Close()
		b.log.reset(nil)
		b.open(t, bad.URL+"/")
		b.waitFor(t, "the test page", `document.getElementById('x')`, nil)
		var title string
		b.cdp.eval(ctxTimeout(t), `document.title`, &title)
		b.log.mu.Lock()
		problems := len(b.log.problems)
		t.Logf("reported: %q", b.log.problems)
		b.log.mu.Unlock()
		if title == "ran" || problems == 0 {
			t.Errorf("inline script ran (%q) or its CSP violation went unnoticed (%d problems)", title, problems)
		}
	})
	t.Logf("browser test took %v", time.Since(begin))
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestConsoleScreenshot writes docs/console.png for the README when
// NEXUS_CONSOLE_SCREENSHOT names the output file.
func TestConsoleScreenshot(t *testing.T) {
	out := os.Getenv("NEXUS_CONSOLE_SCREENSHOT")
	if out == "" {
		t.Skip("set NEXUS_CONSOLE_SCREENSHOT=docs/console.png to refresh the README screenshot")
	}
	n := consoleDemo(t)
	b := newBrowser(t, 1280, 1000)
	b.screenshot(t, n.URL, out, 1280, 1450, "light", false, "")
	if os.Getenv("NEXUS_CONSOLE_SCREENSHOT_ALL") == "1" { // for looking, not for the repo
		base := strings.TrimSuffix(out, ".png")
		b.screenshot(t, n.URL, base+"-dark.png", 1280, 1450, "dark", false, "")
		b.screenshot(t, n.URL, base+"-phone.png", 390, 2000, "light", true, "")
		b.screenshot(t, n.URL, base+"-phone-recent.png", 390, 1400, "light", true, "#h-recent")
	}
	b.log.check(t)
}

// screenshot loads the console at width in a colour scheme and writes
// height pixels to out, from the top or from the element from selects.
func (b *browser) screenshot(t *testing.T, base, out string, width, height int, scheme string, mobile bool, from string) {
	t.Helper()
	ctx := ctxTimeout(t)
	b.cdp.call(ctx, "Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": 1000,
		"deviceScaleFactor": 1, "mobile": mobile}, nil)
	b.cdp.call(ctx, "Emulation.setEmulatedMedia", map[string]any{"features": []map[string]string{
		{"name": "prefers-color-scheme", "value": scheme}}}, nil)
	b.open(t, base+"/")
	b.waitFor(t, "the demo data", `document.querySelectorAll('#recent-body tr').length >= 20`, nil)
	var full, top float64
	b.cdp.eval(ctx, `document.documentElement.scrollHeight`, &full)
	if from != "" {
		b.cdp.eval(ctx, `document.querySelector(`+jsString(from)+`).getBoundingClientRect().top + scrollY`, &top)
	}
	var shot struct {
		Data string `json:"data"`
	}
	clip := map[string]any{"x": 0, "y": top, "width": width, "height": min(full-top, float64(height)), "scale": 1}
	if err := b.cdp.call(ctx, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true, "clip": clip}, &shot); err != nil {
		t.Fatal(err)
	}
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// consoleDemo is a Nexus with a realistic mix of backends and traffic, for
// the screenshot: ten minutes of recorded history and real requests.
func consoleDemo(t *testing.T) *testNexus {
	t.Helper()
	var calls atomic.Int64
	answer := func(w http.ResponseWriter, r *http.Request, body []byte) {
		var req struct {
			Model string `json:"model"`
		}
		json.Unmarshal(body, &req)
		i := calls.Add(1)
		time.Sleep(time.Duration(40+i*53%400) * time.Millisecond) // a model's think time, for realistic numbers
		if strings.HasPrefix(req.Model, "broken") {
			answerJSON(500, `{"error":{"message":"mock overload","type":"server_error"}}`)(w, r, body)
			return
		}
		in, out := 300+int(i*137%1700), 40+int(i*61%500)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"chatcmpl-%d","object":"chat.completion","created":1700000000,"model":%q,`+
			`"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],`+
			`"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`, i, req.Model, in, out, in+out)
	}
	gpu := newMock(t, []string{"llama3.1:8b", "qwen2.5-coder:14b", "nomic-embed-text"}, answer)
	edge := newMock(t, []string{"llama3.2:3b", "phi4-mini"}, answer)
	cloud := newMock(t, []string{"gpt-4o", "gpt-4o-mini", "llama3.1:8b"}, answer)
	vllm := localBE("vllm-gpu0", gpu.URL)
	vllm.Type, vllm.MaxConcurrent, vllm.Models = "vllm", 8, nil
	lcpp := localBE("llamacpp-edge", edge.URL)
	lcpp.Type, lcpp.MaxConcurrent, lcpp.Tier, lcpp.Models = "llamacpp", 2, 2, nil
	oai := cloudBE("openai", cloud.URL+"/v1", "DEMO_OPENAI_KEY")
	oai.Tier, oai.Models = 5, nil
	claude := BackendConfig{Name: "anthropic", Type: "anthropic", URL: cloud.URL, APIKeyEnv: "ANTHROPIC_API_KEY",
		Zone: "open", Tier: 5, Priority: 100}
	n := startNexus(t, testConfig(vllm, lcpp, oai, claude), map[string]string{"DEMO_OPENAI_KEY": "sk-demo"})
	n.s.started = n.s.started.Add(-26 * time.Hour) // before the history below; no request has run yet

	// Ten minutes of history, straight into the recorder.
	rng := rand.New(rand.NewPCG(7, 11))
	now := time.Now()
	type pick struct{ backend, kind, model, reason string }
	picks := []pick{{"vllm-gpu0", "local", "llama3.1:8b", reasonCapability}, {"vllm-gpu0", "local", "qwen2.5-coder:14b", reasonCapability},
		{"llamacpp-edge", "local", "llama3.2:3b", reasonCapability}, {"openai", "cloud", "llama3.1:8b", reasonOverflow},
		{"openai", "cloud", "gpt-4o-mini", reasonCapability}, {"llamacpp-edge", "local", "phi4-mini", reasonPrivacy},
		{"openai", "cloud", "gpt-4o", reasonFailover}}
	for at := now.Add(-10 * time.Minute); at.Before(now.Add(-30 * time.Second)); at = at.Add(time.Duration(400+rng.IntN(2600)) * time.Millisecond) {
		p := picks[rng.IntN(len(picks))]
		wave := 1 + math.Sin(float64(at.Unix())/60)
		if rng.Float64()*2 > wave+0.4 {
			continue
		}
		lat := time.Duration(80+rng.IntN(900)) * time.Millisecond
		if p.kind == "cloud" {
			lat += 400 * time.Millisecond
		}
		rec := requestRecord{Backend: p.backend, BackendType: p.kind, Model: p.model, RouteReason: p.reason, Status: 200,
			Latency: lat, TTFB: lat / 4, PromptTokens: 200 + rng.IntN(2000), CompletionTokens: 20 + rng.IntN(600), Attempts: 1}
		if rng.IntN(40) == 0 {
			rec.Status = 503
		}
		if pr, ok := priceFor(p.model, nil); ok && p.kind == "cloud" {
			rec.CostUSD, rec.HasCost = costUSD(pr, usage{InputTokens: rec.PromptTokens, OutputTokens: rec.CompletionTokens}), true
		}
		n.s.console.record(fmt.Sprintf("%016x", rng.Uint64()), at, &rec)
	}
	// And real requests through the proxy.
	for i, m := range []string{"llama3.1:8b", "gpt-4o-mini", "llama3.2:3b", "qwen2.5-coder:14b", "gpt-4o", "claude-sonnet-4-5",
		"llama3.1:8b", "phi4-mini", "gpt-4o-mini", "llama3.1:8b", "no-such-model", "llama3.2:3b"} {
		hdr := []string{hdrRequestID, fmt.Sprintf("req-%04d-%x", i+1, rng.Uint32())}
		if m == "phi4-mini" {
			hdr = append(hdr, "X-Nexus-Privacy-Zone", "restricted")
		}
		readAll(t, n.post(t, "/v1/chat/completions", `{"model":"`+m+`","messages":[{"role":"user","content":"hello"}]}`, hdr...))
	}
	return n
}
