// e2e_tools_test.go: how the end-to-end mock models (e2e_sdk_test.go) use
// tools, shared by the SDK checks and the Codex CLI run (e2e_codex_test.go).
//
// A mock model behaves as a real one would. Offered tools and asked by the
// user, it calls one: a client-executed tool when one is offered — Codex's
// shell tool (exec_command in Codex 0.171, shell or local_shell in other
// releases) or apply_patch, after a thought and a line of text, with
// arguments as the tool's own parameter schema asks — else the SDK
// scripts' get_weather. Once a tool's result is the last message, it
// answers in text: e2eCodexAnswer when the result shows the shell command
// ran, else "tool <call id> said <result>" (Gemini, which has no call ids:
// the function's name). Each wire format's frames are written here; the
// mocks keep one hook each and their own branches for plain text and the
// documented get_weather streams.
package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

const (
	e2eCodexMarker  = "nexus-codex-ok"
	e2eCodexCommand = "echo " + e2eCodexMarker + " > marker.txt && cat marker.txt"
	e2eCodexAnswer  = "All done: " + e2eCodexMarker
	e2eCodexPreface = "Running the command."
	e2eCodexThought = "The user wants the marker file written."
	e2ePatch        = "*** Begin Patch\n*** Add File: hello.txt\n+hello\n*** End Patch\n"
)

// e2eClientTools are the client-executed tools a mock model prefers, by
// name (as Nexus offers them to a backend).
var e2eClientTools = []string{"exec_command", "shell", "local_shell", "apply_patch"}

// e2eOfferedTool is one tool of a request: its name and parameter schema.
type e2eOfferedTool struct {
	name   string
	params json.RawMessage
}

// e2eToolCall is a call the mock model makes; args is a JSON object.
type e2eToolCall struct{ id, name, args string }

// e2eToolResult is a tool result that is the request's last message.
type e2eToolResult struct{ id, text string }

// e2eClientCall is a call of the first client-executed tool offered, with
// arguments as its schema asks: a shell tool runs e2eCodexCommand, a patch
// tool adds hello.txt. ok is false when none is offered.
func e2eClientCall(tools []e2eOfferedTool, id string) (e2eToolCall, bool) {
	for _, t := range tools {
		if !slices.Contains(e2eClientTools, t.name) {
			continue
		}
		var schema struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		json.Unmarshal(t.params, &schema)
		var args any
		switch p := schema.Properties; {
		case p["cmd"] != nil: // Codex's exec_command
			args = map[string]any{"cmd": e2eCodexCommand}
		case p["commands"] != nil: // the Responses shell tool
			args = map[string]any{"commands": []string{e2eCodexCommand}}
		case p["command"] != nil: // local_shell, and Codex's older shell
			args = map[string]any{"command": []string{"bash", "-lc", e2eCodexCommand}}
		case p["input"] != nil: // a custom (free-form) tool: Codex's apply_patch
			args = map[string]any{"input": e2ePatch}
		case p["path"] != nil: // the Responses apply_patch tool
			args = map[string]any{"type": "create_file", "path": "hello.txt", "diff": "+hello\n"}
		default:
			continue
		}
		// As a model writes them: ">" and "&" unescaped.
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(args)
		return e2eToolCall{id, t.name, strings.TrimSuffix(b.String(), "\n")}, true
	}
	return e2eToolCall{}, false
}

// e2eTurn is the mock model's answer: reasoning (which only the local
// mock sends, as llama.cpp does for reasoning models), text, and a call.
type e2eTurn struct {
	thought, text string
	call          *e2eToolCall
}

// e2eToolTurn is the mock model's move when tools are involved: a call, or
// a text answer; nil for what the mock's own branches answer: requests
// without tools, and get_weather streams.
func e2eToolTurn(tools []e2eOfferedTool, res *e2eToolResult, stream bool, weather e2eToolCall) *e2eTurn {
	client, ok := e2eClientCall(tools, weather.id)
	switch {
	case res != nil && strings.Contains(res.text, e2eCodexMarker):
		return &e2eTurn{text: e2eCodexAnswer}
	case res != nil:
		return &e2eTurn{text: "tool " + res.id + " said " + res.text}
	case ok:
		return &e2eTurn{thought: e2eCodexThought, text: e2eCodexPreface, call: &client}
	case len(tools) > 0 && !stream:
		return &e2eTurn{call: &weather}
	}
	return nil
}

// e2eWords splits text into stream fragments, each word with the space
// before it.
func e2eWords(text string) []string {
	if text == "" {
		return nil
	}
	var out []string
	for i, w := range strings.SplitAfter(text, " ") {
		if i > 0 && w == "" {
			continue
		}
		out = append(out, w)
	}
	return out
}

// e2eHalves splits arguments text in two fragments.
func e2eHalves(s string) []string { return []string{s[:len(s)/2], s[len(s)/2:]} }

// e2eChatRequest is an OpenAI chat request as the local mock reads it.
type e2eChatRequest struct {
	Model         string `json:"model"`
	Stream        bool   `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Messages []e2eChatMessage `json:"messages"`
	Tools    []struct {
		Function struct {
			Name       string          `json:"name"`
			Parameters json.RawMessage `json:"parameters"`
		} `json:"function"`
	} `json:"tools"`
}

// e2eChatTools reads a chat request, its tools and its trailing tool result.
func e2eChatTools(body []byte) (req e2eChatRequest, tools []e2eOfferedTool, res *e2eToolResult) {
	json.Unmarshal(body, &req)
	for _, t := range req.Tools {
		tools = append(tools, e2eOfferedTool{t.Function.Name, t.Function.Parameters})
	}
	if n := len(req.Messages); n > 0 && req.Messages[n-1].Role == "tool" {
		res = &e2eToolResult{req.Messages[n-1].ToolCallID, e2eTextOf(req.Messages[n-1].Content)}
	}
	return req, tools, res
}

// e2eChatTurn answers an OpenAI chat request of the local mock when tools
// are involved, and reports whether it did.
func e2eChatTurn(w http.ResponseWriter, r *http.Request, body []byte, weather e2eToolCall) bool {
	req, tools, res := e2eChatTools(body)
	turn := e2eToolTurn(tools, res, req.Stream, weather)
	if turn == nil {
		return false
	}
	call, text := turn.call, turn.text
	finish, u := "stop", map[string]any{"prompt_tokens": 30, "completion_tokens": 6, "total_tokens": 36}
	var toolCalls []any
	if call != nil {
		finish = "tool_calls"
		toolCalls = []any{map[string]any{"id": call.id, "type": "function",
			"function": map[string]any{"name": call.name, "arguments": call.args}}}
	}
	if !req.Stream {
		msg := map[string]any{"role": "assistant", "content": nil}
		if turn.thought != "" {
			msg["reasoning_content"] = turn.thought
		}
		if call != nil {
			msg["tool_calls"] = toolCalls
		}
		if text != "" {
			msg["content"] = text
		}
		e2eWriteJSON(w, 200, map[string]any{"id": "chatcmpl-e2e-tools", "object": "chat.completion", "created": 1700000000,
			"model": req.Model, "choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}}, "usage": u})
		return true
	}
	chunk := func(delta any, finish any) string {
		return "data: " + e2eJSON(map[string]any{"id": "chatcmpl-e2e-tools", "object": "chat.completion.chunk", "created": 1700000000,
			"model": req.Model, "choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}) + "\n\n"
	}
	frames := []string{chunk(map[string]any{"role": "assistant", "content": ""}, nil)}
	for _, p := range e2eWords(turn.thought) {
		frames = append(frames, chunk(map[string]any{"reasoning_content": p}, nil))
	}
	for _, p := range e2eWords(text) {
		frames = append(frames, chunk(map[string]any{"content": p}, nil))
	}
	if call != nil {
		frames = append(frames, chunk(map[string]any{"tool_calls": []any{map[string]any{
			"index": 0, "id": call.id, "type": "function", "function": map[string]any{"name": call.name, "arguments": ""}}}}, nil))
		for _, a := range e2eHalves(call.args) {
			frames = append(frames, chunk(map[string]any{"tool_calls": []any{map[string]any{"index": 0, "function": map[string]any{"arguments": a}}}}, nil))
		}
	}
	frames = append(frames, chunk(map[string]any{}, finish))
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		frames = append(frames, "data: "+e2eJSON(map[string]any{"id": "chatcmpl-e2e-tools", "object": "chat.completion.chunk",
			"created": 1700000000, "model": req.Model, "choices": []any{}, "usage": u})+"\n\n")
	}
	e2eWriteSSE(w, r, append(frames, "data: [DONE]\n\n"))
	return true
}

// e2eAnthropicRequest is a Messages request as the Anthropic mock reads it.
type e2eAnthropicRequest struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Tools []struct {
		Name        string          `json:"name"`
		InputSchema json.RawMessage `json:"input_schema"`
	} `json:"tools"`
}

// e2eAnthropicTools reads a Messages request, its tools and its trailing
// tool result.
func e2eAnthropicTools(body []byte) (req e2eAnthropicRequest, tools []e2eOfferedTool, res *e2eToolResult) {
	json.Unmarshal(body, &req)
	for _, t := range req.Tools {
		tools = append(tools, e2eOfferedTool{t.Name, t.InputSchema})
	}
	if n := len(req.Messages); n > 0 && req.Messages[n-1].Role == "user" {
		var blocks []struct {
			Type      string          `json:"type"`
			ToolUseID string          `json:"tool_use_id"`
			Content   json.RawMessage `json:"content"`
		}
		json.Unmarshal(req.Messages[n-1].Content, &blocks)
		for _, b := range blocks {
			if b.Type == "tool_result" {
				res = &e2eToolResult{b.ToolUseID, e2eTextOf(b.Content)}
			}
		}
	}
	return req, tools, res
}

// e2eAnthropicTurn answers a Messages request of the Anthropic mock when
// tools are involved, and reports whether it did.
func e2eAnthropicTurn(w http.ResponseWriter, r *http.Request, body []byte, weather e2eToolCall) bool {
	req, tools, res := e2eAnthropicTools(body)
	turn := e2eToolTurn(tools, res, req.Stream, weather)
	if turn == nil {
		return false
	}
	call, text := turn.call, turn.text
	stop, blocks := "end_turn", []any{}
	if text != "" {
		blocks = append(blocks, map[string]any{"type": "text", "text": text})
	}
	if call != nil {
		stop = "tool_use"
		blocks = append(blocks, map[string]any{"type": "tool_use", "id": call.id, "name": call.name, "input": json.RawMessage(call.args)})
	}
	if !req.Stream {
		e2eWriteJSON(w, 200, map[string]any{"id": "msg_e2e_tools", "type": "message", "role": "assistant", "model": req.Model,
			"content": blocks, "stop_reason": stop, "stop_sequence": nil,
			"usage": map[string]any{"input_tokens": 30, "output_tokens": 6}})
		return true
	}
	ev := func(v map[string]any) string {
		return "event: " + v["type"].(string) + "\ndata: " + e2eJSON(v) + "\n\n"
	}
	frames := []string{ev(map[string]any{"type": "message_start", "message": map[string]any{
		"id": "msg_e2e_tools", "type": "message", "role": "assistant", "model": req.Model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil, "usage": map[string]any{"input_tokens": 30, "output_tokens": 1}}})}
	index := 0
	block := func(start map[string]any, deltas []map[string]any) {
		frames = append(frames, ev(map[string]any{"type": "content_block_start", "index": index, "content_block": start}))
		for _, d := range deltas {
			frames = append(frames, ev(map[string]any{"type": "content_block_delta", "index": index, "delta": d}))
		}
		frames = append(frames, ev(map[string]any{"type": "content_block_stop", "index": index}))
		index++
	}
	if text != "" {
		var deltas []map[string]any
		for _, p := range e2eWords(text) {
			deltas = append(deltas, map[string]any{"type": "text_delta", "text": p})
		}
		block(map[string]any{"type": "text", "text": ""}, deltas)
	}
	if call != nil {
		var deltas []map[string]any
		for _, a := range e2eHalves(call.args) {
			deltas = append(deltas, map[string]any{"type": "input_json_delta", "partial_json": a})
		}
		block(map[string]any{"type": "tool_use", "id": call.id, "name": call.name, "input": map[string]any{}}, deltas)
	}
	frames = append(frames, ev(map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": stop, "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": 6}}),
		ev(map[string]any{"type": "message_stop"}))
	e2eWriteSSE(w, r, frames)
	return true
}

// e2eGeminiTools reads the tools and the trailing function response of a
// generateContent request.
func e2eGeminiTools(body []byte) (tools []e2eOfferedTool, res *e2eToolResult) {
	type part struct {
		FunctionResponse *struct {
			Name     string          `json:"name"`
			Response json.RawMessage `json:"response"`
		} `json:"functionResponse"`
	}
	var req struct {
		Contents []struct {
			Parts []part `json:"parts"`
		} `json:"contents"`
		Tools []struct {
			FunctionDeclarations []struct {
				Name       string          `json:"name"`
				Parameters json.RawMessage `json:"parameters"`
				JSONSchema json.RawMessage `json:"parametersJsonSchema"`
			} `json:"functionDeclarations"`
		} `json:"tools"`
	}
	json.Unmarshal(body, &req)
	for _, t := range req.Tools {
		for _, f := range t.FunctionDeclarations {
			params := f.JSONSchema
			if params == nil {
				params = f.Parameters
			}
			tools = append(tools, e2eOfferedTool{f.Name, params})
		}
	}
	if n := len(req.Contents); n > 0 {
		for _, p := range req.Contents[n-1].Parts {
			if fr := p.FunctionResponse; fr != nil {
				var v struct {
					Content json.RawMessage `json:"content"`
				}
				json.Unmarshal(fr.Response, &v)
				res = &e2eToolResult{fr.Name, e2eTextOf(v.Content)}
			}
		}
	}
	return tools, res
}

// e2eGeminiTurn answers a Gemini generateContent (or, stream true,
// streamGenerateContent) request of the Gemini mock when tools are
// involved, and reports whether it did.
func e2eGeminiTurn(w http.ResponseWriter, r *http.Request, body []byte, stream bool, weather e2eToolCall) bool {
	tools, res := e2eGeminiTools(body)
	turn := e2eToolTurn(tools, res, stream, weather)
	if turn == nil {
		return false
	}
	call, text := turn.call, turn.text
	cand := func(parts ...any) map[string]any {
		return map[string]any{"candidates": []any{map[string]any{"content": map[string]any{"role": "model", "parts": parts}, "index": 0}},
			"modelVersion":  "gemini-e2e",
			"usageMetadata": map[string]any{"promptTokenCount": 30, "candidatesTokenCount": 6, "totalTokenCount": 36}}
	}
	var fc any
	if call != nil {
		fc = map[string]any{"functionCall": map[string]any{"name": call.name, "args": json.RawMessage(call.args)}}
	}
	var chunks []map[string]any
	switch {
	case !stream && call != nil && text != "":
		chunks = append(chunks, cand(map[string]any{"text": text}, fc))
	case !stream && call != nil:
		chunks = append(chunks, cand(fc))
	case !stream:
		chunks = append(chunks, cand(map[string]any{"text": text}))
	default:
		for _, p := range e2eWords(text) {
			chunks = append(chunks, cand(map[string]any{"text": p}))
		}
		if call != nil { // Gemini sends a function call whole
			chunks = append(chunks, cand(fc))
		}
	}
	chunks[len(chunks)-1]["candidates"].([]any)[0].(map[string]any)["finishReason"] = "STOP"
	if !stream {
		e2eWriteJSON(w, 200, chunks[0])
		return true
	}
	var frames []string
	for _, c := range chunks {
		frames = append(frames, "data: "+e2eJSON(c)+"\r\n\r\n")
	}
	e2eWriteSSE(w, r, frames)
	return true
}
