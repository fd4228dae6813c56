// provider_messages_test.go: POST /v1/messages (the Anthropic Messages API
// inbound) end to end — translated onto an OpenAI-compatible backend (JSON
// and SSE), passed through byte-for-byte to an Anthropic backend, and the
// Anthropic error envelope for requests Nexus itself refuses.
package main

import (
	"net/http"
	"strings"
	"testing"
)

// msgsClientHeaders are what Claude Code / the Anthropic SDK send.
var msgsClientHeaders = []string{"X-Api-Key", "client-secret-1", "Anthropic-Version", "2023-01-01",
	"Anthropic-Beta", "prompt-caching-2024-07-31", "Anthropic-Beta", "token-efficient-tools-2025-02-19",
	"X-Request-Id", "req-msgs-1"}

// wantNoAnthropicHeaders checks that an OpenAI-compatible backend got none of
// the client's Anthropic protocol or credential headers.
func wantNoAnthropicHeaders(t *testing.T, h http.Header) {
	t.Helper()
	for _, k := range []string{"X-Api-Key", "Anthropic-Version", "Anthropic-Beta", "Authorization"} {
		if v := h.Values(k); len(v) > 0 {
			t.Errorf("%s reached the OpenAI-compatible backend: %q", k, v)
		}
	}
}

func TestMessagesOnOpenAIBackend(t *testing.T) {
	const req = `{"model":"m1","max_tokens":256,"system":"Be brief.","messages":[{"role":"user","content":"Weather in Paris?"}]}`
	const upstream = `{"model":"m1","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Weather in Paris?"}],"max_tokens":256}`
	tests := []struct{ name, answer, want string }{
		{"text",
			`{"id":"chatcmpl-abc123","object":"chat.completion","created":1700000000,"model":"m1",
			  "choices":[{"index":0,"message":{"role":"assistant","content":"Sunny, 21°C."},"logprobs":null,"finish_reason":"stop"}],
			  "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}`,
			`{"id":"msg_abc123","type":"message","role":"assistant","model":"m1","content":[{"type":"text","text":"Sunny, 21°C."}],
			  "stop_reason":"end_turn","stop_sequence":null,
			  "usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":3}}`},
		{"tool call",
			`{"id":"chatcmpl-def456","object":"chat.completion","created":1700000000,"model":"m1",
			  "choices":[{"index":0,"message":{"role":"assistant","content":null,
			    "tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Paris\"}"}}]},
			    "finish_reason":"tool_calls"}],
			  "usage":{"prompt_tokens":30,"completion_tokens":9,"total_tokens":39,"prompt_tokens_details":{"cached_tokens":16}}}`,
			`{"id":"msg_def456","type":"message","role":"assistant","model":"m1",
			  "content":[{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}}],
			  "stop_reason":"tool_use","stop_sequence":null,
			  "usage":{"input_tokens":14,"cache_creation_input_tokens":0,"cache_read_input_tokens":16,"output_tokens":9}}`},
		{"length",
			`{"id":"chatcmpl-g","object":"chat.completion","created":1700000000,"model":"m1",
			  "choices":[{"index":0,"message":{"role":"assistant","content":"Sun"},"finish_reason":"length"}],
			  "usage":{"prompt_tokens":12,"completion_tokens":256,"total_tokens":268}}`,
			`{"id":"msg_g","type":"message","role":"assistant","model":"m1","content":[{"type":"text","text":"Sun"}],
			  "stop_reason":"max_tokens","stop_sequence":null,
			  "usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":256}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mock := newMock(t, []string{"m1"}, answerJSON(200, tc.answer))
			n := startNexus(t, testConfig(localBE("local", mock.URL, "m1")), nil)
			resp := n.post(t, "/v1/messages", req, msgsClientHeaders...)
			wantJSONAnswer(t, resp, tc.want)
			wantNexusHeaders(t, resp, "local", "local", reasonCapability, "restricted")
			if got := resp.Header.Get(hdrRequestID); got != "req-msgs-1" {
				t.Errorf("X-Request-Id %q", got)
			}
			posts := mock.posts()
			if len(posts) != 1 || posts[0].Path != "/v1/chat/completions" {
				t.Fatalf("upstream %+v", posts)
			}
			if !jsonEqual(t, posts[0].Body, upstream) {
				t.Errorf("upstream body\n got %s\nwant %s", posts[0].Body, upstream)
			}
			wantNoAnthropicHeaders(t, posts[0].Header)
		})
	}
}

func TestMessagesStreamOnOpenAIBackend(t *testing.T) {
	const req = `{"model":"m1","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"Weather in Paris?"}]}`
	chunk := func(id, rest string) string {
		return oaiSSE(`{"id":"` + id + `","object":"chat.completion.chunk","created":1700000000,"model":"m1",` + rest + `}`)
	}
	start := func(id string) string {
		return anthSSE("message_start", `{"type":"message_start","message":{"id":"`+id+`","type":"message","role":"assistant","model":"m1",`+
			`"content":[],"stop_reason":null,"stop_sequence":null,`+
			`"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}}`)
	}
	tests := []struct {
		name   string
		events []string
		want   []string
	}{
		{"text", []string{
			chunk("chatcmpl-s1", `"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]`),
			chunk("chatcmpl-s1", `"choices":[{"index":0,"delta":{"content":"Sun"},"logprobs":null,"finish_reason":null}]`),
			chunk("chatcmpl-s1", `"choices":[{"index":0,"delta":{"content":"ny \"hot\""},"logprobs":null,"finish_reason":null}]`),
			chunk("chatcmpl-s1", `"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]`),
			chunk("chatcmpl-s1", `"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14}`),
			oaiSSE("[DONE]"),
		}, []string{
			start("msg_s1"),
			anthSSE("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`) +
				anthSSE("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Sun"}}`),
			anthSSE("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"ny \"hot\""}}`),
			anthSSE("content_block_stop", `{"type":"content_block_stop","index":0}`),
			anthSSE("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},`+
				`"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":2}}`) +
				anthSSE("message_stop", `{"type":"message_stop"}`),
		}},
		{"tool call", []string{
			chunk("chatcmpl-s2", `"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_9","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}]`),
			chunk("chatcmpl-s2", `"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"logprobs":null,"finish_reason":null}]`),
			chunk("chatcmpl-s2", `"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]},"logprobs":null,"finish_reason":null}]`),
			chunk("chatcmpl-s2", `"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]`),
			chunk("chatcmpl-s2", `"choices":[],"usage":{"prompt_tokens":20,"completion_tokens":9,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":8}}`),
			oaiSSE("[DONE]"),
		}, []string{
			start("msg_s2") +
				anthSSE("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"call_9","name":"get_weather","input":{}}}`),
			anthSSE("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}`),
			anthSSE("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}}`),
			anthSSE("content_block_stop", `{"type":"content_block_stop","index":0}`),
			anthSSE("message_delta", `{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},`+
				`"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":8,"output_tokens":9}}`) +
				anthSSE("message_stop", `{"type":"message_stop"}`),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gate := make(chan struct{})
			mock := newMock(t, []string{"m1"}, sseHandler(tc.events, map[int]chan struct{}{1: gate}))
			n := startNexus(t, testConfig(localBE("local", mock.URL, "m1")), nil)
			resp := postCtx(t, n, "/v1/messages", req, msgsClientHeaders...)
			body := wantStream(t, resp, gate, tc.want, "local", "local", reasonCapability, "restricted")
			// Every frame names its event, and the name is the data's type.
			evs := parseClientSSE(t, body)
			if evs[0].Name != "message_start" || evs[len(evs)-1].Name != "message_stop" {
				t.Errorf("stream runs %s..%s", evs[0].Name, evs[len(evs)-1].Name)
			}
			for _, ev := range evs {
				if !strings.HasPrefix(ev.Data, `{"type":"`+ev.Name+`"`) {
					t.Errorf("event %q carries %s", ev.Name, ev.Data)
				}
			}
			posts := mock.posts()
			if len(posts) != 1 || posts[0].Path != "/v1/chat/completions" {
				t.Fatalf("upstream %+v", posts)
			}
			// The OpenAI request streams (and asks for usage, which the
			// Anthropic client needs in message_delta).
			want := `{"model":"m1","messages":[{"role":"user","content":"Weather in Paris?"}],"max_tokens":256,"stream":true,"stream_options":{"include_usage":true}}`
			if !jsonEqual(t, posts[0].Body, want) {
				t.Errorf("upstream body\n got %s\nwant %s", posts[0].Body, want)
			}
			wantNoAnthropicHeaders(t, posts[0].Header)
		})
	}
}

// anthMsgsReq is an Anthropic client's request, oddly formatted so that any
// re-encoding shows.
const anthMsgsReq = `{"model": "claude",  "max_tokens":1024, "metadata":{"user_id":"u-1"},
 "messages":[{"role":"user","content":[{"type":"text","text":"Hello, w\u00f6rld <b>","cache_control":{"type":"ephemeral"}}]}]}`

const anthMsgsAnswer = `{"id":"msg_01XFDUDYJgAACzvnptvVoYEL", "type":"message","role":"assistant",
 "content":[{"type":"text","text":"Hi! \u00e9"}],"model":"claude-sonnet-4-5-20250929","stop_reason":"end_turn",
 "stop_sequence":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":6}}`

func TestMessagesPassthroughOnAnthropicBackend(t *testing.T) {
	events := []string{
		anthSSE("message_start", anthStreamStart),
		anthSSE("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`),
		anthSSE("ping", `{"type": "ping"}`),
		anthSSE("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`),
		anthSSE("content_block_stop", `{"type":"content_block_stop","index":0}`),
		anthSSE("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}`),
		anthSSE("message_stop", `{"type":"message_stop"}`),
	}
	tests := []struct {
		name, model, upstreamModel string
		stream                     bool
	}{
		{"same model", "claude-sonnet-4-5", "claude-sonnet-4-5", false},
		{"alias rewrites only the model", "claude", "claude-sonnet-4-5", false},
		{"stream", "claude", "claude-sonnet-4-5", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := strings.Replace(anthMsgsReq, `"model": "claude"`, `"model": "`+tc.model+`"`, 1)
			wantUp := strings.Replace(anthMsgsReq, `"model": "claude"`, `"model": "`+tc.upstreamModel+`"`, 1)
			if tc.model == tc.upstreamModel {
				wantUp = req
			}
			handle := func(w http.ResponseWriter, r *http.Request, body []byte) {
				w.Header().Set("Request-Id", "req_011CSHoEeqs5C35K2UUqR7Fy")
				w.Header().Set("Anthropic-Ratelimit-Requests-Remaining", "49")
				answerJSON(200, anthMsgsAnswer)(w, r, body)
			}
			want := anthMsgsAnswer
			if tc.stream {
				req = strings.Replace(req, `"max_tokens":1024,`, `"max_tokens":1024, "stream": true,`, 1)
				wantUp = strings.Replace(wantUp, `"max_tokens":1024,`, `"max_tokens":1024, "stream": true,`, 1)
				handle = sseHandler(events, nil)
				want = strings.Join(events, "")
			}
			mock := newProvMock(t, anthropicModelsPage("claude-sonnet-4-5"), handle)
			cfg := testConfig(anthropicBE("claude", mock.URL, anthKeyEnv, "claude-sonnet-4-5"))
			cfg.Aliases["claude"] = "claude-sonnet-4-5"
			n := startNexus(t, cfg, anthEnv)
			resp := postCtx(t, n, "/v1/messages", req, msgsClientHeaders...)
			body := readAll(t, resp)
			if resp.StatusCode != 200 || body != want {
				t.Fatalf("status %d body\n got %q\nwant %q", resp.StatusCode, body, want)
			}
			wantNexusHeaders(t, resp, "claude", "cloud", reasonCapability, "open")
			if !tc.stream && (resp.Header.Get("Request-Id") != "req_011CSHoEeqs5C35K2UUqR7Fy" ||
				resp.Header.Get("Anthropic-Ratelimit-Requests-Remaining") != "49") {
				t.Errorf("provider headers not relayed: %v", resp.Header)
			}
			up := mock.onlyPost(t)
			if up.Path != "/v1/messages" || string(up.Body) != wantUp {
				t.Fatalf("upstream %s body\n got %s\nwant %s", up.Path, up.Body, wantUp)
			}
			// The backend's key, never the client's; the client's protocol
			// headers are meant for Anthropic and go there.
			wantUpstreamAuth(t, up, "X-Api-Key", anthKey, "client-secret-1")
			if got := up.Header.Values("Anthropic-Version"); len(got) != 1 || got[0] != "2023-01-01" {
				t.Errorf("anthropic-version %q", got)
			}
			if got := strings.Join(up.Header.Values("Anthropic-Beta"), ","); got != "prompt-caching-2024-07-31,token-efficient-tools-2025-02-19" {
				t.Errorf("anthropic-beta %q", got)
			}
		})
	}
}

// An OpenAI client's stray Anthropic headers are not forwarded, even to an
// Anthropic backend: there Nexus speaks its own protocol version.
func TestChatOnAnthropicBackendIgnoresClientAnthropicHeaders(t *testing.T) {
	n, mock := startAnthropic(t, answerJSON(200, anthMsgsAnswer))
	resp := n.post(t, "/v1/chat/completions", anthChatReq, msgsClientHeaders...)
	if body := readAll(t, resp); resp.StatusCode != 200 {
		t.Fatalf("status %d %s", resp.StatusCode, body)
	}
	up := mock.onlyPost(t)
	wantAnthropicUpstream(t, up)
	if v := up.Header.Values("Anthropic-Beta"); len(v) != 0 {
		t.Errorf("anthropic-beta forwarded: %q", v)
	}
}

func TestMessagesErrors(t *testing.T) {
	mock := newMock(t, []string{"m1"}, answerJSON(429, `{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}`))
	n := startNexus(t, testConfig(localBE("local", mock.URL, "m1")), nil)
	tests := []struct {
		name, req string
		status    int
		want      string
		backend   string
	}{
		{"max_tokens missing", `{"model":"m1","messages":[{"role":"user","content":"hi"}]}`, 400,
			`{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}`, "none"},
		{"unknown model", `{"model":"nope","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`, 404,
			`{"type":"error","error":{"type":"not_found_error","message":"model \"nope\" is not served by any backend"}}`, "none"},
		{"malformed JSON", `{"model":`, 400,
			`{"type":"error","error":{"type":"invalid_request_error","message":`, "none"},
		{"backend 429", `{"model":"m1","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`, 429,
			`{"type":"error","error":{"type":"rate_limit_error","message":"backend local is rate limited: Rate limit reached for requests"}}`, "local"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := n.post(t, "/v1/messages", tc.req, "X-Request-Id", "req-err-1", "X-Api-Key", "client-secret-1")
			body := readAll(t, resp)
			exact := strings.HasSuffix(tc.want, "}")
			if resp.StatusCode != tc.status || (exact && body != tc.want) || (!exact && !strings.HasPrefix(body, tc.want)) {
				t.Fatalf("status %d body\n got %s\nwant %s", resp.StatusCode, body, tc.want)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if tc.backend == "none" {
				wantNexusHeaders(t, resp, "none", "none", reasonNone, "")
			} else {
				wantNexusHeaders(t, resp, tc.backend, "local", reasonCapability, "restricted")
			}
			if got := resp.Header.Get(hdrRequestID); got != "req-err-1" {
				t.Errorf("X-Request-Id %q", got)
			}
		})
	}
	if len(mock.posts()) != 1 {
		t.Errorf("backend received %d POSTs, want 1 (only the routable request)", len(mock.posts()))
	}
}

// An Anthropic client on a Gemini backend: Messages -> OpenAI -> Gemini and
// back, streaming through both translators.
func TestMessagesOnGeminiBackend(t *testing.T) {
	pinTranslatorClocks(t)
	const upstream = `{"contents":[{"role":"user","parts":[{"text":"Weather in Paris?"}]}],
	  "systemInstruction":{"parts":[{"text":"Be brief."}]},"generationConfig":{"maxOutputTokens":256}}`
	events := []string{
		geminiSSE(`{"candidates": [{"content": {"parts": [{"text": "It is"}],"role": "model"},"index": 0}],` +
			`"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"modelVersion":"gemini-2.5-flash","responseId":"r1"}`),
		geminiSSE(`{"candidates": [{"content": {"parts": [{"text": " sunny."}],"role": "model"},"finishReason": "STOP","index": 0}],` +
			`"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":4,"totalTokenCount":12},"modelVersion":"gemini-2.5-flash","responseId":"r1"}`),
	}
	tests := []struct {
		name, method, query string
		stream              bool
		handle              func(http.ResponseWriter, *http.Request, []byte)
		gate                chan struct{}
		want                []string
	}{
		{"json", ":generateContent", "", false,
			answerJSON(200, `{"candidates":[{"content":{"parts":[{"text":"It is sunny."}],"role":"model"},"finishReason":"STOP","index":0}],`+
				`"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":4,"totalTokenCount":12},"modelVersion":"gemini-2.5-flash","responseId":"resp-1"}`),
			nil, []string{`{"id":"msg_resp-1","type":"message","role":"assistant","model":"gemini-2.5-flash",` +
				`"content":[{"type":"text","text":"It is sunny."}],"stop_reason":"end_turn","stop_sequence":null,` +
				`"usage":{"input_tokens":8,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":4}}`}},
		{"stream", ":streamGenerateContent", "alt=sse", true, nil, make(chan struct{}), []string{
			anthSSE("message_start", `{"type":"message_start","message":{"id":"msg_r1","type":"message","role":"assistant","model":"gemini-2.5-flash",`+
				`"content":[],"stop_reason":null,"stop_sequence":null,`+
				`"usage":{"input_tokens":8,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}}`) +
				anthSSE("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`) +
				anthSSE("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"It is"}}`),
			anthSSE("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" sunny."}}`) +
				anthSSE("content_block_stop", `{"type":"content_block_stop","index":0}`),
			anthSSE("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},`+
				`"usage":{"input_tokens":8,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":4}}`) +
				anthSSE("message_stop", `{"type":"message_stop"}`),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			handle := tc.handle
			if tc.stream {
				handle = sseHandler(events, map[int]chan struct{}{1: tc.gate})
			}
			n, mock := startGemini(t, handle)
			req := `{"model":"gemini-2.5-flash","max_tokens":256,"system":"Be brief.","messages":[{"role":"user","content":"Weather in Paris?"}]}`
			if tc.stream {
				req = strings.Replace(req, `"max_tokens":256,`, `"max_tokens":256,"stream":true,`, 1)
			}
			resp := postCtx(t, n, "/v1/messages", req, msgsClientHeaders...)
			wantNexusHeaders(t, resp, "gemini", "cloud", reasonCapability, "open")
			var body string
			if tc.stream {
				body = readFirstThenRelease(t, resp, tc.want[0], tc.gate)
			} else {
				body = readAll(t, resp)
			}
			if want := strings.Join(tc.want, ""); resp.StatusCode != 200 || body != want {
				t.Fatalf("status %d\n got %q\nwant %q", resp.StatusCode, body, want)
			}
			up := mock.onlyPost(t)
			wantGeminiUpstream(t, up, "/v1beta/models/gemini-2.5-flash"+tc.method, tc.query)
			if !jsonEqual(t, up.Body, upstream) {
				t.Errorf("upstream body %s", up.Body)
			}
			wantNoAnthropicHeaders(t, up.Header)
		})
	}
}
