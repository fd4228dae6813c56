// translate_anthropic_stream.go: Anthropic Messages SSE -> OpenAI chat.completion.chunk frames.
//
// One anthropicStream translates one upstream stream, event by event, with
// constant state: the chunk header built at message_start, the open tool_use
// block, a tool-call counter and the usage seen so far. Text, thinking and
// tool-argument fragments are JSON strings in Anthropic's events and in
// OpenAI's chunks alike, so they are copied as raw JSON tokens without being
// decoded and re-encoded; the decode target and its buffers are reused.
//
// How the core learns that a stream was cut: finish() only writes the final
// frames when a finish_reason was seen (a message_delta with stop_reason);
// otherwise it returns dst unchanged and complete() reports false, so the core
// treats the stream as interrupted.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// anthropicStreamEvent is the decode target for every event (all types
// share it; reset clears what the previous event left).
type anthropicStreamEvent struct {
	Type    json.RawMessage `json:"type"`
	Index   int             `json:"index"`
	Message struct {
		ID    json.RawMessage `json:"id"`
		Model json.RawMessage `json:"model"`
		Usage anthropicUsage  `json:"usage"`
	} `json:"message"`
	ContentBlock struct {
		Type     json.RawMessage `json:"type"`
		ID       json.RawMessage `json:"id"`
		Name     json.RawMessage `json:"name"`
		Text     json.RawMessage `json:"text"`
		Thinking json.RawMessage `json:"thinking"`
	} `json:"content_block"`
	Delta struct {
		Type        json.RawMessage `json:"type"`
		Text        json.RawMessage `json:"text"`
		PartialJSON json.RawMessage `json:"partial_json"`
		Thinking    json.RawMessage `json:"thinking"`
		StopReason  string          `json:"stop_reason"`
	} `json:"delta"`
	Usage anthropicUsage `json:"usage"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// reset clears the event, keeping the raw buffers' capacity.
func (e *anthropicStreamEvent) reset() {
	e.Type = e.Type[:0]
	e.Index = 0
	m := &e.Message
	m.ID, m.Model, m.Usage = m.ID[:0], m.Model[:0], anthropicUsage{}
	c := &e.ContentBlock
	c.Type, c.ID, c.Name, c.Text, c.Thinking = c.Type[:0], c.ID[:0], c.Name[:0], c.Text[:0], c.Thinking[:0]
	d := &e.Delta
	d.Type, d.Text, d.PartialJSON, d.Thinking, d.StopReason = d.Type[:0], d.Text[:0], d.PartialJSON[:0], d.Thinking[:0], ""
	e.Usage = anthropicUsage{}
	e.Error.Type, e.Error.Message = "", ""
}

// anthropicStream implements streamTranslator for Anthropic upstreams.
type anthropicStream struct {
	includeUsage bool
	ev           anthropicStreamEvent
	// head is `data: {"id":..,"object":"chat.completion.chunk","created":..,"model":..,`
	head       []byte
	toolBlock  int // Anthropic index of the open tool_use block, -1 when none
	toolIndex  int // its OpenAI tool_calls index
	toolCount  int // tool_use blocks seen so far
	finishSeen bool
	usageSent  bool
	finished   bool
	u          usage
}

// newAnthropicStream returns a streamTranslator (see sse.go) converting Anthropic SSE events into OpenAI
// chat.completion.chunk frames ("data: {...}\n\n") ending with "data: [DONE]\n\n" in finish().
// includeUsage mirrors the client's stream_options.include_usage (emit OpenAI's final usage chunk with empty choices).
// The returned value is an *anthropicStream; the core asserts it to
// interface{ complete() bool } to tell a clean end from a cut stream.
func newAnthropicStream(includeUsage bool) streamTranslator {
	s := &anthropicStream{includeUsage: includeUsage, toolBlock: -1}
	s.setHead(nil, nil)
	return s
}

// complete reports whether the upstream finished the message (a stop_reason
// was seen); when false at the end of the upstream, the stream was cut.
func (s *anthropicStream) complete() bool { return s.finishSeen }

func (s *anthropicStream) usage() usage { return s.u }

// anthropicIsString reports whether raw (valid JSON) is a string; nonEmpty
// also requires at least one character.
func anthropicIsString(raw []byte, nonEmpty bool) bool {
	if nonEmpty {
		return len(raw) > 2 && raw[0] == '"'
	}
	return len(raw) >= 2 && raw[0] == '"'
}

// setHead builds the chunk header from the raw JSON id and model strings.
func (s *anthropicStream) setHead(id, model []byte) {
	h := append(s.head[:0], `data: {"id":"chatcmpl-`...)
	if anthropicIsString(id, false) {
		h = append(h, id[1:]...) // raw string without its opening quote
	} else {
		h = append(h, '"')
	}
	h = append(h, `,"object":"chat.completion.chunk","created":`...)
	h = strconv.AppendInt(h, anthropicNow(), 10)
	h = append(h, `,"model":`...)
	if anthropicIsString(model, false) {
		h = append(h, model...)
	} else {
		h = append(h, `""`...)
	}
	s.head = append(h, ',')
}

// beginChunk appends the header and opens choices[0].delta.
func (s *anthropicStream) beginChunk(dst []byte) []byte {
	dst = append(dst, s.head...)
	return append(dst, `"choices":[{"index":0,"delta":`...)
}

// endChunk closes the delta and the chunk; finish is a JSON value.
func (s *anthropicStream) endChunk(dst []byte, finish string) []byte {
	dst = append(dst, `,"logprobs":null,"finish_reason":`...)
	dst = append(dst, finish...)
	dst = append(dst, "}]"...)
	if s.includeUsage {
		dst = append(dst, `,"usage":null`...)
	}
	return append(dst, "}\n\n"...)
}

// appendDelta appends a chunk whose delta is {key: raw}.
func (s *anthropicStream) appendDelta(dst []byte, key string, raw []byte) []byte {
	dst = s.beginChunk(dst)
	dst = append(dst, `{"`...)
	dst = append(dst, key...)
	dst = append(dst, `":`...)
	dst = append(dst, raw...)
	dst = append(dst, '}')
	return s.endChunk(dst, "null")
}

// appendToolDelta appends a tool_calls delta; id and name (raw JSON strings)
// only on the first fragment of a call.
func (s *anthropicStream) appendToolDelta(dst []byte, id, name, args []byte) []byte {
	dst = s.beginChunk(dst)
	dst = append(dst, `{"tool_calls":[{"index":`...)
	dst = strconv.AppendInt(dst, int64(s.toolIndex), 10)
	if id != nil {
		dst = append(dst, `,"id":`...)
		dst = append(dst, id...)
		dst = append(dst, `,"type":"function","function":{"name":`...)
		dst = append(dst, name...)
		dst = append(dst, `,"arguments":`...)
	} else {
		dst = append(dst, `,"function":{"arguments":`...)
	}
	dst = append(dst, args...)
	dst = append(dst, "}}]}"...)
	return s.endChunk(dst, "null")
}

// appendUsageChunk appends OpenAI's final usage chunk (empty choices).
func (s *anthropicStream) appendUsageChunk(dst []byte) []byte {
	s.usageSent = true
	dst = append(dst, s.head...)
	dst = append(dst, `"choices":[],"usage":`...)
	dst = openAIAppendUsage(dst, s.u, false)
	return append(dst, "}\n\n"...)
}

func (s *anthropicStream) translate(dst []byte, ev sseEvent) ([]byte, error) {
	if len(bytes.TrimSpace(ev.Data)) == 0 {
		return dst, nil // an event line without data carries nothing
	}
	if text, ok := anthropicFastTextDelta(ev.Data); ok {
		if len(text) > 2 {
			dst = s.appendDelta(dst, "content", text)
		}
		return dst, nil
	}
	e := &s.ev
	e.reset()
	if err := json.Unmarshal(ev.Data, e); err != nil {
		return dst, fmt.Errorf("anthropic stream: decode event: %w", err)
	}
	switch string(e.Type) {
	case `"message_start"`:
		s.setHead(e.Message.ID, e.Message.Model)
		e.Message.Usage.applyInput(&s.u)
		s.u.OutputTokens = anthropicIntOr(e.Message.Usage.OutputTokens)
		return s.appendDelta(dst, "role", []byte(`"assistant","content":""`)), nil
	case `"content_block_start"`:
		return s.blockStart(dst), nil
	case `"content_block_delta"`:
		return s.blockDelta(dst), nil
	case `"message_delta"`:
		return s.messageDelta(dst), nil
	case `"message_stop"`:
		if s.includeUsage && s.finishSeen && !s.usageSent {
			dst = s.appendUsageChunk(dst)
		}
		return dst, nil
	case `"error"`:
		return dst, s.streamError()
	}
	return dst, nil // ping, content_block_stop and unknown events
}

// anthropicTextDeltaPrefix is how Anthropic writes a text delta event.
const anthropicTextDeltaPrefix = `{"type":"content_block_delta","index":`

// anthropicFastTextDelta recognises a text_delta event in Anthropic's compact
// wire form, {"type":"content_block_delta","index":N,"delta":{"type":
// "text_delta","text":"..."}}, and returns the raw text string token without
// a full decode (text deltas are nearly every event of a stream). Any other
// shape returns ok=false and takes the general path, which accepts it too.
func anthropicFastTextDelta(data []byte) (text []byte, ok bool) {
	rest, ok := bytes.CutPrefix(data, []byte(anthropicTextDeltaPrefix))
	if !ok {
		return nil, false
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 || i > 9 || (i > 1 && rest[0] == '0') { // a JSON number, as the general path requires
		return nil, false
	}
	rest, ok = bytes.CutPrefix(rest[i:], []byte(`,"delta":{"type":"text_delta","text":"`))
	if !ok {
		return nil, false
	}
	end := 0
	for end < len(rest) && rest[end] != '"' {
		if rest[end] == '\\' {
			end++
		}
		end++
	}
	if end >= len(rest) || string(bytes.TrimRight(rest[end+1:], " \t\r\n")) != "}}" {
		return nil, false
	}
	text = data[len(data)-len(rest)-1 : len(data)-len(rest)+end+1] // with both quotes
	if !json.Valid(text) {
		return nil, false
	}
	return text, true
}

// blockStart handles content_block_start: tool_use opens a tool call.
func (s *anthropicStream) blockStart(dst []byte) []byte {
	c := &s.ev.ContentBlock
	s.toolBlock = -1
	switch string(c.Type) {
	case `"text"`:
		if anthropicIsString(c.Text, true) {
			dst = s.appendDelta(dst, "content", c.Text)
		}
	case `"thinking"`:
		if anthropicIsString(c.Thinking, true) {
			dst = s.appendDelta(dst, "reasoning_content", c.Thinking)
		}
	case `"tool_use"`:
		if !anthropicIsString(c.ID, false) || !anthropicIsString(c.Name, false) {
			return dst
		}
		s.toolBlock, s.toolIndex = s.ev.Index, s.toolCount
		s.toolCount++
		dst = s.appendToolDelta(dst, c.ID, c.Name, []byte(`""`))
	}
	return dst
}

// blockDelta handles content_block_delta; unknown delta types are skipped.
func (s *anthropicStream) blockDelta(dst []byte) []byte {
	d := &s.ev.Delta
	switch string(d.Type) {
	case `"text_delta"`:
		if anthropicIsString(d.Text, true) {
			dst = s.appendDelta(dst, "content", d.Text)
		}
	case `"thinking_delta"`:
		if anthropicIsString(d.Thinking, true) {
			dst = s.appendDelta(dst, "reasoning_content", d.Thinking)
		}
	case `"input_json_delta"`:
		if s.toolBlock >= 0 && s.ev.Index == s.toolBlock && anthropicIsString(d.PartialJSON, true) {
			dst = s.appendToolDelta(dst, nil, nil, d.PartialJSON)
		}
	}
	return dst
}

// messageDelta records usage and emits the finish chunk once.
func (s *anthropicStream) messageDelta(dst []byte) []byte {
	u := &s.ev.Usage
	if u.hasInput() {
		u.applyInput(&s.u)
	}
	if u.OutputTokens != nil {
		s.u.OutputTokens, s.u.HasOutput = *u.OutputTokens, true
	}
	reason := s.ev.Delta.StopReason
	if reason == "" || s.finishSeen {
		return dst
	}
	s.finishSeen = true
	dst = s.beginChunk(dst)
	dst = append(dst, "{}"...)
	return s.endChunk(dst, `"`+anthropicFinishReason(reason)+`"`)
}

// streamError turns an in-stream error event into an *apiError.
func (s *anthropicStream) streamError() error {
	t, msg := s.ev.Error.Type, s.ev.Error.Message
	if msg == "" {
		msg = "anthropic stream error"
	}
	status := anthropicErrorStatus(t)
	return &apiError{Status: status, Type: errorTypeForStatus(status), Code: t, Message: msg}
}

func (s *anthropicStream) finish(dst []byte) []byte {
	if !s.finishSeen || s.finished {
		return dst
	}
	s.finished = true
	if s.includeUsage && !s.usageSent {
		dst = s.appendUsageChunk(dst)
	}
	return append(dst, "data: [DONE]\n\n"...)
}
