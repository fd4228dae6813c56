// tokens_test.go: model-to-encoding mapping, OpenAI-reported prompt counts,
// the message overhead rules, the concurrent prompt count, offline loading
// and lazy loading (the last two in a fresh child process).
package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pkoukk/tiktoken-go"
)

func TestEncodingForModel(t *testing.T) {
	tests := []struct {
		model, want string
	}{
		{"gpt-4o", "o200k_base"},
		{"gpt-4o-mini-2024-07-18", "o200k_base"},
		{"chatgpt-4o-latest", "o200k_base"},
		{"gpt-4.1-nano", "o200k_base"},
		{"gpt-4.5-preview", "o200k_base"},
		{"gpt-5", "o200k_base"},
		{"gpt-5.2-chat-latest", "o200k_base"},
		{"o1", "o200k_base"},
		{"o1-mini", "o200k_base"},
		{"o3-pro-2025-06-10", "o200k_base"},
		{"o4-mini", "o200k_base"},
		{"o7", "o200k_base"},
		{"ft:gpt-4o-mini-2024-07-18:acme::abc123", "o200k_base"},
		{"GPT-4O", "o200k_base"},
		{"gpt-4", "cl100k_base"},
		{"gpt-4-0613", "cl100k_base"},
		{"gpt-4-turbo-2024-04-09", "cl100k_base"},
		{"gpt-3.5-turbo", "cl100k_base"},
		{"gpt-3.5-turbo-0125", "cl100k_base"},
		{"text-embedding-3-small", "cl100k_base"},
		{"text-embedding-3-large", "cl100k_base"},
		{"text-embedding-ada-002", "cl100k_base"},
		{"claude-3-5-sonnet-20241022", ""},
		{"gemini-2.5-flash", ""},
		{"llama3.2:3b", ""},
		{"ollama", ""},
		{"o", ""},
		{"oss-120b", ""},
		{"gpt-4oz", ""},
		{"gpt-40", ""},
		{"text-embedding-004", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := encodingForModel(tt.model)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("encodingForModel(%q) = %q, %v; want %q", tt.model, got, ok, tt.want)
		}
	}
}

// cookbookMessages is the example conversation of OpenAI's "How to count
// tokens with tiktoken"; the API reported 124 prompt tokens for gpt-4o and
// gpt-4o-mini, 129 for gpt-3.5-turbo, gpt-4 and gpt-4-0613.
const cookbookMessages = `[
 {"role":"system","content":"You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
 {"role":"system","name":"example_user","content":"New synergies will help drive top-line growth."},
 {"role":"system","name":"example_assistant","content":"Things working well together will increase revenue."},
 {"role":"system","name":"example_user","content":"Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
 {"role":"system","name":"example_assistant","content":"Let's talk later when we're less busy about how to do better."},
 {"role":"user","content":"This late pivot means we don't have time to boil the ocean for the client deliverable."}]`

// cookbookTools is the same notebook's tool example: 101 prompt tokens for
// gpt-4o and gpt-4o-mini, 105 for gpt-3.5-turbo and gpt-4.
const cookbookTools = `"messages":[
 {"role":"system","content":"You are a helpful assistant that can answer to questions about the weather."},
 {"role":"user","content":"What's the weather like in San Francisco?"}],
 "tools":[{"type":"function","function":{"name":"get_current_weather",
  "description":"Get the current weather in a given location",
  "parameters":{"type":"object","properties":{
   "location":{"type":"string","description":"The city and state, e.g. San Francisco, CA"},
   "unit":{"type":"string","description":"The unit of temperature to return","enum":["celsius","fahrenheit"]}},
  "required":["location"]}}}]`

func TestCountChatPromptOpenAIReported(t *testing.T) {
	messages := `{"model":"x","messages":` + cookbookMessages + `}`
	tools := `{"model":"x",` + cookbookTools + `}`
	tests := []struct {
		model, body string
		want        int
	}{
		{"gpt-4o", messages, 124},
		{"gpt-4o-mini", messages, 124},
		{"gpt-3.5-turbo", messages, 129},
		{"gpt-4", messages, 129},
		{"gpt-4-0613", messages, 129},
		{"gpt-4o", tools, 101},
		{"gpt-4o-mini", tools, 101},
		{"gpt-3.5-turbo", tools, 105},
		{"gpt-4", tools, 105},
	}
	for _, tt := range tests {
		got, ok := countBody(tt.model, []byte(tt.body))
		if !ok || got != tt.want {
			t.Errorf("%s: got %d, %v; OpenAI reported %d", tt.model, got, ok, tt.want)
		}
	}
}

// ref counts text with tiktoken-go itself, for hand-built expectations.
func ref(t *testing.T, enc, text string) int {
	return len(oracle(t, enc).EncodeOrdinary(text))
}

func TestCountChatPromptRules(t *testing.T) {
	const o = "o200k_base"
	tests := []struct {
		name string
		body string
		want func(t *testing.T) int
	}{
		{"one message", `{"messages":[{"role":"user","content":"Hello there!"}]}`,
			func(t *testing.T) int { return 3 + ref(t, o, "user") + ref(t, o, "Hello there!") + 3 }},
		{"name costs its tokens plus one", `{"messages":[{"role":"user","name":"alice_b","content":"hi"}]}`,
			func(t *testing.T) int { return 3 + ref(t, o, "user") + ref(t, o, "alice_b") + 1 + ref(t, o, "hi") + 3 }},
		{"text parts counted each", `{"messages":[{"role":"user","content":[{"type":"text","text":"first part"},{"type":"text","text":" second"}]}]}`,
			func(t *testing.T) int {
				return 3 + ref(t, o, "user") + ref(t, o, "first part") + ref(t, o, " second") + 3
			}},
		{"null content and tool calls", `{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":"sunny"}]}`,
			func(t *testing.T) int {
				return 3 + ref(t, o, "assistant") + ref(t, o, "get_weather") + ref(t, o, `{"city":"Paris"}`) +
					3 + ref(t, o, "tool") + ref(t, o, "sunny") + 3
			}},
		{"special token text is plain text", `{"messages":[{"role":"user","content":"<|endoftext|>"}]}`,
			func(t *testing.T) int { return 3 + ref(t, o, "user") + ref(t, o, "<|endoftext|>") + 3 }},
		{"absent content", `{"messages":[{"role":"assistant"}]}`,
			func(t *testing.T) int { return 3 + ref(t, o, "assistant") + 3 }},
	}
	for _, tt := range tests {
		got, ok := countBody("gpt-4o", []byte(tt.body))
		if want := tt.want(t); !ok || got != want {
			t.Errorf("%s: got %d, %v; want %d", tt.name, got, ok, want)
		}
	}
}

func TestCountChatPromptNotCountable(t *testing.T) {
	tests := []struct{ name, model, body string }{
		{"image part", "gpt-4o", `{"messages":[{"role":"user","content":[{"type":"text","text":"what is this"},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}`},
		{"audio part", "gpt-4o", `{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}]}`},
		{"not JSON", "gpt-4o", `{"messages":`},
		{"no messages", "gpt-4o", `{"model":"gpt-4o"}`},
		{"messages not an array", "gpt-4o", `{"messages":"hi"}`},
		{"content a number", "gpt-4o", `{"messages":[{"role":"user","content":42}]}`},
		{"non-OpenAI model", "claude-3-5-sonnet-20241022", `{"messages":[{"role":"user","content":"hi"}]}`},
	}
	for _, tt := range tests {
		if n, ok := countBody(tt.model, []byte(tt.body)); ok {
			t.Errorf("%s: counted %d, want not countable", tt.name, n)
		}
	}
}

func TestCountTextTokens(t *testing.T) {
	if n, ok := countTextTokens("gpt-4o-mini", "tiktoken is great!"); !ok || n != 6 {
		t.Errorf("gpt-4o-mini: %d, %v; want 6", n, ok)
	}
	if n, ok := countTextTokens("gpt-3.5-turbo", "お誕生日おめでとう"); !ok || n != 9 {
		t.Errorf("gpt-3.5-turbo: %d, %v; want 9", n, ok)
	}
	if _, ok := countTextTokens("gemini-2.5-pro", "hello"); ok {
		t.Error("gemini counted with an OpenAI encoding")
	}
	if n, ok := countTextTokens("gpt-4o", ""); !ok || n != 0 {
		t.Errorf("empty text: %d, %v", n, ok)
	}
}

func TestPromptCount(t *testing.T) {
	body := []byte(`{"model":"gpt-4o","messages":` + cookbookMessages + `}`)
	p := startPromptCount("gpt-4o", nil, body, nil)
	if p == nil {
		t.Fatal("nil promptCount for gpt-4o")
	}
	if n, ok := p.wait(context.Background()); !ok || n != 124 {
		t.Errorf("wait = %d, %v; want 124", n, ok)
	}
	if n, ok := p.wait(context.Background()); !ok || n != 124 { // done: repeatable
		t.Errorf("second wait = %d, %v; want 124", n, ok)
	}
	if p := startPromptCount("claude-sonnet-4-5", nil, body, nil); p != nil {
		t.Error("promptCount started for a model without an encoding")
	}
	var nilCount *promptCount
	if _, ok := nilCount.wait(context.Background()); ok {
		t.Error("nil promptCount reported a count")
	}
}

func TestPromptCountWaitCanceled(t *testing.T) {
	big := strings.Repeat("word ", 100_000)
	body, _ := json.Marshal(map[string]any{"messages": []map[string]string{{"role": "user", "content": big}}})
	p := startPromptCount("gpt-4o", nil, body, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok := p.wait(ctx); ok {
		t.Error("wait on a canceled context reported a count")
	}
	select { // the abandoned count stops early instead of running to the end
	case <-p.done:
		if p.ok {
			t.Error("abandoned count ran to completion")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("abandoned count did not stop")
	}
}

// Child-process tests: encodings are process-wide and load once, so "nothing
// loaded" and "loads offline" can only be proven in a fresh process.

func runChild(t *testing.T, test string, env ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.v")
	cmd.Env = append(os.Environ(), append(env, "NEXUS_TOKENS_CHILD=1")...)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+test) {
		t.Fatalf("child %s failed: %v\n%s", test, err, out)
	}
}

func isChild(t *testing.T) {
	if os.Getenv("NEXUS_TOKENS_CHILD") != "1" {
		t.Skip("runs only as a child process")
	}
}

func TestEncodingsLoadOffline(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close() // nothing listens there now: any download attempt fails
	cache := t.TempDir()
	runChild(t, "TestChildOffline", "TIKTOKEN_CACHE_DIR="+cache, "DATA_GYM_CACHE_DIR="+cache,
		"HTTP_PROXY="+dead, "HTTPS_PROXY="+dead, "http_proxy="+dead, "https_proxy="+dead, "NO_PROXY=", "no_proxy=")
	if entries, _ := os.ReadDir(cache); len(entries) != 0 {
		t.Errorf("something was cached in TIKTOKEN_CACHE_DIR: %d entries", len(entries))
	}
}

func TestChildOffline(t *testing.T) {
	isChild(t)
	body := []byte(`{"messages":` + cookbookMessages + `}`)
	if n, ok := countBody("gpt-4o", body); !ok || n != 124 {
		t.Fatalf("gpt-4o offline: %d, %v", n, ok)
	}
	if n, ok := countBody("gpt-4", body); !ok || n != 129 {
		t.Fatalf("gpt-4 offline: %d, %v", n, ok)
	}
	// tiktoken-go's own loading path too (one encoding: building its
	// regex-based encoder is slow under -race).
	enc, err := tiktoken.GetEncoding("cl100k_base")
	if err != nil || len(enc.EncodeOrdinary("offline")) == 0 {
		t.Fatalf("tiktoken-go cl100k_base offline: %v", err)
	}
}

func TestEncodingsLoadLazily(t *testing.T) { runChild(t, "TestChildLazy") }

func TestChildLazy(t *testing.T) {
	isChild(t)
	body := []byte(`{"messages":[{"role":"user","content":"hi"}]}`)
	countBody("claude-3-5-sonnet-20241022", body)
	countTextTokens("gemini-2.5-pro", "hi")
	encodingForModel("gpt-4o") // naming an encoding does not load it
	if p := startPromptCount("llama3.2:3b", nil, body, nil); p != nil {
		t.Fatal("promptCount for a local model")
	}
	if n := loadedEncodings.Load(); n != 0 {
		t.Fatalf("%d encodings loaded without an OpenAI model", n)
	}
	countTextTokens("gpt-4o", "hi")
	countTextTokens("o3-mini", "hi")
	if n := loadedEncodings.Load(); n != 1 {
		t.Fatalf("after o200k models: %d encodings loaded, want 1", n)
	}
	countBody("gpt-3.5-turbo", body)
	if n := loadedEncodings.Load(); n != 2 {
		t.Fatalf("after a cl100k model: %d encodings loaded, want 2", n)
	}
}

// TestReportEncodingMemory prints what loading each encoding costs (RSS and
// time). Run: NEXUS_TOKENS_CHILD=1 go test -run TestReportEncodingMemory -v
func TestReportEncodingMemory(t *testing.T) {
	isChild(t)
	for _, e := range []*lazyEncoding{encO200k, encCL100k} {
		runtime.GC()
		before := procKB(t, "VmRSS:")
		start := time.Now()
		if _, err := e.load(); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		t.Logf("%s: first load %v, RSS +%d KB (now %d KB, peak %d KB), live heap %d KB", e.name,
			took.Round(time.Millisecond), procKB(t, "VmRSS:")-before, procKB(t, "VmRSS:"), procKB(t, "VmHWM:"), ms.HeapAlloc>>10)
	}
}

// procKB reads one "<field> <n> kB" line of /proc/self/status.
func procKB(t *testing.T, field string) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			var kb int
			for _, c := range f[1] {
				kb = kb*10 + int(c-'0')
			}
			return kb
		}
	}
	return 0
}

func FuzzCountChatPrompt(f *testing.F) {
	f.Add("gpt-4o", `{"messages":`+cookbookMessages+`}`)
	f.Add("gpt-4", `{"model":"x",`+cookbookTools+`}`)
	f.Add("gpt-4o", `{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url"}]}]}`)
	f.Add("o3", `{"messages":[{"role":"assistant","content":null,"tool_calls":[{"function":{"name":"f","arguments":"{}"}}]}],"functions":[{"name":"g","parameters":{"properties":{"p":{"type":["string","null"],"enum":[1,"x",null]}}}}]}`)
	f.Add("gpt-4o", `{"messages":[{"content":"\ud83d\ude00 \u0000 \\"}]}`)
	f.Fuzz(func(t *testing.T, model, body string) {
		n, ok := countBody(model, []byte(body))
		if ok && n < tokensReplyPrime+tokensPerMessage {
			t.Fatalf("counted %d tokens for a non-empty chat", n)
		}
		if !ok && n != 0 {
			t.Fatalf("not countable but n=%d", n)
		}
	})
}
