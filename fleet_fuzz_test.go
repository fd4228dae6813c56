// fleet_fuzz_test.go: fuzz targets for everything the local fleet reads
// from a server: vLLM's Prometheus text, llama.cpp's /slots, Ollama's
// /api/ps, and discovery's model lists. Any input must give a bounded,
// consistent answer or an error — never a panic.
package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func FuzzParseVLLMQueue(f *testing.F) {
	f.Add(vllmMetrics(3, 12))
	f.Add("vllm:num_requests_running 7\nvllm:num_requests_waiting{a=\"}\\\"{\"} 1e3 123\n")
	f.Add("vllm:num_requests_waiting{x=\"" + strings.Repeat("y", 70<<10) + "\"} 1\n")
	f.Add("# only a comment\r\n\n{}\n vllm:num_requests_waiting\t2\n")
	f.Fuzz(func(t *testing.T, s string) {
		running, waiting, err := parseVLLMQueue(strings.NewReader(s))
		if err != nil {
			if running != 0 || waiting != 0 {
				t.Fatalf("error with values %d %d", running, waiting)
			}
			return
		}
		if running < 0 || waiting < 0 || running > maxReportedQueue || waiting > maxReportedQueue {
			t.Fatalf("out of range: %d %d", running, waiting)
		}
		for _, line := range strings.Split(s, "\n") { // sample lines parse the same on their own
			name, v, ok := promSample([]byte(strings.TrimRight(line, "\r")))
			if ok && (name == "" || v < 0 || v != v) {
				t.Fatalf("bad sample %q %v from %q", name, v, line)
			}
		}
	})
}

func FuzzParseLlamaSlots(f *testing.F) {
	f.Add([]byte(llamaSlots(4, 1)))
	f.Add([]byte(`[{"id":0,"state":1},{"id":1,"state":0}]`))
	f.Add([]byte(`{"error":{"code":501}}`))
	f.Add([]byte(`[null,{"is_processing":null,"state":7}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		busy, total, err := parseLlamaSlots(body)
		if err != nil {
			return
		}
		if total < 1 || busy < 0 || busy > total || total > maxReportedQueue {
			t.Fatalf("busy %d of %d", busy, total)
		}
	})
}

func FuzzParseOllamaPS(f *testing.F) {
	f.Add([]byte(ollamaPS(time.Now(), "gemma3", "llama3.2:latest")))
	f.Add([]byte(`{"models":[{"model":"x","size_vram":-1,"expires_at":"0001-01-01T00:00:00Z"}]}`))
	f.Add([]byte(`{"models":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		models, err := parseOllamaPS(body)
		if err != nil {
			return
		}
		if len(models) > maxLoadedModels {
			t.Fatalf("%d models kept", len(models))
		}
		for _, m := range models {
			if m.Name == "" || len(m.Name) > maxModelNameBytes || len(m.Model) > maxModelNameBytes || m.SizeVRAM < 0 {
				t.Fatalf("bad entry %+v", m)
			}
		}
		now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		fs := &fleetState{residency: true, resident: residentNames(models, now)}
		for _, m := range models {
			live := m.ExpiresAt.IsZero() || m.ExpiresAt.After(now)
			if live && (!fs.holds(m.Name) || (m.Model != "" && !fs.holds(m.Model))) {
				t.Fatalf("%+v not held", m)
			}
		}
	})
}

func FuzzDiscoveryAnswers(f *testing.F) {
	for _, kind := range []string{"vllm", "llamacpp", "lmstudio", "exo", "koboldcpp", "jan", "ollama"} {
		f.Add([]byte((&fakeLocal{kind: kind, models: []string{"m"}}).modelList()))
	}
	f.Add([]byte(ollamaTags([]string{"llama3.2:3b"})))
	f.Add([]byte(`{"data":null,"models":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		owners, ok := parseModelOwners(body)
		if !ok && owners != nil {
			t.Fatal("owners without a list")
		}
		if k, found := kindForOwner(owners); found && (k.ownedBy == "" || !slices.Contains(owners, k.ownedBy)) {
			t.Fatalf("kind %+v from owners %q", k, owners)
		}
		if isOllamaTags(body) && ok {
			t.Fatalf("both an OpenAI list and Ollama tags: %q", body)
		}
	})
}
