// provider_anthropic_test.go: an OpenAI client on an Anthropic backend, end
// to end through the gateway — translated answers and streams, auth headers,
// model discovery, failover on a stream's first event, mid-stream errors,
// provider errors and untranslatable answers.
package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

const (
	anthKeyEnv = "ANTHROPIC_KEY"
	// anthKey has no well-known key prefix, so only scrubbing by value can
	// hide it.
	anthKey = "anthkey-0123456789abcdef"
)

var anthEnv = map[string]string{anthKeyEnv: anthKey}

const anthChatReq = `{"model":"claude-sonnet-4-5","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],"max_tokens":100}`

// startAnthropic runs Nexus with one Anthropic backend "claude" serving
// claude-sonnet-4-5, answering POSTs with handle.
func startAnthropic(t *testing.T, handle func(http.ResponseWriter, *http.Request, []byte)) (*testNexus, *provMock) {
	t.Helper()
	mock := newProvMock(t, anthropicModelsPage("claude-sonnet-4-5"), handle)
	n := startNexus(t, testConfig(anthropicBE("claude", mock.URL, anthKeyEnv, "claude-sonnet-4-5")), anthEnv)
	return n, mock
}

// wantAnthropicUpstream checks what an Anthropic backend must receive.
func wantAnthropicUpstream(t *testing.T, r provRequest) {
	t.Helper()
	if r.Path != "/v1/messages" || r.RawQuery != "" {
		t.Errorf("upstream URL %s", r.RequestURI)
	}
	wantUpstreamAuth(t, r, "X-Api-Key", anthKey, "client-secret-1", "client-secret-2")
	if got := r.Header.Values("Anthropic-Version"); len(got) != 1 || got[0] != "2023-06-01" {
		t.Errorf("anthropic-version = %q", got)
	}
	if v := r.Header.Get("Authorization"); v != "" {
		t.Errorf("Authorization sent to Anthropic: %q", v)
	}
}

func TestAnthropicChatNonStreaming(t *testing.T) {
	pinTranslatorClocks(t)
	tests := []struct {
		name, answer, want string
	}{
		{"text",
			`{"id":"msg_013Zva2CMHLNnXjNJJKqJ2EF","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
			  "content":[{"type":"text","text":"Hi! My name is Claude."}],"stop_reason":"end_turn","stop_sequence":null,
			  "usage":{"input_tokens":2095,"output_tokens":503}}`,
			`{"id":"chatcmpl-msg_013Zva2CMHLNnXjNJJKqJ2EF","object":"chat.completion","created":1700000000,
			  "model":"claude-sonnet-4-5-20250929",
			  "choices":[{"index":0,"message":{"role":"assistant","content":"Hi! My name is Claude."},"logprobs":null,"finish_reason":"stop"}],
			  "usage":{"prompt_tokens":2095,"completion_tokens":503,"total_tokens":2598,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`},
		{"text and tool call",
			`{"id":"msg_01Aq9w938a90dw8q","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
			  "content":[{"type":"text","text":"Let me check."},
			             {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"location": "Paris, FR", "unit":"c"}}],
			  "stop_reason":"tool_use","stop_sequence":null,
			  "usage":{"input_tokens":300,"cache_read_input_tokens":100,"cache_creation_input_tokens":20,"output_tokens":40}}`,
			`{"id":"chatcmpl-msg_01Aq9w938a90dw8q","object":"chat.completion","created":1700000000,
			  "model":"claude-sonnet-4-5-20250929",
			  "choices":[{"index":0,"message":{"role":"assistant","content":"Let me check.",
			    "tool_calls":[{"id":"toolu_01A09q90qw90lq917835lq9","type":"function",
			      "function":{"name":"get_weather","arguments":"{\"location\":\"Paris, FR\",\"unit\":\"c\"}"}}]},
			    "logprobs":null,"finish_reason":"tool_calls"}],
			  "usage":{"prompt_tokens":420,"completion_tokens":40,"total_tokens":460,"prompt_tokens_details":{"cached_tokens":100},"completion_tokens_details":{"reasoning_tokens":0}}}`},
		{"tool call only, max_tokens",
			`{"id":"msg_02","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
			  "content":[{"type":"tool_use","id":"toolu_02","name":"lookup","input":{}}],
			  "stop_reason":"max_tokens","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":100}}`,
			`{"id":"chatcmpl-msg_02","object":"chat.completion","created":1700000000,"model":"claude-sonnet-4-5-20250929",
			  "choices":[{"index":0,"message":{"role":"assistant","content":null,
			    "tool_calls":[{"id":"toolu_02","type":"function","function":{"name":"lookup","arguments":"{}"}}]},
			    "logprobs":null,"finish_reason":"length"}],
			  "usage":{"prompt_tokens":10,"completion_tokens":100,"total_tokens":110,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, mock := startAnthropic(t, answerJSON(200, tc.answer))
			resp := n.post(t, "/v1/chat/completions", anthChatReq, clientCredentialHeaders...)
			body := readAll(t, resp)
			if resp.StatusCode != 200 || body != compactWant(t, tc.want) {
				t.Fatalf("status %d body\n got %s\nwant %s", resp.StatusCode, body, compactWant(t, tc.want))
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			wantNexusHeaders(t, resp, "claude", "cloud", reasonCapability, "open")
			up := mock.onlyPost(t)
			wantAnthropicUpstream(t, up)
			want := `{"model":"claude-sonnet-4-5","max_tokens":100,"system":"Be brief.",
			  "messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],"stream":false}`
			if !jsonEqual(t, up.Body, want) {
				t.Errorf("upstream body\n got %s\nwant %s", up.Body, want)
			}
			if strings.Contains(n.logs.String(), anthKey) {
				t.Errorf("the backend key is in the logs")
			}
		})
	}
}

// anthStreamStart is Anthropic's message_start for the stream tests.
const anthStreamStart = `{"type":"message_start","message":{"id":"msg_01S","type":"message","role":"assistant","content":[],` +
	`"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}`

// anthWireToolStream is a text block then a tool_use block whose input arrives
// as input_json_delta fragments, as Anthropic streams it.
var anthWireToolStream = []string{
	anthSSE("message_start", anthStreamStart),
	anthSSE("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`),
	anthSSE("ping", `{"type": "ping"}`),
	anthSSE("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking"}}`),
	anthSSE("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" the \"weather\"."}}`),
	anthSSE("content_block_stop", `{"type":"content_block_stop","index":0}`),
	anthSSE("content_block_start", `{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}`),
	anthSSE("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}`),
	anthSSE("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\":"}}`),
	anthSSE("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"Paris\"}"}}`),
	anthSSE("content_block_stop", `{"type":"content_block_stop","index":1}`),
	anthSSE("message_delta", `{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}`),
	anthSSE("message_stop", `{"type":"message_stop"}`),
}

// anthWireTextStream is a plain text answer.
var anthWireTextStream = []string{
	anthSSE("message_start", anthStreamStart),
	anthSSE("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`),
	anthSSE("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`),
	anthSSE("content_block_stop", `{"type":"content_block_stop","index":0}`),
	anthSSE("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}`),
	anthSSE("message_stop", `{"type":"message_stop"}`),
}

// oaChunk is an OpenAI chunk of the translated Anthropic stream msg_01S;
// choices is the JSON after "choices":.
func oaChunk(choices string) string {
	return `data: {"id":"chatcmpl-msg_01S","object":"chat.completion.chunk","created":1700000000,` +
		`"model":"claude-sonnet-4-5-20250929","choices":` + choices + "}\n\n"
}

func TestAnthropicChatStreaming(t *testing.T) {
	pinTranslatorClocks(t)
	role := `[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]`
	tests := []struct {
		name, req string
		events    []string
		want      []string
	}{
		{"text and tool call", `{"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"Weather in Paris?"}]}`,
			anthWireToolStream, []string{
				oaChunk(role),
				oaChunk(`[{"index":0,"delta":{"content":"Checking"},"logprobs":null,"finish_reason":null}]`),
				oaChunk(`[{"index":0,"delta":{"content":" the \"weather\"."},"logprobs":null,"finish_reason":null}]`),
				oaChunk(`[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}]`),
				oaChunk(`[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"location\":"}}]},"logprobs":null,"finish_reason":null}]`),
				oaChunk(`[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":" \"Paris\"}"}}]},"logprobs":null,"finish_reason":null}]`),
				oaChunk(`[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]`),
				"data: [DONE]\n\n",
			}},
		{"include_usage", `{"model":"claude-sonnet-4-5","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}`,
			anthWireTextStream, []string{
				strings.Replace(oaChunk(role), "}]}", `}],"usage":null}`, 1),
				strings.Replace(oaChunk(`[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]`), "}]}", `}],"usage":null}`, 1),
				strings.Replace(oaChunk(`[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]`), "}]}", `}],"usage":null}`, 1),
				oaChunk(`[],"usage":{"prompt_tokens":25,"completion_tokens":2,"total_tokens":27,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}`),
				"data: [DONE]\n\n",
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gate := make(chan struct{})
			n, mock := startAnthropic(t, sseHandler(tc.events, map[int]chan struct{}{1: gate}))
			resp := postCtx(t, n, "/v1/chat/completions", tc.req, clientCredentialHeaders...)
			wantStream(t, resp, gate, tc.want, "claude", "cloud", reasonCapability, "open")
			up := mock.onlyPost(t)
			wantAnthropicUpstream(t, up)
			if !strings.Contains(string(up.Body), `"stream":true`) || strings.Contains(string(up.Body), "stream_options") {
				t.Errorf("upstream body %s", up.Body)
			}
		})
	}
}

func TestAnthropicModelDiscoveryPaging(t *testing.T) {
	mock := newProvMock(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("after_id") == "" {
			io.WriteString(w, `{"data":[{"type":"model","id":"claude-sonnet-4-5-20250929","display_name":"Claude Sonnet 4.5","created_at":"2025-09-29T00:00:00Z"}],`+
				`"has_more":true,"first_id":"claude-sonnet-4-5-20250929","last_id":"claude-sonnet-4-5-20250929"}`)
			return
		}
		io.WriteString(w, `{"data":[{"type":"model","id":"claude-haiku-4-5-20251001","display_name":"Claude Haiku 4.5","created_at":"2025-10-01T00:00:00Z"}],`+
			`"has_more":false,"first_id":"claude-haiku-4-5-20251001","last_id":"claude-haiku-4-5-20251001"}`)
	}, answerJSON(200, `{"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}`))
	n := startNexus(t, testConfig(anthropicBE("claude", mock.URL, anthKeyEnv)), anthEnv)

	gets := wantPagedDiscovery(t, n, mock, "claude", "claude-sonnet-4-5-20250929,claude-haiku-4-5-20251001",
		"/v1/models", "limit=1000", "limit=1000&after_id=claude-sonnet-4-5-20250929")
	for _, g := range gets {
		wantUpstreamAuth(t, g, "X-Api-Key", anthKey)
		if v := g.Header.Get("Anthropic-Version"); v != "2023-06-01" {
			t.Errorf("anthropic-version %q", v)
		}
	}
	resp, err := n.Client().Get(n.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	list := readAll(t, resp)
	for _, id := range []string{"claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"} {
		if !strings.Contains(list, `{"id":"`+id+`","object":"model",`) || !strings.Contains(list, `"owned_by":"anthropic"`) {
			t.Errorf("/v1/models lacks %s: %s", id, list)
		}
	}
	// The model from the second page is routable.
	resp = n.post(t, "/v1/chat/completions", `{"model":"claude-haiku-4-5-20251001","messages":[{"role":"user","content":"hi"}]}`)
	body := readAll(t, resp)
	if resp.StatusCode != 200 || resp.Header.Get(hdrBackend) != "claude" {
		t.Fatalf("status %d %s", resp.StatusCode, body)
	}
}

func TestAnthropicStreamErrorEvents(t *testing.T) {
	pinTranslatorClocks(t)
	overloaded := anthSSE("error", `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)
	req := `{"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"Hi"}]}`
	role := oaChunk(`[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]`)
	hello := oaChunk(`[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]`)
	stop := oaChunk(`[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]`)

	t.Run("first event error fails over", func(t *testing.T) {
		anthFirstEventFailover(t, "first", overloaded, req, role+hello+stop+"data: [DONE]\n\n")
	})
	t.Run("first event error on the only backend", func(t *testing.T) {
		n, _ := startAnthropic(t, sseHandler([]string{overloaded}, nil))
		resp := postCtx(t, n, "/v1/chat/completions", req)
		body := readAll(t, resp)
		want := `{"error":{"message":"Overloaded","type":"service_unavailable","param":null,"code":"overloaded_error"}}`
		if resp.StatusCode != 503 || body != want {
			t.Fatalf("status %d body %s", resp.StatusCode, body)
		}
		wantNexusHeaders(t, resp, "claude", "cloud", reasonCapability, "open")
	})
	t.Run("mid-stream error becomes one error event", func(t *testing.T) {
		events := []string{anthWireTextStream[0], anthWireTextStream[1], anthWireTextStream[2],
			anthSSE("error", `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded for key `+anthKey+`"}}`),
			anthWireTextStream[3], anthWireTextStream[4], anthWireTextStream[5]}
		gate := make(chan struct{})
		n, _ := startAnthropic(t, sseHandler(events, map[int]chan struct{}{1: gate}))
		resp := postCtx(t, n, "/v1/chat/completions", req)
		body := readFirstThenRelease(t, resp, role, gate)
		want := role + hello +
			`data: {"error":{"message":"Overloaded for key [redacted]","type":"service_unavailable","param":null,"code":"overloaded_error"}}` + "\n\n"
		if resp.StatusCode != 200 || body != want {
			t.Fatalf("status %d\n got %q\nwant %q", resp.StatusCode, body, want)
		}
	})
}

// A stream event that cannot be translated is an untranslatable answer
// (SPEC §8): a 502 naming the backend with the raw event, and the backend is
// unhealthy until its next good check. Before the first byte Nexus fails over.
func TestAnthropicStreamUntranslatable(t *testing.T) {
	pinTranslatorClocks(t)
	req := `{"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"Hi"}]}`
	garbage := anthSSE("message_start", `{"type":"message_start","message":`)
	role := oaChunk(`[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]`)
	hello := oaChunk(`[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]`)
	stop := oaChunk(`[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]`)
	const envelope = `{"error":{"message":"backend claude sent an answer Nexus cannot translate: {\"type\":\"message_start\",\"message\":","type":"api_error","param":null,"code":"bad_upstream_answer"}}`

	t.Run("first event, only backend", func(t *testing.T) {
		n, _ := startAnthropic(t, sseHandler([]string{garbage}, nil))
		resp := postCtx(t, n, "/v1/chat/completions", req)
		body := readAll(t, resp)
		if resp.StatusCode != 502 || body != envelope {
			t.Fatalf("status %d body\n got %s\nwant %s", resp.StatusCode, body, envelope)
		}
		wantNexusHeaders(t, resp, "claude", "cloud", reasonCapability, "open")
		if h := healthOf(t, n, "claude"); h.State != "unhealthy" || h.Reason != "untranslatable answer" {
			t.Errorf("health %+v", h)
		}
	})
	t.Run("first event fails over", func(t *testing.T) {
		n := anthFirstEventFailover(t, "claude", garbage, req, role+hello+stop+"data: [DONE]\n\n")
		if h := healthOf(t, n, "claude"); h.State != "unhealthy" {
			t.Errorf("health %+v", h)
		}
	})

	t.Run("mid-stream", func(t *testing.T) {
		events := []string{anthWireTextStream[0], anthWireTextStream[1], anthWireTextStream[2],
			anthSSE("content_block_delta", `{"type":"content_block_delta","index":0,"delta":`)}
		n, _ := startAnthropic(t, sseHandler(events, nil))
		resp := postCtx(t, n, "/v1/chat/completions", req)
		body := readAll(t, resp)
		want := role + hello + `data: {"error":{"message":"backend claude sent an answer Nexus cannot translate: ` +
			`{\"type\":\"content_block_delta\",\"index\":0,\"delta\":","type":"api_error","param":null,"code":"bad_upstream_answer"}}` + "\n\n"
		if resp.StatusCode != 200 || body != want {
			t.Fatalf("status %d\n got %q\nwant %q", resp.StatusCode, body, want)
		}
		if h := healthOf(t, n, "claude"); h.State != "unhealthy" || h.Reason != "untranslatable answer" {
			t.Errorf("health %+v", h)
		}
	})
}

func TestAnthropicProviderErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		header   map[string]string
		answer   string
		wantCode int
		wantBody string
		wantHdr  map[string]string
		state    string // backend state in /health afterwards
		reason   string
	}{
		{"429 keeps the provider's message", 429, map[string]string{"Retry-After": "30"},
			`{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit (key ` + anthKey + `)"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}`,
			429, `{"error":{"message":"backend claude is rate limited: Number of request tokens has exceeded your per-minute rate limit (key [redacted])","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}`,
			map[string]string{"Retry-After": "30"}, "healthy", "ok"},
		{"401 is a 502 naming the key variable", 401, nil,
			`{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key ` + anthKey + `"}}`,
			502, `{"error":{"message":"backend claude rejected Nexus's credentials (HTTP 401): check the key in environment variable ANTHROPIC_KEY","type":"api_error","param":null,"code":"backend_auth_failed"}}`,
			nil, "unhealthy", "auth_failed"},
		{"403 is a 502 naming the key variable", 403, nil,
			`{"type":"error","error":{"type":"permission_error","message":"Your API key does not have permission to use the specified resource."}}`,
			502, `{"error":{"message":"backend claude rejected Nexus's credentials (HTTP 403): check the key in environment variable ANTHROPIC_KEY","type":"api_error","param":null,"code":"backend_auth_failed"}}`,
			nil, "unhealthy", "auth_failed"},
		{"400 keeps the provider's status", 400, nil,
			`{"type":"error","error":{"type":"invalid_request_error","message":"messages: text content blocks must be non-empty"}}`,
			400, `{"error":{"message":"messages: text content blocks must be non-empty","type":"invalid_request_error","param":null,"code":null}}`,
			nil, "healthy", "ok"},
		{"untranslatable 200", 200, nil, `not json`,
			502, `{"error":{"message":"backend claude sent an answer Nexus cannot translate: not json","type":"api_error","param":null,"code":"bad_upstream_answer"}}`,
			nil, "unhealthy", "untranslatable answer"},
		{"untranslatable 200 quotes at most 4 KiB", 200, nil, strings.Repeat("x", 10000),
			502, `{"error":{"message":"backend claude sent an answer Nexus cannot translate: ` + strings.Repeat("x", 4096) + `","type":"api_error","param":null,"code":"bad_upstream_answer"}}`,
			nil, "unhealthy", "untranslatable answer"},
		{"200 that is JSON but not a message", 200, nil, `{"type":"completion","completion":"hi"}`,
			502, `{"error":{"message":"backend claude sent an answer Nexus cannot translate: {\"type\":\"completion\",\"completion\":\"hi\"}","type":"api_error","param":null,"code":"bad_upstream_answer"}}`,
			nil, "unhealthy", "untranslatable answer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, mock := startAnthropic(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				w.Header().Set("Content-Type", "application/json")
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.answer)
			})
			resp := n.post(t, "/v1/chat/completions", anthChatReq, clientCredentialHeaders...)
			body := readAll(t, resp)
			if resp.StatusCode != tc.wantCode || body != tc.wantBody {
				t.Fatalf("status %d body\n got %s\nwant %s", resp.StatusCode, body, tc.wantBody)
			}
			if strings.Contains(body, anthKey) {
				t.Errorf("the backend key reached the client")
			}
			for k, v := range tc.wantHdr {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			wantNexusHeaders(t, resp, "claude", "cloud", reasonCapability, "open")
			if resp.Header.Get(hdrCostEst) != "" {
				t.Errorf("an error answer carries a cost")
			}
			wantAnthropicUpstream(t, mock.onlyPost(t))
			if h := healthOf(t, n, "claude"); h.State != tc.state || h.Reason != tc.reason {
				t.Errorf("health state %q reason %q, want %q %q", h.State, h.Reason, tc.state, tc.reason)
			}
			if strings.Contains(n.logs.String(), anthKey) {
				t.Errorf("the backend key is in the logs")
			}
		})
	}
}

// anthFirstEventFailover runs a stream whose first backend (named first,
// preferred) answers with badEvent, and checks that the second one served
// the whole answer want.
func anthFirstEventFailover(t *testing.T, first, badEvent, req, want string) *testNexus {
	t.Helper()
	bad := newProvMock(t, anthropicModelsPage("claude-sonnet-4-5"), sseHandler([]string{badEvent}, nil))
	good := newProvMock(t, anthropicModelsPage("claude-sonnet-4-5"), sseHandler(anthWireTextStream, nil))
	be := anthropicBE(first, bad.URL, anthKeyEnv, "claude-sonnet-4-5")
	be.Priority = 10
	n := startNexus(t, testConfig(be, anthropicBE("second", good.URL, anthKeyEnv, "claude-sonnet-4-5")), anthEnv)
	resp := postCtx(t, n, "/v1/chat/completions", req)
	if body := readAll(t, resp); resp.StatusCode != 200 || body != want {
		t.Fatalf("status %d\n got %q\nwant %q", resp.StatusCode, body, want)
	}
	wantNexusHeaders(t, resp, "second", "cloud", reasonFailover, "open")
	bad.onlyPost(t)
	good.onlyPost(t)
	return n
}
