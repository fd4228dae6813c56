// translate_anthropic_fuzz_test.go: fuzz targets for the Anthropic translators (untrusted upstream and client input).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

func TestAnthropicFastTextDelta(t *testing.T) {
	tests := []struct {
		in, text string
		ok       bool
	}{
		{`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`, `"Hello"`, true},
		{`{"type":"content_block_delta","index":12,"delta":{"type":"text_delta","text":"a\"b\\"}}` + "\r\n", `"a\"b\\"`, true},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}}`, `""`, true},
		{`{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}}`, "", false},
		{`{"type":"content_block_delta","index":01,"delta":{"type":"text_delta","text":"x"}}`, "", false},
		{`{"type":"content_block_delta","index":,"delta":{"type":"text_delta","text":"x"}}`, "", false},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x\q"}}`, "", false},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x` + "\n" + `"}}`, "", false},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"},"extra":1}`, "", false},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}}`, "", false},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x\"}}`, "", false},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"x"}}`, "", false},
	}
	for _, tc := range tests {
		text, ok := anthropicFastTextDelta([]byte(tc.in))
		if ok != tc.ok || string(text) != tc.text {
			t.Errorf("%s: got %q %v, want %q %v", tc.in, text, ok, tc.text, tc.ok)
		}
		if ok {
			anthCheckFastMatchesSlow(t, []byte(tc.in), text)
		}
	}
}

// anthCheckFastMatchesSlow decodes data on the general path and checks that
// it agrees with what the fast path extracted.
func anthCheckFastMatchesSlow(t *testing.T, data, text []byte) {
	t.Helper()
	var e anthropicEvent
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("fast path accepted %q which the general path rejects: %v", data, err)
	}
	if string(e.Type) != `"content_block_delta"` || string(e.Delta.Type) != `"text_delta"` || !bytes.Equal(e.Delta.Text, text) {
		t.Fatalf("fast path %q disagrees with general path %+v on %q", text, e.Delta, data)
	}
}

// anthCheckFrames asserts every output frame is "data: [DONE]" or "data: <valid JSON>".
func anthCheckFrames(t *testing.T, out []byte) {
	t.Helper()
	for len(out) > 0 {
		frame, rest, ok := bytes.Cut(out, []byte("\n\n"))
		if !ok {
			t.Fatalf("unterminated frame %q", out)
		}
		payload, isData := bytes.CutPrefix(frame, []byte("data: "))
		if !isData || (string(payload) != "[DONE]" && !json.Valid(payload)) {
			t.Fatalf("bad frame %q", frame)
		}
		out = rest
	}
}

func FuzzAnthropicStream(f *testing.F) {
	// Short seeds: the fuzzer minimises every new input, which is slow for
	// long ones, so the long recorded streams stay in the unit tests.
	for _, s := range []string{
		"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\",\"usage\":{\"input_tokens\":2,\"cache_read_input_tokens\":1}}}\n\n" +
			"data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n" +
			"data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":1}}\n\ndata: {\"type\":\"message_stop\"}\n\n",
		"data: {\"type\":\"content_block_start\",\"index\":3,\"content_block\":{\"type\":\"tool_use\",\"id\":\"a\",\"name\":\"b\"}}\n\n" +
			"data: {\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}\n\n",
		"data: {\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\"type\": \"thinking_delta\", \"thinking\": \"x\"}}\r\n\r\n" +
			"data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"s\"}}\r\n\r\n",
		"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
		": ping\nevent: ping\ndata: {\"type\":\"ping\"}\n\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"\\u00e9\"}}",
	} {
		f.Add([]byte(s), uint8(7))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		r := &splitReader{data: data, sizes: []int{int(chunk%64) + 1}}
		sr := newSSEReader(r)
		tr := newAnthropicStream(chunk%2 == 0)
		var out []byte
		events := 0
		for {
			ev, err := sr.next()
			if err != nil {
				if err != io.EOF && !errors.Is(err, errSSETooLarge) {
					t.Fatalf("sse: %v", err)
				}
				break
			}
			events++
			if text, ok := anthropicFastTextDelta(ev.Data); ok {
				anthCheckFastMatchesSlow(t, ev.Data, text)
			}
			before := len(out)
			var terr error
			out, terr = tr.translate(out, ev)
			var ae *apiError
			if errors.As(terr, &ae) && (ae.Status < 400 || ae.Message == "") {
				t.Fatalf("bad stream error %+v", ae)
			}
			// A chunk holds at most the header (id and model come from one
			// earlier event) plus this event's fragments.
			if grown := len(out) - before; grown > 2*len(ev.Raw)+2*len(data)+1024 {
				t.Fatalf("event of %d bytes produced %d bytes", len(ev.Raw), grown)
			}
		}
		out = tr.finish(out)
		anthCheckFrames(t, out)
		if len(out) > 4*len(data)+1024*(events+1) {
			t.Fatalf("%d input bytes produced %d output bytes", len(data), len(out))
		}
	})
}

func FuzzOpenAIResponseFromAnthropic(f *testing.F) {
	for _, s := range []string{
		`{"id":"m","type":"message","role":"assistant","model":"c","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":2}}`,
		`{"id":"m","type":"message","model":"c","content":[{"type":"tool_use","id":"t","name":"f","input":{"a":[1,2]}},{"type":"thinking","thinking":"x"}],"stop_reason":"tool_use","usage":{"cache_read_input_tokens":5}}`,
		`{"type":"error","error":{"type":"api_error","message":"x"}}`, `{"type":"message","content":null}`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, _, err := openAIResponseFromAnthropic(data)
		if err != nil {
			var ae *apiError
			if errors.As(err, &ae) {
				t.Fatalf("untranslatable answer returned *apiError")
			}
			return
		}
		var v struct {
			Object  string `json:"object"`
			Choices []struct {
				FinishReason string `json:"finish_reason"`
			} `json:"choices"`
		}
		if json.Unmarshal(out, &v) != nil || v.Object != "chat.completion" || len(v.Choices) != 1 || v.Choices[0].FinishReason == "" {
			t.Fatalf("bad completion %s", out)
		}
	})
}

func FuzzAnthropicRequestFromOpenAI(f *testing.F) {
	for _, s := range []string{
		`{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]}],"stream":true}`,
		`{"messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},{"role":"tool","tool_call_id":"t","content":"r"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required","parallel_tool_calls":false}`,
		`{"messages":[{"role":"user","content":"x"}],"reasoning_effort":"high","max_tokens":5000,"stop":["a"],"temperature":0.2,"user":"u"}`,
		`{"messages":[{"role":"user","content":"x"}],"n":3}`, `[]`, `{"messages":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, _, err := anthropicRequestFromOpenAI(data, "claude-up")
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status != 400 || ae.Message == "" {
				t.Fatalf("client input error must be a 400 *apiError, got %v", err)
			}
			return
		}
		var v struct {
			Model     string            `json:"model"`
			MaxTokens int               `json:"max_tokens"`
			Messages  []json.RawMessage `json:"messages"`
		}
		if json.Unmarshal(out, &v) != nil || v.Model != "claude-up" || v.MaxTokens <= 0 || len(v.Messages) == 0 {
			t.Fatalf("bad request %s", out)
		}
	})
}
