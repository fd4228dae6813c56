// config_clients_test.go: the "budget" and "clients" sections — decoding,
// every rule, literal keys refused without being echoed, and `nexus key`.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// digestA and digestB are valid key_sha256 values.
var (
	digestA = keyDigest("nx-a")
	digestB = keyDigest("nx-b")
)

func TestParseConfigBudgetAndClients(t *testing.T) {
	cfg, err := parseConfig([]byte(withTop(`"budget":{"monthly_usd":200,"prefer_local_at":0.7,"state_file":"/var/lib/nexus/spend.json"},
	"clients":[{"name":"ci-bot","key_sha256":"` + strings.ToUpper(digestA) + `","models":["llama*","gpt-4o-mini"],
	 "zone":"restricted","min_tier":1,"monthly_usd":0,"requests_per_minute":60},
	 {"name":"app","key_sha256":"` + digestB + `"}]`)))
	if err != nil {
		t.Fatal(err)
	}
	zero, twoHundred := 0.0, 200.0
	wantBudget := BudgetConfig{MonthlyUSD: &twoHundred, PreferLocalAt: 0.7, StateFile: "/var/lib/nexus/spend.json"}
	wantClients := []ClientConfig{
		{Name: "ci-bot", KeySHA256: strings.ToUpper(digestA), Models: []string{"llama*", "gpt-4o-mini"}, Zone: "restricted",
			MinTier: 1, MonthlyUSD: &zero, RequestsPerMinute: 60},
		{Name: "app", KeySHA256: digestB},
	}
	if !reflect.DeepEqual(cfg.Budget, wantBudget) || !reflect.DeepEqual(cfg.Clients, wantClients) {
		t.Fatalf("got %+v %+v", cfg.Budget, cfg.Clients)
	}
	if !cfg.hasBudget() {
		t.Fatal("hasBudget false")
	}
	cfg, _ = parseConfig([]byte(withTop(`"budget":{"state_file":"s.json"}`)))
	if cfg.Budget.PreferLocalAt != 0.8 || cfg.Budget.MonthlyUSD != nil || cfg.hasBudget() {
		t.Fatalf("defaults: %+v", cfg.Budget)
	}
}

func TestParseConfigClientRules(t *testing.T) {
	client := func(fields string) string {
		return withTop(`"clients":[{"name":"c","key_sha256":"` + digestA + `"` + fields + `}]`)
	}
	const keyMsg = `must be the SHA-256 digest of the key as 64 hex digits, not the key itself (` + "`nexus key NAME`" + ` prints a new key and its digest)`
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"minimal client", client(""), nil},
		{"budget ok", withTop(`"budget":{"monthly_usd":0,"prefer_local_at":1}`), nil},
		{"budget negative", withTop(`"budget":{"monthly_usd":-1,"prefer_local_at":1.5}`),
			[]string{`budget.monthly_usd: must not be negative, got -1`,
				`budget.prefer_local_at: 1.5 is out of range 0..1 (the share of a budget from which cloud backends rank after local ones)`}},
		{"budget types", withTop(`"budget":{"monthly_usd":"200","state_file":3}`),
			[]string{`budget.monthly_usd: must be a number, got string`, `budget.state_file: must be a string, got number`}},
		{"budget unknown field", withTop(`"budget":{"monthly":1}`), []string{`budget: unknown field "monthly" (did you mean "monthly_usd"?)`}},
		{"budget state_file a directory", withTop(`"budget":{"state_file":"/var/lib/nexus/"}`),
			[]string{`budget.state_file: "/var/lib/nexus/" names a directory; name a file in it, e.g. "/var/lib/nexus/spend.json"`}},
		{"clients not a list", withTop(`"clients":{}`), []string{`clients: must be an array of client objects, got object`}},
		{"client not an object", withTop(`"clients":["x"]`), []string{`clients[0]: must be an object, got string`}},
		{"name and key required", withTop(`"clients":[{}]`),
			[]string{`clients[0]: name: required`, `clients[0]: key_sha256: required: the SHA-256 hex digest of the client's key (` + "`nexus key NAME`" + ` prints a new key and this entry)`}},
		{"bad name", withTop(`"clients":[{"name":"ci bot","key_sha256":"` + digestA + `"}]`),
			[]string{`clients[0] ("ci bot"): name: "ci bot" must match [A-Za-z0-9._-]+`}},
		{"env- names are reserved", withTop(`"clients":[{"name":"ENV-1","key_sha256":"` + digestA + `"}]`),
			[]string{`clients[0] ("ENV-1"): name: names starting with "env-" are reserved for the keys in NEXUS_API_KEYS (env-1, env-2, ...)`}},
		{"duplicate name and key", withTop(`"clients":[{"name":"c","key_sha256":"` + digestA + `"},{"name":"c","key_sha256":"` + strings.ToUpper(digestA) + `"}]`),
			[]string{`clients[1] ("c"): name: duplicate of clients[0]; names must be unique (spend belongs to the name)`,
				`clients[1] ("c"): key_sha256: the same key as clients[0]; every client needs its own key`}},
		{"short digest", client(`,"key_sha256x":1`), []string{`clients[0] ("c"): unknown field "key_sha256x" (did you mean "key_sha256"?)`}},
		{"digest not hex", withTop(`"clients":[{"name":"c","key_sha256":"` + strings.Repeat("g", 64) + `"}]`),
			[]string{`clients[0] ("c"): key_sha256: ` + keyMsg}},
		{"models", client(`,"models":["","[a",3]`),
			[]string{`clients[0] ("c"): models[2]: must be a string, got number`, `clients[0] ("c"): models[0]: must not be empty`,
				`clients[0] ("c"): models[1]: "[a" is not a valid pattern (path.Match syntax: *, ?, [a-z])`}},
		{"models empty", client(`,"models":[]`),
			[]string{`clients[0] ("c"): models: is empty; list the model names or patterns the client may call, or leave models out to allow every model`}},
		{"zone tier budget rate", client(`,"zone":"closed","min_tier":6,"monthly_usd":-2,"requests_per_minute":-1`),
			[]string{`clients[0] ("c"): zone: "closed" is not one of restricted, open (or leave it out)`,
				`clients[0] ("c"): min_tier: 6 is out of range 0..5`, `clients[0] ("c"): monthly_usd: must not be negative, got -2`,
				`clients[0] ("c"): requests_per_minute: must be 0 or more (0 = unlimited), got -1`}},
		{"unknown field", client(`,"rpm":5`), []string{`clients[0] ("c"): unknown field "rpm"`}},
		{"a literal key field", client(`,"key":"nx-abc"`),
			[]string{`clients[0] ("c"): field "key" looks like a literal secret; a client holds only key_sha256, the SHA-256 of its key (` + "`nexus key NAME`" + ` prints a new key and its entry)`}},
		{"an api_key field", client(`,"api_key":"x"`),
			[]string{`clients[0] ("c"): field "api_key" looks like a literal secret; a client holds only key_sha256, the SHA-256 of its key (` + "`nexus key NAME`" + ` prints a new key and its entry)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertProblems(t, tt.input, tt.want) })
	}
}

// TestClientKeysNeverEchoed: a key pasted where a digest belongs, or in a
// key field, is refused without being printed; a real digest is never
// taken for a secret, even inside an unknown field.
func TestClientKeysNeverEchoed(t *testing.T) {
	const key = "nx-Zk3Qp9Lm2Vx7Rt4Nw8Yb1Cd6Fg0Hj5Ks3Mq9Pz2A"
	for _, tc := range []struct{ name, input string }{
		{"key in key_sha256", withTop(`"clients":[{"name":"c","key_sha256":"` + key + `"}]`)},
		{"key field", withTop(`"clients":[{"name":"c","key_sha256":"` + digestA + `","key":"` + key + `"}]`)},
		{"key as name", withTop(`"clients":[{"name":"` + key + `","key_sha256":"` + digestA + `"}]`)},
		{"key as model", withTop(`"clients":[{"name":"c","key_sha256":"` + digestA + `","models":["` + key + `","` + key + `["]}]`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig([]byte(tc.input))
			if err == nil {
				t.Fatal("expected an error")
			}
			if strings.Contains(err.Error(), key) {
				t.Fatalf("error echoes the key:\n%s", err)
			}
		})
	}
	// key_sha256 inside an unknown section is not a secret-looking field name.
	problems := problemsOf(t, withTop(`"clientz":[{"name":"c","key_sha256":"`+digestA+`"}]`))
	if len(problems) != 1 || problems[0] != `unknown field "clientz" (did you mean "clients"?)` {
		t.Fatalf("problems %q", problems)
	}
}

func TestKeyCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	random := bytes.NewReader(bytes.Repeat([]byte{0xfb}, 32))
	if code := runKey([]string{"ci-bot"}, random, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("stdout %q", out.String())
	}
	key := lines[0]
	wantKey := "nx-" + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32))
	if key != wantKey || len(key) != 3+43 || strings.ContainsAny(key, "=+/") {
		t.Fatalf("key %q, want %q", key, wantKey)
	}
	sum := sha256.Sum256([]byte(key))
	var entry map[string]string
	if err := json.Unmarshal([]byte(lines[1]), &entry); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(entry, map[string]string{"name": "ci-bot", "key_sha256": hex.EncodeToString(sum[:])}) {
		t.Fatalf("entry %v", entry)
	}
	if strings.Contains(errOut.String(), key) {
		t.Fatal("the key went to stderr too")
	}
	// The entry is a valid client, and the key authenticates as it.
	cfg, err := parseConfig([]byte(withTop(`"clients":[` + lines[1] + `]`)))
	if err != nil {
		t.Fatal(err)
	}
	cs := newClientSet(cfg.Clients, nil, nil)
	if cs.lookup(key).nameOf() != "ci-bot" {
		t.Fatal("the printed key does not match its entry")
	}
	// Real randomness: two keys differ.
	var a, b bytes.Buffer
	run([]string{"key", "x"}, func(string) string { return "" }, &a, io.Discard)
	run([]string{"key", "x"}, func(string) string { return "" }, &b, io.Discard)
	if a.String() == b.String() || !strings.HasPrefix(a.String(), "nx-") {
		t.Fatalf("keys %q %q", a.String(), b.String())
	}
	for _, args := range [][]string{nil, {"a", "b"}, {"-h"}, {"bad name"}, {"env-9"}} {
		out.Reset()
		if code := runKey(args, bytes.NewReader(make([]byte, 32)), &out, io.Discard); code != 2 || out.Len() != 0 {
			t.Errorf("runKey(%q) = %d, stdout %q", args, code, out.String())
		}
	}
	if code := runKey([]string{"x"}, bytes.NewReader(nil), &out, io.Discard); code != 1 {
		t.Errorf("no randomness: exit %d", code)
	}
}

// TestCheckReportsStateFile: `nexus check` reports a missing directory and
// an unreadable state file as errors.
func TestCheckReportsStateFile(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "nexus.json")
	check := func(stateFile string) (int, string) {
		os.WriteFile(cfgPath, []byte(withTop(`"budget":{"monthly_usd":5,"state_file":"`+stateFile+`"}`)), 0o600)
		var out bytes.Buffer
		code := run([]string{"check", "-config", cfgPath}, func(string) string { return "" }, &out, io.Discard)
		return code, out.String()
	}
	state := filepath.Join(dir, "spend.json")
	if code, out := check(state); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("missing file: %d %s", code, out)
	}
	os.WriteFile(state, []byte(`{"version":1,"spend":[{"month":"2025-01"`), 0o600)
	if code, out := check(state); code != 1 || !strings.Contains(out, state) || !strings.Contains(out, "move it aside") {
		t.Fatalf("truncated file: %d %s", code, out)
	}
	if code, out := check(filepath.Join(dir, "nope", "spend.json")); code != 1 || !strings.Contains(out, "does not exist") {
		t.Fatalf("missing directory: %d %s", code, out)
	}
	var se *spendStateError
	if err := checkSpendState(&Config{Budget: BudgetConfig{StateFile: state}}); !errors.As(err, &se) {
		t.Fatalf("checkSpendState: %v", err)
	}
}
