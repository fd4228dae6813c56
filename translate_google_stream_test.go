// translate_google_stream_test.go: Gemini SSE -> OpenAI chunk stream, through the real SSE reader.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// gemSSE renders Gemini events the way streamGenerateContent?alt=sse sends them.
func gemSSE(events ...string) string {
	var sb strings.Builder
	for _, e := range events {
		sb.WriteString("data: " + gemCompactString(e) + "\n\n")
	}
	return sb.String()
}

// gemCompactString compacts a test fixture; fixtures are constants, so bad JSON panics.
func gemCompactString(s string) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(s)); err != nil {
		panic("bad fixture JSON: " + err.Error())
	}
	return buf.String()
}

// gemFrames renders expected OpenAI frames (JSON bodies) followed by [DONE] when done.
func gemFrames(t *testing.T, done bool, frames ...string) string {
	var sb strings.Builder
	for _, f := range frames {
		sb.WriteString("data: " + compactWant(t, f) + "\n\n")
	}
	if done {
		sb.WriteString("data: [DONE]\n\n")
	}
	return sb.String()
}

// gemReadPatterns are the read sizes every stream test is run with.
var gemReadPatterns = map[string][]int{
	"whole":       {1 << 20},
	"1 byte":      {1},
	"7 bytes":     {7},
	"mixed":       {3, 50, 1, 200, 2},
	"event split": {40},
}

const gemHead = `"object":"chat.completion.chunk","created":1700000000`

func TestGeminiStream(t *testing.T) {
	tests := []struct {
		name         string
		includeUsage bool
		in           string
		want         []string // frames before [DONE]
		u            usage
		complete     bool
	}{
		{
			name:         "text with usage chunk",
			includeUsage: true,
			in: gemSSE(
				`{"candidates":[{"content":{"parts":[{"text":"The"}],"role":"model"},"index":0}],
				  "usageMetadata":{"promptTokenCount":7,"totalTokenCount":7},"modelVersion":"gemini-2.0-flash","responseId":"s1"}`,
				`{"candidates":[{"content":{"parts":[{"text":" quick \"fox\"\n"}],"role":"model"},"index":0}],
				  "usageMetadata":{"promptTokenCount":7,"totalTokenCount":7},"modelVersion":"gemini-2.0-flash","responseId":"s1"}`,
				`{"candidates":[{"content":{"parts":[{"text":"jumps."}],"role":"model"},"finishReason":"STOP","index":0}],
				  "usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":5,"totalTokenCount":12},"modelVersion":"gemini-2.0-flash","responseId":"s1"}`),
			want: []string{
				`{"id":"chatcmpl-s1",` + gemHead + `,"model":"gemini-2.0-flash","choices":[{"index":0,"delta":{"role":"assistant","content":"The"},"logprobs":null,"finish_reason":null}]}`,
				`{"id":"chatcmpl-s1",` + gemHead + `,"model":"gemini-2.0-flash","choices":[{"index":0,"delta":{"content":" quick \"fox\"\n"},"logprobs":null,"finish_reason":null}]}`,
				`{"id":"chatcmpl-s1",` + gemHead + `,"model":"gemini-2.0-flash","choices":[{"index":0,"delta":{"content":"jumps."},"logprobs":null,"finish_reason":null}]}`,
				`{"id":"chatcmpl-s1",` + gemHead + `,"model":"gemini-2.0-flash","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}`,
				`{"id":"chatcmpl-s1",` + gemHead + `,"model":"gemini-2.0-flash","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":5,"total_tokens":12,
					"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`,
			},
			u:        usage{InputTokens: 7, OutputTokens: 5, HasInput: true, HasOutput: true},
			complete: true,
		},
		{
			name: "function calls: whole calls, stable indexes, finish tool_calls",
			in: gemSSE(
				`{"candidates":[{"content":{"parts":[{"text":"Checking."}],"role":"model"}}],"usageMetadata":{"promptTokenCount":30},"responseId":"t1"}`,
				`{"candidates":[{"content":{"parts":[
					{"functionCall":{"name":"find_theaters","args":{"location":"Mountain View, CA","movie":"Barbie"}},"thoughtSignature":"c2ln"},
					{"functionCall":{"name":"get_time","args":{}}}],"role":"model"}}],"responseId":"t1"}`,
				`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather"}}],"role":"model"},"finishReason":"STOP"}],
				  "usageMetadata":{"promptTokenCount":30,"candidatesTokenCount":15,"thoughtsTokenCount":5},"responseId":"t1"}`),
			want: []string{
				`{"id":"chatcmpl-t1",` + gemHead + `,"model":"gemini-fallback","choices":[{"index":0,"delta":{"role":"assistant","content":"Checking."},"logprobs":null,"finish_reason":null}]}`,
				`{"id":"chatcmpl-t1",` + gemHead + `,"model":"gemini-fallback","choices":[{"index":0,"delta":{"tool_calls":[
					{"index":0,"id":"call_abababab_0","type":"function","function":{"name":"find_theaters","arguments":"{\"location\":\"Mountain View, CA\",\"movie\":\"Barbie\"}"},
					 "extra_content":{"google":{"thought_signature":"c2ln"}}},
					{"index":1,"id":"call_abababab_1","type":"function","function":{"name":"get_time","arguments":"{}"}}]},"logprobs":null,"finish_reason":null}]}`,
				`{"id":"chatcmpl-t1",` + gemHead + `,"model":"gemini-fallback","choices":[{"index":0,"delta":{"tool_calls":[
					{"index":2,"id":"call_abababab_2","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},"logprobs":null,"finish_reason":null}]}`,
				`{"id":"chatcmpl-t1",` + gemHead + `,"model":"gemini-fallback","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]}`,
			},
			u:        usage{InputTokens: 30, OutputTokens: 20, ReasoningTokens: 5, HasInput: true, HasOutput: true},
			complete: true,
		},
		{
			name:         "thoughts become reasoning_content",
			includeUsage: true,
			in: gemSSE(
				`{"candidates":[{"content":{"parts":[{"text":"**Thinking**","thought":true}],"role":"model"},"index":0}],
				  "usageMetadata":{"promptTokenCount":10,"cachedContentTokenCount":4},"modelVersion":"gemini-2.5-flash","responseId":"r"}`,
				`{"candidates":[{"content":{"parts":[{"text":" more","thought":true},{"text":"Answer: "},{"text":"42"}],"role":"model"},"index":0}],
				  "modelVersion":"gemini-2.5-flash","responseId":"r"}`,
				`{"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP","index":0}],
				  "usageMetadata":{"promptTokenCount":10,"cachedContentTokenCount":4,"candidatesTokenCount":3,"thoughtsTokenCount":20},
				  "modelVersion":"gemini-2.5-flash","responseId":"r"}`),
			want: []string{
				`{"id":"chatcmpl-r",` + gemHead + `,"model":"gemini-2.5-flash","choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"**Thinking**"},"logprobs":null,"finish_reason":null}]}`,
				`{"id":"chatcmpl-r",` + gemHead + `,"model":"gemini-2.5-flash","choices":[{"index":0,"delta":{"reasoning_content":" more"},"logprobs":null,"finish_reason":null}]}`,
				`{"id":"chatcmpl-r",` + gemHead + `,"model":"gemini-2.5-flash","choices":[{"index":0,"delta":{"content":"Answer: 42"},"logprobs":null,"finish_reason":null}]}`,
				`{"id":"chatcmpl-r",` + gemHead + `,"model":"gemini-2.5-flash","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}`,
				`{"id":"chatcmpl-r",` + gemHead + `,"model":"gemini-2.5-flash","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":23,"total_tokens":33,
					"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":20}}}`,
			},
			u:        usage{InputTokens: 10, CacheReadTokens: 4, OutputTokens: 23, ReasoningTokens: 20, HasInput: true, HasOutput: true},
			complete: true,
		},
		{
			name: "blocked prompt",
			in:   gemSSE(`{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":4,"totalTokenCount":4},"responseId":"b"}`),
			want: []string{
				`{"id":"chatcmpl-b",` + gemHead + `,"model":"gemini-fallback","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":"content_filter"}]}`,
			},
			u:        usage{InputTokens: 4, HasInput: true, HasOutput: true},
			complete: true,
		},
		{
			name: "safety stop before any text",
			in:   gemSSE(`{"candidates":[{"finishReason":"SAFETY","index":0,"safetyRatings":[]}],"responseId":"x"}`),
			want: []string{
				`{"id":"chatcmpl-x",` + gemHead + `,"model":"gemini-fallback","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":"content_filter"}]}`,
			},
			complete: true,
		},
		{
			name:         "cut stream: nothing closes it and it is not complete",
			includeUsage: true,
			in:           gemSSE(`{"candidates":[{"content":{"parts":[{"text":"Hal"}]}}],"usageMetadata":{"promptTokenCount":3}}`),
			want: []string{
				`{"id":"chatcmpl-abababababababababababab",` + gemHead + `,"model":"gemini-fallback","choices":[{"index":0,"delta":{"role":"assistant","content":"Hal"},"logprobs":null,"finish_reason":null}]}`,
			},
			u: usage{InputTokens: 3, HasInput: true},
		},
		{
			name: "two candidates, comments, unknown fields and empty events ignored",
			in: ": keep-alive\n\n" + gemSSE(
				`{"candidates":[{"content":{"parts":[{"text":"A","newField":{"x":[1]}}]},"index":0,"citationMetadata":{}},
				                {"content":{"parts":[{"text":"B"}]},"index":1}],"responseId":"n","somethingNew":true}`,
				`{}`,
				`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"a":1}}}]},"index":1,"finishReason":"STOP"},
				                {"content":{"parts":[{"text":"!"}]},"index":0,"finishReason":"MAX_TOKENS"}],"responseId":"n"}`),
			want: []string{
				`{"id":"chatcmpl-n",` + gemHead + `,"model":"gemini-fallback","choices":[{"index":0,"delta":{"role":"assistant","content":"A"},"logprobs":null,"finish_reason":null}]}`,
				`{"id":"chatcmpl-n",` + gemHead + `,"model":"gemini-fallback","choices":[{"index":1,"delta":{"role":"assistant","content":"B"},"logprobs":null,"finish_reason":null}]}`,
				`{"id":"chatcmpl-n",` + gemHead + `,"model":"gemini-fallback","choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"id":"call_abababab_0","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},"logprobs":null,"finish_reason":null}]}`,
				`{"id":"chatcmpl-n",` + gemHead + `,"model":"gemini-fallback","choices":[{"index":0,"delta":{"content":"!"},"logprobs":null,"finish_reason":null}]}`,
				`{"id":"chatcmpl-n",` + gemHead + `,"model":"gemini-fallback","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}]}`,
				`{"id":"chatcmpl-n",` + gemHead + `,"model":"gemini-fallback","choices":[{"index":1,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]}`,
			},
			complete: true,
		},
	}
	for _, tc := range tests {
		for _, crlf := range []bool{false, true} {
			for pname, sizes := range gemReadPatterns {
				name := tc.name + "/" + pname
				if crlf {
					name += "/crlf"
				}
				t.Run(name, func(t *testing.T) {
					gemPin(t)
					in := tc.in
					if crlf {
						in = strings.ReplaceAll(in, "\n", "\r\n")
					}
					out, st, err := gemRunStream([]byte(in), sizes, tc.includeUsage)
					if err != nil {
						t.Fatalf("unexpected error: %v", err)
					}
					want := gemFrames(t, tc.complete, tc.want...)
					if tc.includeUsage { // OpenAI's own streams say usage:null until the usage chunk
						want = strings.ReplaceAll(want, `}]}`+"\n", `}],"usage":null}`+"\n")
					}
					if string(out) != want {
						t.Fatalf("frames mismatch\n got: %s\nwant: %s", out, want)
					}
					if st.usage() != tc.u {
						t.Fatalf("usage = %+v, want %+v", st.usage(), tc.u)
					}
					if st.complete() != tc.complete {
						t.Fatalf("complete = %v, want %v", st.complete(), tc.complete)
					}
				})
			}
		}
	}
}

func TestGeminiStreamErrorEvent(t *testing.T) {
	tests := []struct {
		status string
		want   int
	}{
		{"RESOURCE_EXHAUSTED", 429},
		{"INVALID_ARGUMENT", 400},
		{"UNAVAILABLE", 503},
		{"INTERNAL", 502},
		{"", 502},
	}
	for _, tc := range tests {
		t.Run(tc.status, func(t *testing.T) {
			gemPin(t)
			in := gemSSE(
				`{"candidates":[{"content":{"parts":[{"text":"Hi"}]}}],"responseId":"e"}`,
				`{"error":{"code":429,"message":"Resource has been exhausted","status":"`+tc.status+`"}}`,
				`{"candidates":[{"content":{"parts":[{"text":"never"}]}}]}`)
			out, st, err := gemRunStream([]byte(in), []int{5}, true)
			var ae *apiError
			if !errors.As(err, &ae) {
				t.Fatalf("want *apiError, got %T %v", err, err)
			}
			if ae.Status != tc.want || ae.Message != "Resource has been exhausted" {
				t.Fatalf("got %d %q", ae.Status, ae.Message)
			}
			want := gemFrames(t, false,
				`{"id":"chatcmpl-e",`+gemHead+`,"model":"gemini-fallback","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null}`)
			if string(out) != want {
				t.Fatalf("frames before the error\n got: %s\nwant: %s", out, want)
			}
			if st.complete() {
				t.Fatal("an error must not count as a clean end")
			}
		})
	}
}

func TestGeminiStreamUnreadableEvent(t *testing.T) {
	for _, data := range []string{`not json`, `{"candidates":"x"}`, `[1,2]`} {
		st := newGeminiStream("m", false)
		_, err := st.translate(nil, streamEvent{Data: []byte(data)})
		var ae *apiError
		if err == nil || errors.As(err, &ae) {
			t.Fatalf("%q: want a plain error, got %v", data, err)
		}
	}
}

func TestGeminiStreamEmpty(t *testing.T) {
	gemPin(t)
	out, st, err := gemRunStream(nil, []int{1}, false)
	if err != nil || string(out) != "" || st.complete() {
		t.Fatalf("got %q %v complete=%v", out, err, st.complete())
	}
}

func TestAppendJSONString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{"q\"b\\s/\n\r\t\x00\x1f", `"q\"b\\s/\n\r\t\u0000\u001f"`},
		{"<a&b>", `"<a&b>"`},
		{"é漢🙂", `"é漢🙂"`},
		{"bad\xffutf8\xe2\x82", `"bad\ufffdutf8\ufffd\ufffd"`},
		{"\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`}, // surrogate half
		{"\xc0\xaf", `"\ufffd\ufffd"`},           // overlong
		{"\u2028\u2029", `"\u2028\u2029"`},
	}
	for _, tc := range tests {
		if got := string(appendJSONString(nil, tc.in)); got != tc.want {
			t.Errorf("%q: got %s want %s", tc.in, got, tc.want)
		}
	}
}
