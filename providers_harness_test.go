// providers_harness_test.go: scaffolding for the end-to-end provider tests
// (provider_anthropic_test.go, provider_google_test.go,
// provider_messages_test.go, cost_gateway_test.go): mock Anthropic and Gemini
// servers that record whole requests (query included), backend configs, SSE
// framing in each provider's wire format, and client-side readers.
package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// provRequest is one request a provider mock received.
type provRequest struct {
	Method, Path, RawQuery, RequestURI string
	Header                             http.Header
	Body                               []byte
}

// provMock is a provider mock: GET requests go to list (model discovery),
// everything else to handle. It records every request.
type provMock struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []provRequest
}

func newProvMock(t testing.TB, list http.HandlerFunc, handle func(w http.ResponseWriter, r *http.Request, body []byte)) *provMock {
	t.Helper()
	m := &provMock{}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m.mu.Lock()
		m.reqs = append(m.reqs, provRequest{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			RequestURI: r.RequestURI, Header: r.Header.Clone(), Body: body})
		m.mu.Unlock()
		if r.Method == http.MethodGet {
			list(w, r)
			return
		}
		handle(w, r, body)
	}))
	t.Cleanup(m.Close)
	return m
}

// requests returns the recorded requests with the given method.
func (m *provMock) requests(method string) []provRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []provRequest
	for _, r := range m.reqs {
		if r.Method == method {
			out = append(out, r)
		}
	}
	return out
}

// onlyPost returns the single POST the mock received, failing otherwise.
func (m *provMock) onlyPost(t testing.TB) provRequest {
	t.Helper()
	posts := m.requests(http.MethodPost)
	if len(posts) != 1 {
		t.Fatalf("mock received %d POSTs, want 1", len(posts))
	}
	return posts[0]
}

// anthropicBE is an anthropic backend with SPEC cloud defaults.
func anthropicBE(name, url, keyEnv string, models ...string) BackendConfig {
	return BackendConfig{Name: name, Type: "anthropic", URL: url, APIKeyEnv: keyEnv, Zone: "open",
		Tier: 3, Priority: 100, Models: models}
}

// googleBE is a google backend with SPEC cloud defaults.
func googleBE(name, url, keyEnv string, models ...string) BackendConfig {
	return BackendConfig{Name: name, Type: "google", URL: url, APIKeyEnv: keyEnv, Zone: "open",
		Tier: 3, Priority: 100, Models: models}
}

// anthropicModelsPage answers GET /v1/models the way Anthropic does (one
// page, has_more false).
func anthropicModelsPage(ids ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var sb strings.Builder
		sb.WriteString(`{"data":[`)
		for i, id := range ids {
			if i > 0 {
				sb.WriteString(",")
			}
			sb.WriteString(`{"type":"model","id":"` + id + `","display_name":"` + id + `","created_at":"2025-09-29T00:00:00Z"}`)
		}
		first, last := "", ""
		if len(ids) > 0 {
			first, last = ids[0], ids[len(ids)-1]
		}
		sb.WriteString(`],"has_more":false,"first_id":"` + first + `","last_id":"` + last + `"}`)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, sb.String())
	}
}

// geminiModelEntry is one models.list entry: "models/<id>" with its
// supportedGenerationMethods.
func geminiModelEntry(id string, methods ...string) string {
	ms, _ := json.Marshal(methods)
	return `{"name":"models/` + id + `","version":"001","displayName":"` + id +
		`","inputTokenLimit":1048576,"outputTokenLimit":65536,"supportedGenerationMethods":` + string(ms) + `}`
}

// geminiModelsPage answers GET /v1beta/models with chat models only.
func geminiModelsPage(ids ...string) http.HandlerFunc {
	entries := make([]string, len(ids))
	for i, id := range ids {
		entries[i] = geminiModelEntry(id, "generateContent", "countTokens")
	}
	body := `{"models":[` + strings.Join(entries, ",") + `]}`
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}
}

// anthSSE frames one Anthropic stream event ("event:" name + data).
func anthSSE(name, data string) string { return "event: " + name + "\ndata: " + data + "\n\n" }

// geminiSSE frames one Gemini alt=sse event (Google separates events with CRLF).
func geminiSSE(data string) string { return "data: " + data + "\r\n\r\n" }

// oaiSSE frames one OpenAI stream event.
func oaiSSE(data string) string { return "data: " + data + "\n\n" }

// clientCredentialHeaders are what a client sends as its own credentials;
// none may reach a backend.
var clientCredentialHeaders = []string{"Authorization", "Bearer client-secret-1", "X-Api-Key", "client-secret-2"}

// pinTranslatorClocks fixes "created" and Gemini's random ids for one test
// (tests in this package do not run in parallel).
func pinTranslatorClocks(t testing.TB) {
	t.Helper()
	oldNow, oldRand := nowUnix, randomHex
	nowUnix = func() int64 { return 1700000000 }
	randomHex = func(n int) string { return strings.Repeat("ab", n) }
	t.Cleanup(func() { nowUnix, randomHex = oldNow, oldRand })
}

// postCtx sends a JSON body to Nexus with a 10-second deadline, so a
// gateway that stops flushing fails the test instead of hanging it.
func postCtx(t testing.TB, n *testNexus, path, body string, hdr ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctxTimeout(t), "POST", n.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := n.Client().Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return resp
}

// readFirstThenRelease reads exactly the first translated frame while the
// mock still holds the rest of the stream behind gate, then releases it and
// returns the whole body. It proves the gateway flushed that frame on its own.
func readFirstThenRelease(t testing.TB, resp *http.Response, first string, gate chan struct{}) string {
	t.Helper()
	defer resp.Body.Close()
	release := sync.OnceFunc(func() { close(gate) })
	defer release()
	buf := make([]byte, len(first))
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatalf("reading the first frame while the backend holds the rest: %v (got %q)", err, buf)
	}
	if string(buf) != first {
		t.Fatalf("first frame\n got %q\nwant %q", buf, first)
	}
	release()
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the rest of the stream: %v", err)
	}
	return string(buf) + string(rest)
}

// clientEvent is one SSE event as a client parses it.
type clientEvent struct{ Name, Data string }

// parseClientSSE splits a client-side stream into events (LF framing, as
// Nexus writes it).
func parseClientSSE(t testing.TB, body string) []clientEvent {
	t.Helper()
	if !strings.HasSuffix(body, "\n\n") {
		t.Fatalf("stream does not end with a blank line: %q", body)
	}
	var out []clientEvent
	for _, block := range strings.Split(strings.TrimSuffix(body, "\n\n"), "\n\n") {
		var ev clientEvent
		for _, line := range strings.Split(block, "\n") {
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.Name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.Data = strings.TrimPrefix(line, "data: ")
			default:
				t.Fatalf("unexpected line %q in stream %q", line, body)
			}
		}
		out = append(out, ev)
	}
	return out
}

// wantNexusHeaders checks the routing headers of a proxied answer.
// zone "" means the header must be absent.
func wantNexusHeaders(t testing.TB, resp *http.Response, backend, kind, reason, zone string) {
	t.Helper()
	want := map[string]string{hdrBackend: backend, hdrBackendType: kind, hdrRouteReason: reason, hdrZone: zone}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if resp.Header.Get(hdrRequestID) == "" {
		t.Errorf("%s missing", hdrRequestID)
	}
}

// jsonEqual reports whether two JSON documents hold the same values.
func jsonEqual(t testing.TB, got []byte, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("not JSON: %v: %s", err, got)
		return false
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation JSON: %v: %s", err, want)
	}
	return reflect.DeepEqual(g, w)
}

// compactWant compacts a hand-written JSON expectation.
func compactWant(t testing.TB, s string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(s)); err != nil {
		t.Fatalf("bad expectation JSON: %v\n%s", err, s)
	}
	return buf.String()
}

// wantJSONAnswer checks a 200 JSON answer whose body is the compact form of
// want, and returns it.
func wantJSONAnswer(t testing.TB, resp *http.Response, want string) string {
	t.Helper()
	body := readAll(t, resp)
	if want := compactWant(t, want); resp.StatusCode != 200 || body != want {
		t.Fatalf("status %d body\n got %s\nwant %s", resp.StatusCode, body, want)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	return body
}

// wantStream checks a 200 event stream with the given Nexus headers whose
// first frames are want[0] (read before gate is released) and whose whole
// body is want joined; it returns the body.
func wantStream(t testing.TB, resp *http.Response, gate chan struct{}, want []string, backend, kind, reason, zone string) string {
	t.Helper()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		close(gate)
		t.Fatalf("status %d Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	wantNexusHeaders(t, resp, backend, kind, reason, zone)
	body := readFirstThenRelease(t, resp, want[0], gate)
	if w := strings.Join(want, ""); body != w {
		t.Fatalf("stream\n got %q\nwant %q", body, w)
	}
	return body
}

// wantPagedDiscovery checks that backend name is healthy with models (comma
// separated) after two discovery pages at path with the given queries, and
// returns the discovery requests.
func wantPagedDiscovery(t testing.TB, n *testNexus, mock *provMock, name, models, path, q1, q2 string) []provRequest {
	t.Helper()
	if h := healthOf(t, n, name); h.State != "healthy" || strings.Join(h.Models, ",") != models {
		t.Fatalf("health %+v", h)
	}
	gets := mock.requests(http.MethodGet)
	if len(gets) != 2 || gets[0].Path != path || gets[0].RawQuery != q1 || gets[1].RawQuery != q2 {
		t.Fatalf("discovery requests %+v", gets)
	}
	return gets
}

// healthEntry is one backend of GET /health.
type healthEntry struct {
	Name   string   `json:"name"`
	State  string   `json:"state"`
	Reason string   `json:"reason"`
	Models []string `json:"models"`
}

// healthOf returns the /health entry of backend name.
func healthOf(t testing.TB, n *testNexus, name string) healthEntry {
	t.Helper()
	resp, err := n.Client().Get(n.URL + "/health")
	if err != nil {
		t.Fatalf("GET /health: %v", err)
	}
	var v struct {
		Backends []healthEntry `json:"backends"`
	}
	if err := json.Unmarshal([]byte(readAll(t, resp)), &v); err != nil {
		t.Fatalf("/health: %v", err)
	}
	for _, b := range v.Backends {
		if b.Name == name {
			return b
		}
	}
	t.Fatalf("/health has no backend %q", name)
	return healthEntry{}
}

// wantUpstreamAuth checks that an upstream request carried exactly the
// backend's own credentials header (name = value) and none of the client's.
func wantUpstreamAuth(t testing.TB, r provRequest, name, value string, clientSecrets ...string) {
	t.Helper()
	if got := r.Header.Values(name); len(got) != 1 || got[0] != value {
		t.Errorf("%s %s: %s = %q, want [%q]", r.Method, r.Path, name, got, value)
	}
	for _, h := range []string{"Authorization", "Cookie"} {
		if v := r.Header.Get(h); v != "" && !strings.EqualFold(h, name) {
			t.Errorf("%s %s: %s reached the backend: %q", r.Method, r.Path, h, v)
		}
	}
	for k, vv := range r.Header {
		for _, v := range vv {
			for _, s := range clientSecrets {
				if strings.Contains(v, s) {
					t.Errorf("%s %s: client secret %q reached the backend in %s", r.Method, r.Path, s, k)
				}
			}
		}
	}
	if strings.Contains(r.RequestURI, value) {
		t.Errorf("%s: the backend key is in the URL", r.RequestURI)
	}
}
