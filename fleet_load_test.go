// fleet_load_test.go: local servers' self-reports — the /api/ps, /metrics
// and /slots readers, and what they do to routing: a loaded model breaks a
// priority tie before load, a stale or failing report only reorders, and a
// server's own queue outranks Nexus's in-flight count.
package main

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseOllamaPS(t *testing.T) {
	until := time.Date(2025, 10, 17, 23, 47, 7, 933550000, time.UTC)
	tests := []struct {
		name    string
		body    string
		want    []loadedModel
		wantErr string
	}{
		{"docs example", ollamaPS(until, "gemma3"),
			[]loadedModel{{Name: "gemma3", SizeVRAM: 5333539264, ExpiresAt: until}}, ""},
		{"nothing loaded", `{"models":[]}`, []loadedModel{}, ""},
		{"model field only, name differs, bad time",
			`{"models":[{"model":"llama3.2:latest","size_vram":1,"expires_at":"soon"},{"name":"a","model":"a:latest","size_vram":-5}]}`,
			[]loadedModel{{Name: "llama3.2:latest", SizeVRAM: 1}, {Name: "a", Model: "a:latest"}}, ""},
		{"nameless entry skipped", `{"models":[{"size_vram":3}]}`, []loadedModel{}, ""},
		{"no models list", `{"error":"not found"}`, nil, "/api/ps answer has no models list"},
		{"not JSON", `<html>`, nil, "unreadable /api/ps: invalid character '<' looking for beginning of value"},
		{"wrong type", `{"models":{"name":"x"}}`, nil, "unreadable /api/ps: json: cannot unmarshal object into Go struct field .models of type []main.psModel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseOllamaPS([]byte(tt.body))
			if errText(err) != tt.wantErr {
				t.Fatalf("error %q, want %q", errText(err), tt.wantErr)
			}
			for i := range got {
				if !got[i].ExpiresAt.IsZero() && got[i].ExpiresAt.Equal(until) {
					got[i].ExpiresAt = until // same instant, other zone
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	models := []loadedModel{{Name: "a", Model: "a:latest", ExpiresAt: until}, {Name: "b"}, {Name: "gone", ExpiresAt: until.Add(-time.Second)}}
	if got := residentNames(models, until.Add(-time.Minute)); !reflect.DeepEqual(got, []string{"a", "a:latest", "b", "gone"}) {
		t.Errorf("resident before expiry %q", got)
	}
	if got := residentNames(models, until); !reflect.DeepEqual(got, []string{"b"}) {
		t.Errorf("resident at expiry %q", got)
	}
	fs := &fleetState{residency: true, resident: []string{"b", "a:latest"}}
	for model, want := range map[string]bool{"a:latest": true, "b": true, "a": false, "a:lates": false, "": false, "b ": false} {
		if fs.holds(model) != want {
			t.Errorf("holds(%q) = %v", model, !want)
		}
	}
}

func TestParseVLLMQueue(t *testing.T) {
	tests := []struct {
		name             string
		body             string
		running, waiting int
		wantErr          string
	}{
		{"vllm page", vllmMetrics(3, 12), 3, 12, ""},
		{"two engines and two models summed", `vllm:num_requests_running{engine="0",model_name="a"} 2.0
vllm:num_requests_running{engine="1",model_name="a"} 1
vllm:num_requests_waiting{engine="0",model_name="a"} 4.0 1712345678000
vllm:num_requests_waiting{model_name="b"} 1e1
`, 3, 14, ""},
		{"labels holding braces, quotes and spaces", `vllm:num_requests_waiting{model_name="we}ird \"m\" {x}",engine="0"} 5.0` + "\r\n" +
			`vllm:num_requests_running{model_name="a\\"} 1.0`, 1, 5, ""},
		{"no labels (older vLLM)", "vllm:num_requests_running 7.0\nvllm:num_requests_waiting 0.0", 7, 0, ""},
		{"junk, NaN, negative and similar names ignored", `# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting_total{x="1"} 99
vllm:num_requests_waiting{x="1"} NaN
vllm:num_requests_waiting{x="2"} -3
vllm:num_requests_waiting{x="3"} +Inf
vllm:num_requests_waiting{x="4" 9
vllm:num_requests_waiting{x="5"}
vllm:num_requests_waiting{x="6"} 1 2 3
vllm:num_requests_waiting{x="7"} 2
vllm:num_requests_running 1`, 1, 2, ""},
		{"a line over 64 KiB skipped", "vllm:num_requests_waiting{a=\"" + strings.Repeat("x", 70<<10) + "\"} 50\nvllm:num_requests_running 2\n", 2, 0, ""},
		{"huge value clamped", "vllm:num_requests_waiting 1e300", 0, maxReportedQueue, ""},
		{"not a vLLM", "# HELP go_goroutines x\ngo_goroutines 12\n", 0, 0,
			"/metrics has no vllm:num_requests_running or vllm:num_requests_waiting"},
		{"empty", "", 0, 0, "/metrics has no vllm:num_requests_running or vllm:num_requests_waiting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, w, err := parseVLLMQueue(strings.NewReader(tt.body))
			if errText(err) != tt.wantErr || r != tt.running || w != tt.waiting {
				t.Errorf("got %d %d %q, want %d %d %q", r, w, errText(err), tt.running, tt.waiting, tt.wantErr)
			}
		})
	}
}

func TestParseLlamaSlots(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		busy, total int
		wantErr     string
	}{
		{"four slots, one processing", llamaSlots(4, 1), 1, 4, ""},
		{"all processing", llamaSlots(2, 2), 2, 2, ""},
		{"older servers: state", `[{"id":0,"state":1,"prompt":"secret"},{"id":1,"state":0},{"id":2,"state":1}]`, 2, 3, ""},
		{"no slots", `[]`, 0, 0, "/slots lists no slots"},
		{"disabled: an error object", `{"error":{"code":501,"message":"This server does not support slots endpoint.","type":"not_supported_error"}}`,
			0, 0, "unreadable /slots: json: cannot unmarshal object into Go value of type []main.slotEntry"},
		{"not JSON", `nope`, 0, 0, "unreadable /slots: invalid character 'o' in literal null (expecting 'u')"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			busy, total, err := parseLlamaSlots([]byte(tt.body))
			if errText(err) != tt.wantErr || busy != tt.busy || total != tt.total {
				t.Errorf("got %d/%d %q, want %d/%d %q", busy, total, errText(err), tt.busy, tt.total, tt.wantErr)
			}
		})
	}
}

// fleetBE is a configured local backend of typ at a fake server.
func fleetBE(name, typ string, f *fakeLocal, priority int) BackendConfig {
	c := localBE(name, f.URL)
	c.Type, c.Priority = typ, priority
	return c
}

// TestFleetRouting: the ranking among local servers that report on
// themselves. Each case sets up fake servers, runs the health checks that
// read their reports, sets Nexus's own in-flight counts, and routes.
func TestFleetRouting(t *testing.T) {
	soon := time.Now().Add(5 * time.Minute)
	tests := []struct {
		name     string
		kind     string
		prioA    int
		prioB    int
		reportA  fakeAnswer // what A's /api/ps, /metrics or /slots says
		reportB  fakeAnswer
		inFlight [2]int32
		want     string
	}{
		{"loaded model beats a less loaded server", "ollama", 50, 50,
			fakeAnswer{200, ollamaPS(soon, "m")}, fakeAnswer{200, ollamaPS(soon, "other")}, [2]int32{3, 0}, "A"},
		{"residency matches Ollama's model field", "ollama", 50, 50,
			fakeAnswer{200, `{"models":[{"name":"alias-of-m","model":"m","size_vram":1}]}`}, fakeAnswer{200, `{"models":[]}`}, [2]int32{2, 0}, "A"},
		{"priority beats residency", "ollama", 60, 50,
			fakeAnswer{200, ollamaPS(soon, "m")}, fakeAnswer{200, `{"models":[]}`}, [2]int32{0, 5}, "B"},
		{"both loaded: load decides", "ollama", 50, 50,
			fakeAnswer{200, ollamaPS(soon, "m")}, fakeAnswer{200, ollamaPS(soon, "m")}, [2]int32{2, 1}, "B"},
		{"past expires_at counts as unloaded", "ollama", 50, 50,
			fakeAnswer{200, ollamaPS(time.Now().Add(-time.Minute), "m")}, fakeAnswer{200, `{"models":[]}`}, [2]int32{1, 0}, "B"},
		{"failing /api/ps only loses the preference", "ollama", 50, 50,
			fakeAnswer{500, `{"error":"boom"}`}, fakeAnswer{200, `{"models":[]}`}, [2]int32{0, 1}, "A"},
		{"vLLM with a long queue loses to an idle one", "vllm", 50, 50,
			fakeAnswer{200, vllmMetrics(4, 12)}, fakeAnswer{200, vllmMetrics(0, 0)}, [2]int32{0, 2}, "B"},
		{"vLLM queue counts only what Nexus did not send", "vllm", 50, 50,
			fakeAnswer{200, vllmMetrics(3, 0)}, fakeAnswer{200, vllmMetrics(0, 0)}, [2]int32{3, 1}, "B"},
		{"vLLM without /metrics falls back to in-flight", "vllm", 50, 50,
			fakeAnswer{404, `{"detail":"Not Found"}`}, fakeAnswer{200, vllmMetrics(0, 0)}, [2]int32{0, 1}, "A"},
		{"llama.cpp: free slots beat a full server", "llamacpp", 50, 50,
			fakeAnswer{200, llamaSlots(1, 1)}, fakeAnswer{200, llamaSlots(4, 1)}, [2]int32{0, 0}, "B"},
		{"llama.cpp: slot count is the capacity", "llamacpp", 50, 50,
			fakeAnswer{200, llamaSlots(8, 2)}, fakeAnswer{200, llamaSlots(2, 1)}, [2]int32{0, 0}, "A"},
		{"llama.cpp with /slots disabled falls back", "llamacpp", 50, 50,
			fakeAnswer{501, `{"error":{"code":501,"message":"This server does not support slots endpoint.","type":"not_supported_error"}}`},
			fakeAnswer{200, llamaSlots(4, 0)}, [2]int32{0, 1}, "A"},
	}
	paths := map[string]string{"ollama": "/api/ps", "vllm": "/metrics", "llamacpp": "/slots"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fa, fb := newFakeLocal(t, tt.kind, "m"), newFakeLocal(t, tt.kind, "m")
			fa.setReport(paths[tt.kind], tt.reportA.status, tt.reportA.body)
			fb.setReport(paths[tt.kind], tt.reportB.status, tt.reportB.body)
			n := startNexus(t, testConfig(fleetBE("A", tt.kind, fa, tt.prioA), fleetBE("B", tt.kind, fb, tt.prioB)), nil)
			reg := n.s.reg.Load()
			for i, b := range reg.backends() {
				if b.stateName() != "healthy" {
					t.Fatalf("%s is %s: %s", b.cfg.Name, b.stateName(), b.reasonText())
				}
				b.inFlight.Store(tt.inFlight[i])
			}
			p := reg.choose(opChat, "m", requirements{}, nil)
			if p.b == nil || p.b.cfg.Name != tt.want || p.reason != reasonCapability {
				t.Errorf("picked %v (%s), want %s", p.b, p.reason, tt.want)
			}
			for _, b := range reg.backends() {
				b.inFlight.Store(0)
			}
		})
	}
}

// TestStaleResidencyDegradesGracefully: Ollama unloads the model after the
// last check. Until the next check Nexus still prefers that server, and the
// request still succeeds there (a cold load, not an error); the next check
// drops the preference, and a failing /api/ps never makes it ineligible.
func TestStaleResidencyDegradesGracefully(t *testing.T) {
	fa, fb := newFakeLocal(t, "ollama", "m"), newFakeLocal(t, "ollama", "m")
	fa.setReport("/api/ps", 200, ollamaPS(time.Now().Add(time.Hour), "m"))
	n := startNexus(t, testConfig(fleetBE("A", "ollama", fa, 50), fleetBE("B", "ollama", fb, 50)), nil)
	reg := n.s.reg.Load()
	a, b := reg.backends()[0], reg.backends()[1]
	a.observeLatency(50 * time.Millisecond) // without residency, B (faster) would win
	b.observeLatency(time.Millisecond)

	fa.setReport("/api/ps", 200, `{"models":[]}`) // unloaded since the check
	chat := func() string {
		resp := n.post(t, "/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`)
		body := readAll(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(body, "from ollama") {
			t.Fatalf("chat: %d %s", resp.StatusCode, body)
		}
		return resp.Header.Get("X-Nexus-Backend")
	}
	if got := chat(); got != "A" {
		t.Fatalf("stale residency: served by %s, want A", got)
	}
	hc := &healthChecker{reg: reg, client: reg.client, log: n.s.log, metrics: n.s.metrics}
	hc.checkAll(ctxTimeout(t))
	if a.fleet.Load().holds("m") {
		t.Fatal("residency kept after the server stopped reporting it")
	}
	if got := chat(); got != "B" {
		t.Errorf("after the check: served by %s, want B (faster)", got)
	}

	fa.setReport("/api/ps", 500, `{"error":"boom"}`)
	fb.setReport("/api/ps", 500, `{"error":"boom"}`)
	hc.checkAll(ctxTimeout(t))
	b.inFlight.Store(5) // B busy: A must still be eligible and chosen
	defer b.inFlight.Store(0)
	if a.stateName() != "healthy" || reg.choose(opChat, "m", requirements{}, nil).b != a {
		t.Errorf("failing /api/ps: A %s, pick %v", a.stateName(), reg.choose(opChat, "m", requirements{}, nil).b)
	}
	if !strings.Contains(n.logs.String(), `"msg":"local server report unavailable; ranking by in-flight count","backend":"A","reason":"/api/ps: HTTP 500: Internal Server Error"`) {
		t.Errorf("report failure not logged:\n%s", n.logs.String())
	}
}

func TestHealthShowsLoadedModelsAndServerLoad(t *testing.T) {
	until := time.Date(2031, 1, 2, 3, 4, 5, 600000000, time.UTC)
	ollama := newFakeLocal(t, "ollama", "gemma3", "llama3.2")
	ollama.setReport("/api/ps", 200, ollamaPS(until, "gemma3"))
	idle := newFakeLocal(t, "ollama", "qwen3")
	vllm := newFakeLocal(t, "vllm", "m")
	vllm.setReport("/metrics", 200, vllmMetrics(2, 7))
	llama := newFakeLocal(t, "llamacpp", "m")
	llama.setReport("/slots", 200, llamaSlots(4, 3))
	broken := newFakeLocal(t, "llamacpp", "m")
	broken.setReport("/slots", 501, `{"error":{"code":501,"message":"This server does not support slots endpoint.","type":"not_supported_error"}}`)
	n := startNexus(t, testConfig(fleetBE("o", "ollama", ollama, 50), fleetBE("idle", "ollama", idle, 50),
		fleetBE("v", "vllm", vllm, 50), fleetBE("l", "llamacpp", llama, 50), fleetBE("x", "llamacpp", broken, 50),
		localBE("g", newFakeLocal(t, "lmstudio", "m").URL)), nil)
	resp, err := n.Client().Get(n.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	for _, want := range []string{
		`"name":"o",` + `"type":"ollama"`,
		`"discovered":false,"loaded_models":[{"name":"gemma3","size_vram":5333539264,"expires_at":"2031-01-02T03:04:05Z"}]}`,
		`"name":"idle",`,
		`"discovered":false,"loaded_models":[]}`,
		`"discovered":false,"server_load":{"source":"vllm /metrics","running":2,"waiting":7}}`,
		`"discovered":false,"server_load":{"source":"llama.cpp /slots","running":3,"slots":4}}`,
		`"discovered":false,"server_report_error":"/slots: HTTP 501: Not Implemented"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/health lacks %s:\n%s", want, body)
		}
	}
	if strings.Count(body, `"loaded_models"`) != 2 || strings.Count(body, `"server_load"`) != 2 {
		t.Errorf("fleet fields on the wrong backends:\n%s", body)
	}
}

// TestRankingWithAndWithoutReports: a backend that reports nothing ranks
// exactly as before (in-flight over capacity); residency is per model.
func TestRankingWithAndWithoutReports(t *testing.T) {
	var none *fleetState
	if none.holds("m") {
		t.Fatal("nil state holds a model")
	}
	reg := newRegistry(testConfig(localBE("a", "http://127.0.0.1:1", "m", "n"), localBE("b", "http://127.0.0.1:2", "m", "n")),
		func(string) string { return "" })
	a, b := reg.backends()[0], reg.backends()[1]
	a.inFlight.Store(2)
	b.inFlight.Store(1)
	if !ranksBefore(b, a, "m") || ranksBefore(a, b, "m") || reg.choose(opChat, "m", requirements{}, nil).b != b {
		t.Error("in-flight order broken")
	}
	setFleet(a, &fleetState{residency: true, resident: []string{"m"}})
	if reg.choose(opChat, "m", requirements{}, nil).b != a || reg.choose(opChat, "n", requirements{}, nil).b != b {
		t.Error("residency is per model")
	}
	setFleet(b, &fleetState{extra: 5, slots: 2})
	if b.load() != 6 || b.capacity() != 2 || a.capacity() != 100 {
		t.Errorf("load %d capacity %d/%d", b.load(), b.capacity(), a.capacity())
	}
	setFleet(a, nil)
	setFleet(b, nil)
	if reg.choose(opChat, "m", requirements{}, nil).b != b || b.load() != 1 || b.capacity() != 100 {
		t.Error("a cleared report left something behind")
	}
}
