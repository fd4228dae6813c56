// fleet_load.go: what local servers say about themselves (SPEC §16), read
// during health checks: which models an Ollama holds in memory
// (GET /api/ps) and how many requests a vLLM (GET /metrics) or a llama.cpp
// server (GET /slots) is already working on.
//
// The result is one immutable fleetState per backend behind an atomic
// pointer, plus two counters beside the in-flight count, so routing
// (route.go tieRanksBefore) reads it without locks, allocations or calls. A
// report only reorders backends: a read that fails, or one that is stale by
// the time a request arrives, never makes a backend ineligible — it just
// falls back to Nexus's own in-flight count.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Bounds on what a local server's self-report may cost.
const (
	fleetReadTimeout  = time.Second // per report, inside the health check's own timeout
	maxPSBytes        = 1 << 20     // /api/ps: a few hundred bytes per loaded model
	maxSlotsBytes     = 4 << 20     // /slots: a few KiB per slot
	maxMetricsBytes   = 8 << 20     // /metrics is read line by line up to this much
	maxMetricsLine    = 64 << 10    // longer lines are skipped
	maxLoadedModels   = 256         // /api/ps entries kept
	maxReportedQueue  = 1 << 20     // a larger queue report is clamped to this
	maxModelNameBytes = 512
)

// loadedModel is one model a server holds in memory.
type loadedModel struct {
	Name      string
	Model     string // Ollama's "model" field when it differs from Name
	SizeVRAM  int64
	ExpiresAt time.Time // zero when the server did not say
}

// queueReport is a server's own account of its work, for /health.
type queueReport struct {
	Source  string // "vllm /metrics" or "llama.cpp /slots"
	Running int
	Waiting int // vLLM only
	Slots   int // llama.cpp only
}

// fleetState is what one local server last reported. Immutable. Routing
// reads its resident names; the counts it needs are copied into the
// backend's atomics beside the in-flight count (setFleet).
type fleetState struct {
	residency bool          // the server reports which models it holds (Ollama)
	resident  []string      // their names (Ollama's "name" and "model"), unexpired at the check
	loaded    []loadedModel // for /health, in the server's order
	extra     int32         // requests the server held beyond Nexus's own in-flight at the check
	slots     int32         // llama.cpp slot count; 0 = unknown
	queue     *queueReport  // nil: no queue report
	err       string        // why the last read failed; "" when it worked
}

// holds reports whether the server said at the last check that it has
// model in memory. A nil state holds nothing. It makes no call (names are
// compared byte by byte), so the routing comparison using it stays a leaf.
func (f *fleetState) holds(model string) bool {
	if f == nil {
		return false
	}
	for _, name := range f.resident {
		if sameString(name, model) {
			return true
		}
	}
	return false
}

// sameString is a == b without the runtime call string comparison makes.
func sameString(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// load is the backend's current load for ranking: Nexus's own in-flight
// requests plus the ones the server reported that Nexus did not send. With
// no report it is the in-flight count alone.
func (b *backend) load() int64 { return int64(b.inFlight.Load()) + int64(b.serverExtra.Load()) }

// setFleet installs a new self-report (nil: none) and the counts routing
// reads with the in-flight count. A request routed meanwhile may see the
// old counts with the new report: it only ranks with a moment-old figure.
func setFleet(b *backend, fs *fleetState) {
	var extra, slots int32
	if fs != nil {
		extra, slots = fs.extra, fs.slots
	}
	b.serverExtra.Store(extra)
	b.serverSlots.Store(slots)
	b.fleet.Store(fs)
}

// readFleet refreshes b's self-report after a good health check. Only kinds
// that report something are asked. A failure replaces the report with one
// that says why (routing then uses the in-flight count) and is logged when
// it starts or stops.
func (h *healthChecker) readFleet(ctx context.Context, b *backend) {
	var read func(context.Context, *http.Client, *backend) (*fleetState, error)
	switch b.cfg.Type {
	case "ollama":
		read = readOllamaPS
	case "vllm":
		read = readVLLMQueue
	case "llamacpp":
		read = readLlamaSlots
	default:
		return
	}
	rctx, cancel := context.WithTimeout(ctx, fleetReadTimeout)
	defer cancel()
	fs, err := read(rctx, h.client, b)
	if err != nil {
		if ctx.Err() != nil {
			return // shutting down or reloading
		}
		fs = &fleetState{err: err.Error()}
	}
	old := b.fleet.Load()
	setFleet(b, fs)
	switch {
	case fs.err != "" && (old == nil || old.err != fs.err):
		h.log.Info("local server report unavailable; ranking by in-flight count", "backend", b.cfg.Name,
			"reason", fs.err)
	case fs.err == "" && old != nil && old.err != "":
		h.log.Info("local server report available again", "backend", b.cfg.Name)
	}
}

// localGet GETs path on a local backend with its own key (if any) and
// returns the body of a 2xx answer; the caller closes it.
func localGet(ctx context.Context, c *http.Client, url, key string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "nexus/"+version)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		return nil, &statusError{status: resp.StatusCode, msg: http.StatusText(resp.StatusCode)}
	}
	return resp.Body, nil
}

// readLimited reads a whole bounded body; an answer over limit is an error
// (a truncated JSON document is useless).
func readLimited(ctx context.Context, c *http.Client, url, key string, limit int64) ([]byte, error) {
	body, err := localGet(ctx, c, url, key)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("answer larger than %d bytes", limit)
	}
	return data, nil
}

// ---- Ollama: GET /api/ps ----

func readOllamaPS(ctx context.Context, c *http.Client, b *backend) (*fleetState, error) {
	body, err := readLimited(ctx, c, b.cfg.URL+"/api/ps", b.key, maxPSBytes)
	if err != nil {
		return nil, fmt.Errorf("/api/ps: %w", err)
	}
	models, err := parseOllamaPS(body)
	if err != nil {
		return nil, err
	}
	return &fleetState{residency: true, resident: residentNames(models, time.Now()), loaded: models}, nil
}

// psModel is one entry of Ollama's /api/ps answer, as far as Nexus reads it.
type psModel struct {
	Name      string `json:"name"`
	Model     string `json:"model"`
	SizeVRAM  int64  `json:"size_vram"`
	ExpiresAt string `json:"expires_at"`
}

// parseOllamaPS reads {"models":[{"name","model","size_vram","expires_at",...}]}.
// Entries without a usable name are skipped; at most maxLoadedModels are kept.
func parseOllamaPS(body []byte) ([]loadedModel, error) {
	var v struct {
		Models *[]psModel `json:"models"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("unreadable /api/ps: %w", err)
	}
	if v.Models == nil {
		return nil, errors.New("/api/ps answer has no models list")
	}
	out := make([]loadedModel, 0, min(len(*v.Models), maxLoadedModels))
	for _, m := range *v.Models {
		name := m.Name
		if name == "" {
			name = m.Model
		}
		if name == "" || len(name) > maxModelNameBytes || len(out) == maxLoadedModels {
			continue
		}
		lm := loadedModel{Name: name, SizeVRAM: max(m.SizeVRAM, 0)}
		if m.Model != name && m.Model != "" && len(m.Model) <= maxModelNameBytes {
			lm.Model = m.Model
		}
		if t, err := time.Parse(time.RFC3339Nano, m.ExpiresAt); err == nil {
			lm.ExpiresAt = t
		}
		out = append(out, lm)
	}
	return out, nil
}

// residentNames lists the names of the models still loaded at now (an
// expires_at in the past means Ollama has unloaded it or is about to).
// Ollama's "model" field names the same model as "name"; both count.
func residentNames(models []loadedModel, now time.Time) []string {
	names := make([]string, 0, len(models))
	for _, m := range models {
		if !m.ExpiresAt.IsZero() && !m.ExpiresAt.After(now) {
			continue
		}
		names = append(names, m.Name)
		if m.Model != "" {
			names = append(names, m.Model)
		}
	}
	return names
}

// ---- vLLM: GET /metrics ----

func readVLLMQueue(ctx context.Context, c *http.Client, b *backend) (*fleetState, error) {
	body, err := localGet(ctx, c, b.cfg.URL+"/metrics", b.key)
	if err != nil {
		return nil, fmt.Errorf("/metrics: %w", err)
	}
	defer body.Close()
	running, waiting, err := parseVLLMQueue(io.LimitReader(body, maxMetricsBytes))
	if err != nil {
		return nil, err
	}
	q := &queueReport{Source: "vllm /metrics", Running: running, Waiting: waiting}
	return &fleetState{queue: q, extra: beyondOwn(running+waiting, b)}, nil
}

// Prometheus gauges vLLM reports its scheduler queue with.
const (
	vllmRunning = "vllm:num_requests_running"
	vllmWaiting = "vllm:num_requests_waiting"
)

// parseVLLMQueue sums vllm:num_requests_running and vllm:num_requests_waiting
// over every label set (one per model and engine) in Prometheus text format.
// It is an error when neither appears.
func parseVLLMQueue(r io.Reader) (running, waiting int, err error) {
	br := bufio.NewReaderSize(r, 16<<10)
	var sumRun, sumWait float64
	found := false
	for {
		line, rerr := readPromLine(br)
		if name, value, ok := promSample(line); ok {
			switch name {
			case vllmRunning:
				sumRun, found = sumRun+value, true
			case vllmWaiting:
				sumWait, found = sumWait+value, true
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return 0, 0, fmt.Errorf("reading /metrics: %w", rerr)
		}
	}
	if !found {
		return 0, 0, errors.New("/metrics has no " + vllmRunning + " or " + vllmWaiting)
	}
	return clampCount(sumRun), clampCount(sumWait), nil
}

// readPromLine returns the next line without its newline; a line longer
// than maxMetricsLine is returned empty (skipped) rather than buffered.
func readPromLine(br *bufio.Reader) ([]byte, error) {
	var long bool
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if !long {
			if len(buf)+len(chunk) > maxMetricsLine {
				long, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if long {
			return nil, err
		}
		return bytes.TrimRight(buf, "\r\n"), err
	}
}

// promSample parses one sample line `name{labels} value [timestamp]`. It
// returns false for comments, blank or malformed lines, and values that are
// not finite non-negative numbers.
func promSample(line []byte) (name string, value float64, ok bool) {
	line = bytes.TrimLeft(line, " \t")
	if len(line) == 0 || line[0] == '#' {
		return "", 0, false
	}
	i := 0
	for i < len(line) && line[i] != '{' && line[i] != ' ' && line[i] != '\t' {
		i++
	}
	if i == 0 {
		return "", 0, false
	}
	name = string(line[:i])
	rest := line[i:]
	if len(rest) > 0 && rest[0] == '{' {
		end := labelsEnd(rest)
		if end < 0 {
			return "", 0, false
		}
		rest = rest[end+1:]
	}
	fields := bytes.Fields(rest)
	if len(fields) == 0 || len(fields) > 2 {
		return "", 0, false
	}
	v, err := strconv.ParseFloat(string(fields[0]), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return "", 0, false
	}
	return name, v, true
}

// labelsEnd returns the index of the '}' closing the label set that starts
// at s[0] == '{', honouring quoted values with \" escapes; -1 if unclosed.
func labelsEnd(s []byte) int {
	quoted := false
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++ // skip the escaped byte
		case c == '"':
			quoted = !quoted
		case !quoted && c == '}':
			return i
		}
	}
	return -1
}

// clampCount turns a reported count into a bounded int.
func clampCount(f float64) int {
	if f > maxReportedQueue {
		return maxReportedQueue
	}
	return int(f)
}

// beyondOwn is how many of the requests a server reports Nexus did not
// send: the report minus Nexus's own in-flight requests to it, at least 0.
func beyondOwn(reported int, b *backend) int32 {
	return max(0, int32(reported)-b.inFlight.Load())
}

// ---- llama.cpp: GET /slots ----

func readLlamaSlots(ctx context.Context, c *http.Client, b *backend) (*fleetState, error) {
	body, err := readLimited(ctx, c, b.cfg.URL+"/slots", b.key, maxSlotsBytes)
	if err != nil {
		return nil, fmt.Errorf("/slots: %w", err)
	}
	busy, total, err := parseLlamaSlots(body)
	if err != nil {
		return nil, err
	}
	q := &queueReport{Source: "llama.cpp /slots", Running: busy, Slots: total}
	return &fleetState{queue: q, slots: int32(total), extra: beyondOwn(busy, b)}, nil
}

// slotEntry is one llama.cpp slot: newer servers say "is_processing",
// older ones "state" (0 idle, 1 processing).
type slotEntry struct {
	IsProcessing *bool `json:"is_processing"`
	State        *int  `json:"state"`
}

// parseLlamaSlots counts busy slots in a /slots answer (a JSON array). An
// empty or non-array answer is an error. Slot contents such as prompts are
// never kept.
func parseLlamaSlots(body []byte) (busy, total int, err error) {
	var slots []slotEntry
	if err := json.Unmarshal(body, &slots); err != nil {
		return 0, 0, fmt.Errorf("unreadable /slots: %w", err)
	}
	if len(slots) == 0 {
		return 0, 0, errors.New("/slots lists no slots")
	}
	for _, s := range slots {
		switch {
		case s.IsProcessing != nil:
			if *s.IsProcessing {
				busy++
			}
		case s.State != nil && *s.State != 0:
			busy++
		}
	}
	return busy, min(len(slots), maxReportedQueue), nil
}

// ---- /health ----

// loadedModelJSON is one loaded model in /health.
type loadedModelJSON struct {
	Name      string  `json:"name"`
	SizeVRAM  int64   `json:"size_vram"`
	ExpiresAt *string `json:"expires_at"` // RFC 3339, UTC; null when the server did not say
}

// serverLoadJSON is a server's own queue report in /health.
type serverLoadJSON struct {
	Source  string `json:"source"`
	Running int    `json:"running"`
	Waiting *int   `json:"waiting,omitempty"`
	Slots   *int   `json:"slots,omitempty"`
}

// fleetHealth renders b's last self-report for /health: the loaded models
// (Ollama: [] when none, nil when not reported), the queue report, and why
// the last read failed.
func (b *backend) fleetHealth() (loaded *[]loadedModelJSON, load *serverLoadJSON, failure string) {
	fs := b.fleet.Load()
	if fs == nil {
		return nil, nil, ""
	}
	if fs.residency {
		list := make([]loadedModelJSON, 0, len(fs.loaded))
		for _, m := range fs.loaded {
			lm := loadedModelJSON{Name: m.Name, SizeVRAM: m.SizeVRAM}
			if !m.ExpiresAt.IsZero() {
				s := m.ExpiresAt.UTC().Format(time.RFC3339)
				lm.ExpiresAt = &s
			}
			list = append(list, lm)
		}
		loaded = &list
	}
	if q := fs.queue; q != nil {
		load = &serverLoadJSON{Source: q.Source, Running: q.Running}
		if q.Slots > 0 {
			load.Slots = &q.Slots
		} else {
			load.Waiting = &q.Waiting
		}
	}
	return loaded, load, fs.err
}
