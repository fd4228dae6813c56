// translate_messages.go: the inbound Anthropic Messages request (POST
// /v1/messages), read as far as routing needs and translated into an OpenAI
// chat.completions request so that any OpenAI-compatible backend can serve an
// Anthropic client (Claude Code, the Anthropic SDKs).
//
// Choices made where the two formats differ (see also
// translate_messages_content.go):
//   - top_k is dropped: OpenAI itself rejects it and most compatible servers
//     that accept it treat it as an extension.
//   - temperature is passed through unchanged (Anthropic's 0..1 is a subset of
//     OpenAI's 0..2).
//   - thinking.budget_tokens becomes reasoning_effort only when the caller
//     asks for it (messagesRequestOptions), since few backends accept it:
//     budget < 4096 -> low, <= 16384 -> medium, larger -> high.
//   - tool_choice and parallel_tool_calls are sent only with a non-empty
//     tools list (OpenAI rejects them otherwise).
//   - Server tools (a tools entry whose type is neither absent nor "custom")
//     cannot run on another backend: 400.
package main

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// messagesRequest is what routing needs from an inbound Anthropic request.
type messagesRequest struct {
	Model     string
	Stream    bool
	MaxTokens int
}

// parseMessagesRequest validates an Anthropic Messages request body:
// malformed JSON, missing/ill-typed model, missing max_tokens, missing/empty
// messages -> *apiError 400 (type invalid_request_error) with Anthropic-style
// messages. It does not copy or inspect the messages themselves.
func parseMessagesRequest(body []byte) (messagesRequest, error) {
	var raw struct {
		Model     rawJSON `json:"model"`
		Stream    rawJSON `json:"stream"`
		MaxTokens rawJSON `json:"max_tokens"`
		Messages  rawJSON `json:"messages"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return messagesRequest{}, decodeError(err)
	}
	var req messagesRequest
	switch {
	case raw.Model.absent():
		return req, fieldError("model", "model: Field required")
	case !raw.Model.isString():
		return req, fieldError("model", "model: Input should be a valid string")
	}
	if req.Model = raw.Model.str(); req.Model == "" {
		return req, fieldError("model", "model: String should have at least 1 character")
	}
	n, err := parseMaxTokens(raw.MaxTokens)
	if err != nil {
		return req, err
	}
	req.MaxTokens = n
	switch raw.Stream.kind() {
	case 0, 'n', 'f':
	case 't':
		req.Stream = true
	default:
		return req, fieldError("stream", "stream: Input should be a valid boolean")
	}
	switch {
	case raw.Messages.absent():
		return req, fieldError("messages", "messages: Field required")
	case raw.Messages.kind() != '[':
		return req, fieldError("messages", "messages: Input should be a valid list")
	case !raw.Messages.nonEmptyArray():
		return req, fieldError("messages", "messages: at least one message is required")
	}
	return req, nil
}

// parseMaxTokens reads max_tokens: a required integer of at least 1.
func parseMaxTokens(raw rawJSON) (int, error) {
	if raw.absent() {
		return 0, fieldError("max_tokens", "max_tokens: Field required")
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		return 0, fieldError("max_tokens", "max_tokens: Input should be a valid integer")
	}
	if n < 1 {
		return 0, fieldError("max_tokens", "max_tokens: Input should be greater than or equal to 1")
	}
	return n, nil
}

// fieldError is a 400 about one top-level parameter.
func fieldError(param, msg string) *apiError {
	return errInvalid(param, "%s", msg)
}

// messagesThinking reports the requested thinking budget (0 when none, when
// thinking is disabled, or when the field is unreadable) so the core can map
// it to reasoning_effort with reasoningEffortForBudget.
func messagesThinking(body []byte) int {
	var v struct {
		Thinking rawJSON `json:"thinking"`
	}
	if json.Unmarshal(body, &v) != nil || v.Thinking.kind() != '{' {
		return 0
	}
	var t struct {
		Type         string `json:"type"`
		BudgetTokens int    `json:"budget_tokens"`
	}
	if json.Unmarshal(v.Thinking, &t) != nil || t.Type != "enabled" || t.BudgetTokens < 0 {
		return 0
	}
	return t.BudgetTokens
}

// reasoningEffortForBudget maps an Anthropic thinking budget to an OpenAI
// reasoning_effort ("" for no thinking). Claude Code's "think" (4000),
// "think hard" (10000) and "ultrathink" (31999) land on low, medium, high.
func reasoningEffortForBudget(budget int) string {
	switch {
	case budget <= 0:
		return ""
	case budget < 4096:
		return "low"
	case budget <= 16384:
		return "medium"
	default:
		return "high"
	}
}

// messagesRequestOptions are backend capabilities the core knows and the
// translation cannot guess.
type messagesRequestOptions struct {
	// ReasoningEffort, when set, is sent as reasoning_effort (see
	// reasoningEffortForBudget); leave empty for backends without it.
	ReasoningEffort string
	// MaxCompletionTokens sends max_completion_tokens instead of max_tokens
	// (OpenAI reasoning models reject max_tokens).
	MaxCompletionTokens bool
}

// openAIRequestFromMessages translates an Anthropic Messages request into an
// OpenAI chat.completions body for upstream model `model`. When the client
// streams, it sets "stream":true and "stream_options":{"include_usage":true}
// so usage is available for message_delta. Inexpressible -> *apiError 400.
func openAIRequestFromMessages(body []byte, model string) ([]byte, error) {
	return openAIRequestFromMessagesOpts(body, model, messagesRequestOptions{})
}

// openAIRequestFromMessagesOpts is openAIRequestFromMessages with backend
// options.
func openAIRequestFromMessagesOpts(body []byte, model string, opt messagesRequestOptions) ([]byte, error) {
	var in msgsRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, decodeError(err)
	}
	if len(in.Messages) == 0 {
		return nil, fieldError("messages", "messages: at least one message is required")
	}
	out := oaiRequest{Model: model, ReasoningEffort: opt.ReasoningEffort, Temperature: in.Temperature,
		TopP: in.TopP, Stop: in.StopSequences}
	if err := translateConversation(&out, &in); err != nil {
		return nil, err
	}
	if in.MaxTokens != nil {
		if opt.MaxCompletionTokens {
			out.MaxCompletionTokens = in.MaxTokens
		} else {
			out.MaxTokens = in.MaxTokens
		}
	}
	if in.Stream {
		out.Stream = true
		out.StreamOptions = &oaiStreamOptions{IncludeUsage: true}
	}
	if in.Metadata != nil {
		out.User = in.Metadata.UserID
	}
	if err := translateTools(&out, in.Tools, in.ToolChoice); err != nil {
		return nil, err
	}
	b, err := marshalJSON(&out)
	if err != nil {
		return nil, errBody("request could not be encoded", err)
	}
	return b, nil
}

// translateConversation fills the system and conversation messages.
func translateConversation(out *oaiRequest, in *msgsRequest) error {
	sys, err := systemText(in.System)
	if err != nil {
		return err
	}
	out.Messages = make([]oaiMessage, 0, len(in.Messages)+1)
	if sys != "" {
		out.Messages = append(out.Messages, oaiMessage{Role: "system", Content: sys})
	}
	for i := range in.Messages {
		if out.Messages, err = appendTurn(out.Messages, i, &in.Messages[i]); err != nil {
			return err
		}
	}
	return nil
}

// msgsRequest is the part of an Anthropic Messages request that is
// translated. Unknown fields (cache_control, service_tier, ...) are ignored.
type msgsRequest struct {
	System        rawJSON         `json:"system"`
	Messages      []msgsMessage   `json:"messages"`
	MaxTokens     *int            `json:"max_tokens"`
	Temperature   *float64        `json:"temperature"`
	TopP          *float64        `json:"top_p"`
	StopSequences []string        `json:"stop_sequences"`
	Stream        bool            `json:"stream"`
	Tools         []msgsTool      `json:"tools"`
	ToolChoice    *msgsToolChoice `json:"tool_choice"`
	Metadata      *struct {
		UserID string `json:"user_id"`
	} `json:"metadata"`
}

type msgsMessage struct {
	Role    string  `json:"role"`
	Content rawJSON `json:"content"`
}

type msgsTool struct {
	Type        string  `json:"type"`
	Name        string  `json:"name"`
	Description string  `json:"description"`
	InputSchema rawJSON `json:"input_schema"`
}

type msgsToolChoice struct {
	Type                   string `json:"type"`
	Name                   string `json:"name"`
	DisableParallelToolUse bool   `json:"disable_parallel_tool_use"`
}

// oaiRequest is the OpenAI chat.completions request we send; field order is
// the wire order.
type oaiRequest struct {
	Model               string            `json:"model"`
	Messages            []oaiMessage      `json:"messages"`
	MaxTokens           *int              `json:"max_tokens,omitempty"`
	MaxCompletionTokens *int              `json:"max_completion_tokens,omitempty"`
	Temperature         *float64          `json:"temperature,omitempty"`
	TopP                *float64          `json:"top_p,omitempty"`
	Stop                []string          `json:"stop,omitempty"`
	Stream              bool              `json:"stream,omitempty"`
	StreamOptions       *oaiStreamOptions `json:"stream_options,omitempty"`
	Tools               []oaiTool         `json:"tools,omitempty"`
	ToolChoice          any               `json:"tool_choice,omitempty"`
	ParallelToolCalls   *bool             `json:"parallel_tool_calls,omitempty"`
	ReasoningEffort     string            `json:"reasoning_effort,omitempty"`
	User                string            `json:"user,omitempty"`
}

type oaiStreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type oaiTool struct {
	Type     string      `json:"type"`
	Function oaiFunction `json:"function"`
}

type oaiFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
}

type oaiNamedToolChoice struct {
	Type     string `json:"type"`
	Function struct {
		Name string `json:"name"`
	} `json:"function"`
}

// emptySchema is the parameters of a tool declared without input_schema.
var emptySchema = json.RawMessage(`{"type":"object","properties":{}}`)

// translateTools maps tools and tool_choice.
func translateTools(out *oaiRequest, tools []msgsTool, choice *msgsToolChoice) error {
	for i, t := range tools {
		if t.Type != "" && t.Type != "custom" {
			return errInvalid("tools", "tools.%d: tool type %q is not supported by this backend", i, clip(t.Type))
		}
		if t.Name == "" {
			return errInvalid("tools", "tools.%d.name: Field required", i)
		}
		params := emptySchema
		if !t.InputSchema.absent() {
			if t.InputSchema.kind() != '{' {
				return errInvalid("tools", "tools.%d.input_schema: Input should be an object", i)
			}
			params = json.RawMessage(t.InputSchema)
		}
		out.Tools = append(out.Tools, oaiTool{Type: "function",
			Function: oaiFunction{Name: t.Name, Description: t.Description, Parameters: params}})
	}
	if choice == nil || len(out.Tools) == 0 {
		return nil
	}
	switch choice.Type {
	case "auto", "":
		out.ToolChoice = "auto"
	case "any":
		out.ToolChoice = "required"
	case "none":
		out.ToolChoice = "none"
	case "tool":
		if choice.Name == "" {
			return errInvalid("tool_choice", "tool_choice.name: Field required")
		}
		named := oaiNamedToolChoice{Type: "function"}
		named.Function.Name = choice.Name
		out.ToolChoice = named
	default:
		return errInvalid("tool_choice", "tool_choice.type: unsupported value %q", clip(choice.Type))
	}
	if choice.DisableParallelToolUse && choice.Type != "none" {
		f := false
		out.ParallelToolCalls = &f
	}
	return nil
}

// systemText joins the system prompt (a string or text blocks) with blank
// lines into the one OpenAI system message.
func systemText(raw rawJSON) (string, error) {
	switch raw.kind() {
	case 0, 'n':
		return "", nil
	case '"':
		return raw.str(), nil
	case '[':
	default:
		return "", errInvalid("system", "system: Input should be a string or a list of text blocks")
	}
	var blocks []msgsBlock
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return "", errBody("system: invalid content blocks", err)
	}
	var buf bytes.Buffer
	for i, b := range blocks {
		if b.Type != "text" {
			return "", errInvalid("system", "system.%d: content block type %q is not supported in system", i, clip(b.Type))
		}
		if b.Text == "" {
			continue
		}
		if buf.Len() > 0 {
			buf.WriteString(blockSeparator)
		}
		buf.WriteString(b.Text)
	}
	return buf.String(), nil
}

// blockSeparator joins text blocks that must become one OpenAI string.
const blockSeparator = "\n\n"
