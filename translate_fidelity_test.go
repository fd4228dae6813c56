// translate_fidelity_test.go: regression tests for what real provider
// traffic showed translated answers getting wrong (SPEC §8, "Translated
// answers must hold what real provider traffic holds"). Each one is built from
// the provider's documented wire format and sent through a running Nexus, so
// it fails the way a client would.
package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// streamedArguments joins the argument fragments of each tool call in an
// OpenAI chunk stream, by call index.
func streamedArguments(t *testing.T, body string) map[int]string {
	t.Helper()
	args := map[int]string{}
	for _, ev := range parseClientSSE(t, body) {
		if ev.Data == "[DONE]" {
			continue
		}
		var c struct {
			Choices []struct {
				Delta struct {
					ToolCalls []struct {
						Index    int `json:"index"`
						Function struct {
							Arguments *string `json:"arguments"`
						} `json:"function"`
					} `json:"tool_calls"`
				} `json:"delta"`
			} `json:"choices"`
		}
		if err := json.Unmarshal([]byte(ev.Data), &c); err != nil {
			t.Fatalf("chunk %s: %v", ev.Data, err)
		}
		for _, ch := range c.Choices {
			for _, tc := range ch.Delta.ToolCalls {
				if tc.Function.Arguments != nil {
					args[tc.Index] += *tc.Function.Arguments
				}
			}
		}
	}
	return args
}

// A tool_use block with no input (Anthropic streams it with an empty
// input_json_delta, or none) must reach an OpenAI client with arguments "{}"
// — as it does unstreamed — so that JSON.parse(arguments) works.
func TestFidelityAnthropicToolCallWithoutArguments(t *testing.T) {
	start := anthSSE("message_start", `{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant",`+
		`"content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}}`)
	tool := func(i int, id string) string {
		return anthSSE("content_block_start", `{"type":"content_block_start","index":`+string(rune('0'+i))+
			`,"content_block":{"type":"tool_use","id":"`+id+`","name":"get_time","input":{}}}`)
	}
	emptyDelta := anthSSE("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}}`)
	stop := func(i int) string {
		return anthSSE("content_block_stop", `{"type":"content_block_stop","index":`+string(rune('0'+i))+`}`)
	}
	end := anthSSE("message_delta", `{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":12}}`) +
		anthSSE("message_stop", `{"type":"message_stop"}`)
	n, _ := startAnthropic(t, sseHandler([]string{start, tool(0, "toolu_a"), emptyDelta, stop(0), tool(1, "toolu_b"), stop(1), end}, nil))
	resp := postCtx(t, n, "/v1/chat/completions", `{"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"time?"}]}`)
	body := readAll(t, resp)
	args := streamedArguments(t, body)
	if len(args) != 2 || args[0] != "{}" || args[1] != "{}" {
		t.Fatalf("arguments %v, want {} for both calls; stream %s", args, body)
	}
	// Unstreamed, the same answer says "{}" too.
	n2, _ := startAnthropic(t, answerJSON(200, `{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5",`+
		`"content":[{"type":"tool_use","id":"toolu_a","name":"get_time","input":{}}],"stop_reason":"tool_use","stop_sequence":null,`+
		`"usage":{"input_tokens":10,"output_tokens":12}}`))
	if body := readAll(t, n2.post(t, "/v1/chat/completions", `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"time?"}]}`)); !strings.Contains(body, `"arguments":"{}"`) {
		t.Fatalf("unstreamed answer %s", body)
	}
}

// An OpenAI refusal (delta.refusal, streamed) must reach an Anthropic client
// as text, as the unstreamed message.refusal does.
func TestFidelityRefusalStreamedToAnthropicClient(t *testing.T) {
	chunk := func(rest string) string {
		return oaiSSE(`{"id":"chatcmpl-r","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o","choices":[` + rest + `]}`)
	}
	events := []string{
		chunk(`{"index":0,"delta":{"role":"assistant","content":null,"refusal":""},"logprobs":null,"finish_reason":null}`),
		chunk(`{"index":0,"delta":{"refusal":"I'm sorry, "},"logprobs":null,"finish_reason":null}`),
		chunk(`{"index":0,"delta":{"refusal":"I can't help with that."},"logprobs":null,"finish_reason":null}`),
		chunk(`{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}`),
		oaiSSE("[DONE]"),
	}
	mock := newMock(t, []string{"m1"}, sseHandler(events, nil))
	n := startNexus(t, testConfig(localBE("local", mock.URL, "m1")), nil)
	resp := postCtx(t, n, "/v1/messages", `{"model":"m1","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"x"}]}`)
	body := readAll(t, resp)
	var text strings.Builder
	for _, ev := range parseClientSSE(t, body) {
		var d struct {
			Delta struct {
				Type, Text string
			} `json:"delta"`
		}
		json.Unmarshal([]byte(ev.Data), &d)
		if ev.Name == "content_block_delta" && d.Delta.Type == "text_delta" {
			text.WriteString(d.Delta.Text)
		}
	}
	if text.String() != "I'm sorry, I can't help with that." || !strings.Contains(body, `"stop_reason":"end_turn"`) {
		t.Fatalf("text %q; stream %s", text.String(), body)
	}
	// Unstreamed, the refusal is the text block.
	mock2 := newMock(t, []string{"m1"}, answerJSON(200, `{"id":"chatcmpl-r","object":"chat.completion","created":1,"model":"gpt-4o",`+
		`"choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I'm sorry, I can't help with that."},"finish_reason":"stop"}]}`))
	n2 := startNexus(t, testConfig(localBE("local", mock2.URL, "m1")), nil)
	if body := readAll(t, n2.post(t, "/v1/messages", `{"model":"m1","max_tokens":64,"messages":[{"role":"user","content":"x"}]}`)); !strings.Contains(body,
		`"content":[{"type":"text","text":"I'm sorry, I can't help with that."}]`) {
		t.Fatalf("unstreamed %s", body)
	}
}

// Anthropic's HTTP 529 overloaded_error is a 503 that fails over, not a 502.
func TestFidelityAnthropicOverloadedFailsOver(t *testing.T) {
	overloaded := func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(529)
		io.WriteString(w, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011"}`)
	}
	const req = `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}]}`
	t.Run("alone: 503", func(t *testing.T) {
		n, _ := startAnthropic(t, overloaded)
		resp := n.post(t, "/v1/chat/completions", req)
		body := readAll(t, resp)
		if resp.StatusCode != 503 || !strings.Contains(body, `"type":"service_unavailable"`) || !strings.Contains(body, `"code":"backend_overloaded"`) {
			t.Fatalf("status %d %s", resp.StatusCode, body)
		}
	})
	t.Run("fails over to the next backend", func(t *testing.T) {
		bad := newProvMock(t, anthropicModelsPage("claude-sonnet-4-5"), overloaded)
		good := newProvMock(t, anthropicModelsPage("claude-sonnet-4-5"), answerJSON(200, `{"id":"msg_1","type":"message","role":"assistant",`+
			`"model":"claude-sonnet-4-5","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}`))
		first := anthropicBE("first", bad.URL, anthKeyEnv, "claude-sonnet-4-5")
		first.Priority = 10
		n := startNexus(t, testConfig(first, anthropicBE("second", good.URL, anthKeyEnv, "claude-sonnet-4-5")), anthEnv)
		resp := n.post(t, "/v1/messages", `{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}`)
		body := readAll(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(body, `"text":"ok"`) {
			t.Fatalf("status %d %s", resp.StatusCode, body)
		}
		wantNexusHeaders(t, resp, "second", "cloud", reasonFailover, "open")
	})
}

// Anthropic's usage.output_tokens_details.thinking_tokens is the reasoning
// part of the output: OpenAI clients see it as reasoning_tokens, streamed or
// not; and an OpenAI backend's reasoning_tokens reach Anthropic clients as
// thinking_tokens.
func TestFidelityThinkingTokens(t *testing.T) {
	const usageJSON = `"usage":{"input_tokens":20,"output_tokens":300,"output_tokens_details":{"thinking_tokens":250}}`
	const want = `"completion_tokens_details":{"reasoning_tokens":250}`
	n, _ := startAnthropic(t, answerJSON(200, `{"id":"msg_t","type":"message","role":"assistant","model":"claude-sonnet-4-5",`+
		`"content":[{"type":"thinking","thinking":"hm","signature":"sig"},{"type":"text","text":"42"}],"stop_reason":"end_turn","stop_sequence":null,`+usageJSON+`}`))
	if body := readAll(t, n.post(t, "/v1/chat/completions", `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"q"}]}`)); !strings.Contains(body, want) {
		t.Errorf("unstreamed: %s", body)
	}
	events := []string{
		anthSSE("message_start", `{"type":"message_start","message":{"id":"msg_t","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":20,"output_tokens":1}}}`),
		anthSSE("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`),
		anthSSE("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"42"}}`),
		anthSSE("content_block_stop", `{"type":"content_block_stop","index":0}`),
		anthSSE("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},`+usageJSON+`}`),
		anthSSE("message_stop", `{"type":"message_stop"}`),
	}
	n2, _ := startAnthropic(t, sseHandler(events, nil))
	body := readAll(t, postCtx(t, n2, "/v1/chat/completions",
		`{"model":"claude-sonnet-4-5","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"q"}]}`))
	if !strings.Contains(body, want) {
		t.Errorf("streamed: %s", body)
	}
	// And back: an OpenAI-compatible backend's reasoning tokens, for an Anthropic client.
	mock := newMock(t, []string{"m1"}, answerJSON(200, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m1",`+
		`"choices":[{"index":0,"message":{"role":"assistant","content":"42"},"finish_reason":"stop"}],`+
		`"usage":{"prompt_tokens":20,"completion_tokens":300,"total_tokens":320,"completion_tokens_details":{"reasoning_tokens":250}}}`))
	n3 := startNexus(t, testConfig(localBE("local", mock.URL, "m1")), nil)
	if body := readAll(t, n3.post(t, "/v1/messages", `{"model":"m1","max_tokens":400,"messages":[{"role":"user","content":"q"}]}`)); !strings.Contains(body,
		`"output_tokens":300,"output_tokens_details":{"thinking_tokens":250}`) {
		t.Errorf("Anthropic client: %s", body)
	}
}

// Some Gemini streams put finishReason on every chunk. The client must see
// finish_reason once, in the last chunk, with no content after it; and an
// error after such chunks must reach the client as an error, not a clean stop.
func TestFidelityGeminiFinishReasonOnEveryChunk(t *testing.T) {
	chunk := func(text string) string {
		return geminiSSE(`{"candidates":[{"content":{"parts":[{"text":"` + text + `"}],"role":"model"},"finishReason":"STOP","index":0}],` +
			`"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":3,"totalTokenCount":8},"modelVersion":"gemini-2.5-flash","responseId":"f1"}`)
	}
	const req = `{"model":"gemini-2.5-flash","stream":true,"messages":[{"role":"user","content":"Count"}]}`
	t.Run("finish once, last", func(t *testing.T) {
		n, _ := startGemini(t, sseHandler([]string{chunk("one"), chunk(" two"), chunk(" three")}, nil))
		body := readAll(t, postCtx(t, n, "/v1/chat/completions", req))
		evs := parseClientSSE(t, body)
		finishes, text := 0, ""
		for i, ev := range evs {
			if ev.Data == "[DONE]" {
				continue
			}
			var c struct {
				Choices []struct {
					Delta struct {
						Content string `json:"content"`
					} `json:"delta"`
					FinishReason *string `json:"finish_reason"`
				} `json:"choices"`
			}
			json.Unmarshal([]byte(ev.Data), &c)
			for _, ch := range c.Choices {
				text += ch.Delta.Content
				if ch.FinishReason != nil {
					finishes++
					if *ch.FinishReason != "stop" || i != len(evs)-2 || ch.Delta.Content != "" {
						t.Errorf("finish_reason %q in event %d of %d: %s", *ch.FinishReason, i, len(evs), ev.Data)
					}
				}
			}
		}
		if finishes != 1 || text != "one two three" || evs[len(evs)-1].Data != "[DONE]" {
			t.Fatalf("%d finishes, text %q; stream %s", finishes, text, body)
		}
	})
	t.Run("an error at the end is an error", func(t *testing.T) {
		errEvent := geminiSSE(`{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}`)
		n, _ := startGemini(t, sseHandler([]string{chunk("one"), chunk(" two"), errEvent}, nil))
		body := readAll(t, postCtx(t, n, "/v1/chat/completions", req))
		evs := parseClientSSE(t, body)
		last := evs[len(evs)-1].Data
		if !strings.Contains(last, `"error"`) || !strings.Contains(last, "overloaded") || strings.Contains(body, `"finish_reason":"stop"`) ||
			strings.Contains(body, "[DONE]") {
			t.Fatalf("stream %s", body)
		}
	})
}

// /v1/messages accepts a system entry inside messages, as the Anthropic API
// does (Claude Code sends one for model names it does not know), on every
// backend kind it is translated for.
func TestFidelitySystemMessageInsideMessages(t *testing.T) {
	const req = `{"model":"%s","max_tokens":64,"system":"Top.","messages":[{"role":"system","content":"Be terse."},` +
		`{"role":"user","content":"Hi"},{"role":"system","content":[{"type":"text","text":"Use English."}]},{"role":"user","content":"Again"}]}`
	t.Run("OpenAI-compatible backend", func(t *testing.T) {
		mock := newMock(t, []string{"m1"}, answerJSON(200, chatJSON))
		n := startNexus(t, testConfig(localBE("local", mock.URL, "m1")), nil)
		resp := n.post(t, "/v1/messages", strings.Replace(req, "%s", "m1", 1))
		if body := readAll(t, resp); resp.StatusCode != 200 {
			t.Fatalf("status %d %s", resp.StatusCode, body)
		}
		got := string(mock.posts()[0].Body)
		if !strings.Contains(got, `"messages":[{"role":"system","content":"Top.\n\nBe terse.\n\nUse English."},{"role":"user","content":"Hi"},{"role":"user","content":"Again"}]`) {
			t.Fatalf("upstream %s", got)
		}
	})
	t.Run("Gemini backend", func(t *testing.T) {
		n, mock := startGemini(t, answerJSON(200, `{"candidates":[{"content":{"parts":[{"text":"ok"}],"role":"model"},"finishReason":"STOP","index":0}],`+
			`"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":1,"totalTokenCount":9},"modelVersion":"gemini-2.5-flash","responseId":"s"}`))
		resp := n.post(t, "/v1/messages", strings.Replace(req, "%s", "gemini-2.5-flash", 1))
		if body := readAll(t, resp); resp.StatusCode != 200 {
			t.Fatalf("status %d %s", resp.StatusCode, body)
		}
		got := string(mock.onlyPost(t).Body)
		if !strings.Contains(got, `"systemInstruction":{"parts":[{"text":"Top.\n\nBe terse.\n\nUse English."}]}`) {
			t.Fatalf("upstream %s", got)
		}
	})
}
