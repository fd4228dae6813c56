// translate_anthropic_response_test.go: golden tests for Anthropic -> OpenAI answers, errors and model lists.
package main

import (
	"net/http"
	"testing"
)

// anthPinClock fixes "created" for the duration of a test.
func anthPinClock(t *testing.T) {
	t.Helper()
	old := nowUnix
	nowUnix = func() int64 { return 1700000000 }
	t.Cleanup(func() { nowUnix = old })
}

func TestOpenAIResponseFromAnthropic(t *testing.T) {
	anthPinClock(t)
	tests := []struct {
		name, in, want string
		u              usage
	}{
		{"text",
			`{"id":"msg_013Zva2CMHLNnXjNJJKqJ2EF","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
			  "content":[{"type":"text","text":"Hi! My name is Claude."}],"stop_reason":"end_turn","stop_sequence":null,
			  "usage":{"input_tokens":2095,"output_tokens":503}}`,
			`{"id":"chatcmpl-msg_013Zva2CMHLNnXjNJJKqJ2EF","object":"chat.completion","created":1700000000,"model":"claude-sonnet-4-5-20250929",
			  "choices":[{"index":0,"message":{"role":"assistant","content":"Hi! My name is Claude."},"logprobs":null,"finish_reason":"stop"}],
			  "usage":{"prompt_tokens":2095,"completion_tokens":503,"total_tokens":2598,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`,
			usage{InputTokens: 2095, OutputTokens: 503, HasInput: true, HasOutput: true}},
		{"text blocks joined, cache usage",
			`{"id":"m1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"Hello"},{"type":"text","text":", world","citations":[]}],
			  "stop_reason":"max_tokens","usage":{"input_tokens":10,"cache_creation_input_tokens":100,"cache_read_input_tokens":1000,"output_tokens":5}}`,
			`{"id":"chatcmpl-m1","object":"chat.completion","created":1700000000,"model":"claude-x",
			  "choices":[{"index":0,"message":{"role":"assistant","content":"Hello, world"},"logprobs":null,"finish_reason":"length"}],
			  "usage":{"prompt_tokens":1110,"completion_tokens":5,"total_tokens":1115,"prompt_tokens_details":{"cached_tokens":1000},"completion_tokens_details":{"reasoning_tokens":0}}}`,
			usage{InputTokens: 1110, CacheReadTokens: 1000, CacheWriteTokens: 100, OutputTokens: 5, HasInput: true, HasOutput: true}},
		{"text and tool use",
			`{"id":"m2","type":"message","role":"assistant","model":"claude-x","content":[
			   {"type":"text","text":"I'll check the weather."},
			   {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"location": "San Francisco, CA", "unit": "celsius"}}],
			  "stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":2}}`,
			`{"id":"chatcmpl-m2","object":"chat.completion","created":1700000000,"model":"claude-x",
			  "choices":[{"index":0,"message":{"role":"assistant","content":"I'll check the weather.","tool_calls":[
			    {"id":"toolu_01A09q90qw90lq917835lq9","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"San Francisco, CA\",\"unit\":\"celsius\"}"}}]},
			  "logprobs":null,"finish_reason":"tool_calls"}],
			  "usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`,
			usage{InputTokens: 1, OutputTokens: 2, HasInput: true, HasOutput: true}},
		{"tool use only has null content",
			`{"id":"m3","type":"message","role":"assistant","model":"claude-x","content":[
			   {"type":"tool_use","id":"t1","name":"a","input":{}},{"type":"tool_use","id":"t2","name":"b"}],
			  "stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":2}}`,
			`{"id":"chatcmpl-m3","object":"chat.completion","created":1700000000,"model":"claude-x",
			  "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
			    {"id":"t1","type":"function","function":{"name":"a","arguments":"{}"}},
			    {"id":"t2","type":"function","function":{"name":"b","arguments":"{}"}}]},
			  "logprobs":null,"finish_reason":"tool_calls"}],
			  "usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`,
			usage{InputTokens: 1, OutputTokens: 2, HasInput: true, HasOutput: true}},
		{"thinking becomes reasoning_content; redacted and unknown blocks skipped",
			`{"id":"m4","type":"message","role":"assistant","model":"claude-x","content":[
			   {"type":"thinking","thinking":"Let me analyze this step by step...","signature":"WaUjzkyp"},
			   {"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix"},
			   {"type":"future_block","x":1},
			   {"type":"text","text":"Based on my analysis..."}],
			  "stop_reason":"refusal","usage":{"input_tokens":3,"output_tokens":4}}`,
			`{"id":"chatcmpl-m4","object":"chat.completion","created":1700000000,"model":"claude-x",
			  "choices":[{"index":0,"message":{"role":"assistant","content":"Based on my analysis...","reasoning_content":"Let me analyze this step by step..."},
			  "logprobs":null,"finish_reason":"content_filter"}],
			  "usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`,
			usage{InputTokens: 3, OutputTokens: 4, HasInput: true, HasOutput: true}},
		{"no content at all",
			`{"id":"m5","type":"message","role":"assistant","model":"claude-x","content":[],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":0}}`,
			`{"id":"chatcmpl-m5","object":"chat.completion","created":1700000000,"model":"claude-x",
			  "choices":[{"index":0,"message":{"role":"assistant","content":""},"logprobs":null,"finish_reason":"stop"}],
			  "usage":{"prompt_tokens":3,"completion_tokens":0,"total_tokens":3,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`,
			usage{InputTokens: 3, HasInput: true, HasOutput: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, u, err := openAIResponseFromAnthropic([]byte(tc.in))
			wantTranslated(t, out, err, tc.want)
			if u != tc.u {
				t.Errorf("usage = %+v, want %+v", u, tc.u)
			}
		})
	}
}

func TestAnthropicFinishReason(t *testing.T) {
	for in, want := range map[string]string{
		"end_turn": "stop", "stop_sequence": "stop", "pause_turn": "stop", "something_new": "stop",
		"max_tokens": "length", "model_context_window_exceeded": "length",
		"tool_use": "tool_calls", "refusal": "content_filter",
	} {
		if got := anthropicFinish(in); got != want {
			t.Errorf("anthropicFinish(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOpenAIResponseFromAnthropicUntranslatable(t *testing.T) {
	for _, in := range []string{``, `not json`, `[]`, `{"type":"error","error":{"type":"api_error","message":"x"}}`,
		`{"type":"message","content":"text"}`, `{"id":"m","model":"x","content":[]}`} {
		out, _, err := openAIResponseFromAnthropic([]byte(in))
		if err == nil {
			t.Errorf("%q: want error, got %s", in, out)
		}
		if _, isAPI := err.(*apiError); isAPI {
			t.Errorf("%q: untranslatable answers must not be *apiError", in)
		}
	}
}

func TestAnthropicErrorMessage(t *testing.T) {
	tests := []struct {
		in, typ, msg string
		ok           bool
	}{
		{`{"type":"error","error":{"type":"not_found_error","message":"The requested resource could not be found."},"request_id":"req_011"}`,
			"not_found_error", "The requested resource could not be found.", true},
		{`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, "overloaded_error", "Overloaded", true},
		{`{"error":{"message":"only message"}}`, "", "only message", true},
		{`{"type":"error","error":{}}`, "", "", false},
		{`{"type":"message"}`, "", "", false},
		{`<html>502</html>`, "", "", false},
	}
	for _, tc := range tests {
		typ, msg, ok := anthropicErrorMessage([]byte(tc.in))
		if typ != tc.typ || msg != tc.msg || ok != tc.ok {
			t.Errorf("%s: got (%q, %q, %v), want (%q, %q, %v)", tc.in, typ, msg, ok, tc.typ, tc.msg, tc.ok)
		}
	}
}

func TestAnthropicErrorStatus(t *testing.T) {
	for typ, want := range map[string]int{
		"invalid_request_error": 400, "authentication_error": 401, "permission_error": 403, "not_found_error": 404,
		"request_too_large": 413, "rate_limit_error": 429, "api_error": 502, "overloaded_error": http.StatusServiceUnavailable,
		"timeout_error": 504, "": 502, "brand_new_error": 502,
	} {
		if got := anthropicErrorStatus(typ); got != want {
			t.Errorf("anthropicErrorStatus(%q) = %d, want %d", typ, got, want)
		}
	}
}

func TestAnthropicModelIDs(t *testing.T) {
	body := `{"data":[{"type":"model","id":"claude-sonnet-4-5-20250929","display_name":"Claude Sonnet 4.5","created_at":"2025-09-29T00:00:00Z"},
	  {"type":"model","id":"claude-opus-4-1-20250805","display_name":"Claude Opus 4.1","created_at":"2025-08-05T00:00:00Z"},{"type":"model","id":""}],
	  "has_more":true,"first_id":"claude-sonnet-4-5-20250929","last_id":"claude-opus-4-1-20250805"}`
	ids, more, last, err := anthropicModelIDs([]byte(body))
	if err != nil || !more || last != "claude-opus-4-1-20250805" || len(ids) != 2 ||
		ids[0] != "claude-sonnet-4-5-20250929" || ids[1] != "claude-opus-4-1-20250805" {
		t.Fatalf("got %q %v %q %v", ids, more, last, err)
	}
	ids, more, last, err = anthropicModelIDs([]byte(`{"data":[],"has_more":false,"first_id":null,"last_id":null}`))
	if err != nil || more || last != "" || len(ids) != 0 {
		t.Fatalf("empty list: got %q %v %q %v", ids, more, last, err)
	}
	for _, bad := range []string{`{}`, `nope`, `{"data":{"id":"x"}}`} {
		if _, _, _, err := anthropicModelIDs([]byte(bad)); err == nil {
			t.Errorf("%s: want error", bad)
		}
	}
}
