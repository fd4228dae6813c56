// health_test.go: active checks (discovery, missing keys, auth failures),
// passive health, and the /health, /ready and /v1/models endpoints.
package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func getJSONBody(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v: %s", url, err, b)
		}
	}
	return resp.StatusCode
}

type healthDoc struct {
	Status   string
	Version  string
	Backends []struct {
		Name, Type, State, Reason, Zone string
		BackendType                     string `json:"backend_type"`
		Models                          []string
		Tier, Priority                  int
	}
}

func TestHealthChecksAndDiscovery(t *testing.T) {
	up := newMock(t, []string{"llama3", "qwen"}, answerJSON(200, chatJSON))
	denied := newMock(t, nil, nil)
	denied.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	})
	ollama := newMock(t, nil, nil)
	ollama.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/tags" {
			io.WriteString(w, `{"models":[{"name":"llama3.2:3b","model":"llama3.2:3b","size":1}]}`)
			return
		}
		w.WriteHeader(404)
	})
	never := newMock(t, []string{"x"}, answerJSON(200, chatJSON))
	ol := localBE("ollama", ollama.URL)
	ol.Type = "ollama"
	cfg := testConfig(localBE("up", up.URL), cloudBE("denied", denied.URL, "DENIED_KEY"),
		cloudBE("nokey", never.URL, "MISSING_KEY"), ol)
	n := startNexus(t, cfg, map[string]string{"DENIED_KEY": "sk-deniedkey12345678"})

	var h healthDoc
	if st := getJSONBody(t, n.URL+"/health", &h); st != 200 || h.Status != "degraded" || h.Version == "" {
		t.Fatalf("health %d %+v", st, h)
	}
	want := map[string][2]string{
		"up":     {"healthy", "ok"},
		"denied": {"unhealthy", "auth_failed"},
		"nokey":  {"unhealthy", "environment variable MISSING_KEY is unset or empty"},
		"ollama": {"healthy", "ok"},
	}
	for _, b := range h.Backends {
		w := want[b.Name]
		if b.State != w[0] || b.Reason != w[1] {
			t.Errorf("%s: %s/%q, want %s/%q", b.Name, b.State, b.Reason, w[0], w[1])
		}
	}
	if h.Backends[0].BackendType != "local" || h.Backends[0].Tier != 3 || len(h.Backends[0].Models) != 2 {
		t.Errorf("backend detail %+v", h.Backends[0])
	}
	if h.Backends[3].Models[0] != "llama3.2:3b" {
		t.Errorf("ollama models %v", h.Backends[3].Models)
	}
	// The missing key was decided without a network call.
	if len(never.seen) != 0 {
		t.Errorf("nokey backend called its upstream")
	}
	var models struct {
		Object string
		Data   []struct{ ID, Object string }
	}
	getJSONBody(t, n.URL+"/v1/models", &models)
	var ids []string
	for _, m := range models.Data {
		ids = append(ids, m.ID)
	}
	if models.Object != "list" || strings.Join(ids, ",") != "llama3,llama3.2:3b,qwen" {
		t.Errorf("models %+v", models)
	}
	if st := getJSONBody(t, n.URL+"/v1/models/llama3.2:3b", nil); st != 200 {
		t.Errorf("model lookup %d", st)
	}
	if st := getJSONBody(t, n.URL+"/v1/models/absent", nil); st != 404 {
		t.Errorf("absent model %d", st)
	}
	if st := getJSONBody(t, n.URL+"/ready", nil); st != 200 {
		t.Errorf("ready %d", st)
	}
	logs := n.logs.String()
	if strings.Count(logs, `"backend":"denied","from":"unknown","to":"unhealthy"`) != 1 {
		t.Errorf("state change not logged exactly once:\n%s", logs)
	}
	if strings.Contains(logs, "sk-deniedkey12345678") {
		t.Errorf("key in logs")
	}
}

func TestReadyDownWhenNothingHealthy(t *testing.T) {
	n := startNexus(t, testConfig(cloudBE("nokey", "http://127.0.0.1:1", "NOPE")), nil)
	var h healthDoc
	if st := getJSONBody(t, n.URL+"/health", &h); st != 200 || h.Status != "down" {
		t.Fatalf("%d %+v", st, h)
	}
	if st := getJSONBody(t, n.URL+"/ready", nil); st != 503 {
		t.Fatalf("ready %d", st)
	}
}

func TestFallbackModel(t *testing.T) {
	mock := newMock(t, []string{"small"}, answerJSON(200, chatJSON))
	cfg := testConfig(localBE("local", mock.URL))
	cfg.Fallbacks["big"] = []string{"missing", "small"}
	n := startNexus(t, cfg, nil)
	resp := n.post(t, "/v1/chat/completions", `{"model":"big","messages":[]}`)
	readAll(t, resp)
	if resp.StatusCode != 200 || resp.Header.Get(hdrFallback) != "small" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	if got := string(mock.posts()[0].Body); got != `{"model":"small","messages":[]}` {
		t.Fatalf("upstream body %s", got)
	}
}

func TestProviderErrorsMapped(t *testing.T) {
	cases := []struct {
		name     string
		status   int
		body     string
		want     int
		contains string
	}{
		{"4xx passes status and message", 400, `{"error":{"message":"bad temperature","type":"invalid_request_error"}}`, 400, `"bad temperature"`},
		{"ollama string error", 404, `{"error":"model 'x' not found"}`, 404, `model 'x' not found`},
		{"429 after failover", 429, `{"error":{"message":"slow down"}}`, 429, "rate limited: slow down"},
		{"backend 401 is 502 naming key var", 401, `{"error":{"message":"Incorrect API key provided: sk-abcdefghijklmnop"}}`, 502, "BK_KEY"},
		{"5xx is 502", 503, `upstream exploded`, 502, "upstream exploded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mock := newMock(t, []string{"m1"}, answerJSON(c.status, c.body))
			n := startNexus(t, testConfig(cloudBE("bk", mock.URL, "BK_KEY")), map[string]string{"BK_KEY": "sk-abcdefghijklmnop"})
			resp := n.post(t, "/v1/chat/completions", chatReq)
			body := readAll(t, resp)
			if resp.StatusCode != c.want || !strings.Contains(body, c.contains) || !strings.HasPrefix(body, `{"error":{`) {
				t.Fatalf("got %d %s", resp.StatusCode, body)
			}
			if strings.Contains(body, "sk-abcdefghijklmnop") {
				t.Fatalf("key echoed: %s", body)
			}
			if resp.Header.Get(hdrBackend) != "bk" {
				t.Fatalf("headers %v", resp.Header)
			}
		})
	}
}

func TestEmbeddingsAndCompletionsPassthrough(t *testing.T) {
	mock := newMock(t, []string{"e1"}, answerJSON(200, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}],"model":"e1","usage":{"prompt_tokens":2,"total_tokens":2}}`))
	n := startNexus(t, testConfig(localBE("local", mock.URL)), nil)
	for _, c := range []struct{ path, body string }{
		{"/v1/embeddings", `{"model":"e1","input":"hello"}`},
		{"/v1/completions", `{"model":"e1","prompt":"hello","max_tokens":3}`},
	} {
		resp := n.post(t, c.path, c.body)
		readAll(t, resp)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", c.path, resp.StatusCode)
		}
	}
	posts := mock.posts()
	if posts[0].Path != "/v1/embeddings" || posts[1].Path != "/v1/completions" {
		t.Fatalf("paths %s %s", posts[0].Path, posts[1].Path)
	}
}

func TestPanicBecomes500(t *testing.T) {
	n := startNexus(t, testConfig(), nil)
	h := n.s.recoverer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") }))
	srv := newMock(t, nil, nil)
	srv.Config.Handler = h
	resp, err := http.Get(srv.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 500 || !strings.Contains(string(b), `"type":"server_error"`) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if !strings.Contains(n.logs.String(), "panic serving request") {
		t.Fatalf("panic not logged")
	}
}

func TestFallbackObeysItsOwnPolicy(t *testing.T) {
	mock := newMock(t, []string{"cloud-model"}, answerJSON(200, chatJSON))
	cfg := testConfig(cloudBE("cloud", mock.URL, "K"))
	cfg.Fallbacks["local-only"] = []string{"cloud-model"}
	cfg.Policies = []Policy{{Model: "cloud-*", Zone: "restricted"}}
	n := startNexus(t, cfg, map[string]string{"K": "k"})
	resp := n.post(t, "/v1/chat/completions", `{"model":"local-only","messages":[]}`)
	body := readAll(t, resp)
	if resp.StatusCode != 503 || len(mock.posts()) != 0 {
		t.Fatalf("fallback broke its policy: %d %s", resp.StatusCode, body)
	}
}
