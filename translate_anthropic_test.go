// translate_anthropic_test.go: golden tests for OpenAI -> Anthropic request translation.
package main

import (
	"errors"
	"strings"
	"testing"
)

func TestAnthropicRequestFromOpenAI(t *testing.T) {
	tests := []struct {
		name, in, want string
		stream         bool
	}{
		{"plain user string",
			`{"model":"claude","messages":[{"role":"user","content":"Hello, Claude"}]}`,
			`{"model":"claude-up","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"Hello, Claude"}]}],"stream":false}`, false},
		{"stream flag copied",
			`{"model":"claude","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}`,
			`{"model":"claude-up","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],"stream":true}`, true},
		{"one system message is a string",
			`{"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Hi"}]}`,
			`{"model":"claude-up","max_tokens":4096,"system":"You are terse.","messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],"stream":false}`, false},
		{"all system and developer messages hoisted in order",
			`{"messages":[{"role":"system","content":"A"},{"role":"user","content":"Hi"},{"role":"developer","content":[{"type":"text","text":"B"},{"type":"text","text":"C"}]},{"role":"user","content":"Again"}]}`,
			`{"model":"claude-up","max_tokens":4096,"system":[{"type":"text","text":"A"},{"type":"text","text":"B"},{"type":"text","text":"C"}],
			  "messages":[{"role":"user","content":[{"type":"text","text":"Hi"},{"type":"text","text":"Again"}]}],"stream":false}`, false},
		{"consecutive same roles merged, empty turns dropped",
			`{"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"assistant","content":"c"},{"role":"assistant","content":""},{"role":"assistant","content":"d"},{"role":"user","content":"e"}]}`,
			`{"model":"claude-up","max_tokens":4096,"messages":[
			  {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
			  {"role":"assistant","content":[{"type":"text","text":"c"},{"type":"text","text":"d"}]},
			  {"role":"user","content":[{"type":"text","text":"e"}]}],"stream":false}`, false},
		{"images by URL and base64",
			`{"messages":[{"role":"user","content":[{"type":"text","text":"What is in these images?"},
			  {"type":"image_url","image_url":{"url":"https://upload.wikimedia.org/a.jpg","detail":"high"}},
			  {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}`,
			`{"model":"claude-up","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"What is in these images?"},
			  {"type":"image","source":{"type":"url","url":"https://upload.wikimedia.org/a.jpg"}},
			  {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]}],"stream":false}`, false},
		{"inline PDF file",
			`{"messages":[{"role":"user","content":[{"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBERi0="}}]}]}`,
			`{"model":"claude-up","max_tokens":4096,"messages":[{"role":"user","content":[
			  {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}}]}],"stream":false}`, false},
		{"tools and tool_choice auto",
			`{"messages":[{"role":"user","content":"Weather in SF?"}],"tool_choice":"auto","tools":[{"type":"function","function":{"name":"get_weather","description":"Get the current weather",
			  "parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}},{"type":"function","function":{"name":"now"}}]}`,
			`{"model":"claude-up","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"Weather in SF?"}]}],"stream":false,
			  "tools":[{"name":"get_weather","description":"Get the current weather","input_schema":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}},
			  {"name":"now","input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"auto"}}`, false},
		{"tool_choice none",
			`{"messages":[{"role":"user","content":"x"}],"tool_choice":"none","parallel_tool_calls":false,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}`,
			`{"model":"claude-up","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"stream":false,
			  "tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"none"}}`, false},
		{"tool_choice required, no parallel calls",
			`{"messages":[{"role":"user","content":"x"}],"tool_choice":"required","parallel_tool_calls":false,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}`,
			`{"model":"claude-up","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"stream":false,
			  "tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"any","disable_parallel_tool_use":true}}`, false},
		{"tool_choice named function",
			`{"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"function","function":{"name":"f"}},"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}`,
			`{"model":"claude-up","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"stream":false,
			  "tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"f"}}`, false},
		{"parallel_tool_calls false without tool_choice",
			`{"messages":[{"role":"user","content":"x"}],"parallel_tool_calls":false,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}`,
			`{"model":"claude-up","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"stream":false,
			  "tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"auto","disable_parallel_tool_use":true}}`, false},
		{"tool calls and merged tool results",
			`{"messages":[{"role":"user","content":"Weather in SF and NYC?"},
			  {"role":"assistant","content":null,"tool_calls":[
			    {"id":"toolu_01","type":"function","function":{"name":"get_weather","arguments":"{\"location\": \"SF\"}"}},
			    {"id":"toolu_02","type":"function","function":{"name":"get_weather","arguments":""}}]},
			  {"role":"tool","tool_call_id":"toolu_01","content":"15 degrees"},
			  {"role":"tool","tool_call_id":"toolu_02","content":[{"type":"text","text":"20"},{"type":"text","text":"degrees"}]},
			  {"role":"user","content":"Thanks"}]}`,
			`{"model":"claude-up","max_tokens":4096,"messages":[
			  {"role":"user","content":[{"type":"text","text":"Weather in SF and NYC?"}]},
			  {"role":"assistant","content":[{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"location":"SF"}},
			                                 {"type":"tool_use","id":"toolu_02","name":"get_weather","input":{}}]},
			  {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"15 degrees"},
			    {"type":"tool_result","tool_use_id":"toolu_02","content":[{"type":"text","text":"20"},{"type":"text","text":"degrees"}]},
			    {"type":"text","text":"Thanks"}]}],"stream":false}`, false},
		{"assistant text before tool call; empty tool result",
			`{"messages":[{"role":"user","content":"x"},{"role":"assistant","content":"Let me check.","tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":"{}"}}]},
			  {"role":"tool","tool_call_id":"t1","content":""}]}`,
			`{"model":"claude-up","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]},
			  {"role":"assistant","content":[{"type":"text","text":"Let me check."},{"type":"tool_use","id":"t1","name":"f","input":{}}]},
			  {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1"}]}],"stream":false}`, false},
		{"limits and sampling",
			`{"messages":[{"role":"user","content":"x"}],"max_tokens":100,"temperature":0.5,"top_p":0.9,"top_k":40,"stop":"END","user":"user-123","seed":7,"store":false,"n":1,"logprobs":false,"frequency_penalty":0,"response_format":{"type":"text"}}`,
			`{"model":"claude-up","max_tokens":100,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"metadata":{"user_id":"user-123"},
			  "stop_sequences":["END"],"stream":false,"temperature":0.5,"top_p":0.9,"top_k":40}`, false},
		{"max_completion_tokens wins, stop array",
			`{"messages":[{"role":"user","content":"x"}],"max_tokens":100,"max_completion_tokens":200,"stop":["a","","b"]}`,
			`{"model":"claude-up","max_tokens":200,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"stop_sequences":["a","b"],"stream":false}`, false},
		{"reasoning_effort without limit",
			`{"messages":[{"role":"user","content":"x"}],"reasoning_effort":"medium"}`,
			`{"model":"claude-up","max_tokens":8192,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"stream":false,"thinking":{"type":"enabled","budget_tokens":4096}}`, false},
		{"reasoning_effort capped by limit",
			`{"messages":[{"role":"user","content":"x"}],"reasoning_effort":"high","max_completion_tokens":3000}`,
			`{"model":"claude-up","max_tokens":3000,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"stream":false,"thinking":{"type":"enabled","budget_tokens":1500}}`, false},
		{"reasoning_effort minimal is no thinking",
			`{"messages":[{"role":"user","content":"x"}],"reasoning_effort":"minimal"}`,
			`{"model":"claude-up","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"stream":false}`, false},
		{"no thinking when continuing after a tool result",
			`{"messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"t1","content":"ok"}],"reasoning_effort":"low"}`,
			`{"model":"claude-up","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]},
			  {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}}]},
			  {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}],"stream":false}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, stream, err := anthropicRequestFromOpenAI([]byte(tc.in), "claude-up")
			wantTranslated(t, out, err, tc.want)
			if stream != tc.stream {
				t.Errorf("stream = %v, want %v", stream, tc.stream)
			}
		})
	}
}

func TestAnthropicRequestFromOpenAIErrors(t *testing.T) {
	const user = `{"role":"user","content":"SECRET-PROMPT"}`
	tests := []struct{ name, in, param string }{
		{"not JSON", `{`, ""},
		{"not an object", `[1]`, ""},
		{"messages missing", `{"model":"m"}`, "messages"},
		{"messages wrong type", `{"messages":"hi"}`, "messages"},
		{"only system", `{"messages":[{"role":"system","content":"SECRET-PROMPT"}]}`, "messages"},
		{"unknown role", `{"messages":[{"role":"function","content":"SECRET-PROMPT"}]}`, "messages[0].role"},
		{"stream not bool", `{"stream":"yes","messages":[` + user + `]}`, "stream"},
		{"n > 1", `{"n":2,"messages":[` + user + `]}`, "n"},
		{"logprobs", `{"logprobs":true,"messages":[` + user + `]}`, "logprobs"},
		{"top_logprobs", `{"top_logprobs":3,"messages":[` + user + `]}`, "top_logprobs"},
		{"presence_penalty", `{"presence_penalty":0.5,"messages":[` + user + `]}`, "presence_penalty"},
		{"logit_bias", `{"logit_bias":{"50256":-100},"messages":[` + user + `]}`, "logit_bias"},
		{"audio", `{"audio":{"voice":"alloy","format":"wav"},"messages":[` + user + `]}`, "audio"},
		{"audio modality", `{"modalities":["text","audio"],"messages":[` + user + `]}`, "modalities"},
		{"legacy functions", `{"functions":[{"name":"f"}],"messages":[` + user + `]}`, "functions"},
		{"json_object", `{"response_format":{"type":"json_object"},"messages":[` + user + `]}`, "response_format"},
		{"json_schema", `{"response_format":{"type":"json_schema","json_schema":{"name":"x"}},"messages":[` + user + `]}`, "response_format"},
		{"temperature above 1", `{"temperature":1.5,"messages":[` + user + `]}`, "temperature"},
		{"max_tokens zero", `{"max_tokens":0,"messages":[` + user + `]}`, "max_tokens"},
		{"max_completion_tokens not int", `{"max_completion_tokens":"many","messages":[` + user + `]}`, "max_completion_tokens"},
		{"reasoning_effort unknown", `{"reasoning_effort":"extreme","messages":[` + user + `]}`, "reasoning_effort"},
		{"reasoning_effort with tiny limit", `{"reasoning_effort":"low","max_tokens":1000,"messages":[` + user + `]}`, "max_completion_tokens"},
		{"stop wrong type", `{"stop":5,"messages":[` + user + `]}`, "stop"},
		{"non-function tool", `{"tools":[{"type":"custom","custom":{"name":"x"}}],"messages":[` + user + `]}`, "tools[0].type"},
		{"tool without name", `{"tools":[{"type":"function","function":{}}],"messages":[` + user + `]}`, "tools[0].function.name"},
		{"tool_choice unknown string", `{"tool_choice":"sometimes","messages":[` + user + `]}`, "tool_choice"},
		{"tool_choice allowed_tools", `{"tool_choice":{"type":"allowed_tools"},"messages":[` + user + `]}`, "tool_choice"},
		{"invalid tool arguments", `{"messages":[` + user + `,{"role":"assistant","tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"{\"SECRET-PROMPT\":"}}]}]}`,
			"messages[1].tool_calls[0].function.arguments"},
		{"tool arguments not an object", `{"messages":[` + user + `,{"role":"assistant","tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"[1]"}}]}]}`,
			"messages[1].tool_calls[0].function.arguments"},
		{"tool call without id", `{"messages":[` + user + `,{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}}]}]}`,
			"messages[1].tool_calls[0]"},
		{"tool message without id", `{"messages":[` + user + `,{"role":"tool","content":"SECRET-PROMPT"}]}`, "messages[1].tool_call_id"},
		{"image with ftp URL", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://SECRET-PROMPT"}}]}]}`,
			"messages[0].content[0].image_url"},
		{"data URL not base64", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,SECRET-PROMPT"}}]}]}`,
			"messages[0].content[0].image_url"},
		{"audio input part", `{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AAA","format":"wav"}}]}]}`,
			"messages[0].content[0].type"},
		{"file by id", `{"messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-1"}}]}]}`, "messages[0].content[0].file"},
		{"image in system", `{"messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https://x"}}]},` + user + `]}`,
			"messages[0].content[0].type"},
		{"content wrong type", `{"messages":[{"role":"user","content":42}]}`, "messages[0].content"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := anthropicRequestFromOpenAI([]byte(tc.in), "claude-up")
			var ae *apiError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v (out %s), want *apiError", err, out)
			}
			if ae.Status != 400 || ae.Type != "invalid_request_error" || ae.Param != tc.param {
				t.Errorf("got status %d type %q param %q, want 400 invalid_request_error %q", ae.Status, ae.Type, ae.Param, tc.param)
			}
			if ae.Message == "" || strings.Contains(ae.Error(), "SECRET-PROMPT") {
				t.Errorf("message %q must be set and must not echo prompt text", ae.Error())
			}
		})
	}
}

func TestAnthropicRequestRejectsUnsupportedWithReason(t *testing.T) {
	_, _, err := anthropicRequestFromOpenAI([]byte(`{"response_format":{"type":"json_object"},"messages":[{"role":"user","content":"x"}]}`), "m")
	if err == nil || !strings.Contains(err.Error(), "not supported by Anthropic backends") {
		t.Fatalf("err = %v", err)
	}
}
