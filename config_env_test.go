// config_env_test.go: zero-config, config file precedence and `nexus check`.
package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// envOf returns a getenv reading only the given map.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestOllamaURL(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"gpu-box", "http://gpu-box:11434", ""},
		{"gpu-box:1234", "http://gpu-box:1234", ""},
		{":11434", "http://127.0.0.1:11434", ""},
		{"0.0.0.0:11434", "http://127.0.0.1:11434", ""},
		{"0.0.0.0", "http://127.0.0.1:11434", ""},
		{"[::]:11434", "http://127.0.0.1:11434", ""},
		{"::", "http://127.0.0.1:11434", ""},
		{"::1", "http://[::1]:11434", ""},
		{"[::1]:8080", "http://[::1]:8080", ""},
		{"10.1.2.3:11434", "http://10.1.2.3:11434", ""},
		{` "localhost:11434" `, "http://localhost:11434", ""},
		{"http://gpu-box:11434/", "http://gpu-box:11434", ""},
		{"http://0.0.0.0:8080", "http://127.0.0.1:8080", ""},
		{"https://ollama.example.com", "https://ollama.example.com", ""},
		{"https://example.com/ollama/", "https://example.com/ollama", ""},
		{"http://[::1]", "http://[::1]", ""},
		{"ftp://gpu-box", "", "has a scheme other than http or https"},
		{"http://user:pw@gpu-box", "", "contains credentials, which Nexus does not send"},
		{"gpu-box:port", "", "is not a host:port or an http(s) URL"},
		{"http://gpu-box?x=1", "", "has a query or fragment"},
	}
	for _, tt := range tests {
		got, err := ollamaURL(tt.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tt.want || gotErr != tt.err {
			t.Errorf("ollamaURL(%q) = %q, %q; want %q, %q", tt.in, got, gotErr, tt.want, tt.err)
		}
	}
}

func TestDefaultConfig(t *testing.T) {
	const (
		openAIKey = "sk-proj-secretvalue-0001"
		claudeKey = "sk-ant-secretvalue-0002"
		geminiKey = "AIzaSecretValue0003xxxxxxxxxxxxxxxx"
		googleKey = "AIzaSecretValue0004yyyyyyyyyyyyyyyy"
	)
	ollama := BackendConfig{Name: "ollama", Type: "ollama", URL: "http://127.0.0.1:11434", Zone: "restricted", Tier: 3, Priority: 50}
	cloud := func(name, keyVar, url string) BackendConfig {
		return BackendConfig{Name: name, Type: name, URL: url, APIKeyEnv: keyVar, Zone: "open", Tier: 3, Priority: 100}
	}
	openai := cloud("openai", "OPENAI_API_KEY", "https://api.openai.com/v1")
	anthropic := cloud("anthropic", "ANTHROPIC_API_KEY", "https://api.anthropic.com")
	gemini := cloud("google", "GEMINI_API_KEY", "https://generativelanguage.googleapis.com")
	google := cloud("google", "GOOGLE_API_KEY", "https://generativelanguage.googleapis.com")
	first := "zero-config: no config file given and no ./nexus.json; using built-in defaults"

	tests := []struct {
		name  string
		env   map[string]string
		want  []BackendConfig
		lines []string
	}{
		{"nothing set", nil, []BackendConfig{ollama}, []string{first,
			`zero-config: registered backend "ollama" (type ollama, local, zone restricted) at http://127.0.0.1:11434: OLLAMA_HOST is not set, so Ollama's default address`,
			`zero-config: no "openai" backend: OPENAI_API_KEY is not set (or empty)`,
			`zero-config: no "anthropic" backend: ANTHROPIC_API_KEY is not set (or empty)`,
			`zero-config: no "google" backend: none of GEMINI_API_KEY, GOOGLE_API_KEY is set (or they are empty)`}},
		{"all keys", map[string]string{"OPENAI_API_KEY": openAIKey, "ANTHROPIC_API_KEY": claudeKey,
			"GEMINI_API_KEY": geminiKey, "GOOGLE_API_KEY": googleKey, "OLLAMA_HOST": "0.0.0.0:11434"},
			[]BackendConfig{ollama, openai, anthropic, gemini}, []string{first,
				`zero-config: registered backend "ollama" (type ollama, local, zone restricted) at http://127.0.0.1:11434: from OLLAMA_HOST`,
				`zero-config: registered backend "openai" (type openai, cloud, zone open) at https://api.openai.com/v1: OPENAI_API_KEY is set`,
				`zero-config: registered backend "anthropic" (type anthropic, cloud, zone open) at https://api.anthropic.com: ANTHROPIC_API_KEY is set`,
				`zero-config: registered backend "google" (type google, cloud, zone open) at https://generativelanguage.googleapis.com: GEMINI_API_KEY is set`}},
		{"google fallback and empty keys", map[string]string{"OPENAI_API_KEY": "", "ANTHROPIC_API_KEY": "  ",
			"GEMINI_API_KEY": "", "GOOGLE_API_KEY": googleKey, "OLLAMA_HOST": "gpu-box"},
			[]BackendConfig{{Name: "ollama", Type: "ollama", URL: "http://gpu-box:11434", Zone: "restricted", Tier: 3, Priority: 50}, google},
			[]string{first,
				`zero-config: registered backend "ollama" (type ollama, local, zone restricted) at http://gpu-box:11434: from OLLAMA_HOST`,
				`zero-config: no "openai" backend: OPENAI_API_KEY is not set (or empty)`,
				`zero-config: no "anthropic" backend: ANTHROPIC_API_KEY is not set (or empty)`,
				`zero-config: registered backend "google" (type google, cloud, zone open) at https://generativelanguage.googleapis.com: GOOGLE_API_KEY is set (GEMINI_API_KEY is not)`}},
		{"bad OLLAMA_HOST", map[string]string{"OLLAMA_HOST": "http://admin:" + openAIKey + "@gpu-box"},
			[]BackendConfig{ollama}, []string{first,
				`zero-config: registered backend "ollama" (type ollama, local, zone restricted) at http://127.0.0.1:11434: OLLAMA_HOST is set but contains credentials, which Nexus does not send, so Ollama's default address`,
				`zero-config: no "openai" backend: OPENAI_API_KEY is not set (or empty)`,
				`zero-config: no "anthropic" backend: ANTHROPIC_API_KEY is not set (or empty)`,
				`zero-config: no "google" backend: none of GEMINI_API_KEY, GOOGLE_API_KEY is set (or they are empty)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, lines := defaultConfig(envOf(tt.env))
			if !reflect.DeepEqual(cfg.Backends, tt.want) {
				t.Errorf("backends\n got %+v\nwant %+v", cfg.Backends, tt.want)
			}
			if !reflect.DeepEqual(lines, tt.lines) {
				t.Errorf("lines\n got %q\nwant %q", lines, tt.lines)
			}
			if cfg.Listen != ":8000" || cfg.Queue.MaxWaiting != 256 || cfg.MaxBodyBytes != 33554432 {
				t.Errorf("globals not defaulted: %+v", cfg)
			}
			if p := validateConfig(cfg, nil); len(p) > 0 {
				t.Errorf("zero-config default is invalid: %q", p)
			}
			all := strings.Join(lines, "\n")
			for _, secret := range []string{openAIKey, claudeKey, geminiKey, googleKey} {
				if strings.Contains(all, secret) {
					t.Errorf("lines contain a key value: %s", all)
				}
			}
		})
	}
}

func TestResolveConfigPath(t *testing.T) {
	tests := []struct {
		name, flag, env string
		fileExists      bool
		want            string
	}{
		{"flag wins", "a.json", "b.json", true, "a.json"},
		{"env next", "", "b.json", true, "b.json"},
		{"local file next", "", "", true, "nexus.json"},
		{"zero-config", "", "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked []string
			exists := func(p string) bool { asked = append(asked, p); return tt.fileExists }
			got := resolveConfigPath(tt.flag, envOf(map[string]string{"NEXUS_CONFIG": tt.env}), exists)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if tt.flag == "" && tt.env == "" && !reflect.DeepEqual(asked, []string{"nexus.json"}) {
				t.Errorf("exists asked %q", asked)
			}
		})
	}
}

func TestRunCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", withBackends(okBackend, `{"name":"oa","type":"openai","api_key_env":"OPENAI_API_KEY"}`))
	bad := write("bad.json", withBackends(`{"name":"gpu-box","type":"ollama","url":"http://h:1","tier":7}`,
		`{"name":"c","type":"anthropic","api_key":"sk-ant-literal-secret-123"}`))
	missing := filepath.Join(dir, "missing.json")

	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		out  string
	}{
		{"valid file", []string{"-config", good}, map[string]string{"OPENAI_API_KEY": "sk-x"}, 0,
			good + ": OK, 2 backends (1 local, 1 cloud)\n"},
		{"valid file, key variable unset", []string{"--config=" + good}, nil, 0,
			good + ": OK, 2 backends (1 local, 1 cloud)\n" +
				`note: backends[1] ("oa"): OPENAI_API_KEY is not set (or empty) here; the backend will be unhealthy until it is` + "\n"},
		{"file from NEXUS_CONFIG", nil, map[string]string{"NEXUS_CONFIG": bad}, 1,
			bad + ": 3 problems\n" +
				`  backends[0] ("gpu-box"): tier: 7 is out of range 1..5` + "\n" +
				`  backends[1] ("c"): field "api_key" looks like a literal secret; put the key in an environment variable and name it in api_key_env` + "\n" +
				`  backends[1] ("c"): api_key_env: required for cloud type "anthropic" (the name of the environment variable holding the key, e.g. ANTHROPIC_API_KEY)` + "\n"},
		{"missing file", []string{"-config", missing}, nil, 1,
			missing + ": read config: open " + missing + ": no such file or directory\n"},
		{"bad flag", []string{"-nope"}, nil, 2,
			"flag provided but not defined: -nope\nUsage of nexus check:\n  -config string\n    \tconfig file (default $NEXUS_CONFIG, else ./nexus.json, else zero-config)\n"},
		{"extra argument", []string{"-config", good, "extra"}, nil, 2, "nexus check: unexpected argument \"extra\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			code := runCheck(tt.args, envOf(tt.env), &out)
			if code != tt.code || out.String() != tt.out {
				t.Errorf("code %d, output:\n%s\nwant code %d, output:\n%s", code, out.String(), tt.code, tt.out)
			}
			if strings.Contains(out.String(), "literal-secret") {
				t.Error("output echoes a secret")
			}
		})
	}
}

// TestRunCheckWorkingDirectory covers ./nexus.json and the zero-config default.
func TestRunCheckWorkingDirectory(t *testing.T) {
	t.Chdir(t.TempDir())
	var out bytes.Buffer
	code := runCheck(nil, envOf(map[string]string{"ANTHROPIC_API_KEY": "sk-ant-zero-config-secret"}), &out)
	want := "zero-config: no config file given and no ./nexus.json; using built-in defaults\n" +
		`zero-config: registered backend "ollama" (type ollama, local, zone restricted) at http://127.0.0.1:11434: OLLAMA_HOST is not set, so Ollama's default address` + "\n" +
		`zero-config: no "openai" backend: OPENAI_API_KEY is not set (or empty)` + "\n" +
		`zero-config: registered backend "anthropic" (type anthropic, cloud, zone open) at https://api.anthropic.com: ANTHROPIC_API_KEY is set` + "\n" +
		`zero-config: no "google" backend: none of GEMINI_API_KEY, GOOGLE_API_KEY is set (or they are empty)` + "\n" +
		"zero-config default: OK, 2 backends (1 local, 1 cloud)\n"
	if code != 0 || out.String() != want {
		t.Errorf("zero-config: code %d, output:\n%s\nwant:\n%s", code, out.String(), want)
	}

	if err := os.WriteFile("nexus.json", []byte(withBackends(`{"name":"x","type":"ollama","url":"http://h:1","zone":"nowhere"}`)), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	code = runCheck(nil, envOf(nil), &out)
	want = "nexus.json: 1 problem\n" + `  backends[0] ("x"): zone: "nowhere" is not one of restricted, open` + "\n"
	if code != 1 || out.String() != want {
		t.Errorf("./nexus.json: code %d, output:\n%s\nwant:\n%s", code, out.String(), want)
	}
}
