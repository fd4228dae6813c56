// translate_anthropic.go: OpenAI chat.completions request -> Anthropic Messages request.
//
// When an OpenAI-format client request is served by an `anthropic` backend,
// the body must be rewritten into Anthropic's Messages shape. This file owns
// the top-level fields (sampling, limits, tools, unsupported options); the
// conversion of the messages themselves is in translate_anthropic_messages.go.
// The functions are pure: HTTP, auth headers and routing belong to the core.
//
// Decisions on fields Anthropic cannot express (all documented here):
//   - Rejected with a 400 naming the field, because silently dropping them
//     would change what the client gets: n>1, logprobs:true, top_logprobs>0,
//     non-zero frequency_penalty/presence_penalty, non-empty logit_bias,
//     audio output (audio, modalities containing "audio"), web_search_options,
//     the legacy functions/function_call, response_format json_object or
//     json_schema (Anthropic has no JSON mode on the Messages API version we
//     target), temperature above 1 (Anthropic's range is 0..1), non-function
//     tools and tool_choice "allowed_tools".
//   - Ignored, because they do not change the answer's meaning: stream_options
//     (the core reads include_usage), seed (best-effort only on OpenAI),
//     store, metadata (OpenAI stored-completion tags), service_tier,
//     prediction, prompt_cache_key, safety_identifier, verbosity, and any
//     field this translator does not know (OpenAI-compatible clients commonly
//     send vendor extensions).
//   - user -> metadata.user_id; top_k (a common vendor extension) -> top_k.
//   - reasoning_effort -> thinking {type: enabled, budget_tokens}: low 1024,
//     medium 4096, high 16384, xhigh 32768; none/minimal -> no thinking. The
//     budget counts against max_tokens on Anthropic (as reasoning tokens do
//     against max_completion_tokens on OpenAI): without an explicit limit,
//     max_tokens becomes budget+4096; with one, the budget is capped at half
//     of it (min 1024) and a limit of 1024 or less is a 400. Thinking is not
//     enabled when the last message is a tool result, because Anthropic then
//     requires the earlier assistant turn to start with a signed thinking
//     block that OpenAI clients do not keep.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// anthropicDefaultMaxTokens is used when the client sets no limit
// (Anthropic requires max_tokens).
const anthropicDefaultMaxTokens = 4096

// anthropicRequest is the Anthropic Messages request body we send.
type anthropicRequest struct {
	Model         string               `json:"model"`
	MaxTokens     int                  `json:"max_tokens"`
	System        json.RawMessage      `json:"system,omitempty"`
	Messages      []anthropicMessage   `json:"messages"`
	Metadata      *anthropicMetadata   `json:"metadata,omitempty"`
	StopSequences []string             `json:"stop_sequences,omitempty"`
	Stream        bool                 `json:"stream"`
	Temperature   *float64             `json:"temperature,omitempty"`
	TopP          *float64             `json:"top_p,omitempty"`
	TopK          *int                 `json:"top_k,omitempty"`
	Thinking      *anthropicThinking   `json:"thinking,omitempty"`
	Tools         []anthropicTool      `json:"tools,omitempty"`
	ToolChoice    *anthropicToolChoice `json:"tool_choice,omitempty"`
}

type anthropicMetadata struct {
	UserID string `json:"user_id"`
}

type anthropicThinking struct {
	Type         string `json:"type"`
	BudgetTokens int    `json:"budget_tokens"`
}

type anthropicTool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
}

type anthropicToolChoice struct {
	Type                   string `json:"type"`
	Name                   string `json:"name,omitempty"`
	DisableParallelToolUse bool   `json:"disable_parallel_tool_use,omitempty"`
}

// anthropicEmptySchema is the input schema of a function without parameters.
var anthropicEmptySchema = json.RawMessage(`{"type":"object","properties":{}}`)

// anthropicThinkingBudgets maps reasoning_effort to a thinking budget
// (0 = no thinking).
var anthropicThinkingBudgets = map[string]int{
	"none": 0, "minimal": 0, "low": 1024, "medium": 4096, "high": 16384, "xhigh": 32768,
}

// anthropicRequestFromOpenAI translates an OpenAI chat.completions request body into an
// Anthropic Messages request body for upstream model `model`. stream reports the client's "stream" flag
// (copied into the Anthropic body). Fields that cannot be expressed -> *apiError 400 naming the field.
func anthropicRequestFromOpenAI(body []byte, model string) (out []byte, stream bool, err error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return nil, false, errInvalid("", "request body must be a JSON object")
	}
	req := anthropicRequest{Model: model}
	if err := anthropicRejectUnsupported(fields); err != nil {
		return nil, false, err
	}
	if err := anthropicDecodeOptional(fields, "stream", &req.Stream); err != nil {
		return nil, false, err
	}
	if err := anthropicConvertMessages(fields["messages"], &req); err != nil {
		return nil, false, err
	}
	if err := anthropicApplySampling(fields, &req); err != nil {
		return nil, false, err
	}
	if err := anthropicApplyTools(fields, &req); err != nil {
		return nil, false, err
	}
	if err := anthropicApplyLimits(fields, &req); err != nil {
		return nil, false, err
	}
	out, err = json.Marshal(&req)
	if err != nil {
		return nil, false, fmt.Errorf("anthropic: encode request: %w", err)
	}
	return out, req.Stream, nil
}

// anthropicIsNull reports whether a field is absent or JSON null.
func anthropicIsNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// anthropicDecodeOptional decodes fields[name] into v unless absent or null.
func anthropicDecodeOptional(fields map[string]json.RawMessage, name string, v any) error {
	raw := fields[name]
	if anthropicIsNull(raw) {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return errInvalid(name, "%s has the wrong type", name)
	}
	return nil
}

// anthropicRejectUnsupported returns a 400 for options that would change the
// answer but that Anthropic cannot honour.
func anthropicRejectUnsupported(f map[string]json.RawMessage) error {
	var n int
	if err := anthropicDecodeOptional(f, "n", &n); err != nil {
		return err
	}
	if n > 1 {
		return errInvalid("n", "n > 1 is not supported by Anthropic backends")
	}
	var logprobs bool
	if err := anthropicDecodeOptional(f, "logprobs", &logprobs); err != nil {
		return err
	}
	if logprobs {
		return errInvalid("logprobs", "logprobs is not supported by Anthropic backends")
	}
	for _, name := range []string{"top_logprobs", "frequency_penalty", "presence_penalty"} {
		var x float64
		if err := anthropicDecodeOptional(f, name, &x); err != nil {
			return err
		}
		if x != 0 {
			return errInvalid(name, "%s is not supported by Anthropic backends", name)
		}
	}
	var bias map[string]json.RawMessage
	if err := anthropicDecodeOptional(f, "logit_bias", &bias); err != nil {
		return err
	}
	if len(bias) > 0 {
		return errInvalid("logit_bias", "logit_bias is not supported by Anthropic backends")
	}
	for _, name := range []string{"audio", "web_search_options", "functions", "function_call"} {
		if !anthropicIsNull(f[name]) {
			return errInvalid(name, "%s is not supported by Anthropic backends", name)
		}
	}
	var modalities []string
	if err := anthropicDecodeOptional(f, "modalities", &modalities); err != nil {
		return err
	}
	for _, m := range modalities {
		if m != "text" {
			return errInvalid("modalities", "only text output is supported by Anthropic backends")
		}
	}
	return anthropicCheckResponseFormat(f)
}

// anthropicCheckResponseFormat accepts only {"type":"text"}.
func anthropicCheckResponseFormat(f map[string]json.RawMessage) error {
	var rf struct {
		Type string `json:"type"`
	}
	if err := anthropicDecodeOptional(f, "response_format", &rf); err != nil {
		return err
	}
	if rf.Type != "" && rf.Type != "text" {
		return errInvalid("response_format", "response_format %q is not supported by Anthropic backends", rf.Type)
	}
	return nil
}

// anthropicApplySampling copies temperature, top_p, top_k, stop and user.
func anthropicApplySampling(f map[string]json.RawMessage, req *anthropicRequest) error {
	if err := anthropicDecodeOptional(f, "temperature", &req.Temperature); err != nil {
		return err
	}
	if t := req.Temperature; t != nil && (*t < 0 || *t > 1) {
		return errInvalid("temperature", "temperature must be between 0 and 1 for Anthropic backends")
	}
	if err := anthropicDecodeOptional(f, "top_p", &req.TopP); err != nil {
		return err
	}
	if err := anthropicDecodeOptional(f, "top_k", &req.TopK); err != nil {
		return err
	}
	stop, err := anthropicStopSequences(f["stop"])
	if err != nil {
		return err
	}
	req.StopSequences = stop
	var user string
	if err := anthropicDecodeOptional(f, "user", &user); err != nil {
		return err
	}
	if user != "" {
		req.Metadata = &anthropicMetadata{UserID: user}
	}
	return nil
}

// anthropicStopSequences accepts a string or an array of strings; empty
// strings are dropped (Anthropic rejects them).
func anthropicStopSequences(raw json.RawMessage) ([]string, error) {
	if anthropicIsNull(raw) {
		return nil, nil
	}
	var list []string
	var one string
	if json.Unmarshal(raw, &one) == nil {
		list = []string{one}
	} else if json.Unmarshal(raw, &list) != nil {
		return nil, errInvalid("stop", "stop must be a string or an array of strings")
	}
	out := list[:0]
	for _, s := range list {
		if s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// anthropicApplyLimits sets max_tokens and, from reasoning_effort, thinking.
func anthropicApplyLimits(f map[string]json.RawMessage, req *anthropicRequest) error {
	limit, set := 0, false
	for _, name := range []string{"max_completion_tokens", "max_tokens"} {
		var v int
		if anthropicIsNull(f[name]) {
			continue
		}
		if json.Unmarshal(f[name], &v) != nil || v <= 0 {
			return errInvalid(name, "%s must be a positive integer", name)
		}
		limit, set = v, true
		break
	}
	var effort string
	if err := anthropicDecodeOptional(f, "reasoning_effort", &effort); err != nil {
		return err
	}
	budget, known := anthropicThinkingBudgets[effort]
	if effort != "" && !known {
		return errInvalid("reasoning_effort", "reasoning_effort must be one of none, minimal, low, medium, high, xhigh")
	}
	if budget > 0 && anthropicLastRole(f["messages"]) == "tool" {
		budget = 0
	}
	switch {
	case budget == 0 && set:
		req.MaxTokens = limit
	case budget == 0:
		req.MaxTokens = anthropicDefaultMaxTokens
	case !set:
		req.MaxTokens = budget + anthropicDefaultMaxTokens
	default:
		budget = max(min(budget, limit/2), 1024)
		if budget >= limit {
			return errInvalid("max_completion_tokens", "reasoning_effort needs a token limit above 1024 on Anthropic backends")
		}
		req.MaxTokens = limit
	}
	if budget > 0 {
		req.Thinking = &anthropicThinking{Type: "enabled", BudgetTokens: budget}
	}
	return nil
}

// anthropicLastRole is the role of the last message ("" when unreadable).
func anthropicLastRole(raw json.RawMessage) string {
	var msgs []struct {
		Role string `json:"role"`
	}
	if json.Unmarshal(raw, &msgs) != nil || len(msgs) == 0 {
		return ""
	}
	return msgs[len(msgs)-1].Role
}

// anthropicApplyTools translates tools, tool_choice and parallel_tool_calls.
func anthropicApplyTools(f map[string]json.RawMessage, req *anthropicRequest) error {
	var tools []openAITool
	if err := anthropicDecodeOptional(f, "tools", &tools); err != nil {
		return err
	}
	for i, t := range tools {
		if t.Type != "function" {
			return errInvalid(fmt.Sprintf("tools[%d].type", i), "only function tools are supported by Anthropic backends")
		}
		if t.Function == nil || t.Function.Name == "" {
			return errInvalid(fmt.Sprintf("tools[%d].function.name", i), "tools[%d].function.name is required", i)
		}
		schema := t.Function.Parameters
		if anthropicIsNull(schema) {
			schema = anthropicEmptySchema
		}
		req.Tools = append(req.Tools, anthropicTool{Name: t.Function.Name,
			Description: t.Function.Description, InputSchema: schema})
	}
	choice, err := anthropicToolChoiceFrom(f["tool_choice"])
	if err != nil {
		return err
	}
	var parallel *bool
	if err := anthropicDecodeOptional(f, "parallel_tool_calls", &parallel); err != nil {
		return err
	}
	if parallel != nil && !*parallel && len(req.Tools) > 0 {
		if choice == nil {
			choice = &anthropicToolChoice{Type: "auto"}
		}
		if choice.Type != "none" {
			choice.DisableParallelToolUse = true
		}
	}
	req.ToolChoice = choice
	return nil
}

// anthropicToolChoiceFrom maps an OpenAI tool_choice (string or object).
func anthropicToolChoiceFrom(raw json.RawMessage) (*anthropicToolChoice, error) {
	if anthropicIsNull(raw) {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "auto":
			return &anthropicToolChoice{Type: "auto"}, nil
		case "none":
			return &anthropicToolChoice{Type: "none"}, nil
		case "required":
			return &anthropicToolChoice{Type: "any"}, nil
		}
		return nil, errInvalid("tool_choice", "tool_choice must be auto, none, required or a function")
	}
	name, err := openAIToolChoiceName(raw, " on Anthropic backends")
	if err != nil {
		return nil, err
	}
	return &anthropicToolChoice{Type: "tool", Name: name}, nil
}
