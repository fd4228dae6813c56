// tokens_chat.go: how OpenAI turns a chat.completions request into prompt
// tokens, so Nexus can price a streamed request before the answer ends.
//
// Text messages follow OpenAI's published counting recipe (the cookbook's
// num_tokens_from_messages, which matches the API's prompt_tokens exactly for
// gpt-3.5, gpt-4 and gpt-4o): every message costs 3 tokens plus the tokens of
// its role and content; a name costs its tokens plus 1; every reply is primed
// with 3 more. What OpenAI does not publish is estimated, and said so:
//   - multi-part content: each text (or refusal) part is counted on its own;
//   - assistant tool_calls: the function name and arguments text are counted,
//     with no per-call overhead (OpenAI's wire format for them is not public);
//     tool_call_id is not counted;
//   - tools / functions definitions: the cookbook's num_tokens_for_tools
//     estimate (verified there against the API for gpt-4o and gpt-3.5/gpt-4);
//     nested object properties are not counted;
//   - response_format schemas are not counted.
//
// Images, audio and files cannot be counted honestly from the request (image
// billing depends on pixel sizes Nexus does not see and differs per model),
// so a request with any such part is reported as not countable (ok=false),
// and the caller omits the cost header rather than guess.
package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync/atomic"
)

const (
	tokensPerMessage = 3 // <|start|>{role}\n ... <|end|>
	tokensPerName    = 1
	tokensReplyPrime = 3 // <|start|>assistant<|message|>
)

// countChatPromptTokens counts the prompt tokens of a chat request the way
// OpenAI bills text prompts (rules at the top of this file). ok is false when
// the model has no encoding, the request has no messages, or it holds
// content that cannot be counted honestly.
func countChatPromptTokens(model string, req *chatRequest) (n int, ok bool) {
	enc := lookupEncoding(model)
	if enc == nil {
		return 0, false
	}
	return countChatPrompt(enc, req, nil)
}

func countChatPrompt(enc *lazyEncoding, req *chatRequest, stop *atomic.Bool) (int, bool) {
	if req == nil || len(req.Messages) == 0 {
		return 0, false
	}
	c, ok := enc.counter(stop)
	if !ok || (stop != nil && stop.Load()) {
		return 0, false
	}
	t := &tally{c: c, ok: true}
	for i := range req.Messages {
		t.message(&req.Messages[i])
	}
	t.tools(req, enc == encCL100k)
	if !t.ok {
		return 0, false
	}
	return t.n + tokensReplyPrime, true
}

// tally accumulates a count; ok turns false at the first text that could not
// be counted (or when counting was abandoned), after which it does nothing.
type tally struct {
	c  *bpeCounter
	n  int
	ok bool
}

func (t *tally) text(s string) {
	if !t.ok || s == "" {
		return
	}
	n, ok := t.c.count(s)
	t.n += n
	t.ok = ok
}

func (t *tally) message(m *chatMessage) {
	texts, media := m.Content.texts()
	if media || m.Content.Invalid {
		t.ok = false
		return
	}
	t.n += tokensPerMessage
	t.text(m.Role)
	if m.Name != "" {
		t.text(m.Name)
		t.n += tokensPerName
	}
	for _, s := range texts {
		t.text(s)
	}
	for _, tc := range m.ToolCalls {
		t.text(tc.Function.Name)
		t.text(string(tc.Function.Arguments))
	}
	if m.FunctionCall != nil {
		t.text(m.FunctionCall.Name)
		t.text(string(m.FunctionCall.Arguments))
	}
}

// Tool-definition overheads from OpenAI's cookbook (num_tokens_for_tools).
const (
	toolFuncInitO200k  = 7
	toolFuncInitCL100k = 10
	toolPropInit       = 3
	toolPropKey        = 3
	toolEnumInit       = -3
	toolEnumItem       = 3
	toolFuncEnd        = 12
)

// toolProperty is one property of a function's parameters, as counted.
type toolProperty struct {
	Type        rawJSON   `json:"type"`
	Description string    `json:"description"`
	Enum        []rawJSON `json:"enum"`
}

// tools adds the cookbook estimate for function definitions (and the legacy
// functions list).
func (t *tally) tools(req *chatRequest, cl100k bool) {
	var defs []functionDef
	if req.Functions.kind() == '[' {
		json.Unmarshal(req.Functions, &defs)
	}
	for _, tl := range req.Tools {
		if (tl.Type == "function" || tl.Type == "") && tl.Function != nil {
			defs = append(defs, *tl.Function)
		}
	}
	if len(defs) == 0 {
		return
	}
	funcInit := toolFuncInitO200k
	if cl100k {
		funcInit = toolFuncInitCL100k
	}
	for i := range defs {
		f := &defs[i]
		t.n += funcInit
		t.text(f.Name + ":" + strings.TrimSuffix(f.Description, "."))
		var params struct {
			Properties map[string]toolProperty `json:"properties"`
		}
		if f.Parameters.kind() == '{' {
			json.Unmarshal(f.Parameters, &params)
		}
		if len(params.Properties) == 0 {
			continue
		}
		t.n += toolPropInit
		for key, p := range params.Properties {
			t.n += toolPropKey
			if p.Enum != nil {
				t.n += toolEnumInit
				for _, item := range p.Enum {
					t.n += toolEnumItem
					t.text(jsonScalarText(item))
				}
			}
			t.text(key + ":" + jsonScalarText(p.Type) + ":" + strings.TrimSuffix(p.Description, "."))
		}
	}
	t.n += toolFuncEnd
}

// jsonScalarText is a JSON string's value, or any other JSON value's text.
func jsonScalarText(raw rawJSON) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(bytes.TrimSpace(raw))
}
