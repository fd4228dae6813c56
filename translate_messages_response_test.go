// translate_messages_response_test.go: OpenAI chat.completion -> Anthropic
// message, golden cases, and the Anthropic error envelope.
package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestMessagesResponseFromOpenAIGolden(t *testing.T) {
	tests := []struct {
		name, in, want string
		u              usage
	}{
		{"text with cached usage", `{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,
			"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I assist you today?",
			"refusal":null},"logprobs":null,"finish_reason":"stop"}],
			"usage":{"prompt_tokens":1019,"completion_tokens":10,"total_tokens":1029,"prompt_tokens_details":{"cached_tokens":1000},
			"completion_tokens_details":{"reasoning_tokens":0}}}`,
			`{"id":"msg_B9MBs8CjcvOU2jLn4n570S5qMJKcT","type":"message","role":"assistant","model":"gpt-4o-2024-08-06",
			"content":[{"type":"text","text":"Hello! How can I assist you today?"}],"stop_reason":"end_turn","stop_sequence":null,
			"usage":{"input_tokens":19,"cache_creation_input_tokens":0,"cache_read_input_tokens":1000,"output_tokens":10}}`,
			usage{InputTokens: 1019, CacheReadTokens: 1000, OutputTokens: 10, HasInput: true, HasOutput: true}},
		{"tool calls without text", `{"id":"chatcmpl-abc","model":"llama3.1:8b","choices":[{"index":0,"message":{"role":"assistant",
			"content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather",
			"arguments":"{\"location\": \"Paris, France\"}"}},{"id":"call_2","type":"function","function":{"name":"get_time","arguments":""}}]},
			"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99}}`,
			`{"id":"msg_abc","type":"message","role":"assistant","model":"llama3.1:8b","content":[
			{"type":"tool_use","id":"call_1","name":"get_weather","input":{"location":"Paris, France"}},
			{"type":"tool_use","id":"call_2","name":"get_time","input":{}}],"stop_reason":"tool_use","stop_sequence":null,
			"usage":{"input_tokens":82,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":17}}`,
			usage{InputTokens: 82, OutputTokens: 17, HasInput: true, HasOutput: true}},
		{"reasoning, text and a tool call reported as stop", `{"id":"chatcmpl-r","model":"qwen3","choices":[{"index":0,"message":{
			"role":"assistant","reasoning_content":"The user wants the weather.","content":"Let me check.",
			"tool_calls":[{"id":"call_9","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"<Oslo>\"}"}}]},
			"finish_reason":"stop"}]}`,
			`{"id":"msg_r","type":"message","role":"assistant","model":"qwen3","content":[
			{"type":"thinking","thinking":"The user wants the weather.","signature":""},{"type":"text","text":"Let me check."},
			{"type":"tool_use","id":"call_9","name":"get_weather","input":{"city":"<Oslo>"}}],"stop_reason":"tool_use","stop_sequence":null,
			"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}`,
			usage{}},
		{"reasoning field, length", `{"id":"x","model":"m","choices":[{"message":{"reasoning":"hmm","content":"partial"},
			"finish_reason":"length"}]}`,
			`{"id":"msg_x","type":"message","role":"assistant","model":"m","content":[{"type":"thinking","thinking":"hmm","signature":""},
			{"type":"text","text":"partial"}],"stop_reason":"max_tokens","stop_sequence":null,
			"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}`, usage{}},
		{"content filter, empty text kept", `{"id":"chatcmpl-f","model":"m","choices":[{"message":{"content":""},"finish_reason":"content_filter"}]}`,
			`{"id":"msg_f","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":""}],"stop_reason":"refusal",
			"stop_sequence":null,"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}`, usage{}},
		{"vLLM stop string", `{"id":"cmpl-v","model":"m","choices":[{"message":{"content":"one two"},"finish_reason":"stop","stop_reason":"END"}]}`,
			`{"id":"msg_cmpl-v","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"one two"}],
			"stop_reason":"stop_sequence","stop_sequence":"END",
			"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}`, usage{}},
		{"vLLM token stop is not a stop sequence", `{"id":"chatcmpl-v","model":"m","choices":[{"message":{"content":"a"},"finish_reason":"stop","stop_reason":128001}]}`,
			`{"id":"msg_v","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"a"}],
			"stop_reason":"end_turn","stop_sequence":null,
			"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}`, usage{}},
		{"odd arguments and array content", `{"id":"chatcmpl-o","model":"m","choices":[{"message":{
			"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],"tool_calls":[
			{"id":"c1","function":{"name":"f","arguments":"{\"a\":"}},
			{"id":"c2","function":{"name":"f","arguments":"\"{\\\"x\\\": 1}\""}},
			{"id":"c3","function":{"name":"f","arguments":"[1,2]"}},
			{"id":"c4","function":{"name":"f","arguments":" {\"k\" : [1, 2]} "}}]},"finish_reason":"tool_calls"}]}`,
			`{"id":"msg_o","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"ab"},
			{"type":"tool_use","id":"c1","name":"f","input":{}},{"type":"tool_use","id":"c2","name":"f","input":{"x":1}},
			{"type":"tool_use","id":"c3","name":"f","input":{}},{"type":"tool_use","id":"c4","name":"f","input":{"k":[1,2]}}],
			"stop_reason":"tool_use","stop_sequence":null,
			"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}`, usage{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, u, err := messagesResponseFromOpenAI([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if want := compactWant(t, tt.want); string(got) != want {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
			if u != tt.u {
				t.Fatalf("usage %+v, want %+v", u, tt.u)
			}
		})
	}
}

func TestMessagesResponseFromOpenAIGeneratedIDs(t *testing.T) {
	in := `{"model":"m","choices":[{"message":{"function_call":{"name":"f","arguments":"{\"a\":1}"}},"finish_reason":"function_call"}]}`
	got, _, err := messagesResponseFromOpenAI([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		ID         string `json:"id"`
		StopReason string `json:"stop_reason"`
		Content    []struct {
			Type, ID, Name string
			Input          json.RawMessage
		} `json:"content"`
	}
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatal(err)
	}
	hex24 := regexp.MustCompile(`^[0-9a-f]{24}$`)
	if !strings.HasPrefix(v.ID, "msg_") || !hex24.MatchString(v.ID[4:]) {
		t.Errorf("id %q", v.ID)
	}
	if len(v.Content) != 1 || v.Content[0].Type != "tool_use" || !hex24.MatchString(strings.TrimPrefix(v.Content[0].ID, "toolu_")) ||
		v.Content[0].Name != "f" || string(v.Content[0].Input) != `{"a":1}` || v.StopReason != "tool_use" {
		t.Errorf("got %s", got)
	}
}

func TestMessagesResponseFromOpenAIErrors(t *testing.T) {
	for _, in := range []string{`{"choices":`, `{"choices":[]}`, `{}`, `[]`, `{"choices":[{"message":{"content":1}}],"usage":"x"}`} {
		if got, _, err := messagesResponseFromOpenAI([]byte(in)); err == nil {
			t.Errorf("%s: no error, got %s", in, got)
		}
	}
}

func TestAnthropicErrorBody(t *testing.T) {
	eta := 12
	tests := []struct {
		e    *apiError
		want string
	}{
		{errInvalid("model", "model: Field required"),
			`{"type":"error","error":{"type":"invalid_request_error","message":"model: Field required"}}`},
		{&apiError{Status: 401, Message: "invalid x-api-key"},
			`{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`},
		{&apiError{Status: 403, Message: "m"}, `{"type":"error","error":{"type":"permission_error","message":"m"}}`},
		{&apiError{Status: 404, Type: "invalid_request_error", Code: "model_not_found", Message: "model <x> not found"},
			`{"type":"error","error":{"type":"not_found_error","message":"model <x> not found"}}`},
		{&apiError{Status: 413, Message: "m"}, `{"type":"error","error":{"type":"request_too_large","message":"m"}}`},
		{&apiError{Status: 422, Message: "m"}, `{"type":"error","error":{"type":"invalid_request_error","message":"m"}}`},
		{&apiError{Status: 429, Message: "m"}, `{"type":"error","error":{"type":"rate_limit_error","message":"m"}}`},
		{&apiError{Status: 500, Message: "m"}, `{"type":"error","error":{"type":"api_error","message":"m"}}`},
		{&apiError{Status: 502, Message: "m"}, `{"type":"error","error":{"type":"api_error","message":"m"}}`},
		{&apiError{Status: 504, Message: "m"}, `{"type":"error","error":{"type":"api_error","message":"m"}}`},
		{&apiError{Status: 529, Message: "Overloaded"}, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`},
		{&apiError{Status: http.StatusServiceUnavailable, Type: "service_unavailable", Code: "no_available_backend",
			Message: "no backend", Context: &unavailableContext{RequiredTier: 3, AvailableBackends: []string{"a"}, EtaSeconds: &eta}},
			`{"type":"error","error":{"type":"overloaded_error","message":"no backend"},
			"context":{"required_tier":3,"available_backends":["a"],"eta_seconds":12}}`},
	}
	for _, tt := range tests {
		if got, want := string(anthropicErrorBody(tt.e)), compactWant(t, tt.want); got != want {
			t.Errorf("status %d:\n got %s\nwant %s", tt.e.Status, got, want)
		}
	}
}

func TestAnthropicErrorEvent(t *testing.T) {
	got := string(anthropicErrorEvent(&apiError{Status: 529, Message: "Overloaded"}))
	want := "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
	if got != want {
		t.Fatalf("got %q", got)
	}
}

func TestUpstreamErrorStatus(t *testing.T) {
	tests := []struct {
		kind, code string
		want       int
	}{
		{"", `429`, 429},
		{"", `200`, 502},
		{"", `"rate_limit_exceeded"`, 429},
		{"insufficient_quota", ``, 429},
		{"server_overloaded", ``, 503},
		{"", `"context_length_exceeded"`, 400},
		{"invalid_request_error", ``, 400},
		{"BadRequestError", ``, 400},
		{"authentication_error", ``, 401},
		{"", `"invalid_api_key"`, 401},
		{"permission_denied", ``, 403},
		{"NotFoundError", ``, 404},
		{"server_error", `null`, 502},
	}
	for _, tt := range tests {
		if got := upstreamErrorStatus(tt.kind, rawJSON(tt.code)); got != tt.want {
			t.Errorf("%q %s: %d, want %d", tt.kind, tt.code, got, tt.want)
		}
	}
}
