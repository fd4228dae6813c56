// config_env.go: where the config comes from when no file says otherwise.
//
// It holds the zero-config default (Ollama plus a cloud backend for each API
// key variable that is set), the rule that picks the config file, and the
// `nexus check` command. Key values are read only to see whether they are
// set; they are never copied into the config or any message.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"
)

// defaultOllamaURL is where Ollama listens when OLLAMA_HOST is not set.
const defaultOllamaURL = "http://127.0.0.1:11434"

// defaultConfigFile is the file used when neither -config nor NEXUS_CONFIG is given.
const defaultConfigFile = "nexus.json"

// defaultConfig is the zero-config default: listen :8000, Ollama at
// $OLLAMA_HOST or http://127.0.0.1:11434, and a cloud backend for each key
// variable that is set and non-empty. The lines say what was registered and
// why, for the log; they never include a key value.
func defaultConfig(getenv func(string) string) (*Config, []string) {
	cfg := newDefaultConfig()
	cfg.Discover = true // local servers on their well-known ports (discover.go)
	lines := []string{"zero-config: no config file given and no ./" + defaultConfigFile + "; using built-in defaults"}

	ollama, why := zeroConfigOllama(getenv("OLLAMA_HOST"))
	cfg.Backends = append(cfg.Backends, ollama)
	lines = append(lines, registeredLine(ollama, why))

	for _, p := range providerList() {
		if len(p.zeroConfigEnv) == 0 {
			continue
		}
		keyVar, why := pickKeyVar(getenv, p.zeroConfigEnv)
		if keyVar == "" {
			lines = append(lines, fmt.Sprintf("zero-config: no %q backend: %s", p.typ, why))
			continue
		}
		b := BackendConfig{Name: p.typ, Type: p.typ, APIKeyEnv: keyVar}
		applyBackendDefaults(&b, nil)
		cfg.Backends = append(cfg.Backends, b)
		lines = append(lines, registeredLine(b, why))
	}
	return cfg, lines
}

// zeroConfigOllama builds the Ollama backend from OLLAMA_HOST.
func zeroConfigOllama(host string) (BackendConfig, string) {
	b := BackendConfig{Name: "ollama", Type: "ollama", URL: defaultOllamaURL}
	why := "OLLAMA_HOST is not set, so Ollama's default address"
	if strings.TrimSpace(host) != "" {
		if u, err := ollamaURL(host); err != nil {
			why = "OLLAMA_HOST is set but " + err.Error() + ", so Ollama's default address"
		} else {
			b.URL, why = u, "from OLLAMA_HOST"
		}
	}
	applyBackendDefaults(&b, nil)
	return b, why
}

// pickKeyVar returns the first key variable that is set and non-blank, and
// why; "" when none is.
func pickKeyVar(getenv func(string) string, vars []string) (string, string) {
	for i, v := range vars {
		if strings.TrimSpace(getenv(v)) == "" {
			continue
		}
		if i == 0 {
			return v, v + " is set"
		}
		return v, v + " is set (" + strings.Join(vars[:i], ", ") + " is not)"
	}
	if len(vars) == 1 {
		return "", vars[0] + " is not set (or empty)"
	}
	return "", "none of " + strings.Join(vars, ", ") + " is set (or they are empty)"
}

// registeredLine describes one registered zero-config backend.
func registeredLine(b BackendConfig, why string) string {
	kind := "local"
	if isCloudType(b.Type) {
		kind = "cloud"
	}
	return fmt.Sprintf("zero-config: registered backend %q (type %s, %s, zone %s) at %s: %s",
		b.Name, b.Type, kind, b.Zone, redactURL(b.URL), why)
}

// redactURL hides any user:password in a URL for logs.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<invalid URL>"
	}
	return u.Redacted()
}

// ollamaURL normalises OLLAMA_HOST the way the Ollama CLI reads it:
// "host", "host:port", ":port" or a URL. Without a scheme the port defaults
// to 11434; an unspecified address (0.0.0.0, ::) means 127.0.0.1 for a
// client. Errors never include the value, which may hold credentials.
func ollamaURL(v string) (string, error) {
	s := strings.Trim(strings.TrimSpace(v), `"'`)
	hadScheme := strings.Contains(s, "://")
	if !hadScheme {
		if ip := net.ParseIP(strings.Trim(s, "[]")); ip != nil && strings.Contains(s, ":") {
			s = "[" + ip.String() + "]" // a bare IPv6 address
		}
		s = "http://" + s
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", errors.New("is not a host:port or an http(s) URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return "", errors.New("has a scheme other than http or https")
	case u.User != nil:
		return "", errors.New("contains credentials, which Nexus does not send")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", errors.New("has a query or fragment")
	}
	host, port := u.Hostname(), u.Port()
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	if port == "" && !hadScheme {
		port = "11434"
	}
	u.Host = host
	if port != "" {
		u.Host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		u.Host = "[" + host + "]"
	}
	u.Path, u.RawPath = strings.TrimRight(u.Path, "/"), ""
	return u.String(), nil
}

// applyEnv applies the environment variables that override config
// settings (flag > environment > file > default): NEXUS_HEALTH_INTERVAL and
// NEXUS_DISCOVER_PORTS (config_discover.go). Other variables are read where
// they are used. A bad value is an error naming the variable.
func applyEnv(cfg *Config, getenv func(string) string) error {
	if v := strings.TrimSpace(getenv("NEXUS_HEALTH_INTERVAL")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("NEXUS_HEALTH_INTERVAL: %s is not a positive duration such as \"30s\"", quoteValue(v))
		}
		cfg.HealthCheck.Interval = d
	}
	return applyDiscoverEnv(cfg, getenv)
}

// resolveConfigPath picks the config file: the -config flag, else
// NEXUS_CONFIG, else ./nexus.json if it exists, else "" (zero-config).
func resolveConfigPath(flagValue string, getenv func(string) string, exists func(string) bool) string {
	switch {
	case flagValue != "":
		return flagValue
	case getenv("NEXUS_CONFIG") != "":
		return getenv("NEXUS_CONFIG")
	case exists(defaultConfigFile):
		return defaultConfigFile
	}
	return ""
}

// fileExists reports whether path names an existing file (for resolveConfigPath).
func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// runCheck implements `nexus check [-config FILE]` (args exclude "check"):
// it validates the config, prints every problem or a one-line OK summary to
// out, and returns the exit code: 0 valid, 1 invalid, 2 bad usage. With no
// config file found it validates the zero-config default.
func runCheck(args []string, getenv func(string) string, out io.Writer) int {
	fs := flag.NewFlagSet("nexus check", flag.ContinueOnError)
	fs.SetOutput(out)
	configFlag := fs.String("config", "", "config file (default $NEXUS_CONFIG, else ./nexus.json, else zero-config)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(out, "nexus check: unexpected argument %s\n", quoteValue(fs.Arg(0)))
		return 2
	}
	path := resolveConfigPath(*configFlag, getenv, fileExists)
	var cfg *Config
	name := path
	if path == "" {
		var lines []string
		cfg, lines = defaultConfig(getenv)
		for _, l := range lines {
			fmt.Fprintln(out, l)
		}
		name = "zero-config default"
		if problems := validateConfig(cfg, nil); len(problems) > 0 {
			return printProblems(out, name, problems)
		}
	} else {
		var err error
		if cfg, err = loadConfigFile(path); err != nil {
			var ce *configError
			if errors.As(err, &ce) {
				return printProblems(out, name, ce.Problems)
			}
			fmt.Fprintf(out, "%s: %v\n", name, err)
			return 1
		}
	}
	if err := applyEnv(cfg, getenv); err != nil {
		return printProblems(out, name, []string{err.Error()})
	}
	if err := checkSpendState(cfg); err != nil {
		return printProblems(out, name, []string{err.Error()})
	}
	fmt.Fprintf(out, "%s: OK, %s\n", name, backendSummary(cfg.Backends))
	for _, note := range keyVarNotes(cfg.Backends, getenv) {
		fmt.Fprintln(out, note)
	}
	return 0
}

// printProblems prints a failed check and returns its exit code.
func printProblems(out io.Writer, name string, problems []string) int {
	fmt.Fprintf(out, "%s: %s\n", name, plural(len(problems), "problem"))
	for _, p := range problems {
		fmt.Fprintf(out, "  %s\n", p)
	}
	return 1
}

// backendSummary is "4 backends (1 local, 3 cloud)".
func backendSummary(backends []BackendConfig) string {
	local := 0
	for _, b := range backends {
		if isLocalType(b.Type) {
			local++
		}
	}
	return fmt.Sprintf("%s (%d local, %d cloud)", plural(len(backends), "backend"), local, len(backends)-local)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// keyVarNotes warns, without failing the check, about key variables that
// are not set now: those backends will be unhealthy until they are.
func keyVarNotes(backends []BackendConfig, getenv func(string) string) []string {
	var notes []string
	for i, b := range backends {
		if b.APIKeyEnv != "" && strings.TrimSpace(getenv(b.APIKeyEnv)) == "" {
			notes = append(notes, fmt.Sprintf("note: %s: %s is not set (or empty) here; the backend will be "+
				"unhealthy until it is", backendLabel(i, b.Name), b.APIKeyEnv))
		}
	}
	return notes
}
