// translate_anthropic_request.go: hub request -> Anthropic Messages request,
// for any client served by an `anthropic` backend.
//
// Anthropic keeps the system prompt outside the conversation, requires user
// and assistant turns to alternate and sends tool results as blocks of a
// user turn: every system/developer message is hoisted (in order) into
// `system`, parts, tool calls and tool results become content blocks, and
// consecutive turns of one role are merged. Messages that end up empty are
// dropped (Anthropic rejects empty turns).
//
// Decisions on what Anthropic cannot express:
//   - Refused with a 400 naming the field, because dropping them would change
//     the answer: n>1, logprobs, top_logprobs>0, non-zero frequency/presence
//     penalties, logit_bias, audio output, web_search_options, the legacy
//     functions/function_call, response_format json modes (no JSON mode on
//     the Messages API version Nexus targets), temperature above 1, non-
//     function tools, tool_choice "allowed_tools", audio parts, file ids.
//   - Ignored, because they do not change the answer's meaning: stream_options
//     (the core reads include_usage), seed, store, metadata, service_tier,
//     prediction and unknown fields.
//   - user -> metadata.user_id; top_k (a vendor extension) -> top_k.
//   - reasoning_effort -> thinking {budget_tokens}: low 1024, medium 4096,
//     high 16384, xhigh 32768; none/minimal -> none. The budget counts
//     against max_tokens: without a limit, max_tokens becomes budget+4096;
//     with one, the budget is capped at half of it (min 1024) and a limit of
//     1024 or less is a 400. No thinking when the last message is a tool
//     result: Anthropic would then demand a signed thinking block that
//     OpenAI-format clients do not keep.
package main

import (
	"fmt"
	"strings"
)

// anthropicCodec is the Anthropic Messages format as Anthropic backends
// speak it (the provider side of the hub).
type anthropicCodec struct{}

// anthropicDefaultMaxTokens is used when the client sets no limit
// (Anthropic requires max_tokens).
const anthropicDefaultMaxTokens = 4096

// anthropicThinkingBudgets maps reasoning_effort to a thinking budget.
var anthropicThinkingBudgets = map[string]int{
	"none": 0, "minimal": 0, "low": 1024, "medium": 4096, "high": 16384, "xhigh": 32768,
}

const onAnthropic = " on Anthropic backends"

func (anthropicCodec) request(req *chatRequest, model string) ([]byte, error) {
	out := anthropicRequest{Model: model, Stream: req.Stream, Temperature: req.Temperature, TopP: req.TopP,
		TopK: req.TopK, StopSequences: req.Stop.nonEmpty()}
	if err := anthropicRefuse(req); err != nil {
		return nil, err
	}
	if t := req.Temperature; t != nil && (*t < 0 || *t > 1) {
		return nil, errInvalid("temperature", "temperature must be between 0 and 1 for Anthropic backends")
	}
	if req.User != "" {
		out.Metadata = &anthropicMetadata{UserID: req.User}
	}
	if err := anthropicTurns(req.Messages, &out); err != nil {
		return nil, err
	}
	if err := anthropicTools(req, &out); err != nil {
		return nil, err
	}
	if err := anthropicLimits(req, &out); err != nil {
		return nil, err
	}
	return marshalJSON(&out)
}

// anthropicRefuse is the 400 for options that would change the answer but
// that Anthropic cannot honour.
func anthropicRefuse(r *chatRequest) error {
	unsupported := func(param string) error {
		return errInvalid(param, "%s is not supported by Anthropic backends", param)
	}
	switch {
	case r.N != nil && *r.N > 1:
		return errInvalid("n", "n > 1 is not supported by Anthropic backends")
	case r.Logprobs != nil && *r.Logprobs:
		return unsupported("logprobs")
	case r.TopLogprobs != nil && *r.TopLogprobs != 0:
		return unsupported("top_logprobs")
	case r.FrequencyPenalty != nil && *r.FrequencyPenalty != 0:
		return unsupported("frequency_penalty")
	case r.PresencePenalty != nil && *r.PresencePenalty != 0:
		return unsupported("presence_penalty")
	case len(r.LogitBias) > 0:
		return unsupported("logit_bias")
	case !r.Audio.absent():
		return unsupported("audio")
	case !r.WebSearchOptions.absent():
		return unsupported("web_search_options")
	case !r.Functions.absent():
		return unsupported("functions")
	case !r.FunctionCall.absent():
		return unsupported("function_call")
	}
	for _, m := range r.Modalities {
		if m != "text" {
			return errInvalid("modalities", "only text output is supported by Anthropic backends")
		}
	}
	if f := r.ResponseFormat; f != nil && f.Type != "" && f.Type != "text" {
		return errInvalid("response_format", "response_format %s is not supported by Anthropic backends", quote(f.Type))
	}
	return nil
}

// anthropicTurns fills System and Messages from the hub messages.
func anthropicTurns(msgs []chatMessage, out *anthropicRequest) error {
	if len(msgs) == 0 {
		return errInvalid("messages", "messages is required")
	}
	var system []anthropicBlock
	for i := range msgs {
		m := &msgs[i]
		var blocks []anthropicBlock
		var err error
		role := "user"
		switch m.Role {
		case "system", "developer":
			blocks, err = anthropicTextBlocks(&m.Content, fmt.Sprintf("messages[%d].content", i))
			system = append(system, blocks...)
			blocks = nil
		case "user":
			blocks, err = anthropicUserBlocks(&m.Content, fmt.Sprintf("messages[%d].content", i))
		case "assistant":
			role = "assistant"
			blocks, err = anthropicAssistantBlocks(m, i)
		case "tool":
			blocks, err = anthropicToolResult(m, i)
		default:
			err = errInvalid(fmt.Sprintf("messages[%d].role", i),
				"messages[%d].role must be system, developer, user, assistant or tool", i)
		}
		if err != nil {
			return err
		}
		out.Messages = appendAnthropicTurn(out.Messages, role, blocks)
	}
	if len(out.Messages) == 0 {
		return errInvalid("messages", "messages must contain at least one non-empty user or assistant message")
	}
	switch len(system) {
	case 0:
	case 1:
		out.System = appendJSONString(nil, system[0].Text)
	default:
		out.System, _ = marshalJSON(system) // text blocks cannot fail
	}
	return nil
}

// appendAnthropicTurn appends blocks as a turn, merging with a previous
// turn of the same role; empty block lists add nothing.
func appendAnthropicTurn(turns []anthropicMessage, role string, blocks []anthropicBlock) []anthropicMessage {
	if len(blocks) == 0 {
		return turns
	}
	if n := len(turns); n > 0 && turns[n-1].Role == role {
		turns[n-1].Content = append(turns[n-1].Content, blocks...)
		return turns
	}
	return append(turns, anthropicMessage{Role: role, Content: blocks})
}

// partsOf is a content's parts; a string is one text part.
func partsOf(c *chatContent) []contentPart {
	if c.Parts != nil {
		return c.Parts
	}
	if c.Text == "" {
		return nil
	}
	return []contentPart{{Type: "text", Text: c.Text}}
}

// anthropicTextBlocks converts text-only content (system, developer, tool).
func anthropicTextBlocks(c *chatContent, param string) ([]anthropicBlock, error) {
	var out []anthropicBlock
	for j, p := range partsOf(c) {
		if p.Type != "text" {
			return nil, errInvalid(fmt.Sprintf("%s[%d].type", param, j), "%s may only contain text parts", param)
		}
		if p.Text != "" {
			out = append(out, anthropicBlock{Type: "text", Text: p.Text})
		}
	}
	return out, nil
}

// anthropicUserBlocks converts user content: text, images and PDF files.
func anthropicUserBlocks(c *chatContent, param string) ([]anthropicBlock, error) {
	var out []anthropicBlock
	for j, p := range partsOf(c) {
		pp := fmt.Sprintf("%s[%d]", param, j)
		switch p.Type {
		case "text":
			if p.Text != "" {
				out = append(out, anthropicBlock{Type: "text", Text: p.Text})
			}
		case "image_url":
			src, err := anthropicImageSource(p.ImageURL, pp+".image_url")
			if err != nil {
				return nil, err
			}
			out = append(out, anthropicBlock{Type: "image", Source: src})
		case "file":
			if p.File == nil || p.File.FileData == "" {
				return nil, errInvalid(pp+".file", "%s.file needs file_data; file_id is not supported by Anthropic backends", pp)
			}
			src := &anthropicSource{Type: "base64", MediaType: "application/pdf", Data: p.File.FileData}
			if d := p.File.FileData; len(d) >= 5 && strings.EqualFold(d[:5], "data:") {
				var err error
				if src, err = anthropicDataURL(d, pp+".file"); err != nil {
					return nil, err
				}
			}
			out = append(out, anthropicBlock{Type: "document", Source: src})
		default:
			return nil, errInvalid(pp+".type", "content part type %s is not supported by Anthropic backends", quote(p.Type))
		}
	}
	return out, nil
}

// anthropicImageSource reads an image_url: an http(s) URL or a data URL.
func anthropicImageSource(u *imageURL, param string) (*anthropicSource, error) {
	if u == nil {
		return nil, errInvalid(param, "%s must be an object with a url", param)
	}
	lower := strings.ToLower(u.URL[:min(len(u.URL), 8)])
	switch {
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
		return &anthropicSource{Type: "url", URL: u.URL}, nil
	case strings.HasPrefix(lower, "data:"):
		return anthropicDataURL(u.URL, param)
	}
	return nil, errInvalid(param, "%s.url must be an http(s) URL or a base64 data URL", param)
}

// anthropicDataURL parses "data:<media type>;base64,<data>".
func anthropicDataURL(u, param string) (*anthropicSource, error) {
	mediaType, data, ok := parseDataURL(u)
	if !ok || mediaType == "" {
		return nil, errInvalid(param, "%s must be a base64 data URL with a media type", param)
	}
	return &anthropicSource{Type: "base64", MediaType: mediaType, Data: data}, nil
}

// parseDataURL splits "data:<media type>;base64,<data>"; ok is false for
// anything else (or empty data).
func parseDataURL(u string) (mediaType, data string, ok bool) {
	if len(u) < 5 || !strings.EqualFold(u[:5], "data:") {
		return "", "", false
	}
	header, data, found := strings.Cut(u[5:], ",")
	mediaType, isBase64 := strings.CutSuffix(header, ";base64")
	return mediaType, data, found && isBase64 && data != ""
}

// anthropicAssistantBlocks converts assistant text and tool calls.
func anthropicAssistantBlocks(m *chatMessage, i int) ([]anthropicBlock, error) {
	param := fmt.Sprintf("messages[%d].content", i)
	var out []anthropicBlock
	for j, p := range partsOf(&m.Content) {
		text := p.Text
		switch p.Type {
		case "text":
		case "refusal":
			text = p.Refusal
		default:
			return nil, errInvalid(fmt.Sprintf("%s[%d].type", param, j), "assistant content may only contain text or refusal parts")
		}
		if text != "" {
			out = append(out, anthropicBlock{Type: "text", Text: text})
		}
	}
	for j := range m.ToolCalls {
		tc := &m.ToolCalls[j]
		param := fmt.Sprintf("messages[%d].tool_calls[%d]", i, j)
		if tc.Type != "" && tc.Type != "function" {
			return nil, errInvalid(param+".type", "only function tool calls are supported by Anthropic backends")
		}
		if tc.ID == "" || tc.Function.Name == "" {
			return nil, errInvalid(param, "%s needs an id and a function name", param)
		}
		input, ok := tc.Function.Arguments.object()
		if !ok {
			return nil, errInvalid(param+".function.arguments",
				"%s.function.arguments must be a JSON object encoded as a string", param)
		}
		out = append(out, anthropicBlock{Type: "tool_use", ID: tc.ID, Name: tc.Function.Name, Input: rawJSON(input)})
	}
	return out, nil
}

// anthropicToolResult converts a tool message into a tool_result block.
func anthropicToolResult(m *chatMessage, i int) ([]anthropicBlock, error) {
	if m.ToolCallID == "" {
		return nil, errInvalid(fmt.Sprintf("messages[%d].tool_call_id", i), "messages[%d].tool_call_id is required", i)
	}
	blocks, err := anthropicTextBlocks(&m.Content, fmt.Sprintf("messages[%d].content", i))
	if err != nil {
		return nil, err
	}
	b := anthropicBlock{Type: "tool_result", ToolUseID: m.ToolCallID}
	switch len(blocks) {
	case 0:
	case 1:
		b.Content = appendJSONString(nil, blocks[0].Text)
	default:
		b.Content, _ = marshalJSON(blocks)
	}
	return []anthropicBlock{b}, nil
}

// anthropicTools translates tools, tool_choice and parallel_tool_calls.
func anthropicTools(req *chatRequest, out *anthropicRequest) error {
	for i, t := range req.Tools {
		if t.Type != "function" {
			return errInvalid(fmt.Sprintf("tools[%d].type", i), "only function tools are supported by Anthropic backends")
		}
		if t.Function == nil || t.Function.Name == "" {
			return errInvalid(fmt.Sprintf("tools[%d].function.name", i), "tools[%d].function.name is required", i)
		}
		schema := t.Function.Parameters
		if schema.absent() {
			schema = emptySchema
		}
		out.Tools = append(out.Tools, anthropicTool{Name: t.Function.Name, Description: t.Function.Description,
			InputSchema: schema})
	}
	var choice *anthropicToolChoice
	if tc := req.ToolChoice; tc != nil {
		if !tc.valid() {
			return errToolChoice(onAnthropic)
		}
		choice = &anthropicToolChoice{Type: map[string]string{"auto": "auto", "none": "none", "required": "any",
			"function": "tool"}[tc.Mode], Name: tc.Name}
	}
	if p := req.ParallelToolCalls; p != nil && !*p && len(out.Tools) > 0 {
		if choice == nil {
			choice = &anthropicToolChoice{Type: "auto"}
		}
		choice.DisableParallelToolUse = choice.Type != "none"
	}
	out.ToolChoice = choice
	return nil
}

// anthropicLimits sets max_tokens and, from reasoning_effort, thinking.
func anthropicLimits(req *chatRequest, out *anthropicRequest) error {
	param, limit, set := req.limit()
	if set && limit <= 0 {
		return errInvalid(param, "%s must be a positive integer", param)
	}
	budget, known := anthropicThinkingBudgets[req.ReasoningEffort]
	if req.ReasoningEffort != "" && !known {
		return errInvalid("reasoning_effort", "reasoning_effort must be one of none, minimal, low, medium, high, xhigh")
	}
	if n := len(req.Messages); budget > 0 && n > 0 && req.Messages[n-1].Role == "tool" {
		budget = 0
	}
	switch {
	case budget == 0 && set:
		out.MaxTokens = limit
	case budget == 0:
		out.MaxTokens = anthropicDefaultMaxTokens
	case !set:
		out.MaxTokens = budget + anthropicDefaultMaxTokens
	default:
		budget = max(min(budget, limit/2), 1024)
		if budget >= limit {
			return errInvalid("max_completion_tokens", "reasoning_effort needs a token limit above 1024 on Anthropic backends")
		}
		out.MaxTokens = limit
	}
	if budget > 0 {
		out.Thinking = &anthropicThinking{Type: "enabled", BudgetTokens: budget}
	}
	return nil
}
