// translate_responses_bench_test.go: cost of the Responses translators on
// their hot paths, beside the Messages ones (translate_messages_bench_test.go):
// one streamed text event, one request.
package main

import "testing"

// BenchmarkResponsesStreamTextEvent is the per-event cost of a text delta
// written as response.output_text.delta.
func BenchmarkResponsesStreamTextEvent(b *testing.B) {
	st := newHubStream(openAICodec{}.stream("m"), responsesClient{}.stream(&inbound{body: []byte(`{"model":"m","input":"x"}`)}, "m"))
	data := []byte(`{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini",` +
		`"system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"content":" the quick brown fox"},"logprobs":null,"finish_reason":null}]}`)
	ev := streamEvent{Data: data}
	out := make([]byte, 0, 4096)
	out, _ = st.translate(out, ev)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var err error
		if out, err = st.translate(out[:0], ev); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResponsesRequestToOpenAI(b *testing.B) {
	body := `{"model":"m","instructions":"Be brief.","input":[{"role":"user","content":"Weather in Paris?"},` +
		`{"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},` +
		`{"type":"function_call_output","call_id":"call_1","output":"{\"temp\":18}"}],` +
		`"tools":[{"type":"function","name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}},{"type":"web_search"}]}`
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := responsesToOpenAI(body); err != nil {
			b.Fatal(err)
		}
	}
}
