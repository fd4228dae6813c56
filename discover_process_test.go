// discover_process_test.go: the local fleet as a real process. Nexus starts
// in zero-config mode with fake local servers on ports the test chose
// (NEXUS_DISCOVER_PORTS) and a short health interval (NEXUS_HEALTH_INTERVAL);
// a server that starts later is routable within one interval; and every
// address discovery dialled is 127.0.0.1. A zero-config start whose :8000 is
// taken exits 1 and says to pass -listen.
package main

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestProcessZeroConfigDiscoversLocalFleet(t *testing.T) {
	const interval = time.Second
	ollama := newFakeLocal(t, "ollama", "llama3.2:3b") // zero-config's own "ollama", via OLLAMA_HOST
	vllm := newFakeLocal(t, "vllm", "Qwen/Qwen2.5-7B-Instruct")
	lms := newFakeLocal(t, "lmstudio", "qwen/qwen3-4b")
	later := reservePort(t) // llama.cpp starts when the test decides
	ports := []int{ollama.port(), vllm.port(), lms.port(), later.port}
	var list []string
	for _, p := range ports {
		list = append(list, strconv.Itoa(p))
	}
	p := startProc(t, []string{"OLLAMA_HOST=127.0.0.1:" + strconv.Itoa(ollama.port()),
		"NEXUS_DISCOVER_PORTS=" + strings.Join(list, ","), "NEXUS_HEALTH_INTERVAL=" + interval.String()},
		"-listen", "127.0.0.1:0", "-log-level", "debug")
	base := "http://" + p.addr

	chat := func(model string) (int, string) {
		resp, err := http.Post(base+"/v1/chat/completions", "application/json",
			strings.NewReader(`{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("X-Nexus-Backend")
	}
	for model, backend := range map[string]string{
		"llama3.2:3b":              "ollama",
		"Qwen/Qwen2.5-7B-Instruct": "vllm-" + strconv.Itoa(vllm.port()),
		"qwen/qwen3-4b":            "lmstudio-" + strconv.Itoa(lms.port()),
	} {
		if code, got := chat(model); code != 200 || got != backend {
			t.Errorf("%s: %d via %q, want 200 via %s\n%s", model, code, got, backend, p.logs.String())
		}
	}
	if code, _ := chat("late-model"); code != 404 {
		t.Fatalf("late-model before its server starts: %d", code)
	}
	logs := p.logs.String()
	for _, want := range []string{
		`"msg":"discovery: skipped: configured backend \"ollama\" has this address and wins","addr":"127.0.0.1:` + strconv.Itoa(ollama.port()) + `"`,
		`"msg":"discovery: skipped: nothing listens","addr":"127.0.0.1:` + strconv.Itoa(later.port) + `"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}

	// The third server starts once two periodic rounds (about 2 s) have
	// found nothing there; then it must be routable within one interval.
	nothing := `"level":"DEBUG","msg":"discovery: skipped: nothing listens","addr":"127.0.0.1:` + strconv.Itoa(later.port) + `"`
	eventually(t, 3*interval+2*time.Second, "two periodic rounds", func() bool {
		return strings.Count(p.logs.String(), nothing) >= 2
	})
	late := newFakeLocalUnstarted("llamacpp", "late-model")
	late.startOn(t, later)
	started := time.Now()
	want := "llamacpp-" + strconv.Itoa(later.port)
	eventually(t, 2*interval+3*time.Second, "the late server routable", func() bool {
		code, got := chat("late-model")
		return code == 200 && got == want
	})
	took := time.Since(started)
	t.Logf("late server routable after %v (interval %v)", took.Round(time.Millisecond), interval)
	// The next round picks it up: under a loaded CI machine (-race, other
	// process tests) a round may start late, but never a whole round late.
	if took > 2*interval+time.Second {
		t.Errorf("late server took %v, more than the next round (interval %v) allows", took, interval)
	}

	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	dialled := map[string]bool{}
	for _, l := range logLines(t, p.logs.String(), "discovery: dialling") {
		dialled[l["addr"].(string)] = true
	}
	allowed := map[string]bool{}
	for _, port := range list {
		allowed["127.0.0.1:"+port] = true
	}
	if len(dialled) == 0 {
		t.Fatal("no discovery dial logged")
	}
	for addr := range dialled {
		if !allowed[addr] {
			t.Errorf("discovery dialled %s, outside 127.0.0.1 and the chosen ports", addr)
		}
	}
	if strings.Contains(p.logs.String(), "refused to dial") {
		t.Error("discovery tried a non-loopback address")
	}
}

// TestProcessZeroConfigPortTaken: zero-config listens on :8000; when that
// is taken (here by the test, or by whatever already holds it) Nexus exits
// 1 with a message naming the port and -listen.
func TestProcessZeroConfigPortTaken(t *testing.T) {
	if ln, err := net.Listen("tcp", ":8000"); err == nil {
		defer ln.Close()
	}
	a, _ := json.Marshal([]string{})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = []string{"NEXUS_RUN_MAIN=1", "NEXUS_ARGS=" + string(a), "PATH=" + os.Getenv("PATH"),
		"NEXUS_DISCOVER_PORTS=off", "OLLAMA_HOST=127.0.0.1:1"}
	done := make(chan struct{})
	var out []byte
	var err error
	go func() {
		out, err = cmd.CombinedOutput()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("nexus did not exit")
	}
	var ee *exec.ExitError
	if !errorsAs(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v\n%s", err, out)
	}
	want := `"msg":"cannot listen: port 8000 is already in use (vLLM's default port is 8000 too); pass -listen with a free address, e.g. -listen :8001"`
	if !strings.Contains(string(out), want) || strings.Contains(string(out), "nexus listening") {
		t.Errorf("output lacks %s:\n%s", want, out)
	}
}

func errorsAs(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	if ok {
		*target = e
	}
	return ok
}

func TestListenFailureMessages(t *testing.T) {
	inUse := &net.OpError{Op: "listen", Net: "tcp", Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}
	tests := []struct {
		addr, path string
		err        error
		want       string
	}{
		{":8000", "", inUse, "cannot listen: port 8000 is already in use (vLLM's default port is 8000 too); pass -listen with a free address, e.g. -listen :8001"},
		{"127.0.0.1:9000", "/etc/nexus/nexus.json", inUse, `cannot listen: port 9000 is already in use; pass -listen with a free address, or change "listen" in /etc/nexus/nexus.json`},
		{"10.9.9.9:80", "", &net.OpError{Op: "listen", Err: os.NewSyscallError("bind", syscall.EADDRNOTAVAIL)}, "cannot listen on 10.9.9.9:80"},
	}
	for _, tt := range tests {
		if got := listenFailure(tt.addr, tt.path, tt.err); got != tt.want {
			t.Errorf("listenFailure(%q, %q) = %q, want %q", tt.addr, tt.path, got, tt.want)
		}
	}
}
