// config_test.go: parseConfig's decoding, defaults and every validation rule.
package main

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// okBackend is a valid backend used where a case tests something else.
const okBackend = `{"name":"a","type":"ollama","url":"http://h:1"}`

// withBackends is a config holding the given backend objects.
func withBackends(backends ...string) string {
	return `{"backends":[` + strings.Join(backends, ",") + `]}`
}

// withTop is a valid config plus extra top-level members.
func withTop(extra string) string {
	return `{"backends":[` + okBackend + `],` + extra + `}`
}

// problemsOf parses input and returns its problems (nil when valid).
func problemsOf(t *testing.T, input string) []string {
	t.Helper()
	cfg, err := parseConfig([]byte(input))
	if err == nil {
		if cfg == nil {
			t.Fatal("nil config without error")
		}
		return nil
	}
	var ce *configError
	if !errors.As(err, &ce) {
		t.Fatalf("error %T is not *configError: %v", err, err)
	}
	if cfg != nil {
		t.Fatal("config returned with an error")
	}
	if err.Error() != strings.Join(ce.Problems, "\n") {
		t.Fatalf("Error() = %q, want problems joined by newlines", err.Error())
	}
	return ce.Problems
}

func assertProblems(t *testing.T, input string, want []string) {
	t.Helper()
	got := problemsOf(t, input)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems for %s\n got: %q\nwant: %q", input, got, want)
	}
}

func TestParseConfigBackendRules(t *testing.T) {
	secretMsg := `looks like a literal secret; put the key in an environment variable and name it in api_key_env`
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"valid", withBackends(okBackend), nil},
		{"name required", withBackends(`{"type":"ollama","url":"http://h:1"}`),
			[]string{`backends[0]: name: required`}},
		{"name charset", withBackends(`{"name":"gpu box","type":"ollama","url":"http://h:1"}`),
			[]string{`backends[0] ("gpu box"): name: "gpu box" must match [A-Za-z0-9._-]+`}},
		{"name allowed chars", withBackends(`{"name":"A.b_c-9","type":"ollama","url":"http://h:1"}`), nil},
		{"name duplicate", withBackends(okBackend, `{"name":"b","type":"ollama","url":"http://h:2"}`, okBackend),
			[]string{`backends[2] ("a"): name: duplicate of backends[0]; names must be unique`}},
		{"name not a string", withBackends(`{"name":5,"type":"ollama","url":"http://h:1"}`),
			[]string{`backends[0]: name: must be a string, got number`}},
		{"type required", withBackends(`{"name":"a","url":"http://h:1"}`),
			[]string{`backends[0] ("a"): type: required (one of ollama, vllm, llamacpp, lmstudio, exo, generic, openai, anthropic, google)`}},
		{"type unknown", withBackends(`{"name":"a","type":"tgi","url":"http://h:1"}`),
			[]string{`backends[0] ("a"): type: "tgi" is not one of ollama, vllm, llamacpp, lmstudio, exo, generic, openai, anthropic, google`}},
		{"url required for local", withBackends(`{"name":"a","type":"vllm"}`),
			[]string{`backends[0] ("a"): url: required for local type "vllm" (the server root, e.g. "http://127.0.0.1:8080")`}},
		{"url scheme", withBackends(`{"name":"a","type":"vllm","url":"ftp://h:1"}`),
			[]string{`backends[0] ("a"): url: must be an absolute http:// or https:// URL with a host`}},
		{"url relative", withBackends(`{"name":"a","type":"exo","url":"h:1/x"}`),
			[]string{`backends[0] ("a"): url: must be an absolute http:// or https:// URL with a host`}},
		{"url without host", withBackends(`{"name":"a","type":"exo","url":"http:///v1"}`),
			[]string{`backends[0] ("a"): url: must be an absolute http:// or https:// URL with a host`}},
		{"local url with /v1", withBackends(`{"name":"a","type":"vllm","url":"http://h:8000/v1/"}`),
			[]string{`backends[0] ("a"): url: for local type "vllm" give the server root without /v1 (Nexus calls {url}/v1/...)`}},
		{"url credentials", withBackends(`{"name":"a","type":"generic","url":"http://u:p@h:1"}`),
			[]string{`backends[0] ("a"): url: must not contain credentials (user:password@); keys come only from the environment variable named in api_key_env`}},
		{"url query", withBackends(`{"name":"a","type":"google","api_key_env":"K","url":"https://g.example?key=x"}`),
			[]string{`backends[0] ("a"): url: must not contain a query (?...) or fragment (#...); Nexus appends API paths to it`}},
		{"cloud url explicitly empty", withBackends(`{"name":"a","type":"openai","api_key_env":"K","url":""}`),
			[]string{`backends[0] ("a"): url: must be an absolute http:// or https:// URL with a host`}},
		{"api_key_env required for cloud", withBackends(`{"name":"a","type":"anthropic"}`),
			[]string{`backends[0] ("a"): api_key_env: required for cloud type "anthropic" (the name of the environment variable holding the key, e.g. ANTHROPIC_API_KEY)`}},
		{"api_key_env empty for cloud", withBackends(`{"name":"a","type":"google","api_key_env":""}`),
			[]string{`backends[0] ("a"): api_key_env: required for cloud type "google" (the name of the environment variable holding the key, e.g. GEMINI_API_KEY)`}},
		{"api_key_env holds an sk- key", withBackends(`{"name":"a","type":"openai","api_key_env":"sk-proj-abc123"}`),
			[]string{`backends[0] ("a"): api_key_env: must name an environment variable, not hold a key`}},
		{"api_key_env holds a random key", withBackends(`{"name":"a","type":"openai","api_key_env":"x7Kq9pZ2mN4vB8wR1tY6uE3s"}`),
			[]string{`backends[0] ("a"): api_key_env: must name an environment variable, not hold a key`}},
		{"api_key_env holds a hex key", withBackends(`{"name":"a","type":"openai","api_key_env":"3fa85f6457174562b3fc2c963f66afa6"}`),
			[]string{`backends[0] ("a"): api_key_env: must name an environment variable, not hold a key`}},
		{"api_key_env starts with a digit", withBackends(`{"name":"a","type":"openai","api_key_env":"1KEY"}`),
			[]string{`backends[0] ("a"): api_key_env: "1KEY" is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)`}},
		{"api_key_env has a dash", withBackends(`{"name":"a","type":"vllm","url":"http://h:1","api_key_env":"MY-KEY"}`),
			[]string{`backends[0] ("a"): api_key_env: "MY-KEY" is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)`}},
		{"api_key_env long but a name", withBackends(`{"name":"a","type":"openai","api_key_env":"MY_COMPANY_OPENAI_API_KEY_PRODUCTION_2"}`), nil},
		{"literal api_key", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","api_key":"hunter2"}`),
			[]string{`backends[0] ("a"): field "api_key" ` + secretMsg}},
		{"literal apiKey", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","apiKey":"hunter2"}`),
			[]string{`backends[0] ("a"): field "apiKey" ` + secretMsg}},
		{"literal key/token/secret/password", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","key":"1","token":"2","secret":"3","password":"4","apikey":"5"}`),
			[]string{`backends[0] ("a"): field "key" ` + secretMsg, `backends[0] ("a"): field "token" ` + secretMsg,
				`backends[0] ("a"): field "secret" ` + secretMsg, `backends[0] ("a"): field "password" ` + secretMsg,
				`backends[0] ("a"): field "apikey" ` + secretMsg}},
		{"deep unknown value", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","extra":` +
			strings.Repeat(`[`, 5000) + strings.Repeat(`]`, 5000) + `}`),
			[]string{`backends[0] ("a"): unknown field "extra"`}},
		{"nested literal secret", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","extra":{"headers":[{"x-access-token":"abc"}]}}`),
			[]string{`backends[0] ("a"): field "extra.headers[0].x-access-token" ` + secretMsg}},
		{"zone", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","zone":"private"}`),
			[]string{`backends[0] ("a"): zone: "private" is not one of restricted, open`}},
		{"zone empty", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","zone":""}`),
			[]string{`backends[0] ("a"): zone: "" is not one of restricted, open`}},
		{"tier too high", withBackends(`{"name":"gpu-box","type":"ollama","url":"http://h:1","tier":7}`),
			[]string{`backends[0] ("gpu-box"): tier: 7 is out of range 1..5`}},
		{"tier explicit 0", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","tier":0}`),
			[]string{`backends[0] ("a"): tier: 0 is out of range 1..5`}},
		{"tier 5.0 is whole", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","tier":5.0}`), nil},
		{"tier fraction", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","tier":3.5}`),
			[]string{`backends[0] ("a"): tier: 3.5 is not a whole number`}},
		{"tier string", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","tier":"3"}`),
			[]string{`backends[0] ("a"): tier: must be a whole number, got string`}},
		{"tier huge", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","tier":1e300}`),
			[]string{`backends[0] ("a"): tier: 1e300 is too large`}},
		{"priority negative", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","priority":-1}`),
			[]string{`backends[0] ("a"): priority: must be 0 or more (lower is preferred), got -1`}},
		{"max_concurrent negative", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","max_concurrent":-3}`),
			[]string{`backends[0] ("a"): max_concurrent: must be 0 or more (0 = unlimited), got -3`}},
		{"models entries", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","models":["x","",7,"x"]}`),
			[]string{`backends[0] ("a"): models[2]: must be a string, got number`,
				`backends[0] ("a"): models[1]: must not be empty`, `backends[0] ("a"): models[3]: "x" is listed twice`}},
		{"models empty", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","models":[]}`),
			[]string{`backends[0] ("a"): models: is empty; list at least one model, or leave models out to discover them`}},
		{"models not a list", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","models":"x"}`),
			[]string{`backends[0] ("a"): models: must be an array of strings, got string`}},
		{"unknown field near miss", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","max_concurent":2}`),
			[]string{`backends[0] ("a"): unknown field "max_concurent" (did you mean "max_concurrent"?)`}},
		{"unknown field", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","weight":2}`),
			[]string{`backends[0] ("a"): unknown field "weight"`}},
		{"duplicate field", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","tier":2,"tier":9}`),
			[]string{`backends[0] ("a"): duplicate field "tier"`}},
		{"backend not an object", withBackends(okBackend, `"ollama"`, `{"name":"b","type":"ollama"}`),
			[]string{`backends[1]: must be an object, got string`,
				`backends[2] ("b"): url: required for local type "ollama" (the server root, e.g. "http://127.0.0.1:8080")`}},
		{"backends not an array", `{"backends":{"name":"a"}}`,
			[]string{`backends: must be an array of backend objects, got object`}},
		{"backends empty", `{"backends":[]}`, []string{`backends: at least one backend is required`}},
		{"backends missing", `{"listen":":1"}`, []string{`backends: at least one backend is required`}},
		{"null backend", withBackends(`null`), []string{`backends[0]: must be an object, got null`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertProblems(t, tt.input, tt.want) })
	}
}

func TestParseConfigGlobalRules(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"listen", withTop(`"listen":"8000"`),
			[]string{`listen: "8000" is not a host:port address such as ":8000" or "127.0.0.1:8000"`}},
		{"listen empty", withTop(`"listen":""`),
			[]string{`listen: "" is not a host:port address such as ":8000" or "127.0.0.1:8000"`}},
		{"listen type", withTop(`"listen":8000`), []string{`listen: must be a string, got number`}},
		{"bad duration", withTop(`"health_check":{"interval":"5"}`),
			[]string{`health_check.interval: "5" is not a duration; use Go syntax such as "30s", "1m30s" or "10m"`}},
		{"duration as number", withTop(`"timeouts":{"request":600}`),
			[]string{`timeouts.request: must be a duration string such as "30s", got number`}},
		{"zero durations", withTop(`"health_check":{"interval":"0s","timeout":"0"},"timeouts":{"connect":"0s","first_byte":"-1s","stream_idle":"0ms","request":"0s"},"queue":{"timeout":"0s"}`),
			[]string{`health_check.interval: must be greater than 0, got "0s"`, `health_check.timeout: must be greater than 0, got "0s"`,
				`timeouts.connect: must be greater than 0, got "0s"`, `timeouts.first_byte: must be greater than 0, got "-1s"`,
				`timeouts.stream_idle: must be greater than 0, got "0s"`, `timeouts.request: must be greater than 0, got "0s"`,
				`queue.timeout: must be greater than 0, got "0s"`}},
		{"shutdown_grace negative", withTop(`"shutdown_grace":"-5s"`),
			[]string{`shutdown_grace: must not be negative, got "-5s"`}},
		{"shutdown_grace zero ok", withTop(`"shutdown_grace":"0s"`), nil},
		{"queue max_waiting", withTop(`"queue":{"max_waiting":-1}`),
			[]string{`queue.max_waiting: must be 0 or more (0 = no queue), got -1`}},
		{"queue max_waiting zero ok", withTop(`"queue":{"max_waiting":0}`), nil},
		{"max_body_bytes zero", withTop(`"max_body_bytes":0`), []string{`max_body_bytes: must be greater than 0, got 0`}},
		{"max_body_bytes fraction", withTop(`"max_body_bytes":1.5`), []string{`max_body_bytes: 1.5 is not a whole number`}},
		{"section unknown field", withTop(`"health_check":{"intervall":"5s"}`),
			[]string{`health_check: unknown field "intervall" (did you mean "interval"?)`}},
		{"section not an object", withTop(`"timeouts":"10s"`), []string{`timeouts: must be an object, got string`}},
		{"top unknown field", withTop(`"backend":[]`), []string{`unknown field "backend" (did you mean "backends"?)`}},
		{"top duplicate field", withTop(`"listen":":1","listen":"bad"`), []string{`duplicate field "listen"`}},
		{"top literal secret", withTop(`"openai_api_key":"abc"`),
			[]string{`field "openai_api_key" looks like a literal secret; put the key in an environment variable and name it in api_key_env`}},
		{"invalid JSON", "{\n  \"listen\": \":1\",\n}",
			[]string{`line 3, column 1: invalid JSON: invalid character '}' looking for beginning of object key string`}},
		{"truncated JSON", `{"listen":`, []string{`invalid JSON: unexpected end of file (an unclosed { or [ ?)`}},
		{"empty", " \n", []string{`the config is empty; it must be a JSON object such as {"backends": [...]}`}},
		{"trailing data", withTop(`"listen":":1"`) + ` {}`,
			[]string{`line 1, column 78: unexpected data after the top-level JSON object`}},
		{"not an object", `["a"]`, []string{`the top level must be a JSON object, got array`}},
		{"BOM accepted", "\xef\xbb\xbf" + withBackends(okBackend), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertProblems(t, tt.input, tt.want) })
	}
}

func TestParseConfigRoutingRules(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"alias ok", withTop(`"aliases":{"smart":"gpt-4o","fast":"llama3.2:3b"}`), nil},
		{"alias chain", withTop(`"aliases":{"smart":"fast","fast":"llama3.2:3b"}`),
			[]string{`aliases["smart"]: target "fast" is itself an alias (of "llama3.2:3b"); aliases resolve one level only, so point "smart" at "llama3.2:3b" directly`}},
		{"alias loop", withTop(`"aliases":{"a":"b","b":"c","c":"a"}`),
			[]string{`aliases["a"]: loop: "a" -> "b" -> "c" -> "a"`, `aliases["b"]: loop: "b" -> "c" -> "a" -> "b"`,
				`aliases["c"]: loop: "c" -> "a" -> "b" -> "c"`}},
		{"alias to itself", withTop(`"aliases":{"a":"a"}`), []string{`aliases["a"]: points to itself (a loop)`}},
		{"alias into a loop", withTop(`"aliases":{"x":"a","a":"b","b":"a"}`),
			[]string{`aliases["a"]: loop: "a" -> "b" -> "a"`, `aliases["b"]: loop: "b" -> "a" -> "b"`,
				`aliases["x"]: target "a" is itself an alias (of "b"); aliases resolve one level only, so point "x" at "b" directly`}},
		{"alias empty name and target", withTop(`"aliases":{"":"x","y":""}`),
			[]string{`aliases: alias names must not be empty`, `aliases["y"]: target must not be empty`}},
		{"alias not a string", withTop(`"aliases":{"y":["x"]}`), []string{`aliases["y"]: must be a string, got array`}},
		{"alias defined twice", withTop(`"aliases":{"y":"a","y":"b"}`), []string{`aliases: "y" is defined twice`}},
		{"aliases not an object", withTop(`"aliases":[]`), []string{`aliases: must be an object, got array`}},
		{"fallback ok", withTop(`"fallbacks":{"llama3.1:70b":["gpt-4o-mini","gemini-2.0-flash"]}`), nil},
		{"fallback to itself", withTop(`"fallbacks":{"m":["x","m"]}`), []string{`fallbacks["m"][1]: "m" cannot fall back to itself`}},
		{"fallback entries", withTop(`"fallbacks":{"m":["",3,"x","x"]}`),
			[]string{`fallbacks["m"][1]: must be a string, got number`, `fallbacks["m"][0]: must not be empty`,
				`fallbacks["m"][3]: "x" is listed twice`}},
		{"fallback empty list", withTop(`"fallbacks":{"m":[]}`),
			[]string{`fallbacks["m"]: is empty; list at least one fallback model, or leave "m" out`}},
		{"fallback not a list", withTop(`"fallbacks":{"m":"x"}`), []string{`fallbacks["m"]: must be an array of strings, got string`}},
		{"fallback empty model", withTop(`"fallbacks":{"":["x"]}`), []string{`fallbacks: model names must not be empty`}},
		{"policy ok", withTop(`"policies":[{"model":"patient-*","zone":"restricted","min_tier":3},{"model":"x"}]`), nil},
		{"policy pattern", withTop(`"policies":[{"model":"patient-[a"}]`),
			[]string{`policies[0]: model: "patient-[a" is not a valid pattern (path.Match syntax: *, ?, [a-z])`}},
		{"policy model required", withTop(`"policies":[{"zone":"open"}]`),
			[]string{`policies[0]: model: required (a model name or pattern such as "patient-*")`}},
		{"policy zone", withTop(`"policies":[{"model":"x","zone":"secret"}]`),
			[]string{`policies[0]: zone: "secret" is not one of restricted, open (or leave it out)`}},
		{"policy min_tier", withTop(`"policies":[{"model":"x","min_tier":6},{"model":"y","min_tier":-1}]`),
			[]string{`policies[0]: min_tier: 6 is out of range 0..5`, `policies[1]: min_tier: -1 is out of range 0..5`}},
		{"policy not an object", withTop(`"policies":["x",{"model":"y","tier":1}]`),
			[]string{`policies[0]: must be an object, got string`, `policies[1]: unknown field "tier" (did you mean "min_tier"?)`}},
		{"policies not a list", withTop(`"policies":{}`), []string{`policies: must be an array of policy objects, got object`}},
		{"pricing ok", withTop(`"pricing":{"m":{"input_per_mtok":0,"output_per_mtok":1.5,"cached_input_per_mtok":0.1,"cache_write_per_mtok":2}}`), nil},
		{"pricing negative", withTop(`"pricing":{"m":{"input_per_mtok":-1,"output_per_mtok":-2,"cached_input_per_mtok":-3,"cache_write_per_mtok":-4}}`),
			[]string{`pricing["m"]: input_per_mtok: must not be negative, got -1`, `pricing["m"]: output_per_mtok: must not be negative, got -2`,
				`pricing["m"]: cached_input_per_mtok: must not be negative, got -3`, `pricing["m"]: cache_write_per_mtok: must not be negative, got -4`}},
		{"pricing required", withTop(`"pricing":{"m":{}}`),
			[]string{`pricing["m"]: input_per_mtok: required (USD per million tokens; 0 is allowed)`,
				`pricing["m"]: output_per_mtok: required (USD per million tokens; 0 is allowed)`}},
		{"pricing unknown field", withTop(`"pricing":{"m":{"input_per_mtok":1,"output_per_mtok":1,"input":2}}`),
			[]string{`pricing["m"]: unknown field "input" (did you mean "input_per_mtok"?)`}},
		{"pricing types", withTop(`"pricing":{"m":{"input_per_mtok":"1","output_per_mtok":1e999},"n":5}`),
			[]string{`pricing["m"]: input_per_mtok: must be a number, got string`, `pricing["m"]: output_per_mtok: 1e999 is out of range`,
				`pricing["n"]: must be an object, got number`}},
		{"pricing empty model", withTop(`"pricing":{"":{"input_per_mtok":1,"output_per_mtok":1}}`),
			[]string{`pricing: model names must not be empty`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertProblems(t, tt.input, tt.want) })
	}
}

// TestParseConfigReportsEveryProblem checks that problems do not stop the
// decoder and come back grouped by where they are in the file.
func TestParseConfigReportsEveryProblem(t *testing.T) {
	input := `{
  "pricing": {"m": {"input_per_mtok": -1, "output_per_mtok": 1}},
  "backends": [
    {"name": "gpu-box", "type": "ollama", "url": "http://h:1", "tier": 7, "tire": 2},
    {"name": "claude", "type": "anthropic", "api_key": "x"}
  ],
  "aliases": {"smart": "fast", "fast": "llama3.2:3b"},
  "listen": "nope",
  "queue": {"timeout": "soon"},
  "verbose": true
}`
	assertProblems(t, input, []string{
		`unknown field "verbose"`,
		`listen: "nope" is not a host:port address such as ":8000" or "127.0.0.1:8000"`,
		`queue.timeout: "soon" is not a duration; use Go syntax such as "30s", "1m30s" or "10m"`,
		`backends[0] ("gpu-box"): unknown field "tire" (did you mean "tier"?)`,
		`backends[0] ("gpu-box"): tier: 7 is out of range 1..5`,
		`backends[1] ("claude"): field "api_key" looks like a literal secret; put the key in an environment variable and name it in api_key_env`,
		`backends[1] ("claude"): api_key_env: required for cloud type "anthropic" (the name of the environment variable holding the key, e.g. ANTHROPIC_API_KEY)`,
		`aliases["smart"]: target "fast" is itself an alias (of "llama3.2:3b"); aliases resolve one level only, so point "smart" at "llama3.2:3b" directly`,
		`pricing["m"]: input_per_mtok: must not be negative, got -1`,
	})
}

func TestParseConfigDefaults(t *testing.T) {
	input := withBackends(
		`{"name":"local","type":"ollama","url":"http://127.0.0.1:11434/"}`,
		`{"name":"oa","type":"openai","api_key_env":"OPENAI_API_KEY"}`,
		`{"name":"an","type":"anthropic","api_key_env":"ANTHROPIC_API_KEY"}`,
		`{"name":"go","type":"google","api_key_env":"GEMINI_API_KEY"}`,
		`{"name":"groq","type":"openai","url":"https://api.groq.com/openai/v1//","api_key_env":"GROQ_API_KEY",`+
			`"zone":"restricted","tier":5,"priority":0,"max_concurrent":8,"models":["m"]}`,
	)
	cfg, err := parseConfig([]byte(input))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Listen:      ":8000",
		HealthCheck: HealthCheckConfig{Interval: 30 * time.Second, Timeout: 3 * time.Second},
		Timeouts: TimeoutsConfig{Connect: 2 * time.Second, FirstByte: 120 * time.Second,
			StreamIdle: 60 * time.Second, Request: 10 * time.Minute},
		Queue:         QueueConfig{MaxWaiting: 256, Timeout: 30 * time.Second},
		MaxBodyBytes:  33554432,
		ShutdownGrace: 30 * time.Second,
		Backends: []BackendConfig{
			{Name: "local", Type: "ollama", URL: "http://127.0.0.1:11434", Zone: "restricted", Tier: 3, Priority: 50},
			{Name: "oa", Type: "openai", URL: "https://api.openai.com/v1", APIKeyEnv: "OPENAI_API_KEY", Zone: "open", Tier: 3, Priority: 100},
			{Name: "an", Type: "anthropic", URL: "https://api.anthropic.com", APIKeyEnv: "ANTHROPIC_API_KEY", Zone: "open", Tier: 3, Priority: 100},
			{Name: "go", Type: "google", URL: "https://generativelanguage.googleapis.com", APIKeyEnv: "GEMINI_API_KEY", Zone: "open", Tier: 3, Priority: 100},
			{Name: "groq", Type: "openai", URL: "https://api.groq.com/openai/v1", APIKeyEnv: "GROQ_API_KEY", Zone: "restricted",
				Tier: 5, Priority: 0, MaxConcurrent: 8, Models: []string{"m"}},
		},
		Aliases:   map[string]string{},
		Fallbacks: map[string][]string{},
		Pricing:   map[string]Price{},
		Budget:    BudgetConfig{PreferLocalAt: 0.8},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}
}

func TestParseConfigExplicitValues(t *testing.T) {
	input := `{"listen":"127.0.0.1:9000","health_check":{"interval":"1m","timeout":"500ms"},
	"timeouts":{"connect":"1s","first_byte":"30s","stream_idle":"15s","request":"1h"},
	"queue":{"max_waiting":0,"timeout":"2s"},"max_body_bytes":1024,"shutdown_grace":"0s",
	"backends":[` + okBackend + `],"aliases":{"smart":"gpt-4o"},"fallbacks":{"a":["b"]},
	"policies":[{"model":"p-*","zone":"restricted","min_tier":2}],
	"pricing":{"m":{"input_per_mtok":0.5,"output_per_mtok":1.5,"cached_input_per_mtok":0.25}}}`
	cfg, err := parseConfig([]byte(input))
	if err != nil {
		t.Fatal(err)
	}
	cached := 0.25
	want := &Config{
		Listen:        "127.0.0.1:9000",
		HealthCheck:   HealthCheckConfig{Interval: time.Minute, Timeout: 500 * time.Millisecond},
		Timeouts:      TimeoutsConfig{Connect: time.Second, FirstByte: 30 * time.Second, StreamIdle: 15 * time.Second, Request: time.Hour},
		Queue:         QueueConfig{MaxWaiting: 0, Timeout: 2 * time.Second},
		MaxBodyBytes:  1024,
		ShutdownGrace: 0,
		Backends:      []BackendConfig{{Name: "a", Type: "ollama", URL: "http://h:1", Zone: "restricted", Tier: 3, Priority: 50}},
		Aliases:       map[string]string{"smart": "gpt-4o"},
		Fallbacks:     map[string][]string{"a": {"b"}},
		Policies:      []Policy{{Model: "p-*", Zone: "restricted", MinTier: 2}},
		Pricing:       map[string]Price{"m": {InputPerMTok: 0.5, OutputPerMTok: 1.5, CachedInputPerMTok: &cached}},
		Budget:        BudgetConfig{PreferLocalAt: 0.8},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}
}

// TestConfigErrorsNeverEchoSecrets puts key-like values in every place a
// message might quote them and checks that the message does not.
func TestConfigErrorsNeverEchoSecrets(t *testing.T) {
	const (
		openAIKey = "sk-proj-Q3x9ZkT2mVb7Lr4Np8Ws1Yd6"
		googleKey = "AIzaSyD4x8Kq2Lm9Vn3Bp7Wt1Rz6Yc0Hj5Gf4E"
		randomKey = "a9Xk2Lq8Vz3Nm7Bw4Rt6Yp1Cs5Dg0Fh"
		password  = "hunter2-correct-horse"
	)
	tests := []struct {
		name, input, secret string
	}{
		{"api_key field", withBackends(`{"name":"a","type":"openai","api_key_env":"K","api_key":"` + openAIKey + `"}`), openAIKey},
		{"token field", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","token":"` + password + `"}`), password},
		{"nested secret", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","auth":{"password":"` + password + `"}}`), password},
		{"key in api_key_env", withBackends(`{"name":"a","type":"openai","api_key_env":"` + openAIKey + `"}`), openAIKey},
		{"google key in api_key_env", withBackends(`{"name":"a","type":"google","api_key_env":"` + googleKey + `"}`), googleKey},
		{"random key in api_key_env", withBackends(`{"name":"a","type":"openai","api_key_env":"` + randomKey + `"}`), randomKey},
		{"key as name", withBackends(`{"name":"` + openAIKey + `","type":"openai"}`), openAIKey},
		{"key as zone", withBackends(`{"name":"a","type":"ollama","url":"http://h:1","zone":"` + googleKey + `"}`), googleKey},
		{"key as type", withBackends(`{"name":"a","type":"` + randomKey + `"}`), randomKey},
		{"password in url", withBackends(`{"name":"a","type":"vllm","url":"http://admin:` + password + `@h:1"}`), password},
		{"key in url query", withBackends(`{"name":"a","type":"google","api_key_env":"K","url":"https://g.example/?key=` + googleKey + `"}`), googleKey},
		{"key in unparseable url", withBackends(`{"name":"a","type":"vllm","url":"http://h:bad` + randomKey + `"}`), randomKey},
		{"key as unknown field name", withTop(`"` + openAIKey + `":1`), openAIKey},
		{"key as duration", withTop(`"shutdown_grace":"` + openAIKey + `"`), openAIKey},
		{"key as listen", withTop(`"listen":"` + randomKey + `"`), randomKey},
		{"key as alias loop", withTop(`"aliases":{"` + openAIKey + `":"` + openAIKey + `x","` + openAIKey + `x":"` + openAIKey + `"}`), openAIKey},
		{"key as policy zone", withTop(`"policies":[{"model":"x","zone":"` + googleKey + `"}]`), googleKey},
		{"key as fallback", withTop(`"fallbacks":{"m":["` + openAIKey + `","` + openAIKey + `"]}`), openAIKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig([]byte(tt.input))
			if err == nil {
				t.Fatal("expected an error")
			}
			if strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error echoes the secret:\n%s", err)
			}
		})
	}
}

func TestLooksLikeKey(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"sk-abc", true},
		{"sk-ant-api03-abcdefghijklmnop", true},
		{"AIzaSyD4x8Kq2Lm9Vn3Bp7Wt1Rz6Yc0Hj5Gf4E", true},
		{"gsk_Q3x9ZkT2mVb7Lr4Np8Ws1Yd6", true},
		{"a9Xk2Lq8Vz3Nm7Bw4Rt6Yp1Cs5Dg0Fh", true},
		{"3fa85f6457174562b3fc2c963f66afa6", true},
		{"OPENAI_API_KEY", false},
		{"MY_COMPANY_OPENAI_API_KEY_PRODUCTION_2", false},
		{"hf_token_for_my_company", false},
		{"gpt-4o-mini-2024-07-18", false},
		{"claude-3-5-sonnet-20241022", false},
		{"meta-llama/Llama-3.1-70B-Instruct", false},
		{"text-embedding-3-small", false},
		{"restricted", false},
	}
	for _, tt := range tests {
		if got := looksLikeKey(tt.in); got != tt.want {
			t.Errorf("looksLikeKey(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestQuoteValue(t *testing.T) {
	long := strings.Repeat("é", 50) // 100 bytes
	tests := []struct{ in, want string }{
		{"gpt-4o", `"gpt-4o"`},
		{"sk-abc", hiddenValue},
		{long, `"` + strings.Repeat("é", 40) + `"...`},
		{"a\nb", `"a\nb"`},
	}
	for _, tt := range tests {
		if got := quoteValue(tt.in); got != tt.want {
			t.Errorf("quoteValue(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestLoadConfigFile(t *testing.T) {
	dir := t.TempDir()
	good, bad := dir+"/good.json", dir+"/bad.json"
	if err := os.WriteFile(good, []byte(withBackends(okBackend)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(withBackends(`{"name":"a","type":"ollama","url":"http://h:1","tier":9}`)), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err := loadConfigFile(good); err != nil || cfg.Backends[0].Name != "a" {
		t.Fatalf("good: %v %v", cfg, err)
	}
	_, err := loadConfigFile(bad)
	var ce *configError
	if !errors.As(err, &ce) || !reflect.DeepEqual(ce.Problems, []string{`backends[0] ("a"): tier: 9 is out of range 1..5`}) {
		t.Fatalf("bad: %v", err)
	}
	_, err = loadConfigFile(dir + "/missing.json")
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
}

func FuzzParseConfig(f *testing.F) {
	example, err := os.ReadFile("nexus.json.example")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	for _, s := range []string{
		withBackends(okBackend), `{}`, `[]`, `{"backends":[null,1,"x",{}]}`, `{"aliases":{"a":"b","b":"a"}}`,
		`{"backends":[{"name":"a","type":"openai","api_key":"sk-x","auth":{"t":[{"token":1}]}}]}`,
		`{"pricing":{"m":{"input_per_mtok":1e999}},"policies":[{"model":"[","min_tier":1e30}]}`,
		`{"health_check":{"interval":"1h1m1s","timeout":"-0"},"listen":"[::1]:80"}`, "\xef\xbb\xbf{", `{"a":1}{`,
		`{"clients":[{"name":"c","key_sha256":"` + strings.Repeat("ab", 32) + `","models":["["],"key":"nx-x"},7],"budget":{"monthly_usd":-1}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := parseConfig(data)
		if err != nil {
			var ce *configError
			if !errors.As(err, &ce) || len(ce.Problems) == 0 || cfg != nil {
				t.Fatalf("bad error result: %v", err)
			}
			return
		}
		if problems := validateConfig(cfg, nil); len(problems) > 0 {
			t.Fatalf("accepted config fails validation: %q", problems)
		}
	})
}
