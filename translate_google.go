// translate_google.go: OpenAI chat.completions request -> Gemini GenerateContentRequest.
//
// A google backend speaks Gemini's generateContent, not OpenAI's chat format.
// This file turns the client's request body into the Gemini body (the model
// goes into the URL, which the core builds). Anything the client asked for that
// Gemini cannot express is refused with a 400 naming the field, rather than
// silently dropped. The response side lives in translate_google_response.go,
// streams in translate_google_stream.go, embeddings and model lists in
// translate_google_embed.go.
//
// Choices made where the contract is silent:
//   - tool parameters go to functionDeclarations[].parametersJsonSchema and
//     json_schema response formats to generationConfig.responseJsonSchema:
//     both take full JSON Schema as OpenAI clients write it (additionalProperties,
//     $defs, anyOf), which the OpenAPI-subset "parameters"/"responseSchema"
//     fields reject.
//   - tool results become functionResponse.response = {"content": X} where X is
//     the tool message parsed as JSON when it is an object, else the string.
//   - assistant tool calls replay Gemini's thought signature from
//     tool_calls[].extra_content.google.thought_signature (which responses
//     carry); a model turn without one gets Gemini's documented placeholder on
//     its first function call, so Gemini 3 accepts histories from any source.
//   - reasoning_effort maps to thinkingConfig as Gemini's own OpenAI endpoint
//     does (none 0, minimal/low 1024, medium 8192, high 24576 tokens) and asks
//     for thought summaries, which come back as reasoning_content.
//   - parallel_tool_calls, user, metadata, store, service_tier, prediction and
//     stream_options are accepted and ignored; unknown fields are ignored.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// gemThoughtSignaturePlaceholder is the value Gemini documents for function
// calls whose real thought signature is unknown (histories from other models).
const gemThoughtSignaturePlaceholder = "skip_thought_signature_validator"

// gemChatIn is the part of an OpenAI chat request the Gemini translator reads.
type gemChatIn struct {
	Messages            json.RawMessage `json:"messages"`
	Stream              *bool           `json:"stream"`
	MaxTokens           *int64          `json:"max_tokens"`
	MaxCompletionTokens *int64          `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	Stop                json.RawMessage `json:"stop"`
	N                   *int64          `json:"n"`
	Seed                *int64          `json:"seed"`
	PresencePenalty     *float64        `json:"presence_penalty"`
	FrequencyPenalty    *float64        `json:"frequency_penalty"`
	ResponseFormat      json.RawMessage `json:"response_format"`
	Tools               json.RawMessage `json:"tools"`
	ToolChoice          json.RawMessage `json:"tool_choice"`
	ReasoningEffort     *string         `json:"reasoning_effort"`
	// Refused when set to a value that asks for something Gemini cannot do.
	Logprobs         *bool           `json:"logprobs"`
	TopLogprobs      *int64          `json:"top_logprobs"`
	LogitBias        json.RawMessage `json:"logit_bias"`
	Modalities       []string        `json:"modalities"`
	Audio            json.RawMessage `json:"audio"`
	Functions        json.RawMessage `json:"functions"`
	FunctionCall     json.RawMessage `json:"function_call"`
	WebSearchOptions json.RawMessage `json:"web_search_options"`
}

// gemMsgIn is one OpenAI chat message; its tool calls may carry extra_content.
type gemMsgIn = openAIChatMessage[gemOAToolCall]

// gemOAToolCall is an OpenAI tool call with Gemini's extra_content, read from
// requests and written into answers.
type gemOAToolCall struct {
	openAIToolCall
	ExtraContent *gemExtraContent `json:"extra_content,omitempty"`
}

// gemExtraContent is where Gemini's OpenAI endpoint puts thought signatures.
type gemExtraContent struct {
	Google *struct {
		ThoughtSignature string `json:"thought_signature,omitempty"`
	} `json:"google,omitempty"`
}

type gemPartIn struct {
	Type       string          `json:"type"`
	Text       *string         `json:"text"`
	Refusal    *string         `json:"refusal"`
	ImageURL   json.RawMessage `json:"image_url"`
	InputAudio *struct {
		Data   string `json:"data"`
		Format string `json:"format"`
	} `json:"input_audio"`
	File *struct {
		FileData string `json:"file_data"`
		FileID   string `json:"file_id"`
		Filename string `json:"filename"`
	} `json:"file"`
}

// geminiRequestFromOpenAI translates an OpenAI chat.completions request body into a Gemini
// GenerateContentRequest body (the model goes in the URL, not the body). stream reports the client's "stream".
// Inexpressible fields -> *apiError 400 naming the field.
func geminiRequestFromOpenAI(body []byte) (out []byte, stream bool, err error) {
	var in gemChatIn
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, false, gemDecodeError(err)
	}
	if err := gemRefuseUnsupported(&in); err != nil {
		return nil, false, err
	}
	var req gemRequestOut
	if req.Contents, req.SystemInstruction, err = gemContents(in.Messages); err != nil {
		return nil, false, err
	}
	if req.Tools, req.ToolConfig, err = gemTools(in.Tools, in.ToolChoice); err != nil {
		return nil, false, err
	}
	if req.GenerationConfig, err = gemGeneration(&in); err != nil {
		return nil, false, err
	}
	out, err = gemMarshal(&req)
	if err != nil {
		return nil, false, errInvalid("", "request cannot be encoded for Gemini: %v", err)
	}
	return out, in.Stream != nil && *in.Stream, nil
}

// gemDecodeError turns a JSON decoding failure into a 400 naming the field.
func gemDecodeError(err error) *apiError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return errInvalid("", "request body must be a JSON object")
		}
		return errInvalid(te.Field, "%s: expected %s, got JSON %s", te.Field, te.Type.String(), te.Value)
	}
	return errInvalid("", "request body is not valid JSON: %v", err)
}

// gemRefuseUnsupported rejects fields whose meaning Gemini cannot honour.
func gemRefuseUnsupported(in *gemChatIn) error {
	switch {
	case in.Logprobs != nil && *in.Logprobs:
		return errInvalid("logprobs", "logprobs is not supported by Gemini backends")
	case in.TopLogprobs != nil && *in.TopLogprobs > 0:
		return errInvalid("top_logprobs", "top_logprobs is not supported by Gemini backends")
	case !gemIsNull(in.LogitBias) && !bytes.Equal(bytes.TrimSpace(in.LogitBias), []byte("{}")):
		return errInvalid("logit_bias", "logit_bias is not supported by Gemini backends")
	case !gemIsNull(in.Audio):
		return errInvalid("audio", "audio output is not supported by Gemini backends")
	case !gemIsNull(in.Functions):
		return errInvalid("functions", "legacy functions are not supported by Gemini backends; use tools")
	case !gemIsNull(in.FunctionCall):
		return errInvalid("function_call", "legacy function_call is not supported by Gemini backends; use tool_choice")
	case !gemIsNull(in.WebSearchOptions):
		return errInvalid("web_search_options", "web_search_options is not supported by Gemini backends")
	}
	for _, m := range in.Modalities {
		if m != "text" {
			return errInvalid("modalities", "output modality %q is not supported by Gemini backends", m)
		}
	}
	return nil
}

// gemContents converts the messages into Gemini contents and the system instruction.
func gemContents(raw json.RawMessage) ([]gemContent, *gemContent, error) {
	if gemIsNull(raw) {
		return nil, nil, errInvalid("messages", "messages is required")
	}
	var msgs []json.RawMessage
	if err := json.Unmarshal(raw, &msgs); err != nil {
		return nil, nil, errInvalid("messages", "messages must be an array")
	}
	var system *gemContent
	var contents []gemContent
	callNames := map[string]string{} // tool_call id -> function name, latest wins
	for i, rawMsg := range msgs {
		field := fmt.Sprintf("messages[%d]", i)
		var m gemMsgIn
		if err := json.Unmarshal(rawMsg, &m); err != nil {
			return nil, nil, errInvalid(field, "%s must be a message object", field)
		}
		role, parts, err := gemMessageParts(field, &m, callNames)
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
			continue // empty turns are rejected by Gemini; they carry nothing
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
func gemMessageParts(field string, m *gemMsgIn, callNames map[string]string) (string, []gemPart, error) {
	switch m.Role {
	case "system", "developer":
		parts, err := gemContentParts(field+".content", m.Content, false)
		return "system", parts, err
	case "user":
		parts, err := gemContentParts(field+".content", m.Content, true)
		return "user", parts, err
	case "assistant":
		parts, err := gemContentParts(field+".content", m.Content, false)
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
	default:
		return "", nil, errInvalid(field+".role", "%s.role %q is not supported by Gemini backends", field, m.Role)
	}
}

// gemAssistantCalls converts assistant tool_calls into functionCall parts and
// records id -> name for the tool results that follow.
func gemAssistantCalls(field string, calls []gemOAToolCall, callNames map[string]string) ([]gemPart, error) {
	parts := make([]gemPart, 0, len(calls))
	for j := range calls {
		c := &calls[j]
		cf := fmt.Sprintf("%s.tool_calls[%d]", field, j)
		if c.Type != "" && c.Type != "function" {
			return nil, errInvalid(cf+".type", "%s.type %q is not supported by Gemini backends", cf, c.Type)
		}
		if c.Function.Name == "" {
			return nil, errInvalid(cf+".function.name", "%s.function.name is required", cf)
		}
		args, err := gemCallArgs(cf+".function.arguments", c.Function.Arguments)
		if err != nil {
			return nil, err
		}
		p := gemPart{FunctionCall: &gemFunctionCall{Name: c.Function.Name, Args: args}}
		if c.ExtraContent != nil && c.ExtraContent.Google != nil {
			p.ThoughtSignature = c.ExtraContent.Google.ThoughtSignature
		}
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

// gemCallArgs parses OpenAI's arguments (a JSON string holding an object, or
// leniently the object itself) into the object Gemini wants.
func gemCallArgs(field string, raw json.RawMessage) (json.RawMessage, error) {
	if gemIsNull(raw) {
		return json.RawMessage("{}"), nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if strings.TrimSpace(s) == "" {
			return json.RawMessage("{}"), nil
		}
		raw = json.RawMessage(s)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, errInvalid(field, "%s must be a JSON object", field)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, errInvalid(field, "%s must be a JSON object", field)
	}
	return json.RawMessage(buf.Bytes()), nil
}

// gemToolResult converts a tool message into a functionResponse part.
func gemToolResult(field string, m *gemMsgIn, callNames map[string]string) (gemPart, error) {
	if m.ToolCallID == "" {
		return gemPart{}, errInvalid(field+".tool_call_id", "%s.tool_call_id is required", field)
	}
	name, ok := callNames[m.ToolCallID]
	if !ok {
		return gemPart{}, errInvalid(field+".tool_call_id", "%s.tool_call_id does not match a tool call of an earlier assistant message", field)
	}
	text, err := gemPlainText(field+".content", m.Content)
	if err != nil {
		return gemPart{}, err
	}
	var value json.RawMessage
	trimmed := strings.TrimSpace(text)
	var obj map[string]json.RawMessage
	if strings.HasPrefix(trimmed, "{") && json.Unmarshal([]byte(trimmed), &obj) == nil && obj != nil {
		var buf bytes.Buffer
		_ = json.Compact(&buf, []byte(trimmed)) // valid: it just unmarshalled
		value = buf.Bytes()
	} else {
		value = gemAppendJSONString(nil, text)
	}
	resp := make([]byte, 0, len(value)+12)
	resp = append(append(append(resp, `{"content":`...), value...), '}')
	return gemPart{FunctionResponse: &gemFunctionResp{Name: name, Response: resp}}, nil
}

// gemTools converts tools and tool_choice.
func gemTools(rawTools, rawChoice json.RawMessage) ([]gemToolOut, *gemToolConfig, error) {
	var tools []openAITool
	if !gemIsNull(rawTools) {
		if err := json.Unmarshal(rawTools, &tools); err != nil {
			return nil, nil, errInvalid("tools", "tools must be an array of tool objects")
		}
	}
	var decls []gemFunctionDecl
	for i, t := range tools {
		f := fmt.Sprintf("tools[%d]", i)
		if t.Type != "function" {
			return nil, nil, errInvalid(f+".type", "%s.type %q is not supported by Gemini backends (only function tools)", f, t.Type)
		}
		if t.Function == nil || t.Function.Name == "" {
			return nil, nil, errInvalid(f+".function.name", "%s.function.name is required", f)
		}
		d := gemFunctionDecl{Name: t.Function.Name, Description: t.Function.Description}
		if !gemIsNull(t.Function.Parameters) {
			d.ParametersJSONSchema = t.Function.Parameters
		}
		decls = append(decls, d)
	}
	cfg, err := gemToolChoice(rawChoice, len(decls) > 0)
	if err != nil || len(decls) == 0 {
		return nil, nil, err
	}
	return []gemToolOut{{FunctionDeclarations: decls}}, cfg, nil
}

// gemToolChoice converts tool_choice into Gemini's function calling mode.
func gemToolChoice(raw json.RawMessage, haveTools bool) (*gemToolConfig, error) {
	if gemIsNull(raw) {
		return nil, nil
	}
	mode, names := "", []string(nil)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "auto":
			mode = "AUTO"
		case "none":
			mode = "NONE"
		case "required":
			mode = "ANY"
		default:
			return nil, errInvalid("tool_choice", "tool_choice %q is not supported", s)
		}
	} else {
		name, err := openAIToolChoiceName(raw, "")
		if err != nil {
			return nil, err
		}
		mode, names = "ANY", []string{name}
	}
	if !haveTools {
		if mode == "ANY" {
			return nil, errInvalid("tool_choice", "tool_choice requires tools")
		}
		return nil, nil
	}
	return &gemToolConfig{FunctionCallingConfig: gemFunctionCallingConfig{Mode: mode, AllowedFunctionNames: names}}, nil
}

// gemGeneration builds generationConfig; nil when nothing was asked for.
func gemGeneration(in *gemChatIn) (*gemGenConfig, error) {
	g := gemGenConfig{
		MaxOutputTokens:  in.MaxTokens,
		Temperature:      in.Temperature,
		TopP:             in.TopP,
		CandidateCount:   in.N,
		PresencePenalty:  in.PresencePenalty,
		FrequencyPenalty: in.FrequencyPenalty,
	}
	if in.MaxCompletionTokens != nil {
		g.MaxOutputTokens = in.MaxCompletionTokens
	}
	if in.Seed != nil {
		if *in.Seed < math.MinInt32 || *in.Seed > math.MaxInt32 {
			return nil, errInvalid("seed", "seed must fit in 32 bits for Gemini backends")
		}
		g.Seed = in.Seed
	}
	var err error
	if g.StopSequences, err = gemStop(in.Stop); err != nil {
		return nil, err
	}
	if err = gemResponseFormat(in.ResponseFormat, &g); err != nil {
		return nil, err
	}
	if g.ThinkingConfig, err = gemReasoning(in.ReasoningEffort); err != nil {
		return nil, err
	}
	if gemGenEmpty(&g) {
		return nil, nil
	}
	return &g, nil
}

// gemGenEmpty reports whether no generation setting was given.
func gemGenEmpty(g *gemGenConfig) bool {
	return g.StopSequences == nil && g.ResponseMimeType == "" && g.ResponseJSONSchema == nil &&
		g.CandidateCount == nil && g.MaxOutputTokens == nil && g.Temperature == nil && g.TopP == nil &&
		g.Seed == nil && g.PresencePenalty == nil && g.FrequencyPenalty == nil && g.ThinkingConfig == nil
}

// gemStop converts stop (a string or an array of strings).
func gemStop(raw json.RawMessage) ([]string, error) {
	if gemIsNull(raw) {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" {
			return nil, nil
		}
		return []string{s}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, errInvalid("stop", "stop must be a string or an array of strings")
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list, nil
}

// gemResponseFormat maps response_format onto responseMimeType / responseJsonSchema.
func gemResponseFormat(raw json.RawMessage, g *gemGenConfig) error {
	if gemIsNull(raw) {
		return nil
	}
	var rf struct {
		Type       string `json:"type"`
		JSONSchema *struct {
			Schema json.RawMessage `json:"schema"`
		} `json:"json_schema"`
	}
	if err := json.Unmarshal(raw, &rf); err != nil {
		return errInvalid("response_format", "response_format must be an object with a type")
	}
	switch rf.Type {
	case "text":
	case "json_object":
		g.ResponseMimeType = "application/json"
	case "json_schema":
		g.ResponseMimeType = "application/json"
		if rf.JSONSchema != nil && !gemIsNull(rf.JSONSchema.Schema) {
			g.ResponseJSONSchema = rf.JSONSchema.Schema
		}
	default:
		return errInvalid("response_format.type", "response_format.type %q is not supported by Gemini backends", rf.Type)
	}
	return nil
}

// gemReasoning maps reasoning_effort to a thinking budget.
func gemReasoning(effort *string) (*gemThinking, error) {
	if effort == nil {
		return nil, nil
	}
	budget := map[string]int64{"none": 0, "minimal": 1024, "low": 1024, "medium": 8192, "high": 24576}
	b, ok := budget[*effort]
	if !ok {
		return nil, errInvalid("reasoning_effort", "reasoning_effort %q is not supported by Gemini backends", *effort)
	}
	return &gemThinking{ThinkingBudget: &b, IncludeThoughts: b > 0}, nil
}
