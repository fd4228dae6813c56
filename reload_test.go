// reload_test.go: SIGHUP reload — a good file swaps the backend set without
// dropping in-flight requests; a bad one keeps the running config.
package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

func TestReloadSwapsBackendsAndKeepsInFlight(t *testing.T) {
	gate := make(chan struct{})
	oldMock := newMock(t, []string{"m1"}, sseHandler(chunkEvents, map[int]chan struct{}{2: gate}))
	newMockB := newMock(t, []string{"m2"}, answerJSON(200, chatJSON))
	dir := t.TempDir()
	path := filepath.Join(dir, "nexus.json")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"listen":"127.0.0.1:0","backends":[{"name":"old","type":"generic","url":"` + oldMock.URL + `"}]}`)
	cfg, err := loadConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal, 1)
	ready := make(chan string, 1)
	logs := &syncBuffer{}
	exit := make(chan int, 1)
	go func() {
		exit <- serve(ctx, cfg, path, func(string) string { return "" }, newTestLogger(logs), hup, ready)
	}()
	base := "http://" + <-ready

	// A stream is in flight on "old" when the reload happens.
	resp, err := http.Post(base+"/v1/chat/completions", "application/json", strings.NewReader(streamReq))
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, len(chunkEvents[0]))
	io.ReadFull(resp.Body, first)

	write(`{"listen":"127.0.0.1:0","backends":[{"name":"new","type":"generic","url":"` + newMockB.URL + `"}]}`)
	hup <- syscall.SIGHUP
	waitFor(t, func() bool { return strings.Contains(logs.String(), "configuration reloaded") })

	r2, _ := http.Post(base+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"m2","messages":[]}`))
	io.Copy(io.Discard, r2.Body)
	r2.Body.Close()
	if r2.StatusCode != 200 || r2.Header.Get(hdrBackend) != "new" {
		t.Fatalf("after reload: %d %s", r2.StatusCode, r2.Header.Get(hdrBackend))
	}
	close(gate)
	rest, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasSuffix(string(rest), "data: [DONE]\n\n") {
		t.Fatalf("in-flight stream broken by reload: %q", rest)
	}

	// A bad file is refused and the running config stays.
	write(`{"backends":[{"name":"bad name!","type":"nope","api_key":"sk-literal-secret-123"}]}`)
	hup <- syscall.SIGHUP
	waitFor(t, func() bool { return strings.Contains(logs.String(), "reload failed") })
	r3, _ := http.Post(base+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"m2","messages":[]}`))
	io.Copy(io.Discard, r3.Body)
	r3.Body.Close()
	if r3.StatusCode != 200 || r3.Header.Get(hdrBackend) != "new" {
		t.Fatalf("after bad reload: %d %s", r3.StatusCode, r3.Header.Get(hdrBackend))
	}
	if strings.Contains(logs.String(), "sk-literal-secret-123") {
		t.Fatalf("secret from bad config logged")
	}
	cancel()
	if code := <-exit; code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// waitFor polls cond, yielding between tries (bounded by the test timeout).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	ctx := ctxTimeout(t)
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal("condition never became true")
		default:
			runtime.Gosched()
		}
	}
}
