// translate_messages_stream_test.go: OpenAI chunk streams -> Anthropic event
// streams, fed through newSSEReader over odd-sized reads, asserting the exact
// event sequence and the invariants the Anthropic SDKs rely on.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
)

// runMessagesStream translates an OpenAI chunk stream for an Anthropic
// client (see runHubStream).
func runMessagesStream(model, upstream string, sizes []int) (string, *hubStream, error) {
	return runHubStream(newMessagesStream(model), upstream, sizes)
}

// frame is one expected Anthropic event.
func frame(name, data string) string { return "event: " + name + "\ndata: " + data + "\n\n" }

// chunk is one upstream OpenAI chunk event (with id and model).
func chunk(choices string) string {
	return `data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini",` +
		`"system_fingerprint":"fp_44709d6fcb","choices":[` + choices + "]}\n\n"
}

func delta(d string) string {
	return chunk(`{"index":0,"delta":` + d + `,"logprobs":null,"finish_reason":null}`)
}

func finishChunk(reason string) string {
	return chunk(`{"index":0,"delta":{},"logprobs":null,"finish_reason":"` + reason + `"}`)
}

const (
	usageChunk = `data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[],` +
		`"usage":{"prompt_tokens":120,"completion_tokens":42,"total_tokens":162,"prompt_tokens_details":{"cached_tokens":100}}}` + "\n\n"
	doneEvent  = "data: [DONE]\n\n"
	startFrame = `{"type":"message_start","message":{"id":"msg_123","type":"message","role":"assistant","model":"gpt-4o-mini",` +
		`"content":[],"stop_reason":null,"stop_sequence":null,` +
		`"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}}`
	textStart     = `{"type":"content_block_start","index":%d,"content_block":{"type":"text","text":""}}`
	thinkingStart = `{"type":"content_block_start","index":%d,"content_block":{"type":"thinking","thinking":"","signature":""}}`
	toolStart     = `{"type":"content_block_start","index":%d,"content_block":{"type":"tool_use","id":%q,"name":%q,"input":{}}}`
	textDelta     = `{"type":"content_block_delta","index":%d,"delta":{"type":"text_delta","text":%s}}`
	thinkingDelta = `{"type":"content_block_delta","index":%d,"delta":{"type":"thinking_delta","thinking":%s}}`
	jsonDelta     = `{"type":"content_block_delta","index":%d,"delta":{"type":"input_json_delta","partial_json":%s}}`
	blockStop     = `{"type":"content_block_stop","index":%d}`
	stopFrames    = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
	usageDelta    = `"usage":{"input_tokens":20,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,"output_tokens":42}}`
)

func f(name, format string, args ...any) string { return frame(name, fmt.Sprintf(format, args...)) }

func messageDelta(reason, usage string) string {
	return frame("message_delta", `{"type":"message_delta","delta":{"stop_reason":"`+reason+`","stop_sequence":null},`+usage) + stopFrames
}

var readSizes = [][]int{{1}, {3, 7, 2}, {13, 1, 5}, {64 << 10}}

func TestMessagesStreamGolden(t *testing.T) {
	noUsage := `"usage":{"output_tokens":0}}`
	tests := []struct {
		name, in, want string
		u              usage
	}{
		{"text only",
			delta(`{"role":"assistant","content":""}`) + delta(`{"content":"Hello"}`) +
				delta(`{"content":" world\n\"quoted\" <b> \u00e9"}`) + finishChunk("stop") + doneEvent,
			frame("message_start", startFrame) + f("content_block_start", textStart, 0) +
				f("content_block_delta", textDelta, 0, `"Hello"`) +
				f("content_block_delta", textDelta, 0, `" world\n\"quoted\" <b> \u00e9"`) +
				f("content_block_stop", blockStop, 0) + messageDelta("end_turn", noUsage), usage{}},
		{"text then two tool calls with fragments, usage after finish",
			delta(`{"role":"assistant","content":null}`) + delta(`{"content":"Checking."}`) +
				delta(`{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]}`) +
				delta(`{"tool_calls":[{"index":0,"function":{"arguments":"{\"loc"}}]}`) +
				delta(`{"tool_calls":[{"index":0,"function":{"arguments":"ation\": \"Paris\"}"}}]}`) +
				delta(`{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{}"}}]}`) +
				finishChunk("tool_calls") + usageChunk + doneEvent,
			frame("message_start", startFrame) + f("content_block_start", textStart, 0) +
				f("content_block_delta", textDelta, 0, `"Checking."`) + f("content_block_stop", blockStop, 0) +
				f("content_block_start", toolStart, 1, "call_a", "get_weather") +
				f("content_block_delta", jsonDelta, 1, `"{\"loc"`) +
				f("content_block_delta", jsonDelta, 1, `"ation\": \"Paris\"}"`) + f("content_block_stop", blockStop, 1) +
				f("content_block_start", toolStart, 2, "call_b", "get_time") + f("content_block_delta", jsonDelta, 2, `"{}"`) +
				f("content_block_stop", blockStop, 2) + messageDelta("tool_use", usageDelta),
			usage{InputTokens: 120, CacheReadTokens: 100, OutputTokens: 42, HasInput: true, HasOutput: true}},
		{"reasoning_content then text, CRLF",
			strings.ReplaceAll(delta(`{"role":"assistant","reasoning_content":"Let me"}`)+delta(`{"reasoning_content":" think."}`)+
				delta(`{"reasoning_content":"","content":"42"}`)+finishChunk("length")+doneEvent, "\n", "\r\n"),
			frame("message_start", startFrame) + f("content_block_start", thinkingStart, 0) +
				f("content_block_delta", thinkingDelta, 0, `"Let me"`) + f("content_block_delta", thinkingDelta, 0, `" think."`) +
				f("content_block_stop", blockStop, 0) + f("content_block_start", textStart, 1) +
				f("content_block_delta", textDelta, 1, `"42"`) + f("content_block_stop", blockStop, 1) +
				messageDelta("max_tokens", noUsage), usage{}},
		{"reasoning field and content in one chunk",
			delta(`{"reasoning":"r","content":"t"}`) + finishChunk("stop") + doneEvent,
			frame("message_start", startFrame) + f("content_block_start", thinkingStart, 0) +
				f("content_block_delta", thinkingDelta, 0, `"r"`) + f("content_block_stop", blockStop, 0) +
				f("content_block_start", textStart, 1) + f("content_block_delta", textDelta, 1, `"t"`) +
				f("content_block_stop", blockStop, 1) + messageDelta("end_turn", noUsage), usage{}},
		{"usage chunk after finish, no [DONE]",
			delta(`{"content":"hi"}`) + finishChunk("stop") + usageChunk,
			frame("message_start", startFrame) + f("content_block_start", textStart, 0) +
				f("content_block_delta", textDelta, 0, `"hi"`) + f("content_block_stop", blockStop, 0) +
				messageDelta("end_turn", usageDelta),
			usage{InputTokens: 120, CacheReadTokens: 100, OutputTokens: 42, HasInput: true, HasOutput: true}},
		{"finish then end of stream",
			delta(`{"content":"hi"}`) + finishChunk("content_filter"),
			frame("message_start", startFrame) + f("content_block_start", textStart, 0) +
				f("content_block_delta", textDelta, 0, `"hi"`) + f("content_block_stop", blockStop, 0) +
				messageDelta("refusal", noUsage), usage{}},
		{"usage in the finish chunk ends at once",
			delta(`{"content":"hi"}`) + `data: {"id":"chatcmpl-123","model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],` +
				`"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}` + "\n\n" + doneEvent,
			frame("message_start", startFrame) + f("content_block_start", textStart, 0) +
				f("content_block_delta", textDelta, 0, `"hi"`) + f("content_block_stop", blockStop, 0) +
				messageDelta("end_turn", `"usage":{"input_tokens":5,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}`),
			usage{InputTokens: 5, OutputTokens: 1, HasInput: true, HasOutput: true}},
		{"role-only then finish: no blocks",
			delta(`{"role":"assistant","content":""}`) + finishChunk("stop") + doneEvent,
			frame("message_start", startFrame) + messageDelta("end_turn", noUsage), usage{}},
		{"tool call reported as stop, complete in one chunk (Ollama style)",
			delta(`{"role":"assistant","content":"","tool_calls":[{"id":"call_x","index":0,"type":"function","function":{"name":"ls","arguments":"{\"path\":\"/\"}"}}]}`) +
				finishChunk("stop") + doneEvent,
			frame("message_start", startFrame) + f("content_block_start", toolStart, 0, "call_x", "ls") +
				f("content_block_delta", jsonDelta, 0, `"{\"path\":\"/\"}"`) + f("content_block_stop", blockStop, 0) +
				messageDelta("tool_use", noUsage), usage{}},
		{"tool calls without index",
			delta(`{"tool_calls":[{"id":"c1","function":{"name":"a","arguments":"{"}}]}`) +
				delta(`{"tool_calls":[{"function":{"arguments":"}"}}]}`) +
				delta(`{"tool_calls":[{"id":"c1","function":{"arguments":""}}]}`) +
				delta(`{"tool_calls":[{"id":"c2","function":{"name":"b","arguments":"{}"}}]}`) + finishChunk("tool_calls") + doneEvent,
			frame("message_start", startFrame) + f("content_block_start", toolStart, 0, "c1", "a") +
				f("content_block_delta", jsonDelta, 0, `"{"`) + f("content_block_delta", jsonDelta, 0, `"}"`) +
				f("content_block_stop", blockStop, 0) + f("content_block_start", toolStart, 1, "c2", "b") +
				f("content_block_delta", jsonDelta, 1, `"{}"`) + f("content_block_stop", blockStop, 1) +
				messageDelta("tool_use", noUsage), usage{}},
		{"vLLM stop string",
			delta(`{"content":"a"}`) + chunk(`{"index":0,"delta":{},"finish_reason":"stop","stop_reason":"END"}`) + doneEvent,
			frame("message_start", startFrame) + f("content_block_start", textStart, 0) +
				f("content_block_delta", textDelta, 0, `"a"`) + f("content_block_stop", blockStop, 0) +
				frame("message_delta", `{"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"END"},`+noUsage) +
				stopFrames, usage{}},
		{"choices other than 0 ignored, events after the end ignored",
			chunk(`{"index":1,"delta":{"content":"other"}},{"index":0,"delta":{"content":"mine"}}`) + finishChunk("stop") +
				doneEvent + delta(`{"content":"late"}`) + doneEvent,
			frame("message_start", startFrame) + f("content_block_start", textStart, 0) +
				f("content_block_delta", textDelta, 0, `"mine"`) + f("content_block_stop", blockStop, 0) +
				messageDelta("end_turn", noUsage), usage{}},
		{"usage on every chunk (vLLM continuous stats) reaches message_start",
			`data: {"id":"chatcmpl-123","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"a"}}],` +
				`"usage":{"prompt_tokens":120,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":100}}}` + "\n\n" +
				`data: {"id":"chatcmpl-123","model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],` +
				`"usage":{"prompt_tokens":120,"completion_tokens":42,"prompt_tokens_details":{"cached_tokens":100}}}` + "\n\n" + doneEvent,
			frame("message_start", strings.Replace(startFrame, `"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0`,
				`"input_tokens":20,"cache_creation_input_tokens":0,"cache_read_input_tokens":100`, 1)) +
				f("content_block_start", textStart, 0) + f("content_block_delta", textDelta, 0, `"a"`) +
				f("content_block_stop", blockStop, 0) + messageDelta("end_turn", usageDelta),
			usage{InputTokens: 120, CacheReadTokens: 100, OutputTokens: 42, HasInput: true, HasOutput: true}},
		{"[DONE] without finish_reason ends the message",
			": keep-alive\n\n" + delta(`{"tool_calls":[{"index":0,"id":"c","function":{"name":"n","arguments":"{}"}}]}`) + doneEvent,
			frame("message_start", startFrame) + f("content_block_start", toolStart, 0, "c", "n") +
				f("content_block_delta", jsonDelta, 0, `"{}"`) + f("content_block_stop", blockStop, 0) +
				messageDelta("tool_use", noUsage), usage{}},
	}
	for _, tt := range tests {
		for _, sizes := range readSizes {
			t.Run(fmt.Sprintf("%s/%v", tt.name, sizes), func(t *testing.T) {
				got, s, err := runMessagesStream("fallback", tt.in, sizes)
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Fatalf("got\n%s\nwant\n%s", got, tt.want)
				}
				if err := validateAnthropicStream([]byte(got), true); err != nil {
					t.Fatal(err)
				}
				if !s.complete() || s.usage() != tt.u {
					t.Fatalf("complete %v usage %+v, want true %+v", s.complete(), s.usage(), tt.u)
				}
			})
		}
	}
}

func TestMessagesStreamFallbackModelAndGeneratedIDs(t *testing.T) {
	in := `data: {"choices":[{"index":0,"delta":{"content":"x","tool_calls":[{"index":0,"function":{"name":"t"}}]},"finish_reason":"tool_calls"}]}` +
		"\n\n" + doneEvent
	got, _, err := runMessagesStream(`llama "3"`, in, []int{5})
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^event: message_start\ndata: \{"type":"message_start","message":\{"id":"msg_[0-9a-f]{24}","type":"message",` +
		`"role":"assistant","model":"llama \\"3\\"",`)
	if !re.MatchString(got) {
		t.Fatalf("message_start: %s", got)
	}
	if !regexp.MustCompile(`"content_block":\{"type":"tool_use","id":"toolu_[0-9a-f]{24}","name":"t","input":\{\}\}`).MatchString(got) {
		t.Fatalf("tool id: %s", got)
	}
	if err := validateAnthropicStream([]byte(got), true); err != nil {
		t.Fatal(err)
	}
}

func TestMessagesStreamOnlyDone(t *testing.T) {
	got, s, err := runMessagesStream("m", doneEvent, []int{2})
	if err != nil || !s.complete() {
		t.Fatal(err, s.complete())
	}
	if err := validateAnthropicStream([]byte(got), true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, `"model":"m"`) || !strings.HasSuffix(got, messageDelta("end_turn", `"usage":{"output_tokens":0}}`)) {
		t.Fatalf("got %s", got)
	}
}

func TestMessagesStreamIncomplete(t *testing.T) {
	got, s, err := runMessagesStream("m", delta(`{"content":"cut"}`), []int{3})
	if err != nil {
		t.Fatal(err)
	}
	want := frame("message_start", startFrame) + f("content_block_start", textStart, 0) + f("content_block_delta", textDelta, 0, `"cut"`)
	if got != want || s.complete() {
		t.Fatalf("complete %v, got\n%s", s.complete(), got)
	}
	if err := validateAnthropicStream([]byte(got), false); err != nil {
		t.Fatal(err)
	}
}

func TestMessagesStreamErrors(t *testing.T) {
	pre := delta(`{"content":"partial"}`)
	preOut := frame("message_start", startFrame) + f("content_block_start", textStart, 0) + f("content_block_delta", textDelta, 0, `"partial"`)
	tests := []struct {
		name, in, out string
		status        int
		msg           string
	}{
		{"openai error object", pre + `data: {"error":{"message":"Rate limit reached for gpt-4o","type":"requests","code":"rate_limit_exceeded"}}` + "\n\n",
			preOut, 429, "Rate limit reached for gpt-4o"},
		{"numeric code", `data: {"error":{"message":"boom","code":503}}` + "\n\n", "", 503, "boom"},
		{"vLLM flat error", pre + `data: {"object":"error","message":"context too long","type":"BadRequestError","code":400}` + "\n\n",
			preOut, 400, "context too long"},
		{"error string", pre + `data: {"error":"model crashed"}` + "\n\n", preOut, 502, "model crashed"},
		{"named error event", pre + "event: error\ndata: {\"message\":\"overloaded\",\"type\":\"server_overloaded\"}\n\n", preOut, 503, "overloaded"},
		{"named error event, not JSON", "event: error\ndata: oops\n\n", "", 502, "upstream error"},
		{"empty error object", `data: {"error":{}}` + "\n\n", "", 502, "upstream error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := runMessagesStream("m", tt.in, []int{7, 1})
			var ae *apiError
			if !errors.As(err, &ae) {
				t.Fatalf("err %v (%T)", err, err)
			}
			if ae.Status != tt.status || ae.Message != tt.msg || got != tt.out {
				t.Fatalf("got %d %q, out\n%s", ae.Status, ae.Message, got)
			}
			if !errors.Is(err, errUpstreamStream) {
				t.Fatal("cause lost")
			}
		})
	}
}

func TestMessagesStreamUnreadable(t *testing.T) {
	for _, in := range []string{
		"data: {not json}\n\n",
		"data: 42\n\n",
	} {
		_, _, err := runMessagesStream("m", in, []int{4})
		var ae *apiError
		if err == nil || errors.As(err, &ae) {
			t.Errorf("%q: err %v, want a plain error", in, err)
		}
	}
}

// Interleaved parallel tool-call fragments are valid OpenAI but cannot be
// re-ordered with constant memory: a 502 that does not blame the backend.
func TestMessagesStreamInterleavedToolCalls(t *testing.T) {
	in := delta(`{"tool_calls":[{"index":0,"id":"a","function":{"name":"x"}}]}`) +
		delta(`{"tool_calls":[{"index":1,"id":"b","function":{"name":"y"}}]}`) +
		delta(`{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}`)
	_, _, err := runMessagesStream("m", in, []int{4})
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status != 502 || ae.Code != "unsupported_stream" {
		t.Fatalf("err %v", err)
	}
}

func TestUpstreamErrorMessageIsBounded(t *testing.T) {
	long := strings.Repeat("é", 600) // 1200 bytes
	_, _, err := runMessagesStream("m", `data: {"error":{"message":"`+long+`"}}`+"\n\n", []int{100})
	var ae *apiError
	if !errors.As(err, &ae) || len(ae.Message) != 1024 || ae.Message != long[:1024] {
		t.Fatalf("len %d", len(ae.Message))
	}
}

// validateAnthropicStream checks what the Anthropic SDKs rely on: frame
// shape, event name == data type, message_start first, block indices from 0
// in order, deltas only into the open block with a matching delta type,
// message_delta after every block closed, nothing after message_stop. With
// complete it also requires the message_stop.
func validateAnthropicStream(out []byte, complete bool) error {
	r := newSSEReader(bytes.NewReader(out))
	started, sawDelta, stopped := false, false, false
	open, next, openType := -1, 0, ""
	for n := 0; ; n++ {
		ev, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		name := string(ev.Name)
		if want := "event: " + name + "\ndata: " + string(ev.Data) + "\n\n"; string(ev.Raw) != want {
			return fmt.Errorf("frame %d malformed: %q", n, ev.Raw)
		}
		var v struct {
			Type         string `json:"type"`
			Index        *int   `json:"index"`
			ContentBlock *struct {
				Type string `json:"type"`
			} `json:"content_block"`
			Delta *struct {
				Type       string  `json:"type"`
				StopReason *string `json:"stop_reason"`
			} `json:"delta"`
		}
		if err := json.Unmarshal(ev.Data, &v); err != nil {
			return fmt.Errorf("frame %d: invalid JSON %q: %v", n, ev.Data, err)
		}
		if v.Type != name {
			return fmt.Errorf("frame %d: event %q carries type %q", n, name, v.Type)
		}
		if stopped {
			return fmt.Errorf("frame %d after message_stop", n)
		}
		if (n == 0) != (name == "message_start") {
			return fmt.Errorf("frame %d: %s (message_start must come first, once)", n, name)
		}
		switch name {
		case "message_start":
			started = true
		case "content_block_start":
			if sawDelta || open >= 0 || v.Index == nil || *v.Index != next || v.ContentBlock == nil {
				return fmt.Errorf("frame %d: bad content_block_start %s", n, ev.Data)
			}
			open, openType = next, v.ContentBlock.Type
			next++
		case "content_block_delta":
			want := map[string]string{"text": "text_delta", "thinking": "thinking_delta", "tool_use": "input_json_delta"}[openType]
			if open < 0 || v.Index == nil || *v.Index != open || v.Delta == nil || v.Delta.Type != want {
				return fmt.Errorf("frame %d: bad content_block_delta %s", n, ev.Data)
			}
		case "content_block_stop":
			if open < 0 || v.Index == nil || *v.Index != open {
				return fmt.Errorf("frame %d: bad content_block_stop %s", n, ev.Data)
			}
			open = -1
		case "message_delta":
			if !started || sawDelta || open >= 0 || v.Delta == nil || v.Delta.StopReason == nil || *v.Delta.StopReason == "" {
				return fmt.Errorf("frame %d: bad message_delta %s", n, ev.Data)
			}
			sawDelta = true
		case "message_stop":
			if !sawDelta {
				return fmt.Errorf("frame %d: message_stop before message_delta", n)
			}
			stopped = true
		default:
			return fmt.Errorf("frame %d: unexpected event %q", n, name)
		}
	}
	if complete && !stopped {
		return errors.New("stream has no message_stop")
	}
	return nil
}
