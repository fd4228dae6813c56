// provider_responses_test.go: POST /v1/responses end to end — passed
// through byte for byte to an OpenAI backend (JSON and SSE, cost from the
// Response's usage), translated through the hub onto OpenAI-compatible,
// Anthropic and Gemini backends, the stateless 400s, dropped hosted tools,
// and failover before the first byte.
package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// respClientHeaders are what the OpenAI SDK sends.
var respClientHeaders = []string{"Authorization", "Bearer client-secret-1", "OpenAI-Beta", "responses=v1", "X-Request-Id", "req-resp-1"}

// responseJSON is an OpenAI Response in the documented shape, formatted
// oddly so that any re-encoding would show.
const responseJSON = `{
  "id": "resp_67ccd2bed1ec8190b14f964abc054267",  "object": "response", "created_at": 1741476542,
  "status": "completed", "error": null, "incomplete_details": null, "instructions": null, "max_output_tokens": null,
  "model": "gpt-4o-2024-08-06",
  "output": [{"type": "message", "id": "msg_67ccd2bf17f0819081ff3bb2cf6508e6", "status": "completed", "role": "assistant",
    "content": [{"type": "output_text", "text": "Une licorne r\u00eave <b>", "annotations": []}]}],
  "parallel_tool_calls": true, "previous_response_id": null, "reasoning": {"effort": null, "summary": null},
  "store": true, "temperature": 1.0, "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [],
  "top_p": 1.0, "truncation": "disabled",
  "usage": {"input_tokens": 36, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 87,
    "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 123},
  "user": null, "metadata": {}
}`

// expensive prices gpt-4o so that small usages show in the cost headers.
var expensivePrice = map[string]Price{"gpt-4o": {InputPerMTok: 1000, OutputPerMTok: 3000}}

func TestResponsesPassthroughOpenAI(t *testing.T) {
	mock := newMock(t, []string{"gpt-4o"}, answerJSON(200, responseJSON))
	cfg := testConfig(cloudBE("openai", mock.URL+"/v1", "OPENAI_KEY", "gpt-4o"))
	cfg.Pricing = expensivePrice
	n := startNexus(t, cfg, map[string]string{"OPENAI_KEY": "sk-test-openai-0123456789"})
	req := `{"model":"gpt-4o",  "input":"Tell me a story","previous_response_id":"resp_1","tools":[{"type":"web_search"}],"store":true}`
	resp := n.post(t, "/v1/responses", req, respClientHeaders...)
	if body := readAll(t, resp); resp.StatusCode != 200 || body != responseJSON {
		t.Fatalf("status %d body\n got %s\nwant %s", resp.StatusCode, body, responseJSON)
	}
	wantNexusHeaders(t, resp, "openai", "cloud", reasonCapability, "open")
	// (36*1000 + 87*3000) / 1e6
	if got := resp.Header.Get(hdrCostEst); got != "0.2970" {
		t.Errorf("%s = %q, want 0.2970", hdrCostEst, got)
	}
	if got := resp.Header.Get(hdrToolsDropped); got != "" {
		t.Errorf("%s = %q on a passthrough", hdrToolsDropped, got)
	}
	posts := mock.posts()
	if len(posts) != 1 || posts[0].Path != "/v1/responses" || string(posts[0].Body) != req {
		t.Fatalf("upstream %+v", posts)
	}
	if got := posts[0].Header.Get("Authorization"); got != "Bearer sk-test-openai-0123456789" {
		t.Errorf("upstream Authorization %q", got)
	}
	if got := posts[0].Header.Get("X-Request-Id"); got != "req-resp-1" {
		t.Errorf("upstream X-Request-Id %q", got)
	}
}

// An alias is rewritten to the backend's model; nothing else changes.
func TestResponsesPassthroughRewritesModel(t *testing.T) {
	mock := newMock(t, []string{"gpt-4o"}, answerJSON(200, responseJSON))
	cfg := testConfig(cloudBE("openai", mock.URL+"/v1", "OPENAI_KEY", "gpt-4o"))
	cfg.Aliases["smart"] = "gpt-4o"
	n := startNexus(t, cfg, map[string]string{"OPENAI_KEY": "sk-test-openai-0123456789"})
	resp := n.post(t, "/v1/responses", `{"model":"smart","input":[{"role":"user","content":"hi"}],"stream":false}`)
	if body := readAll(t, resp); resp.StatusCode != 200 || body != responseJSON {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
	if got := string(mock.posts()[0].Body); got != `{"model":"gpt-4o","input":[{"role":"user","content":"hi"}],"stream":false}` {
		t.Errorf("upstream body %s", got)
	}
}

// respSSE is one Responses event as OpenAI frames it.
func respSSE(typ, data string) string { return "event: " + typ + "\ndata: " + data + "\n\n" }

// openAIResponsesStream is a documented Responses stream, as OpenAI sends it.
var openAIResponsesStream = []string{
	respSSE("response.created", `{"type":"response.created","sequence_number":0,"response":{"id":"resp_s1","object":"response","created_at":1741290958,"status":"in_progress","output":[],"usage":null}}`),
	respSSE("response.in_progress", `{"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_s1","object":"response","created_at":1741290958,"status":"in_progress","output":[],"usage":null}}`),
	respSSE("response.output_item.added", `{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"msg_s1","type":"message","status":"in_progress","role":"assistant","content":[]}}`),
	respSSE("response.content_part.added", `{"type":"response.content_part.added","sequence_number":3,"item_id":"msg_s1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}`),
	respSSE("response.output_text.delta", `{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_s1","output_index":0,"content_index":0,"delta":"Hi"}`),
	respSSE("response.output_text.done", `{"type":"response.output_text.done","sequence_number":5,"item_id":"msg_s1","output_index":0,"content_index":0,"text":"Hi"}`),
	respSSE("response.content_part.done", `{"type":"response.content_part.done","sequence_number":6,"item_id":"msg_s1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"Hi","annotations":[]}}`),
	respSSE("response.output_item.done", `{"type":"response.output_item.done","sequence_number":7,"output_index":0,"item":{"id":"msg_s1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi","annotations":[]}]}}`),
	respSSE("response.completed", `{"type":"response.completed","sequence_number":8,"response":{"id":"resp_s1","object":"response","created_at":1741290958,"status":"completed",`+
		`"output":[{"id":"msg_s1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi","annotations":[]}]}],`+
		`"usage":{"input_tokens":9,"input_tokens_details":{"cached_tokens":0},"output_tokens":5,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":14}}}`),
}

func TestResponsesPassthroughStream(t *testing.T) {
	gate := make(chan struct{})
	mock := newMock(t, []string{"gpt-4o"}, sseHandler(openAIResponsesStream, map[int]chan struct{}{1: gate}))
	cfg := testConfig(cloudBE("openai", mock.URL+"/v1", "OPENAI_KEY", "gpt-4o"))
	cfg.Pricing = expensivePrice
	n := startNexus(t, cfg, map[string]string{"OPENAI_KEY": "sk-test-openai-0123456789"})
	resp := postCtx(t, n, "/v1/responses", `{"model":"gpt-4o","input":"hi","stream":true}`)
	// "hi" as one user message: 8 prompt tokens for gpt-4o, so the estimate is 8*1000/1e6.
	if got := resp.Header.Get(hdrCostEst); got != "0.0080" {
		t.Errorf("%s = %q, want 0.0080", hdrCostEst, got)
	}
	if _, declared := resp.Trailer[hdrCostActual]; !declared {
		t.Errorf("trailer %s not declared", hdrCostActual)
	}
	wantStream(t, resp, gate, openAIResponsesStream, "openai", "cloud", reasonCapability, "open")
	// (9*1000 + 5*3000) / 1e6, from response.completed's usage
	if got := resp.Trailer.Get(hdrCostActual); got != "0.0240" {
		t.Errorf("trailer %s = %q, want 0.0240", hdrCostActual, got)
	}
}

// A first event that is an error fails over; a stream that ends without
// response.completed is broken, and the client is told so in an error event.
func TestResponsesPassthroughStreamFailures(t *testing.T) {
	bad := newMock(t, []string{"gpt-4o"}, sseHandler([]string{
		respSSE("error", `{"type":"error","sequence_number":0,"code":"server_error","message":"The server had an error","param":null}`)}, nil))
	good := newMock(t, []string{"gpt-4o"}, sseHandler(openAIResponsesStream, nil))
	first := cloudBE("first", bad.URL+"/v1", "OPENAI_KEY", "gpt-4o")
	first.Priority = 10
	n := startNexus(t, testConfig(first, cloudBE("second", good.URL+"/v1", "OPENAI_KEY", "gpt-4o")),
		map[string]string{"OPENAI_KEY": "sk-test-openai-0123456789"})
	resp := postCtx(t, n, "/v1/responses", `{"model":"gpt-4o","input":"hi","stream":true}`)
	if body := readAll(t, resp); resp.StatusCode != 200 || body != strings.Join(openAIResponsesStream, "") {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
	wantNexusHeaders(t, resp, "second", "cloud", reasonFailover, "open")

	cut := newMock(t, []string{"gpt-4o"}, sseHandler(openAIResponsesStream[:5], nil))
	n = startNexus(t, testConfig(cloudBE("cut", cut.URL+"/v1", "OPENAI_KEY", "gpt-4o")), map[string]string{"OPENAI_KEY": "sk-test-openai-0123456789"})
	resp = postCtx(t, n, "/v1/responses", `{"model":"gpt-4o","input":"hi","stream":true}`)
	body := readAll(t, resp)
	want := strings.Join(openAIResponsesStream[:5], "") + `event: error` + "\n" +
		`data: {"type":"error","code":"backend_stream_broken","message":"backend cut stream ended before completion","param":null,` +
		`"error":{"type":"api_error","code":"backend_stream_broken","message":"backend cut stream ended before completion","param":null}}` + "\n\n"
	if body != want {
		t.Fatalf("body\n got %q\nwant %q", body, want)
	}
}

// The previous_response_id 400 on a backend that cannot keep state, in
// OpenAI's envelope, before any backend is called.
func TestResponsesStatefulOnTranslatedBackend(t *testing.T) {
	mock := newMock(t, []string{"m1"}, answerJSON(200, chatJSON))
	n := startNexus(t, testConfig(localBE("local", mock.URL, "m1")), nil)
	resp := n.post(t, "/v1/responses", `{"model":"m1","input":"and then?","previous_response_id":"resp_abc"}`)
	body := readAll(t, resp)
	want := `{"error":{"message":"previous_response_id cannot be resolved. Nexus does not store responses for this backend: send the whole conversation in input.",` +
		`"type":"invalid_request_error","param":"previous_response_id","code":"previous_response_not_found"}}`
	if resp.StatusCode != 400 || !jsonEqual(t, []byte(body), want) {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
	if posts := mock.posts(); len(posts) != 0 {
		t.Errorf("backend called: %+v", posts)
	}
}

// responsesOutput reads a Response's status, output items and usage.
type responsesOutput struct {
	Object string `json:"object"`
	Status string `json:"status"`
	Model  string `json:"model"`
	Output []struct {
		Type      string `json:"type"`
		Name      string `json:"name"`
		CallID    string `json:"call_id"`
		Arguments string `json:"arguments"`
		Content   []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
	} `json:"output"`
	Usage *responsesUsage `json:"usage"`
}

// The same Responses request on each kind of backend that has no
// Responses API: the backend gets its own format (hosted tools left out),
// the client a Response with the backend's answer, in text and as a call.
func TestResponsesTranslatedBackends(t *testing.T) {
	const req = `{"model":"MODEL","instructions":"Be brief.","input":[{"role":"user","content":"Weather in Paris?"}],` +
		`"tools":[{"type":"function","name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},` +
		`{"type":"web_search"}],"max_output_tokens":200}`
	tests := []struct {
		kind, model, path string
		answer            string
		upstream          string // the request the backend must receive (as JSON)
		call              bool   // the answer is a tool call
		usage             string
	}{
		{"local", "m1", "/v1/chat/completions",
			`{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m1","choices":[{"index":0,"message":{"role":"assistant","content":null,` +
				`"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}],` +
				`"usage":{"prompt_tokens":30,"completion_tokens":9,"total_tokens":39}}`,
			`{"model":"m1","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Weather in Paris?"}],"max_tokens":200,` +
				`"tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]}`,
			true, `{"input_tokens":30,"input_tokens_details":{"cached_tokens":0,"cache_write_tokens":0},"output_tokens":9,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":39}`},
		{"anthropic", "claude-sonnet-4-5", "/v1/messages",
			`{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Sunny."}],` +
				`"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":20,"cache_creation_input_tokens":0,"cache_read_input_tokens":10,"output_tokens":3}}`,
			`{"model":"claude-sonnet-4-5","max_tokens":200,"system":"Be brief.","messages":[{"role":"user","content":[{"type":"text","text":"Weather in Paris?"}]}],"stream":false,` +
				`"tools":[{"name":"get_weather","description":"Current weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]}`,
			false, `{"input_tokens":30,"input_tokens_details":{"cached_tokens":10,"cache_write_tokens":0},"output_tokens":3,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":33}`},
		{"google", "gemini-2.5-flash", "/v1beta/models/gemini-2.5-flash:generateContent",
			`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}],"role":"model"},"finishReason":"STOP","index":0}],` +
				`"usageMetadata":{"promptTokenCount":25,"candidatesTokenCount":5,"totalTokenCount":30},"modelVersion":"gemini-2.5-flash","responseId":"r1"}`,
			`{"contents":[{"role":"user","parts":[{"text":"Weather in Paris?"}]}],"systemInstruction":{"parts":[{"text":"Be brief."}]},` +
				`"tools":[{"functionDeclarations":[{"name":"get_weather","description":"Current weather","parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]}],` +
				`"generationConfig":{"maxOutputTokens":200}}`,
			true, `{"input_tokens":25,"input_tokens_details":{"cached_tokens":0,"cache_write_tokens":0},"output_tokens":5,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":30}`},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			var mu sync.Mutex // the handler runs on the server's goroutine
			var got []byte
			var gotPath string
			be, env := costBackend(t, tc.kind, tc.model, func(w http.ResponseWriter, r *http.Request, body []byte) {
				mu.Lock()
				got, gotPath = body, r.URL.Path
				mu.Unlock()
				answerJSON(200, tc.answer)(w, r, body)
			})
			n := startNexus(t, testConfig(be), env)
			resp := n.post(t, "/v1/responses", strings.Replace(req, "MODEL", tc.model, 1), respClientHeaders...)
			body := readAll(t, resp)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d %s", resp.StatusCode, body)
			}
			mu.Lock()
			defer mu.Unlock()
			if gotPath != tc.path || !jsonEqual(t, got, tc.upstream) {
				t.Errorf("upstream %s %s\nwant %s %s", gotPath, got, tc.path, tc.upstream)
			}
			if h := resp.Header.Get(hdrToolsDropped); h != "web_search" {
				t.Errorf("%s = %q, want web_search", hdrToolsDropped, h)
			}
			var out responsesOutput
			if err := json.Unmarshal([]byte(body), &out); err != nil || out.Object != "response" || out.Status != "completed" || len(out.Output) != 1 {
				t.Fatalf("answer %s (%v)", body, err)
			}
			item := out.Output[0]
			if tc.call {
				if item.Type != "function_call" || item.Name != "get_weather" || !jsonEqual(t, []byte(item.Arguments), `{"city":"Paris"}`) || item.CallID == "" {
					t.Errorf("item %+v", item)
				}
			} else if item.Type != "message" || len(item.Content) != 1 || item.Content[0].Text != "Sunny." {
				t.Errorf("item %+v", item)
			}
			u, _ := json.Marshal(out.Usage)
			if string(u) != tc.usage {
				t.Errorf("usage %s, want %s", u, tc.usage)
			}
		})
	}
}

// A translated stream from an Anthropic backend reaches the client as
// Responses events, flushed as they come.
func TestResponsesTranslatedStreamFromAnthropic(t *testing.T) {
	pinTranslatorClocks(t)
	gate := make(chan struct{})
	n, _ := startAnthropic(t, sseHandler(anthWireTextStream, map[int]chan struct{}{1: gate}))
	resp := postCtx(t, n, "/v1/responses", `{"model":"claude-sonnet-4-5","input":"hi","stream":true}`)
	inProgress := respField("in_progress", "", "", "", "null")
	inProgress = strings.Replace(inProgress, `"model":"gpt-4o-mini"`, `"model":"claude-sonnet-4-5-20250929"`, 1)
	first := respEvents("response.created", inProgress)
	body := readFirstThenRelease(t, resp, first, gate)
	var types []string
	for _, ev := range parseClientSSE(t, body) {
		types = append(types, ev.Name)
	}
	want := "response.created response.in_progress response.output_item.added response.content_part.added response.output_text.delta " +
		"response.output_text.done response.content_part.done response.output_item.done response.completed"
	if strings.Join(types, " ") != want {
		t.Fatalf("events %v\nbody %s", types, body)
	}
	if !strings.Contains(body, `"delta":"Hello"`) || !strings.Contains(body, `"usage":{"input_tokens":`) {
		t.Errorf("body %s", body)
	}
}

// A backend that serves the Responses API itself can be told so; an
// OpenAI backend can be told to translate.
func TestResponsesOption(t *testing.T) {
	handle := func(w http.ResponseWriter, r *http.Request, body []byte) {
		if strings.HasSuffix(r.URL.Path, "/responses") {
			answerJSON(200, responseJSON)(w, r, body)
			return
		}
		answerJSON(200, chatJSON)(w, r, body)
	}
	local := newMock(t, []string{"m1"}, handle)
	native := localBE("vllm", local.URL, "m1")
	native.Responses = "native"
	cloud := newMock(t, []string{"gpt-4o"}, handle)
	translate := cloudBE("openai", cloud.URL+"/v1", "OPENAI_KEY", "gpt-4o")
	translate.Responses = "translate"
	n := startNexus(t, testConfig(native, translate), map[string]string{"OPENAI_KEY": "sk-test-openai-0123456789"})
	for _, model := range []string{"m1", "gpt-4o"} {
		resp := n.post(t, "/v1/responses", `{"model":"`+model+`","input":"hi"}`)
		if body := readAll(t, resp); resp.StatusCode != 200 {
			t.Fatalf("%s: status %d %s", model, resp.StatusCode, body)
		}
	}
	if p := local.posts(); len(p) != 1 || p[0].Path != "/v1/responses" {
		t.Errorf("native backend got %+v", p)
	}
	if p := cloud.posts(); len(p) != 1 || p[0].Path != "/v1/chat/completions" {
		t.Errorf("translating backend got %+v", p)
	}
}
