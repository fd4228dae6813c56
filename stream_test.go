// stream_test.go: streaming relay — byte-identical passthrough, per-event
// flushing, failover before the first byte, mid-stream failures and client
// disconnects.
package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

const streamReq = `{"model":"m1","stream":true,"messages":[{"role":"user","content":"hi"}]}`

var chunkEvents = []string{
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
	": keep-alive comment\n\ndata: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\r\n\r\n",
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n",
	"data: [DONE]\n\n",
}

func TestStreamPassthroughFlushesEachEvent(t *testing.T) {
	gate := make(chan struct{})
	mock := newMock(t, []string{"m1"}, sseHandler(chunkEvents, map[int]chan struct{}{1: gate}))
	n := startNexus(t, testConfig(localBE("local", mock.URL)), nil)
	resp := n.post(t, "/v1/chat/completions", streamReq)
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get(hdrBackend) != "local" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d headers %v", resp.StatusCode, resp.Header)
	}
	// The first event must arrive while the backend still holds the rest.
	first := make([]byte, len(chunkEvents[0]))
	if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != chunkEvents[0] {
		t.Fatalf("first event %q %v", first, err)
	}
	close(gate)
	rest, _ := io.ReadAll(resp.Body)
	// Comment lines are not events; everything else is byte-identical.
	want := strings.Replace(strings.Join(chunkEvents[1:], ""), ": keep-alive comment\n\n", "", 1)
	if string(rest) != want {
		t.Fatalf("rest\n got %q\nwant %q", rest, want)
	}
}

func TestStreamFirstEventErrorFailsOver(t *testing.T) {
	bad := newMock(t, []string{"m1"}, sseHandler([]string{
		"data: {\"error\":{\"message\":\"model overloaded\",\"type\":\"server_error\"}}\n\n"}, nil))
	good := newMock(t, []string{"m1"}, sseHandler(chunkEvents, nil))
	first := localBE("first", bad.URL)
	first.Priority = 1
	n := startNexus(t, testConfig(first, localBE("second", good.URL)), nil)
	resp := n.post(t, "/v1/chat/completions", streamReq)
	body := readAll(t, resp)
	if resp.Header.Get(hdrBackend) != "second" || resp.Header.Get(hdrRouteReason) != reasonFailover {
		t.Fatalf("went to %s (%s)", resp.Header.Get(hdrBackend), resp.Header.Get(hdrRouteReason))
	}
	if !strings.HasSuffix(body, "data: [DONE]\n\n") {
		t.Fatalf("body %q", body)
	}
}

func TestStreamBackendLostMidStream(t *testing.T) {
	mock := newMock(t, []string{"m1"}, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, chunkEvents[0])
		w.(http.Flusher).Flush()
		conn, buf, _ := w.(http.Hijacker).Hijack()
		buf.Flush()
		conn.Close() // cut without the terminating chunk
	})
	n := startNexus(t, testConfig(localBE("flaky", mock.URL)), nil)
	resp := n.post(t, "/v1/chat/completions", streamReq)
	body := readAll(t, resp)
	want := chunkEvents[0] + `data: {"error":{"message":"backend flaky stream ended before completion","type":"api_error","param":null,"code":"backend_stream_broken"}}` + "\n\n"
	if resp.StatusCode != 200 || body != want {
		t.Fatalf("got %d\n%q\nwant\n%q", resp.StatusCode, body, want)
	}
}

func TestStreamClientDisconnectCancelsUpstream(t *testing.T) {
	cancelled := make(chan struct{})
	mock := newMock(t, []string{"m1"}, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, chunkEvents[0])
		w.(http.Flusher).Flush()
		<-r.Context().Done() // hold the stream open until Nexus lets go
		close(cancelled)
	})
	n := startNexus(t, testConfig(localBE("local", mock.URL)), nil)
	ctx, cancel := context.WithCancel(ctxTimeout(t))
	req, _ := http.NewRequestWithContext(ctx, "POST", n.URL+"/v1/chat/completions", strings.NewReader(streamReq))
	resp, err := n.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(resp.Body).ReadString('\n')
	if !strings.HasPrefix(line, "data: ") {
		t.Fatalf("first line %q", line)
	}
	cancel()
	resp.Body.Close()
	select {
	case <-cancelled:
	case <-ctxTimeout(t).Done():
		t.Fatal("upstream request was not cancelled")
	}
	// The slot is freed.
	b := n.s.reg.Load().backends()[0]
	for b.inFlight.Load() != 0 {
		runtime.Gosched()
	}
}

func TestStreamFirstByteTimeoutFailsOver(t *testing.T) {
	stuck := newMock(t, []string{"m1"}, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done() // headers but never an event
	})
	good := newMock(t, []string{"m1"}, sseHandler(chunkEvents, nil))
	first := localBE("stuck", stuck.URL)
	first.Priority = 1
	cfg := testConfig(first, localBE("good", good.URL))
	cfg.Timeouts.FirstByte = 50 * 1e6 // 50ms
	n := startNexus(t, cfg, nil)
	resp := n.post(t, "/v1/chat/completions", streamReq)
	body := readAll(t, resp)
	if resp.Header.Get(hdrBackend) != "good" || !strings.HasSuffix(body, "data: [DONE]\n\n") {
		t.Fatalf("got %s %q", resp.Header.Get(hdrBackend), body)
	}
	// Alone, the stuck backend is a 504 that names it.
	n2 := startNexus(t, func() *Config { c := testConfig(localBE("stuck", stuck.URL)); c.Timeouts.FirstByte = 5e7; return c }(), nil)
	resp = n2.post(t, "/v1/chat/completions", streamReq)
	body = readAll(t, resp)
	if resp.StatusCode != 504 || resp.Header.Get(hdrBackend) != "stuck" || !strings.Contains(body, "stuck") {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
}

func TestStreamIdleTimeout(t *testing.T) {
	mock := newMock(t, []string{"m1"}, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, chunkEvents[0])
		w.(http.Flusher).Flush()
		<-r.Context().Done() // then silence
	})
	cfg := testConfig(localBE("quiet", mock.URL))
	cfg.Timeouts.StreamIdle = 50 * 1e6
	n := startNexus(t, cfg, nil)
	resp := n.post(t, "/v1/chat/completions", streamReq)
	body := readAll(t, resp)
	want := chunkEvents[0] + `data: {"error":{"message":"backend quiet sent nothing for timeouts.stream_idle","type":"timeout","param":null,"code":"backend_timeout"}}` + "\n\n"
	if body != want {
		t.Fatalf("got %q", body)
	}
}

func TestRequestTimeoutIs504(t *testing.T) {
	mock := newMock(t, []string{"m1"}, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		<-r.Context().Done()
	})
	cfg := testConfig(localBE("slow", mock.URL))
	cfg.Timeouts.Request = 50 * 1e6
	n := startNexus(t, cfg, nil)
	resp := n.post(t, "/v1/chat/completions", chatReq)
	body := readAll(t, resp)
	if resp.StatusCode != 504 || resp.Header.Get(hdrBackend) != "slow" || !strings.Contains(body, "backend slow") {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
}
