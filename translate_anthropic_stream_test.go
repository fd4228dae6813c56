// translate_anthropic_stream_test.go: Anthropic SSE -> OpenAI chunk tests over awkward reads, plus the benchmark.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// anthReaders are the delivery patterns every stream test runs under.
var anthReaders = []struct {
	name string
	make func(string) io.Reader
}{
	{"one read", func(s string) io.Reader { return strings.NewReader(s) }},
	{"1 byte", func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) }},
	{"7 bytes", func(s string) io.Reader { return &splitReader{data: []byte(s), sizes: []int{7}} }},
	{"split and batched", func(s string) io.Reader { return &splitReader{data: []byte(s), sizes: []int{3, 250, 1, 64, 900}} }},
	{"CRLF 5 bytes", func(s string) io.Reader {
		return &splitReader{data: []byte(strings.ReplaceAll(s, "\n", "\r\n")), sizes: []int{5}}
	}},
}

// anthRunStream feeds src through sseReader and the translator and returns
// the output, the first translate error and the translator.
func anthRunStream(t testing.TB, r io.Reader, includeUsage bool) (string, error, *hubStream) {
	tr := newAnthropicStream(includeUsage)
	sr := newSSEReader(r)
	var out []byte
	for {
		ev, err := sr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("sse: %v", err)
		}
		if out, err = tr.translate(out, ev); err != nil {
			return string(out), err, tr
		}
	}
	out = tr.finish(out)
	return string(out), nil, tr
}

const anthTextStream = `event: message_start
data: {"type": "message_start", "message": {"id": "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "type": "message", "role": "assistant", "content": [], "model": "claude-sonnet-4-5-20250929", "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 25, "output_tokens": 1}}}

event: content_block_start
data: {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}

event: ping
data: {"type": "ping"}

: a comment line

event: content_block_delta
data: {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}}

event: content_block_delta
data: {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "!\n\"ok\" \u00e9"}}

event: content_block_stop
data: {"type": "content_block_stop", "index": 0}

event: message_delta
data: {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence":null}, "usage": {"output_tokens": 15}}

event: message_stop
data: {"type": "message_stop"}

`

const anthTextWant = `data: {"id":"chatcmpl-msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-5-20250929","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}

data: {"id":"chatcmpl-msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-5-20250929","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]}

data: {"id":"chatcmpl-msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-5-20250929","choices":[{"index":0,"delta":{"content":"!\n\"ok\" \u00e9"},"logprobs":null,"finish_reason":null}]}

data: {"id":"chatcmpl-msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-5-20250929","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}

data: [DONE]

`

// anthChunk builds one expected chunk of the short-header streams below.
func anthChunk(delta, finish string, usageNull bool) string {
	s := `data: {"id":"chatcmpl-msg_2","object":"chat.completion.chunk","created":1700000000,"model":"claude-x","choices":[{"index":0,"delta":` +
		delta + `,"logprobs":null,"finish_reason":` + finish + `}]`
	if usageNull {
		s += `,"usage":null`
	}
	return s + "}\n\n"
}

const anthStart2 = "event: message_start\n" +
	`data: {"type":"message_start","message":{"id":"msg_2","type":"message","role":"assistant","content":[],"model":"claude-x","stop_reason":null,"stop_sequence":null,` +
	`"usage":{"input_tokens":10,"cache_creation_input_tokens":20,"cache_read_input_tokens":300,"output_tokens":1}}}` + "\n\n"

const anthToolStream = anthStart2 + `event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ncisco, CA\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: content_block_start
data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_02","name":"now","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":2}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

event: message_stop
data: {"type":"message_stop"}

`

const anthThinkingStream = anthStart2 + `event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me solve this step by step:\n\n1. First break down 27 * 453"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"citations_delta","citation":{"type":"char_location","cited_text":"x"}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"27 * 453 = 12,231"}}

event: some_future_event
data: {"type":"some_future_event","index":1}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":20}}

event: message_stop
data: {"type":"message_stop"}

`

func TestAnthropicStream(t *testing.T) {
	anthPinClock(t)
	usage2 := usage{InputTokens: 330, CacheReadTokens: 300, CacheWriteTokens: 20, HasInput: true, HasOutput: true}
	tests := []struct {
		name, in     string
		includeUsage bool
		want         string
		u            usage
	}{
		{"text", anthTextStream, false, anthTextWant,
			usage{InputTokens: 25, OutputTokens: 15, HasInput: true, HasOutput: true}},
		{"text with usage chunk", anthStart2 +
			"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n" +
			"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}\n\n" +
			"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", true,
			anthChunk(`{"role":"assistant","content":""}`, "null", true) +
				anthChunk(`{"content":"Hi"}`, "null", true) +
				anthChunk(`{}`, `"stop"`, true) +
				`data: {"id":"chatcmpl-msg_2","object":"chat.completion.chunk","created":1700000000,"model":"claude-x","choices":[],` +
				`"usage":{"prompt_tokens":330,"completion_tokens":2,"total_tokens":332,"prompt_tokens_details":{"cached_tokens":300},"completion_tokens_details":{"reasoning_tokens":0}}}` + "\n\n" +
				"data: [DONE]\n\n",
			func() usage { u := usage2; u.OutputTokens = 2; return u }()},
		{"tool use", anthToolStream, false,
			anthChunk(`{"role":"assistant","content":""}`, "null", false) +
				anthChunk(`{"content":"Checking."}`, "null", false) +
				anthChunk(`{"tool_calls":[{"index":0,"id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","type":"function","function":{"name":"get_weather","arguments":""}}]}`, "null", false) +
				anthChunk(`{"tool_calls":[{"index":0,"function":{"arguments":"{\"location\": \"San Fra"}}]}`, "null", false) +
				anthChunk(`{"tool_calls":[{"index":0,"function":{"arguments":"ncisco, CA\"}"}}]}`, "null", false) +
				anthChunk(`{"tool_calls":[{"index":1,"id":"toolu_02","type":"function","function":{"name":"now","arguments":""}}]}`, "null", false) +
				anthChunk(`{"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]}`, "null", false) +
				anthChunk(`{}`, `"tool_calls"`, false) +
				"data: [DONE]\n\n",
			func() usage { u := usage2; u.OutputTokens = 89; return u }()},
		{"thinking, signature/citations/unknown skipped", anthThinkingStream, false,
			anthChunk(`{"role":"assistant","content":""}`, "null", false) +
				anthChunk(`{"reasoning_content":"Let me solve this step by step:\n\n1. First break down 27 * 453"}`, "null", false) +
				anthChunk(`{"content":"27 * 453 = 12,231"}`, "null", false) +
				anthChunk(`{}`, `"length"`, false) +
				"data: [DONE]\n\n",
			func() usage { u := usage2; u.OutputTokens = 20; return u }()},
		{"block starts carrying text; tool deltas for other blocks ignored", anthStart2 +
			"data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"Hm\"}}\n\n" +
			"data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"Hi\"}}\n\n" +
			"data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}\n\n" +
			"data: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"server_tool_use\",\"id\":\"srv\",\"name\":\"web_search\"}}\n\n" +
			"data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}\n\n" +
			"data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"pause_turn\"},\"usage\":{\"output_tokens\":7}}\n\n", false,
			anthChunk(`{"role":"assistant","content":""}`, "null", false) +
				anthChunk(`{"reasoning_content":"Hm"}`, "null", false) +
				anthChunk(`{"content":"Hi"}`, "null", false) +
				anthChunk(`{}`, `"stop"`, false) +
				"data: [DONE]\n\n",
			func() usage { u := usage2; u.OutputTokens = 7; return u }()},
		{"cut before message_delta: finish adds nothing", anthStart2 +
			"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n", true,
			anthChunk(`{"role":"assistant","content":""}`, "null", true) + anthChunk(`{"content":"Hi"}`, "null", true),
			func() usage { u := usage2; u.HasOutput = false; u.OutputTokens = 1; return u }()},
		{"message_delta without message_stop still completes", anthStart2 +
			"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"refusal\"},\"usage\":{\"output_tokens\":3}}\n\n" +
			"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"input_tokens\":11,\"output_tokens\":4}}", true,
			anthChunk(`{"role":"assistant","content":""}`, "null", true) +
				anthChunk(`{}`, `"content_filter"`, true) +
				`data: {"id":"chatcmpl-msg_2","object":"chat.completion.chunk","created":1700000000,"model":"claude-x","choices":[],` +
				`"usage":{"prompt_tokens":11,"completion_tokens":4,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}` + "\n\n" +
				"data: [DONE]\n\n",
			usage{InputTokens: 11, OutputTokens: 4, HasInput: true, HasOutput: true}},
	}
	for _, tc := range tests {
		for _, rd := range anthReaders {
			t.Run(tc.name+"/"+rd.name, func(t *testing.T) {
				got, err, s := anthRunStream(t, rd.make(tc.in), tc.includeUsage)
				if err != nil {
					t.Fatalf("translate: %v", err)
				}
				if got != tc.want {
					t.Errorf("output\n got %q\nwant %q", got, tc.want)
				}
				if s.usage() != tc.u {
					t.Errorf("usage = %+v, want %+v", s.usage(), tc.u)
				}
				wantComplete := strings.HasSuffix(tc.want, "data: [DONE]\n\n")
				if s.complete() != wantComplete {
					t.Errorf("complete() = %v, want %v", s.complete(), wantComplete)
				}
			})
		}
	}
}

func TestAnthropicStreamUsageBeforeOutput(t *testing.T) {
	anthPinClock(t)
	tr := newAnthropicStream(false)
	ev := streamEvent{Data: []byte(anthStart2[len("event: message_start\ndata: ") : len(anthStart2)-2])}
	if _, err := tr.translate(nil, ev); err != nil {
		t.Fatal(err)
	}
	if u := tr.usage(); !u.HasInput || u.HasOutput || u.InputTokens != 330 || u.CacheReadTokens != 300 || u.CacheWriteTokens != 20 {
		t.Fatalf("usage after message_start = %+v", u)
	}
}

func TestAnthropicStreamErrorEvent(t *testing.T) {
	anthPinClock(t)
	for _, tc := range []struct {
		typ    string
		status int
		otype  string
	}{
		{"overloaded_error", 503, "service_unavailable"},
		{"rate_limit_error", 429, "rate_limit_error"},
		{"api_error", 502, "api_error"},
		{"invalid_request_error", 400, "invalid_request_error"},
	} {
		in := anthStart2 + "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"" + tc.typ + "\", \"message\": \"Overloaded\"}}\n\n"
		for _, rd := range anthReaders {
			got, err, s := anthRunStream(t, rd.make(in), false)
			var ae *apiError
			if !errors.As(err, &ae) {
				t.Fatalf("%s/%s: err = %v, want *apiError", tc.typ, rd.name, err)
			}
			if ae.Status != tc.status || ae.Type != tc.otype || ae.Message != "Overloaded" || ae.Code != tc.typ {
				t.Errorf("%s: got %+v", tc.typ, ae)
			}
			if want := anthChunk(`{"role":"assistant","content":""}`, "null", false); got != want || s.complete() {
				t.Errorf("%s: output %q complete %v", tc.typ, got, s.complete())
			}
		}
	}
}

func TestAnthropicStreamBadEvent(t *testing.T) {
	tr := newAnthropicStream(false)
	out, err := tr.translate([]byte("x"), streamEvent{Data: []byte(`{"type":"content_block_delta",`)})
	if err == nil || string(out) != "x" {
		t.Fatalf("got %q, %v; want unchanged dst and an error", out, err)
	}
	var ae *apiError
	if errors.As(err, &ae) {
		t.Fatalf("an unreadable event must not be an *apiError")
	}
	// An event with a name but no data is ignored.
	if out, err = tr.translate(nil, streamEvent{Name: []byte("ping")}); err != nil || len(out) != 0 {
		t.Fatalf("empty event: %q, %v", out, err)
	}
}

func TestAnthropicStreamFinishIdempotent(t *testing.T) {
	anthPinClock(t)
	_, _, s := anthRunStream(t, strings.NewReader(anthTextStream), true)
	if out := s.finish(nil); len(out) != 0 {
		t.Fatalf("second finish wrote %q", out)
	}
}

// anthBenchStream is message_start, a text block of 995 deltas, and the end: 1,000 events.
func anthBenchStream(deltas int) []byte {
	var b bytes.Buffer
	b.WriteString(anthStart2)
	b.WriteString("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n")
	for i := range deltas {
		fmt.Fprintf(&b, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" token%d\"}}\n\n", i)
	}
	b.WriteString("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n")
	b.WriteString("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":995}}\n\n")
	b.WriteString("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
	return b.Bytes()
}

// anthPumpStream runs a whole stream, reusing dst per event as the core would after a flush.
func anthPumpStream(data []byte, dst []byte) (int, []byte) {
	tr := newAnthropicStream(true)
	sr := newSSEReader(bytes.NewReader(data))
	n := 0
	for {
		ev, err := sr.next()
		if err != nil {
			break
		}
		n++
		dst, _ = tr.translate(dst[:0], ev)
	}
	return n, tr.finish(dst[:0])
}

func TestAnthropicStreamAllocsConstantPerEvent(t *testing.T) {
	small, large := anthBenchStream(95), anthBenchStream(995)
	dst := make([]byte, 0, 4096)
	// Measured up to three times: AllocsPerRun also counts other goroutines
	// (servers of earlier tests winding down).
	var aSmall, aLarge, perEvent float64
	for try := 0; try < 3; try++ {
		aSmall = testing.AllocsPerRun(20, func() { anthPumpStream(small, dst) })
		aLarge = testing.AllocsPerRun(20, func() { anthPumpStream(large, dst) })
		if perEvent = (aLarge - aSmall) / 900; perEvent <= 0.5 {
			break
		}
	}
	t.Logf("allocs: 100 events %.0f, 1000 events %.0f, %.2f per extra event", aSmall, aLarge, perEvent)
	if perEvent > 0.5 {
		t.Errorf("%.2f allocs per text event, want a small constant", perEvent)
	}
}

func BenchmarkAnthropicStream(b *testing.B) {
	data := anthBenchStream(995)
	dst := make([]byte, 0, 4096)
	events, _ := anthPumpStream(data, dst)
	if events != 1000 {
		b.Fatalf("stream has %d events, want 1000", events)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		anthPumpStream(data, dst)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	runtime.ReadMemStats(&after)
	total := float64(b.N) * float64(events)
	b.ReportMetric(total/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/event")
}
