// translate_messages_fuzz_test.go: fuzz targets for the untrusted inputs of
// the Anthropic Messages translators (client request bodies, upstream
// streams). Run with: go test -run=^$ -fuzz=FuzzMessagesStream -fuzztime=20s
package main

import (
	"encoding/json"
	"errors"
	"testing"
)

var messagesRequestSeeds = []string{
	`{"model":"claude-sonnet-4","max_tokens":1024,"messages":[{"role":"user","content":"Hi"}]}`,
	`{"model":"m","max_tokens":10,"stream":true,"system":[{"type":"text","text":"s"}],"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA=="}}]}]}`,
	`{"model":"m","max_tokens":5,"tools":[{"name":"t","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"t","disable_parallel_tool_use":true},"messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"x","signature":"y"},{"type":"tool_use","id":"a","name":"t","input":{"k":1}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"a","is_error":true,"content":[{"type":"text","text":"e"},{"type":"image","source":{"type":"url","url":"u"}}]}]}]}`,
	`{"model":"m","max_tokens":5,"thinking":{"type":"enabled","budget_tokens":2048},"messages":[{"role":"user","content":[{"type":"document","source":{"type":"text","data":"d"}}]}]}`,
	`{"model":1}`, `[]`, `{"model":"m","max_tokens":"1","messages":[]}`, `{"messages":[{"role":"user","content":[{"type":"x"}]}]}`,
}

func FuzzParseMessagesRequest(f *testing.F) {
	for _, s := range messagesRequestSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseMessagesRequest(body)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status != 400 || ae.Type != "invalid_request_error" || ae.Message == "" {
				t.Fatalf("error %v is not a 400 apiError", err)
			}
			return
		}
		if req.Model == "" || req.MaxTokens < 1 {
			t.Fatalf("accepted %+v", req)
		}
	})
}

func FuzzOpenAIRequestFromMessages(f *testing.F) {
	for _, s := range messagesRequestSeeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, opts bool) {
		codec := openAICodec{}
		if opts {
			codec.reasoningModel = func(string) bool { return true }
		}
		out, err := openAIRequestFromMessagesFor(body, "upstream-model", codec)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status != 400 || ae.Type != "invalid_request_error" || ae.Message == "" {
				t.Fatalf("error %v is not a 400 apiError", err)
			}
			return
		}
		var v struct {
			Model    string            `json:"model"`
			Messages []json.RawMessage `json:"messages"`
		}
		if err := json.Unmarshal(out, &v); err != nil || v.Model != "upstream-model" || v.Messages == nil {
			t.Fatalf("output %s: %v", out, err)
		}
	})
}

func FuzzMessagesStream(f *testing.F) {
	seeds := []string{
		delta(`{"role":"assistant","content":""}`) + delta(`{"content":"Hello"}`) + finishChunk("stop") + usageChunk + doneEvent,
		delta(`{"content":"a"}`) + delta(`{"tool_calls":[{"index":0,"id":"c","function":{"name":"n","arguments":"{\"a"}}]}`) +
			delta(`{"tool_calls":[{"index":1,"id":"d","function":{"name":"m","arguments":"\":1}"}}]}`) + finishChunk("tool_calls") + doneEvent,
		delta(`{"reasoning_content":"r"}`) + delta(`{"reasoning":"s","content":"t"}`) + finishChunk("length"),
		delta(`{"tool_calls":[{"id":"c1","function":{"name":"a"}}]}`) + delta(`{"tool_calls":[{"function":{"arguments":"{}"}}]}`),
		`data: {"error":{"message":"x","code":429}}` + "\n\n",
		"event: error\ndata: {\"message\":\"m\"}\n\n",
		chunk(`{"index":0,"delta":{},"finish_reason":"stop","stop_reason":"\n"}`) + doneEvent,
		"data: [DONE]\n\n",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i*3+1))
	}
	f.Fuzz(func(t *testing.T, upstream []byte, step uint8) {
		sizes := []int{int(step%17) + 1, int(step%5) + 1}
		st := newMessagesStream("model")
		out, _, err := runHubStream(st, string(upstream), sizes)
		clean := err == nil
		complete := clean && st.complete()
		if err := validateAnthropicStream([]byte(out), complete); err != nil {
			t.Fatalf("%v\noutput:\n%s", err, out)
		}
	})
}
