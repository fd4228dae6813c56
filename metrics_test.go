// metrics_test.go: tests for the metrics store and its text exposition: the
// whole output is parsed by the strict parser in metrics_format_test.go, then
// values and exact bytes are asserted.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const weirdModel = "gpt-4o \"quoted\" \\back\\slash\nnewline ünïcødé 模型"

func sampleRecords() []requestRecord {
	ollama := requestRecord{Backend: "ollama-local", BackendType: "local", Model: "llama3.2:3b",
		RouteReason: "capability-match", Status: 200, Stream: true, Latency: 1200 * time.Millisecond,
		TTFB: 80 * time.Millisecond, PromptTokens: 10, CompletionTokens: 20, Attempts: 1}
	ollamaSlow := ollama
	ollamaSlow.Latency, ollamaSlow.TTFB = 400*time.Second, 500*time.Millisecond
	openai := requestRecord{Backend: "openai", BackendType: "cloud", Model: weirdModel,
		RouteReason: "failover", Status: 200, Latency: 3 * time.Second, TTFB: 2900 * time.Millisecond,
		PromptTokens: 100, CompletionTokens: 50, CostUSD: 0.0035, HasCost: true, Attempts: 2}
	limited := openai
	limited.Status, limited.Latency, limited.TTFB, limited.CostUSD, limited.HasCost, limited.Attempts =
		429, 4*time.Millisecond, 0, 0, false, 1
	none := requestRecord{Model: "no-such-model", Status: 404, Latency: time.Millisecond}
	return []requestRecord{ollama, openai, limited, none, ollamaSlow}
}

func sampleGauges() []backendGauge {
	return []backendGauge{
		{Name: "openai", Type: "openai", Healthy: true, Models: 2, InFlight: 1, LastCheckDuration: 150 * time.Millisecond},
		{Name: "ollama-local", Type: "ollama", Models: 0, InFlight: 3, Queued: 2},
	}
}

func sampleMetrics() *metrics {
	m := newMetrics()
	for _, r := range sampleRecords() {
		m.observeRequest(r)
	}
	m.observeHealthCheck("ollama-local", 250*time.Millisecond, false)
	m.observeHealthCheck("ollama-local", 20*time.Millisecond, true)
	m.observeFailover("ollama-local")
	m.observeFailover("ollama-local")
	return m
}

func render(t testing.TB, m *metrics, gauges []backendGauge, queued int) string {
	t.Helper()
	var buf bytes.Buffer
	if err := m.writeText(&buf, gauges, queued); err != nil {
		t.Fatalf("writeText: %v", err)
	}
	return buf.String()
}

func mustParse(t testing.TB, text string) *exposition {
	t.Helper()
	ex, err := parseExposition(text)
	if err != nil {
		t.Fatalf("invalid exposition: %v\n%s", err, text)
	}
	return ex
}

// id builds a seriesID from alternating label names and values.
func id(name string, lv ...string) string {
	var labels [][2]string
	for i := 0; i+1 < len(lv); i += 2 {
		labels = append(labels, [2]string{lv[i], lv[i+1]})
	}
	return seriesID(name, labels)
}

func TestMetricsExpositionGrammarAndFamilies(t *testing.T) {
	text := render(t, sampleMetrics(), sampleGauges(), 2)
	ex := mustParse(t, text)
	want := []string{
		"nexus_backend_healthy gauge", "nexus_backend_models gauge", "nexus_backend_queued gauge",
		"nexus_completion_tokens_total counter", "nexus_cost_usd_total counter", "nexus_failovers_total counter",
		"nexus_health_check_duration_seconds gauge", "nexus_health_checks_total counter",
		"nexus_in_flight_requests gauge", "nexus_prompt_tokens_total counter", "nexus_queue_waiting gauge",
		"nexus_request_attempts_total counter", "nexus_request_duration_seconds histogram",
		"nexus_request_errors_total counter", "nexus_requests_total counter", "nexus_spend_usd_total counter",
		"nexus_time_to_first_byte_seconds histogram",
	}
	var got []string
	for _, f := range ex.families {
		got = append(got, f.name+" "+f.typ)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("families:\n got %q\nwant %q", got, want)
	}
	if again := render(t, sampleMetrics(), sampleGauges(), 2); again != text {
		t.Fatal("output is not deterministic")
	}
	// Observation order must not change the output either.
	m := newMetrics()
	recs := sampleRecords()
	slices.Reverse(recs)
	for _, r := range recs {
		m.observeRequest(r)
	}
	a, b := render(t, m, nil, 0), render(t, newMetricsFrom(sampleRecords()), nil, 0)
	if a != b {
		t.Fatalf("output depends on observation order:\n%s\n---\n%s", a, b)
	}
}

func newMetricsFrom(recs []requestRecord) *metrics {
	m := newMetrics()
	for _, r := range recs {
		m.observeRequest(r)
	}
	return m
}

func TestMetricsValues(t *testing.T) {
	ex := mustParse(t, render(t, sampleMetrics(), sampleGauges(), 2))
	ol := []string{"backend", "ollama-local", "model", "llama3.2:3b"}
	oa := []string{"backend", "openai", "model", weirdModel}
	req := func(b, bt, model, status, reason, stream string) string {
		return id("nexus_requests_total", "backend", b, "backend_type", bt, "model", model,
			"status", status, "route_reason", reason, "stream", stream)
	}
	tests := []struct {
		series string
		want   float64
	}{
		{req("ollama-local", "local", "llama3.2:3b", "200", "capability-match", "true"), 2},
		{req("openai", "cloud", weirdModel, "200", "failover", "false"), 1},
		{req("openai", "cloud", weirdModel, "429", "failover", "false"), 1},
		{req("none", "none", "no-such-model", "404", "none", "false"), 1},
		{id("nexus_request_errors_total", append(oa, "status", "429")...), 1},
		{id("nexus_request_errors_total", "backend", "none", "model", "no-such-model", "status", "404"), 1},
		{id("nexus_prompt_tokens_total", ol...), 20},
		{id("nexus_completion_tokens_total", ol...), 40},
		{id("nexus_prompt_tokens_total", oa...), 200},
		{id("nexus_completion_tokens_total", oa...), 100},
		{id("nexus_cost_usd_total", oa...), 0.0035},
		{id("nexus_request_attempts_total", oa...), 3},
		{id("nexus_request_duration_seconds_bucket", append(ol, "stream", "true", "le", "1")...), 0},
		{id("nexus_request_duration_seconds_bucket", append(ol, "stream", "true", "le", "2.5")...), 1},
		{id("nexus_request_duration_seconds_bucket", append(ol, "stream", "true", "le", "300")...), 1},
		{id("nexus_request_duration_seconds_bucket", append(ol, "stream", "true", "le", "+Inf")...), 2},
		{id("nexus_request_duration_seconds_count", append(ol, "stream", "true")...), 2},
		{id("nexus_request_duration_seconds_sum", append(ol, "stream", "true")...), 401.2},
		{id("nexus_request_duration_seconds_bucket", append(oa, "stream", "false", "le", "0.005")...), 1},
		{id("nexus_request_duration_seconds_sum", append(oa, "stream", "false")...), 3.004},
		{id("nexus_time_to_first_byte_seconds_bucket", append(ol, "le", "0.1")...), 1},
		{id("nexus_time_to_first_byte_seconds_bucket", append(ol, "le", "0.5")...), 2},
		{id("nexus_time_to_first_byte_seconds_count", oa...), 1}, // the 429 sent no byte
		{id("nexus_time_to_first_byte_seconds_count", "backend", "none", "model", "no-such-model"), 0},
		{id("nexus_failovers_total", "backend", "ollama-local"), 2},
		{id("nexus_health_checks_total", "backend", "ollama-local", "result", "failure"), 1},
		{id("nexus_health_checks_total", "backend", "ollama-local", "result", "success"), 1},
		{id("nexus_health_check_duration_seconds", "backend", "ollama-local"), 0.02},
		{id("nexus_health_check_duration_seconds", "backend", "openai"), 0.15},
		{id("nexus_backend_healthy", "backend", "openai", "type", "openai"), 1},
		{id("nexus_backend_healthy", "backend", "ollama-local", "type", "ollama"), 0},
		{id("nexus_backend_models", "backend", "openai"), 2},
		{id("nexus_in_flight_requests", "backend", "ollama-local"), 3},
		{id("nexus_backend_queued", "backend", "ollama-local"), 2},
		{id("nexus_queue_waiting"), 2},
	}
	for _, tt := range tests {
		got, ok := ex.values[tt.series]
		if !ok {
			t.Errorf("missing series %q", tt.series)
			continue
		}
		if math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%q = %v, want %v", tt.series, got, tt.want)
		}
	}
	for _, absent := range []string{id("nexus_cost_usd_total", ol...),
		id("nexus_cost_usd_total", "backend", "none", "model", "no-such-model")} {
		if _, ok := ex.values[absent]; ok {
			t.Errorf("series %q must be absent: no honest cost was ever known", absent)
		}
	}
}

// familyBlock returns the lines of one family, HELP to its last sample.
func familyBlock(text, name string) string {
	var out []string
	for _, l := range strings.SplitAfter(text, "\n") {
		rest := strings.TrimPrefix(strings.TrimPrefix(l, "# HELP "), "# TYPE ")
		if after, ok := strings.CutPrefix(rest, name); ok && (after[0] == ' ' || after[0] == '{' || after[0] == '_') {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

func TestMetricsExactBytes(t *testing.T) {
	text := render(t, sampleMetrics(), sampleGauges(), 2)
	tests := []struct{ family, want string }{
		{"nexus_request_errors_total", `# HELP nexus_request_errors_total Requests answered with an HTTP status of 400 or more.
# TYPE nexus_request_errors_total counter
nexus_request_errors_total{backend="none",model="no-such-model",status="404"} 1
nexus_request_errors_total{backend="openai",model="gpt-4o \"quoted\" \\back\\slash\nnewline ünïcødé 模型",status="429"} 1
`},
		{"nexus_health_checks_total", `# HELP nexus_health_checks_total Active health checks by result.
# TYPE nexus_health_checks_total counter
nexus_health_checks_total{backend="ollama-local",result="failure"} 1
nexus_health_checks_total{backend="ollama-local",result="success"} 1
`},
		{"nexus_queue_waiting", `# HELP nexus_queue_waiting Requests waiting in the queue across the whole process.
# TYPE nexus_queue_waiting gauge
nexus_queue_waiting 2
`},
		{"nexus_backend_healthy", `# HELP nexus_backend_healthy 1 if the backend passed its last health check, else 0.
# TYPE nexus_backend_healthy gauge
nexus_backend_healthy{backend="ollama-local",type="ollama"} 0
nexus_backend_healthy{backend="openai",type="openai"} 1
`},
		{"nexus_cost_usd_total", `# HELP nexus_cost_usd_total Estimated cost in US dollars, for requests whose cost could be computed.
# TYPE nexus_cost_usd_total counter
nexus_cost_usd_total{backend="openai",model="gpt-4o \"quoted\" \\back\\slash\nnewline ünïcødé 模型"} 0.0035
`},
	}
	for _, tt := range tests {
		if got := familyBlock(text, tt.family); got != tt.want {
			t.Errorf("%s:\n got:\n%s\nwant:\n%s", tt.family, got, tt.want)
		}
	}
	ttfb := `nexus_time_to_first_byte_seconds_bucket{backend="ollama-local",model="llama3.2:3b",le="0.005"} 0
nexus_time_to_first_byte_seconds_bucket{backend="ollama-local",model="llama3.2:3b",le="0.01"} 0
nexus_time_to_first_byte_seconds_bucket{backend="ollama-local",model="llama3.2:3b",le="0.025"} 0
nexus_time_to_first_byte_seconds_bucket{backend="ollama-local",model="llama3.2:3b",le="0.05"} 0
nexus_time_to_first_byte_seconds_bucket{backend="ollama-local",model="llama3.2:3b",le="0.1"} 1
nexus_time_to_first_byte_seconds_bucket{backend="ollama-local",model="llama3.2:3b",le="0.25"} 1
nexus_time_to_first_byte_seconds_bucket{backend="ollama-local",model="llama3.2:3b",le="0.5"} 2
nexus_time_to_first_byte_seconds_bucket{backend="ollama-local",model="llama3.2:3b",le="1"} 2
nexus_time_to_first_byte_seconds_bucket{backend="ollama-local",model="llama3.2:3b",le="2.5"} 2
nexus_time_to_first_byte_seconds_bucket{backend="ollama-local",model="llama3.2:3b",le="5"} 2
nexus_time_to_first_byte_seconds_bucket{backend="ollama-local",model="llama3.2:3b",le="10"} 2
nexus_time_to_first_byte_seconds_bucket{backend="ollama-local",model="llama3.2:3b",le="30"} 2
nexus_time_to_first_byte_seconds_bucket{backend="ollama-local",model="llama3.2:3b",le="60"} 2
nexus_time_to_first_byte_seconds_bucket{backend="ollama-local",model="llama3.2:3b",le="120"} 2
nexus_time_to_first_byte_seconds_bucket{backend="ollama-local",model="llama3.2:3b",le="300"} 2
nexus_time_to_first_byte_seconds_bucket{backend="ollama-local",model="llama3.2:3b",le="+Inf"} 2
nexus_time_to_first_byte_seconds_sum{backend="ollama-local",model="llama3.2:3b"} 0.58
nexus_time_to_first_byte_seconds_count{backend="ollama-local",model="llama3.2:3b"} 2
`
	if !strings.Contains(text, ttfb) {
		t.Errorf("ttfb histogram for ollama-local not found verbatim in:\n%s", familyBlock(text, "nexus_time_to_first_byte_seconds"))
	}
}

func TestMetricsEmptyStoreIsValid(t *testing.T) {
	text := render(t, newMetrics(), nil, 0)
	ex := mustParse(t, text)
	if len(ex.families) != 17 || len(ex.values) != 1 || ex.values[id("nexus_queue_waiting")] != 0 {
		t.Fatalf("empty store: %d families, values %v", len(ex.families), ex.values)
	}
}

func TestMetricsCardinalityCap(t *testing.T) {
	m := newMetrics()
	const extra = 500
	for i := range maxRequestSeries + extra {
		m.observeRequest(requestRecord{Backend: "b", BackendType: "local", Model: fmt.Sprintf("m%d", i),
			RouteReason: "capability-match", Status: 200, Latency: time.Millisecond})
	}
	// A model admitted before the cap keeps its own series.
	m.observeRequest(requestRecord{Backend: "b", BackendType: "local", Model: "m0",
		RouteReason: "capability-match", Status: 200, Latency: time.Millisecond})
	ex := mustParse(t, render(t, m, nil, 0))
	series := 0
	for _, f := range ex.families {
		if f.name == "nexus_requests_total" {
			series = len(f.samples)
		}
	}
	if series != maxRequestSeries+1 {
		t.Errorf("requests_total has %d series, want %d", series, maxRequestSeries+1)
	}
	reqID := func(model string) string {
		return id("nexus_requests_total", "backend", "b", "backend_type", "local", "model", model,
			"status", "200", "route_reason", "capability-match", "stream", "false")
	}
	if got := ex.values[reqID(otherLabel)]; got != extra {
		t.Errorf("other = %v, want %d", got, extra)
	}
	if got := ex.values[reqID("m0")]; got != 2 {
		t.Errorf("m0 = %v, want 2", got)
	}
}

func TestMetricsUnsafeModelBecomesOther(t *testing.T) {
	tests := []struct{ name, model, want string }{
		{"invalid utf-8", "bad\xff\xfe", otherLabel},
		{"too long", strings.Repeat("x", maxModelLabelBytes+1), otherLabel},
		{"longest allowed", strings.Repeat("y", maxModelLabelBytes), strings.Repeat("y", maxModelLabelBytes)},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMetrics()
			m.observeRequest(requestRecord{Backend: "b", BackendType: "cloud", Model: tt.model, RouteReason: "failover", Status: 502})
			ex := mustParse(t, render(t, m, nil, 0))
			s := id("nexus_requests_total", "backend", "b", "backend_type", "cloud", "model", tt.want,
				"status", "502", "route_reason", "failover", "stream", "false")
			if ex.values[s] != 1 {
				t.Errorf("series %q missing; values %v", s, ex.values)
			}
		})
	}
}

func TestMetricsDuplicateGaugesAndNegativeInputs(t *testing.T) {
	m := newMetrics()
	m.observeRequest(requestRecord{Backend: "b", Model: "m", Status: 200, Latency: -time.Second,
		PromptTokens: -5, CompletionTokens: -1, Attempts: -1})
	g := []backendGauge{{Name: "b", Type: "vllm", Healthy: true}, {Name: "b", Type: "vllm"}}
	ex := mustParse(t, render(t, m, g, 0))
	if v := ex.values[id("nexus_backend_healthy", "backend", "b", "type", "vllm")]; v != 1 {
		t.Errorf("backend_healthy = %v, want the first gauge (1)", v)
	}
	if v := ex.values[id("nexus_prompt_tokens_total", "backend", "b", "model", "m")]; v != 0 {
		t.Errorf("negative tokens counted: %v", v)
	}
	if v := ex.values[id("nexus_request_duration_seconds_sum", "backend", "b", "model", "m", "stream", "false")]; v != 0 {
		t.Errorf("negative latency summed: %v", v)
	}
}

type failWriter struct{}

var errSink = errors.New("sink closed")

func (failWriter) Write([]byte) (int, error) { return 0, errSink }

func TestMetricsWriteError(t *testing.T) {
	err := sampleMetrics().writeText(failWriter{}, nil, 0)
	if !errors.Is(err, errSink) {
		t.Fatalf("err = %v, want wrapped errSink", err)
	}
}

func TestAppendFloat(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{math.Inf(1), "+Inf"}, {math.Inf(-1), "-Inf"}, {math.NaN(), "NaN"},
		{0, "0"}, {0.005, "0.005"}, {300, "300"}, {1.0 / 3, "0.3333333333333333"},
		{1e21, "1e+21"}, {1.5e-7, "1.5e-07"}, {-2, "-2"},
	}
	for _, tt := range tests {
		if got := string(appendFloat(nil, tt.v)); got != tt.want {
			t.Errorf("appendFloat(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestMetricsConcurrent(t *testing.T) {
	m := newMetrics()
	const workers, per = 8, 500
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				m.observeRequest(requestRecord{Backend: fmt.Sprintf("b%d", w%2), BackendType: "local",
					Model: "m", RouteReason: "capability-match", Status: 200, Latency: time.Millisecond,
					TTFB: time.Microsecond, PromptTokens: 1, CompletionTokens: 2, CostUSD: 0.5, HasCost: true, Attempts: 1})
				if i%100 == 0 {
					m.observeFailover("b0")
					m.observeHealthCheck("b1", time.Millisecond, i%200 == 0)
					var buf bytes.Buffer
					if err := m.writeText(&buf, sampleGauges(), 1); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	ex := mustParse(t, render(t, m, sampleGauges(), 0))
	half := float64(workers / 2 * per)
	for _, b := range []string{"b0", "b1"} {
		bm := []string{"backend", b, "model", "m"}
		checks := map[string]float64{
			id("nexus_requests_total", "backend", b, "backend_type", "local", "model", "m", "status", "200",
				"route_reason", "capability-match", "stream", "false"): half,
			id("nexus_prompt_tokens_total", bm...):                                       half,
			id("nexus_completion_tokens_total", bm...):                                   2 * half,
			id("nexus_cost_usd_total", bm...):                                            0.5 * half,
			id("nexus_time_to_first_byte_seconds_count", bm...):                          half,
			id("nexus_request_duration_seconds_count", append(bm, "stream", "false")...): half,
		}
		for s, want := range checks {
			if ex.values[s] != want {
				t.Errorf("%q = %v, want %v", s, ex.values[s], want)
			}
		}
	}
	if v := ex.values[id("nexus_failovers_total", "backend", "b0")]; v != workers*per/100 {
		t.Errorf("failovers = %v", v)
	}
}

// TestExpositionParserRejects proves the grammar checker can fail.
func TestExpositionParserRejects(t *testing.T) {
	head := "# HELP x_total X.\n# TYPE x_total counter\n"
	hist := "# HELP h H.\n# TYPE h histogram\n"
	tests := []struct{ name, text string }{
		{"no trailing newline", head + "x_total 1"},
		{"sample before type", "x_total 1\n"},
		{"bad metric name", head + "x-total 1\n"},
		{"bad label name", head + "x_total{1a=\"v\"} 1\n"},
		{"unquoted label", head + "x_total{a=v} 1\n"},
		{"illegal escape", head + "x_total{a=\"\\t\"} 1\n"},
		{"unterminated value", head + "x_total{a=\"v} 1\n"},
		{"duplicate label", head + "x_total{a=\"1\",a=\"2\"} 1\n"},
		{"trailing comma", head + "x_total{a=\"1\",} 1\n"},
		{"bad float", head + "x_total 1.2.3\n"},
		{"inf without sign", head + "x_total Inf\n"},
		{"negative counter", head + "x_total -1\n"},
		{"duplicate series", head + "x_total 1\nx_total 2\n"},
		{"foreign sample", head + "y_total 1\n"},
		{"second help", head + head},
		{"blank line", head + "\nx_total 1\n"},
		{"bad help escape", "# HELP x_total a\\tb\n# TYPE x_total counter\n"},
		{"unknown type", "# HELP x X.\n# TYPE x meter\n"},
		{"no +Inf bucket", hist + "h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"},
		{"not cumulative", hist + "h_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"},
		{"count mismatch", hist + "h_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n"},
		{"bounds not increasing", hist + "h_bucket{le=\"2\"} 0\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n"},
		{"missing sum", hist + "h_bucket{le=\"+Inf\"} 0\nh_count 0\n"},
	}
	for _, tt := range tests {
		if _, err := parseExposition(tt.text); err == nil {
			t.Errorf("%s: accepted:\n%s", tt.name, tt.text)
		}
	}
	ok := hist + "h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\nh_sum NaN\nh_count 1\n"
	if _, err := parseExposition(ok); err != nil {
		t.Errorf("valid histogram rejected: %v", err)
	}
}

// FuzzMetricsLabels feeds arbitrary label values through the store and
// checks that the exposition stays valid and values round-trip.
func FuzzMetricsLabels(f *testing.F) {
	f.Add("ollama", "local", "llama3", "capability-match", 200)
	f.Add("b\"\\\n", "cloud", weirdModel, "fail\nover", 503)
	f.Add("", "", "\xff", "", -1)
	f.Add("x", "y", "other", "z", 0)
	f.Fuzz(func(t *testing.T, backend, btype, model, reason string, status int) {
		m := newMetrics()
		m.observeRequest(requestRecord{Backend: backend, BackendType: btype, Model: model,
			RouteReason: reason, Status: status, TTFB: time.Millisecond, HasCost: true, CostUSD: 1})
		m.observeFailover(backend)
		m.observeHealthCheck(backend, time.Second, true)
		var buf bytes.Buffer
		if err := m.writeText(&buf, []backendGauge{{Name: safeLabel(backend), Type: safeLabel(btype)}}, 0); err != nil {
			t.Fatal(err)
		}
		ex, err := parseExposition(buf.String())
		if err != nil {
			t.Fatalf("%v\n%s", err, buf.String())
		}
		wantModel := model
		if !validModelLabel(model) {
			wantModel = otherLabel
		}
		s := id("nexus_cost_usd_total", "backend", safeLabel(orNone(backend)), "model", wantModel)
		if ex.values[s] != 1 {
			t.Fatalf("series %q missing", s)
		}
	})
}

func BenchmarkObserveRequest(b *testing.B) {
	m := newMetrics()
	r := sampleRecords()[1]
	b.ReportAllocs()
	for b.Loop() {
		m.observeRequest(r)
	}
}

func BenchmarkObserveRequestParallel(b *testing.B) {
	m := newMetrics()
	r := sampleRecords()[1]
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.observeRequest(r)
		}
	})
}

// BenchmarkWriteText renders a store at the series cap.
func BenchmarkWriteText(b *testing.B) {
	m := newMetrics()
	for i := range maxRequestSeries {
		m.observeRequest(requestRecord{Backend: fmt.Sprintf("b%d", i%10), BackendType: "local",
			Model: fmt.Sprintf("model-%d", i), RouteReason: "capability-match", Status: 200,
			Latency: time.Duration(i) * time.Millisecond, TTFB: time.Millisecond})
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := m.writeText(&buf, sampleGauges(), 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/scrape")
}
