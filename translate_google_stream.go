// translate_google_stream.go: Gemini streamGenerateContent?alt=sse -> hub
// chunks.
//
// Each Gemini event is a whole GenerateContentResponse holding the next
// slice of every candidate: thought parts become reasoning, text parts
// content, and each functionCall part (Gemini sends a call whole) one tool
// call with a stream-wide index, an id, its name and its full arguments.
// A candidate's finishReason is recorded, not sent: some Gemini streams
// repeat it on every chunk, so each choice's finish is emitted once, when the
// stream is over — and an error event after it still reaches the client as
// an error. The stream is complete once a finishReason (or a prompt block)
// was seen.
//
// Events are read by gemChunk (translate_google_chunk.go) into reused
// buffers, and strings are passed on still escaped, so a steady stream
// allocates next to nothing; the state is a handful of counters and bit sets.
// Choice indexes are clamped to 0..63 (Gemini allows at most 8 candidates).
package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
)

const gemMaxSlot = 63

// googleDecoder reads one Gemini stream. Use googleCodec.stream.
type googleDecoder struct {
	model     string
	id, mdl   []byte // escaped bodies, fixed by the first event
	callToken string // random part of this stream's tool call ids
	nextCall  int    // stream-wide tool call counter
	known     uint64 // per-choice bit: the choice exists
	emitted   uint64 // per-choice bit: its first chunk went out
	toolSeen  uint64
	finishes  [gemMaxSlot + 1]string // hub finish reasons, as recorded
	done      bool                   // a finishReason (or a prompt block) was seen
	u         usage

	chunk   gemChunk     // reused parse buffers
	buf     []byte       // reused text of this event's chunks
	tools   []toolDelta  // reused tool deltas of this event
	scratch bytes.Buffer // reused for compacting call arguments
}

func (googleCodec) stream(model string) streamDecoder { return &googleDecoder{model: model} }

func (d *googleDecoder) usage() usage { return d.u }

func (d *googleDecoder) decode(out []chatChunk, ev streamEvent) ([]chatChunk, error) {
	data := bytes.TrimSpace(ev.Data)
	if len(data) == 0 || bytes.Equal(data, doneData) {
		return out, nil
	}
	c := &d.chunk
	if err := c.parse(data); err != nil {
		return out, fmt.Errorf("gemini stream event is not a GenerateContentResponse: %w", err)
	}
	if c.errBody != nil {
		return out, gemStreamError(c.errBody)
	}
	d.start(c.responseID, c.modelVersion)
	if c.hasUsage {
		d.u = gemUsage(&c.usage)
		d.u.HasInput = true
	}
	d.buf, d.tools = d.buf[:0], d.tools[:0]
	if len(c.cands) == 0 && len(c.blockReason) > 0 {
		d.finishes[0], d.done = finishContentFilter, true
		d.known |= 1
	}
	for i := range c.cands {
		out = d.candidate(out, &c.cands[i], i)
	}
	return out, nil
}

// start fixes the id, model and call ids of the stream at its first event.
func (d *googleDecoder) start(responseID, modelVersion []byte) {
	if d.id != nil {
		return
	}
	d.callToken = randomHex(4)
	d.id = append([]byte{}, responseID...)
	if len(d.id) == 0 {
		d.id = []byte(randomHex(12))
	}
	d.mdl = append([]byte{}, modelVersion...)
	if len(d.mdl) == 0 {
		d.mdl = appendJSONEscaped(nil, d.model)
	}
}

// emit appends a chunk for choice idx, marking its first.
func (d *googleDecoder) emit(out []chatChunk, idx int, c chatChunk) []chatChunk {
	c.Choice, c.ID, c.Model = idx, d.id, d.mdl
	if d.u.HasInput {
		c.Usage = &d.u
	}
	if d.emitted&(1<<idx) == 0 {
		d.emitted |= 1 << idx
		c.Start = true
	}
	d.known |= 1 << idx
	return append(out, c)
}

// candidate appends the chunks for one candidate's slice of this event.
func (d *googleDecoder) candidate(out []chatChunk, c *gemChunkCand, pos int) []chatChunk {
	idx := pos
	if c.hasIndex {
		idx = c.index
	}
	idx = min(max(idx, 0), gemMaxSlot)
	if text := d.joinText(c.parts, true); text != nil {
		out = d.emit(out, idx, chatChunk{Reasoning: text})
	}
	if text := d.joinText(c.parts, false); text != nil {
		out = d.emit(out, idx, chatChunk{Content: text})
	}
	if tools := d.calls(c.parts); len(tools) > 0 {
		d.toolSeen |= 1 << idx
		out = d.emit(out, idx, chatChunk{Tools: tools})
	}
	if len(c.finish) > 0 {
		d.finishes[idx] = gemFinishReason(string(c.finish), d.toolSeen&(1<<idx) != 0)
		d.known |= 1 << idx
		d.done = true
	}
	return out
}

// joinText joins the thought (or other) text parts' bodies; nil when none.
func (d *googleDecoder) joinText(parts []gemChunkPart, thought bool) []byte {
	start := len(d.buf)
	for i := range parts {
		if p := &parts[i]; !p.call && p.thought == thought && len(p.text) > 0 {
			d.buf = append(d.buf, p.text...)
		}
	}
	if len(d.buf) == start {
		return nil
	}
	return d.buf[start:]
}

// calls turns every functionCall part into a complete tool delta.
func (d *googleDecoder) calls(parts []gemChunkPart) []toolDelta {
	start := len(d.tools)
	for i := range parts {
		p := &parts[i]
		if !p.call {
			continue
		}
		t := toolDelta{Index: d.nextCall, Name: p.name}
		at := len(d.buf)
		d.buf = append(d.buf, "call_"...)
		d.buf = append(d.buf, d.callToken...)
		d.buf = strconv.AppendInt(append(d.buf, '_'), int64(d.nextCall), 10)
		t.ID = d.buf[at:]
		at = len(d.buf)
		d.buf = appendJSONEscapedBytes(d.buf, gemArgs(p.args, &d.scratch))
		t.Args = d.buf[at:]
		if len(p.sig) > 0 {
			at = len(d.buf)
			d.buf = appendSignatureExtra(d.buf, p.sig)
			t.Extra = d.buf[at:]
		}
		d.tools = append(d.tools, t)
		d.nextCall++
	}
	return d.tools[start:]
}

func (d *googleDecoder) end(out []chatChunk) ([]chatChunk, bool) {
	if !d.done {
		return out, false
	}
	d.start(nil, nil)
	for idx := 0; idx <= gemMaxSlot; idx++ {
		bit := uint64(1) << idx
		if d.known&bit == 0 {
			continue
		}
		f := d.finishes[idx]
		if f == "" {
			f = gemFinishReason("STOP", d.toolSeen&bit != 0)
		}
		out = append(out, chatChunk{Choice: idx, ID: d.id, Model: d.mdl, Finish: f, Start: d.emitted&bit == 0})
	}
	d.u.HasOutput = d.u.HasInput // the last usage seen is the final one
	return out, true
}

// gemStreamError turns an in-stream Google error into an *apiError.
func gemStreamError(e *gemErrorBody) *apiError {
	st := http.StatusBadGateway
	switch e.Status {
	case "RESOURCE_EXHAUSTED":
		st = http.StatusTooManyRequests
	case "INVALID_ARGUMENT":
		st = http.StatusBadRequest
	case "UNAVAILABLE":
		st = http.StatusServiceUnavailable
	}
	msg := e.Message
	if msg == "" {
		msg = "Gemini stream error"
		if e.Status != "" {
			msg += ": " + e.Status
		}
	}
	return &apiError{Status: st, Type: errorTypeForStatus(st), Message: msg}
}
