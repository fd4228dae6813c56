// fleet_console_test.go: the local fleet on the operator console (SPEC §14,
// §16): in a real browser, a discovered server is marked so, an Ollama card
// lists its loaded models with their VRAM and unload time, and a vLLM card
// shows the queue the server reports — with no JavaScript error. The same
// data is in /nexus/status.
package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestConsoleShowsLocalFleet(t *testing.T) {
	until := time.Now().Add(4 * time.Minute)
	ollama := newFakeLocal(t, "ollama", "gemma3", "qwen3")
	ollama.setReport("/api/ps", 200, ollamaPS(until, "gemma3"))
	vllm := newFakeLocal(t, "vllm", "m")
	vllm.setReport("/metrics", 200, vllmMetrics(2, 7))
	lms := newFakeLocal(t, "lmstudio", "qwen/qwen3-4b")
	n := startNexus(t, discoverConfig([]int{lms.port()}, fleetBE("box-ollama", "ollama", ollama, 50),
		fleetBE("box-vllm", "vllm", vllm, 50)), nil)
	discovered := "lmstudio-" + strconv.Itoa(lms.port())

	resp, err := n.Client().Get(n.URL + "/nexus/status")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Backends []struct {
			Name         string
			Discovered   bool
			LoadedModels []loadedModelJSON `json:"loaded_models"`
			ServerLoad   *serverLoadJSON   `json:"server_load"`
		}
	}
	if err := json.Unmarshal([]byte(readAll(t, resp)), &st); err != nil || len(st.Backends) != 3 {
		t.Fatalf("/nexus/status: %v %+v", err, st)
	}
	if b := st.Backends[0]; len(b.LoadedModels) != 1 || b.LoadedModels[0].Name != "gemma3" || b.LoadedModels[0].SizeVRAM != 5333539264 {
		t.Errorf("ollama in /nexus/status: %+v", b)
	}
	if b := st.Backends[1]; b.ServerLoad == nil || b.ServerLoad.Running != 2 || *b.ServerLoad.Waiting != 7 {
		t.Errorf("vllm in /nexus/status: %+v", b)
	}
	if b := st.Backends[2]; b.Name != discovered || !b.Discovered {
		t.Errorf("discovered in /nexus/status: %+v", b)
	}

	br := newBrowser(t, 1280, 900)
	br.log.reset(nil)
	br.open(t, n.URL+"/")
	card := func(name string) string {
		return `(document.querySelector('#be-list [data-backend="` + name + `"]') || {}).innerText`
	}
	var text string
	br.waitFor(t, "the Ollama card with its loaded model", card("box-ollama")+` && `+card("box-ollama")+`.includes('In memory:') && `+card("box-ollama"), &text)
	if !strings.Contains(text, "In memory: gemma3 (5.0 GiB VRAM, until ") || strings.Contains(text, "qwen3 (") {
		t.Errorf("ollama card:\n%s", text)
	}
	br.waitFor(t, "the vLLM card with its queue", card("box-vllm"), &text)
	if !strings.Contains(text, "Server says") || !strings.Contains(text, "2 running, 7 waiting") {
		t.Errorf("vllm card:\n%s", text)
	}
	br.waitFor(t, "the discovered card", card(discovered), &text)
	if !strings.Contains(text, "local · lmstudio · zone restricted · tier 3 · discovered") || strings.Contains(text, "In memory") {
		t.Errorf("discovered card:\n%s", text)
	}
	br.log.check(t)
}
