// main_test.go: the process lifecycle — version, graceful shutdown that lets
// a stream finish, and no goroutine left behind.
package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestVersionCommand(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"version"}, func(string) string { return "" }, &out, io.Discard); code != 0 ||
		out.String() != "nexus dev\n" {
		t.Fatalf("%d %q", code, out.String())
	}
}

func TestGracefulShutdownFinishesStreams(t *testing.T) {
	// signal.Notify starts one process-wide goroutine for good: start it first.
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR2)
	signal.Stop(c)
	before := runtime.NumGoroutine()
	gate := make(chan struct{})
	mock := newMock(t, []string{"m1"}, sseHandler(chunkEvents, map[int]chan struct{}{2: gate}))
	cfg := testConfig(localBE("local", mock.URL))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	exit := make(chan int, 1)
	logs := &syncBuffer{}
	go func() {
		exit <- serve(ctx, cfg, "", func(string) string { return "" }, newTestLogger(logs), make(chan os.Signal), ready)
	}()
	addr := <-ready
	resp, err := http.Post("http://"+addr+"/v1/chat/completions", "application/json", strings.NewReader(streamReq))
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, len(chunkEvents[0]))
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	cancel() // SIGTERM
	// New connections are refused once shutdown has begun.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := http.Get("http://" + addr + "/health")
		if err != nil {
			break
		}
		c.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting after shutdown began")
		}
		runtime.Gosched()
	}
	close(gate) // the in-flight stream may now finish
	rest, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !strings.HasSuffix(string(rest), "data: [DONE]\n\n") {
		t.Fatalf("stream cut by shutdown: %q %v", rest, err)
	}
	if code := <-exit; code != 0 {
		t.Fatalf("exit %d", code)
	}
	mock.Close()
	http.DefaultClient.CloseIdleConnections()
	for i := 0; i < 200 && runtime.NumGoroutine() > before; i++ {
		time.Sleep(5 * time.Millisecond) // goroutines unwinding; polling, not synchronising
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines: %d before, %d after\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}
