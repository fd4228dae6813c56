// fleet_fakes_test.go: fake local inference servers for the fleet tests.
// Each speaks one kind's real wire formats, as the servers' own docs and
// sources show them: how it answers discovery (GET /api/tags, GET
// /v1/models), what it reports about itself (Ollama GET /api/ps, vLLM GET
// /metrics, llama.cpp GET /slots), and a chat completion. Plus a port that is
// reserved but not listening, so a test decides when a server "starts".
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// fakeLocal is one fake local server of a kind: ollama, vllm, llamacpp,
// lmstudio, exo, koboldcpp, jan (an OpenAI list naming no server) or web (a
// web server that is no model server).
type fakeLocal struct {
	*httptest.Server
	kind   string
	models []string
	chats  atomic.Int32

	mu      sync.Mutex
	reports map[string]fakeAnswer // path -> answer for /api/ps, /metrics, /slots
}

type fakeAnswer struct {
	status int
	body   string
}

func newFakeLocal(t testing.TB, kind string, models ...string) *fakeLocal {
	f := newFakeLocalUnstarted(kind, models...)
	f.Start()
	t.Cleanup(f.Close)
	return f
}

// newFakeLocalUnstarted lets a test choose the listener (a reserved port).
func newFakeLocalUnstarted(kind string, models ...string) *fakeLocal {
	f := &fakeLocal{kind: kind, models: models, reports: map[string]fakeAnswer{}}
	switch kind {
	case "ollama":
		f.reports["/api/ps"] = fakeAnswer{200, `{"models":[]}`}
	case "vllm":
		f.reports["/metrics"] = fakeAnswer{200, vllmMetrics(0, 0)}
	case "llamacpp":
		f.reports["/slots"] = fakeAnswer{200, llamaSlots(4, 0)}
	}
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	return f
}

// setReport changes what the server says at path (/api/ps, /metrics, /slots).
func (f *fakeLocal) setReport(path string, status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reports[path] = fakeAnswer{status, body}
}

func (f *fakeLocal) port() int {
	_, p, _ := net.SplitHostPort(f.Listener.Addr().String())
	n, _ := strconv.Atoi(p)
	return n
}

func (f *fakeLocal) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/v1/chat/completions" {
		f.chats.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"chatcmpl-`+f.kind+`","object":"chat.completion","created":1,"model":"x",`+
			`"choices":[{"index":0,"message":{"role":"assistant","content":"from `+f.kind+`"},"finish_reason":"stop"}],`+
			`"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`)
		return
	}
	if r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	rep, isReport := f.reports[r.URL.Path]
	f.mu.Unlock()
	switch {
	case isReport:
		if strings.HasSuffix(r.URL.Path, "/metrics") {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		} else {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(rep.status)
		io.WriteString(w, rep.body)
	case r.URL.Path == "/v1/models" && f.kind != "web":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, f.modelList())
	case r.URL.Path == "/api/tags" && f.kind == "ollama":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, ollamaTags(f.models))
	case r.URL.Path == "/api/tags" && f.kind == "llamacpp":
		w.Header().Set("Content-Type", "application/json") // llama.cpp serves its model list here too
		io.WriteString(w, f.modelList())
	case f.kind == "lmstudio":
		w.Header().Set("Content-Type", "application/json") // LM Studio answers unknown paths with 200 and an error
		io.WriteString(w, `{"error":"Unexpected endpoint or method. (`+r.Method+` `+r.URL.Path+`)"}`)
	case f.kind == "vllm" || f.kind == "exo":
		w.Header().Set("Content-Type", "application/json") // FastAPI
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"detail":"Not Found"}`)
	default:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "<html><body>404 page not found</body></html>")
	}
}

// modelList is the kind's GET /v1/models answer.
func (f *fakeLocal) modelList() string {
	entry := map[string]func(id string) string{
		"ollama": func(id string) string {
			return `{"id":"` + id + `","object":"model","created":1746300000,"owned_by":"library"}`
		},
		"vllm": func(id string) string {
			return `{"id":"` + id + `","object":"model","created":1746300000,"owned_by":"vllm","root":"` + id +
				`","parent":null,"max_model_len":32768,"permission":[{"id":"modelperm-8d1c","object":"model_permission",` +
				`"created":1746300000,"allow_create_engine":false,"allow_sampling":true,"allow_logprobs":true,` +
				`"allow_search_indices":false,"allow_view":true,"allow_fine_tuning":false,"organization":"*",` +
				`"group":null,"is_blocking":false}]}`
		},
		"llamacpp": func(id string) string {
			return `{"id":"` + id + `","object":"model","created":1746300000,"owned_by":"llamacpp",` +
				`"meta":{"vocab_type":2,"n_vocab":128256,"n_ctx_train":131072,"n_embd":4096,"n_params":8030261312,"size":4912898304}}`
		},
		"lmstudio": func(id string) string {
			return `{"id":"` + id + `","object":"model","owned_by":"organization_owner"}`
		},
		"exo": func(id string) string {
			return `{"id":"` + id + `","object":"model","created":1746300000,"owned_by":"exo","hugging_face_id":"mlx-community/` +
				id + `","name":"` + id + `","description":"","context_length":0,"tags":[],"storage_size_megabytes":1800}`
		},
		"koboldcpp": func(id string) string {
			return `{"id":"` + id + `","object":"model","created":1,"owned_by":"koboldcpp","permission":[],"root":"koboldcpp"}`
		},
		"jan": func(id string) string {
			return `{"id":"` + id + `","object":"model","created":1746300000,"owned_by":"user"}`
		},
	}[f.kind]
	var parts []string
	for _, id := range f.models {
		parts = append(parts, entry(id))
	}
	list := `"object":"list","data":[` + strings.Join(parts, ",") + `]`
	if f.kind == "llamacpp" { // recent llama-server adds an Ollama-style "models" list
		var ms []string
		for _, id := range f.models {
			ms = append(ms, `{"name":"`+id+`","model":"`+id+`","modified_at":"","size":"","digest":"","type":"model",`+
				`"description":"","tags":[""],"capabilities":["completion"],"parameters":"",`+
				`"details":{"parent_model":"","format":"gguf","family":"","families":[""],"parameter_size":"","quantization_level":""}}`)
		}
		return `{"models":[` + strings.Join(ms, ",") + `],` + list + `}`
	}
	return `{` + list + `}`
}

// ollamaTags is Ollama's GET /api/tags answer.
func ollamaTags(models []string) string {
	var parts []string
	for _, m := range models {
		parts = append(parts, `{"name":"`+m+`","model":"`+m+`","modified_at":"2025-05-03T13:10:00.123456-07:00",`+
			`"size":2019393189,"digest":"a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",`+
			`"details":{"parent_model":"","format":"gguf","family":"llama","families":["llama"],`+
			`"parameter_size":"3.2B","quantization_level":"Q4_K_M"}}`)
	}
	return `{"models":[` + strings.Join(parts, ",") + `]}`
}

// ollamaPS is Ollama's GET /api/ps answer for models loaded until until.
func ollamaPS(until time.Time, models ...string) string {
	var parts []string
	for _, m := range models {
		parts = append(parts, `{"name":"`+m+`","model":"`+m+`","size":6591830464,`+
			`"digest":"a2af6cc3eb7fa8be8504abaf9b04e88f17a119ec3f04a3addf55f92841195f5a",`+
			`"details":{"parent_model":"","format":"gguf","family":"gemma3","families":["gemma3"],`+
			`"parameter_size":"4.3B","quantization_level":"Q4_K_M"},`+
			`"expires_at":"`+until.In(time.FixedZone("", -7*3600)).Format(time.RFC3339Nano)+`",`+
			`"size_vram":5333539264,"context_length":4096}`)
	}
	return `{"models":[` + strings.Join(parts, ",") + `]}`
}

// vllmMetrics is a vLLM /metrics page with the given scheduler queue, in
// the shape vLLM's Prometheus exporter writes (one label set per engine).
func vllmMetrics(running, waiting int) string {
	const model = `model_name="meta-llama/Llama-3.1-8B-Instruct"`
	return `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",` + model + `} ` + strconv.Itoa(running) + `.0
# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",` + model + `} ` + strconv.Itoa(waiting) + `.0
# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",` + model + `} 0.0
# HELP vllm:iteration_tokens_total Histogram of number of tokens per engine_step.
# TYPE vllm:iteration_tokens_total histogram
vllm:iteration_tokens_total_bucket{engine="0",le="1.0",` + model + `} 3.0
vllm:iteration_tokens_total_sum{engine="0",` + model + `} 0.0
`
}

// llamaSlots is a llama.cpp GET /slots answer: n slots, the first busy
// ones processing.
func llamaSlots(n, busy int) string {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, fmt.Sprintf(`{"id":%d,"id_task":%d,"n_ctx":65536,"speculative":false,"is_processing":%t,`+
			`"params":{"n_predict":-1,"seed":4294967295,"temperature":0.800000011920929,"top_k":40,"top_p":0.949999988079071,`+
			`"samplers":["penalties","dry","top_k","typ_p","top_p","min_p","xtc","temperature"],"lora":[]},`+
			`"next_token":{"has_next_token":true,"has_new_line":false,"n_remain":-1,"n_decoded":0}}`, i, 100+i, i < busy))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// reservedPort is a loopback port bound but not listening: connecting to
// it is refused until listen is called, and nobody else can take it.
type reservedPort struct {
	port int
	fd   int
}

func reservePort(t testing.TB) *reservedPort {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	rp := &reservedPort{port: sa.(*syscall.SockaddrInet4).Port, fd: fd}
	t.Cleanup(func() {
		if rp.fd >= 0 {
			syscall.Close(rp.fd)
		}
	})
	return rp
}

// listen starts accepting on the reserved port.
func (rp *reservedPort) listen(t testing.TB) net.Listener {
	t.Helper()
	if err := syscall.Listen(rp.fd, 128); err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(rp.fd), "reserved-port")
	rp.fd = -1
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// startOn serves f on a reserved port.
func (f *fakeLocal) startOn(t testing.TB, rp *reservedPort) {
	f.Listener.Close()
	f.Listener = rp.listen(t)
	f.Start()
	t.Cleanup(f.Close)
}

// eventually polls cond every 10 ms until it holds or within passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("after %v: %s never happened", within, what)
		case <-tick.C:
		}
	}
}
