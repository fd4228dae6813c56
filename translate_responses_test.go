// translate_responses_test.go: the Responses translator against the
// documented wire format — requests as an OpenAI-compatible backend receives
// them, the 400s of what a stateless gateway cannot serve, and hub answers
// back as Response objects. The streams are in
// translate_responses_stream_test.go.
package main

import (
	"errors"
	"strings"
	"testing"
)

// pinnedID is randomHex(24) under pinTranslatorClocks.
var pinnedID = strings.Repeat("ab", 24)

// responsesToOpenAI translates a Responses request for an OpenAI-compatible
// backend serving it as model "up".
func responsesToOpenAI(body string) ([]byte, []string, error) {
	req, err := responsesClient{}.request([]byte(body))
	if err != nil {
		return nil, nil, err
	}
	out, err := openAICodec{}.request(req, "up")
	return out, req.Dropped, err
}

func TestResponsesRequestTranslation(t *testing.T) {
	const weather = `{"type":"function","name":"get_weather","description":"Get the weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true}`
	const weatherHub = `{"type":"function","function":{"name":"get_weather","description":"Get the weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true}}`
	tests := []struct {
		name, body, want string
		dropped          string
	}{
		{"string input with instructions and options",
			`{"model":"m","instructions":"Be brief.","input":"Tell me a joke.","max_output_tokens":100,"temperature":0.5,"top_p":0.9,
			 "reasoning":{"effort":"low","summary":"auto"},"store":false,"include":["reasoning.encrypted_content"],
			 "prompt_cache_key":"k","service_tier":"auto","truncation":"disabled","metadata":{"a":"b"},"parallel_tool_calls":false,"user":"u1"}`,
			`{"model":"up","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Tell me a joke."}],
			  "max_tokens":100,"temperature":0.5,"top_p":0.9,"parallel_tool_calls":false,"reasoning_effort":"low","user":"u1"}`, ""},
		{"text.format json_schema",
			`{"model":"m","input":"x","text":{"format":{"type":"json_schema","name":"joke","description":"A joke","schema":{"type":"object"},"strict":true}}}`,
			`{"model":"up","messages":[{"role":"user","content":"x"}],
			  "response_format":{"type":"json_schema","json_schema":{"name":"joke","description":"A joke","schema":{"type":"object"},"strict":true}}}`, ""},
		{"text.format text and json_object",
			`{"model":"m","input":[{"role":"user","content":"x"}],"text":{"format":{"type":"json_object"}}}`,
			`{"model":"up","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}}`, ""},
		{"function call round trip; reasoning items dropped; hosted tool dropped",
			`{"model":"m","input":[
			  {"role":"developer","content":"Use tools."},
			  {"type":"message","role":"user","content":[{"type":"input_text","text":"Weather in Paris?"},{"type":"input_image","image_url":"data:image/png;base64,AAAA","detail":"low"}]},
			  {"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"opaque"},
			  {"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}","status":"completed"},
			  {"type":"function_call","id":"fc_2","call_id":"call_2","name":"get_weather","arguments":"{\"city\":\"Lyon\"}","status":"completed"},
			  {"type":"function_call_output","call_id":"call_1","output":"{\"temp\":18}"},
			  {"type":"function_call_output","call_id":"call_2","output":[{"type":"input_text","text":"20"}]},
			  {"type":"message","role":"assistant","content":[{"type":"output_text","text":"18C and 20C","annotations":[]}]},
			  {"type":"web_search_call","id":"ws_1","status":"completed"},
			  {"role":"user","content":"Thanks"}],
			 "tools":[` + weather + `,{"type":"web_search"},{"type":"file_search","vector_store_ids":["vs"]}],"tool_choice":"auto"}`,
			`{"model":"up","messages":[{"role":"system","content":"Use tools."},
			  {"role":"user","content":[{"type":"text","text":"Weather in Paris?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}}]},
			  {"role":"assistant","content":null,"tool_calls":[
			    {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
			    {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Lyon\"}"}}]},
			  {"role":"tool","content":"{\"temp\":18}","tool_call_id":"call_1"},
			  {"role":"tool","content":"20","tool_call_id":"call_2"},
			  {"role":"assistant","content":"18C and 20C"},
			  {"role":"user","content":"Thanks"}],
			 "tools":[` + weatherHub + `],"tool_choice":"auto"}`, "web_search,file_search"},
		{"an image returned by a tool moves into a user message after it",
			`{"model":"m","input":[{"role":"user","content":"Look"},
			  {"type":"function_call","call_id":"c1","name":"screenshot","arguments":"{}"},
			  {"type":"function_call_output","call_id":"c1","output":[{"type":"input_text","text":"here"},{"type":"input_image","image_url":"https://x/y.png"}]}]}`,
			`{"model":"up","messages":[{"role":"user","content":"Look"},
			  {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"screenshot","arguments":"{}"}}]},
			  {"role":"tool","content":"here","tool_call_id":"c1"},
			  {"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}`, ""},
		{"client-executed tools: custom, local_shell, shell, apply_patch, namespace",
			`{"model":"m","input":[{"role":"user","content":"fix it"},
			  {"type":"custom_tool_call","call_id":"c1","name":"patch","input":"*** Begin Patch"},
			  {"type":"custom_tool_call_output","call_id":"c1","output":"Done"},
			  {"type":"local_shell_call","id":"ls1","call_id":"c2","action":{"type":"exec","command":["ls"]}},
			  {"type":"local_shell_call_output","id":"c2","output":"a.txt"},
			  {"type":"shell_call","call_id":"c3","action":{"commands":["pwd"]}},
			  {"type":"shell_call_output","call_id":"c3","output":[{"stdout":"/w","stderr":"","outcome":{"type":"exit","exit_code":0}}]},
			  {"type":"apply_patch_call","call_id":"c4","operation":{"type":"delete_file","path":"x"}},
			  {"type":"apply_patch_call_output","call_id":"c4","status":"failed","output":"no such file"}],
			 "tools":[{"type":"custom","name":"patch","description":"Patch files","format":{"type":"grammar","syntax":"lark","definition":"start: x"}},
			  {"type":"local_shell"},{"type":"shell"},{"type":"apply_patch"},
			  {"type":"namespace","name":"multi_agent_v1","description":"Agents","tools":[{"type":"function","name":"spawn","parameters":{"type":"object"}}]}]}`,
			`{"model":"up","messages":[{"role":"user","content":"fix it"},
			  {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"patch","arguments":"{\"input\":\"*** Begin Patch\"}"}}]},
			  {"role":"tool","content":"Done","tool_call_id":"c1"},
			  {"role":"assistant","content":null,"tool_calls":[{"id":"c2","type":"function","function":{"name":"local_shell","arguments":"{\"type\":\"exec\",\"command\":[\"ls\"]}"}}]},
			  {"role":"tool","content":"a.txt","tool_call_id":"c2"},
			  {"role":"assistant","content":null,"tool_calls":[{"id":"c3","type":"function","function":{"name":"shell","arguments":"{\"commands\":[\"pwd\"]}"}}]},
			  {"role":"tool","content":"[{\"stdout\":\"/w\",\"stderr\":\"\",\"outcome\":{\"type\":\"exit\",\"exit_code\":0}}]","tool_call_id":"c3"},
			  {"role":"assistant","content":null,"tool_calls":[{"id":"c4","type":"function","function":{"name":"apply_patch","arguments":"{\"type\":\"delete_file\",\"path\":\"x\"}"}}]},
			  {"role":"tool","content":"Error: no such file","tool_call_id":"c4"}],
			 "tools":[
			  {"type":"function","function":{"name":"patch","description":"Patch files\n\nThe input must follow this lark grammar:\nstart: x","parameters":` + customParams + `}},
			  {"type":"function","function":{"name":"local_shell","description":"Run a command on the user's machine and return its output.","parameters":` + localShellParams + `}},
			  {"type":"function","function":{"name":"shell","description":"Run shell commands on the user's machine and return their output.","parameters":` + shellParams + `}},
			  {"type":"function","function":{"name":"apply_patch","description":"Create, update or delete a file in the user's workspace.","parameters":` + applyPatchParams + `}},
			  {"type":"function","function":{"name":"spawn","parameters":{"type":"object"}}}]}`, ""},
		{"tool_choice: a function, a client-executed kind, allowed_tools",
			`{"model":"m","input":"x","tools":[` + weather + `,{"type":"shell"}],"tool_choice":{"type":"function","name":"get_weather"}}`,
			`{"model":"up","messages":[{"role":"user","content":"x"}],"tools":[` + weatherHub + `,
			  {"type":"function","function":{"name":"shell","description":"Run shell commands on the user's machine and return their output.","parameters":` + shellParams + `}}],
			 "tool_choice":{"type":"function","function":{"name":"get_weather"}}}`, ""},
		{"tool_choice shell",
			`{"model":"m","input":"x","tools":[{"type":"shell"}],"tool_choice":{"type":"shell"}}`,
			`{"model":"up","messages":[{"role":"user","content":"x"}],"tools":[
			  {"type":"function","function":{"name":"shell","description":"Run shell commands on the user's machine and return their output.","parameters":` + shellParams + `}}],
			 "tool_choice":{"type":"function","function":{"name":"shell"}}}`, ""},
		{"tool_choice allowed_tools keeps only the allowed tools",
			`{"model":"m","input":"x","tools":[` + weather + `,{"type":"shell"}],
			 "tool_choice":{"type":"allowed_tools","mode":"required","tools":[{"type":"function","name":"get_weather"}]}}`,
			`{"model":"up","messages":[{"role":"user","content":"x"}],"tools":[` + weatherHub + `],"tool_choice":"required"}`, ""},
		{"consecutive assistant messages join; the developer's message stays where it stands",
			`{"model":"m","input":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"type":"message","role":"assistant","content":[{"type":"output_text","text":"c"}]},
			  {"role":"system","content":"later"},{"role":"user","content":"d"}]}`,
			`{"model":"up","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"bc"},{"role":"system","content":"later"},{"role":"user","content":"d"}]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, dropped, err := responsesToOpenAI(tt.body)
			wantTranslated(t, out, err, tt.want)
			if got := strings.Join(dropped, ","); got != tt.dropped {
				t.Errorf("dropped %q, want %q", got, tt.dropped)
			}
		})
	}
}

func TestResponsesRequestErrors(t *testing.T) {
	tests := []struct {
		name, body, param, code, message string
	}{
		{"previous_response_id", `{"model":"m","input":"x","previous_response_id":"resp_123"}`, "previous_response_id", "previous_response_not_found",
			"previous_response_id cannot be resolved. Nexus does not store responses for this backend: send the whole conversation in input."},
		{"conversation", `{"model":"m","input":"x","conversation":"conv_1"}`, "conversation", "",
			"conversation cannot be resolved. Nexus does not store responses for this backend: send the whole conversation in input."},
		{"stored prompt", `{"model":"m","prompt":{"id":"pmpt_1"}}`, "prompt", "",
			"stored prompts are not available on this backend; send instructions and input"},
		{"background", `{"model":"m","input":"x","background":true}`, "background", "", "background responses are not available on this backend"},
		{"item_reference", `{"model":"m","input":[{"role":"user","content":"x"},{"type":"item_reference","id":"msg_1"}]}`, "input[1]", "",
			"input[1]: item references need stored responses, which this backend does not keep; send the item itself"},
		{"no input", `{"model":"m"}`, "input", "", "input is required"},
		{"input a number", `{"model":"m","input":3}`, "input", "", "input must be a string or a list of items"},
		{"instructions not a string", `{"model":"m","input":"x","instructions":["a"]}`, "instructions", "", "instructions must be a string"},
		{"bad role", `{"model":"m","input":[{"role":"tool","content":"x"}]}`, "input[0].role", "", "input[0].role must be user, assistant, system or developer"},
		{"image in an assistant message", `{"model":"m","input":[{"role":"assistant","content":[{"type":"input_image","image_url":"https://x"}]}]}`,
			"input[0].content[0].type", "", "input[0].content[0]: input_image parts are only supported in user messages"},
		{"image by file id", `{"model":"m","input":[{"role":"user","content":[{"type":"input_image","file_id":"file-1"}]}]}`,
			"input[0].content[0].image_url", "", "input[0].content[0]: images are sent by image_url here (file ids need OpenAI's file store)"},
		{"file by url", `{"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_url":"https://x/a.pdf"}]}]}`,
			"input[0].content[0].file_data", "", "input[0].content[0]: files are sent inline as file_data here (file ids and URLs need OpenAI's file store)"},
		{"unknown part", `{"model":"m","input":[{"role":"user","content":[{"type":"input_audio"}]}]}`,
			"input[0].content[0].type", "", `input[0].content[0]: content part type "input_audio" is not supported`},
		{"output without call id", `{"model":"m","input":[{"type":"function_call_output","output":"x"}]}`, "input[0].call_id", "", "input[0].call_id is required"},
		{"hosted tool_choice", `{"model":"m","input":"x","tools":[{"type":"web_search"}],"tool_choice":{"type":"web_search"}}`, "tool_choice", "",
			`tool_choice requires the hosted tool "web_search", which this backend cannot run`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := responsesToOpenAI(tt.body)
			var e *apiError
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want an apiError", err)
			}
			if e.Status != 400 || e.Type != "invalid_request_error" || e.Param != tt.param || e.Code != tt.code || e.Message != tt.message {
				t.Fatalf("error %d %s param %q code %q %q\nwant 400 invalid_request_error param %q code %q %q",
					e.Status, e.Type, e.Param, e.Code, e.Message, tt.param, tt.code, tt.message)
			}
		})
	}
}

// defaultEcho is what a Response repeats of a request that set nothing but
// model and input (and tools, when given).
func responseObject(status, incomplete, tools, output, usage string) string {
	inc := "null"
	if incomplete != "" {
		inc = `{"reason":"` + incomplete + `"}`
	}
	if tools == "" {
		tools = "[]"
	}
	return `{"id":"resp_` + pinnedID + `","object":"response","created_at":1700000000,"status":"` + status + `","background":false,"error":null,` +
		`"incomplete_details":` + inc + `,"instructions":null,"max_output_tokens":null,"model":"gpt-4o-mini","output":[` + output + `],` +
		`"parallel_tool_calls":true,"previous_response_id":null,"reasoning":{"effort":null,"summary":null},"store":false,"temperature":1,` +
		`"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":` + tools + `,"top_p":1,"truncation":"disabled","usage":` + usage +
		`,"user":null,"metadata":{}}`
}

// Usage of the upstream answers below (OpenAI's documented shape) as a
// Response reports it.
const (
	upstreamUsage      = `"usage":{"prompt_tokens":120,"completion_tokens":42,"total_tokens":162,"prompt_tokens_details":{"cached_tokens":100},"completion_tokens_details":{"reasoning_tokens":30}}`
	wantResponsesUsage = `{"input_tokens":120,"input_tokens_details":{"cached_tokens":100,"cache_write_tokens":0},"output_tokens":42,"output_tokens_details":{"reasoning_tokens":30},"total_tokens":162}`
)

func upstreamCompletion(message, finish string) string {
	return `{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":` +
		message + `,"logprobs":null,"finish_reason":"` + finish + `"}],` + upstreamUsage + `}`
}

func TestResponsesAnswer(t *testing.T) {
	pinTranslatorClocks(t)
	const tools = `[{"type":"function","name":"get_weather","parameters":{"type":"object"}},{"type":"custom","name":"patch"},` +
		`{"type":"local_shell"},{"type":"shell"},{"type":"apply_patch"},{"type":"namespace","name":"ns","tools":[{"type":"function","name":"spawn"}]}]`
	msg := func(status, content string) string {
		return `{"id":"msg_` + pinnedID + `","type":"message","status":"` + status + `","content":[` + content + `],"role":"assistant"}`
	}
	text := func(s string) string {
		return `{"type":"output_text","annotations":[],"logprobs":[],"text":"` + s + `"}`
	}
	call := func(c string) string {
		return `{"id":"call_1","type":"function","function":` + c + `}`
	}
	tests := []struct {
		name, tools, message, finish string
		status, incomplete, output   string
	}{
		{"text", "", `{"role":"assistant","content":"Hello \"there\""}`, "stop", "completed", "",
			msg("completed", text(`Hello \"there\"`))},
		{"reasoning then text", "", `{"role":"assistant","content":"4","reasoning_content":"2+2"}`, "stop", "completed", "",
			`{"id":"rs_` + pinnedID + `","type":"reasoning","summary":[{"type":"summary_text","text":"2+2"}]},` + msg("completed", text("4"))},
		{"refusal", "", `{"role":"assistant","content":null,"refusal":"I can't help with that."}`, "stop", "completed", "",
			msg("completed", `{"type":"refusal","refusal":"I can't help with that."}`)},
		{"cut by max_output_tokens", "", `{"role":"assistant","content":"Once upon"}`, "length", "incomplete", "max_output_tokens",
			msg("incomplete", text("Once upon"))},
		{"content filter", "", `{"role":"assistant","content":""}`, "content_filter", "incomplete", "content_filter",
			msg("incomplete", text(""))},
		{"function call", tools, `{"role":"assistant","content":null,"tool_calls":[` + call(`{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}`) + `]}`,
			"tool_calls", "completed", "",
			`{"id":"fc_` + pinnedID + `","type":"function_call","status":"completed","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"}`},
		{"text and a namespaced call", tools, `{"role":"assistant","content":"Spawning.","tool_calls":[` + call(`{"name":"spawn","arguments":"{}"}`) + `]}`,
			"tool_calls", "completed", "",
			msg("completed", text("Spawning.")) + `,{"id":"fc_` + pinnedID + `","type":"function_call","status":"completed","call_id":"call_1","name":"spawn","namespace":"ns","arguments":"{}"}`},
		{"custom tool call", tools, `{"role":"assistant","content":null,"tool_calls":[` + call(`{"name":"patch","arguments":"{\"input\":\"*** Begin Patch\\n\"}"}`) + `]}`,
			"tool_calls", "completed", "",
			`{"id":"ctc_` + pinnedID + `","type":"custom_tool_call","status":"completed","call_id":"call_1","name":"patch","input":"*** Begin Patch\n"}`},
		{"local_shell call", tools, `{"role":"assistant","content":null,"tool_calls":[` + call(`{"name":"local_shell","arguments":"{\"command\":[\"ls\",\"-l\"],\"timeout_ms\":1000}"}`) + `]}`,
			"tool_calls", "completed", "",
			`{"id":"lsc_` + pinnedID + `","type":"local_shell_call","status":"completed","call_id":"call_1",` +
				`"action":{"type":"exec","command":["ls","-l"],"env":{},"timeout_ms":1000,"working_directory":null,"user":null}}`},
		{"shell call", tools, `{"role":"assistant","content":null,"tool_calls":[` + call(`{"name":"shell","arguments":"{\"commands\":[\"pwd\"]}"}`) + `]}`,
			"tool_calls", "completed", "",
			`{"id":"sh_` + pinnedID + `","type":"shell_call","status":"completed","call_id":"call_1",` +
				`"action":{"commands":["pwd"],"timeout_ms":null,"max_output_length":null},"environment":null}`},
		{"apply_patch call", tools, `{"role":"assistant","content":null,"tool_calls":[` + call(`{"name":"apply_patch","arguments":"{\"type\":\"update_file\",\"path\":\"a.go\",\"diff\":\"@@\\n-x\\n+y\"}"}`) + `]}`,
			"tool_calls", "completed", "",
			`{"id":"apc_` + pinnedID + `","type":"apply_patch_call","status":"completed","call_id":"call_1",` +
				`"operation":{"type":"update_file","path":"a.go","diff":"@@\n-x\n+y"}}`},
		{"a client-executed call with unreadable arguments comes back as a function call", tools,
			`{"role":"assistant","content":null,"tool_calls":[` + call(`{"name":"shell","arguments":"pwd"}`) + `]}`,
			"tool_calls", "completed", "",
			`{"id":"fc_` + pinnedID + `","type":"function_call","status":"completed","call_id":"call_1","name":"shell","arguments":"pwd"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := `{"model":"m","input":"x"`
			if tt.tools != "" {
				req += `,"tools":` + tt.tools
			}
			req += "}"
			comp, err := openAICodec{}.response([]byte(upstreamCompletion(tt.message, tt.finish)), "")
			if err != nil {
				t.Fatal(err)
			}
			out, err := responsesClient{}.response(&inbound{body: []byte(req)}, comp)
			wantTranslated(t, out, err, responseObject(tt.status, tt.incomplete, tt.tools, tt.output, wantResponsesUsage))
		})
	}
}

// A Response repeats the settings the request made, as OpenAI's does.
func TestResponsesAnswerEchoesRequest(t *testing.T) {
	pinTranslatorClocks(t)
	req := `{"model":"m","input":"x","instructions":"Be brief.","max_output_tokens":50,"parallel_tool_calls":false,"temperature":0.2,"top_p":0.5,` +
		`"text":{"format":{"type":"json_object"}},"reasoning":{"effort":"high","summary":"auto"},"tool_choice":"none","user":"u","metadata":{"k":"v"}}`
	comp, err := openAICodec{}.response([]byte(upstreamCompletion(`{"role":"assistant","content":"{}"}`, "stop")), "")
	if err != nil {
		t.Fatal(err)
	}
	out, err := responsesClient{}.response(&inbound{body: []byte(req)}, comp)
	wantTranslated(t, out, err, `{"id":"resp_`+pinnedID+`","object":"response","created_at":1700000000,"status":"completed","background":false,"error":null,`+
		`"incomplete_details":null,"instructions":"Be brief.","max_output_tokens":50,"model":"gpt-4o-mini","output":[`+
		`{"id":"msg_`+pinnedID+`","type":"message","status":"completed","content":[{"type":"output_text","annotations":[],"logprobs":[],"text":"{}"}],"role":"assistant"}],`+
		`"parallel_tool_calls":false,"previous_response_id":null,"reasoning":{"effort":"high","summary":"auto"},"store":false,"temperature":0.2,`+
		`"text":{"format":{"type":"json_object"}},"tool_choice":"none","tools":[],"top_p":0.5,"truncation":"disabled","usage":`+wantResponsesUsage+
		`,"user":"u","metadata":{"k":"v"}}`)
}

func TestResponsesUsageFromBody(t *testing.T) {
	u, ok := responsesUsageFromBody([]byte(`{"id":"resp_1","usage":` + wantResponsesUsage + `}`))
	want := usage{InputTokens: 120, CacheReadTokens: 100, OutputTokens: 42, ReasoningTokens: 30, HasInput: true, HasOutput: true}
	if !ok || u != want {
		t.Fatalf("usage %+v %v, want %+v", u, ok, want)
	}
	if _, ok := responsesUsageFromBody([]byte(`{"id":"resp_1","usage":null}`)); ok {
		t.Fatal("usage null read as usage")
	}
}
