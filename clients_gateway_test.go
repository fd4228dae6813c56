// clients_gateway_test.go: client keys end to end (SPEC §15) — two clients
// with different model and zone rights against the same backends, the order
// of checks (401, 403, 429, routing), rate limits with an injected clock,
// NEXUS_API_KEYS clients, the Anthropic envelope on /v1/messages and
// count_tokens, and what logs and /v1/models show.
package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Client keys used by these tests (their digests go in the config).
const (
	keyCIBot = "nx-ci-bot-test-key-0123456789abcdefghij"
	keyApp   = "nx-app-test-key-0123456789abcdefghijklm"
	keyEnv   = "env-key-from-nexus-api-keys-42"
)

// cloudAnswer is an OpenAI chat answer with 100 prompt and 50 completion
// tokens: $0.20 at the test price below.
const cloudAnswer = `{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",` +
	`"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],` +
	`"usage":{"prompt_tokens":100,"completion_tokens":50,"total_tokens":150}}`

// testPrice makes every cloud answer above cost $0.20 (100×$1000/M + 50×$2000/M).
var testPrice = Price{InputPerMTok: 1000, OutputPerMTok: 2000}

// clientEntry is a clients entry for key with changes applied.
func clientEntry(name, key string, change func(*ClientConfig)) ClientConfig {
	c := ClientConfig{Name: name, KeySHA256: keyDigest(key)}
	if change != nil {
		change(&c)
	}
	return c
}

// fleet is a local backend and a cloud backend that both serve
// gpt-4o-mini (the cloud one preferred by priority), plus a model each
// serves alone: llama3 (local) and gpt-4o (cloud).
type fleet struct {
	local, cloud *mockBackend
	cfg          *Config
	env          map[string]string
}

func newFleet(t *testing.T) *fleet {
	t.Helper()
	f := &fleet{env: map[string]string{"CLOUD_KEY": "sk-cloud-test-0123456789"}}
	f.local = newMock(t, []string{"llama3", "gpt-4o-mini"}, answerJSON(200, chatJSON))
	f.cloud = newMock(t, []string{"gpt-4o-mini", "gpt-4o"}, answerJSON(200, cloudAnswer))
	lb := localBE("local", f.local.URL, "llama3", "gpt-4o-mini")
	cb := cloudBE("cloud", f.cloud.URL, "CLOUD_KEY", "gpt-4o-mini", "gpt-4o")
	cb.Priority, cb.Tier = 10, 5
	f.cfg = testConfig(lb, cb)
	f.cfg.Budget.PreferLocalAt = defaultPreferLocalAt
	f.cfg.Pricing = map[string]Price{"gpt-4o-mini": testPrice, "gpt-4o": testPrice}
	return f
}

func chatFor(model string) string {
	return `{"model":"` + model + `","messages":[{"role":"user","content":"hi"}]}`
}

// errorBody is the parts of an OpenAI error envelope tests look at.
type errorBody struct {
	Error struct {
		Message, Type string
		Code          *string
	} `json:"error"`
	Context json.RawMessage `json:"context"`
}

func parseErrorBody(t *testing.T, body string) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("not an error envelope: %s", body)
	}
	return e
}

func bearer(key string) []string { return []string{"Authorization", "Bearer " + key} }

func TestClientRightsTwoClients(t *testing.T) {
	f := newFleet(t)
	f.cfg.Aliases = map[string]string{"llama-smart": "gpt-4o", "llama-fast": "llama3", "fast": "llama3"}
	f.cfg.Fallbacks = map[string][]string{"llama3": {"gpt-4o"}}
	f.cfg.Clients = []ClientConfig{
		clientEntry("ci-bot", keyCIBot, func(c *ClientConfig) {
			c.Models, c.Zone = []string{"llama*", "gpt-4o-mini"}, "restricted"
		}),
		clientEntry("app", keyApp, func(c *ClientConfig) { c.MinTier = 4 }),
	}
	f.env["NEXUS_API_KEYS"] = keyEnv
	n := startNexus(t, f.cfg, f.env)

	tests := []struct {
		name           string
		hdr            []string
		model          string
		status         int
		backend        string // "" for errors
		reason, code   string
		errType        string
		wantNoUpstream bool
	}{
		{name: "no key", model: "llama3", status: 401, errType: "authentication_error", code: "invalid_api_key"},
		{name: "wrong key", hdr: bearer("nx-wrong"), model: "llama3", status: 401, errType: "authentication_error", code: "invalid_api_key"},
		{name: "ci-bot: a model outside its list", hdr: bearer(keyCIBot), model: "gpt-4o", status: 403,
			errType: "permission_error", code: "model_not_allowed"},
		{name: "ci-bot: a model nobody serves", hdr: bearer(keyCIBot), model: "nobody-serves-this", status: 403,
			errType: "permission_error", code: "model_not_allowed"},
		{name: "ci-bot: an alias cannot escape its models", hdr: bearer(keyCIBot), model: "llama-smart", status: 403,
			errType: "permission_error", code: "model_not_allowed"},
		{name: "ci-bot: an alias whose name is outside its models", hdr: bearer(keyCIBot), model: "fast", status: 403,
			errType: "permission_error", code: "model_not_allowed"},
		{name: "ci-bot: an alias it may use", hdr: []string{"x-api-key", keyCIBot}, model: "llama-fast", status: 200,
			backend: "local", reason: reasonCapability},
		{name: "ci-bot: its zone keeps it local", hdr: bearer(keyCIBot), model: "gpt-4o-mini", status: 200,
			backend: "local", reason: reasonPrivacy},
		{name: "ci-bot: a header cannot loosen its zone", hdr: append(bearer(keyCIBot), "X-Nexus-Privacy-Zone", "open"),
			model: "gpt-4o-mini", status: 200, backend: "local", reason: reasonPrivacy},
		{name: "ci-bot: a bad header is still a 400", hdr: append(bearer(keyCIBot), "X-Nexus-Min-Tier", "9"),
			model: "gpt-4o-mini", status: 400, errType: "invalid_request_error"},
		{name: "app: its min_tier skips the tier-3 local backend", hdr: bearer(keyApp), model: "gpt-4o-mini",
			status: 200, backend: "cloud", reason: reasonCapability},
		{name: "app: a header cannot loosen its tier", hdr: append(bearer(keyApp), "X-Nexus-Min-Tier", "1"),
			model: "gpt-4o-mini", status: 200, backend: "cloud", reason: reasonCapability},
		{name: "app: its tier leaves nothing for llama3", hdr: bearer(keyApp), model: "llama3", status: 200,
			backend: "cloud", reason: reasonCapability}, // the gpt-4o fallback (tier 5) serves
		{name: "app: a header can tighten the zone", hdr: append(bearer(keyApp), "X-Nexus-Privacy-Zone", "restricted"),
			model: "gpt-4o-mini", status: 503, errType: "service_unavailable", code: "no_available_backend"},
		{name: "env-1 is unrestricted", hdr: bearer(keyEnv), model: "gpt-4o", status: 200, backend: "cloud",
			reason: reasonCapability},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := n.post(t, "/v1/chat/completions", chatFor(tc.model), tc.hdr...)
			body := readAll(t, resp)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.backend != "" {
				if got := resp.Header.Get(hdrBackend); got != tc.backend || resp.Header.Get(hdrRouteReason) != tc.reason {
					t.Fatalf("served by %s (%s), want %s (%s)", got, resp.Header.Get(hdrRouteReason), tc.backend, tc.reason)
				}
				return
			}
			e := parseErrorBody(t, body)
			if e.Error.Type != tc.errType || tc.code != "" && (e.Error.Code == nil || *e.Error.Code != tc.code) {
				t.Fatalf("error %s", body)
			}
			if strings.Contains(body, keyCIBot) || strings.Contains(body, keyApp) {
				t.Fatalf("the answer holds a key: %s", body)
			}
			if tc.status == 403 && !strings.Contains(e.Error.Message, "ci-bot") {
				t.Errorf("403 does not name the client: %s", body)
			}
		})
	}
	if got := (&client{models: []string{"llama*"}}).allowedModels([]string{"llama3", "gpt-4o", "llama2"}); strings.Join(got, ",") != "llama3,llama2" {
		t.Fatalf("allowedModels = %v", got)
	}

	logs := n.logs.String()
	for _, want := range []string{`"client":"ci-bot"`, `"client":"app"`, `"client":"env-1"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("no request line with %s", want)
		}
	}
	for _, key := range []string{keyCIBot, keyApp, keyEnv} {
		if strings.Contains(logs, key) {
			t.Errorf("a log line holds a client key")
		}
	}
	for _, p := range append(f.local.posts(), f.cloud.posts()...) {
		if p.Header.Get("Authorization") == "Bearer "+keyCIBot || p.Header.Get("X-Api-Key") != "" {
			t.Errorf("a client key reached a backend")
		}
	}
}

// TestClientFallbackCannotEscape: a fallback model the client may not call
// is skipped, so the client gets the usual 503, not the fallback.
func TestClientFallbackCannotEscape(t *testing.T) {
	f := newFleet(t)
	f.cfg.Fallbacks = map[string][]string{"llama3": {"gpt-4o"}}
	f.cfg.Clients = []ClientConfig{
		clientEntry("ci-bot", keyCIBot, func(c *ClientConfig) { c.Models = []string{"llama*"} }),
		clientEntry("app", keyApp, nil),
	}
	n := startNexus(t, f.cfg, f.env)
	backendNamed(n, "local").state.Store(stateUnhealthy)
	for _, tc := range []struct {
		key     string
		status  int
		backend string
	}{{keyCIBot, 503, "none"}, {keyApp, 200, "cloud"}} {
		resp := n.post(t, "/v1/chat/completions", chatFor("llama3"), bearer(tc.key)...)
		body := readAll(t, resp)
		if resp.StatusCode != tc.status || resp.Header.Get(hdrBackend) != tc.backend {
			t.Errorf("key %s: %d from %s: %s", tc.key[:6], resp.StatusCode, resp.Header.Get(hdrBackend), body)
		}
	}
}

func TestClientRateLimit(t *testing.T) {
	f := newFleet(t)
	f.cfg.Clients = []ClientConfig{
		clientEntry("ci-bot", keyCIBot, func(c *ClientConfig) {
			c.Models, c.RequestsPerMinute = []string{"llama*"}, 2
		}),
		clientEntry("app", keyApp, nil),
	}
	fc := newFakeClock(time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC))
	n := startNexus(t, f.cfg, f.env, func(s *server) { s.clock = fc })
	send := func(path, model, key string) (*http.Response, string) {
		resp := n.post(t, path, chatFor(model), bearer(key)...)
		return resp, readAll(t, resp)
	}
	steps := []struct {
		advance    time.Duration
		path       string
		model      string
		status     int
		retryAfter string
	}{
		{0, "/v1/chat/completions", "llama3", 200, ""},
		{0, "/v1/messages/count_tokens", "llama3", 200, ""}, // count_tokens counts too
		{0, "/v1/chat/completions", "llama3", 429, "30"},
		{0, "/v1/chat/completions", "gpt-4o", 403, ""}, // models are checked before the rate
		{29 * time.Second, "/v1/chat/completions", "llama3", 429, "1"},
		{time.Second, "/v1/messages", "llama3", 200, ""}, // the refused requests took no token
		{0, "/v1/messages", "llama3", 429, "30"},
		{0, "/v1/messages/count_tokens", "llama3", 429, "30"},
		{time.Minute, "/v1/chat/completions", "llama3", 200, ""}, // refilled to 2, no more
		{0, "/v1/chat/completions", "llama3", 200, ""},
		{0, "/v1/chat/completions", "llama3", 429, "30"},
	}
	for i, st := range steps {
		fc.Advance(st.advance)
		body := chatFor(st.model)
		if strings.HasPrefix(st.path, "/v1/messages") {
			body = `{"model":"` + st.model + `","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`
		}
		resp := n.post(t, st.path, body, bearer(keyCIBot)...)
		got := readAll(t, resp)
		if resp.StatusCode != st.status || resp.Header.Get("Retry-After") != st.retryAfter {
			t.Fatalf("step %d %s: %d Retry-After %q, want %d %q: %s", i, st.path, resp.StatusCode,
				resp.Header.Get("Retry-After"), st.status, st.retryAfter, got)
		}
		if st.status != 429 {
			continue
		}
		if strings.HasPrefix(st.path, "/v1/messages") {
			if !strings.Contains(got, `"type":"error","error":{"type":"rate_limit_error"`) {
				t.Fatalf("step %d: not an Anthropic envelope: %s", i, got)
			}
			continue
		}
		if e := parseErrorBody(t, got); e.Error.Type != "rate_limit_error" || *e.Error.Code != "rate_limit_exceeded" {
			t.Fatalf("step %d: %s", i, got)
		}
	}
	// Another client has its own (here: no) limit.
	if resp, _ := send("/v1/chat/completions", "llama3", keyApp); resp.StatusCode != 200 {
		t.Fatalf("app limited by ci-bot's bucket: %d", resp.StatusCode)
	}
	// A reload that keeps the client keeps its bucket: still empty.
	n.s.install(f.cfg)
	if resp, _ := send("/v1/chat/completions", "llama3", keyCIBot); resp.StatusCode != 429 {
		t.Fatalf("a reload refilled the bucket: %d", resp.StatusCode)
	}
}

func TestTokenBucket(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b := newTokenBucket(60) // one token a second
	for i := range 60 {
		if ok, _ := b.take(t0); !ok {
			t.Fatalf("request %d of a full bucket refused", i)
		}
	}
	for _, tc := range []struct {
		at    time.Duration
		ok    bool
		retry int
	}{
		{0, false, 1},
		{500 * time.Millisecond, false, 1},
		{time.Second, true, 0},
		{time.Second, false, 1},
		{10 * time.Second, true, 0}, // 9 tokens came back
		{-time.Hour, true, 0},       // a clock going back takes nothing away
		{time.Hour, true, 0},        // never more than 60 held
	} {
		if ok, retry := b.take(t0.Add(tc.at)); ok != tc.ok || retry != tc.retry {
			t.Fatalf("at +%v: %v %d, want %v %d", tc.at, ok, retry, tc.ok, tc.retry)
		}
	}
	if b.tokens > 60 {
		t.Fatalf("bucket holds %v tokens", b.tokens)
	}
	slow := newTokenBucket(1) // one a minute
	slow.take(t0)
	if ok, retry := slow.take(t0.Add(time.Second)); ok || retry != 59 {
		t.Fatalf("slow bucket: %v %d", ok, retry)
	}
	slow.setRate(120) // a reload raising the limit refills at the new rate
	if ok, _ := slow.take(t0.Add(2 * time.Second)); !ok {
		t.Fatal("new rate not applied")
	}
}

func TestClientLookup(t *testing.T) {
	cs := newClientSet([]ClientConfig{
		clientEntry("a", "key-a", nil),
		{Name: "upper", KeySHA256: strings.ToUpper(keyDigest("key-u"))},
	}, envKeyDigests(func(string) string { return " key-e1 ,, key-a ,key-e2" }),
		func(string, int) *tokenBucket { return nil })
	for _, tc := range []struct{ key, want string }{
		{"key-a", "a"}, // in the config and in NEXUS_API_KEYS: the config wins
		{"key-u", "upper"},
		{"key-e1", "env-1"},
		{"key-e2", "env-3"},
		{"key-b", ""},
		{"", ""},
		{" key-a", ""},
	} {
		if got := cs.lookup(tc.key).nameOf(); got != tc.want {
			t.Errorf("lookup(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
	for _, tc := range []struct {
		h    http.Header
		want string
	}{
		{http.Header{"Authorization": {"Bearer k1"}}, "k1"},
		{http.Header{"Authorization": {"bearer  k1 "}}, "k1"},
		{http.Header{"X-Api-Key": {"k2"}, "Authorization": {"Bearer k1"}}, "k2"},
		{http.Header{"Authorization": {"Basic k1"}}, ""},
	} {
		if got := requestKey(tc.h); got != tc.want {
			t.Errorf("requestKey(%v) = %q, want %q", tc.h, got, tc.want)
		}
	}
}

// TestClientMessagesAndModels: /v1/messages answers a refused model in the
// Anthropic envelope; /v1/models lists only what the client may call.
func TestClientMessagesAndModels(t *testing.T) {
	f := newFleet(t)
	f.cfg.Aliases = map[string]string{"llama-smart": "gpt-4o", "fast": "llama3"}
	f.cfg.Clients = []ClientConfig{clientEntry("ci-bot", keyCIBot, func(c *ClientConfig) {
		c.Models = []string{"llama*", "fast"}
	})}
	n := startNexus(t, f.cfg, f.env)
	resp := n.post(t, "/v1/messages", `{"model":"gpt-4o","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`,
		"x-api-key", keyCIBot)
	body := readAll(t, resp)
	if resp.StatusCode != 403 || !strings.HasPrefix(body, `{"type":"error","error":{"type":"permission_error"`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	resp = n.post(t, "/v1/messages/count_tokens", `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`,
		"x-api-key", keyCIBot)
	if body := readAll(t, resp); resp.StatusCode != 403 || !strings.Contains(body, "permission_error") {
		t.Fatalf("count_tokens: %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("GET", n.URL+"/v1/models", nil)
	req.Header.Set("Authorization", "Bearer "+keyCIBot)
	r, err := n.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Data []struct{ ID string } }
	json.Unmarshal([]byte(readAll(t, r)), &list)
	var ids []string
	for _, m := range list.Data {
		ids = append(ids, m.ID)
	}
	if strings.Join(ids, ",") != "fast,llama3" { // not llama-smart: its target is gpt-4o
		t.Fatalf("models listed for ci-bot: %v", ids)
	}
	req, _ = http.NewRequest("GET", n.URL+"/v1/models/gpt-4o", nil)
	req.Header.Set("Authorization", "Bearer "+keyCIBot)
	if r, _ := n.Client().Do(req); r.StatusCode != 403 {
		t.Fatalf("GET /v1/models/gpt-4o: %d", r.StatusCode)
	}
}
