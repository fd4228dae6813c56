// status.go: the endpoints that describe Nexus rather than proxy through it:
// /health, /ready, /metrics, /v1/models and /v1/models/{id}.
package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

type healthBackend struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	BackendType string   `json:"backend_type"`
	Zone        string   `json:"zone"`
	Tier        int      `json:"tier"`
	Priority    int      `json:"priority"`
	State       string   `json:"state"`
	Reason      string   `json:"reason"`
	Models      []string `json:"models"`
	ModelCount  int      `json:"model_count"`
	InFlight    int      `json:"in_flight"`
	Queued      int      `json:"queued"`
	LastCheck   *string  `json:"last_check"`
	CheckMs     float64  `json:"check_ms"`
	LatencyMs   float64  `json:"latency_ms"`
	// Local fleet (SPEC §16, fleet_load.go): found by discovery; models in
	// memory (Ollama); the server's own queue; why its report is missing.
	Discovered        bool               `json:"discovered"`
	LoadedModels      *[]loadedModelJSON `json:"loaded_models,omitempty"`
	ServerLoad        *serverLoadJSON    `json:"server_load,omitempty"`
	ServerReportError string             `json:"server_report_error,omitempty"`
}

// handleHealth is always 200 while serving; status says how well.
func (s *server) handleHealth(w http.ResponseWriter, r *http.Request) {
	reg := s.reg.Load()
	out := struct {
		Status        string          `json:"status"`
		Version       string          `json:"version"`
		UptimeSeconds int64           `json:"uptime_seconds"`
		ClientAuth    bool            `json:"client_auth"`
		Backends      []healthBackend `json:"backends"`
		Budget        *healthBudget   `json:"budget,omitempty"`
	}{Version: version, UptimeSeconds: int64(time.Since(s.started).Seconds()), ClientAuth: s.clientAuth(),
		Backends: []healthBackend{}, Budget: s.healthBudget(reg.cfg)}
	healthy := 0
	for _, b := range reg.backends() {
		if b.state.Load() == stateHealthy {
			healthy++
		}
		out.Backends = append(out.Backends, b.health())
	}
	switch {
	case healthy == len(out.Backends) && healthy > 0:
		out.Status = "ok"
	case healthy > 0:
		out.Status = "degraded"
	default:
		out.Status = "down"
	}
	writeJSON(w, http.StatusOK, out)
}

// health is one backend's live state as /health (and the console) show it.
func (b *backend) health() healthBackend {
	hb := healthBackend{Name: b.cfg.Name, Type: b.cfg.Type, BackendType: b.kindName(), Zone: b.cfg.Zone,
		Tier: b.cfg.Tier, Priority: b.cfg.Priority, State: b.stateName(), Reason: b.reasonText(),
		Models: b.models.Load().ids, InFlight: int(b.inFlight.Load()), Queued: int(b.queued.Load()),
		CheckMs: float64(b.checkDur.Load()) / 1e6, LatencyMs: b.latencyMs(), Discovered: b.discovered}
	hb.LoadedModels, hb.ServerLoad, hb.ServerReportError = b.fleetHealth()
	if hb.Models == nil {
		hb.Models = []string{}
	}
	hb.ModelCount = len(hb.Models)
	if t := b.lastCheck.Load(); t != 0 {
		ts := time.Unix(0, t).UTC().Format(time.RFC3339Nano)
		hb.LastCheck = &ts
	}
	return hb
}

// handleReady is 200 when at least one backend is healthy.
func (s *server) handleReady(w http.ResponseWriter, r *http.Request) {
	for _, b := range s.reg.Load().backends() {
		if b.state.Load() == stateHealthy {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
			return
		}
	}
	writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready",
		"reason": "no healthy backend"})
}

func (s *server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	reg := s.reg.Load()
	backends := reg.backends()
	gauges := make([]backendGauge, 0, len(backends))
	for _, b := range backends {
		gauges = append(gauges, backendGauge{Name: b.cfg.Name, Type: b.cfg.Type,
			Healthy: b.state.Load() == stateHealthy, Models: len(b.models.Load().ids),
			InFlight: int(b.inFlight.Load()), Queued: int(b.queued.Load()),
			LastCheckDuration: time.Duration(b.checkDur.Load())})
	}
	w.Header().Set("Content-Type", metricsContentType)
	s.metrics.writeText(w, gauges, int(s.waiting.Load()))
}

type modelObject struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// modelObjects is the union of models on healthy backends plus aliases whose
// target is among them, one entry per id, sorted; for a client with a
// models list, only the ids it may call (an alias: and its target).
func (s *server) modelObjects(c *client) []modelObject {
	reg := s.reg.Load()
	owner := map[string]string{}
	for _, b := range reg.backends() {
		if b.state.Load() != stateHealthy {
			continue
		}
		for _, id := range b.models.Load().ids {
			if _, ok := owner[id]; !ok {
				owner[id] = b.cfg.Type
			}
		}
	}
	for alias, target := range reg.cfg.Aliases {
		if _, ok := owner[target]; ok {
			if _, taken := owner[alias]; !taken {
				owner[alias] = "nexus"
			}
		}
	}
	out := make([]modelObject, 0, len(owner))
	for id, o := range owner {
		if !c.allows(id) || o == "nexus" && !c.allows(reg.cfg.Aliases[id]) {
			continue
		}
		out = append(out, modelObject{ID: id, Object: "model", Created: s.started.Unix(), OwnedBy: o})
	}
	slices.SortFunc(out, func(a, b modelObject) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out
}

func (s *server) handleModels(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Object string        `json:"object"`
		Data   []modelObject `json:"data"`
	}{"list", s.modelObjects(clientFrom(r.Context()))})
}

func (s *server) handleModel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if c := clientFrom(r.Context()); !c.allows(id) {
		writeAPIError(w, r, errModelNotAllowed(c, id))
		return
	}
	for _, m := range s.modelObjects(clientFrom(r.Context())) {
		if m.ID == id {
			writeJSON(w, http.StatusOK, m)
			return
		}
	}
	writeAPIError(w, r, &apiError{Status: http.StatusNotFound, Type: "invalid_request_error",
		Code: "model_not_found", Param: "model", Message: "model " + id + " is not served by any healthy backend"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
