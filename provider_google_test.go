// provider_google_test.go: an OpenAI client on a Google Gemini backend, end
// to end through the gateway — generateContent and streamGenerateContent
// (alt=sse) translated both ways, function calls, the key only in the
// x-goog-api-key header, model discovery, embeddings through
// batchEmbedContents, and provider errors.
package main

import (
	"encoding/base64"
	"encoding/binary"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
)

const (
	gemKeyEnv = "GEMINI_KEY"
	gemKey    = "gemkey-0123456789abcdef" // no well-known prefix: only the key value can hide it
)

var gemEnv = map[string]string{gemKeyEnv: gemKey}

const gemToolsReq = `{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"Weather in Paris?"}],` +
	`"tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather",` +
	`"parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}}]`

// gemToolsUpstream is what Gemini must receive for gemToolsReq.
const gemToolsUpstream = `{"contents":[{"role":"user","parts":[{"text":"Weather in Paris?"}]}],
  "tools":[{"functionDeclarations":[{"name":"get_weather","description":"Current weather",
    "parametersJsonSchema":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}]}]}`

// startGemini runs Nexus with one Google backend "gemini" serving
// gemini-2.5-flash, answering POSTs with handle.
func startGemini(t *testing.T, handle func(http.ResponseWriter, *http.Request, []byte)) (*testNexus, *provMock) {
	t.Helper()
	mock := newProvMock(t, geminiModelsPage("gemini-2.5-flash"), handle)
	n := startNexus(t, testConfig(googleBE("gemini", mock.URL, gemKeyEnv, "gemini-2.5-flash")), gemEnv)
	return n, mock
}

// wantGeminiUpstream checks a request Gemini received: URL, and the key only
// in x-goog-api-key.
func wantGeminiUpstream(t *testing.T, r provRequest, path, query string) {
	t.Helper()
	if r.Path != path || r.RawQuery != query {
		t.Errorf("upstream URL %s, want %s?%s", r.RequestURI, path, query)
	}
	wantUpstreamAuth(t, r, "X-Goog-Api-Key", gemKey, "client-secret-1", "client-secret-2")
	if strings.Contains(r.RawQuery, "key=") {
		t.Errorf("a key parameter is in the URL: %s", r.RequestURI)
	}
}

func TestGeminiChatNonStreaming(t *testing.T) {
	pinTranslatorClocks(t)
	tests := []struct{ name, answer, want string }{
		{"text",
			`{"candidates":[{"content":{"parts":[{"text":"It is sunny in Paris."}],"role":"model"},"finishReason":"STOP","index":0}],
			  "usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":6,"totalTokenCount":14,
			    "promptTokensDetails":[{"modality":"TEXT","tokenCount":8}]},
			  "modelVersion":"gemini-2.5-flash","responseId":"mWCaaO6OIsu_qtsP0M2EwA0"}`,
			`{"id":"chatcmpl-mWCaaO6OIsu_qtsP0M2EwA0","object":"chat.completion","created":1700000000,"model":"gemini-2.5-flash",
			  "choices":[{"index":0,"message":{"role":"assistant","content":"It is sunny in Paris."},"logprobs":null,"finish_reason":"stop"}],
			  "usage":{"prompt_tokens":8,"completion_tokens":6,"total_tokens":14,"prompt_tokens_details":{"cached_tokens":0},
			    "completion_tokens_details":{"reasoning_tokens":0}}}`},
		{"functionCall with STOP is tool_calls",
			`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"location": "Paris"}},"thoughtSignature":"CiQBVKhc7g=="}],"role":"model"},
			    "finishReason":"STOP","index":0}],
			  "usageMetadata":{"promptTokenCount":50,"candidatesTokenCount":15,"totalTokenCount":120,"thoughtsTokenCount":55},
			  "modelVersion":"gemini-2.5-flash","responseId":"resp-2"}`,
			`{"id":"chatcmpl-resp-2","object":"chat.completion","created":1700000000,"model":"gemini-2.5-flash",
			  "choices":[{"index":0,"message":{"role":"assistant","content":null,
			    "tool_calls":[{"id":"call_abababab_0","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"Paris\"}"},
			      "extra_content":{"google":{"thought_signature":"CiQBVKhc7g=="}}}]},
			    "logprobs":null,"finish_reason":"tool_calls"}],
			  "usage":{"prompt_tokens":50,"completion_tokens":70,"total_tokens":120,"prompt_tokens_details":{"cached_tokens":0},
			    "completion_tokens_details":{"reasoning_tokens":55}}}`},
		{"MAX_TOKENS is length",
			`{"candidates":[{"content":{"parts":[{"text":"It is"}],"role":"model"},"finishReason":"MAX_TOKENS","index":0}],
			  "usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":2,"totalTokenCount":10},"modelVersion":"gemini-2.5-flash","responseId":"r3"}`,
			`{"id":"chatcmpl-r3","object":"chat.completion","created":1700000000,"model":"gemini-2.5-flash",
			  "choices":[{"index":0,"message":{"role":"assistant","content":"It is"},"logprobs":null,"finish_reason":"length"}],
			  "usage":{"prompt_tokens":8,"completion_tokens":2,"total_tokens":10,"prompt_tokens_details":{"cached_tokens":0},
			    "completion_tokens_details":{"reasoning_tokens":0}}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, mock := startGemini(t, answerJSON(200, tc.answer))
			resp := n.post(t, "/v1/chat/completions", gemToolsReq+`}`, clientCredentialHeaders...)
			wantJSONAnswer(t, resp, tc.want)
			wantNexusHeaders(t, resp, "gemini", "cloud", reasonCapability, "open")
			up := mock.onlyPost(t)
			wantGeminiUpstream(t, up, "/v1beta/models/gemini-2.5-flash:generateContent", "")
			if !jsonEqual(t, up.Body, gemToolsUpstream) {
				t.Errorf("upstream body %s", up.Body)
			}
		})
	}
}

// gemOAFrame is an OpenAI chunk of the translated Gemini stream r1; rest is
// the JSON after the model.
func gemOAFrame(rest string) string {
	return `data: {"id":"chatcmpl-r1","object":"chat.completion.chunk","created":1700000000,"model":"gemini-2.5-flash"` + rest + "}\n\n"
}

func TestGeminiChatStreaming(t *testing.T) {
	pinTranslatorClocks(t)
	const meta = `"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"modelVersion":"gemini-2.5-flash","responseId":"r1"`
	first := gemOAFrame(`,"choices":[{"index":0,"delta":{"role":"assistant","content":"It is"},"logprobs":null,"finish_reason":null}]`)
	tests := []struct {
		name   string
		events []string
		want   []string
	}{
		{"text", []string{
			geminiSSE(`{"candidates": [{"content": {"parts": [{"text": "It is"}],"role": "model"},"index": 0}],` + meta + `}`),
			geminiSSE(`{"candidates": [{"content": {"parts": [{"text": " sunny."}],"role": "model"},"finishReason": "STOP","index": 0}],` +
				`"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":4,"totalTokenCount":12},"modelVersion":"gemini-2.5-flash","responseId":"r1"}`),
		}, []string{
			first,
			gemOAFrame(`,"choices":[{"index":0,"delta":{"content":" sunny."},"logprobs":null,"finish_reason":null}]`),
			gemOAFrame(`,"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]`),
			"data: [DONE]\n\n",
		}},
		{"functionCall with STOP", []string{
			geminiSSE(`{"candidates": [{"content": {"parts": [{"text": "It is"}],"role": "model"},"index": 0}],` + meta + `}`),
			geminiSSE(`{"candidates": [{"content": {"parts": [{"functionCall": {"name": "get_weather","args": {"location": "Paris"}}}],"role": "model"},` +
				`"finishReason": "STOP","index": 0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":12,"totalTokenCount":20},` +
				`"modelVersion":"gemini-2.5-flash","responseId":"r1"}`),
		}, []string{
			first,
			gemOAFrame(`,"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_abababab_0","type":"function",` +
				`"function":{"name":"get_weather","arguments":"{\"location\":\"Paris\"}"}}]},"logprobs":null,"finish_reason":null}]`),
			gemOAFrame(`,"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]`),
			"data: [DONE]\n\n",
		}},
		{"include_usage adds the usage chunk", []string{
			geminiSSE(`{"candidates": [{"content": {"parts": [{"text": "It is"}],"role": "model"},"index": 0}],` + meta + `}`),
			geminiSSE(`{"candidates": [{"content": {"parts": [{"text": ""}],"role": "model"},"finishReason": "STOP","index": 0}],` +
				`"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":2,"thoughtsTokenCount":5,"totalTokenCount":15},"modelVersion":"gemini-2.5-flash","responseId":"r1"}`),
		}, []string{ // with include_usage every chunk says usage:null, as OpenAI's do
			gemOAFrame(`,"choices":[{"index":0,"delta":{"role":"assistant","content":"It is"},"logprobs":null,"finish_reason":null}],"usage":null`),
			gemOAFrame(`,"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null`),
			gemOAFrame(`,"choices":[],"usage":{"prompt_tokens":8,"completion_tokens":7,"total_tokens":15,` +
				`"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":5}}`),
			"data: [DONE]\n\n",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gate := make(chan struct{})
			n, mock := startGemini(t, sseHandler(tc.events, map[int]chan struct{}{1: gate}))
			req := gemToolsReq + `,"stream":true}`
			if strings.HasPrefix(tc.name, "include_usage") {
				req = gemToolsReq + `,"stream":true,"stream_options":{"include_usage":true}}`
			}
			resp := postCtx(t, n, "/v1/chat/completions", req, clientCredentialHeaders...)
			wantStream(t, resp, gate, tc.want, "gemini", "cloud", reasonCapability, "open")
			up := mock.onlyPost(t)
			wantGeminiUpstream(t, up, "/v1beta/models/gemini-2.5-flash:streamGenerateContent", "alt=sse")
			if !jsonEqual(t, up.Body, gemToolsUpstream) {
				t.Errorf("upstream body %s", up.Body)
			}
		})
	}
}

// gemDiscoveryMock lists two pages of models (chat, embedding and others)
// and answers batchEmbedContents.
func gemDiscoveryMock(t *testing.T, handle func(http.ResponseWriter, *http.Request, []byte)) *provMock {
	return newProvMock(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("pageToken") == "" {
			io.WriteString(w, `{"models":[`+
				geminiModelEntry("gemini-2.5-flash", "generateContent", "countTokens", "createCachedContent", "batchGenerateContent")+`,`+
				geminiModelEntry("imagen-4.0-generate-001", "predict")+`,`+
				geminiModelEntry("aqa", "generateAnswer")+
				`],"nextPageToken":"Ch5tb2RlbHMvZ2VtaW5pLTIuNS1mbGFzaA=="}`)
			return
		}
		io.WriteString(w, `{"models":[`+
			geminiModelEntry("gemini-embedding-001", "embedContent", "countTextTokens", "countTokens", "asyncBatchEmbedContent")+`,`+
			geminiModelEntry("gemini-2.0-flash", "generateContent", "countTokens")+`]}`)
	}, handle)
}

func TestGeminiModelDiscovery(t *testing.T) {
	pinTranslatorClocks(t)
	mock := gemDiscoveryMock(t, answerJSON(200, `{"candidates":[{"content":{"parts":[{"text":"ok"}],"role":"model"},"finishReason":"STOP","index":0}],`+
		`"usageMetadata":{"promptTokenCount":1,"candidatesTokenCount":1,"totalTokenCount":2},"modelVersion":"gemini-2.0-flash","responseId":"d1"}`))
	n := startNexus(t, testConfig(googleBE("gemini", mock.URL, gemKeyEnv)), gemEnv)

	gets := wantPagedDiscovery(t, n, mock, "gemini", "gemini-2.5-flash,gemini-2.0-flash,gemini-embedding-001",
		"/v1beta/models", "pageSize=1000", "pageSize=1000&pageToken=Ch5tb2RlbHMvZ2VtaW5pLTIuNS1mbGFzaA%3D%3D")
	for _, g := range gets {
		wantGeminiUpstream(t, g, "/v1beta/models", g.RawQuery)
	}
	resp, err := n.Client().Get(n.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	list := readAll(t, resp)
	for _, id := range []string{"gemini-2.5-flash", "gemini-2.0-flash", "gemini-embedding-001"} {
		if !strings.Contains(list, `{"id":"`+id+`","object":"model",`) {
			t.Errorf("/v1/models lacks %s: %s", id, list)
		}
	}
	if strings.Contains(list, "models/") || strings.Contains(list, "imagen") || strings.Contains(list, "aqa") {
		t.Errorf("/v1/models lists a prefixed or non-chat model: %s", list)
	}

	route := []struct {
		name, path, body string
		status           int
	}{
		{"chat model from the second page", "/v1/chat/completions", `{"model":"gemini-2.0-flash","messages":[{"role":"user","content":"hi"}]}`, 200},
		{"embedding model does not chat", "/v1/chat/completions", `{"model":"gemini-embedding-001","messages":[{"role":"user","content":"hi"}]}`, 404},
		{"chat model does not embed", "/v1/embeddings", `{"model":"gemini-2.5-flash","input":"hi"}`, 404},
		{"predict-only model is unknown", "/v1/chat/completions", `{"model":"imagen-4.0-generate-001","messages":[{"role":"user","content":"hi"}]}`, 404},
	}
	for _, tc := range route {
		t.Run(tc.name, func(t *testing.T) {
			resp := n.post(t, tc.path, tc.body)
			body := readAll(t, resp)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d body %s", resp.StatusCode, body)
			}
			if tc.status == 404 && !strings.Contains(body, `"code":"model_not_found"`) {
				t.Errorf("body %s", body)
			}
		})
	}
}

// float32Base64 is how OpenAI encodes an embedding for encoding_format base64.
func float32Base64(v ...float32) string {
	raw := make([]byte, 0, 4*len(v))
	for _, f := range v {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(f))
	}
	return base64.StdEncoding.EncodeToString(raw)
}

func TestGeminiEmbeddings(t *testing.T) {
	const answer = `{"embeddings": [{"values": [0.5, -0.25, 1]}, {"values": [0.125, 0, -1.5]}]}`
	const upstream = `{"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"hello"}]}},
	  {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"world"}]}}]}`
	tests := []struct{ name, req, upstream, want string }{
		{"float", `{"model":"gemini-embedding-001","input":["hello","world"],"encoding_format":"float"}`, upstream,
			`{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,-0.25,1]},` +
				`{"object":"embedding","index":1,"embedding":[0.125,0,-1.5]}],"model":"gemini-embedding-001",` +
				`"usage":{"prompt_tokens":0,"total_tokens":0}}`},
		{"default is float", `{"model":"gemini-embedding-001","input":["hello","world"]}`, upstream,
			`{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,-0.25,1]},` +
				`{"object":"embedding","index":1,"embedding":[0.125,0,-1.5]}],"model":"gemini-embedding-001",` +
				`"usage":{"prompt_tokens":0,"total_tokens":0}}`},
		{"base64", `{"model":"gemini-embedding-001","input":["hello","world"],"encoding_format":"base64","dimensions":3}`,
			`{"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"hello"}]},"outputDimensionality":3},
			  {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"world"}]},"outputDimensionality":3}]}`,
			`{"object":"list","data":[{"object":"embedding","index":0,"embedding":"` + float32Base64(0.5, -0.25, 1) + `"},` +
				`{"object":"embedding","index":1,"embedding":"` + float32Base64(0.125, 0, -1.5) + `"}],"model":"gemini-embedding-001",` +
				`"usage":{"prompt_tokens":0,"total_tokens":0}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mock := gemDiscoveryMock(t, answerJSON(200, answer))
			n := startNexus(t, testConfig(googleBE("gemini", mock.URL, gemKeyEnv)), gemEnv)
			resp := n.post(t, "/v1/embeddings", tc.req, clientCredentialHeaders...)
			body := readAll(t, resp)
			if resp.StatusCode != 200 || body != tc.want {
				t.Fatalf("status %d body\n got %s\nwant %s", resp.StatusCode, body, tc.want)
			}
			wantNexusHeaders(t, resp, "gemini", "cloud", reasonCapability, "open")
			up := mock.onlyPost(t)
			wantGeminiUpstream(t, up, "/v1beta/models/gemini-embedding-001:batchEmbedContents", "")
			if !jsonEqual(t, up.Body, tc.upstream) {
				t.Errorf("upstream body %s", up.Body)
			}
		})
	}
}

func TestGeminiProviderErrors(t *testing.T) {
	tests := []struct {
		name          string
		status        int
		answer        string
		wantCode      int
		wantBody      string
		state, reason string
	}{
		{"429 keeps the provider's message", 429,
			`{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota). key=` + gemKey + `","status":"RESOURCE_EXHAUSTED"}}`,
			429, `{"error":{"message":"backend gemini is rate limited: Resource has been exhausted (e.g. check quota). key=[redacted]","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}`,
			"healthy", "ok"},
		{"400 keeps the provider's status", 400,
			`{"error":{"code":400,"message":"* GenerateContentRequest.contents: contents is not specified","status":"INVALID_ARGUMENT"}}`,
			400, `{"error":{"message":"* GenerateContentRequest.contents: contents is not specified","type":"invalid_request_error","param":null,"code":null}}`,
			"healthy", "ok"},
		{"403 is a 502 naming the key variable", 403,
			`{"error":{"code":403,"message":"Method doesn't allow unregistered callers. Please use API Key ` + gemKey + `","status":"PERMISSION_DENIED"}}`,
			502, `{"error":{"message":"backend gemini rejected Nexus's credentials (HTTP 403): check the key in environment variable GEMINI_KEY","type":"api_error","param":null,"code":"backend_auth_failed"}}`,
			"unhealthy", "auth_failed"},
		{"untranslatable 200", 200, `{"candidates":[]}`,
			502, `{"error":{"message":"backend gemini sent an answer Nexus cannot translate: {\"candidates\":[]}","type":"api_error","param":null,"code":"bad_upstream_answer"}}`,
			"unhealthy", "untranslatable answer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, mock := startGemini(t, answerJSON(tc.status, tc.answer))
			resp := n.post(t, "/v1/chat/completions", gemToolsReq+`}`)
			body := readAll(t, resp)
			if resp.StatusCode != tc.wantCode || body != tc.wantBody {
				t.Fatalf("status %d body\n got %s\nwant %s", resp.StatusCode, body, tc.wantBody)
			}
			if strings.Contains(body, gemKey) || strings.Contains(n.logs.String(), gemKey) {
				t.Errorf("the backend key leaked")
			}
			wantNexusHeaders(t, resp, "gemini", "cloud", reasonCapability, "open")
			wantGeminiUpstream(t, mock.onlyPost(t), "/v1beta/models/gemini-2.5-flash:generateContent", "")
			if h := healthOf(t, n, "gemini"); h.State != tc.state || h.Reason != tc.reason {
				t.Errorf("health state %q reason %q, want %q %q", h.State, h.Reason, tc.state, tc.reason)
			}
		})
	}
}

func TestGeminiStreamErrors(t *testing.T) {
	pinTranslatorClocks(t)
	req := `{"model":"gemini-2.5-flash","stream":true,"messages":[{"role":"user","content":"Hi"}]}`
	first := geminiSSE(`{"candidates": [{"content": {"parts": [{"text": "It is"}],"role": "model"},"index": 0}],` +
		`"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"modelVersion":"gemini-2.5-flash","responseId":"r1"}`)
	firstOut := gemOAFrame(`,"choices":[{"index":0,"delta":{"role":"assistant","content":"It is"},"logprobs":null,"finish_reason":null}]`)
	tests := []struct {
		name    string
		events  []string
		status  int
		want    string
		healthy bool
	}{
		{"mid-stream error event", []string{first,
			geminiSSE(`{"error":{"code":500,"message":"An internal error has occurred. key=` + gemKey + `","status":"INTERNAL"}}`)},
			200, firstOut + `data: {"error":{"message":"An internal error has occurred. key=[redacted]","type":"api_error","param":null,"code":null}}` + "\n\n", true},
		{"untranslatable first event", []string{geminiSSE(`{"candidates": [`)},
			502, `{"error":{"message":"backend gemini sent an answer Nexus cannot translate: {\"candidates\": [","type":"api_error","param":null,"code":"bad_upstream_answer"}}`, false},
		{"untranslatable mid-stream", []string{first, geminiSSE(`{"candidates": 7}`)},
			200, firstOut + `data: {"error":{"message":"backend gemini sent an answer Nexus cannot translate: {\"candidates\": 7}","type":"api_error","param":null,"code":"bad_upstream_answer"}}` + "\n\n", false},
		{"cut without finishReason", []string{first},
			200, firstOut + `data: {"error":{"message":"backend gemini stream ended before completion","type":"api_error","param":null,"code":"backend_stream_broken"}}` + "\n\n", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, _ := startGemini(t, sseHandler(tc.events, nil))
			resp := postCtx(t, n, "/v1/chat/completions", req)
			body := readAll(t, resp)
			if resp.StatusCode != tc.status || body != tc.want {
				t.Fatalf("status %d\n got %q\nwant %q", resp.StatusCode, body, tc.want)
			}
			wantNexusHeaders(t, resp, "gemini", "cloud", reasonCapability, "open")
			if h := healthOf(t, n, "gemini"); (h.State == "healthy") != tc.healthy {
				t.Errorf("health %+v", h)
			}
		})
	}
}
