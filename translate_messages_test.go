// translate_messages_test.go: Anthropic request parsing and request
// translation (Anthropic -> OpenAI), golden and error cases.
package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// wantAPIError asserts err is a 400 invalid_request_error with message msg.
func wantAPIError(t *testing.T, err error, status int, msg string) {
	t.Helper()
	var ae *apiError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v (%T), want *apiError", err, err)
	}
	if ae.Status != status || ae.Message != msg {
		t.Fatalf("error = %d %q, want %d %q", ae.Status, ae.Message, status, msg)
	}
	if status == 400 && ae.Type != "invalid_request_error" {
		t.Fatalf("type = %q, want invalid_request_error", ae.Type)
	}
}

func TestParseMessagesRequest(t *testing.T) {
	tests := []struct {
		name, body string
		want       messagesRequest
		err        string
	}{
		{"minimal", `{"model":"claude-sonnet-4","max_tokens":1024,"messages":[{"role":"user","content":"Hi"}]}`,
			messagesRequest{Model: "claude-sonnet-4", MaxTokens: 1024}, ""},
		{"stream", `{"model":"m","max_tokens":1,"stream":true,"messages":[{}]}`,
			messagesRequest{Model: "m", MaxTokens: 1, Stream: true}, ""},
		{"stream false and null fields", `{"model":"m","max_tokens":8,"stream":false,"system":null,"messages":[ {} ]}`,
			messagesRequest{Model: "m", MaxTokens: 8}, ""},
		{"malformed", `{"model":`, messagesRequest{}, "malformed JSON in request body at offset 9"},
		{"not an object", `[1,2]`, messagesRequest{}, "request body must be a JSON object"},
		{"empty body", ``, messagesRequest{}, "malformed JSON in request body at offset 0"},
		{"missing model", `{"max_tokens":1,"messages":[{}]}`, messagesRequest{}, "model: Field required"},
		{"null model", `{"model":null,"max_tokens":1,"messages":[{}]}`, messagesRequest{}, "model: Field required"},
		{"numeric model", `{"model":42,"max_tokens":1,"messages":[{}]}`, messagesRequest{}, "model: Input should be a valid string"},
		{"empty model", `{"model":"","max_tokens":1,"messages":[{}]}`, messagesRequest{},
			"model: String should have at least 1 character"},
		{"missing max_tokens", `{"model":"m","messages":[{}]}`, messagesRequest{}, "max_tokens: Field required"},
		{"string max_tokens", `{"model":"m","max_tokens":"10","messages":[{}]}`, messagesRequest{},
			"max_tokens: Input should be a valid integer"},
		{"fractional max_tokens", `{"model":"m","max_tokens":1.5,"messages":[{}]}`, messagesRequest{},
			"max_tokens: Input should be a valid integer"},
		{"zero max_tokens", `{"model":"m","max_tokens":0,"messages":[{}]}`, messagesRequest{},
			"max_tokens: Input should be greater than or equal to 1"},
		{"string stream", `{"model":"m","max_tokens":1,"stream":"yes","messages":[{}]}`, messagesRequest{},
			"stream: Input should be a valid boolean"},
		{"missing messages", `{"model":"m","max_tokens":1}`, messagesRequest{}, "messages: Field required"},
		{"object messages", `{"model":"m","max_tokens":1,"messages":{}}`, messagesRequest{},
			"messages: Input should be a valid list"},
		{"empty messages", `{"model":"m","max_tokens":1,"messages":[ ]}`, messagesRequest{},
			"messages: at least one message is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMessagesRequest([]byte(tt.body))
			if tt.err != "" {
				wantAPIError(t, err, 400, tt.err)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestMessagesThinking(t *testing.T) {
	tests := []struct {
		body   string
		budget int
		effort string
	}{
		{`{"thinking":{"type":"enabled","budget_tokens":1024}}`, 1024, "low"},
		{`{"thinking":{"type":"enabled","budget_tokens":4000}}`, 4000, "low"},
		{`{"thinking":{"type":"enabled","budget_tokens":10000}}`, 10000, "medium"},
		{`{"thinking":{"type":"enabled","budget_tokens":16384}}`, 16384, "medium"},
		{`{"thinking":{"type":"enabled","budget_tokens":31999}}`, 31999, "high"},
		{`{"thinking":{"type":"disabled"}}`, 0, ""},
		{`{"thinking":"enabled"}`, 0, ""},
		{`{"thinking":{"type":"enabled","budget_tokens":"big"}}`, 0, ""},
		{`{"model":"m"}`, 0, ""},
		{`not json`, 0, ""},
	}
	for _, tt := range tests {
		got := 0
		body := strings.Replace(tt.body, "{", `{"messages":[{"role":"user","content":"q"}],`, 1)
		if req, err := (anthropicClient{}).request([]byte(body)); err == nil {
			got = req.ThinkingBudget
		}
		if got != tt.budget || reasoningEffortForBudget(got) != tt.effort {
			t.Errorf("%s: budget %d effort %q, want %d %q", tt.body, got, reasoningEffortForBudget(got), tt.budget, tt.effort)
		}
	}
}

// Anthropic's documented examples (text, vision, tool use), translated.
func TestOpenAIRequestFromMessagesGolden(t *testing.T) {
	tests := []struct {
		name, in, want string
		reasoning      bool
	}{
		{"text and parameters", `{"model":"claude-sonnet-4-20250514","max_tokens":1024,"system":"You are a helpful assistant.",
			"messages":[{"role":"user","content":"Hello, Claude"},{"role":"assistant","content":"Hello!"},
			{"role":"user","content":"Can you describe LLMs to me?"}],
			"temperature":0.5,"top_p":0.9,"top_k":40,"stop_sequences":["\n\nHuman:","END"],"metadata":{"user_id":"u-13"}}`,
			`{"model":"llama3.1:8b","messages":[{"role":"system","content":"You are a helpful assistant."},
			{"role":"user","content":"Hello, Claude"},{"role":"assistant","content":"Hello!"},
			{"role":"user","content":"Can you describe LLMs to me?"}],"max_tokens":1024,"temperature":0.5,"top_p":0.9,
			"stop":["\n\nHuman:","END"],"user":"u-13"}`, false},
		{"system blocks and text blocks joined, html kept", `{"model":"m","max_tokens":10,"stream":true,
			"system":[{"type":"text","text":"You are Claude Code."},{"type":"text","text":"Use <tools> & be brief.","cache_control":{"type":"ephemeral"}}],
			"messages":[{"role":"user","content":[{"type":"text","text":"<system-reminder>x</system-reminder>"},{"type":"text","text":""},{"type":"text","text":"hi"}]}]}`,
			`{"model":"llama3.1:8b","messages":[{"role":"system","content":"You are Claude Code.\n\nUse <tools> & be brief."},
			{"role":"user","content":"<system-reminder>x</system-reminder>\n\nhi"}],"max_tokens":10,"stream":true,
			"stream_options":{"include_usage":true}}`, false},
		{"vision base64 and url", `{"model":"m","max_tokens":1024,"messages":[{"role":"user","content":[
			{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQSkZJRg=="}},
			{"type":"image","source":{"type":"url","url":"https://upload.wikimedia.org/a.jpg"}},
			{"type":"text","text":"What is in the above image?"}]}]}`,
			`{"model":"llama3.1:8b","messages":[{"role":"user","content":[
			{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQSkZJRg=="}},
			{"type":"image_url","image_url":{"url":"https://upload.wikimedia.org/a.jpg"}},
			{"type":"text","text":"What is in the above image?"}]}],"max_tokens":1024}`, false},
		{"tool use round trip", `{"model":"m","max_tokens":1024,
			"tools":[{"name":"get_weather","description":"Get the current weather in a given location",
			  "input_schema":{"type":"object","properties":{"location":{"type":"string","description":"The city and state, e.g. San Francisco, CA"},
			  "unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["location"]},"cache_control":{"type":"ephemeral"}},
			  {"name":"no_args","type":"custom"}],
			"tool_choice":{"type":"any","disable_parallel_tool_use":true},
			"messages":[{"role":"user","content":"What is the weather like in San Francisco?"},
			{"role":"assistant","content":[{"type":"thinking","thinking":"Let me check.","signature":"EqQB"},
			  {"type":"text","text":"I need to use get_weather."},
			  {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{ "location": "San Francisco, CA", "unit": "celsius" }}]},
			{"role":"user","content":[{"type":"text","text":"Thanks!"},{"type":"tool_result","tool_use_id":"toolu_01A09q90qw90lq917835lq9","content":"15 degrees"}]}]}`,
			`{"model":"llama3.1:8b","messages":[{"role":"user","content":"What is the weather like in San Francisco?"},
			{"role":"assistant","content":"I need to use get_weather.","tool_calls":[{"id":"toolu_01A09q90qw90lq917835lq9","type":"function",
			  "function":{"name":"get_weather","arguments":"{\"location\":\"San Francisco, CA\",\"unit\":\"celsius\"}"}}]},
			{"role":"tool","content":"15 degrees","tool_call_id":"toolu_01A09q90qw90lq917835lq9"},
			{"role":"user","content":"Thanks!"}],"max_tokens":1024,
			"tools":[{"type":"function","function":{"name":"get_weather","description":"Get the current weather in a given location",
			  "parameters":{"type":"object","properties":{"location":{"type":"string","description":"The city and state, e.g. San Francisco, CA"},
			  "unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["location"]}}},
			  {"type":"function","function":{"name":"no_args","parameters":{"type":"object","properties":{}}}}],
			"tool_choice":"required","parallel_tool_calls":false}`, false},
		{"parallel tool calls, results with error and image", `{"model":"m","max_tokens":50,
			"tools":[{"name":"read","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"read"},
			"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"read","input":{}},
			  {"type":"tool_use","id":"b","name":"read"}]},
			{"role":"user","content":[{"type":"tool_result","tool_use_id":"a","is_error":true,"content":"file not found"},
			  {"type":"tool_result","tool_use_id":"b","content":[{"type":"text","text":"line 1"},{"type":"text","text":"line 2"},
			    {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]},
			  {"type":"tool_result","tool_use_id":"c"}]}]}`,
			`{"model":"llama3.1:8b","messages":[{"role":"assistant","content":null,"tool_calls":[
			  {"id":"a","type":"function","function":{"name":"read","arguments":"{}"}},
			  {"id":"b","type":"function","function":{"name":"read","arguments":"{}"}}]},
			{"role":"tool","content":"Error: file not found","tool_call_id":"a"},
			{"role":"tool","content":"line 1\n\nline 2","tool_call_id":"b"},
			{"role":"tool","content":"","tool_call_id":"c"},
			{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}],
			"max_tokens":50,"tools":[{"type":"function","function":{"name":"read","parameters":{"type":"object"}}}],
			"tool_choice":{"type":"function","function":{"name":"read"}}}`, false},
		{"tool_choice auto and none; thinking-only assistant", `{"model":"m","max_tokens":5,"tools":[{"name":"t","input_schema":{}}],
			"tool_choice":{"type":"none","disable_parallel_tool_use":true},
			"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"redacted_thinking","data":"xx"}]}]}`,
			`{"model":"llama3.1:8b","messages":[{"role":"user","content":"q"},{"role":"assistant","content":""}],"max_tokens":5,
			"tools":[{"type":"function","function":{"name":"t","parameters":{}}}],"tool_choice":"none"}`, false},
		{"tool_choice without tools is dropped", `{"model":"m","max_tokens":5,"tool_choice":{"type":"auto"},"tools":[],
			"messages":[{"role":"user","content":"q"}]}`,
			`{"model":"llama3.1:8b","messages":[{"role":"user","content":"q"}],"max_tokens":5}`, false},
		{"documents", `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[
			{"type":"document","source":{"type":"text","media_type":"text/plain","data":"The grass is green."}},
			{"type":"document","title":"report.pdf","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}},
			{"type":"text","text":"Summarise."}]}]}`,
			`{"model":"llama3.1:8b","messages":[{"role":"user","content":[{"type":"text","text":"The grass is green."},
			{"type":"file","file":{"filename":"report.pdf","file_data":"data:application/pdf;base64,JVBERi0="}},
			{"type":"text","text":"Summarise."}]}],"max_tokens":5}`, false},
		{"documents and text inside a tool result", `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[
			{"type":"tool_result","tool_use_id":"t1","content":[{"type":"document","source":{"type":"text","data":"doc text"}},
			  {"type":"text","text":""},{"type":"text","text":"done"}]},{"type":"text","text":"next?"}]}]}`,
			`{"model":"llama3.1:8b","messages":[{"role":"tool","content":"done","tool_call_id":"t1"},
			{"role":"user","content":"doc text\n\nnext?"}],"max_tokens":5}`, false},
		{"reasoning effort and max_completion_tokens", `{"model":"m","max_tokens":20000,"stream":true,
			"thinking":{"type":"enabled","budget_tokens":10000},"messages":[{"role":"user","content":"q"}]}`,
			`{"model":"llama3.1:8b","messages":[{"role":"user","content":"q"}],"max_completion_tokens":20000,"stream":true,
			"stream_options":{"include_usage":true},"reasoning_effort":"medium"}`,
			true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := openAIRequestFromMessagesFor([]byte(tt.in), "llama3.1:8b", reasoningCodec(tt.reasoning))
			if err != nil {
				t.Fatal(err)
			}
			if want := compactWant(t, tt.want); string(got) != want {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestOpenAIRequestFromMessagesPlainEqualsZeroOptions(t *testing.T) {
	in := []byte(`{"model":"m","max_tokens":3,"thinking":{"type":"enabled","budget_tokens":2000},"messages":[{"role":"user","content":"q"}]}`)
	a, err1 := openAIRequestFromMessages(in, "x")
	b, err2 := openAIRequestFromMessagesFor(in, "x", reasoningCodec(false))
	if err1 != nil || err2 != nil || string(a) != string(b) {
		t.Fatalf("%s %v / %s %v", a, err1, b, err2)
	}
	if want := `{"model":"x","messages":[{"role":"user","content":"q"}],"max_tokens":3}`; string(a) != want {
		t.Fatalf("got %s", a)
	}
}

func TestOpenAIRequestFromMessagesErrors(t *testing.T) {
	const head = `{"model":"m","max_tokens":5,`
	tests := []struct{ name, body, msg string }{
		{"malformed", `{"model":`, "malformed JSON in request body at offset 9"},
		{"no messages", head + `"messages":[]}`, "messages: at least one message is required"},
		{"ill-typed messages", head + `"messages":"hi"}`, "messages: unexpected string"},
		{"bad role", head + `"messages":[{"role":"tool","content":"x"}]}`,
			"messages.0.role: Input should be 'user', 'assistant' or 'system'"},
		{"missing content", head + `"messages":[{"role":"user"}]}`, "messages.0.content: Field required"},
		{"numeric content", head + `"messages":[{"role":"user","content":7}]}`,
			"messages.0.content: Input should be a string or a list of content blocks"},
		{"ill-typed block", head + `"messages":[{"role":"user","content":[{"type":"text","text":5}]}]}`,
			"messages.0.content: text: unexpected number"},
		{"unknown user block", head + `"messages":[{"role":"user","content":"a"},{"role":"user","content":[{"type":"search_result"}]}]}`,
			`messages.1.content.0: content block type "search_result" is not supported in user messages by this backend`},
		{"untyped block", head + `"messages":[{"role":"user","content":[{"text":"x"}]}]}`,
			"messages.0.content.0: type: Field required"},
		{"image in assistant", head + `"messages":[{"role":"assistant","content":[{"type":"text","text":"a"},{"type":"image","source":{"type":"url","url":"u"}}]}]}`,
			`messages.0.content.1: content block type "image" is not supported in assistant messages by this backend`},
		{"tool_use in user", head + `"messages":[{"role":"user","content":[{"type":"tool_use","id":"a","name":"b","input":{}}]}]}`,
			`messages.0.content.0: content block type "tool_use" is not supported in user messages by this backend`},
		{"tool_result in assistant", head + `"messages":[{"role":"assistant","content":[{"type":"tool_result","tool_use_id":"a"}]}]}`,
			`messages.0.content.0: content block type "tool_result" is not supported in assistant messages by this backend`},
		{"server tool use", head + `"messages":[{"role":"assistant","content":[{"type":"server_tool_use","id":"a","name":"web_search"}]}]}`,
			`messages.0.content.0: content block type "server_tool_use" is not supported in assistant messages by this backend`},
		{"long type is clipped", head + `"messages":[{"role":"user","content":[{"type":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}]}]}`,
			`messages.0.content.0: content block type "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..." is not supported in user messages by this backend`},
		{"tool_use without id", head + `"messages":[{"role":"assistant","content":[{"type":"tool_use","name":"b"}]}]}`,
			"messages.0.content.0: id: Field required"},
		{"tool_use without name", head + `"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"a"}]}]}`,
			"messages.0.content.0: name: Field required"},
		{"tool_use input array", head + `"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"b","input":[1]}]}]}`,
			"messages.0.content.0: input: Input should be an object"},
		{"tool_result without id", head + `"messages":[{"role":"user","content":[{"type":"tool_result","content":"x"}]}]}`,
			"messages.0.content.0: tool_use_id: Field required"},
		{"tool_result numeric content", head + `"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"a","content":1}]}]}`,
			"messages.0.content.0: content: Input should be a string or a list of content blocks"},
		{"tool_result unknown block", head + `"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"a","content":[{"type":"tool_use"}]}]}]}`,
			`messages.0.content.0: content.0: content block type "tool_use" is not supported in tool_result`},
		{"image without source", head + `"messages":[{"role":"user","content":[{"type":"image"}]}]}`,
			"messages.0.content.0: source: Field required"},
		{"image file source", head + `"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}]}`,
			`messages.0.content.0: source: image source type "file" is not supported by this backend`},
		{"image base64 without media type", head + `"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","data":"x"}}]}]}`,
			"messages.0.content.0: source: base64 images need media_type and data"},
		{"image url without url", head + `"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url"}}]}]}`,
			"messages.0.content.0: source.url: Field required"},
		{"document url", head + `"messages":[{"role":"user","content":[{"type":"document","source":{"type":"url","url":"u"}}]}]}`,
			`messages.0.content.0: source: document source type "url" is not supported by this backend`},
		{"system image", head + `"system":[{"type":"image"}],"messages":[{"role":"user","content":"x"}]}`,
			`system.0: content block type "image" is not supported in system`},
		{"system number", head + `"system":3,"messages":[{"role":"user","content":"x"}]}`,
			"system: Input should be a string or a list of text blocks"},
		{"server tool", head + `"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[{"role":"user","content":"x"}]}`,
			`tools.0: tool type "web_search_20250305" is not supported by this backend`},
		{"tool without name", head + `"tools":[{"input_schema":{}}],"messages":[{"role":"user","content":"x"}]}`,
			"tools.0.name: Field required"},
		{"tool schema not object", head + `"tools":[{"name":"a","input_schema":"x"}],"messages":[{"role":"user","content":"x"}]}`,
			"tools.0.input_schema: Input should be an object"},
		{"tool_choice tool without name", head + `"tools":[{"name":"a"}],"tool_choice":{"type":"tool"},"messages":[{"role":"user","content":"x"}]}`,
			"tool_choice.name: Field required"},
		{"tool_choice unknown", head + `"tools":[{"name":"a"}],"tool_choice":{"type":"sometimes"},"messages":[{"role":"user","content":"x"}]}`,
			`tool_choice.type: unsupported value "sometimes"`},
		{"ill-typed temperature", head + `"temperature":"hot","messages":[{"role":"user","content":"x"}]}`,
			"temperature: unexpected string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := openAIRequestFromMessages([]byte(tt.body), "x")
			if err == nil {
				t.Fatalf("no error; got %s", out)
			}
			wantAPIError(t, err, 400, tt.msg)
		})
	}
}

// A client's prompt text never appears in an error message.
func TestOpenAIRequestFromMessagesErrorsDoNotEchoPrompt(t *testing.T) {
	body := `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":"SECRET-PROMPT"},{"type":"bogus"}]}]}`
	_, err := openAIRequestFromMessages([]byte(body), "x")
	var ae *apiError
	if !errors.As(err, &ae) || bytes.Contains([]byte(ae.Message), []byte("SECRET")) {
		t.Fatalf("error %v", err)
	}
}
