// translate_anthropic_stream.go: an Anthropic Messages event stream -> hub
// chunks, event by event, with constant state.
//
// message_start opens the answer (its id, model and prompt usage), text and
// thinking blocks become content and reasoning, each tool_use block one tool
// call whose input_json_delta fragments are its arguments, and message_delta
// carries the stop reason and final usage. Text, thinking and argument
// fragments are JSON strings in Anthropic's events as in the hub, so they are
// passed on as the raw tokens they arrived as; the decode target and its
// buffers are reused. A tool_use block that streamed no input gets "{}" as
// its arguments, as it does unstreamed. ping and unknown events carry
// nothing. The stream is complete once a stop_reason was seen; without one,
// end reports it cut.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// anthropicEvent is the decode target for every event (all types share it;
// reset clears what the previous event left).
type anthropicEvent struct {
	Type    rawJSON `json:"type"`
	Index   int     `json:"index"`
	Message struct {
		ID    rawJSON        `json:"id"`
		Model rawJSON        `json:"model"`
		Usage anthropicUsage `json:"usage"`
	} `json:"message"`
	ContentBlock struct {
		Type     rawJSON `json:"type"`
		ID       rawJSON `json:"id"`
		Name     rawJSON `json:"name"`
		Text     rawJSON `json:"text"`
		Thinking rawJSON `json:"thinking"`
	} `json:"content_block"`
	Delta struct {
		Type        rawJSON `json:"type"`
		Text        rawJSON `json:"text"`
		PartialJSON rawJSON `json:"partial_json"`
		Thinking    rawJSON `json:"thinking"`
		StopReason  string  `json:"stop_reason"`
	} `json:"delta"`
	Usage anthropicUsage `json:"usage"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

func (e *anthropicEvent) reset() {
	e.Type, e.Index = e.Type[:0], 0
	m := &e.Message
	m.ID, m.Model, m.Usage = m.ID[:0], m.Model[:0], anthropicUsage{}
	c := &e.ContentBlock
	c.Type, c.ID, c.Name, c.Text, c.Thinking = c.Type[:0], c.ID[:0], c.Name[:0], c.Text[:0], c.Thinking[:0]
	d := &e.Delta
	d.Type, d.Text, d.PartialJSON, d.Thinking, d.StopReason = d.Type[:0], d.Text[:0], d.PartialJSON[:0], d.Thinking[:0], ""
	e.Usage = anthropicUsage{}
	e.Error.Type, e.Error.Message = "", ""
}

// anthropicDecoder implements streamDecoder for Anthropic upstreams.
type anthropicDecoder struct {
	ev        anthropicEvent
	id, model []byte
	started   bool
	toolBlock int  // Anthropic index of the open tool_use block, -1 when none
	toolIndex int  // its index among the answer's calls
	toolArgs  bool // the open tool_use block streamed some input
	toolCount int
	finish    string
	u         usage
	tool      [1]toolDelta
}

func (anthropicCodec) stream(model string) streamDecoder { return &anthropicDecoder{toolBlock: -1} }

func (d *anthropicDecoder) usage() usage { return d.u }

// chunk is a chunk of this answer with one field to fill.
func (d *anthropicDecoder) chunk() chatChunk {
	return chatChunk{ID: d.id, Model: d.model}
}

func (d *anthropicDecoder) decode(out []chatChunk, ev streamEvent) ([]chatChunk, error) {
	if len(bytes.TrimSpace(ev.Data)) == 0 {
		return out, nil // an event line without data carries nothing
	}
	if text, ok := anthropicFastTextDelta(ev.Data); ok {
		if len(text) > 2 { // built in place: this is the hot path
			out = append(out, chatChunk{ID: d.id, Model: d.model, Content: text[1 : len(text)-1]})
		}
		return out, nil
	}
	e := &d.ev
	e.reset()
	if err := json.Unmarshal(ev.Data, e); err != nil {
		return out, fmt.Errorf("anthropic stream: decode event: %w", err)
	}
	switch string(e.Type) {
	case `"message_start"`:
		d.id, d.model = append(d.id[:0], e.Message.ID.body()...), append(d.model[:0], e.Message.Model.body()...)
		e.Message.Usage.apply(&d.u)
		d.u.HasOutput = false
		c := d.chunk()
		c.Start = !d.started
		d.started = true
		if d.u.HasInput {
			c.Usage = &d.u
		}
		return append(out, c), nil
	case `"content_block_start"`:
		return d.blockStart(out), nil
	case `"content_block_delta"`:
		return d.blockDelta(out), nil
	case `"content_block_stop"`:
		if d.toolBlock >= 0 && e.Index == d.toolBlock && !d.toolArgs {
			d.toolArgs = true
			out = d.toolChunk(out, toolDelta{Index: d.toolIndex, Args: []byte("{}")})
		}
		return out, nil
	case `"message_delta"`:
		e.Usage.apply(&d.u)
		if e.Delta.StopReason != "" && d.finish == "" {
			d.finish = anthropicFinish(e.Delta.StopReason)
		}
		return out, nil
	case `"error"`:
		msg := e.Error.Message
		if msg == "" {
			msg = "anthropic stream error"
		}
		status := anthropicErrorStatus(e.Error.Type)
		return out, &apiError{Status: status, Type: errorTypeForStatus(status), Code: e.Error.Type, Message: msg}
	}
	return out, nil // ping, message_stop and unknown events
}

// toolChunk appends a chunk carrying one tool delta.
func (d *anthropicDecoder) toolChunk(out []chatChunk, t toolDelta) []chatChunk {
	d.tool[0] = t
	c := d.chunk()
	c.Tools = d.tool[:]
	return append(out, c)
}

// anthropicTextDeltaPrefix is how Anthropic writes a text delta event.
const anthropicTextDeltaPrefix = `{"type":"content_block_delta","index":`

// anthropicFastTextDelta recognises a text_delta event in Anthropic's
// compact wire form, {"type":"content_block_delta","index":N,"delta":
// {"type":"text_delta","text":"..."}}, and returns the raw text string token
// without a full decode (text deltas are nearly every event of a stream).
// Any other shape returns ok=false and takes the general path.
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
func (d *anthropicDecoder) blockStart(out []chatChunk) []chatChunk {
	b := &d.ev.ContentBlock
	d.toolBlock = -1
	c := d.chunk()
	switch string(b.Type) {
	case `"text"`:
		if !b.Text.nonEmptyString() {
			return out
		}
		c.Content = b.Text.body()
	case `"thinking"`:
		if !b.Thinking.nonEmptyString() {
			return out
		}
		c.Reasoning = b.Thinking.body()
	case `"tool_use"`:
		if !b.ID.isString() || !b.Name.isString() {
			return out
		}
		d.toolBlock, d.toolIndex, d.toolArgs = d.ev.Index, d.toolCount, false
		d.toolCount++
		return d.toolChunk(out, toolDelta{Index: d.toolIndex, ID: b.ID.body(), Name: b.Name.body(), Args: []byte{}})
	default:
		return out
	}
	return append(out, c)
}

// blockDelta handles content_block_delta; unknown delta types are skipped.
func (d *anthropicDecoder) blockDelta(out []chatChunk) []chatChunk {
	e := &d.ev.Delta
	c := d.chunk()
	switch string(e.Type) {
	case `"text_delta"`:
		if !e.Text.nonEmptyString() {
			return out
		}
		c.Content = e.Text.body()
	case `"thinking_delta"`:
		if !e.Thinking.nonEmptyString() {
			return out
		}
		c.Reasoning = e.Thinking.body()
	case `"input_json_delta"`:
		if d.toolBlock < 0 || d.ev.Index != d.toolBlock || !e.PartialJSON.nonEmptyString() {
			return out
		}
		d.toolArgs = true
		return d.toolChunk(out, toolDelta{Index: d.toolIndex, Args: e.PartialJSON.body()})
	default:
		return out
	}
	return append(out, c)
}

func (d *anthropicDecoder) end(out []chatChunk) ([]chatChunk, bool) {
	if d.finish == "" {
		return out, false
	}
	c := d.chunk()
	c.Start = !d.started
	c.Finish = d.finish
	return append(out, c), true
}
