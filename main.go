// main.go: flags, sub-commands, wiring and the process lifecycle — start,
// SIGHUP reload, graceful shutdown on SIGTERM/SIGINT (a second signal exits
// at once).
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// options are the command-line settings after flag > env precedence.
type options struct {
	configPath string
	listen     string
	logLevel   string
	logFormat  string
}

// run is main without os.Exit, so tests can drive it.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "version":
			fmt.Fprintln(stdout, "nexus", version)
			return 0
		case "check":
			return runCheck(args[1:], getenv, stdout)
		case "key":
			return runKey(args[1:], rand.Reader, stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("nexus", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.configPath, "config", "", "config file (env NEXUS_CONFIG; default ./nexus.json if present, else zero-config)")
	fs.StringVar(&o.listen, "listen", "", "listen address (env NEXUS_LISTEN; overrides the config's listen)")
	fs.StringVar(&o.logLevel, "log-level", "", "debug|info|warn|error (env NEXUS_LOG_LEVEL; default info)")
	fs.StringVar(&o.logFormat, "log-format", "", "json|text (env NEXUS_LOG_FORMAT; default json)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: nexus [-config FILE] [-listen ADDR] [-log-level LEVEL] [-log-format json|text]")
		fmt.Fprintln(stderr, "       nexus check [-config FILE]")
		fmt.Fprintln(stderr, "       nexus key NAME")
		fmt.Fprintln(stderr, "       nexus version")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	o.listen = firstNonEmpty(o.listen, getenv("NEXUS_LISTEN"))
	o.logLevel = firstNonEmpty(o.logLevel, getenv("NEXUS_LOG_LEVEL"), "info")
	o.logFormat = firstNonEmpty(o.logFormat, getenv("NEXUS_LOG_FORMAT"), "json")
	log, err := newLogger(stderr, o.logLevel, o.logFormat)
	if err != nil {
		fmt.Fprintln(stderr, "nexus:", err)
		return 2
	}
	path := resolveConfigPath(o.configPath, getenv, fileExists)
	cfg, err := loadStartupConfig(path, getenv, log)
	if err == nil {
		err = applyEnv(cfg, getenv)
	}
	if err != nil {
		log.Error("invalid configuration", "config", path, "problems", err.Error())
		return 1
	}
	if o.listen != "" {
		cfg.Listen = o.listen
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return serve(ctx, cfg, path, getenv, log, hup, nil)
}

// loadStartupConfig reads the file, or builds the zero-config default.
func loadStartupConfig(path string, getenv func(string) string, log *slog.Logger) (*Config, error) {
	if path != "" {
		return loadConfigFile(path)
	}
	cfg, lines := defaultConfig(getenv)
	for _, l := range lines {
		log.Info(l)
	}
	return cfg, nil
}

// serve runs Nexus until ctx ends, then shuts down gracefully. ready, when
// not nil, receives the bound address (tests use it).
func serve(ctx context.Context, cfg *Config, path string, getenv func(string) string, log *slog.Logger,
	hup <-chan os.Signal, ready chan<- string) int {
	ln, err := net.Listen("tcp", cfg.Listen) // first, so a taken port fails before any probing
	if err != nil {
		log.Error(listenFailure(cfg.Listen, path, err), "addr", cfg.Listen, "error", err.Error())
		return 1
	}
	s := newServer(log, getenv)
	if err := s.openSpend(cfg); err != nil {
		ln.Close()
		log.Error("cannot start: the spend state is unusable", "problem", err.Error())
		return 1
	}
	s.listenAddr = ln.Addr().String()
	s.install(cfg)
	defer s.close()
	srv := newHTTPServer(cfg.Listen, s.handler(), log)
	log.Info("nexus listening", "addr", ln.Addr().String(), "version", version, "backends", len(s.reg.Load().backends()),
		"client_auth", s.clientAuth())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	for {
		select {
		case err := <-errc:
			log.Error("server stopped", "error", err.Error())
			return 1
		case <-hup:
			s.reload(path, cfg.Listen)
		case <-ctx.Done():
			return shutdown(srv, errc, cfg.ShutdownGrace, log)
		}
	}
}

// listenFailure says why Nexus cannot listen and what to do. A port in use
// is common in zero-config, whose :8000 is also vLLM's default port.
func listenFailure(addr, path string, err error) string {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return "cannot listen on " + addr
	}
	_, port, _ := net.SplitHostPort(addr)
	msg := "cannot listen: port " + port + " is already in use"
	if path == "" {
		return msg + " (vLLM's default port is 8000 too); pass -listen with a free address, e.g. -listen :8001"
	}
	return msg + "; pass -listen with a free address, or change \"listen\" in " + path
}

// reload re-reads the config file; a bad one keeps the running config.
func (s *server) reload(path, listen string) {
	if path == "" {
		s.log.Warn("SIGHUP ignored: running on the zero-config default, there is no file to reload")
		return
	}
	cfg, err := loadConfigFile(path)
	if err == nil {
		err = applyEnv(cfg, s.getenv)
	}
	if err != nil {
		s.log.Error("reload failed; keeping the running configuration", "config", path, "problems", err.Error())
		return
	}
	if cfg.Listen != listen {
		s.log.Warn("reload: listen address changes need a restart", "running", listen, "config", cfg.Listen)
		cfg.Listen = listen
	}
	if running := s.reg.Load().cfg.Budget.StateFile; cfg.Budget.StateFile != running {
		s.log.Warn("reload: budget.state_file changes need a restart", "running", running, "config", cfg.Budget.StateFile)
		cfg.Budget.StateFile = running
	}
	s.install(cfg)
	s.log.Info("configuration reloaded", "config", path, "backends", len(cfg.Backends))
}

// shutdown stops accepting, lets in-flight requests and streams finish for
// up to grace, and returns 0. A second SIGINT/SIGTERM closes everything at
// once and returns 1.
func shutdown(srv *http.Server, errc <-chan error, grace time.Duration, log *slog.Logger) int {
	again := make(chan os.Signal, 1)
	signal.Notify(again, syscall.SIGINT, syscall.SIGTERM) // before the log line tests wait for
	defer signal.Stop(again)
	log.Info("shutting down: waiting for in-flight requests", "grace", grace.String())
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	code := 0
	select {
	case err := <-done:
		if err != nil {
			log.Warn("grace period over; closing remaining connections")
			srv.Close()
		}
	case <-again:
		log.Warn("second signal: exiting now")
		srv.Close()
		code = 1
	}
	<-errc
	log.Info("stopped")
	return code
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("bad log level %q (want debug, info, warn or error)", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("bad log format %q (want json or text)", format)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
