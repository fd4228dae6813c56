// tokens_bench_test.go: how long prompt counting takes, so the proxy can say
// what it adds (nothing to time-to-first-byte while it runs beside the
// upstream call, but CPU all the same).
package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// benchParagraph is ordinary English prose with some code and numbers.
const benchParagraph = "The quarterly report shows revenue grew 12.5% to $4,210,000, " +
	"driven by the new API gateway; customers asked for lower latency and clearer billing. " +
	"In Go, a handler looks like `func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request)` " +
	"and it should never block on I/O it does not own. Don't forget: caches expire!\n"

// benchChatBody builds a chat request of roughly tokens prompt tokens
// (o200k_base) split over several messages.
func benchChatBody(tb testing.TB, tokens int) []byte {
	tb.Helper()
	per, _ := countTextTokens("gpt-4o", benchParagraph)
	paragraphs := tokens / per
	msgs := []map[string]string{{"role": "system", "content": "You are a careful assistant."}}
	for i := 0; i < 4; i++ {
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		msgs = append(msgs, map[string]string{"role": role, "content": strings.Repeat(benchParagraph, max(paragraphs/4, 1))})
	}
	body, err := json.Marshal(map[string]any{"model": "gpt-4o", "stream": true, "messages": msgs})
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

func benchmarkCountChat(b *testing.B, tokens int) {
	body := benchChatBody(b, tokens)
	n, ok := countBody("gpt-4o", body)
	if !ok {
		b.Fatal("not countable")
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		countBody("gpt-4o", body)
	}
	b.ReportMetric(float64(n), "tokens")
}

func BenchmarkCountChatPrompt1k(b *testing.B)   { benchmarkCountChat(b, 1000) }
func BenchmarkCountChatPrompt10k(b *testing.B)  { benchmarkCountChat(b, 10000) }
func BenchmarkCountChatPrompt100k(b *testing.B) { benchmarkCountChat(b, 100000) }

// BenchmarkCountTextCL100k measures plain text on the other encoding.
func BenchmarkCountTextCL100k(b *testing.B) {
	text := strings.Repeat(benchParagraph, 12)
	n, _ := countTextTokens("gpt-3.5-turbo", text)
	b.ReportAllocs()
	for b.Loop() {
		countTextTokens("gpt-3.5-turbo", text)
	}
	b.ReportMetric(float64(n), "tokens")
}

// BenchmarkTiktokenGoEncode1k is the reference: tiktoken-go's own encoder on
// the same ~1k tokens of text.
func BenchmarkTiktokenGoEncode1k(b *testing.B) {
	body := benchChatBody(b, 1000)
	var req struct {
		Messages []struct{ Content string } `json:"messages"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		b.Fatal(err)
	}
	enc := oracle(b, "o200k_base")
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range req.Messages {
			enc.EncodeOrdinary(m.Content)
		}
	}
}
