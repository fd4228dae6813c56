// process_test.go: Nexus as a real process — signals (SIGHUP reload, SIGTERM
// drain, a second signal exits at once) and what its logs may contain. The
// test binary re-executes itself as nexus (TestMain), so no build step is
// needed.
package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	if os.Getenv("NEXUS_RUN_MAIN") == "1" {
		var args []string
		json.Unmarshal([]byte(os.Getenv("NEXUS_ARGS")), &args)
		os.Exit(run(args, os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// nexusProc is a child process running nexus.
type nexusProc struct {
	cmd  *exec.Cmd
	addr string
	logs *syncBuffer
	done chan error
}

func startProc(t *testing.T, env []string, args ...string) *nexusProc {
	t.Helper()
	a, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append([]string{"NEXUS_RUN_MAIN=1", "NEXUS_ARGS=" + string(a), "PATH=" + os.Getenv("PATH")}, env...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &nexusProc{cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.logs.Write([]byte(line + "\n"))
			if strings.Contains(line, `"msg":"nexus listening"`) {
				var v struct{ Addr string }
				json.Unmarshal([]byte(line), &v)
				addr <- v.Addr
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case p.addr = <-addr:
	case err := <-p.done:
		t.Fatalf("nexus exited at start: %v\n%s", err, p.logs.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("nexus did not start:\n%s", p.logs.String())
	}
	return p
}

func (p *nexusProc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(20 * time.Second):
		t.Fatalf("nexus did not exit:\n%s", p.logs.String())
	}
	return -1
}

func writeConfig(t *testing.T, path, backendURL, model string) {
	t.Helper()
	cfg := `{"listen":"127.0.0.1:0","shutdown_grace":"20s","backends":[{"name":"` + model + `-be","type":"generic","url":"` + backendURL + `","models":["` + model + `"]}]}`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestProcessReloadAndDrain(t *testing.T) {
	gate := make(chan struct{})
	mock := newMock(t, []string{"m1"}, sseHandler(chunkEvents, map[int]chan struct{}{2: gate}))
	path := filepath.Join(t.TempDir(), "nexus.json")
	writeConfig(t, path, mock.URL, "m1")
	p := startProc(t, nil, "-config", path)
	base := "http://" + p.addr

	resp, err := http.Post(base+"/v1/chat/completions", "application/json", strings.NewReader(streamReq))
	if err != nil {
		t.Fatal(err)
	}
	io.ReadFull(resp.Body, make([]byte, len(chunkEvents[0])))

	writeConfig(t, path, mock.URL, "m2")
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, func() bool { return strings.Contains(p.logs.String(), "configuration reloaded") })

	p.cmd.Process.Signal(syscall.SIGTERM)
	waitFor(t, func() bool { return strings.Contains(p.logs.String(), "shutting down") })
	close(gate)
	rest, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasSuffix(string(rest), "data: [DONE]\n\n") {
		t.Fatalf("stream cut: %q", rest)
	}
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d\n%s", code, p.logs.String())
	}
}

func TestProcessSecondSignalExitsAtOnce(t *testing.T) {
	gate := make(chan struct{}) // never opened: the stream would hang for the whole grace
	defer close(gate)
	mock := newMock(t, []string{"m1"}, sseHandler(chunkEvents, map[int]chan struct{}{2: gate}))
	path := filepath.Join(t.TempDir(), "nexus.json")
	writeConfig(t, path, mock.URL, "m1")
	p := startProc(t, nil, "-config", path)
	resp, err := http.Post("http://"+p.addr+"/v1/chat/completions", "application/json", strings.NewReader(streamReq))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.ReadFull(resp.Body, make([]byte, len(chunkEvents[0])))
	start := time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	waitFor(t, func() bool { return strings.Contains(p.logs.String(), "shutting down") })
	p.cmd.Process.Signal(syscall.SIGINT)
	if code := p.wait(t); code != 1 || time.Since(start) > 10*time.Second {
		t.Fatalf("exit %d after %v\n%s", code, time.Since(start), p.logs.String())
	}
}

// TestLogsNeverHoldSecretsOrPrompts drives successes and failures at debug
// level and checks every log line.
func TestLogsNeverHoldSecretsOrPrompts(t *testing.T) {
	const prompt = "PROMPT-CANARY-7f3a"
	const backendKey = "sk-backend-canary-0123456789"
	const clientKey = "client-canary-key-42"
	ok := newMock(t, []string{"m1"}, answerJSON(200, chatJSON))
	echo := newMock(t, []string{"m2"}, answerJSON(401, `{"error":{"message":"Incorrect API key provided: `+backendKey+`"}}`))
	broken := newMock(t, []string{"m3"}, answerJSON(200, `not json `+prompt))
	path := filepath.Join(t.TempDir(), "nexus.json")
	cfg := `{"listen":"127.0.0.1:0","backends":[
	 {"name":"ok","type":"generic","url":"` + ok.URL + `"},
	 {"name":"echo","type":"openai","url":"` + echo.URL + `","api_key_env":"BK"},
	 {"name":"broken","type":"anthropic","url":"` + broken.URL + `","api_key_env":"BK","models":["m3"]}]}`
	os.WriteFile(path, []byte(cfg), 0o600)
	p := startProc(t, []string{"BK=" + backendKey, "NEXUS_API_KEYS=" + clientKey}, "-config", path, "-log-level", "debug")
	base := "http://" + p.addr
	for _, c := range []struct{ model, key string }{{"m1", clientKey}, {"m2", clientKey}, {"m3", clientKey}, {"m1", "wrong-" + clientKey}} {
		body := `{"model":"` + c.model + `","messages":[{"role":"user","content":"` + prompt + `"}]}`
		req, _ := http.NewRequest("POST", base+"/v1/chat/completions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+c.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), backendKey) || strings.Contains(string(b), clientKey) {
			t.Errorf("answer for %s leaks a key: %s", c.model, b)
		}
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t)
	logs := p.logs.String()
	if strings.Count(logs, `"msg":"request"`) < 4 {
		t.Fatalf("expected request lines:\n%s", logs)
	}
	for _, secret := range []string{prompt, backendKey, clientKey} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q:\n%s", secret, logs)
		}
	}
}
