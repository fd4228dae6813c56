// hub.go: the typed OpenAI chat model that every translation goes through.
//
// SPEC §8 makes OpenAI chat completions the interchange format. These types
// are that format, once: a request with its messages, content parts, tools
// and tool calls, a completion, and a stream chunk. Each wire format
// translates to and from them (translate.go names the seam), token counting
// reads them, and nothing on the passthrough path touches them.
//
// Decoding is lenient where a field can take several shapes (content as a
// string or parts, tool arguments as a string or an object, image_url as an
// object or a string); what a translator cannot use is refused by that
// translator, naming the field. Fields no other provider can express are
// still read here, so their translators can refuse them by name.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// chatRequest is an OpenAI chat.completions request. Field order is the
// wire order of the requests Nexus writes.
type chatRequest struct {
	Model               string          `json:"model"`
	Messages            []chatMessage   `json:"messages"`
	MaxTokens           *int            `json:"max_tokens,omitempty"`
	MaxCompletionTokens *int            `json:"max_completion_tokens,omitempty"`
	Temperature         *float64        `json:"temperature,omitempty"`
	TopP                *float64        `json:"top_p,omitempty"`
	Stop                stopList        `json:"stop,omitempty"`
	Stream              bool            `json:"stream,omitempty"`
	StreamOptions       *streamOptions  `json:"stream_options,omitempty"`
	Tools               []chatTool      `json:"tools,omitempty"`
	ToolChoice          *toolChoice     `json:"tool_choice,omitempty"`
	ParallelToolCalls   *bool           `json:"parallel_tool_calls,omitempty"`
	ReasoningEffort     string          `json:"reasoning_effort,omitempty"`
	ResponseFormat      *responseFormat `json:"response_format,omitempty"`
	User                string          `json:"user,omitempty"`
	N                   *int            `json:"n,omitempty"`
	Seed                *int64          `json:"seed,omitempty"`
	PresencePenalty     *float64        `json:"presence_penalty,omitempty"`
	FrequencyPenalty    *float64        `json:"frequency_penalty,omitempty"`
	Logprobs            *bool           `json:"logprobs,omitempty"`
	TopLogprobs         *int            `json:"top_logprobs,omitempty"`
	LogitBias           map[string]any  `json:"logit_bias,omitempty"`
	Modalities          []string        `json:"modalities,omitempty"`
	TopK                *int            `json:"top_k,omitempty"` // a common vendor extension
	Audio               rawJSON         `json:"audio,omitempty"`
	WebSearchOptions    rawJSON         `json:"web_search_options,omitempty"`
	Functions           rawJSON         `json:"functions,omitempty"`     // legacy
	FunctionCall        rawJSON         `json:"function_call,omitempty"` // legacy

	// ThinkingBudget is an Anthropic client's thinking budget in tokens.
	// It is not OpenAI wire: a provider with a reasoning control maps it.
	ThinkingBudget int `json:"-"`
	// Dropped names the hosted tools a Responses client offered that a
	// translated backend cannot run (answered in X-Nexus-Tools-Dropped).
	Dropped []string `json:"-"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// chatMessage is one message of a request, or the message of an answer.
type chatMessage struct {
	Role    string      `json:"role"`
	Content chatContent `json:"content"`
	Name    string      `json:"name,omitempty"`
	// ReasoningContent is the model's reasoning text (DeepSeek's name, used
	// by vLLM and most servers); Reasoning is Ollama's and OpenRouter's.
	ReasoningContent string     `json:"reasoning_content,omitempty"`
	Reasoning        string     `json:"reasoning,omitempty"`
	ToolCalls        []toolCall `json:"tool_calls,omitempty"`
	ToolCallID       string     `json:"tool_call_id,omitempty"`
	Refusal          string     `json:"refusal,omitempty"`
	// FunctionCall is the legacy single call some servers still answer with.
	FunctionCall *functionCall `json:"function_call,omitempty"`
}

// reasoning is the message's reasoning text under either name.
func (m *chatMessage) reasoning() string {
	if m.ReasoningContent != "" {
		return m.ReasoningContent
	}
	return m.Reasoning
}

// chatContent is a message's content: a string, an array of parts, or null.
type chatContent struct {
	Text    string
	Parts   []contentPart // non-nil: the array form
	Null    bool          // null (or absent)
	Invalid bool          // neither a string, an array of parts nor null
}

func textContent(s string) chatContent { return chatContent{Text: s} }

func (c *chatContent) UnmarshalJSON(b []byte) error {
	*c = chatContent{}
	switch rawJSON(b).kind() {
	case 'n':
		c.Null = true
	case '"':
		return json.Unmarshal(b, &c.Text)
	case '[':
		if json.Unmarshal(b, &c.Parts) != nil {
			c.Parts, c.Invalid = nil, true
		} else if c.Parts == nil {
			c.Parts = []contentPart{}
		}
	default:
		c.Invalid = true
	}
	return nil
}

func (c chatContent) MarshalJSON() ([]byte, error) {
	switch {
	case c.Parts != nil:
		return marshalJSON(c.Parts)
	case c.Null:
		return []byte("null"), nil
	}
	return appendJSONString(nil, c.Text), nil
}

// absent reports content that is null, missing or an empty string.
func (c *chatContent) absent() bool { return c.Parts == nil && c.Text == "" }

// contentPart is one element of an array content.
type contentPart struct {
	Type       string      `json:"type"`
	Text       string      `json:"text,omitempty"`
	Refusal    string      `json:"refusal,omitempty"`
	ImageURL   *imageURL   `json:"image_url,omitempty"`
	InputAudio *inputAudio `json:"input_audio,omitempty"`
	File       *filePart   `json:"file,omitempty"`
}

// imageURL is {"url","detail"}; lenient clients send the URL as a string.
type imageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

func (u *imageURL) UnmarshalJSON(b []byte) error {
	if rawJSON(b).kind() == '"' {
		*u = imageURL{}
		return json.Unmarshal(b, &u.URL)
	}
	type plain imageURL
	return json.Unmarshal(b, (*plain)(u))
}

type inputAudio struct {
	Data   string `json:"data"`
	Format string `json:"format"`
}

type filePart struct {
	Filename string `json:"filename,omitempty"`
	FileData string `json:"file_data,omitempty"`
	FileID   string `json:"file_id,omitempty"`
}

// texts returns the text of each part that is text (or a refusal), and
// whether any part is something else (an image, audio, a file).
func (c *chatContent) texts() (texts []string, media bool) {
	if c.Parts == nil {
		if c.Text != "" {
			return []string{c.Text}, false
		}
		return nil, false
	}
	for _, p := range c.Parts {
		switch p.Type {
		case "text":
			texts = append(texts, p.Text)
		case "refusal":
			texts = append(texts, p.Refusal)
		default:
			media = true
		}
	}
	return texts, media
}

// joined is the content's text parts joined by sep.
func (c *chatContent) joined(sep string) string {
	texts, _ := c.texts()
	var b bytes.Buffer
	for _, t := range texts {
		if t == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(t)
	}
	return b.String()
}

// toolCall is an assistant's call of a function tool.
type toolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function functionCall `json:"function"`
	// ExtraContent is provider data a call must carry back on the next
	// turn (Gemini's thought signature), kept as raw JSON.
	ExtraContent rawJSON `json:"extra_content,omitempty"`
}

type functionCall struct {
	Name      string        `json:"name"`
	Arguments toolArguments `json:"arguments"`
}

// toolArguments is a call's arguments, the text of a JSON object. Lenient
// clients send the object itself; its JSON text is kept.
type toolArguments string

func (a *toolArguments) UnmarshalJSON(b []byte) error {
	switch rawJSON(b).kind() {
	case 'n':
		*a = ""
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = toolArguments(s)
	default:
		*a = toolArguments(b)
	}
	return nil
}

func (a toolArguments) MarshalJSON() ([]byte, error) {
	return appendJSONString(nil, string(a)), nil
}

// object returns the arguments as a compact JSON object ("{}" when empty);
// ok is false when they are not one.
func (a toolArguments) object() (json.RawMessage, bool) {
	s := bytes.TrimSpace([]byte(a))
	if len(s) == 0 {
		return json.RawMessage(`{}`), true
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(s, &obj) != nil || obj == nil {
		return nil, false
	}
	var buf bytes.Buffer
	if json.Compact(&buf, s) != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

// chatTool is one entry of tools; only function tools translate.
type chatTool struct {
	Type     string       `json:"type"`
	Function *functionDef `json:"function,omitempty"`
}

type functionDef struct {
	Name        string  `json:"name"`
	Description string  `json:"description,omitempty"`
	Parameters  rawJSON `json:"parameters,omitempty"`
	Strict      *bool   `json:"strict,omitempty"`
}

// emptySchema is the parameters of a function declared without any.
var emptySchema = rawJSON(`{"type":"object","properties":{}}`)

// toolChoice is "auto", "none", "required" or a named function. Other
// forms decode with their type as Mode, for translators to refuse.
type toolChoice struct {
	Mode string // auto | none | required | function | anything else
	Name string // the function, when Mode is "function"
}

func (t *toolChoice) UnmarshalJSON(b []byte) error {
	*t = toolChoice{}
	if rawJSON(b).kind() == '"' {
		return json.Unmarshal(b, &t.Mode)
	}
	var obj struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if json.Unmarshal(b, &obj) != nil {
		t.Mode = "?"
		return nil
	}
	t.Mode, t.Name = obj.Type, obj.Function.Name
	return nil
}

func (t toolChoice) MarshalJSON() ([]byte, error) {
	if t.Mode != "function" {
		return appendJSONString(nil, t.Mode), nil
	}
	b := append([]byte(`{"type":"function","function":{"name":`), appendJSONString(nil, t.Name)...)
	return append(b, "}}"...), nil
}

// valid reports one of the four forms every translator understands.
func (t *toolChoice) valid() bool {
	switch t.Mode {
	case "auto", "none", "required":
		return true
	case "function":
		return t.Name != ""
	}
	return false
}

// errToolChoice is the 400 for a tool_choice a translator cannot express.
func errToolChoice(where string) *apiError {
	return errInvalid("tool_choice", "tool_choice must be auto, none, required or a named function%s", where)
}

// responseFormat is {"type":"text"|"json_object"|"json_schema", ...}.
type responseFormat struct {
	Type       string      `json:"type"`
	JSONSchema *jsonSchema `json:"json_schema,omitempty"`
}

type jsonSchema struct {
	Name        string  `json:"name"`
	Description string  `json:"description,omitempty"`
	Schema      rawJSON `json:"schema,omitempty"`
	Strict      *bool   `json:"strict,omitempty"`
}

// stopList is stop: a string or an array of strings.
type stopList []string

func (s *stopList) UnmarshalJSON(b []byte) error {
	switch rawJSON(b).kind() {
	case 'n':
		*s = nil
		return nil
	case '"':
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = stopList{one}
		return nil
	}
	var list []string
	if json.Unmarshal(b, &list) != nil {
		return errInvalid("stop", "stop must be a string or an array of strings")
	}
	*s = list
	return nil
}

// nonEmpty is the list without empty strings (providers reject them).
func (s stopList) nonEmpty() []string {
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// limit is the request's output token limit: max_completion_tokens, else
// max_tokens; ok is false when neither is set.
func (r *chatRequest) limit() (param string, n int, ok bool) {
	if r.MaxCompletionTokens != nil {
		return "max_completion_tokens", *r.MaxCompletionTokens, true
	}
	if r.MaxTokens != nil {
		return "max_tokens", *r.MaxTokens, true
	}
	return "", 0, false
}

// decodeChatRequest reads an OpenAI chat.completions request body. Type
// errors are 400s naming the field; the body is not otherwise validated
// (each translator checks what it needs).
func decodeChatRequest(body []byte) (*chatRequest, error) {
	var req chatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && (te.Field == "messages" || strings.HasPrefix(te.Field, "messages.")) {
			return nil, messageTypeError(body, err)
		}
		return nil, decodeError(err)
	}
	for i := range req.Messages {
		if req.Messages[i].Content.Invalid {
			p := fmt.Sprintf("messages[%d].content", i)
			return nil, errInvalid(p, "%s must be a string or an array of content parts", p)
		}
	}
	return &req, nil
}

// messageTypeError names the message whose field has the wrong type.
func messageTypeError(body []byte, err error) error {
	var v struct {
		Messages []rawJSON `json:"messages"`
	}
	json.Unmarshal(body, &v)
	for i, m := range v.Messages {
		if m.kind() != '{' {
			p := fmt.Sprintf("messages[%d]", i)
			return errInvalid(p, "%s must be a message object", p)
		}
		var one chatMessage
		if json.Unmarshal(m, &one) != nil {
			p := fmt.Sprintf("messages[%d]", i)
			return errBody(p, p+" has a field of the wrong type", err)
		}
	}
	return decodeError(err)
}

// chatCompletion is a non-streaming chat.completion answer.
type chatCompletion struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"`
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []chatChoice `json:"choices"`
	Usage   *openAIUsage `json:"usage,omitempty"`
	// use is the usage as the provider reported it, normalised: OpenAI's
	// object has no place for cache writes, so it is kept beside it.
	use *usage
}

// setUsage records a provider's usage, normalised and on the wire.
func (c *chatCompletion) setUsage(u usage) {
	u.HasInput, u.HasOutput = true, true
	c.use, c.Usage = &u, openAIUsageOf(u)
}

// chatChoice is one choice of a completion; logprobs are always null.
type chatChoice struct {
	Index        int         `json:"index"`
	Message      chatMessage `json:"message"`
	Logprobs     *struct{}   `json:"logprobs"`
	FinishReason string      `json:"finish_reason"`
	// StopReason is vLLM's matched stop string (or token id); only read.
	StopReason rawJSON `json:"stop_reason,omitempty"`
}

// usage is the completion's usage, normalised (zero when absent).
func (c *chatCompletion) usage() (usage, bool) {
	switch {
	case c.use != nil:
		return *c.use, true
	case c.Usage != nil:
		return c.Usage.toUsage(), true
	}
	return usage{}, false
}

// newCompletion starts a completion with Nexus's id rules: the provider's
// id under OpenAI's "chatcmpl-" prefix, or a random one.
func newCompletion(providerID, model string) *chatCompletion {
	if providerID == "" {
		providerID = randomHex(12)
	}
	return &chatCompletion{ID: "chatcmpl-" + providerID, Object: "chat.completion", Created: nowUnix(), Model: model}
}

// Finish reasons, canonical (OpenAI's).
const (
	finishStop          = "stop"
	finishLength        = "length"
	finishToolCalls     = "tool_calls"
	finishContentFilter = "content_filter"
)

// canonicalFinish maps the finish reasons servers send to OpenAI's four
// ("" when none; unknown reasons are a stop).
func canonicalFinish(reason string) string {
	switch reason {
	case "":
		return ""
	case "length", "max_tokens":
		return finishLength
	case "tool_calls", "function_call", "tool_use":
		return finishToolCalls
	case "content_filter":
		return finishContentFilter
	}
	return finishStop
}

// chatChunk is one step of a translated stream: what one choice gained from
// one provider event. Text fields are JSON string bodies, still escaped, as
// every wire format writes them, so a stream is translated without
// unescaping and re-escaping. A chunk aliases its decoder's buffers: it is
// valid until the decoder's next call.
type chatChunk struct {
	Choice    int
	ID, Model []byte // the provider's answer id and model, when known
	Start     bool   // the choice's first chunk
	Content   []byte
	Reasoning []byte
	Refusal   []byte
	Tools     []toolDelta
	// Finish is set only on the closing chunk of a choice, which the
	// decoder emits at the end of a complete stream.
	Finish       string
	StopSequence []byte // the matched stop sequence, when the provider names it
	Usage        *usage // usage known at this point (prompt side early, all at the end)
}

// toolDelta is part of one tool call. ID and Name come with the call's
// first part; Args are fragments of the arguments text; Extra is the call's
// extra_content object (Gemini's thought signature), as raw JSON.
type toolDelta struct {
	Index    int // the call's position among this answer's calls
	ID, Name []byte
	Args     []byte
	Extra    []byte
}

// reset clears c for reuse, keeping its tool slice.
func (c *chatChunk) reset() {
	tools := c.Tools[:0]
	*c = chatChunk{Tools: tools}
}
