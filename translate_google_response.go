// translate_google_response.go: Gemini GenerateContentResponse -> OpenAI chat.completion.
//
// Also holds what the streaming translator shares with it: finish-reason
// mapping, usage normalisation, id generation and Google error parsing.
//
// Finish reasons: STOP -> stop, except that a candidate holding any
// functionCall part finishes with tool_calls (Gemini says STOP there, OpenAI
// clients only run tools on tool_calls); MAX_TOKENS -> length; SAFETY,
// RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII and the IMAGE_* filters ->
// content_filter; everything else (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL,
// unknown future values) -> stop. Tool call ids are "call_<8 hex>_<n>": n
// counts calls within one response and the random prefix keeps ids unique
// across the turns of a conversation (Anthropic clients require that).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// openAIResponseFromGemini translates a non-streaming GenerateContentResponse into an OpenAI chat.completion.
// model is the model id to report when the response has no modelVersion. err (not *apiError) = untranslatable.
func openAIResponseFromGemini(body []byte, model string) (out []byte, u usage, err error) {
	var r gemResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, usage{}, fmt.Errorf("gemini response is not a GenerateContentResponse: %w", err)
	}
	if r.Error != nil {
		return nil, usage{}, fmt.Errorf("gemini response carries an error (%s): %s", r.Error.Status, r.Error.Message)
	}
	blocked := r.PromptFeedback != nil && r.PromptFeedback.BlockReason != ""
	if len(r.Candidates) == 0 && !blocked {
		return nil, usage{}, errors.New("gemini response has no candidates and no block reason")
	}
	resp := openAICompletion[gemOAMessage]{
		ID:      gemChatID(r.ResponseID),
		Object:  "chat.completion",
		Created: gemNow(),
		Model:   gemModelName(r.ModelVersion, model),
	}
	token, n := gemRandHex(4), 0
	for i := range r.Candidates {
		resp.Choices = append(resp.Choices, gemChoice(&r.Candidates[i], i, token, &n))
	}
	if len(r.Candidates) == 0 {
		empty := ""
		ch := openAIChoice[gemOAMessage]{FinishReason: "content_filter"}
		ch.Message.Role, ch.Message.Content = "assistant", &empty
		resp.Choices = []openAIChoice[gemOAMessage]{ch}
	}
	if r.UsageMetadata != nil {
		u = gemUsage(r.UsageMetadata)
		u.HasInput, u.HasOutput = true, true
		resp.Usage = openAIAppendUsage(nil, u, true)
	}
	out, err = gemMarshal(&resp)
	if err != nil {
		return nil, usage{}, fmt.Errorf("encoding chat.completion: %w", err)
	}
	return out, u, nil
}

// gemOAMessage is the answer message as the Gemini translator writes it:
// tool calls with extra_content, and "refusal" (always null).
type gemOAMessage struct {
	openAIAnswerMessage[gemOAToolCall]
	Refusal *string `json:"refusal"`
}

// gemChoice converts one candidate; n numbers tool calls across the response.
func gemChoice(c *gemCandidate, pos int, token string, n *int) openAIChoice[gemOAMessage] {
	ch := openAIChoice[gemOAMessage]{Index: pos}
	ch.Message.Role = "assistant"
	if c.Index != nil {
		ch.Index = *c.Index
	}
	var text, thoughts strings.Builder
	if c.Content != nil {
		for i := range c.Content.Parts {
			p := &c.Content.Parts[i]
			switch {
			case p.FunctionCall != nil:
				ch.Message.ToolCalls = append(ch.Message.ToolCalls, gemToolCall(p, token, *n))
				*n++
			case p.Thought:
				thoughts.WriteString(p.Text)
			default:
				text.WriteString(p.Text)
			}
		}
	}
	if text.Len() > 0 || len(ch.Message.ToolCalls) == 0 {
		s := text.String()
		ch.Message.Content = &s
	}
	ch.Message.ReasoningContent = thoughts.String()
	ch.FinishReason = gemFinishReason(c.FinishReason, len(ch.Message.ToolCalls) > 0)
	return ch
}

// gemToolCall converts a functionCall part into an OpenAI tool call.
func gemToolCall(p *gemPart, token string, n int) gemOAToolCall {
	tc := gemOAToolCall{openAIToolCall: openAIToolCall{ID: gemCallID(token, n), Type: "function"}}
	tc.Function.Name = p.FunctionCall.Name
	var scratch bytes.Buffer
	tc.Function.Arguments = gemAppendArgsString(nil, p.FunctionCall.Args, &scratch)
	if p.ThoughtSignature != "" {
		tc.ExtraContent = gemSignatureExtra(p.ThoughtSignature)
	}
	return tc
}

// gemSignatureExtra wraps a thought signature the way Gemini's OpenAI endpoint does.
func gemSignatureExtra(sig string) *gemExtraContent {
	ec := &gemExtraContent{}
	ec.Google = &struct {
		ThoughtSignature string `json:"thought_signature,omitempty"`
	}{ThoughtSignature: sig}
	return ec
}

// gemCallID is the OpenAI id of the n-th tool call of a response.
func gemCallID(token string, n int) string {
	return "call_" + token + "_" + strconv.Itoa(n)
}

// gemChatID is the chat.completion id: from Gemini's responseId when present.
func gemChatID(responseID string) string {
	if responseID == "" {
		responseID = gemRandHex(12)
	}
	return "chatcmpl-" + responseID
}

// gemModelName reports modelVersion when Gemini sent one.
func gemModelName(version, model string) string {
	if version != "" {
		return version
	}
	return model
}

// gemFinishReason maps a Gemini finishReason to OpenAI's finish_reason.
func gemFinishReason(reason string, hasCall bool) string {
	switch reason {
	case "MAX_TOKENS":
		return "length"
	case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
		"IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION":
		return "content_filter"
	}
	if hasCall {
		return "tool_calls"
	}
	return "stop"
}

// gemUsage normalises usageMetadata (promptTokenCount already includes cached
// tokens; candidatesTokenCount excludes thinking tokens).
func gemUsage(m *gemUsageMeta) usage {
	return usage{
		InputTokens:     m.PromptTokenCount,
		CacheReadTokens: m.CachedContentTokenCount,
		OutputTokens:    m.CandidatesTokenCount + m.ThoughtsTokenCount,
		ReasoningTokens: m.ThoughtsTokenCount,
	}
}

// geminiErrorMessage extracts {"error":{"code","message","status"}}.
func geminiErrorMessage(body []byte) (code int, status, message string, ok bool) {
	var one struct {
		Error *gemErrorBody `json:"error"`
	}
	if json.Unmarshal(body, &one) != nil || one.Error == nil {
		// Some Google endpoints wrap the error in a one-element array.
		var many []struct {
			Error *gemErrorBody `json:"error"`
		}
		if json.Unmarshal(body, &many) != nil || len(many) == 0 || many[0].Error == nil {
			return 0, "", "", false
		}
		one.Error = many[0].Error
	}
	e := one.Error
	if e.Message == "" && e.Status == "" && e.Code == 0 {
		return 0, "", "", false
	}
	return e.Code, e.Status, e.Message, true
}

// gemStatusForError picks the HTTP status a Google error status deserves.
func gemStatusForError(status string) int {
	switch status {
	case "RESOURCE_EXHAUSTED":
		return http.StatusTooManyRequests
	case "INVALID_ARGUMENT":
		return http.StatusBadRequest
	case "UNAVAILABLE":
		return http.StatusServiceUnavailable
	}
	return http.StatusBadGateway
}

// gemStreamError turns an in-stream Google error into an apiError.
func gemStreamError(e *gemErrorBody) *apiError {
	st := gemStatusForError(e.Status)
	msg := e.Message
	if msg == "" {
		msg = "Gemini stream error"
		if e.Status != "" {
			msg += ": " + e.Status
		}
	}
	return &apiError{Status: st, Type: errorTypeForStatus(st), Message: msg}
}
