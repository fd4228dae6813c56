// translate_openai_stream.go: OpenAI chat.completion.chunk streams to and
// from hub chunks.
//
// openAIChunkReader reads an OpenAI-compatible backend's chunks (for clients
// of another format); openAIChunkWriter writes chunks for an OpenAI client
// of another backend. Both splice string values as the JSON literals they
// arrived as, so text is never unescaped on the way through.
//
// Finish reasons are held until the upstream stream is over and sent once,
// in each choice's last chunk: a server that repeats finish_reason, or
// sends content after it, cannot make the client see a finish mid-stream.
// [DONE] without a finish_reason still completes the answer (stop); an
// upstream that just stops without either was cut.
package main

import (
	"bytes"
	"fmt"
	"strconv"
)

var doneData = []byte("[DONE]")

// openAIChunk is the part of a chat.completion.chunk (or error event) read.
type openAIChunk struct {
	ID      rawJSON             `json:"id"`
	Model   rawJSON             `json:"model"`
	Object  rawJSON             `json:"object"`
	Choices []openAIChunkChoice `json:"choices"`
	Usage   *openAIUsage        `json:"usage"`
	Error   rawJSON             `json:"error"`
	Message rawJSON             `json:"message"` // vLLM's flat error form
	Type    rawJSON             `json:"type"`
	Code    rawJSON             `json:"code"`
}

type openAIChunkChoice struct {
	Index int `json:"index"`
	Delta struct {
		Content          rawJSON         `json:"content"`
		ReasoningContent rawJSON         `json:"reasoning_content"`
		Reasoning        rawJSON         `json:"reasoning"`
		Refusal          rawJSON         `json:"refusal"`
		ToolCalls        []openAICallRaw `json:"tool_calls"`
	} `json:"delta"`
	FinishReason rawJSON `json:"finish_reason"`
	StopReason   rawJSON `json:"stop_reason"` // vLLM: the matched stop string
}

type openAICallRaw struct {
	Index    rawJSON `json:"index"`
	ID       rawJSON `json:"id"`
	Function struct {
		Name      rawJSON `json:"name"`
		Arguments rawJSON `json:"arguments"`
	} `json:"function"`
	ExtraContent rawJSON `json:"extra_content"`
}

// maxChoices bounds the choices a stream tracks (n is small in practice).
const maxChoices = 64

// openAIChunkReader decodes OpenAI chunks into hub chunks.
type openAIChunkReader struct {
	chunk    openAIChunk
	started  uint64 // per-choice bit: a chunk was emitted
	finish   [maxChoices]string
	stopSeq  []byte
	id, mdl  []byte
	sawDone  bool
	sawStop  bool
	u        usage
	lastCall int    // index of the call seen last (servers that omit index)
	maxCall  int    // highest call index seen; -1 before any
	lastID   []byte // raw id of that call
	tools    []toolDelta
}

func newOpenAIChunkReader() *openAIChunkReader { return &openAIChunkReader{maxCall: -1} }

func (r *openAIChunkReader) usage() usage { return r.u }

func (r *openAIChunkReader) decode(out []chatChunk, ev streamEvent) ([]chatChunk, error) {
	data := bytes.TrimSpace(ev.Data)
	if len(data) == 0 || r.sawDone {
		return out, nil
	}
	if bytes.Equal(data, doneData) {
		r.sawDone = true
		return out, nil
	}
	isError := string(ev.Name) == "error"
	c := &r.chunk
	if err := r.read(data); err != nil {
		if isError {
			return out, openAIStreamError(nil, nil, nil, nil)
		}
		return out, err
	}
	if isError || !c.Error.absent() || string(c.Object) == `"error"` {
		return out, openAIStreamError(c.Error, c.Message, c.Type, c.Code)
	}
	if c.Usage != nil {
		r.u = c.Usage.toUsage()
	}
	if r.id == nil && c.ID.nonEmptyString() {
		r.id = append([]byte{}, c.ID.body()...)
	}
	if r.mdl == nil && c.Model.nonEmptyString() {
		r.mdl = append([]byte{}, c.Model.body()...)
	}
	r.tools = r.tools[:0]
	for i := range c.Choices {
		ch := &c.Choices[i]
		if ch.Index < 0 || ch.Index >= maxChoices {
			continue
		}
		out = r.choice(out, ch)
	}
	return out, nil
}

// read parses one chunk into r.chunk, keeping slice capacity for reuse.
func (r *openAIChunkReader) read(data []byte) error {
	choices := r.chunk.Choices[:cap(r.chunk.Choices)]
	for i := range choices {
		calls := choices[i].Delta.ToolCalls[:cap(choices[i].Delta.ToolCalls)]
		clear(calls)
		choices[i] = openAIChunkChoice{}
		choices[i].Delta.ToolCalls = calls[:0]
	}
	r.chunk = openAIChunk{Choices: choices[:0]}
	if err := r.chunk.parse(data); err != nil {
		return fmt.Errorf("openai stream: unreadable chunk: %w", err)
	}
	return nil
}

// choice turns one choice's delta into a chunk and records its finish.
func (r *openAIChunkReader) choice(out []chatChunk, ch *openAIChunkChoice) []chatChunk {
	d := &ch.Delta
	out = append(out, chatChunk{Choice: ch.Index, ID: r.id, Model: r.mdl, Usage: r.usageNow()}) // filled in place
	c := &out[len(out)-1]
	reasoning := d.ReasoningContent
	if !reasoning.isString() {
		reasoning = d.Reasoning
	}
	if reasoning.nonEmptyString() {
		c.Reasoning = reasoning.body()
	}
	if d.Content.nonEmptyString() {
		c.Content = d.Content.body()
	}
	if d.Refusal.nonEmptyString() {
		c.Refusal = d.Refusal.body()
	}
	start := len(r.tools)
	for k := range d.ToolCalls {
		r.tools = append(r.tools, r.call(&d.ToolCalls[k]))
	}
	c.Tools = r.tools[start:]
	if f := canonicalFinish(ch.FinishReason.str()); f != "" {
		r.finish[ch.Index] = f
		r.sawStop = true
		if ch.StopReason.nonEmptyString() && ch.Index == 0 {
			r.stopSeq = append(r.stopSeq[:0], ch.StopReason.body()...)
		}
	}
	if c.Content == nil && c.Reasoning == nil && c.Refusal == nil && len(c.Tools) == 0 {
		if r.started&(1<<ch.Index) != 0 {
			return out[:len(out)-1]
		}
	}
	if r.started&(1<<ch.Index) == 0 {
		r.started |= 1 << ch.Index
		c.Start = true
	}
	return out
}

// usageNow is the usage known so far, for a chunk (nil when none).
func (r *openAIChunkReader) usageNow() *usage {
	if !r.u.HasInput {
		return nil
	}
	return &r.u
}

// call reads one tool_calls entry. Servers that omit index: a new id starts
// a new call.
func (r *openAIChunkReader) call(tc *openAICallRaw) toolDelta {
	idx, ok := smallInt(tc.Index)
	if !ok {
		idx = r.lastCall
		if r.maxCall < 0 || (tc.ID.nonEmptyString() && !bytes.Equal(tc.ID, r.lastID)) {
			idx = r.maxCall + 1
		}
	}
	t := toolDelta{Index: idx}
	if tc.ID.nonEmptyString() {
		t.ID = tc.ID.body()
		r.lastID = append(r.lastID[:0], tc.ID...)
	}
	if tc.Function.Name.isString() && (t.ID != nil || tc.Function.Name.nonEmptyString()) {
		t.Name = tc.Function.Name.body()
	}
	if tc.Function.Arguments.nonEmptyString() {
		t.Args = tc.Function.Arguments.body()
	}
	if tc.ExtraContent.kind() == '{' {
		t.Extra = tc.ExtraContent
	}
	r.lastCall, r.maxCall = idx, max(r.maxCall, idx)
	return t
}

// smallInt reads a small non-negative JSON integer.
func smallInt(raw rawJSON) (int, bool) {
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

func (r *openAIChunkReader) end(out []chatChunk) ([]chatChunk, bool) {
	if !r.sawStop && !r.sawDone {
		return out, false
	}
	if r.started == 0 {
		r.started = 1 // [DONE] alone: an empty answer
		out = append(out, chatChunk{Start: true, ID: r.id, Model: r.mdl, Finish: finishStop})
		return out, true
	}
	for i := 0; i < maxChoices; i++ {
		if r.started&(1<<i) == 0 {
			continue
		}
		f := r.finish[i]
		if f == "" {
			f = finishStop
		}
		c := chatChunk{Choice: i, ID: r.id, Model: r.mdl, Finish: f}
		if i == 0 && len(r.stopSeq) > 0 {
			c.StopSequence = r.stopSeq
		}
		out = append(out, c)
	}
	return out, true
}

// openAIChunkWriter writes hub chunks as chat.completion.chunk frames.
type openAIChunkWriter struct {
	includeUsage bool
	model        string
	// head is `data: {"id":..,"object":"chat.completion.chunk","created":..,"model":..,`
	head []byte
	// textHead and textTail frame a chunk of choice 0 that carries only
	// text, the one most streams are made of, around the text itself.
	textHead []byte
	textTail string
}

// Around the text of a text-only chunk, after textHead.
const (
	textTail      = `"},"logprobs":null,"finish_reason":null}]}` + "\n\n"
	textTailUsage = `"},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n"
)

func (w *openAIChunkWriter) setHead(id, model []byte) {
	const choice0 = `"choices":[{"index":0,"delta":{"content":"`
	h := make([]byte, 0, 128+len(id)+len(model)+len(w.model)+len(choice0))
	h = append(h, `data: {"id":"`...)
	switch {
	case len(id) == 0:
		h = append(h, "chatcmpl-"...)
		h = append(h, randomHex(12)...)
	case bytes.HasPrefix(id, []byte("chatcmpl-")):
		h = append(h, id...)
	default:
		h = append(h, "chatcmpl-"...)
		h = append(h, id...)
	}
	h = append(h, `","object":"chat.completion.chunk","created":`...)
	h = strconv.AppendInt(h, nowUnix(), 10)
	h = append(h, `,"model":`...)
	if len(model) > 0 {
		h = append(append(append(h, '"'), model...), '"')
	} else {
		h = appendJSONString(h, w.model)
	}
	h = append(h, ',')
	w.head = h
	w.textHead = append(h, choice0...) // the same array, one allocation
	w.textTail = textTail
	if w.includeUsage {
		w.textTail = textTailUsage
	}
}

func (w *openAIChunkWriter) encode(dst []byte, c *chatChunk) ([]byte, error) {
	if w.head == nil {
		w.setHead(c.ID, c.Model)
	}
	if c.Content != nil && c.Choice == 0 && !c.Start && c.Reasoning == nil && c.Refusal == nil && len(c.Tools) == 0 && c.Finish == "" {
		dst = append(dst, w.textHead...)
		dst = append(dst, c.Content...)
		return append(dst, w.textTail...), nil
	}
	dst = append(dst, w.head...)
	dst = append(dst, `"choices":[{"index":`...)
	dst = strconv.AppendInt(dst, int64(c.Choice), 10)
	dst = append(dst, `,"delta":{`...)
	n := len(dst)
	if c.Start {
		dst = append(dst, `"role":"assistant",`...)
	}
	dst = appendStringField(dst, "reasoning_content", c.Reasoning)
	dst = appendStringField(dst, "content", c.Content)
	dst = appendStringField(dst, "refusal", c.Refusal)
	if len(c.Tools) > 0 {
		dst = appendToolDeltas(dst, c.Tools)
	}
	if c.Start && len(dst) == n+len(`"role":"assistant",`) {
		dst = append(dst, `"content":"",`...)
	}
	if dst[len(dst)-1] == ',' {
		dst = dst[:len(dst)-1]
	}
	dst = append(dst, `},"logprobs":null,"finish_reason":`...)
	if c.Finish != "" {
		dst = append(append(append(dst, '"'), c.Finish...), '"')
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, "}]"...)
	if w.includeUsage {
		dst = append(dst, `,"usage":null`...)
	}
	return append(dst, "}\n\n"...), nil
}

// appendStringField appends "key":"body", when body is not nil.
func appendStringField(dst []byte, key string, body []byte) []byte {
	if body == nil {
		return dst
	}
	dst = append(dst, '"')
	dst = append(dst, key...)
	dst = append(dst, `":"`...)
	dst = append(dst, body...)
	return append(dst, `",`...)
}

// appendToolDeltas appends "tool_calls":[...], as OpenAI streams them: id,
// type and name on a call's first fragment, arguments on every one.
func appendToolDeltas(dst []byte, tools []toolDelta) []byte {
	dst = append(dst, `"tool_calls":[`...)
	for i := range tools {
		t := &tools[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"index":`...)
		dst = strconv.AppendInt(dst, int64(t.Index), 10)
		if t.ID != nil {
			dst = append(dst, `,"id":"`...)
			dst = append(dst, t.ID...)
			dst = append(dst, `","type":"function","function":{"name":"`...)
			dst = append(dst, t.Name...)
			dst = append(dst, `","arguments":"`...)
		} else {
			dst = append(dst, `,"function":{"arguments":"`...)
		}
		dst = append(dst, t.Args...)
		dst = append(dst, `"}`...)
		if len(t.Extra) > 0 {
			dst = append(dst, `,"extra_content":`...)
			dst = append(dst, t.Extra...)
		}
		dst = append(dst, '}')
	}
	return append(dst, "],"...)
}

func (w *openAIChunkWriter) finish(dst []byte, u usage) []byte {
	if w.includeUsage {
		if w.head == nil {
			w.setHead(nil, nil)
		}
		dst = append(dst, w.head...)
		dst = append(dst, `"choices":[],"usage":`...)
		dst = appendOpenAIUsage(dst, u)
		dst = append(dst, "}\n\n"...)
	}
	return append(dst, "data: [DONE]\n\n"...)
}

func (w *openAIChunkWriter) fail(dst []byte, e *apiError) []byte {
	return appendSSE(dst, "", openAIErrorBody(e))
}
