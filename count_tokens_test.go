// count_tokens_test.go: /v1/messages/count_tokens — asked of Anthropic
// backends, estimated with tiktoken otherwise.
package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestCountTokens(t *testing.T) {
	const req = `{"model":"MODEL","system":"You are terse.","messages":[{"role":"user","content":"Hello, world"}]}`
	t.Run("estimated for an OpenAI-compatible backend", func(t *testing.T) {
		mock := newMock(t, []string{"llama3"}, answerJSON(200, chatJSON))
		n := startNexus(t, testConfig(localBE("local", mock.URL)), nil)
		resp := n.post(t, "/v1/messages/count_tokens", strings.Replace(req, "MODEL", "llama3", 1))
		body := readAll(t, resp)
		// o200k_base: system "You are terse." (4) and user "Hello, world" (3),
		// 3 per message + role (1 each), plus 3 reply priming = 4+3+2*4+3 = 18.
		if resp.StatusCode != 200 || body != `{"input_tokens":18}` || resp.Header.Get(hdrTokenCount) != "estimate" ||
			resp.Header.Get(hdrBackend) != "local" {
			t.Fatalf("%d %s %v", resp.StatusCode, body, resp.Header)
		}
		if len(mock.posts()) != 0 {
			t.Fatalf("a local backend was called to count")
		}
	})
	t.Run("asked of an Anthropic backend", func(t *testing.T) {
		var seen http.Header
		mock := newMock(t, nil, nil)
		mock.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/v1/models":
				io.WriteString(w, `{"data":[{"type":"model","id":"claude-sonnet-4-5"}],"has_more":false,"first_id":"claude-sonnet-4-5","last_id":"claude-sonnet-4-5"}`)
			case "/v1/messages/count_tokens":
				seen = r.Header.Clone()
				io.WriteString(w, `{"input_tokens":21}`)
			default:
				w.WriteHeader(404)
			}
		})
		be := BackendConfig{Name: "claude", Type: "anthropic", URL: mock.URL, APIKeyEnv: "AK", Zone: "open", Tier: 5, Priority: 100}
		n := startNexus(t, testConfig(be), map[string]string{"AK": "sk-ant-test-key-123"})
		resp := n.post(t, "/v1/messages/count_tokens", strings.Replace(req, "MODEL", "claude-sonnet-4-5", 1),
			"x-api-key", "client-key", "anthropic-beta", "token-counting-2024-11-01")
		body := readAll(t, resp)
		if resp.StatusCode != 200 || body != `{"input_tokens":21}` || resp.Header.Get(hdrTokenCount) != "exact" {
			t.Fatalf("%d %s %v", resp.StatusCode, body, resp.Header)
		}
		if seen.Get("x-api-key") != "sk-ant-test-key-123" || seen.Get("anthropic-beta") != "token-counting-2024-11-01" ||
			seen.Get("Authorization") != "" {
			t.Fatalf("upstream headers %v", seen)
		}
	})
	t.Run("missing model is an Anthropic 400", func(t *testing.T) {
		n := startNexus(t, testConfig(), nil)
		resp := n.post(t, "/v1/messages/count_tokens", `{"messages":[]}`)
		body := readAll(t, resp)
		if resp.StatusCode != 400 || !strings.HasPrefix(body, `{"type":"error","error":{"type":"invalid_request_error"`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
}
