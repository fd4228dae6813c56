// proxy_test.go: end-to-end behaviour of the proxied endpoints against mock
// OpenAI-compatible backends: byte-identical passthrough, headers, routing
// reasons, failover, errors and the queue.
package main

import (
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const chatReq = `{"model":"m1", "messages":[{"role":"user","content":"secret prompt text"}],"temperature":0.2}`

func TestPassthroughIsByteIdentical(t *testing.T) {
	mock := newMock(t, []string{"m1"}, answerJSON(200, chatJSON))
	n := startNexus(t, testConfig(localBE("local-a", mock.URL)), nil)
	resp := n.post(t, "/v1/chat/completions", chatReq, "Authorization", "Bearer client-secret",
		"X-Api-Key", "client-secret-2", "Cookie", "a=b", "X-Request-Id", "req-123")
	body := readAll(t, resp)
	if resp.StatusCode != 200 || body != chatJSON {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
	want := map[string]string{hdrBackend: "local-a", hdrBackendType: "local", hdrRouteReason: reasonCapability,
		hdrZone: "restricted", hdrRequestID: "req-123"}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if resp.Header.Get(hdrCostEst) != "" {
		t.Errorf("local backend got a cost header")
	}
	posts := mock.posts()
	if len(posts) != 1 || string(posts[0].Body) != chatReq || posts[0].Path != "/v1/chat/completions" {
		t.Fatalf("upstream saw %+v", posts)
	}
	for _, h := range []string{"Authorization", "X-Api-Key", "Cookie"} {
		if v := posts[0].Header.Get(h); v != "" {
			t.Errorf("client header %s reached the backend: %q", h, v)
		}
	}
	if got := posts[0].Header.Get("X-Request-Id"); got != "req-123" {
		t.Errorf("request id forwarded as %q", got)
	}
	if strings.Contains(n.logs.String(), "secret prompt text") || strings.Contains(n.logs.String(), "client-secret") {
		t.Errorf("log leaked prompt or key: %s", n.logs.String())
	}
}

func TestBackendKeyAndAliasRewrite(t *testing.T) {
	mock := newMock(t, []string{"real-model"}, answerJSON(200, chatJSON))
	cfg := testConfig(cloudBE("cloud", mock.URL+"/v1", "CLOUD_KEY"))
	cfg.Aliases["smart"] = "real-model"
	n := startNexus(t, cfg, map[string]string{"CLOUD_KEY": "sk-backendkey123456"})
	in := `{"messages":[{"role":"user","content":"hi"}],  "model" : "smart" ,"n":1}`
	resp := n.post(t, "/v1/chat/completions", in, "Authorization", "Bearer client-key")
	readAll(t, resp)
	posts := mock.posts()
	if len(posts) != 1 {
		t.Fatalf("want 1 upstream post, got %d (status %d)", len(posts), resp.StatusCode)
	}
	want := `{"messages":[{"role":"user","content":"hi"}],  "model" : "real-model" ,"n":1}`
	if string(posts[0].Body) != want {
		t.Errorf("upstream body\n got %s\nwant %s", posts[0].Body, want)
	}
	if got := posts[0].Header.Get("Authorization"); got != "Bearer sk-backendkey123456" {
		t.Errorf("backend auth = %q", got)
	}
	if resp.Header.Get(hdrBackendType) != "cloud" || resp.Header.Get(hdrZone) != "open" {
		t.Errorf("headers %v", resp.Header)
	}
}

func TestRouteReasons(t *testing.T) {
	okMock := func() *mockBackend { return newMock(t, []string{"m1"}, answerJSON(200, chatJSON)) }
	t.Run("privacy-requirement", func(t *testing.T) {
		cloud, local := okMock(), okMock()
		c := cloudBE("cloud", cloud.URL, "K", "m1")
		c.Priority = 10
		n := startNexus(t, testConfig(c, localBE("local", local.URL, "m1")), map[string]string{"K": "k"})
		resp := n.post(t, "/v1/chat/completions", chatReq, "X-Nexus-Privacy-Zone", "restricted")
		readAll(t, resp)
		if resp.Header.Get(hdrBackend) != "local" || resp.Header.Get(hdrRouteReason) != reasonPrivacy {
			t.Fatalf("got %s / %s", resp.Header.Get(hdrBackend), resp.Header.Get(hdrRouteReason))
		}
		resp = n.post(t, "/v1/chat/completions", chatReq, "X-Nexus-Privacy-Zone", "open")
		readAll(t, resp)
		if resp.Header.Get(hdrBackend) != "cloud" || resp.Header.Get(hdrRouteReason) != reasonCapability {
			t.Fatalf("open: got %s / %s", resp.Header.Get(hdrBackend), resp.Header.Get(hdrRouteReason))
		}
	})
	t.Run("capability-match when only tiers skipped", func(t *testing.T) {
		a, b := okMock(), okMock()
		low := localBE("low", a.URL, "m1")
		low.Tier, low.Priority = 1, 1
		n := startNexus(t, testConfig(low, localBE("high", b.URL, "m1")), nil)
		resp := n.post(t, "/v1/chat/completions", chatReq, "X-Nexus-Min-Tier", "3")
		readAll(t, resp)
		if resp.Header.Get(hdrBackend) != "high" || resp.Header.Get(hdrRouteReason) != reasonCapability {
			t.Fatalf("got %s / %s", resp.Header.Get(hdrBackend), resp.Header.Get(hdrRouteReason))
		}
	})
	t.Run("failover on 500", func(t *testing.T) {
		bad := newMock(t, []string{"m1"}, answerJSON(500, `{"error":{"message":"boom"}}`))
		good := okMock()
		first := localBE("first", bad.URL, "m1")
		first.Priority = 1
		n := startNexus(t, testConfig(first, localBE("second", good.URL, "m1")), nil)
		resp := n.post(t, "/v1/chat/completions", chatReq)
		body := readAll(t, resp)
		if resp.StatusCode != 200 || body != chatJSON || resp.Header.Get(hdrBackend) != "second" ||
			resp.Header.Get(hdrRouteReason) != reasonFailover {
			t.Fatalf("got %d %s / %s", resp.StatusCode, resp.Header.Get(hdrBackend), resp.Header.Get(hdrRouteReason))
		}
	})
	t.Run("capacity-overflow", func(t *testing.T) {
		release := make(chan struct{})
		entered := make(chan struct{}, 1)
		slow := newMock(t, []string{"m1"}, func(w http.ResponseWriter, r *http.Request, b []byte) {
			entered <- struct{}{}
			<-release
			answerJSON(200, chatJSON)(w, r, b)
		})
		cloud := okMock()
		l := localBE("local", slow.URL, "m1")
		l.MaxConcurrent = 1
		n := startNexus(t, testConfig(l, cloudBE("cloud", cloud.URL, "K", "m1")), map[string]string{"K": "k"})
		done := make(chan *http.Response)
		go func() { done <- n.post(t, "/v1/chat/completions", chatReq) }()
		<-entered
		resp := n.post(t, "/v1/chat/completions", chatReq)
		readAll(t, resp)
		if resp.Header.Get(hdrBackend) != "cloud" || resp.Header.Get(hdrRouteReason) != reasonOverflow {
			t.Fatalf("got %s / %s", resp.Header.Get(hdrBackend), resp.Header.Get(hdrRouteReason))
		}
		close(release)
		first := <-done
		readAll(t, first)
		if first.Header.Get(hdrBackend) != "local" {
			t.Fatalf("first went to %s", first.Header.Get(hdrBackend))
		}
	})
}

func TestQueueWaitsForSlot(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 2)
	var calls atomic.Int32
	slow := newMock(t, []string{"m1"}, func(w http.ResponseWriter, r *http.Request, b []byte) {
		if calls.Add(1) == 1 {
			entered <- struct{}{}
			<-release
		}
		answerJSON(200, chatJSON)(w, r, b)
	})
	l := localBE("local", slow.URL, "m1")
	l.MaxConcurrent = 1
	n := startNexus(t, testConfig(l), nil)
	first := make(chan *http.Response)
	go func() { first <- n.post(t, "/v1/chat/completions", chatReq) }()
	<-entered
	second := make(chan *http.Response)
	go func() { second <- n.post(t, "/v1/chat/completions", chatReq) }()
	// The second request is queued: wait until the gateway counts it.
	for n.s.waiting.Load() != 1 {
		runtime.Gosched()
	}
	close(release)
	r1, r2 := <-first, <-second
	if b := readAll(t, r1); r1.StatusCode != 200 || b != chatJSON {
		t.Fatalf("first %d", r1.StatusCode)
	}
	if b := readAll(t, r2); r2.StatusCode != 200 || b != chatJSON {
		t.Fatalf("second %d %s", r2.StatusCode, b)
	}
}

func TestErrorStatuses(t *testing.T) {
	mock := newMock(t, []string{"m1"}, answerJSON(200, chatJSON))
	cfg := testConfig(localBE("local", mock.URL, "m1"))
	cfg.MaxBodyBytes = 512
	n := startNexus(t, cfg, nil)
	cases := []struct {
		name, body string
		hdr        []string
		status     int
		typ, code  string
	}{
		{"bad json", `{"model":`, nil, 400, "invalid_request_error", ""},
		{"no model", `{"messages":[]}`, nil, 400, "invalid_request_error", ""},
		{"model not string", `{"model":5,"messages":[]}`, nil, 400, "invalid_request_error", ""},
		{"no messages", `{"model":"m1"}`, nil, 400, "invalid_request_error", ""},
		{"bad zone header", chatReq, []string{"X-Nexus-Privacy-Zone", "secret"}, 400, "invalid_request_error", ""},
		{"bad tier header", chatReq, []string{"X-Nexus-Min-Tier", "9"}, 400, "invalid_request_error", ""},
		{"unknown model", `{"model":"nope","messages":[]}`, nil, 404, "invalid_request_error", "model_not_found"},
		{"too large", `{"model":"m1","messages":[{"role":"user","content":"` + strings.Repeat("x", 600) + `"}]}`, nil, 413, "invalid_request_error", "request_too_large"},
		{"tier unreachable", chatReq, []string{"X-Nexus-Min-Tier", "5"}, 503, "service_unavailable", "no_available_backend"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := n.post(t, "/v1/chat/completions", c.body, c.hdr...)
			body := readAll(t, resp)
			var env struct {
				Error struct {
					Message, Type string
					Code          *string
				}
			}
			if err := json.Unmarshal([]byte(body), &env); err != nil {
				t.Fatalf("not an envelope: %s", body)
			}
			if resp.StatusCode != c.status || env.Error.Type != c.typ || env.Error.Message == "" {
				t.Fatalf("got %d %s", resp.StatusCode, body)
			}
			if c.code != "" && (env.Error.Code == nil || *env.Error.Code != c.code) {
				t.Fatalf("code: %s", body)
			}
			if resp.Header.Get(hdrBackend) == "" || resp.Header.Get(hdrRequestID) == "" {
				t.Fatalf("missing nexus headers: %v", resp.Header)
			}
		})
	}
}

func TestUnavailableContext(t *testing.T) {
	mock := newMock(t, []string{"m1"}, answerJSON(200, chatJSON))
	cfg := testConfig(localBE("local", mock.URL, "m1"))
	cfg.Policies = []Policy{{Model: "m*", MinTier: 4}}
	n := startNexus(t, cfg, nil)
	resp := n.post(t, "/v1/chat/completions", chatReq)
	body := readAll(t, resp)
	ctx := `{"required_tier":4,"available_backends":["local"],"eta_seconds":null}`
	want := `{"error":{"message":"no backend can serve this request now","type":"service_unavailable","param":null,"code":"no_available_backend","context":` + ctx + `},"context":` + ctx + `}`
	if resp.StatusCode != 503 || body != want {
		t.Fatalf("got %d\n%s\nwant\n%s", resp.StatusCode, body, want)
	}
	if resp.Header.Get(hdrBackend) != "none" || resp.Header.Get(hdrRouteReason) != "none" {
		t.Fatalf("headers %v", resp.Header)
	}
}

func TestUpstreamUnreachableIs502(t *testing.T) {
	// Healthy at the start-up check, then every connection is cut.
	dead := newMock(t, []string{"m1"}, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	})
	n := startNexus(t, testConfig(localBE("dead", dead.URL)), nil)
	resp := n.post(t, "/v1/chat/completions", chatReq)
	body := readAll(t, resp)
	if resp.StatusCode != 502 || !strings.Contains(body, `"backend dead is unreachable"`) || resp.Header.Get(hdrBackend) != "dead" {
		t.Fatalf("got %d %s %v", resp.StatusCode, body, resp.Header)
	}
	// The start-up check found it; 3 failed requests make it unhealthy.
	for i := 0; i < 2; i++ {
		readAll(t, n.post(t, "/v1/chat/completions", chatReq))
	}
	resp = n.post(t, "/v1/chat/completions", chatReq)
	body = readAll(t, resp)
	if resp.StatusCode != 503 || n.s.reg.Load().backends()[0].reasonText() != "3 consecutive failed requests" {
		t.Fatalf("after 3 failures: %d %s", resp.StatusCode, body)
	}
}

func TestClientAuth(t *testing.T) {
	mock := newMock(t, []string{"m1"}, answerJSON(200, chatJSON))
	n := startNexus(t, testConfig(localBE("local", mock.URL, "m1")), map[string]string{"NEXUS_API_KEYS": "k1, k2"})
	for _, c := range []struct {
		hdr    []string
		status int
	}{
		{nil, 401},
		{[]string{"Authorization", "Bearer wrong"}, 401},
		{[]string{"Authorization", "Bearer k2"}, 200},
		{[]string{"x-api-key", "k1"}, 200},
	} {
		resp := n.post(t, "/v1/chat/completions", chatReq, c.hdr...)
		readAll(t, resp)
		if resp.StatusCode != c.status {
			t.Errorf("%v: got %d want %d", c.hdr, resp.StatusCode, c.status)
		}
	}
	for _, p := range mock.posts() {
		if p.Header.Get("Authorization") != "" || p.Header.Get("X-Api-Key") != "" {
			t.Errorf("client key reached backend")
		}
	}
	resp, _ := http.Get(n.URL + "/health")
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/health needs no key, got %d", resp.StatusCode)
	}
}

func TestSlowClientLimits(t *testing.T) {
	srv := newHTTPServer(":0", http.NotFoundHandler(), discardLogger())
	if srv.ReadHeaderTimeout != 10*time.Second || srv.IdleTimeout != 120*time.Second || srv.MaxHeaderBytes != 1<<20 {
		t.Fatalf("limits %v %v %v", srv.ReadHeaderTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
	n := startNexus(t, testConfig(), nil)
	req, _ := http.NewRequest("POST", n.URL+"/v1/chat/completions", strings.NewReader(chatReq))
	req.Header.Set("X-Big", strings.Repeat("a", 1<<20+8192))
	resp, err := n.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("got %d", resp.StatusCode)
	}
}
