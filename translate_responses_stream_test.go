// translate_responses_stream_test.go: OpenAI chunk streams -> Responses
// event streams, read through newSSEReader over odd-sized reads, asserting
// the exact event sequence OpenAI documents: lifecycle events, items opened
// and closed in order, content parts, deltas, a rising sequence_number, and
// the whole response (with usage) at the end.
package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// respEvents writes Responses events numbered from 0: pairs of a type and
// the rest of its data after sequence_number.
func respEvents(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(&b, "event: %s\ndata: {\"type\":%q,\"sequence_number\":%d%s}\n\n", pairs[i], pairs[i], i/2, pairs[i+1])
	}
	return b.String()
}

var (
	msgID = "msg_" + pinnedID
	rsID  = "rs_" + pinnedID
	fcID  = "fc_" + pinnedID
	ctcID = "ctc_" + pinnedID
	shID  = "sh_" + pinnedID
)

// The usage of usageChunk (translate_messages_stream_test.go) as a
// Response reports it.
const streamUsage = `{"input_tokens":120,"input_tokens_details":{"cached_tokens":100,"cache_write_tokens":0},"output_tokens":42,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":162}`

// Pieces of the expected events.
func respField(status, incomplete, tools, output, usage string) string {
	return `,"response":` + responseObject(status, incomplete, tools, output, usage)
}
func itemRef(id string, index int) string {
	return fmt.Sprintf(`,"item_id":%q,"output_index":%d`, id, index)
}
func itemField(index int, item string) string {
	return fmt.Sprintf(`,"output_index":%d,"item":%s`, index, item)
}
func textPart(s string) string {
	return `{"type":"output_text","annotations":[],"logprobs":[],"text":` + s + `}`
}
func messageItem(status, content string) string {
	return `{"id":"` + msgID + `","type":"message","status":"` + status + `","content":[` + content + `],"role":"assistant"}`
}

// openLifecycle is response.created and response.in_progress.
func openLifecycle(tools string) []string {
	inProgress := respField("in_progress", "", tools, "", "null")
	return []string{"response.created", inProgress, "response.in_progress", inProgress}
}

// textMessage is the events of a message whose text arrives in deltas
// (JSON strings), at output index i.
func textMessage(i int, status string, deltas ...string) []string {
	whole := `"` + strings.Join(trimQuotes(deltas), "") + `"`
	ev := []string{
		"response.output_item.added", itemField(i, messageItem("in_progress", "")),
		"response.content_part.added", itemRef(msgID, i) + `,"content_index":0,"part":` + textPart(`""`),
	}
	for _, d := range deltas {
		ev = append(ev, "response.output_text.delta", itemRef(msgID, i)+`,"content_index":0,"delta":`+d+`,"logprobs":[]`)
	}
	return append(ev,
		"response.output_text.done", itemRef(msgID, i)+`,"content_index":0,"text":`+whole+`,"logprobs":[]`,
		"response.content_part.done", itemRef(msgID, i)+`,"content_index":0,"part":`+textPart(whole),
		"response.output_item.done", itemField(i, messageItem(status, textPart(whole))))
}

func trimQuotes(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s[1 : len(s)-1]
	}
	return out
}

// fnCallEvents is the events of a streamed function call at output index i.
func fnCallEvents(i int, callID, name string, deltas ...string) []string {
	item := func(status, args string) string {
		return fmt.Sprintf(`{"id":%q,"type":"function_call","status":%q,"call_id":%q,"name":%q,"arguments":%s}`, fcID, status, callID, name, args)
	}
	whole := `"` + strings.Join(trimQuotes(deltas), "") + `"`
	ev := []string{"response.output_item.added", itemField(i, item("in_progress", `""`))}
	for _, d := range deltas {
		ev = append(ev, "response.function_call_arguments.delta", itemRef(fcID, i)+`,"delta":`+d)
	}
	return append(ev,
		"response.function_call_arguments.done", itemRef(fcID, i)+fmt.Sprintf(`,"name":%q,"arguments":%s`, name, whole),
		"response.output_item.done", itemField(i, item("completed", whole)))
}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// toolDeltaChunk is a chunk carrying more arguments of call index.
func toolDeltaChunk(index int, args string) string {
	return delta(fmt.Sprintf(`{"tool_calls":[{"index":%d,"function":{"arguments":%q}}]}`, index, args))
}

func TestResponsesStream(t *testing.T) {
	pinTranslatorClocks(t)
	const weather = `[{"type":"function","name":"get_weather","parameters":{"type":"object"}}]`
	const held = `[{"type":"custom","name":"patch"},{"type":"shell"}]`
	reasoningItem := func(summary string) string {
		return `{"id":"` + rsID + `","type":"reasoning","summary":[` + summary + `]}`
	}
	tests := []struct {
		name, tools, upstream string
		want                  []string
	}{
		{"text", "",
			delta(`{"role":"assistant","content":""}`) + delta(`{"content":"Hi"}`) + delta(`{"content":" \"there\""}`) +
				finishChunk("stop") + usageChunk + doneEvent,
			concat(openLifecycle(""), textMessage(0, "completed", `"Hi"`, `" \"there\""`),
				[]string{"response.completed", respField("completed", "", "", messageItem("completed", textPart(`"Hi \"there\""`)), streamUsage)})},
		{"reasoning then text", "",
			delta(`{"role":"assistant","reasoning_content":"Think"}`) + delta(`{"reasoning_content":"ing"}`) + delta(`{"content":"4"}`) +
				finishChunk("stop") + usageChunk + doneEvent,
			concat(openLifecycle(""), []string{
				"response.output_item.added", itemField(0, reasoningItem("")),
				"response.reasoning_summary_part.added", itemRef(rsID, 0) + `,"summary_index":0,"part":{"type":"summary_text","text":""}`,
				"response.reasoning_summary_text.delta", itemRef(rsID, 0) + `,"summary_index":0,"delta":"Think"`,
				"response.reasoning_summary_text.delta", itemRef(rsID, 0) + `,"summary_index":0,"delta":"ing"`,
				"response.reasoning_summary_text.done", itemRef(rsID, 0) + `,"summary_index":0,"text":"Thinking"`,
				"response.reasoning_summary_part.done", itemRef(rsID, 0) + `,"summary_index":0,"part":{"type":"summary_text","text":"Thinking"}`,
				"response.output_item.done", itemField(0, reasoningItem(`{"type":"summary_text","text":"Thinking"}`)),
			}, textMessage(1, "completed", `"4"`),
				[]string{"response.completed", respField("completed", "", "",
					reasoningItem(`{"type":"summary_text","text":"Thinking"}`)+","+messageItem("completed", textPart(`"4"`)), streamUsage)})},
		{"parallel function calls with streamed arguments", weather,
			delta(`{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}`) +
				toolDeltaChunk(0, `{"city":`) + toolDeltaChunk(0, `"Paris"}`) +
				delta(`{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Lyon\"}"}}]}`) +
				finishChunk("tool_calls") + usageChunk + doneEvent,
			concat(openLifecycle(weather),
				fnCallEvents(0, "call_1", "get_weather", `"{\"city\":"`, `"\"Paris\"}"`),
				fnCallEvents(1, "call_2", "get_weather", `"{\"city\":\"Lyon\"}"`),
				[]string{"response.completed", respField("completed", "", weather,
					`{"id":"`+fcID+`","type":"function_call","status":"completed","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},`+
						`{"id":"`+fcID+`","type":"function_call","status":"completed","call_id":"call_2","name":"get_weather","arguments":"{\"city\":\"Lyon\"}"}`, streamUsage)})},
		{"text, then a custom tool call held until complete", held,
			delta(`{"role":"assistant","content":"Patching."}`) +
				delta(`{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"patch","arguments":""}}]}`) +
				toolDeltaChunk(0, `{"input":"*** Begin`) + toolDeltaChunk(0, ` Patch\n"}`) +
				finishChunk("tool_calls") + usageChunk + doneEvent,
			concat(openLifecycle(held), textMessage(0, "completed", `"Patching."`), []string{
				"response.output_item.added", itemField(1, `{"id":"`+ctcID+`","type":"custom_tool_call","status":"in_progress","call_id":"call_1","name":"patch","input":""}`),
				"response.custom_tool_call_input.delta", itemRef(ctcID, 1) + `,"delta":"*** Begin Patch\n"`,
				"response.custom_tool_call_input.done", itemRef(ctcID, 1) + `,"input":"*** Begin Patch\n"`,
				"response.output_item.done", itemField(1, `{"id":"`+ctcID+`","type":"custom_tool_call","status":"completed","call_id":"call_1","name":"patch","input":"*** Begin Patch\n"}`),
				"response.completed", respField("completed", "", held, messageItem("completed", textPart(`"Patching."`))+
					`,{"id":"`+ctcID+`","type":"custom_tool_call","status":"completed","call_id":"call_1","name":"patch","input":"*** Begin Patch\n"}`, streamUsage),
			})},
		{"a shell call comes whole, as a shell_call item", held,
			delta(`{"role":"assistant","tool_calls":[{"index":0,"id":"call_9","type":"function","function":{"name":"shell","arguments":"{\"commands\":"}}]}`) +
				toolDeltaChunk(0, `["ls"]}`) + finishChunk("tool_calls") + doneEvent,
			concat(openLifecycle(held), []string{
				"response.output_item.added", itemField(0, `{"id":"`+shID+`","type":"shell_call","status":"completed","call_id":"call_9","action":{"commands":["ls"],"timeout_ms":null,"max_output_length":null},"environment":null}`),
				"response.output_item.done", itemField(0, `{"id":"`+shID+`","type":"shell_call","status":"completed","call_id":"call_9","action":{"commands":["ls"],"timeout_ms":null,"max_output_length":null},"environment":null}`),
				"response.completed", respField("completed", "", held,
					`{"id":"`+shID+`","type":"shell_call","status":"completed","call_id":"call_9","action":{"commands":["ls"],"timeout_ms":null,"max_output_length":null},"environment":null}`, "null"),
			})},
		{"cut by max_output_tokens: response.incomplete", "",
			delta(`{"role":"assistant","content":"Once"}`) + finishChunk("length") + usageChunk + doneEvent,
			concat(openLifecycle(""), textMessage(0, "incomplete", `"Once"`), []string{
				"response.incomplete", respField("incomplete", "max_output_tokens", "", messageItem("incomplete", textPart(`"Once"`)), streamUsage)})},
		{"an empty answer is an empty message", "",
			delta(`{"role":"assistant","content":""}`) + finishChunk("stop") + doneEvent,
			concat(openLifecycle(""), []string{
				"response.output_item.added", itemField(0, messageItem("in_progress", "")),
				"response.content_part.added", itemRef(msgID, 0) + `,"content_index":0,"part":` + textPart(`""`),
				"response.output_text.delta", itemRef(msgID, 0) + `,"content_index":0,"delta":"","logprobs":[]`,
				"response.output_text.done", itemRef(msgID, 0) + `,"content_index":0,"text":"","logprobs":[]`,
				"response.content_part.done", itemRef(msgID, 0) + `,"content_index":0,"part":` + textPart(`""`),
				"response.output_item.done", itemField(0, messageItem("completed", textPart(`""`))),
				"response.completed", respField("completed", "", "", messageItem("completed", textPart(`""`)), "null"),
			})},
	}
	for _, tt := range tests {
		for _, sizes := range readSizes {
			t.Run(fmt.Sprintf("%s/%v", tt.name, sizes), func(t *testing.T) {
				req := `{"model":"m","input":"x","stream":true`
				if tt.tools != "" {
					req += `,"tools":` + tt.tools
				}
				st := newHubStream(openAICodec{}.stream(""), responsesClient{}.stream(&inbound{body: []byte(req + "}")}, ""))
				got, _, err := runHubStream(st, tt.upstream, sizes)
				if err != nil {
					t.Fatalf("err %v after %q", err, got)
				}
				if want := respEvents(tt.want...); got != want {
					t.Fatalf("stream\n got %s\nwant %s", got, want)
				}
			})
		}
	}
}

// A failure after the first event is an error event the OpenAI SDKs raise
// (top-level code and message, and an "error" object), then response.failed.
func TestResponsesStreamFailure(t *testing.T) {
	pinTranslatorClocks(t)
	upstream := delta(`{"role":"assistant","content":"Hi"}`) +
		"event: error\ndata: {\"error\":{\"message\":\"The server is overloaded\",\"type\":\"server_error\",\"code\":null}}\n\n"
	st := newHubStream(openAICodec{}.stream(""), responsesClient{}.stream(&inbound{body: []byte(`{"model":"m","input":"x","stream":true}`)}, ""))
	got, _, err := runHubStream(st, upstream, []int{64 << 10})
	var ae *apiError
	if !errors.As(err, &ae) {
		t.Fatalf("err %v, want the upstream's error", err)
	}
	got = string(st.fail([]byte(got), ae))
	const msg = "The server is overloaded"
	failed := `{"id":"resp_` + pinnedID + `","object":"response","created_at":1700000000,"status":"failed","background":false,` +
		`"error":{"code":"server_error","message":"` + msg + `"},"incomplete_details":null,"instructions":null,"max_output_tokens":null,"model":"gpt-4o-mini","output":[],` +
		`"parallel_tool_calls":true,"previous_response_id":null,"reasoning":{"effort":null,"summary":null},"store":false,"temperature":1,` +
		`"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],"top_p":1,"truncation":"disabled","usage":null,"user":null,"metadata":{}}`
	want := respEvents(concat(openLifecycle(""), []string{
		"response.output_item.added", itemField(0, messageItem("in_progress", "")),
		"response.content_part.added", itemRef(msgID, 0) + `,"content_index":0,"part":` + textPart(`""`),
		"response.output_text.delta", itemRef(msgID, 0) + `,"content_index":0,"delta":"Hi","logprobs":[]`,
		"error", `,"code":"server_error","message":"` + msg + `","param":null,"error":{"type":"api_error","code":"server_error","message":"` + msg + `","param":null}`,
		"response.failed", `,"response":` + failed,
	})...)
	if got != want {
		t.Fatalf("stream\n got %s\nwant %s", got, want)
	}
}

// Fragments of parallel calls that jump back to an earlier call cannot be
// re-ordered into output items with constant memory: the stream fails
// with unsupported_stream instead of mixing the calls up.
func TestResponsesStreamInterleavedCalls(t *testing.T) {
	upstream := delta(`{"role":"assistant","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"a","arguments":"{"}}]}`) +
		delta(`{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"b","arguments":"{"}}]}`) +
		toolDeltaChunk(0, "}")
	st := newHubStream(openAICodec{}.stream(""), responsesClient{}.stream(&inbound{body: []byte(`{"model":"m","input":"x"}`)}, ""))
	_, _, err := runHubStream(st, upstream, []int{64 << 10})
	var ae *apiError
	if !errors.As(err, &ae) || ae.Code != "unsupported_stream" || !errors.Is(err, errInterleavedCalls) ||
		ae.Message != "the backend interleaved fragments of parallel tool calls, which Nexus cannot re-order into Responses output items" {
		t.Fatalf("err %v", err)
	}
}
