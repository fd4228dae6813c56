// budget_process_test.go: budget.state_file with Nexus as a real process —
// spend survives SIGTERM and a restart exactly, a SIGKILL loses at most the
// last 5 s, and a damaged state file stops the start with a message (never a
// silent reset to zero). The 5 s rule itself is tested in-process with an
// injected clock (spend_store_test.go).
package main

import (
	"context"
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

// pricedAnswer costs (123×$1.23 + 45×$4.56) / 1e6 = $0.00035649 at budgetPrice.
const pricedAnswer = `{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o",` +
	`"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],` +
	`"usage":{"prompt_tokens":123,"completion_tokens":45,"total_tokens":168}}`

const pricedCost = nanoUSD(356_490)

// writeBudgetConfig writes a config with one priced cloud backend and a
// budget whose spend is kept in stateFile.
func writeBudgetConfig(t *testing.T, path, backendURL, stateFile string) {
	t.Helper()
	cfg := `{"listen":"127.0.0.1:0","shutdown_grace":"5s",
	"backends":[{"name":"cloud","type":"openai","url":"` + backendURL + `","api_key_env":"CLOUD_KEY","models":["gpt-4o"]}],
	"pricing":{"gpt-4o":{"input_per_mtok":1.23,"output_per_mtok":4.56}},
	"budget":{"monthly_usd":10,"state_file":"` + stateFile + `"}}`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// spendOnDisk is the total of a state file (0 when it does not exist).
func spendOnDisk(t *testing.T, path string) nanoUSD {
	t.Helper()
	rows, err := loadSpendState(path)
	if err != nil {
		t.Fatal(err)
	}
	var sum nanoUSD
	for _, v := range rows {
		sum += v
	}
	return sum
}

// pollUntil checks cond every 10 ms until it holds or limit passes.
func pollUntil(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

// procSpend sends n priced requests and returns /health's spent_usd.
func procSpend(t *testing.T, p *nexusProc, n int) float64 {
	t.Helper()
	for range n {
		resp, err := http.Post("http://"+p.addr+"/v1/chat/completions", "application/json", strings.NewReader(chatFor("gpt-4o")))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	resp, err := http.Get("http://" + p.addr + "/health")
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Budget healthBudget }
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	return h.Budget.SpentUSD
}

func TestProcessSpendSurvivesRestart(t *testing.T) {
	mock := newMock(t, []string{"gpt-4o"}, answerJSON(200, pricedAnswer))
	dir := t.TempDir()
	cfgPath, state := filepath.Join(dir, "nexus.json"), filepath.Join(dir, "state", "spend.json")
	os.Mkdir(filepath.Dir(state), 0o700)
	writeBudgetConfig(t, cfgPath, mock.URL, state)
	env := []string{"CLOUD_KEY=sk-test-0123456789"}

	p := startProc(t, env, "-config", cfgPath)
	spent := procSpend(t, p, 3)
	if spent != (3 * pricedCost).usd() {
		t.Fatalf("spent %v before restart", spent)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d\n%s", code, p.logs.String())
	}
	if got := spendOnDisk(t, state); got != 3*pricedCost {
		t.Fatalf("state file holds %d after SIGTERM, want %d", got, 3*pricedCost)
	}

	p = startProc(t, env, "-config", cfgPath)
	if got := procSpend(t, p, 0); got != spent {
		t.Fatalf("spent %v after restart, want exactly %v", got, spent)
	}
	if after := procSpend(t, p, 1); after != (4 * pricedCost).usd() {
		t.Fatalf("spent %v after one more request", after)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t)
	if got := spendOnDisk(t, state); got != 4*pricedCost {
		t.Fatalf("state file holds %d, want %d", got, 4*pricedCost)
	}
}

// TestProcessSpendSIGKILL: spend written before the crash survives it; only
// what changed in the last 5 s can be lost.
func TestProcessSpendSIGKILL(t *testing.T) {
	mock := newMock(t, []string{"gpt-4o"}, answerJSON(200, pricedAnswer))
	dir := t.TempDir()
	cfgPath, state := filepath.Join(dir, "nexus.json"), filepath.Join(dir, "spend.json")
	writeBudgetConfig(t, cfgPath, mock.URL, state)
	env := []string{"CLOUD_KEY=sk-test-0123456789"}

	p := startProc(t, env, "-config", cfgPath)
	procSpend(t, p, 1) // the first change is written at once
	changed := time.Now()
	if !pollUntil(spendFlushInterval, func() bool { return spendOnDisk(t, state) == pricedCost }) {
		t.Fatalf("spend not on disk %v after the change: %d", time.Since(changed), spendOnDisk(t, state))
	}
	last := time.Now()
	procSpend(t, p, 1) // written at the earliest 5 s after the previous write
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.wait(t)
	sinceLast := time.Since(last)

	p = startProc(t, env, "-config", cfgPath)
	switch got := procSpend(t, p, 0); {
	case got == (2 * pricedCost).usd(): // nothing lost
	case got == pricedCost.usd() && sinceLast < spendFlushInterval: // lost only the last 5 s
	default:
		t.Fatalf("after SIGKILL spent %v; the last change was %v before the kill", got, sinceLast)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t)
}

// runToExit runs nexus and returns its exit code and output (stdout and
// stderr); it must exit on its own within 20 s.
func runToExit(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	a, _ := json.Marshal(args)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append([]string{"NEXUS_RUN_MAIN=1", "NEXUS_ARGS=" + string(a), "PATH=" + os.Getenv("PATH")}, env...)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("nexus did not exit:\n%s", stderr.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	return code, stderr.String()
}

func TestProcessBadStateFileStopsStart(t *testing.T) {
	good := encodeSpend(map[spendKey]nanoUSD{{"2025-01", "", "cloud", "gpt-4o"}: 5 * pricedCost}, time.Now())
	for _, tc := range []struct {
		name, content string
		want          string
	}{
		{"truncated", string(good[:len(good)-12]), "cut short"},
		{"garbage", "\x89PNG\r\n\x1a\n not spend", "not valid JSON"},
		{"empty", "", "empty or cut short"},
		{"another version", `{"version":7,"spend":[]}`, "version 7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfgPath, state := filepath.Join(dir, "nexus.json"), filepath.Join(dir, "spend.json")
			writeBudgetConfig(t, cfgPath, "http://127.0.0.1:1", state)
			os.WriteFile(state, []byte(tc.content), 0o600)
			code, stderr := runToExit(t, nil, "-config", cfgPath)
			if code != 1 || strings.Contains(stderr, "nexus listening") {
				t.Fatalf("exit %d:\n%s", code, stderr)
			}
			for _, w := range []string{state, tc.want, "move it aside", "restore the file from a backup"} {
				if !strings.Contains(stderr, w) {
					t.Errorf("start-up error lacks %q:\n%s", w, stderr)
				}
			}
			if data, _ := os.ReadFile(state); string(data) != tc.content {
				t.Fatal("the state file was changed")
			}
			code, out := runToExit(t, nil, "check", "-config", cfgPath)
			if code != 1 || !strings.Contains(out, state) {
				t.Errorf("nexus check: exit %d\n%s", code, out)
			}
		})
	}
	t.Run("missing directory", func(t *testing.T) {
		dir := t.TempDir()
		cfgPath := filepath.Join(dir, "nexus.json")
		writeBudgetConfig(t, cfgPath, "http://127.0.0.1:1", filepath.Join(dir, "var", "lib", "nexus", "spend.json"))
		if code, stderr := runToExit(t, nil, "-config", cfgPath); code != 1 || !strings.Contains(stderr, "does not exist") {
			t.Fatalf("exit %d:\n%s", code, stderr)
		}
	})
}

// TestProcessMemoryOnlySpendWarns: budgets without state_file start with a
// warning that a restart resets spend.
func TestProcessMemoryOnlySpendWarns(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "nexus.json")
	os.WriteFile(cfgPath, []byte(`{"listen":"127.0.0.1:0","budget":{"monthly_usd":5},
	 "backends":[{"name":"l","type":"generic","url":"http://127.0.0.1:1","models":["m"]}]}`), 0o600)
	p := startProc(t, nil, "-config", cfgPath)
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t)
	if !strings.Contains(p.logs.String(), "a restart resets this month's spend") {
		t.Fatalf("no warning:\n%s", p.logs.String())
	}
}
