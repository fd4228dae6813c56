// claude_code_test.go: the shape of request Claude Code sends with
// ANTHROPIC_BASE_URL pointed at Nexus (cache_control everywhere, thinking,
// tool results as blocks, beta fields) is served by an OpenAI-compatible
// backend.
package main

import "testing"

func TestClaudeCodeRequestTranslates(t *testing.T) {
	body := `{"model":"claude-sonnet-4-5-20250929","max_tokens":32000,"stream":true,"temperature":1,
	"system":[{"type":"text","text":"You are Claude Code, Anthropic's official CLI for Claude.","cache_control":{"type":"ephemeral"}},{"type":"text","text":"More system","cache_control":{"type":"ephemeral"}}],
	"messages":[{"role":"user","content":[{"type":"text","text":"<system-reminder>x</system-reminder>"},{"type":"text","text":"list files","cache_control":{"type":"ephemeral"}}]},
	 {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"abc"},{"type":"text","text":"ok"},{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls"}}]},
	 {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"a.go"}],"is_error":false}]}],
	"tools":[{"name":"Bash","description":"run","input_schema":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"],"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"},"cache_control":{"type":"ephemeral"}}],
	"metadata":{"user_id":"user_abc"},"thinking":{"type":"enabled","budget_tokens":31999},"context_management":{"edits":[]}}`
	if _, err := parseMessagesRequest([]byte(body)); err != nil {
		t.Fatal(err)
	}
	out, err := openAIRequestFromMessages([]byte(body), "llama3")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"model":"llama3","messages":[{"role":"system","content":"You are Claude Code, Anthropic's official CLI for Claude.\n\nMore system"},{"role":"user","content":"<system-reminder>x</system-reminder>\n\nlist files"},{"role":"assistant","content":"ok","tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"Bash","arguments":"{\"command\":\"ls\"}"}}]},{"role":"tool","content":"a.go","tool_call_id":"toolu_1"}],"max_tokens":32000,"temperature":1,"stream":true,"stream_options":{"include_usage":true},"tools":[{"type":"function","function":{"name":"Bash","description":"run","parameters":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"],"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"}}}],"user":"user_abc"}`
	if string(out) != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}
