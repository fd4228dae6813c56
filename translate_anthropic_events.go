// translate_anthropic_events.go: hub chunks -> an Anthropic Messages event
// stream, for Anthropic clients (Claude Code, the Anthropic SDKs) of any
// other backend.
//
// The output is what the Anthropic SDKs expect: message_start, then for each
// content block content_block_start / content_block_delta... /
// content_block_stop (indices from 0), then message_delta (stop_reason and
// usage) and message_stop. Every frame's "event:" name equals its data's
// "type". No ping events are sent.
//
//   - message_start goes out with the first chunk; its input_tokens is 0
//     unless the provider already reported the prompt side.
//   - Reasoning opens a thinking block (signature ""), content and refusals
//     a text block (a refusal is text to an Anthropic client), each tool call
//     a tool_use block; switching kind or call closes the open block.
//   - message_delta repeats input and cache token counts when known (newer
//     Anthropic SDKs read them there) and details thinking tokens.
//   - A fragment of an earlier, already closed tool call (interleaved
//     parallel calls) cannot be expressed with constant state: the stream
//     ends with an error the backend is not blamed for.
//   - Only choice 0 is written; strings are spliced as they arrived.
package main

import "strconv"

type blockKind uint8

const (
	blockNone blockKind = iota
	blockText
	blockThinking
	blockTool
)

// anthropicEncoder writes one Anthropic client's stream.
type anthropicEncoder struct {
	model   string // reported when the provider names none
	started bool
	stopped bool
	open    blockKind
	next    int // index of the next content block
	toolIdx int // hub index of the open (or last) tool call
	maxTool int // highest hub tool index opened; -1 before any
	sawTool bool
	reason  string // the hub finish reason, once the closing chunk came
	stopSeq []byte
}

func (anthropicClient) stream(in *inbound, model string) streamEncoder {
	return &anthropicEncoder{model: model, maxTool: -1}
}

func (w *anthropicEncoder) encode(dst []byte, c *chatChunk) ([]byte, error) {
	if !w.started {
		dst = w.start(dst, c)
	}
	if c.Choice != 0 || w.stopped {
		return dst, nil
	}
	if c.Reasoning != nil {
		dst = w.delta(dst, blockThinking, c.Reasoning)
	}
	if c.Content != nil {
		dst = w.delta(dst, blockText, c.Content)
	}
	if c.Refusal != nil {
		dst = w.delta(dst, blockText, c.Refusal)
	}
	for i := range c.Tools {
		t := &c.Tools[i]
		if w.open != blockTool || t.Index != w.toolIdx {
			if t.Index <= w.maxTool {
				return dst, interleavedCallsError("Anthropic content blocks")
			}
			dst = w.openTool(w.closeBlock(dst), t)
		}
		if len(t.Args) > 0 {
			dst = appendBlockDelta(dst, w.next-1, blockTool, t.Args)
		}
	}
	if c.Finish != "" {
		w.reason, w.stopSeq = c.Finish, append(w.stopSeq[:0], c.StopSequence...)
		dst = w.closeBlock(dst)
	}
	return dst, nil
}

// delta appends text or thinking, opening a block of that kind if needed.
func (w *anthropicEncoder) delta(dst []byte, kind blockKind, body []byte) []byte {
	if w.open != kind {
		dst = w.closeBlock(dst)
		dst = appendEventHead(dst, "content_block_start")
		dst = appendIndex(dst, w.next)
		if kind == blockText {
			dst = append(dst, `,"content_block":{"type":"text","text":""}}`...)
		} else {
			dst = append(dst, `,"content_block":{"type":"thinking","thinking":"","signature":""}}`...)
		}
		dst = append(dst, "\n\n"...)
		w.open = kind
		w.next++
	}
	return appendBlockDelta(dst, w.next-1, kind, body)
}

// openTool writes content_block_start for a tool_use block.
func (w *anthropicEncoder) openTool(dst []byte, t *toolDelta) []byte {
	dst = appendEventHead(dst, "content_block_start")
	dst = appendIndex(dst, w.next)
	dst = append(dst, `,"content_block":{"type":"tool_use","id":"`...)
	if len(t.ID) > 0 {
		dst = append(dst, t.ID...)
	} else {
		dst = append(dst, "toolu_"...)
		dst = append(dst, randomHex(12)...)
	}
	dst = append(dst, `","name":"`...)
	dst = append(dst, t.Name...)
	dst = append(dst, `","input":{}}}`+"\n\n"...)
	w.open, w.toolIdx, w.maxTool, w.sawTool = blockTool, t.Index, t.Index, true
	w.next++
	return dst
}

// closeBlock writes content_block_stop for the open block, if any.
func (w *anthropicEncoder) closeBlock(dst []byte) []byte {
	if w.open == blockNone {
		return dst
	}
	w.open = blockNone
	dst = appendEventHead(dst, "content_block_stop")
	dst = appendIndex(dst, w.next-1)
	return append(dst, "}\n\n"...)
}

// start writes message_start from the first chunk.
func (w *anthropicEncoder) start(dst []byte, c *chatChunk) []byte {
	w.started = true
	dst = appendEventHead(dst, "message_start")
	dst = append(dst, `,"message":{"id":`...)
	dst = append(append(append(dst, '"'), messageID(string(c.ID))...), '"') // c.ID is escaped already
	dst = append(dst, `,"type":"message","role":"assistant","model":`...)
	if len(c.Model) > 0 {
		dst = append(append(append(dst, '"'), c.Model...), '"')
	} else {
		dst = appendJSONString(dst, w.model)
	}
	dst = append(dst, `,"content":[],"stop_reason":null,"stop_sequence":null,"usage":`...)
	var u usage
	if c.Usage != nil {
		u = *c.Usage
	}
	u.OutputTokens, u.ReasoningTokens = 0, 0
	dst = appendAnthropicUsage(dst, u, true)
	return append(dst, "}}\n\n"...)
}

func (w *anthropicEncoder) finish(dst []byte, u usage) []byte {
	if w.stopped {
		return dst
	}
	if !w.started {
		dst = w.start(dst, &chatChunk{})
	}
	w.stopped = true
	dst = w.closeBlock(dst)
	reason := anthropicStopReason(w.reason, w.sawTool, len(w.stopSeq) > 0 && w.reason == finishStop)
	dst = appendEventHead(dst, "message_delta")
	dst = append(dst, `,"delta":{"stop_reason":"`...)
	dst = append(dst, reason...)
	dst = append(dst, `","stop_sequence":`...)
	if reason == "stop_sequence" {
		dst = append(append(append(dst, '"'), w.stopSeq...), '"')
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `},"usage":`...)
	dst = appendAnthropicUsage(dst, u, u.HasInput)
	dst = append(dst, "}\n\n"...)
	dst = appendEventHead(dst, "message_stop")
	return append(dst, "}\n\n"...)
}

func (w *anthropicEncoder) fail(dst []byte, e *apiError) []byte {
	return append(dst, anthropicErrorEvent(e)...)
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

// appendBlockDelta writes one content_block_delta carrying the string body.
func appendBlockDelta(dst []byte, index int, kind blockKind, body []byte) []byte {
	dst = appendEventHead(dst, "content_block_delta")
	dst = appendIndex(dst, index)
	switch kind {
	case blockText:
		dst = append(dst, `,"delta":{"type":"text_delta","text":"`...)
	case blockThinking:
		dst = append(dst, `,"delta":{"type":"thinking_delta","thinking":"`...)
	default:
		dst = append(dst, `,"delta":{"type":"input_json_delta","partial_json":"`...)
	}
	dst = append(dst, body...)
	return append(dst, "\"}}\n\n"...)
}
