// e2e_codex_test.go: Codex CLI end to end (SPEC §13's acceptance test).
//
// The real Codex CLI (@openai/codex, pinned in scripts/e2e/package.json; the
// npm package ships its binary) runs `codex exec` against an in-process
// Nexus whose Responses API sits in front of three mock providers, each
// speaking its own streaming wire format: an OpenAI-compatible local server,
// Anthropic Messages and Gemini. Codex's config.toml only points a model
// provider at Nexus (wire_api "responses"). The mock model answers the
// first turn with a call of the shell tool Codex offers (e2e_tools_test.go),
// Codex runs the command in a scratch working directory, sends its output
// back, and the mock answers with the final text. Checked: exit 0, the final
// answer on stdout, the file the command wrote, the tool result in the
// second upstream request, and that neither the client key nor Codex's own
// headers reach a provider. And a provider that fails mid-stream: Codex
// must exit non-zero with the provider's message, not hang or succeed.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// e2eCodexTimeout bounds each codex run (one normally takes about a second).
const e2eCodexTimeout = 20 * time.Second

// e2eCodexConfig is Codex's config.toml: its defaults, and a model provider
// that is Nexus (plus, for the failure case, e2eCodexNoRetries).
const e2eCodexConfig = `model = %q
model_provider = "nexus"

[model_providers.nexus]
name = "Nexus"
base_url = %q
env_key = "NEXUS_KEY"
wire_api = "responses"
`

// e2eCodexNoRetries turns Codex's retries off so that a failure shows at
// once, with its error, after exactly one upstream request.
const e2eCodexNoRetries = "request_max_retries = 0\nstream_max_retries = 0\n"

// e2eCodexBin is the codex launcher in scripts/e2e, or why it cannot run.
func e2eCodexBin() (string, string) {
	dir, err := filepath.Abs(filepath.Join("scripts", "e2e", "node_modules"))
	if err != nil {
		return "", err.Error()
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "", "node is not on PATH"
	}
	if _, err := os.Stat(filepath.Join(dir, "@openai", "codex", "package.json")); err != nil {
		return "", "scripts/e2e/node_modules/@openai/codex is missing (run: cd scripts/e2e && npm ci)"
	}
	return filepath.Join(dir, ".bin", "codex"), ""
}

// e2eCodexCase is one backend Codex works through.
type e2eCodexCase struct {
	backend, model string
	mock           *e2eMock
	// path is the upstream path of a turn; result reads the tool result
	// (call id and text) a request ends with.
	path   string
	result func(body []byte) *e2eToolResult
	callID string // the id the result must name
}

func TestE2ECodex(t *testing.T) {
	bin, why := e2eCodexBin()
	if why != "" {
		if os.Getenv("NEXUS_E2E_REQUIRED") == "1" {
			t.Fatalf("Codex end-to-end run required (NEXUS_E2E_REQUIRED=1) but %s", why)
		}
		t.Skipf("skipping Codex end-to-end run: %s", why)
	}
	local, claude, gemini := e2eOpenAIMock(t), e2eAnthropicMock(t), e2eGeminiMock(t)
	overloaded := e2eOverloadedMock(t)
	nx := startE2ENexus(t, e2eConfig(local, claude, gemini,
		BackendConfig{Name: "overloaded", Type: "anthropic", URL: overloaded.URL, APIKeyEnv: "E2E_ANTHROPIC_KEY",
			Zone: "open", Tier: 5, Priority: 100, Models: []string{"claude-overloaded"}}))

	cases := []e2eCodexCase{
		{"local", "llama-e2e", local, "/v1/chat/completions", func(b []byte) *e2eToolResult {
			_, _, res := e2eChatTools(b)
			return res
		}, "call_e2e_1"},
		{"anthropic", "claude-e2e", claude, "/v1/messages", func(b []byte) *e2eToolResult {
			_, _, res := e2eAnthropicTools(b)
			return res
		}, "toolu_e2e_01"},
		{"gemini", "gemini-e2e", gemini, "/v1beta/models/gemini-e2e:streamGenerateContent?alt=sse", func(b []byte) *e2eToolResult {
			_, res := e2eGeminiTools(b)
			return res
		}, "exec_command"}, // Gemini names a function response by its function
	}
	for _, c := range cases {
		t.Run(c.backend, func(t *testing.T) {
			before := len(c.mock.requests())
			start := time.Now()
			stdout, stderr, work, err := runCodex(t, bin, nx.URL, c.model, "")
			if err != nil {
				t.Fatalf("codex exec through %s: %v\n--- stdout ---\n%s\n--- stderr ---\n%s\n--- nexus log (tail) ---\n%s",
					c.backend, err, stdout, stderr, e2eTail(nx.logs.String()))
			}
			t.Logf("codex exec through %s took %v; stdout: %q", c.backend, time.Since(start).Round(time.Millisecond), stdout)
			lines := strings.Split(strings.TrimSpace(stdout), "\n")
			if last := lines[len(lines)-1]; last != e2eCodexAnswer {
				t.Errorf("codex printed %q last on stdout; want the final answer %q\n--- stderr ---\n%s", last, e2eCodexAnswer, stderr)
			}
			if b, err := os.ReadFile(filepath.Join(work, "marker.txt")); err != nil || string(b) != e2eCodexMarker+"\n" {
				t.Errorf("marker.txt = %q, %v; want %q (the shell tool call did not run)\n--- stderr ---\n%s",
					b, err, e2eCodexMarker+"\n", stderr)
			}
			checkCodexTurns(t, c, c.mock.requests()[before:])
		})
	}
	t.Run("failure mid-stream", func(t *testing.T) {
		before := len(overloaded.requests())
		stdout, stderr, work, err := runCodex(t, bin, nx.URL, "claude-overloaded", e2eCodexNoRetries)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Fatalf("codex exec with a provider failing mid-stream: %v; want a non-zero exit\n--- stdout ---\n%s\n--- stderr ---\n%s",
				err, stdout, stderr)
		}
		if !strings.Contains(stderr, e2eOverloadedMessage) {
			t.Errorf("Codex does not show the provider's error %q\n--- stderr ---\n%s", e2eOverloadedMessage, stderr)
		}
		if _, err := os.Stat(filepath.Join(work, "marker.txt")); err == nil {
			t.Error("marker.txt exists: a command ran although the answer failed")
		}
		if n := len(overloaded.requests()) - before; n != 1 {
			t.Errorf("the provider got %d requests; want 1 (Codex retries are off, Nexus cannot fail over mid-stream)", n)
		}
	})
	e2eCheckKeys(t, nx, map[string]*e2eMock{"local": local, "claude": claude, "gemini": gemini, "overloaded": overloaded})
}

// e2eOverloadedMessage is what e2eOverloadedMock fails with.
const e2eOverloadedMessage = "Overloaded (e2e)"

// e2eOverloadedMock is an Anthropic backend (model claude-overloaded) whose
// streams fail after the first text, with the error event Anthropic
// documents for an overload mid-stream.
func e2eOverloadedMock(t *testing.T) *e2eMock {
	return newE2EMock(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Header.Get("x-api-key") != e2eAnthropicKey {
			e2eWriteJSON(w, 401, map[string]any{"type": "error", "error": map[string]any{
				"type": "authentication_error", "message": "mock: wrong credentials"}})
			return
		}
		if r.Method == http.MethodGet {
			e2eWriteJSON(w, 200, map[string]any{"data": []any{map[string]any{"type": "model", "id": "claude-overloaded",
				"display_name": "Claude Overloaded", "created_at": "2025-01-01T00:00:00Z"}}, "has_more": false})
			return
		}
		ev := func(v map[string]any) string {
			return "event: " + v["type"].(string) + "\ndata: " + e2eJSON(v) + "\n\n"
		}
		e2eWriteSSE(w, r, []string{
			ev(map[string]any{"type": "message_start", "message": map[string]any{"id": "msg_e2e_overloaded", "type": "message",
				"role": "assistant", "model": "claude-overloaded", "content": []any{}, "stop_reason": nil, "stop_sequence": nil,
				"usage": map[string]any{"input_tokens": 30, "output_tokens": 1}}}),
			ev(map[string]any{"type": "content_block_start", "index": 0, "content_block": map[string]any{"type": "text", "text": ""}}),
			ev(map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "text_delta", "text": "Let me"}}),
			ev(map[string]any{"type": "error", "error": map[string]any{"type": "overloaded_error", "message": e2eOverloadedMessage}}),
		})
	})
}

// checkCodexTurns checks what the provider got in the run: a first turn
// with the shell tool offered and no tool result, then one carrying the
// command's output under the call's id; no Codex header.
func checkCodexTurns(t *testing.T, c e2eCodexCase, seen []seenRequest) {
	t.Helper()
	var turns []seenRequest
	for _, r := range seen {
		if r.Method == http.MethodPost && r.Path == c.path {
			turns = append(turns, r)
		}
		for k := range r.Header {
			if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-codex") || lk == "session-id" || lk == "originator" {
				t.Errorf("Codex's header %s reached the provider (%s %s)", k, r.Method, r.Path)
			}
		}
		if ua := r.Header.Get("User-Agent"); strings.Contains(ua, "codex") {
			t.Errorf("Codex's User-Agent %q reached the provider", ua)
		}
	}
	if len(turns) < 2 {
		t.Fatalf("the provider got %d turns at %s; want 2 (the tool call, then the answer)", len(turns), c.path)
	}
	if res := c.result(turns[0].Body); res != nil {
		t.Errorf("the first turn already ends with a tool result: %+v", res)
	}
	if !bytes.Contains(turns[0].Body, []byte(`"exec_command"`)) {
		t.Errorf("the first turn does not offer Codex's exec_command tool: %.300s", turns[0].Body)
	}
	res := c.result(turns[1].Body)
	switch {
	case res == nil:
		t.Errorf("the second turn carries no tool result: %.500s", turns[1].Body)
	case res.id != c.callID || !strings.Contains(res.text, e2eCodexMarker):
		t.Errorf("the second turn's tool result is %+v; want call %s with output %q", res, c.callID, e2eCodexMarker)
	}
}

// runCodex runs `codex exec` for model through Nexus at nexusURL, in fresh
// home, Codex home and working directories, and returns what it printed and
// its working directory.
func runCodex(t *testing.T, bin, nexusURL, model, extra string) (stdout, stderr, work string, err error) {
	root := t.TempDir()
	home, codexHome, work := filepath.Join(root, "home"), filepath.Join(root, "codex"), filepath.Join(root, "work")
	for _, d := range []string{home, codexHome, work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf(e2eCodexConfig, model, nexusURL+"/v1") + extra
	if err := os.WriteFile(filepath.Join(codexHome, "config.toml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), e2eCodexTimeout)
	defer cancel()
	// workspace-write: the command writes a file in the working directory
	// (where Codex's sandbox cannot start, NEXUS_E2E_CODEX_SANDBOX=
	// danger-full-access runs it unsandboxed).
	sandbox := os.Getenv("NEXUS_E2E_CODEX_SANDBOX")
	if sandbox == "" {
		sandbox = "workspace-write"
	}
	cmd := exec.CommandContext(ctx, bin, "exec", "--skip-git-repo-check", "--sandbox", sandbox,
		"--color", "never", "-C", work, "Write the marker file with a shell command, then say you are done.")
	cmd.Dir = work
	// A clean environment: no OPENAI_API_KEY, proxy or CODEX_* of the caller.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "CODEX_HOME=" + codexHome,
		"NEXUS_KEY=" + e2eClientKey, "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost", "TERM=dumb"}
	cmd.WaitDelay = 5 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		// Not wrapped: a run that was killed is no exit status to check.
		err = fmt.Errorf("timed out after %v (%v)", e2eCodexTimeout, err)
	}
	return out.String(), errOut.String(), work, err
}

// e2eTail is the end of a long log.
func e2eTail(s string) string {
	if len(s) > 16<<10 {
		return "…" + s[len(s)-16<<10:]
	}
	return s
}
