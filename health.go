// health.go: active and passive health of backends (SPEC §9).
//
// Active checks run for every backend at start-up (in parallel, bounded by
// health_check.timeout) and then every interval; each check also refreshes
// the backend's model list. Passive health marks a backend unhealthy after
// three consecutive failed requests. Every state change is logged once.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"sync"
	"time"
)

// passiveFailLimit consecutive failed requests make a backend unhealthy.
const passiveFailLimit = 3

// healthChecker checks the backends of one registry.
type healthChecker struct {
	reg     *registry
	client  *http.Client
	log     *slog.Logger
	metrics *metrics
	disc    *discoverer // local-server discovery (discover.go); nil when off
}

// checkAll checks every backend in parallel and returns when all are done.
func (h *healthChecker) checkAll(ctx context.Context) {
	var wg sync.WaitGroup
	for _, b := range h.reg.backends() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.checkOne(ctx, b)
		}()
	}
	wg.Wait()
}

// run checks every interval until ctx ends.
func (h *healthChecker) run(ctx context.Context) {
	t := time.NewTicker(h.reg.cfg.HealthCheck.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.discoverAndCheck(ctx)
		}
	}
}

// checkOne runs one check: discovery doubles as the health probe.
func (h *healthChecker) checkOne(ctx context.Context, b *backend) {
	start := time.Now()
	defer func() {
		if v := recover(); v != nil { // a provider's odd answer must not end the process
			h.log.Error("panic in health check", "backend", b.cfg.Name, "panic", v, "stack", string(debug.Stack()))
			setState(h.log, b, stateUnhealthy, "health check failed: internal error")
		}
		d := time.Since(start)
		b.lastCheck.Store(start.UnixNano())
		b.checkDur.Store(int64(d))
		h.metrics.observeHealthCheck(b.cfg.Name, d, b.state.Load() == stateHealthy)
	}()
	if !b.local && b.key == "" {
		setState(h.log, b, stateUnhealthy, "environment variable "+b.cfg.APIKeyEnv+" is unset or empty")
		return
	}
	cctx, cancel := context.WithTimeout(ctx, h.reg.cfg.HealthCheck.Timeout)
	defer cancel()
	models, embed, err := b.agent.discover(cctx, h.client, b)
	if err != nil {
		if ctx.Err() != nil {
			return // shutting down or reloading: not the backend's fault
		}
		setState(h.log, b, stateUnhealthy, checkFailureReason(err, cctx))
		setFleet(b, nil) // a server that does not answer reports nothing
		return
	}
	if len(b.cfg.Models) == 0 {
		old := b.models.Load()
		if !slices.Equal(old.ids, models) || (old.embed == nil) != (embed == nil) {
			b.models.Store(newModelList(models, embed))
			h.reg.rebuildIndex()
		}
	}
	b.failStreak.Store(0)
	setState(h.log, b, stateHealthy, "ok")
	h.readFleet(cctx, b) // loaded models and the server's own queue (fleet_load.go)
}

func checkFailureReason(err error, ctx context.Context) string {
	var se *statusError
	switch {
	case errors.As(err, &se) && (se.status == http.StatusUnauthorized || se.status == http.StatusForbidden):
		return "auth_failed"
	case errors.As(err, &se):
		return "health check: " + se.Error()
	case ctx.Err() != nil:
		return "health check timed out"
	}
	return "unreachable: " + err.Error()
}

// setState records a state and reason, logging only real changes.
func setState(log *slog.Logger, b *backend, st int32, reason string) {
	old := b.state.Swap(st)
	b.setReason(reason)
	if old != st {
		lvl := slog.LevelInfo
		if st == stateUnhealthy {
			lvl = slog.LevelWarn
		}
		log.Log(context.Background(), lvl, "backend state changed", "backend", b.cfg.Name,
			"from", stateNames[old], "to", stateNames[st], "reason", reason)
	}
}

// recordResult feeds passive health with one request's outcome.
func recordResult(log *slog.Logger, b *backend, failed bool) {
	if !failed {
		if b.failStreak.Load() != 0 {
			b.failStreak.Store(0)
		}
		return
	}
	if b.failStreak.Add(1) >= passiveFailLimit && b.state.Load() != stateUnhealthy {
		setState(log, b, stateUnhealthy, "3 consecutive failed requests")
	}
}
