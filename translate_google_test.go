// translate_google_test.go: golden tests for OpenAI chat request -> Gemini request.
package main

import (
	"strings"
	"testing"
)

func TestGeminiRequestFromOpenAI(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   string
		stream bool
	}{
		{
			name: "system and user text",
			in: `{"model":"gemini-2.5-flash","messages":[
				{"role":"system","content":"You are a cat. Your name is Neko."},
				{"role":"user","content":"Hello there"}]}`,
			want: `{"contents":[{"role":"user","parts":[{"text":"Hello there"}]}],
				"systemInstruction":{"parts":[{"text":"You are a cat. Your name is Neko."}]}}`,
		},
		{
			name: "system and developer messages anywhere, in order",
			in: `{"messages":[
				{"role":"system","content":"one"},
				{"role":"user","content":"hi"},
				{"role":"developer","content":[{"type":"text","text":"two"},{"type":"text","text":"three"}]}],
				"stream":true}`,
			want: `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],
				"systemInstruction":{"parts":[{"text":"one"},{"text":"two"},{"text":"three"}]}}`,
			stream: true,
		},
		{
			name: "multi-turn with consecutive roles merged and empty turns dropped",
			in: `{"messages":[
				{"role":"user","content":"Hello"},
				{"role":"user","content":[{"type":"text","text":"Anyone?"}]},
				{"role":"assistant","content":"Great to meet you."},
				{"role":"assistant","content":""},
				{"role":"assistant","content":[{"type":"text","text":"What would you like to know?"}]},
				{"role":"user","content":"I have two dogs in my house."}]}`,
			want: `{"contents":[
				{"role":"user","parts":[{"text":"Hello"},{"text":"Anyone?"}]},
				{"role":"model","parts":[{"text":"Great to meet you."},{"text":"What would you like to know?"}]},
				{"role":"user","parts":[{"text":"I have two dogs in my house."}]}]}`,
		},
		{
			name: "images as base64 data URL and http URLs",
			in: `{"messages":[{"role":"user","content":[
				{"type":"text","text":"Caption these"},
				{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
				{"type":"image_url","image_url":{"url":"https://example.com/cat.webp?size=large","detail":"high"}},
				{"type":"image_url","image_url":{"url":"https://example.com/render"}},
				{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"mp3"}},
				{"type":"file","file":{"filename":"doc.pdf","file_data":"data:application/pdf;base64,JVBERi0="}}]}]}`,
			want: `{"contents":[{"role":"user","parts":[
				{"text":"Caption these"},
				{"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}},
				{"fileData":{"mimeType":"image/webp","fileUri":"https://example.com/cat.webp?size=large"}},
				{"fileData":{"mimeType":"image/jpeg","fileUri":"https://example.com/render"}},
				{"inlineData":{"mimeType":"audio/mp3","data":"UklGRg=="}},
				{"inlineData":{"mimeType":"application/pdf","data":"JVBERi0="}}]}]}`,
		},
		{
			name: "tools with tool_choice auto",
			in: `{"messages":[{"role":"user","content":"Which theaters in Mountain View show Barbie?"}],
				"tools":[{"type":"function","function":{"name":"find_theaters","description":"find theaters based on location and optionally movie title",
					"parameters":{"type":"object","properties":{"location":{"type":"string"},"movie":{"type":"string"}},"required":["location"],"additionalProperties":false},"strict":true}},
					{"type":"function","function":{"name":"no_args"}}],
				"tool_choice":"auto"}`,
			want: `{"contents":[{"role":"user","parts":[{"text":"Which theaters in Mountain View show Barbie?"}]}],
				"tools":[{"functionDeclarations":[
					{"name":"find_theaters","description":"find theaters based on location and optionally movie title",
					 "parametersJsonSchema":{"type":"object","properties":{"location":{"type":"string"},"movie":{"type":"string"}},"required":["location"],"additionalProperties":false}},
					{"name":"no_args"}]}],
				"toolConfig":{"functionCallingConfig":{"mode":"AUTO"}}}`,
		},
		{
			name: "tool_choice none",
			in:   `{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"none"}`,
			want: `{"contents":[{"role":"user","parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f"}]}],
				"toolConfig":{"functionCallingConfig":{"mode":"NONE"}}}`,
		},
		{
			name: "tool_choice required",
			in:   `{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required"}`,
			want: `{"contents":[{"role":"user","parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f"}]}],
				"toolConfig":{"functionCallingConfig":{"mode":"ANY"}}}`,
		},
		{
			name: "tool_choice named function",
			in: `{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"g"}}],
				"tool_choice":{"type":"function","function":{"name":"g"}}}`,
			want: `{"contents":[{"role":"user","parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f"},{"name":"g"}]}],
				"toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["g"]}}}`,
		},
		{
			name: "tool_choice auto without tools is dropped",
			in:   `{"messages":[{"role":"user","content":"x"}],"tool_choice":"auto","tools":[]}`,
			want: `{"contents":[{"role":"user","parts":[{"text":"x"}]}]}`,
		},
		{
			name: "assistant tool calls and merged tool results",
			in: `{"messages":[
				{"role":"user","content":"Which theaters show Barbie, and what is the weather?"},
				{"role":"assistant","content":null,"tool_calls":[
					{"id":"call_1","type":"function","function":{"name":"find_theaters","arguments":"{\"location\": \"Mountain View, CA\", \"movie\": \"Barbie\"}"},
					 "extra_content":{"google":{"thought_signature":"c2lnbmF0dXJl"}}},
					{"id":"call_2","type":"function","function":{"name":"get_weather","arguments":""}}]},
				{"role":"tool","tool_call_id":"call_1","content":"{\"theaters\":[{\"name\":\"AMC Mountain View 16\"}]}"},
				{"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"sunny, "},{"type":"text","text":"21C"}]},
				{"role":"user","content":"Thanks"},
				{"role":"assistant","tool_calls":[{"id":"call_3","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
				{"role":"tool","tool_call_id":"call_3","content":"[1,2]"}]}`,
			want: `{"contents":[
				{"role":"user","parts":[{"text":"Which theaters show Barbie, and what is the weather?"}]},
				{"role":"model","parts":[
					{"functionCall":{"name":"find_theaters","args":{"location":"Mountain View, CA","movie":"Barbie"}},"thoughtSignature":"c2lnbmF0dXJl"},
					{"functionCall":{"name":"get_weather","args":{}}}]},
				{"role":"user","parts":[
					{"functionResponse":{"name":"find_theaters","response":{"content":{"theaters":[{"name":"AMC Mountain View 16"}]}}}},
					{"functionResponse":{"name":"get_weather","response":{"content":"sunny, 21C"}}},
					{"text":"Thanks"}]},
				{"role":"model","parts":[
					{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"skip_thought_signature_validator"}]},
				{"role":"user","parts":[
					{"functionResponse":{"name":"get_weather","response":{"content":"[1,2]"}}}]}]}`,
		},
		{
			name: "generation config",
			in: `{"messages":[{"role":"user","content":"x"}],"max_tokens":100,"max_completion_tokens":800,"temperature":0.7,
				"top_p":0.9,"stop":["Title","END"],"n":2,"seed":42,"presence_penalty":0.5,"frequency_penalty":-0.25,
				"response_format":{"type":"json_object"},"reasoning_effort":"medium","logprobs":false,"parallel_tool_calls":false,
				"user":"u-1","stream_options":{"include_usage":true},"some_future_field":{"x":1}}`,
			want: `{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{
				"stopSequences":["Title","END"],"responseMimeType":"application/json","candidateCount":2,"maxOutputTokens":800,
				"temperature":0.7,"topP":0.9,"seed":42,"presencePenalty":0.5,"frequencyPenalty":-0.25,
				"thinkingConfig":{"thinkingBudget":8192,"includeThoughts":true}}}`,
		},
		{
			name: "max_tokens, stop string, json_schema, thinking off",
			in: `{"messages":[{"role":"user","content":"x"}],"max_tokens":64,"stop":"\n\n","reasoning_effort":"none",
				"response_format":{"type":"json_schema","json_schema":{"name":"recipe","strict":true,
					"schema":{"type":"object","properties":{"recipeName":{"type":"string"}},"required":["recipeName"],"additionalProperties":false}}}}`,
			want: `{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{
				"stopSequences":["\n\n"],"responseMimeType":"application/json",
				"responseJsonSchema":{"type":"object","properties":{"recipeName":{"type":"string"}},"required":["recipeName"],"additionalProperties":false},
				"maxOutputTokens":64,"thinkingConfig":{"thinkingBudget":0}}}`,
		},
		{
			name: "text response format and html characters kept",
			in:   `{"messages":[{"role":"user","content":"a <b> & c"}],"response_format":{"type":"text"},"temperature":1}`,
			want: `{"contents":[{"role":"user","parts":[{"text":"a <b> & c"}]}],"generationConfig":{"temperature":1}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, stream, err := geminiRequestFromOpenAI([]byte(tc.in))
			wantTranslated(t, out, err, tc.want)
			if stream != tc.stream {
				t.Fatalf("stream = %v, want %v", stream, tc.stream)
			}
		})
	}
}

func TestGeminiRequestFromOpenAIRejects(t *testing.T) {
	const user = `"messages":[{"role":"user","content":"x"}]`
	tests := []struct {
		name, in, param string
	}{
		{"not json", `{"messages":`, ""},
		{"not an object", `[{"role":"user"}]`, ""},
		{"wrong type names the field", `{` + user + `,"temperature":"hot"}`, "temperature"},
		{"messages missing", `{"model":"m"}`, "messages"},
		{"messages not array", `{"messages":{}}`, "messages"},
		{"only system", `{"messages":[{"role":"system","content":"s"}]}`, "messages"},
		{"message not object", `{"messages":[1]}`, "messages[0]"},
		{"role missing", `{"messages":[{"content":"x"}]}`, "messages[0].role"},
		{"legacy function role", `{"messages":[{"role":"function","name":"f","content":"x"}]}`, "messages[0].role"},
		{"logprobs", `{` + user + `,"logprobs":true}`, "logprobs"},
		{"top_logprobs", `{` + user + `,"top_logprobs":3}`, "top_logprobs"},
		{"logit_bias", `{` + user + `,"logit_bias":{"50256":-100}}`, "logit_bias"},
		{"audio output", `{` + user + `,"modalities":["text","audio"],"audio":{"voice":"alloy"}}`, "audio"},
		{"audio modality", `{` + user + `,"modalities":["audio"]}`, "modalities"},
		{"legacy functions", `{` + user + `,"functions":[{"name":"f"}]}`, "functions"},
		{"legacy function_call", `{` + user + `,"function_call":"auto"}`, "function_call"},
		{"web search", `{` + user + `,"web_search_options":{}}`, "web_search_options"},
		{"image in system", `{"messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]},{"role":"user","content":"x"}]}`, "messages[0].content[0].type"},
		{"unknown part type", `{"messages":[{"role":"user","content":[{"type":"video","video":{}}]}]}`, "messages[0].content[0].type"},
		{"content wrong type", `{"messages":[{"role":"user","content":5}]}`, "messages[0].content"},
		{"data url not base64", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,abc"}}]}]}`, "messages[0].content[0].image_url.url"},
		{"ftp url", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x/y.png"}}]}]}`, "messages[0].content[0].image_url.url"},
		{"image url missing", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{}}]}]}`, "messages[0].content[0].image_url.url"},
		{"file id", `{"messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-1"}}]}]}`, "messages[0].content[0].file.file_data"},
		{"tool result without id", `{"messages":[{"role":"user","content":"x"},{"role":"tool","content":"r"}]}`, "messages[1].tool_call_id"},
		{"tool result for unknown call", `{"messages":[{"role":"user","content":"x"},{"role":"tool","tool_call_id":"call_9","content":"r"}]}`, "messages[1].tool_call_id"},
		{"tool result with image", `{"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":[{"type":"image_url","image_url":{"url":"https://x"}}]}]}`, "messages[1].content[0].type"},
		{"arguments not an object", `{"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"[1]"}}]}]}`, "messages[0].tool_calls[0].function.arguments"},
		{"arguments not json", `{"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{oops"}}]}]}`, "messages[0].tool_calls[0].function.arguments"},
		{"tool call without name", `{"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"arguments":"{}"}}]}]}`, "messages[0].tool_calls[0].function.name"},
		{"custom tool call", `{"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"custom","function":{"name":"f"}}]}]}`, "messages[0].tool_calls[0].type"},
		{"non-function tool", `{` + user + `,"tools":[{"type":"web_search"}]}`, "tools[0].type"},
		{"tool without name", `{` + user + `,"tools":[{"type":"function","function":{}}]}`, "tools[0].function.name"},
		{"tools not array", `{` + user + `,"tools":{}}`, "tools"},
		{"required without tools", `{` + user + `,"tool_choice":"required"}`, "tool_choice"},
		{"bad tool_choice", `{` + user + `,"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"sometimes"}`, "tool_choice"},
		{"allowed_tools choice", `{` + user + `,"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"allowed_tools"}}`, "tool_choice"},
		{"stop wrong type", `{` + user + `,"stop":5}`, "stop"},
		{"seed too large", `{` + user + `,"seed":99999999999}`, "seed"},
		{"response_format type", `{` + user + `,"response_format":{"type":"grammar"}}`, "response_format.type"},
		{"response_format not object", `{` + user + `,"response_format":"json"}`, "response_format"},
		{"reasoning_effort", `{` + user + `,"reasoning_effort":"extreme"}`, "reasoning_effort"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := geminiRequestFromOpenAI([]byte(tc.in))
			if out != nil {
				t.Fatalf("want no body, got %s", out)
			}
			gemWant400(t, err, tc.param)
		})
	}
}

// TestGeminiRequestErrorsDoNotEchoPrompt: 400 messages never contain the prompt text.
func TestGeminiRequestErrorsDoNotEchoPrompt(t *testing.T) {
	in := `{"messages":[{"role":"user","content":"SECRET-PROMPT"},{"role":"tool","tool_call_id":"SECRET-ID","content":"SECRET-RESULT"}]}`
	_, _, err := geminiRequestFromOpenAI([]byte(in))
	if err == nil {
		t.Fatal("want error")
	}
	msg := string(openAIErrorBody(asAPIError(err)))
	for _, secret := range []string{"SECRET-PROMPT", "SECRET-ID", "SECRET-RESULT"} {
		if strings.Contains(msg, secret) {
			t.Fatalf("error body echoes %q: %s", secret, msg)
		}
	}
}
