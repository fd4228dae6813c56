// harness_test.go: shared test scaffolding — configs with defaults, a Nexus
// under httptest, and mock backends that speak the OpenAI wire format.
package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// testConfig is a config with every default set, as parseConfig would.
func testConfig(bs ...BackendConfig) *Config {
	return &Config{
		Listen:        "127.0.0.1:0",
		HealthCheck:   HealthCheckConfig{Interval: time.Hour, Timeout: 2 * time.Second},
		Timeouts:      TimeoutsConfig{Connect: 2 * time.Second, FirstByte: 5 * time.Second, StreamIdle: 5 * time.Second, Request: 30 * time.Second},
		Queue:         QueueConfig{MaxWaiting: 16, Timeout: 5 * time.Second},
		MaxBodyBytes:  1 << 20,
		ShutdownGrace: 5 * time.Second,
		Backends:      bs,
		Aliases:       map[string]string{},
		Fallbacks:     map[string][]string{},
		Pricing:       map[string]Price{},
	}
}

// localBE is a generic local backend with SPEC defaults.
func localBE(name, url string, models ...string) BackendConfig {
	return BackendConfig{Name: name, Type: "generic", URL: strings.TrimSuffix(url, "/"), Zone: "restricted",
		Tier: 3, Priority: 50, Models: models}
}

// cloudBE is an openai-type backend; url is its API base.
func cloudBE(name, url, keyEnv string, models ...string) BackendConfig {
	return BackendConfig{Name: name, Type: "openai", URL: strings.TrimSuffix(url, "/"), APIKeyEnv: keyEnv,
		Zone: "open", Tier: 3, Priority: 100, Models: models}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testNexus is a running Nexus for one test.
type testNexus struct {
	*httptest.Server
	s    *server
	logs *syncBuffer
}

// startNexus runs a Nexus for cfg; prepare, when given, adjusts the server
// before it installs cfg (an injected clock, restored spend).
func startNexus(t testing.TB, cfg *Config, env map[string]string, prepare ...func(*server)) *testNexus {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newServer(log, func(k string) string { return env[k] })
	for _, p := range prepare {
		p(s)
	}
	s.install(cfg)
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = newHTTPServer("", s.handler(), log) // the production limits
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		s.close()
	})
	return &testNexus{Server: ts, s: s, logs: logs}
}

// post sends a JSON body to Nexus.
func (n *testNexus) post(t testing.TB, path, body string, hdr ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", n.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := n.Client().Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return resp
}

func readAll(t testing.TB, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(b)
}

// seenRequest is what a mock backend received.
type seenRequest struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// mockBackend is an httptest server that records requests and answers with
// a per-test handler; GET /models and /v1/models list its models.
type mockBackend struct {
	*httptest.Server
	mu     sync.Mutex
	seen   []seenRequest
	models []string
	handle func(w http.ResponseWriter, r *http.Request, body []byte)
}

func newMock(t testing.TB, models []string, handle func(w http.ResponseWriter, r *http.Request, body []byte)) *mockBackend {
	m := &mockBackend{models: models, handle: handle}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m.mu.Lock()
		m.seen = append(m.seen, seenRequest{r.Method, r.URL.Path, r.Header.Clone(), body})
		m.mu.Unlock()
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/models") {
			var sb strings.Builder
			sb.WriteString(`{"object":"list","data":[`)
			for i, id := range m.models {
				if i > 0 {
					sb.WriteString(",")
				}
				sb.WriteString(`{"id":"` + id + `","object":"model","created":1,"owned_by":"mock"}`)
			}
			sb.WriteString(`]}`)
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, sb.String())
			return
		}
		m.handle(w, r, body)
	}))
	t.Cleanup(m.Close)
	return m
}

func (m *mockBackend) posts() []seenRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []seenRequest
	for _, s := range m.seen {
		if s.Method == http.MethodPost {
			out = append(out, s)
		}
	}
	return out
}

// chatJSON is a canned OpenAI chat.completion, deliberately formatted
// oddly so that any re-encoding would show.
const chatJSON = `{"id":"chatcmpl-1",  "object":"chat.completion","created":1700000000,"model":"m1",
 "choices":[{"index":0,"message":{"role":"assistant","content":"h\u00e9llo <b>"},"finish_reason":"stop"}],
 "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}`

// answerJSON returns a handler that always answers body with status.
func answerJSON(status int, body string) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// sseHandler streams events, flushing each; before event i it waits on
// gates[i] if present (so tests can hold events back).
func sseHandler(events []string, gates map[int]chan struct{}) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		for i, ev := range events {
			if g, ok := gates[i]; ok {
				select {
				case <-g:
				case <-r.Context().Done():
					return
				}
			}
			io.WriteString(w, ev)
			w.(http.Flusher).Flush()
		}
	}
}

func ctxTimeout(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func discardLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
