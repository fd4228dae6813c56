// translate_messages_stream.go: an OpenAI chat.completion.chunk stream ->
// Anthropic Messages stream events, one upstream event at a time.
//
// The output is what the Anthropic SDKs expect: message_start, then for each
// content block content_block_start / content_block_delta... /
// content_block_stop (indices from 0), then message_delta (stop_reason and
// usage) and message_stop. Every frame's "event:" name equals its data's
// "type". No ping events are sent.
//
// Behaviour worth knowing:
//   - message_start goes out with the first upstream chunk; its input_tokens
//     is 0 unless that chunk already carries usage. message_delta repeats
//     input and cache token counts when the upstream reported them (newer
//     Anthropic SDKs read them there).
//   - reasoning_content (or "reasoning") opens a thinking block (signature
//     ""), content a text block, each OpenAI tool_call index a tool_use block;
//     switching kind or tool index closes the open block. Empty strings open
//     nothing, so role-only chunks emit nothing beyond message_start.
//   - A finish_reason closes the open block; message_delta is held until the
//     usage chunk (OpenAI sends it after the finish chunk), or [DONE], or the
//     end of the stream (finish). A finish chunk that carries usage itself
//     completes the message at once.
//   - [DONE] without a finish_reason still ends the message (end_turn). An
//     upstream that just stops without either is incomplete: finish writes
//     nothing and complete() is false, so the core should send
//     anthropicErrorEvent.
//   - A fragment for an earlier, already closed tool call (interleaved
//     parallel calls) cannot be expressed with constant state: error.
//   - Upstream string values are spliced into the output as the JSON literals
//     they arrived as (they were validated by the decoder), so the text path
//     copies no strings.
//   - Only choice 0 is translated.
package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"encoding/json"
)

// errInterleavedToolCall reports tool-call fragments that jump back to an
// earlier call. The stream is valid, Nexus just cannot re-order it with
// constant memory, so it is an *apiError: not the backend's fault, and the
// backend stays healthy.
var errInterleavedToolCall = &apiError{Status: http.StatusBadGateway, Type: "api_error",
	Code: "unsupported_stream", Message: "the backend interleaved fragments of parallel tool calls, " +
		"which Nexus cannot re-order into Anthropic content blocks"}

type blockKind uint8

const (
	blockNone blockKind = iota
	blockText
	blockThinking
	blockTool
)

// messagesStream translates one stream. Its memory does not grow with the
// stream's length.
type messagesStream struct {
	modelJSON []byte   // the fallback model as a JSON string
	chunk     oaiChunk // reused decode target

	started  bool // message_start written
	finished bool // finish_reason or [DONE] seen
	stopped  bool // message_stop written
	open     blockKind
	next     int    // index of the next content block
	toolIdx  int    // OpenAI index of the open (or last) tool call
	maxTool  int    // highest OpenAI tool index seen; -1 before any
	toolID   []byte // raw id of the open tool call
	sawTool  bool
	reason   string // canonical finish reason
	stopSeq  []byte // raw JSON string of the matched stop sequence (vLLM)
	u        usage
}

// oaiChunk is the part of a chat.completion.chunk (or error event) we read.
type oaiChunk struct {
	ID      rawJSON          `json:"id"`
	Model   rawJSON          `json:"model"`
	Object  rawJSON          `json:"object"`
	Choices []oaiChunkChoice `json:"choices"`
	Usage   *openAIUsage     `json:"usage"`
	Error   rawJSON          `json:"error"`
	Message rawJSON          `json:"message"` // vLLM's flat error form
	Type    rawJSON          `json:"type"`
	Code    rawJSON          `json:"code"`
}

type oaiChunkChoice struct {
	Index        int      `json:"index"`
	Delta        oaiDelta `json:"delta"`
	FinishReason rawJSON  `json:"finish_reason"`
	StopReason   rawJSON  `json:"stop_reason"`
}

type oaiDelta struct {
	Content          rawJSON            `json:"content"`
	ReasoningContent rawJSON            `json:"reasoning_content"`
	Reasoning        rawJSON            `json:"reasoning"`
	ToolCalls        []oaiToolCallDelta `json:"tool_calls"`
}

type oaiToolCallDelta struct {
	Index    rawJSON `json:"index"`
	ID       rawJSON `json:"id"`
	Function struct {
		Name      rawJSON `json:"name"`
		Arguments rawJSON `json:"arguments"`
	} `json:"function"`
}

// newMessagesStream returns a streamTranslator that consumes OpenAI
// chat.completion.chunk SSE events (including "data: [DONE]" and
// "data: {\"error\":...}") and emits Anthropic SSE events with "event:
// <type>" lines. model is reported in message_start when the chunks do not
// carry one.
func newMessagesStream(model string) streamTranslator {
	return &messagesStream{modelJSON: appendJSONString(nil, model), maxTool: -1}
}

// complete is true once the upstream finish_reason (or [DONE]) was seen.
func (s *messagesStream) complete() bool { return s.finished }

func (s *messagesStream) usage() usage { return s.u }

func (s *messagesStream) translate(dst []byte, ev sseEvent) ([]byte, error) {
	data := bytes.TrimSpace(ev.Data)
	if s.stopped || len(data) == 0 {
		return dst, nil
	}
	if bytes.Equal(data, doneData) {
		return s.done(dst), nil
	}
	isErrorEvent := string(ev.Name) == "error"
	if err := s.decode(data); err != nil {
		if isErrorEvent {
			return dst, upstreamStreamError(nil, nil, nil, nil)
		}
		return dst, err
	}
	c := &s.chunk
	if isErrorEvent || !c.Error.absent() || string(c.Object) == `"error"` {
		return dst, upstreamStreamError(c.Error, c.Message, c.Type, c.Code)
	}
	if c.Usage != nil {
		s.u = c.Usage.toUsage()
	}
	if !s.started {
		dst = s.start(dst)
	}
	for i := range c.Choices {
		if c.Choices[i].Index != 0 {
			continue
		}
		var err error
		if dst, err = s.choice(dst, &c.Choices[i]); err != nil {
			return dst, err
		}
	}
	if s.finished && c.Usage != nil {
		dst = s.stop(dst)
	}
	return dst, nil
}

// finish completes a message whose finish_reason was seen but whose usage
// chunk and [DONE] never came; for an incomplete stream it writes nothing.
func (s *messagesStream) finish(dst []byte) []byte {
	if !s.finished || s.stopped {
		return dst
	}
	return s.stop(s.closeBlock(dst))
}

// decode parses one chunk into s.chunk, keeping slice capacity for reuse.
func (s *messagesStream) decode(data []byte) error {
	choices := s.chunk.Choices[:cap(s.chunk.Choices)]
	for i := range choices {
		calls := choices[i].Delta.ToolCalls[:cap(choices[i].Delta.ToolCalls)]
		clear(calls)
		choices[i] = oaiChunkChoice{}
		choices[i].Delta.ToolCalls = calls[:0]
	}
	s.chunk = oaiChunk{Choices: choices[:0]}
	if err := json.Unmarshal(data, &s.chunk); err != nil {
		return fmt.Errorf("messages stream: unreadable chunk: %w", err)
	}
	return nil
}

// done handles [DONE]: the message ends now, whatever came before.
func (s *messagesStream) done(dst []byte) []byte {
	if !s.started {
		s.chunk = oaiChunk{}
		dst = s.start(dst)
	}
	s.finished = true
	return s.stop(s.closeBlock(dst))
}

// choice translates one choice's delta and finish_reason.
func (s *messagesStream) choice(dst []byte, ch *oaiChunkChoice) ([]byte, error) {
	if s.finished {
		return dst, nil
	}
	d := &ch.Delta
	reasoning := d.ReasoningContent
	if !reasoning.isString() {
		reasoning = d.Reasoning
	}
	if reasoning.isString() && !reasoning.emptyString() {
		dst = s.delta(dst, blockThinking, reasoning)
	}
	if d.Content.isString() && !d.Content.emptyString() {
		dst = s.delta(dst, blockText, d.Content)
	}
	for k := range d.ToolCalls {
		var err error
		if dst, err = s.toolDelta(dst, &d.ToolCalls[k]); err != nil {
			return dst, err
		}
	}
	if f := finishReasonOf(ch.FinishReason); f != finishNone {
		s.finished, s.reason = true, f
		if ch.StopReason.isString() && !ch.StopReason.emptyString() {
			s.stopSeq = append(s.stopSeq[:0], ch.StopReason...)
		}
		dst = s.closeBlock(dst)
	}
	return dst, nil
}

// delta appends text or thinking, opening a block of that kind if needed.
func (s *messagesStream) delta(dst []byte, kind blockKind, raw rawJSON) []byte {
	if s.open != kind {
		dst = s.closeBlock(dst)
		dst = appendEventHead(dst, "content_block_start")
		dst = appendIndex(dst, s.next)
		if kind == blockText {
			dst = append(dst, `,"content_block":{"type":"text","text":""}}`...)
		} else {
			dst = append(dst, `,"content_block":{"type":"thinking","thinking":"","signature":""}}`...)
		}
		dst = append(dst, "\n\n"...)
		s.open = kind
		s.next++
	}
	return appendDelta(dst, s.next-1, kind, raw)
}

// toolDelta handles one tool_calls entry: a new call opens a tool_use
// block; argument fragments become input_json_delta.
func (s *messagesStream) toolDelta(dst []byte, tc *oaiToolCallDelta) ([]byte, error) {
	idx, ok := parseIndex(tc.Index)
	if !ok { // servers that omit index: a new id starts a new call
		sameID := !tc.ID.isString() || tc.ID.emptyString() || bytes.Equal(tc.ID, s.toolID)
		if s.open == blockTool && sameID {
			idx = s.toolIdx
		} else {
			idx = s.maxTool + 1
		}
	}
	if s.open != blockTool || idx != s.toolIdx {
		if idx <= s.maxTool {
			return dst, errInterleavedToolCall
		}
		dst = s.openTool(s.closeBlock(dst), idx, tc)
	}
	if args := tc.Function.Arguments; args.isString() && !args.emptyString() {
		dst = appendDelta(dst, s.next-1, blockTool, args)
	}
	return dst, nil
}

// openTool writes content_block_start for a tool_use block.
func (s *messagesStream) openTool(dst []byte, idx int, tc *oaiToolCallDelta) []byte {
	dst = appendEventHead(dst, "content_block_start")
	dst = appendIndex(dst, s.next)
	dst = append(dst, `,"content_block":{"type":"tool_use","id":`...)
	if tc.ID.isString() && !tc.ID.emptyString() {
		dst = append(dst, tc.ID...)
	} else {
		dst = append(dst, `"toolu_`...)
		dst = append(dst, randomHex(12)...)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"name":`...)
	if tc.Function.Name.isString() {
		dst = append(dst, tc.Function.Name...)
	} else {
		dst = append(dst, `""`...)
	}
	dst = append(dst, `,"input":{}}}`+"\n\n"...)
	s.toolID = append(s.toolID[:0], tc.ID...)
	s.open, s.toolIdx, s.maxTool, s.sawTool = blockTool, idx, idx, true
	s.next++
	return dst
}

// closeBlock writes content_block_stop for the open block, if any.
func (s *messagesStream) closeBlock(dst []byte) []byte {
	if s.open == blockNone {
		return dst
	}
	s.open = blockNone
	dst = appendEventHead(dst, "content_block_stop")
	dst = appendIndex(dst, s.next-1)
	return append(dst, "}\n\n"...)
}

// start writes message_start from the current chunk.
func (s *messagesStream) start(dst []byte) []byte {
	s.started = true
	c := &s.chunk
	dst = appendEventHead(dst, "message_start")
	dst = append(dst, `,"message":{"id":`...)
	dst = appendMessageID(dst, c.ID)
	dst = append(dst, `,"type":"message","role":"assistant","model":`...)
	if c.Model.isString() && !c.Model.emptyString() {
		dst = append(dst, c.Model...)
	} else {
		dst = append(dst, s.modelJSON...)
	}
	dst = append(dst, `,"content":[],"stop_reason":null,"stop_sequence":null,"usage":`...)
	au := msgsUsage{}
	if s.u.HasInput {
		au = anthropicUsageOf(s.u)
		au.OutputTokens = 0
	}
	dst = appendUsage(dst, au, true)
	return append(dst, "}}\n\n"...)
}

// stop writes message_delta and message_stop.
func (s *messagesStream) stop(dst []byte) []byte {
	s.stopped = true
	reason := anthropicStopReason(s.reason, s.sawTool, len(s.stopSeq) > 0)
	dst = appendEventHead(dst, "message_delta")
	dst = append(dst, `,"delta":{"stop_reason":"`...)
	dst = append(dst, reason...)
	dst = append(dst, `","stop_sequence":`...)
	if reason == "stop_sequence" {
		dst = append(dst, s.stopSeq...)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `},"usage":`...)
	dst = appendUsage(dst, anthropicUsageOf(s.u), s.u.HasInput)
	dst = append(dst, "}\n\n"...)
	dst = appendEventHead(dst, "message_stop")
	return append(dst, "}\n\n"...)
}

// appendEventHead writes `event: <name>` and opens the data object with the
// matching "type", so the two can never disagree.
func appendEventHead(dst []byte, name string) []byte {
	dst = append(dst, "event: "...)
	dst = append(dst, name...)
	dst = append(dst, "\ndata: {\"type\":\""...)
	dst = append(dst, name...)
	return append(dst, '"')
}

func appendIndex(dst []byte, i int) []byte {
	dst = append(dst, `,"index":`...)
	return strconv.AppendInt(dst, int64(i), 10)
}

// appendDelta writes one content_block_delta whose payload is the upstream
// JSON string literal raw.
func appendDelta(dst []byte, index int, kind blockKind, raw rawJSON) []byte {
	dst = appendEventHead(dst, "content_block_delta")
	dst = appendIndex(dst, index)
	switch kind {
	case blockText:
		dst = append(dst, `,"delta":{"type":"text_delta","text":`...)
	case blockThinking:
		dst = append(dst, `,"delta":{"type":"thinking_delta","thinking":`...)
	default:
		dst = append(dst, `,"delta":{"type":"input_json_delta","partial_json":`...)
	}
	dst = append(dst, raw...)
	return append(dst, "}}\n\n"...)
}

// appendUsage writes an Anthropic usage object; withInput adds the input
// side (message_start always has it, message_delta only when known).
func appendUsage(dst []byte, u msgsUsage, withInput bool) []byte {
	dst = append(dst, '{')
	if withInput {
		dst = append(dst, `"input_tokens":`...)
		dst = strconv.AppendInt(dst, int64(u.InputTokens), 10)
		dst = append(dst, `,"cache_creation_input_tokens":`...)
		dst = strconv.AppendInt(dst, int64(u.CacheCreationInputTokens), 10)
		dst = append(dst, `,"cache_read_input_tokens":`...)
		dst = strconv.AppendInt(dst, int64(u.CacheReadInputTokens), 10)
		dst = append(dst, ',')
	}
	dst = append(dst, `"output_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.OutputTokens), 10)
	return append(dst, '}')
}

// appendMessageID writes "msg_" + the chunk id without "chatcmpl-" (random
// hex when there is none), splicing the raw literal's escaped tail.
func appendMessageID(dst []byte, raw rawJSON) []byte {
	const prefix = `"chatcmpl-`
	switch {
	case bytes.HasPrefix(raw, []byte(prefix)) && len(raw) > len(prefix)+1:
		return append(append(dst, `"msg_`...), raw[len(prefix):]...)
	case raw.isString() && !raw.emptyString() && !bytes.Equal(raw, []byte(prefix+`"`)):
		return append(append(dst, `"msg_`...), raw[1:]...)
	}
	dst = append(dst, `"msg_`...)
	dst = append(dst, randomHex(12)...)
	return append(dst, '"')
}

// parseIndex reads a small non-negative JSON integer.
func parseIndex(raw rawJSON) (int, bool) {
	if len(raw) == 0 || len(raw) > 6 {
		return 0, false
	}
	n := 0
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
