// discover.go: finding the local inference servers on this machine
// (SPEC §16).
//
// In zero-config mode, or with "discover": true, Nexus probes well-known
// loopback ports at start and on every health interval, and registers each
// server that answers as a local backend named after its kind and port
// (lmstudio-1234), typed by what it answered. A registered server is then an
// ordinary backend: health checks mark it unhealthy when it stops answering.
// A backend that already has the address (configured, or discovered before)
// wins, and Nexus's own listen port is never probed.
//
// Probes reach 127.0.0.1 only: every probe URL is built from that address
// and a port, and the probe client's dialler refuses any other address
// (including redirects, which it does not follow), goes through no proxy
// and keeps no connection open.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// discoverProbeTimeout bounds the probe of one port, all its requests.
const discoverProbeTimeout = 300 * time.Millisecond

// maxProbeBytes bounds a probe answer (a model list).
const maxProbeBytes = 1 << 20

// probeHost is the only address discovery ever contacts.
const probeHost = "127.0.0.1"

// fleetKind is a local server kind discovery recognises.
type fleetKind struct {
	name    string // backend name prefix: "lmstudio" -> lmstudio-1234
	typ     string // backend type
	port    int    // well-known port; 0 for the generic kind
	ownedBy string // the owned_by its /v1/models entries carry; "" when it has none of its own
}

// fleetKinds are the servers of SPEC §16, in probing order. How each is
// told apart, from what it answers:
//   - Ollama answers GET /api/tags with {"models":[...]} and no "data" (its
//     /v1/models entries are owned_by the model's namespace, e.g. "library").
//   - vLLM, llama.cpp, exo and KoboldCpp put their own name in the owned_by
//     of their /v1/models entries ("vllm", "llamacpp", "exo", "koboldcpp");
//     LM Studio puts "organization_owner".
//   - Jan names no server of its own: an OpenAI model list with an owned_by
//     nobody above uses is Jan on Jan's port, else a generic server.
var fleetKinds = []fleetKind{
	{"ollama", "ollama", 11434, ""},
	{"lmstudio", "lmstudio", 1234, "organization_owner"},
	{"llamacpp", "llamacpp", 8080, "llamacpp"},
	{"vllm", "vllm", 8000, "vllm"},
	{"exo", "exo", 52415, "exo"},
	{"jan", "generic", 1337, ""},
	{"koboldcpp", "generic", 5001, "koboldcpp"},
}

// genericKind is an OpenAI-compatible server that does not say what it is.
var genericKind = fleetKind{name: "openai", typ: "generic"}

// defaultDiscoverPorts is every well-known port, in fleetKinds order.
func defaultDiscoverPorts() []int {
	ports := make([]int, len(fleetKinds))
	for i, k := range fleetKinds {
		ports[i] = k.port
	}
	return ports
}

func kindForPort(port int) (fleetKind, bool) {
	for _, k := range fleetKinds {
		if k.port == port {
			return k, true
		}
	}
	return fleetKind{}, false
}

// kindForOwner recognises a server by the owned_by of its model entries.
func kindForOwner(owners []string) (fleetKind, bool) {
	for _, o := range owners {
		for _, k := range fleetKinds {
			if k.ownedBy != "" && o == k.ownedBy {
				return k, true
			}
		}
	}
	return fleetKind{}, false
}

// probeURL is the only way a probe URL is made: 127.0.0.1, a port, a path.
func probeURL(port int, path string) string {
	return "http://" + net.JoinHostPort(probeHost, strconv.Itoa(port)) + path
}

// isProbeAddr reports whether a dial target is 127.0.0.1 and a valid port.
func isProbeAddr(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != probeHost {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n > 0 && n < 65536
}

// newProbeClient is the HTTP client discovery probes with: loopback only,
// no proxy, no redirects, no kept connections. Every dial is logged at
// debug level.
func newProbeClient(log *slog.Logger) *http.Client {
	d := &net.Dialer{Timeout: discoverProbeTimeout}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if !isProbeAddr(addr) {
				log.Warn("discovery: refused to dial a non-loopback address", "addr", addr)
				return nil, fmt.Errorf("discovery dials only %s, not %s", probeHost, addr)
			}
			log.Debug("discovery: dialling", "addr", addr)
			return d.DialContext(ctx, "tcp4", addr)
		},
		DisableKeepAlives:      true,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// discoverer probes ports for one registry. round is called by one
// goroutine at a time (install, then the health checker's loop).
type discoverer struct {
	reg    *registry
	ports  []int
	own    map[int]bool // Nexus's own listen ports: never probed
	client *http.Client
	log    *slog.Logger
	last   map[int]string                   // the last decision logged per port
	kindAt func(port int) (fleetKind, bool) // the well-known kind of a port (kindForPort; tests swap it)
}

func newDiscoverer(reg *registry, ports []int, listenAddrs []string, log *slog.Logger) *discoverer {
	d := &discoverer{reg: reg, ports: ports, own: map[int]bool{}, client: newProbeClient(log), log: log,
		last: map[int]string{}, kindAt: kindForPort}
	for _, a := range listenAddrs {
		if p, ok := reachableListenPort(a); ok {
			d.own[p] = true
		}
	}
	return d
}

// reachableListenPort is the port of a listen address when 127.0.0.1 on
// that port could be Nexus itself (every interface, or a loopback one).
func reachableListenPort(addr string) (int, bool) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, false
	}
	p, err := strconv.Atoi(port)
	if err != nil || p <= 0 {
		return 0, false
	}
	ip := net.ParseIP(host)
	if host == "" || host == "localhost" || (ip != nil && (ip.IsUnspecified() || ip.IsLoopback())) {
		return p, true
	}
	return 0, false
}

// loopbackPort is the port of a backend URL on this machine's loopback
// (localhost, 127.0.0.0/8, ::1), whatever its path: the same server.
func loopbackPort(raw string) (int, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return 0, false
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return 0, false
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	p, err := strconv.Atoi(port)
	return p, err == nil
}

// probeResult is what one port answered.
type probeResult struct {
	port int
	kind fleetKind // kind.name == "": nothing to register
	why  string    // why this kind, or why nothing
}

// round probes every port no backend has yet, in parallel, and registers
// what answers. Each decision is logged at info when it changes and at
// debug when it repeats.
func (d *discoverer) round(ctx context.Context) {
	owner := map[int]*backend{}
	for _, b := range d.reg.backends() {
		if p, ok := loopbackPort(b.cfg.URL); ok && owner[p] == nil {
			owner[p] = b
		}
	}
	var todo []int
	for _, p := range d.ports {
		switch b := owner[p]; {
		case d.own[p]:
			d.note(p, "skipped: Nexus itself listens on this port")
		case b != nil && b.discovered:
			d.note(p, "registered as "+strconv.Quote(b.cfg.Name))
		case b != nil:
			d.note(p, "skipped: configured backend "+strconv.Quote(b.cfg.Name)+" has this address and wins")
		default:
			todo = append(todo, p)
		}
	}
	results := make([]probeResult, len(todo))
	var wg sync.WaitGroup
	for i, p := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = d.probe(ctx, p)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return // shutting down or reloading: register nothing half-probed
	}
	for _, r := range results {
		if r.kind.name == "" {
			d.note(r.port, "skipped: "+r.why)
			continue
		}
		b := d.register(r)
		d.last[r.port] = "registered as " + strconv.Quote(b.cfg.Name)
		d.log.Info("discovery: registered local server", "backend", b.cfg.Name, "type", b.cfg.Type,
			"url", b.cfg.URL, "why", r.why)
	}
}

// note logs one port's decision: at info the first time and whenever it
// changes, else at debug.
func (d *discoverer) note(port int, decision string) {
	lvl := slog.LevelDebug
	if d.last[port] != decision {
		lvl = slog.LevelInfo
		d.last[port] = decision
	}
	d.log.Log(context.Background(), lvl, "discovery: "+decision, "addr", net.JoinHostPort(probeHost, strconv.Itoa(port)))
}

// register adds a local backend for r with the defaults of a configured
// local backend (zone restricted, tier 3, priority 50).
func (d *discoverer) register(r probeResult) *backend {
	bc := BackendConfig{Name: d.freeName(r.kind.name + "-" + strconv.Itoa(r.port)), Type: r.kind.typ,
		URL: probeURL(r.port, "")}
	applyBackendDefaults(&bc, nil)
	b := newBackend(bc, func(string) string { return "" })
	b.discovered = true
	d.reg.add(b)
	return b
}

// freeName is name, or name-2, name-3 ... when a configured backend has it.
func (d *discoverer) freeName(name string) string {
	taken := map[string]bool{}
	for _, b := range d.reg.backends() {
		taken[b.cfg.Name] = true
	}
	candidate := name
	for i := 2; taken[candidate]; i++ {
		candidate = name + "-" + strconv.Itoa(i)
	}
	return candidate
}

// probe asks one port what it is, within discoverProbeTimeout. Ollama's
// port is asked /api/tags first; every other port /v1/models first, then
// /api/tags when the answer does not name its server. A port where nothing
// listens (or nothing answers in time) is not asked twice.
func (d *discoverer) probe(ctx context.Context, port int) probeResult {
	ctx, cancel := context.WithTimeout(ctx, discoverProbeTimeout)
	defer cancel()
	res := probeResult{port: port}
	hint, wellKnown := d.kindAt(port)
	askedTags := false
	askTags := func() (bool, error) {
		askedTags = true
		body, err := d.get(ctx, port, "/api/tags")
		if err == nil && isOllamaTags(body) {
			res.kind, res.why = fleetKinds[0], "GET /api/tags answered with Ollama's model list"
			return true, nil
		}
		return false, err
	}
	if wellKnown && hint.typ == "ollama" {
		if ok, err := askTags(); ok {
			return res
		} else if unreachable(err) {
			res.why = describeProbeError("/api/tags", err)
			return res
		}
	}
	body, err := d.get(ctx, port, "/v1/models")
	if unreachable(err) {
		res.why = describeProbeError("/v1/models", err)
		return res
	}
	owners, isList := parseModelOwners(body)
	if err == nil && isList {
		if k, ok := kindForOwner(owners); ok {
			res.kind, res.why = k, fmt.Sprintf("GET /v1/models entries are owned_by %q", k.ownedBy)
			return res
		}
	}
	if !askedTags {
		if ok, _ := askTags(); ok {
			return res
		}
	}
	switch {
	case err != nil:
		res.why = describeProbeError("/v1/models", err)
	case !isList:
		res.why = "answered GET /v1/models, but not with an OpenAI model list"
	case wellKnown && hint.typ != "ollama":
		res.kind, res.why = hint, "GET /v1/models answered on "+hint.name+"'s well-known port"
	default:
		res.kind, res.why = genericKind, "GET /v1/models answered as an OpenAI-compatible server that does not name itself"
	}
	return res
}

// unreachable reports whether a probe error means nothing answered at all.
func unreachable(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, context.DeadlineExceeded)
}

// get fetches a bounded probe answer from 127.0.0.1:port.
func (d *discoverer) get(ctx context.Context, port int, path string) ([]byte, error) {
	return readLimited(ctx, d.client, probeURL(port, path), "", maxProbeBytes)
}

// describeProbeError says, briefly and without noise, why path gave
// nothing usable.
func describeProbeError(path string, err error) string {
	var se *statusError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "nothing listens"
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer within " + discoverProbeTimeout.String()
	case errors.As(err, &se):
		return fmt.Sprintf("answered GET %s with HTTP %d", path, se.status)
	}
	return "no usable answer: " + err.Error()
}

// parseModelOwners reads an OpenAI model list ({"data":[{"id","owned_by"}]})
// and returns the owned_by values; ok is false when the body is not one.
func parseModelOwners(body []byte) (owners []string, ok bool) {
	var v struct {
		Data *[]struct {
			ID      string `json:"id"`
			OwnedBy string `json:"owned_by"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &v) != nil || v.Data == nil {
		return nil, false
	}
	for _, m := range *v.Data {
		if m.OwnedBy != "" {
			owners = append(owners, m.OwnedBy)
		}
	}
	return owners, true
}

// isOllamaTags reports whether a /api/tags body is Ollama's: a "models"
// array and no OpenAI "data" list (llama.cpp answers /api/tags with both).
func isOllamaTags(body []byte) bool {
	var v struct {
		Models *[]struct {
			Name  string `json:"name"`
			Model string `json:"model"`
		} `json:"models"`
		Data json.RawMessage `json:"data"`
	}
	return json.Unmarshal(body, &v) == nil && v.Models != nil && v.Data == nil
}

// discoverAndCheck is one health round: discovery first (when on), so a
// server found now gets its first check in the same round.
func (h *healthChecker) discoverAndCheck(ctx context.Context) {
	if h.disc != nil {
		h.disc.round(ctx)
	}
	h.checkAll(ctx)
}
