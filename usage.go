// usage.go: token usage in one normalised shape, whatever the provider.
//
// Providers count differently (Anthropic leaves cache tokens out of
// input_tokens, Gemini leaves thinking tokens out of candidatesTokenCount).
// Translators convert to this struct, cost is computed from it alone, and
// OpenAI's usage object — the hub's — is read and written here.
package main

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// usage is what one request consumed.
type usage struct {
	// InputTokens is every prompt token, including cache reads and writes
	// (what OpenAI reports as prompt_tokens).
	InputTokens int
	// CacheReadTokens and CacheWriteTokens are the parts of InputTokens read
	// from or written to a prompt cache (billed at their own rates).
	CacheReadTokens  int
	CacheWriteTokens int
	// OutputTokens is every generated token, including reasoning/thinking.
	OutputTokens int
	// ReasoningTokens is the part of OutputTokens spent on reasoning.
	ReasoningTokens int
	// HasInput / HasOutput say which sides are known (a stream knows its
	// prompt side before its completion side).
	HasInput  bool
	HasOutput bool
}

// openAIUsage is the wire shape of an OpenAI "usage" object.
type openAIUsage struct {
	PromptTokens            int                      `json:"prompt_tokens"`
	CompletionTokens        int                      `json:"completion_tokens"`
	TotalTokens             int                      `json:"total_tokens"`
	PromptTokensDetails     *promptTokensDetails     `json:"prompt_tokens_details,omitempty"`
	CompletionTokensDetails *completionTokensDetails `json:"completion_tokens_details,omitempty"`
}

type promptTokensDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

type completionTokensDetails struct {
	ReasoningTokens int `json:"reasoning_tokens"`
}

// toUsage normalises an OpenAI usage object.
func (u *openAIUsage) toUsage() usage {
	out := usage{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens, HasInput: true, HasOutput: true}
	if u.PromptTokensDetails != nil {
		out.CacheReadTokens = u.PromptTokensDetails.CachedTokens
	}
	if u.CompletionTokensDetails != nil {
		out.ReasoningTokens = u.CompletionTokensDetails.ReasoningTokens
	}
	return out
}

// openAIUsageOf renders u as OpenAI does, with both detail objects.
func openAIUsageOf(u usage) *openAIUsage {
	return &openAIUsage{PromptTokens: u.InputTokens, CompletionTokens: u.OutputTokens,
		TotalTokens:             u.InputTokens + u.OutputTokens,
		PromptTokensDetails:     &promptTokensDetails{CachedTokens: u.CacheReadTokens},
		CompletionTokensDetails: &completionTokensDetails{ReasoningTokens: u.ReasoningTokens}}
}

// appendOpenAIUsage appends the usage object of openAIUsageOf(u) without
// allocating (for stream frames).
func appendOpenAIUsage(dst []byte, u usage) []byte {
	dst = append(dst, `{"prompt_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.InputTokens), 10)
	dst = append(dst, `,"completion_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.OutputTokens), 10)
	dst = append(dst, `,"total_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.InputTokens+u.OutputTokens), 10)
	dst = append(dst, `,"prompt_tokens_details":{"cached_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.CacheReadTokens), 10)
	dst = append(dst, `},"completion_tokens_details":{"reasoning_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.ReasoningTokens), 10)
	return append(dst, `}}`...)
}

// openAIUsageFromBody reads the top-level "usage" of an OpenAI answer
// without decoding the rest (usage comes last in OpenAI-format answers, so
// it is searched from the end). ok is false when there is none.
func openAIUsageFromBody(body []byte) (usage, bool) {
	i := bytes.LastIndex(body, []byte(`"usage"`))
	if i < 0 {
		return usage{}, false
	}
	rest := bytes.TrimLeft(body[i+len(`"usage"`):], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return usage{}, false
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	end := objectEnd(rest)
	if end < 0 {
		return usage{}, false
	}
	var ou openAIUsage
	if err := json.Unmarshal(rest[:end], &ou); err != nil {
		return usage{}, false
	}
	return ou.toUsage(), true
}

// objectEnd returns the length of the JSON object at the start of b (which
// holds no strings containing braces, as a usage object does not), or -1.
func objectEnd(b []byte) int {
	if len(b) == 0 || b[0] != '{' {
		return -1
	}
	depth := 0
	for j, c := range b {
		switch c {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return j + 1
			}
		}
	}
	return -1
}
