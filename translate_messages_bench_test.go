// translate_messages_bench_test.go: cost of the Anthropic Messages
// translators on their hot paths (one stream event; one request; one answer).
package main

import (
	"testing"
)

// BenchmarkMessagesStreamTextEvent is the per-event cost of a text delta.
func BenchmarkMessagesStreamTextEvent(b *testing.B) {
	benchTextEvent(b, newMessagesStream("m"))
}

// benchTextEvent measures st translating one OpenAI text-delta chunk.
func benchTextEvent(b *testing.B, st *hubStream) {
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

// BenchmarkMessagesStreamToolEvent is the per-event cost of an argument fragment.
func BenchmarkMessagesStreamToolEvent(b *testing.B) {
	st := newMessagesStream("m")
	first := []byte(`{"id":"chatcmpl-1","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]}}]}`)
	data := []byte(`{"id":"chatcmpl-1","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"path\": \"/tmp"}}]},"finish_reason":null}]}`)
	out, _ := st.translate(make([]byte, 0, 4096), streamEvent{Data: first})
	ev := streamEvent{Data: data}
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if out, err = st.translate(out[:0], ev); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenAIRequestFromMessages(b *testing.B) {
	body := []byte(messagesRequestSeeds[2])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := openAIRequestFromMessages(body, "x"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMessagesResponseFromOpenAI(b *testing.B) {
	body := []byte(`{"id":"chatcmpl-abc","model":"llama3.1:8b","choices":[{"index":0,"message":{"role":"assistant","content":"Sure.",` +
		`"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"location\": \"Paris, France\"}"}}]},` +
		`"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := messagesResponseFromOpenAI(body); err != nil {
			b.Fatal(err)
		}
	}
}
