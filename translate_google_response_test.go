// translate_google_response_test.go: golden tests for Gemini response -> OpenAI chat.completion.
package main

import (
	"errors"
	"testing"
)

func TestOpenAIResponseFromGemini(t *testing.T) {
	const head = `"object":"chat.completion","created":1700000000`
	tests := []struct {
		name string
		in   string
		want string
		u    usage
	}{
		{
			name: "text answer with usage",
			in: `{"candidates":[{"content":{"parts":[{"text":"Once upon a time, "},{"text":"there was a magic backpack."}],"role":"model"},
				"finishReason":"STOP","avgLogprobs":-0.12,"safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"NEGLIGIBLE"}]}],
				"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":12,"totalTokenCount":20,
					"promptTokensDetails":[{"modality":"TEXT","tokenCount":8}]},
				"modelVersion":"gemini-2.0-flash","responseId":"mbXoaOWzA8"}`,
			want: `{"id":"chatcmpl-mbXoaOWzA8",` + head + `,"model":"gemini-2.0-flash","choices":[
				{"index":0,"message":{"role":"assistant","content":"Once upon a time, there was a magic backpack."},
				 "logprobs":null,"finish_reason":"stop"}],
				"usage":{"prompt_tokens":8,"completion_tokens":12,"total_tokens":20,
					"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`,
			u: usage{InputTokens: 8, OutputTokens: 12, HasInput: true, HasOutput: true},
		},
		{
			name: "function calls with STOP finish as tool_calls",
			in: `{"candidates":[{"content":{"role":"model","parts":[
					{"functionCall":{"name":"find_theaters","args":{"movie":"Barbie","location":"Mountain View, CA"}},"thoughtSignature":"c2ln"},
					{"functionCall":{"name":"get_time"}}]},
				"finishReason":"STOP","index":0}],
				"usageMetadata":{"promptTokenCount":50,"candidatesTokenCount":20,"thoughtsTokenCount":30,"cachedContentTokenCount":10}}`,
			want: `{"id":"chatcmpl-abababababababababababab",` + head + `,"model":"fallback-model","choices":[
				{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
					{"id":"call_abababab_0","type":"function","function":{"name":"find_theaters","arguments":"{\"movie\":\"Barbie\",\"location\":\"Mountain View, CA\"}"},
					 "extra_content":{"google":{"thought_signature":"c2ln"}}},
					{"id":"call_abababab_1","type":"function","function":{"name":"get_time","arguments":"{}"}}]
				},"logprobs":null,"finish_reason":"tool_calls"}],
				"usage":{"prompt_tokens":50,"completion_tokens":50,"total_tokens":100,
					"prompt_tokens_details":{"cached_tokens":10},"completion_tokens_details":{"reasoning_tokens":30}}}`,
			u: usage{InputTokens: 50, CacheReadTokens: 10, OutputTokens: 50, ReasoningTokens: 30, HasInput: true, HasOutput: true},
		},
		{
			name: "thought summary becomes reasoning_content, text kept beside a call",
			in: `{"candidates":[{"content":{"parts":[{"text":"**Planning**\nI should","thought":true},{"text":" check.","thought":true},
					{"text":"Let me look."},{"functionCall":{"name":"lookup","args":{"q":"a\"b"}}}]},"finishReason":"STOP"}],
				"modelVersion":"gemini-2.5-pro"}`,
			want: `{"id":"chatcmpl-abababababababababababab",` + head + `,"model":"gemini-2.5-pro","choices":[
				{"index":0,"message":{"role":"assistant","content":"Let me look.","reasoning_content":"**Planning**\nI should check.",
				 "tool_calls":[{"id":"call_abababab_0","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"a\\\"b\"}"}}]
				},"logprobs":null,"finish_reason":"tool_calls"}]}`,
		},
		{
			name: "several candidates, finish reasons, call ids unique per response",
			in: `{"candidates":[
				{"content":{"parts":[{"text":"cut"}]},"finishReason":"MAX_TOKENS","index":0},
				{"finishReason":"SAFETY","index":1},
				{"content":{"parts":[{"functionCall":{"name":"f","args":{}}}]},"finishReason":"STOP","index":2},
				{"content":{"parts":[{"functionCall":{"name":"g","args":{}}}]},"finishReason":"MAX_TOKENS","index":3},
				{"content":{"parts":[{"text":"x"}]},"finishReason":"MALFORMED_FUNCTION_CALL","index":4},
				{"content":{"parts":[{"text":"y"}]},"finishReason":"SOMETHING_NEW","index":5},
				{"content":{"parts":[{"text":"z"}]},"index":6},
				{"content":{"parts":[]},"finishReason":"PROHIBITED_CONTENT","index":7}],
				"responseId":"r1","modelVersion":"m"}`,
			want: `{"id":"chatcmpl-r1",` + head + `,"model":"m","choices":[
				{"index":0,"message":{"role":"assistant","content":"cut"},"logprobs":null,"finish_reason":"length"},
				{"index":1,"message":{"role":"assistant","content":""},"logprobs":null,"finish_reason":"content_filter"},
				{"index":2,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_abababab_0","type":"function","function":{"name":"f","arguments":"{}"}}]},"logprobs":null,"finish_reason":"tool_calls"},
				{"index":3,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_abababab_1","type":"function","function":{"name":"g","arguments":"{}"}}]},"logprobs":null,"finish_reason":"length"},
				{"index":4,"message":{"role":"assistant","content":"x"},"logprobs":null,"finish_reason":"stop"},
				{"index":5,"message":{"role":"assistant","content":"y"},"logprobs":null,"finish_reason":"stop"},
				{"index":6,"message":{"role":"assistant","content":"z"},"logprobs":null,"finish_reason":"stop"},
				{"index":7,"message":{"role":"assistant","content":""},"logprobs":null,"finish_reason":"content_filter"}]}`,
		},
		{
			name: "blocked prompt without candidates",
			in: `{"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"HIGH"}]},
				"usageMetadata":{"promptTokenCount":9,"totalTokenCount":9},"modelVersion":"gemini-2.0-flash","responseId":"b1"}`,
			want: `{"id":"chatcmpl-b1",` + head + `,"model":"gemini-2.0-flash","choices":[
				{"index":0,"message":{"role":"assistant","content":""},"logprobs":null,"finish_reason":"content_filter"}],
				"usage":{"prompt_tokens":9,"completion_tokens":0,"total_tokens":9,
					"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`,
			u: usage{InputTokens: 9, HasInput: true, HasOutput: true},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gemPin(t)
			out, u, err := openAIResponseFromGemini([]byte(tc.in), "fallback-model")
			wantTranslated(t, out, err, tc.want)
			if u != tc.u {
				t.Fatalf("usage = %+v, want %+v", u, tc.u)
			}
		})
	}
}

func TestOpenAIResponseFromGeminiUntranslatable(t *testing.T) {
	for _, in := range []string{
		``, `not json`, `[]`, `{}`, `{"candidates":[]}`,
		`{"candidates":"x"}`,
		`{"candidates":[{"content":{"parts":[{"text":5}]}}]}`,
		`{"error":{"code":500,"message":"internal","status":"INTERNAL"}}`,
	} {
		out, _, err := openAIResponseFromGemini([]byte(in), "m")
		if err == nil || out != nil {
			t.Fatalf("%q: want error and no body, got %s", in, out)
		}
		var ae *apiError
		if errors.As(err, &ae) {
			t.Fatalf("%q: untranslatable must not be an *apiError: %v", in, err)
		}
	}
}

func TestGeminiErrorMessage(t *testing.T) {
	tests := []struct {
		in          string
		code        int
		status, msg string
		ok          bool
	}{
		{`{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT",
			"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}`,
			400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", true},
		{`[{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}]`,
			429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", true},
		{`{"error":{}}`, 0, "", "", false},
		{`{"candidates":[]}`, 0, "", "", false},
		{`<html>502</html>`, 0, "", "", false},
		{`[]`, 0, "", "", false},
	}
	for _, tc := range tests {
		code, status, msg, ok := geminiErrorMessage([]byte(tc.in))
		if code != tc.code || status != tc.status || msg != tc.msg || ok != tc.ok {
			t.Fatalf("%s: got (%d,%q,%q,%v)", tc.in, code, status, msg, ok)
		}
	}
}
