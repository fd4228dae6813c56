// translate_google_response.go: Gemini GenerateContentResponse -> hub
// completion, and the mappings the stream decoder shares with it: finish
// reasons, usage, tool call ids and Google's error bodies.
//
// Finish reasons: STOP -> stop, except that a candidate holding any
// functionCall part finishes with tool_calls (Gemini says STOP there, OpenAI
// clients only run tools on tool_calls); MAX_TOKENS -> length; SAFETY,
// RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII and the IMAGE_* filters ->
// content_filter; everything else (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL,
// unknown future values) -> stop. Tool call ids are "call_<8 hex>_<n>": n
// counts calls within one answer and the random part keeps ids unique across
// the turns of a conversation (Anthropic clients require that).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

func (googleCodec) response(body []byte, model string) (*chatCompletion, error) {
	var r gemResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("gemini response is not a GenerateContentResponse: %w", err)
	}
	if r.Error != nil {
		return nil, fmt.Errorf("gemini response carries an error (%s): %s", r.Error.Status, r.Error.Message)
	}
	blocked := r.PromptFeedback != nil && r.PromptFeedback.BlockReason != ""
	if len(r.Candidates) == 0 && !blocked {
		return nil, errors.New("gemini response has no candidates and no block reason")
	}
	if r.ModelVersion != "" {
		model = r.ModelVersion
	}
	c := newCompletion(r.ResponseID, model)
	token, n := randomHex(4), 0
	for i := range r.Candidates {
		c.Choices = append(c.Choices, gemChoice(&r.Candidates[i], i, token, &n))
	}
	if len(r.Candidates) == 0 {
		c.Choices = []chatChoice{{Message: chatMessage{Role: "assistant"}, FinishReason: finishContentFilter}}
	}
	if r.UsageMetadata != nil {
		c.setUsage(gemUsage(r.UsageMetadata))
	}
	return c, nil
}

// gemChoice converts one candidate; n numbers tool calls across the answer.
func gemChoice(c *gemCandidate, pos int, token string, n *int) chatChoice {
	ch := chatChoice{Index: pos, Message: chatMessage{Role: "assistant"}}
	if c.Index != nil {
		ch.Index = *c.Index
	}
	var text, thoughts strings.Builder
	var scratch bytes.Buffer
	if c.Content != nil {
		for i := range c.Content.Parts {
			p := &c.Content.Parts[i]
			switch {
			case p.FunctionCall != nil:
				tc := toolCall{ID: gemCallID(token, *n), Type: "function",
					Function: functionCall{Name: p.FunctionCall.Name, Arguments: toolArguments(gemArgs(p.FunctionCall.Args, &scratch))}}
				if p.ThoughtSignature != "" {
					tc.ExtraContent = appendSignatureExtra(nil, appendJSONEscaped(nil, p.ThoughtSignature))
				}
				ch.Message.ToolCalls = append(ch.Message.ToolCalls, tc)
				*n++
			case p.Thought:
				thoughts.WriteString(p.Text)
			default:
				text.WriteString(p.Text)
			}
		}
	}
	ch.Message.Content = textContent(text.String())
	ch.Message.ReasoningContent = thoughts.String()
	ch.FinishReason = gemFinishReason(c.FinishReason, len(ch.Message.ToolCalls) > 0)
	return ch
}

// gemArgs is a functionCall's args (a JSON object) as compact text; "{}"
// when absent.
func gemArgs(args []byte, scratch *bytes.Buffer) []byte {
	if len(args) == 0 || string(args) == "null" {
		return []byte("{}")
	}
	scratch.Reset()
	if json.Compact(scratch, args) != nil {
		return args
	}
	return scratch.Bytes()
}

// gemCallID is the id of the n-th tool call of an answer.
func gemCallID(token string, n int) string { return "call_" + token + "_" + strconv.Itoa(n) }

// gemFinishReason maps a Gemini finishReason to the hub's.
func gemFinishReason(reason string, hasCall bool) string {
	switch reason {
	case "MAX_TOKENS":
		return finishLength
	case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
		"IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION":
		return finishContentFilter
	}
	if hasCall {
		return finishToolCalls
	}
	return finishStop
}

// gemUsage normalises usageMetadata (promptTokenCount already includes
// cached tokens; candidatesTokenCount excludes thinking tokens).
func gemUsage(m *gemUsageMeta) usage {
	return usage{InputTokens: m.PromptTokenCount, CacheReadTokens: m.CachedContentTokenCount,
		OutputTokens: m.CandidatesTokenCount + m.ThoughtsTokenCount, ReasoningTokens: m.ThoughtsTokenCount}
}

func (googleCodec) errorMessage(body []byte) (string, string) {
	_, status, msg, _ := geminiErrorMessage(body)
	return msg, status
}

// geminiErrorMessage reads {"error":{"code","message","status"}}.
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
