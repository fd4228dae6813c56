// translate_google_bench_test.go: throughput of the Gemini stream path (SSE reader + translator).
package main

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"
)

// gemBenchStream is a 1,000-event Gemini stream shaped like real output.
func gemBenchStream(events int) []byte {
	var b bytes.Buffer
	for i := 0; i < events; i++ {
		switch {
		case i == 0:
			b.WriteString(`data: {"candidates": [{"content": {"parts": [{"text": "Once"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 812,"totalTokenCount": 812},"modelVersion": "gemini-2.5-flash","responseId": "mbXoaOWzA8-vz7IPkfeb8A0"}` + "\r\n\r\n")
		case i == events-1:
			b.WriteString(`data: {"candidates": [{"content": {"parts": [{"text": "."}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 812,"candidatesTokenCount": 1000,"totalTokenCount": 1812},"modelVersion": "gemini-2.5-flash","responseId": "mbXoaOWzA8-vz7IPkfeb8A0"}` + "\r\n\r\n")
		default:
			fmt.Fprintf(&b, `data: {"candidates": [{"content": {"parts": [{"text": " upon a time, token %d said \"hi\"\n"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 812,"totalTokenCount": 812},"modelVersion": "gemini-2.5-flash","responseId": "mbXoaOWzA8-vz7IPkfeb8A0"}`+"\r\n\r\n", i)
		}
	}
	return b.Bytes()
}

func BenchmarkGeminiStream(b *testing.B) {
	const events = 1000
	raw := gemBenchStream(events)
	dst := make([]byte, 0, 64<<10)
	run := func() int {
		st := newGeminiStream("gemini-2.5-flash", true)
		rd := newSSEReader(bytes.NewReader(raw))
		n := 0
		for {
			ev, err := rd.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if dst, err = st.translate(dst[:0], ev); err != nil {
				b.Fatal(err)
			}
			n++
		}
		dst = st.finish(dst[:0])
		return n
	}
	if n := run(); n != events {
		b.Fatalf("read %d events, want %d", n, events)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	total := 0
	for b.Loop() {
		total += run()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(total), "allocs/event")
}

// TestGeminiStreamSteadyStateAllocs: after the first event, translating text
// and tool-call events allocates nothing (memory per stream stays constant).
func TestGeminiStreamSteadyStateAllocs(t *testing.T) {
	st := newGeminiStream("m", true)
	first := streamEvent{Data: []byte(`{"candidates":[{"content":{"parts":[{"text":"a"}]}}],"responseId":"r","modelVersion":"m"}`)}
	events := []streamEvent{
		{Data: []byte(`{"candidates":[{"content":{"parts":[{"text":"more \"text\" é\n"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":5},"responseId":"r"}`)},
		{Data: []byte(`{"candidates":[{"content":{"parts":[{"text":"hm","thought":true},{"functionCall":{"name":"f","args":{"a": [1, 2]}},"thoughtSignature":"c2ln"}]}}]}`)},
	}
	dst, err := st.translate(nil, first)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events { // warm the reusable buffers
		if dst, err = st.translate(dst[:0], ev); err != nil {
			t.Fatal(err)
		}
	}
	for i, ev := range events {
		// AllocsPerRun counts every goroutine's allocations; other tests'
		// servers may still be winding down, so a real per-event allocation
		// is one that shows in every one of three measurements.
		var allocs float64
		for try := 0; try < 3; try++ {
			if allocs = testing.AllocsPerRun(200, func() {
				dst, err = st.translate(dst[:0], ev)
			}); allocs == 0 {
				break
			}
		}
		if err != nil || allocs != 0 {
			t.Fatalf("event %d: %v allocs per event, err %v", i, allocs, err)
		}
	}
}
