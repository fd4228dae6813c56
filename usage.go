// usage.go: token usage in one normalised shape, whatever the provider.
//
// Providers count differently (Anthropic leaves cache tokens out of
// input_tokens, Gemini leaves thinking tokens out of candidatesTokenCount).
// Translators and the proxy convert to this struct, and cost is computed from
// it alone.
package main

import "encoding/json"

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
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails *struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"prompt_tokens_details,omitempty"`
	CompletionTokensDetails *struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details,omitempty"`
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

// openAIUsageFromBody reads the top-level "usage" of an OpenAI response or
// stream chunk; ok is false when there is none.
func openAIUsageFromBody(body []byte) (usage, bool) {
	var v struct {
		Usage *openAIUsage `json:"usage"`
	}
	if json.Unmarshal(body, &v) != nil || v.Usage == nil {
		return usage{}, false
	}
	return v.Usage.toUsage(), true
}
