// openai_types.go: OpenAI chat wire shapes shared by the translators that
// serve OpenAI clients from other providers.
//
// The Anthropic (translate_anthropic*.go) and Gemini (translate_google*.go)
// request translators read the same things from an OpenAI client — chat
// messages, tool calls, tool definitions, a named tool_choice — and both
// answer with a chat.completion. Each used to declare its own copy of these
// shapes; they live here once so the two cannot drift apart. Only what both
// read or write is here: a provider's extras are added by the translator's
// own types (Gemini embeds openAIToolCall to add extra_content and its
// message to add "refusal"), so neither translator decodes or emits a field
// it did not before. Generic parameters stand for those extended shapes.
package main

import (
	"encoding/json"
	"strconv"
)

// openAIChatMessage is one request message as far as the translators read
// it. C is the tool call shape (openAIToolCall, or a provider's extension).
type openAIChatMessage[C any] struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	ToolCalls  []C             `json:"tool_calls"`
	ToolCallID string          `json:"tool_call_id"`
}

// openAIToolCall is one tool call: read from an assistant message of a
// request, written into a chat.completion. Arguments is the raw JSON value:
// in requests a string holding an object (or, from lenient clients, the
// object itself); in answers the already encoded JSON string.
type openAIToolCall struct {
	ID       string             `json:"id"`
	Type     string             `json:"type"`
	Function openAIFunctionCall `json:"function"`
}

type openAIFunctionCall struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// openAITool is one entry of a request's tools; Function is nil when absent
// or null.
type openAITool struct {
	Type     string `json:"type"`
	Function *struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Parameters  json.RawMessage `json:"parameters"`
	} `json:"function"`
}

// openAIToolChoiceName reads the object form of tool_choice,
// {"type":"function","function":{"name":...}}, and returns the name. Anything
// else is a 400 listing the accepted forms; where ends that message (e.g.
// " on Anthropic backends", or "").
func openAIToolChoiceName(raw json.RawMessage, where string) (string, error) {
	var obj struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if json.Unmarshal(raw, &obj) != nil || obj.Type != "function" || obj.Function.Name == "" {
		return "", errInvalid("tool_choice", "tool_choice must be auto, none, required or a named function%s", where)
	}
	return obj.Function.Name, nil
}

// openAICompletion is a non-streaming chat.completion answer; M is the
// message shape (openAIAnswerMessage, or a provider's extension of it).
type openAICompletion[M any] struct {
	ID      string            `json:"id"`
	Object  string            `json:"object"`
	Created int64             `json:"created"`
	Model   string            `json:"model"`
	Choices []openAIChoice[M] `json:"choices"`
	Usage   json.RawMessage   `json:"usage,omitempty"`
}

// openAIChoice is one choice of a chat.completion; logprobs are always null.
type openAIChoice[M any] struct {
	Index        int       `json:"index"`
	Message      M         `json:"message"`
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason string    `json:"finish_reason"`
}

// openAIAnswerMessage is the assistant message of a choice; C is the tool
// call shape.
type openAIAnswerMessage[C any] struct {
	Role             string  `json:"role"`
	Content          *string `json:"content"`
	ReasoningContent string  `json:"reasoning_content,omitempty"`
	ToolCalls        []C     `json:"tool_calls,omitempty"`
}

// openAIAppendUsage appends the OpenAI usage object for u. reasoning adds
// completion_tokens_details.reasoning_tokens, for backends that count
// reasoning tokens apart (Gemini does; Anthropic does not).
func openAIAppendUsage(dst []byte, u usage, reasoning bool) []byte {
	dst = append(dst, `{"prompt_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.InputTokens), 10)
	dst = append(dst, `,"completion_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.OutputTokens), 10)
	dst = append(dst, `,"total_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.InputTokens+u.OutputTokens), 10)
	dst = append(dst, `,"prompt_tokens_details":{"cached_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.CacheReadTokens), 10)
	if reasoning {
		dst = append(dst, `},"completion_tokens_details":{"reasoning_tokens":`...)
		dst = strconv.AppendInt(dst, int64(u.ReasoningTokens), 10)
	}
	return append(dst, `}}`...)
}
