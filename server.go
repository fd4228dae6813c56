// server.go: the HTTP server around the proxy — routes, client auth, panic
// recovery, the request log line, and swapping in a new backend set. What
// outlives a reload lives here: spend (budget.go) and rate buckets.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// server is one running Nexus.
type server struct {
	reg        atomic.Pointer[registry]
	log        *slog.Logger
	metrics    *metrics
	console    *consoleRecorder
	envKeys    [][32]byte // sha256 of each NEXUS_API_KEYS entry
	waiting    atomic.Int32
	started    time.Time
	getenv     func(string) string
	listenAddr string       // the bound address, when serving (discovery never probes it)
	clock      clock        // accounting, rate limits and the spend writer
	spend      *spendLedger // this server's spend, across reloads
	store      *spendStore

	mu         sync.Mutex // guards the health checker lifecycle and buckets
	stopHealth context.CancelFunc
	healthDone chan struct{}
	buckets    map[string]*tokenBucket // by client name
}

func newServer(log *slog.Logger, getenv func(string) string) *server {
	s := &server{log: log, metrics: newMetrics(), console: newConsoleRecorder(), started: time.Now(), getenv: getenv,
		clock: realClock{}, spend: newSpendLedger(), buckets: map[string]*tokenBucket{}, envKeys: envKeyDigests(getenv)}
	s.metrics.spend = func() map[clientBackend]nanoUSD { return s.spend.byClientBackend(s.clock.Now()) }
	return s
}

// install makes cfg the running configuration: it builds the backends, runs
// their first health checks (in parallel, bounded by health_check.timeout),
// swaps them in, and restarts the periodic checker. In-flight requests keep
// the registry they started with.
func (s *server) install(cfg *Config) {
	reg := newRegistry(cfg, s.getenv)
	reg.client = newUpstreamClient(cfg.Timeouts)
	reg.clients = s.installClients(cfg)
	hc := &healthChecker{reg: reg, client: reg.client, log: s.log, metrics: s.metrics}
	if ports := cfg.discoverPorts(); len(ports) > 0 {
		hc.disc = newDiscoverer(reg, ports, []string{cfg.Listen, s.listenAddr}, s.log)
	}
	ctx, cancel := context.WithCancel(context.Background())
	start, stop := context.WithTimeout(ctx, cfg.HealthCheck.Timeout)
	hc.discoverAndCheck(start)
	stop()
	old := s.reg.Swap(reg)
	s.console.retain(reg.backends())
	done := make(chan struct{})
	go func() {
		defer close(done)
		hc.run(ctx)
	}()
	s.mu.Lock()
	prevStop, prevDone := s.stopHealth, s.healthDone
	s.stopHealth, s.healthDone = cancel, done
	s.mu.Unlock()
	if prevStop != nil {
		prevStop()
		<-prevDone
	}
	if old != nil {
		old.client.CloseIdleConnections()
	}
}

// close stops health checking.
func (s *server) close() {
	s.mu.Lock()
	stop, done := s.stopHealth, s.healthDone
	s.stopHealth = nil
	s.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
	if reg := s.reg.Load(); reg != nil {
		reg.client.CloseIdleConnections()
	}
	s.store.close()
}

// installClients builds the clients of cfg, keeping the rate bucket of
// every client name that stays and dropping the others.
func (s *server) installClients(cfg *Config) *clientSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := map[string]bool{}
	cs := newClientSet(cfg.Clients, s.envKeys, s.bucketFor(kept))
	for name := range s.buckets {
		if !kept[name] {
			delete(s.buckets, name)
		}
	}
	return cs
}

// newUpstreamClient is the pooled client for all backends of one config.
func newUpstreamClient(t TimeoutsConfig) *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: t.Connect, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   max(t.Connect, 5*time.Second),
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: tr}
}

// handler is the whole HTTP surface.
func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/chat/completions", s.proxyHandler(opChat))
	mux.Handle("POST /v1/completions", s.proxyHandler(opCompletions))
	mux.Handle("POST /v1/embeddings", s.proxyHandler(opEmbeddings))
	mux.Handle("POST /v1/messages", s.proxyHandler(opMessages))
	mux.HandleFunc("POST /v1/messages/count_tokens", s.handleCountTokens)
	mux.Handle("POST /v1/responses", s.proxyHandler(opResponses))
	mux.HandleFunc("GET /v1/models", s.handleModels)
	mux.HandleFunc("GET /v1/models/{id...}", s.handleModel)
	mux.HandleFunc("GET /health", s.handleHealth)
	mux.HandleFunc("GET /ready", s.handleReady)
	mux.HandleFunc("GET /metrics", s.handleMetrics)
	mux.HandleFunc("GET /{$}", s.handleConsoleFile)
	mux.HandleFunc("GET /console/", s.handleConsoleFile)
	mux.HandleFunc("GET /nexus/status", s.handleConsoleStatus)
	mux.HandleFunc("/", s.handleNotFound)
	return s.recoverer(s.authenticate(mux))
}

// newHTTPServer applies the slow-client limits of SPEC §12.
func newHTTPServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

func (s *server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	writeAPIError(w, r, &apiError{Status: http.StatusNotFound, Type: "invalid_request_error",
		Code: "unknown_url", Message: "unknown endpoint " + r.Method + " " + r.URL.Path})
}

// writeAPIError answers a request that never reached routing, in the
// format of the endpoint it asked for.
func writeAPIError(w http.ResponseWriter, r *http.Request, e *apiError) {
	writeError(w, requestIDFrom(r.Header), routeInfo{}, e, clientForPath(r.URL.Path))
}

// authenticate enforces client keys ("clients" and NEXUS_API_KEYS) on the
// /v1 API and the console's data under /nexus/, and hands the client on in
// the request's context. /health, /ready, /metrics and the console page with
// its assets never need a key. Keys are compared as SHA-256 digests in
// constant time (clients.go).
func (s *server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs := s.clients()
		if !cs.enabled() || !needsClientKey(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if c := cs.lookup(requestKey(r.Header)); c != nil {
			next.ServeHTTP(w, withClient(r, c))
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="nexus"`)
		writeAPIError(w, r, &apiError{Status: http.StatusUnauthorized, Type: "authentication_error",
			Code: "invalid_api_key", Message: "missing or invalid API key for this Nexus"})
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("id", w.Header().Get(hdrRequestID)),
			slog.String("path", r.URL.Path), slog.String("backend", "none"), slog.Int("status", http.StatusUnauthorized),
			slog.String("error", "client authentication failed"))
	})
}

func needsClientKey(path string) bool {
	return strings.HasPrefix(path, "/v1/") || strings.HasPrefix(path, "/nexus/")
}

// clientAuth reports whether clients must send a key.
func (s *server) clientAuth() bool { return s.clients().enabled() }

// clients is the client keys of the running config.
func (s *server) clients() *clientSet {
	if reg := s.reg.Load(); reg != nil {
		return reg.clients
	}
	return nil
}

// recoverer turns a panic into a 500 envelope (when nothing was written yet)
// and a log line with the stack; the server keeps serving.
func (s *server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &trackingWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil || v == http.ErrAbortHandler {
				if v != nil {
					panic(v)
				}
				return
			}
			s.log.Error("panic serving request", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			if !tw.wrote {
				writeAPIError(tw, r, &apiError{Status: http.StatusInternalServerError, Type: "server_error",
					Message: "internal error"})
			}
		}()
		next.ServeHTTP(tw, r)
	})
}

// trackingWriter remembers whether a response was started.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackingWriter) WriteHeader(code int) {
	if code >= 200 {
		t.wrote = true
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *trackingWriter) Write(p []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(p)
}

func (t *trackingWriter) Flush() {
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// finish writes the request's log line and metrics. Never a body or a key.
func (s *server) finish(rl *reqLog) {
	s.charge(rl) // a stream's cost, or any cost the meter did not charge
	lat := time.Since(rl.start)
	name, typ := "none", "none"
	if b := rl.ri.backend; b != nil {
		name, typ = b.cfg.Name, b.kindName()
		if rl.status < 500 && rl.status != 0 {
			b.observeLatency(lat)
		}
	}
	rec := requestRecord{Backend: name, BackendType: typ, Model: rl.model,
		RouteReason: rl.ri.reason, Status: rl.status, Stream: rl.stream, Latency: lat, TTFB: rl.ttfb,
		PromptTokens: rl.use.InputTokens, CompletionTokens: rl.use.OutputTokens,
		CostUSD: rl.cost, HasCost: rl.hasCost, Attempts: rl.attempts, Client: rl.acct.client.nameOf()}
	s.metrics.observeRequest(rec)
	s.console.record(rl.id, rl.start.Add(lat), &rec)
	lvl := slog.LevelInfo
	failed := rl.err != nil && (rl.status >= 500 || rl.wroteHeader) && !errors.Is(rl.err, errClientGone)
	if failed {
		lvl = slog.LevelWarn
	}
	if !s.log.Enabled(context.Background(), lvl) {
		return
	}
	attrs := []slog.Attr{
		slog.String("id", rl.id), slog.String("path", opPaths[rl.op]), slog.String("client", rl.acct.client.nameOf()),
		slog.String("model", rl.model),
		slog.String("backend", name), slog.String("backend_type", typ),
		slog.String("route_reason", rl.ri.reason), slog.Int("status", rl.status),
		slog.Int("attempts", rl.attempts), slog.Bool("stream", rl.stream),
		slog.Float64("latency_ms", float64(lat.Microseconds())/1000),
		slog.Float64("ttfb_ms", float64(rl.ttfb.Microseconds())/1000),
		slog.Int("prompt_tokens", rl.use.InputTokens), slog.Int("completion_tokens", rl.use.OutputTokens),
	}
	if rl.served != "" && rl.served != rl.model {
		attrs = append(attrs, slog.String("served_model", rl.served))
	}
	if rl.hasCost {
		attrs = append(attrs, slog.String("cost_usd", formatUSD(rl.cost)))
	}
	if failed {
		attrs = append(attrs, slog.String("error", scrubSecrets(errorText(rl.err))))
	} else if errors.Is(rl.err, errClientGone) {
		attrs = append(attrs, slog.Bool("client_gone", true))
	}
	s.log.LogAttrs(context.Background(), lvl, "request", attrs...)
}

// errorText is an error for the log line: its type, code and cause, never
// its message (a provider's message can echo the prompt) and never a body.
func errorText(err error) string {
	var ae *apiError
	if !errors.As(err, &ae) {
		return err.Error()
	}
	s := ae.Type
	if ae.Code != "" {
		s += "/" + ae.Code
	}
	if ae.Err != nil {
		s += ": " + ae.Err.Error()
	}
	return s
}
