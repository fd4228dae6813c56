// translate_responses_bench_test.go: cost of the Responses translators on
// their hot paths, beside the Messages ones (translate_messages_bench_test.go):
// one streamed text event, one request.
package main

import "testing"

// BenchmarkResponsesStreamTextEvent is the per-event cost of a text delta
// written as response.output_text.delta.
func BenchmarkResponsesStreamTextEvent(b *testing.B) {
	st := newHubStream(openAICodec{}.stream("m"), responsesClient{}.stream(&inbound{body: []byte(`{"model":"m","input":"x"}`)}, "m"))
	benchTextEvent(b, st)
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
