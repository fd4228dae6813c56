// discover_test.go: local-server discovery in process — each kind is
// recognised from its real answers and registered once under kind-port;
// configured backends and Nexus's own port win; a server that starts later
// is picked up at the next interval and one that stops turns unhealthy; and
// no probe ever leaves 127.0.0.1.
package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// discoverConfig is a test config with discovery on the given ports.
func discoverConfig(ports []int, bs ...BackendConfig) *Config {
	cfg := testConfig(bs...)
	cfg.Discover, cfg.DiscoverPorts = true, ports
	return cfg
}

func backendNamed(n *testNexus, name string) *backend {
	for _, b := range n.s.reg.Load().backends() {
		if b.cfg.Name == name {
			return b
		}
	}
	return nil
}

// logLines returns the decoded JSON log lines whose msg has prefix.
func logLines(t testing.TB, logs, prefix string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
		var v map[string]any
		if json.Unmarshal([]byte(l), &v) != nil {
			continue
		}
		if msg, _ := v["msg"].(string); strings.HasPrefix(msg, prefix) {
			out = append(out, v)
		}
	}
	return out
}

func TestDiscoveryRecognisesEachKind(t *testing.T) {
	tests := []struct {
		kind, model    string
		name, typ, why string
	}{
		{"ollama", "llama3.2:3b", "ollama", "ollama", "GET /api/tags answered with Ollama's model list"},
		{"vllm", "meta-llama/Llama-3.1-8B-Instruct", "vllm", "vllm", `GET /v1/models entries are owned_by "vllm"`},
		{"llamacpp", "qwen2.5-7b-instruct-q4_k_m.gguf", "llamacpp", "llamacpp", `GET /v1/models entries are owned_by "llamacpp"`},
		{"lmstudio", "qwen/qwen3-4b", "lmstudio", "lmstudio", `GET /v1/models entries are owned_by "organization_owner"`},
		{"exo", "llama-3.2-1b", "exo", "exo", `GET /v1/models entries are owned_by "exo"`},
		{"koboldcpp", "koboldcpp/gemma-3-12b", "koboldcpp", "generic", `GET /v1/models entries are owned_by "koboldcpp"`},
		{"jan", "jan-nano-4b", "openai", "generic", "GET /v1/models answered as an OpenAI-compatible server that does not name itself"},
	}
	var ports []int
	fakes := map[string]*fakeLocal{}
	for _, tt := range tests {
		f := newFakeLocal(t, tt.kind, tt.model)
		fakes[tt.kind] = f
		ports = append(ports, f.port())
	}
	web := newFakeLocal(t, "web")
	closed := reservePort(t)
	ports = append(ports, web.port(), closed.port)

	n := startNexus(t, discoverConfig(ports), nil)
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			f := fakes[tt.kind]
			name := tt.name + "-" + strconv.Itoa(f.port())
			b := backendNamed(n, name)
			if b == nil {
				t.Fatalf("no backend %s:\n%s", name, n.logs.String())
			}
			if b.cfg.Type != tt.typ || b.cfg.URL != "http://127.0.0.1:"+strconv.Itoa(f.port()) || !b.discovered ||
				b.cfg.Zone != "restricted" || b.cfg.Tier != 3 || b.cfg.Priority != 50 || b.stateName() != "healthy" {
				t.Errorf("backend %+v state %s", b.cfg, b.stateName())
			}
			resp := n.post(t, "/v1/chat/completions", `{"model":"`+tt.model+`","messages":[{"role":"user","content":"hi"}]}`)
			body := readAll(t, resp)
			if resp.StatusCode != 200 || resp.Header.Get("X-Nexus-Backend") != name ||
				resp.Header.Get("X-Nexus-Backend-Type") != "local" || !strings.Contains(body, "from "+tt.kind) {
				t.Errorf("chat: %d %v %s", resp.StatusCode, resp.Header, body)
			}
			var found bool
			for _, l := range logLines(t, n.logs.String(), "discovery: registered local server") {
				if l["backend"] == name {
					found = l["why"] == tt.why && l["type"] == tt.typ && l["level"] == "INFO"
				}
			}
			if !found {
				t.Errorf("no registration line for %s with why %q:\n%s", name, tt.why, n.logs.String())
			}
		})
	}
	logs := n.logs.String()
	for _, want := range []string{
		`"msg":"discovery: skipped: answered GET /v1/models with HTTP 404","addr":"127.0.0.1:` + strconv.Itoa(web.port()) + `"`,
		`"msg":"discovery: skipped: nothing listens","addr":"127.0.0.1:` + strconv.Itoa(closed.port) + `"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	dials := 0
	for _, l := range logLines(t, logs, "discovery: dialling") {
		if l["addr"] == "127.0.0.1:"+strconv.Itoa(closed.port) {
			dials++
		}
	}
	if dials != 1 {
		t.Errorf("a port where nothing listens was dialled %d times in one round, want 1", dials)
	}
	if got := len(n.s.reg.Load().backends()); got != len(tests) {
		t.Errorf("%d backends registered, want %d", got, len(tests))
	}
	var h struct {
		Backends []struct {
			Name       string
			Discovered bool
		}
	}
	if code := getJSONBody(t, n.URL+"/health", &h); code != 200 || len(h.Backends) != len(tests) || !h.Backends[0].Discovered {
		t.Errorf("/health %d %+v", code, h)
	}
}

// TestDiscoveryWellKnownPortNamesAnAnonymousServer: an OpenAI model list
// that names no server is named after the well-known port's kind (Jan).
func TestDiscoveryWellKnownPortNamesAnAnonymousServer(t *testing.T) {
	jan := newFakeLocal(t, "jan", "jan-nano-4b")
	n := startNexus(t, testConfig(), nil)
	reg := n.s.reg.Load()
	d := newDiscoverer(reg, []int{jan.port()}, nil, n.s.log)
	d.kindAt = func(p int) (fleetKind, bool) { return fleetKind{"jan", "generic", p, ""}, p == jan.port() }
	d.round(ctxTimeout(t))
	b := backendNamed(n, "jan-"+strconv.Itoa(jan.port()))
	if b == nil || b.cfg.Type != "generic" {
		t.Fatalf("not registered as jan:\n%s", n.logs.String())
	}
	if !strings.Contains(n.logs.String(), `"why":"GET /v1/models answered on jan's well-known port"`) {
		t.Errorf("why not logged:\n%s", n.logs.String())
	}
}

func TestDiscoveryConfiguredBackendAndOwnPortWin(t *testing.T) {
	vllm := newFakeLocal(t, "vllm", "m-v")
	lms := newFakeLocal(t, "lmstudio", "m-l")
	ollama := newFakeLocal(t, "ollama", "m-o")
	// The configured backend names the same server as localhost.
	cfg := discoverConfig([]int{vllm.port(), lms.port(), ollama.port()},
		localBE("my-vllm", "http://localhost:"+strconv.Itoa(vllm.port())))
	n := startNexus(t, cfg, nil)
	reg := n.s.reg.Load()
	// A second discoverer, as if Nexus listened on LM Studio's port.
	d := newDiscoverer(reg, []int{vllm.port(), lms.port(), ollama.port()}, []string{":" + strconv.Itoa(lms.port())}, n.s.log)
	d.round(ctxTimeout(t))

	names := []string{}
	for _, b := range reg.backends() {
		names = append(names, b.cfg.Name)
	}
	want := []string{"my-vllm", "lmstudio-" + strconv.Itoa(lms.port()), "ollama-" + strconv.Itoa(ollama.port())}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("backends %v, want %v", names, want)
	}
	logs := n.logs.String()
	for _, s := range []string{
		`"msg":"discovery: skipped: configured backend \"my-vllm\" has this address and wins","addr":"127.0.0.1:` + strconv.Itoa(vllm.port()),
		`"msg":"discovery: skipped: Nexus itself listens on this port","addr":"127.0.0.1:` + strconv.Itoa(lms.port()),
		`"msg":"discovery: registered as \"ollama-` + strconv.Itoa(ollama.port()) + `\""`,
	} {
		if !strings.Contains(logs, s) {
			t.Errorf("log lacks %s:\n%s", s, logs)
		}
	}
	if c := len(logLines(t, logs, "discovery: registered local server")); c != 2 {
		t.Errorf("%d registrations, want 2 (each server once):\n%s", c, logs)
	}
}

func TestDiscoveryLateServerAndVanishingServer(t *testing.T) {
	rp := reservePort(t)
	cfg := discoverConfig([]int{rp.port})
	cfg.HealthCheck.Interval = 100 * time.Millisecond
	n := startNexus(t, cfg, nil)
	name := "llamacpp-" + strconv.Itoa(rp.port)
	if !strings.Contains(n.logs.String(), `"msg":"discovery: skipped: nothing listens"`) || backendNamed(n, name) != nil {
		t.Fatalf("before the server starts:\n%s", n.logs.String())
	}
	late := newFakeLocalUnstarted("llamacpp", "late-model")
	late.startOn(t, rp)
	eventually(t, 5*time.Second, "the late server is routable", func() bool {
		b := backendNamed(n, name)
		return b != nil && b.stateName() == "healthy"
	})
	resp := n.post(t, "/v1/chat/completions", `{"model":"late-model","messages":[{"role":"user","content":"hi"}]}`)
	if readAll(t, resp); resp.StatusCode != 200 || resp.Header.Get("X-Nexus-Backend") != name {
		t.Fatalf("late server: %d %v", resp.StatusCode, resp.Header)
	}
	late.CloseClientConnections()
	late.Close()
	b := backendNamed(n, name)
	eventually(t, 5*time.Second, "the stopped server turns unhealthy", func() bool { return b.stateName() == "unhealthy" })
	resp = n.post(t, "/v1/chat/completions", `{"model":"late-model","messages":[{"role":"user","content":"hi"}]}`)
	if readAll(t, resp); resp.StatusCode != 503 {
		t.Errorf("gone server: %d", resp.StatusCode)
	}
	if c := len(logLines(t, n.logs.String(), "discovery: registered local server")); c != 1 {
		t.Errorf("registered %d times, want once", c)
	}
}

func TestProbesReachOnlyLoopback(t *testing.T) {
	for _, tt := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:11434", true}, {"127.0.0.1:1", true}, {"127.0.0.1:65535", true},
		{"127.0.0.1:0", false}, {"127.0.0.1:65536", false}, {"127.0.0.2:1234", false}, {"localhost:1234", false},
		{"[::1]:1234", false}, {"10.0.0.5:8000", false}, {"0.0.0.0:8000", false}, {"example.com:80", false},
		{"127.0.0.1", false}, {"", false},
	} {
		if got := isProbeAddr(tt.addr); got != tt.ok {
			t.Errorf("isProbeAddr(%q) = %v", tt.addr, got)
		}
	}
	for _, p := range defaultDiscoverPorts() {
		u := probeURL(p, "/v1/models")
		if u != "http://127.0.0.1:"+strconv.Itoa(p)+"/v1/models" {
			t.Errorf("probe URL %s", u)
		}
	}

	logs := &syncBuffer{}
	tr := newProbeClient(newTestLogger(logs)).Transport.(*http.Transport)
	if tr.Proxy != nil || !tr.DisableKeepAlives {
		t.Error("probe transport may use a proxy or keep connections")
	}
	for _, addr := range []string{"10.255.255.1:80", "localhost:80", "[::1]:80", "127.0.0.2:80", "example.com:80"} {
		conn, err := tr.DialContext(context.Background(), "tcp", addr)
		if err == nil {
			conn.Close()
			t.Errorf("dialled %s", addr)
		} else if !strings.Contains(err.Error(), "discovery dials only 127.0.0.1") {
			t.Errorf("dial %s: %v", addr, err)
		}
	}
	if strings.Contains(logs.String(), `"msg":"discovery: dialling"`) {
		t.Errorf("a refused address was dialled:\n%s", logs.String())
	}

	// A server that redirects elsewhere is not followed.
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://10.255.255.1:9"+r.URL.Path, http.StatusFound)
	}))
	defer redirect.Close()
	port, _ := strconv.Atoi(redirect.URL[strings.LastIndexByte(redirect.URL, ':')+1:])
	n := startNexus(t, discoverConfig([]int{port}), nil)
	if len(n.s.reg.Load().backends()) != 0 ||
		!strings.Contains(n.logs.String(), `"msg":"discovery: skipped: answered GET /v1/models with HTTP 302"`) {
		t.Errorf("redirecting server:\n%s", n.logs.String())
	}
	dials := logLines(t, n.logs.String(), "discovery: dialling")
	if len(dials) == 0 {
		t.Fatal("no dial logged")
	}
	for _, l := range dials {
		if l["addr"] != "127.0.0.1:"+strconv.Itoa(port) {
			t.Errorf("dialled %v", l["addr"])
		}
	}
}

func TestLoopbackPortAndOwnPort(t *testing.T) {
	for _, tt := range []struct {
		url  string
		port int
		ok   bool
	}{
		{"http://127.0.0.1:11434", 11434, true}, {"http://localhost:1234", 1234, true},
		{"http://[::1]:8080", 8080, true}, {"http://127.0.1.1:8000/v1", 8000, true}, {"http://localhost", 80, true},
		{"https://localhost", 443, true}, {"http://10.0.0.5:8000", 0, false}, {"http://gpu-box:11434", 0, false},
		{"https://api.openai.com/v1", 0, false}, {"::bad", 0, false},
	} {
		if p, ok := loopbackPort(tt.url); p != tt.port || ok != tt.ok {
			t.Errorf("loopbackPort(%q) = %d %v", tt.url, p, ok)
		}
	}
	for _, tt := range []struct {
		addr string
		port int
		ok   bool
	}{
		{":8000", 8000, true}, {"0.0.0.0:8000", 8000, true}, {"[::]:8000", 8000, true}, {"127.0.0.1:8000", 8000, true},
		{"localhost:8001", 8001, true}, {"192.168.1.5:8000", 0, false}, {"127.0.0.1:0", 0, false}, {"", 0, false},
	} {
		if p, ok := reachableListenPort(tt.addr); p != tt.port || ok != tt.ok {
			t.Errorf("reachableListenPort(%q) = %d %v", tt.addr, p, ok)
		}
	}
}

// TestDiscoveryNameTakenByConfiguredBackend: a configured backend that
// already uses the kind-port name (for another address) keeps it; the
// discovered server gets a suffix.
func TestDiscoveryNameTakenByConfiguredBackend(t *testing.T) {
	vllm := newFakeLocal(t, "vllm", "m-v")
	other := newFakeLocal(t, "lmstudio", "m-l")
	name := "vllm-" + strconv.Itoa(vllm.port())
	n := startNexus(t, discoverConfig([]int{vllm.port()}, localBE(name, other.URL)), nil)
	b := backendNamed(n, name+"-2")
	if b == nil || b.cfg.URL != "http://127.0.0.1:"+strconv.Itoa(vllm.port()) || backendNamed(n, name).discovered {
		t.Fatalf("names: %+v\n%s", n.s.reg.Load().backends(), n.logs.String())
	}
}
