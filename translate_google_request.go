// translate_google_request.go: hub request -> Gemini GenerateContentRequest.
//
// A google backend speaks Gemini's generateContent, not OpenAI's chat
// format. The model goes into the URL (provider_google.go builds it); this
// file writes the body. What Gemini cannot express is refused with a 400
// naming the field rather than silently dropped. Content parts are in
// translate_google_parts.go, answers in translate_google_response.go,
// streams in translate_google_stream.go, embeddings in
// translate_google_embed.go.
//
// Choices made where the contract is silent:
//   - tool parameters go to functionDeclarations[].parametersJsonSchema and
//     json_schema response formats to generationConfig.responseJsonSchema:
//     both take full JSON Schema as OpenAI clients write it
//     (additionalProperties, $defs, anyOf), which the OpenAPI-subset
//     "parameters"/"responseSchema" fields reject.
//   - tool results become functionResponse.response = {"content": X}, X the
//     tool message parsed as JSON when it is an object, else the string.
//   - assistant tool calls replay Gemini's thought signature from the
//     call's extra_content (which Nexus's answers carry); a model turn
//     without one gets Gemini's documented placeholder on its first call, so
//     Gemini 3 accepts histories from any source.
//   - reasoning_effort maps to thinkingConfig as Gemini's own OpenAI endpoint
//     does (none 0, minimal/low 1024, medium 8192, high 24576 tokens;
//     xhigh, which Codex sends, 32768, Gemini's largest budget) and asks for
//     thought summaries, which come back as reasoning.
//   - parallel_tool_calls, user, metadata, store, service_tier, prediction
//     and stream_options are accepted and ignored, as are unknown fields.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// gemThoughtSignaturePlaceholder is the value Gemini documents for function
// calls whose real thought signature is unknown (histories from other models).
const gemThoughtSignaturePlaceholder = "skip_thought_signature_validator"

// googleCodec is the Gemini generateContent format.
type googleCodec struct{}

func (googleCodec) request(in *chatRequest, model string) ([]byte, error) {
	if err := gemRefuse(in); err != nil {
		return nil, err
	}
	var req gemRequestOut
	var err error
	if req.Contents, req.SystemInstruction, err = gemContents(in.Messages); err != nil {
		return nil, err
	}
	if req.Tools, req.ToolConfig, err = gemTools(in); err != nil {
		return nil, err
	}
	if req.GenerationConfig, err = gemGeneration(in); err != nil {
		return nil, err
	}
	return marshalJSON(&req)
}

// gemRefuse rejects fields whose meaning Gemini cannot honour.
func gemRefuse(in *chatRequest) error {
	switch {
	case in.Logprobs != nil && *in.Logprobs:
		return errInvalid("logprobs", "logprobs is not supported by Gemini backends")
	case in.TopLogprobs != nil && *in.TopLogprobs > 0:
		return errInvalid("top_logprobs", "top_logprobs is not supported by Gemini backends")
	case len(in.LogitBias) > 0:
		return errInvalid("logit_bias", "logit_bias is not supported by Gemini backends")
	case !in.Audio.absent():
		return errInvalid("audio", "audio output is not supported by Gemini backends")
	case !in.Functions.absent():
		return errInvalid("functions", "legacy functions are not supported by Gemini backends; use tools")
	case !in.FunctionCall.absent():
		return errInvalid("function_call", "legacy function_call is not supported by Gemini backends; use tool_choice")
	case !in.WebSearchOptions.absent():
		return errInvalid("web_search_options", "web_search_options is not supported by Gemini backends")
	}
	for _, m := range in.Modalities {
		if m != "text" {
			return errInvalid("modalities", "output modality %s is not supported by Gemini backends", quote(m))
		}
	}
	return nil
}

// gemContents converts the messages into Gemini contents and the system
// instruction; consecutive turns of one role are merged.
func gemContents(msgs []chatMessage) ([]gemContent, *gemContent, error) {
	if len(msgs) == 0 {
		return nil, nil, errInvalid("messages", "messages is required")
	}
	var system *gemContent
	var contents []gemContent
	callNames := map[string]string{} // tool_call id -> function name, latest wins
	for i := range msgs {
		field := fmt.Sprintf("messages[%d]", i)
		role, parts, err := gemMessageParts(field, &msgs[i], callNames)
		if err != nil {
			return nil, nil, err
		}
		if role == "system" {
			if system == nil {
				system = &gemContent{}
			}
			system.Parts = append(system.Parts, parts...)
			continue
		}
		if len(parts) == 0 {
			continue // Gemini rejects empty turns; they carry nothing
		}
		if n := len(contents); n > 0 && contents[n-1].Role == role {
			contents[n-1].Parts = append(contents[n-1].Parts, parts...)
			continue
		}
		contents = append(contents, gemContent{Role: role, Parts: parts})
	}
	if len(contents) == 0 {
		return nil, nil, errInvalid("messages", "messages must contain at least one non-empty user or assistant message")
	}
	return contents, system, nil
}

// gemMessageParts converts one message into a Gemini role and its parts.
func gemMessageParts(field string, m *chatMessage, callNames map[string]string) (string, []gemPart, error) {
	switch m.Role {
	case "system", "developer":
		parts, err := gemContentParts(field+".content", &m.Content, false)
		return "system", parts, err
	case "user":
		parts, err := gemContentParts(field+".content", &m.Content, true)
		return "user", parts, err
	case "assistant":
		parts, err := gemContentParts(field+".content", &m.Content, false)
		if err != nil {
			return "", nil, err
		}
		calls, err := gemAssistantCalls(field, m.ToolCalls, callNames)
		return "model", append(parts, calls...), err
	case "tool":
		part, err := gemToolResult(field, m, callNames)
		return "user", []gemPart{part}, err
	case "":
		return "", nil, errInvalid(field+".role", "%s.role is required", field)
	}
	return "", nil, errInvalid(field+".role", "%s.role %s is not supported by Gemini backends", field, quote(m.Role))
}

// gemAssistantCalls converts assistant tool calls into functionCall parts
// and records id -> name for the tool results that follow.
func gemAssistantCalls(field string, calls []toolCall, callNames map[string]string) ([]gemPart, error) {
	parts := make([]gemPart, 0, len(calls))
	for j := range calls {
		c := &calls[j]
		cf := fmt.Sprintf("%s.tool_calls[%d]", field, j)
		if c.Type != "" && c.Type != "function" {
			return nil, errInvalid(cf+".type", "%s.type %s is not supported by Gemini backends", cf, quote(c.Type))
		}
		if c.Function.Name == "" {
			return nil, errInvalid(cf+".function.name", "%s.function.name is required", cf)
		}
		args, ok := c.Function.Arguments.object()
		if !ok {
			return nil, errInvalid(cf+".function.arguments", "%s.function.arguments must be a JSON object", cf)
		}
		p := gemPart{FunctionCall: &gemFunctionCall{Name: c.Function.Name, Args: rawJSON(args)},
			ThoughtSignature: gemSignature(c.ExtraContent)}
		if j == 0 && p.ThoughtSignature == "" {
			p.ThoughtSignature = gemThoughtSignaturePlaceholder
		}
		if c.ID != "" {
			callNames[c.ID] = c.Function.Name
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// gemSignature reads the thought signature from a call's extra_content
// ({"google":{"thought_signature":...}}, as Gemini's OpenAI endpoint writes it).
func gemSignature(extra rawJSON) string {
	if extra.kind() != '{' {
		return ""
	}
	var v struct {
		Google struct {
			ThoughtSignature string `json:"thought_signature"`
		} `json:"google"`
	}
	json.Unmarshal(extra, &v)
	return v.Google.ThoughtSignature
}

// appendSignatureExtra appends the extra_content object that carries a
// thought signature (body: the signature as an escaped string body).
func appendSignatureExtra(dst, body []byte) []byte {
	dst = append(dst, `{"google":{"thought_signature":"`...)
	dst = append(dst, body...)
	return append(dst, `"}}`...)
}

// gemToolResult converts a tool message into a functionResponse part.
func gemToolResult(field string, m *chatMessage, callNames map[string]string) (gemPart, error) {
	if m.ToolCallID == "" {
		return gemPart{}, errInvalid(field+".tool_call_id", "%s.tool_call_id is required", field)
	}
	name, ok := callNames[m.ToolCallID]
	if !ok {
		return gemPart{}, errInvalid(field+".tool_call_id", "%s.tool_call_id does not match a tool call of an earlier assistant message", field)
	}
	for j, p := range m.Content.Parts {
		if p.Type != "text" {
			return gemPart{}, errInvalid(fmt.Sprintf("%s.content[%d].type", field, j), "%s.content[%d]: only text parts are supported here", field, j)
		}
	}
	text := m.Content.Text
	if m.Content.Parts != nil {
		text = m.Content.joined("")
	}
	value := rawJSON(appendJSONString(nil, text))
	if obj, ok := toolArguments(text).object(); ok && strings.TrimSpace(text) != "" {
		value = rawJSON(obj)
	}
	resp := append(append([]byte(`{"content":`), value...), '}')
	return gemPart{FunctionResponse: &gemFunctionResp{Name: name, Response: rawJSON(resp)}}, nil
}

// gemTools converts tools and tool_choice.
func gemTools(in *chatRequest) ([]gemToolOut, *gemToolConfig, error) {
	var decls []gemFunctionDecl
	for i, t := range in.Tools {
		f := fmt.Sprintf("tools[%d]", i)
		if t.Type != "function" {
			return nil, nil, errInvalid(f+".type", "%s.type %s is not supported by Gemini backends (only function tools)", f, quote(t.Type))
		}
		if t.Function == nil || t.Function.Name == "" {
			return nil, nil, errInvalid(f+".function.name", "%s.function.name is required", f)
		}
		d := gemFunctionDecl{Name: t.Function.Name, Description: t.Function.Description}
		if !t.Function.Parameters.absent() {
			d.ParametersJSONSchema = t.Function.Parameters
		}
		decls = append(decls, d)
	}
	cfg, err := gemToolChoice(in.ToolChoice, len(decls) > 0)
	if err != nil || len(decls) == 0 {
		return nil, nil, err
	}
	return []gemToolOut{{FunctionDeclarations: decls}}, cfg, nil
}

// gemToolChoice converts tool_choice into Gemini's function calling mode.
func gemToolChoice(tc *toolChoice, haveTools bool) (*gemToolConfig, error) {
	if tc == nil {
		return nil, nil
	}
	if !tc.valid() {
		return nil, errToolChoice("")
	}
	mode := map[string]string{"auto": "AUTO", "none": "NONE", "required": "ANY", "function": "ANY"}[tc.Mode]
	if !haveTools {
		if mode == "ANY" {
			return nil, errInvalid("tool_choice", "tool_choice requires tools")
		}
		return nil, nil
	}
	cfg := &gemToolConfig{FunctionCallingConfig: gemFunctionCallingConfig{Mode: mode}}
	if tc.Mode == "function" {
		cfg.FunctionCallingConfig.AllowedFunctionNames = []string{tc.Name}
	}
	return cfg, nil
}

// gemGeneration builds generationConfig; nil when nothing was asked for.
func gemGeneration(in *chatRequest) (*gemGenConfig, error) {
	g := gemGenConfig{Temperature: in.Temperature, TopP: in.TopP, PresencePenalty: in.PresencePenalty,
		FrequencyPenalty: in.FrequencyPenalty, StopSequences: in.Stop.nonEmpty()}
	if _, n, ok := in.limit(); ok {
		g.MaxOutputTokens = &n
	}
	g.CandidateCount = in.N
	if in.Seed != nil {
		if *in.Seed < math.MinInt32 || *in.Seed > math.MaxInt32 {
			return nil, errInvalid("seed", "seed must fit in 32 bits for Gemini backends")
		}
		g.Seed = in.Seed
	}
	if rf := in.ResponseFormat; rf != nil {
		switch rf.Type {
		case "text":
		case "json_object":
			g.ResponseMimeType = "application/json"
		case "json_schema":
			g.ResponseMimeType = "application/json"
			if rf.JSONSchema != nil && !rf.JSONSchema.Schema.absent() {
				g.ResponseJSONSchema = rf.JSONSchema.Schema
			}
		default:
			return nil, errInvalid("response_format.type", "response_format.type %s is not supported by Gemini backends", quote(rf.Type))
		}
	}
	if in.ReasoningEffort != "" {
		budget, ok := map[string]int64{"none": 0, "minimal": 1024, "low": 1024, "medium": 8192, "high": 24576, "xhigh": 32768}[in.ReasoningEffort]
		if !ok {
			return nil, errInvalid("reasoning_effort", "reasoning_effort %s is not supported by Gemini backends", quote(in.ReasoningEffort))
		}
		g.ThinkingConfig = &gemThinking{ThinkingBudget: &budget, IncludeThoughts: budget > 0}
	}
	if g.StopSequences == nil && g.ResponseMimeType == "" && g.ResponseJSONSchema == nil && g.CandidateCount == nil &&
		g.MaxOutputTokens == nil && g.Temperature == nil && g.TopP == nil && g.Seed == nil &&
		g.PresencePenalty == nil && g.FrequencyPenalty == nil && g.ThinkingConfig == nil {
		return nil, nil
	}
	return &g, nil
}
