// translate_responses_events.go: hub chunks -> a Responses event stream,
// in the order OpenAI sends it.
//
// response.created and response.in_progress open the stream; then, per
// output item: response.output_item.added; for text,
// response.content_part.added, response.output_text.delta...,
// response.output_text.done, response.content_part.done; for reasoning,
// response.reasoning_summary_part.added, response.reasoning_summary_text.
// delta..., .done, response.reasoning_summary_part.done; for a function
// call, response.function_call_arguments.delta... and .done; then
// response.output_item.done. Last comes response.completed (or
// response.incomplete) with the whole response and its usage. Every event
// has its type and a rising sequence_number, from 0.
//
// Calls of the client-executed kinds (custom, local_shell, shell,
// apply_patch) are held until the call is complete — their items are not
// the function arguments being streamed — and then sent whole (a custom
// call's input as one response.custom_tool_call_input.delta). A failure
// after the first byte is an error event, shaped so the OpenAI SDKs raise
// it, then response.failed. The whole response is repeated at the end, as
// the protocol requires, so this encoder keeps the answer's text: memory
// grows with the answer (at most the stream's own size), unlike the other
// formats' constant state.
package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

type itemKind uint8

const (
	itemNone itemKind = iota
	itemReasoning
	itemMessage
	itemCall
)

// responsesEncoder writes one Responses client's stream.
type responsesEncoder struct {
	echo    *responsesEcho
	model   string
	id      string
	created int64
	seq     int
	started bool

	open      itemKind
	index     int     // output_index of the open item
	itemID    string  // its id
	text      []byte  // escaped text of the open message (nil: no text part yet)
	refusal   []byte  // escaped refusal of the open message (nil: none)
	parts     [2]bool // content index 0 / 1 is the refusal part
	reasoning []byte
	call      openCall
	maxCall   int    // highest call index opened; -1 before any
	output    []byte // finished items, comma-joined
	items     int
	reason    string // the hub finish reason, once the closing chunk came
}

// openCall is the tool call being streamed.
type openCall struct {
	index    int // its index among the answer's calls
	id, name string
	args     []byte // escaped arguments text
	kind     toolKind
}

func (responsesClient) stream(in *inbound, model string) streamEncoder {
	return &responsesEncoder{echo: echoOf(in.body), model: model, id: "resp_" + randomHex(24), created: nowUnix(),
		call: openCall{index: -1}, maxCall: -1}
}

// head opens an event of type typ with its sequence number.
func (w *responsesEncoder) head(dst []byte, typ string) []byte {
	dst = append(dst, "event: "...)
	dst = append(dst, typ...)
	dst = append(dst, "\ndata: {\"type\":\""...)
	dst = append(dst, typ...)
	dst = append(dst, `","sequence_number":`...)
	dst = strconv.AppendInt(dst, int64(w.seq), 10)
	w.seq++
	return dst
}

func endEvent(dst []byte) []byte { return append(dst, "}\n\n"...) }

// itemRef appends "item_id" and "output_index" of the open item.
func (w *responsesEncoder) itemRef(dst []byte) []byte {
	dst = append(dst, `,"item_id":"`...)
	dst = append(dst, w.itemID...)
	dst = append(dst, `","output_index":`...)
	return strconv.AppendInt(dst, int64(w.index), 10)
}

// lifecycle writes response.created, .in_progress, .completed, .incomplete
// or .failed with the response so far.
func (w *responsesEncoder) lifecycle(dst []byte, typ, status, incomplete string, u *usage, failure *apiError) []byte {
	dst = w.head(dst, typ)
	dst = append(dst, `,"response":`...)
	dst = w.echo.appendResponse(dst, w.id, w.created, w.model, status, incomplete, w.output, u, failure)
	return endEvent(dst)
}

func (w *responsesEncoder) encode(dst []byte, c *chatChunk) ([]byte, error) {
	if !w.started {
		w.started = true
		if len(c.Model) > 0 {
			w.model = rawJSON(`"` + string(c.Model) + `"`).str()
		}
		dst = w.lifecycle(dst, "response.created", "in_progress", "", nil, nil)
		dst = w.lifecycle(dst, "response.in_progress", "in_progress", "", nil, nil)
	}
	if c.Choice != 0 {
		return dst, nil
	}
	if c.Reasoning != nil {
		if w.open != itemReasoning {
			dst = w.openItem(w.closeItem(dst), itemReasoning, "rs_")
			dst = w.head(dst, "response.reasoning_summary_part.added")
			dst = w.itemRef(dst)
			dst = endEvent(append(dst, `,"summary_index":0,"part":{"type":"summary_text","text":""}`...))
		}
		w.reasoning = append(w.reasoning, c.Reasoning...)
		dst = w.head(dst, "response.reasoning_summary_text.delta")
		dst = w.itemRef(dst)
		dst = endEvent(appendDeltaField(append(dst, `,"summary_index":0`...), c.Reasoning))
	}
	if c.Content != nil {
		dst = w.messageDelta(dst, c.Content, false)
	}
	if c.Refusal != nil {
		dst = w.messageDelta(dst, c.Refusal, true)
	}
	for i := range c.Tools {
		t := &c.Tools[i]
		if (w.open != itemCall || t.Index != w.call.index) && t.Index <= w.maxCall {
			return dst, interleavedCallsError("Responses output items")
		}
		dst = w.toolDelta(dst, t)
	}
	if c.Finish != "" {
		w.reason = c.Finish
	}
	return dst, nil
}

func appendDeltaField(dst, body []byte) []byte {
	dst = append(dst, `,"delta":"`...)
	dst = append(dst, body...)
	return append(dst, '"')
}

// openItem starts an output item of kind (announced here unless a call).
func (w *responsesEncoder) openItem(dst []byte, kind itemKind, prefix string) []byte {
	w.open, w.index, w.itemID = kind, w.items, prefix+randomHex(24)
	w.items++
	switch kind {
	case itemReasoning:
		w.reasoning = w.reasoning[:0]
		dst = w.head(dst, "response.output_item.added")
		dst = append(append(dst, `,"output_index":`...), strconv.Itoa(w.index)...)
		dst = append(dst, `,"item":`...)
		dst = endEvent(appendReasoningItem(dst, w.itemID, nil))
	case itemMessage:
		w.text, w.refusal, w.parts = nil, nil, [2]bool{}
		dst = w.head(dst, "response.output_item.added")
		dst = append(append(dst, `,"output_index":`...), strconv.Itoa(w.index)...)
		dst = append(dst, `,"item":{"id":"`...)
		dst = append(dst, w.itemID...)
		dst = endEvent(append(dst, `","type":"message","status":"in_progress","content":[],"role":"assistant"}`...))
	}
	return dst
}

// messageDelta appends text (or a refusal) to the open message.
func (w *responsesEncoder) messageDelta(dst, body []byte, refusal bool) []byte {
	if w.open != itemMessage {
		dst = w.openItem(w.closeItem(dst), itemMessage, "msg_")
	}
	part := &w.text
	typ := "response.output_text.delta"
	if refusal {
		part, typ = &w.refusal, "response.refusal.delta"
	}
	if *part == nil {
		*part = []byte{}
		w.parts[w.partCount()-1] = refusal
		dst = w.head(dst, "response.content_part.added")
		dst = w.itemRef(dst)
		dst = append(append(dst, `,"content_index":`...), strconv.Itoa(w.contentIndex(refusal))...)
		dst = append(dst, `,"part":`...)
		if refusal {
			dst = endEvent(appendRefusalPart(dst, nil))
		} else {
			dst = endEvent(appendTextPart(dst, nil))
		}
	}
	*part = append(*part, body...)
	dst = w.head(dst, typ)
	dst = w.itemRef(dst)
	dst = append(append(dst, `,"content_index":`...), strconv.Itoa(w.contentIndex(refusal))...)
	dst = appendDeltaField(dst, body)
	if !refusal {
		dst = append(dst, `,"logprobs":[]`...)
	}
	return endEvent(dst)
}

// partCount is how many content parts the open message has.
func (w *responsesEncoder) partCount() int {
	n := 0
	if w.text != nil {
		n++
	}
	if w.refusal != nil {
		n++
	}
	return n
}

// contentIndex is the index of the text (or refusal) part of the message.
func (w *responsesEncoder) contentIndex(refusal bool) int {
	if w.parts[0] == refusal {
		return 0
	}
	return 1
}

// toolDelta handles part of a tool call: a new call index opens an item.
// Function calls stream their arguments; the other kinds wait for closeCall.
func (w *responsesEncoder) toolDelta(dst []byte, t *toolDelta) []byte {
	if w.open != itemCall || t.Index != w.call.index {
		dst = w.closeItem(dst)
		name := rawJSON(`"` + string(t.Name) + `"`).str()
		w.open, w.index, w.maxCall = itemCall, w.items, t.Index
		w.items++
		w.call = openCall{index: t.Index, id: string(t.ID), name: name, args: w.call.args[:0],
			kind: w.echo.tools[name].kind}
		w.itemID = newItemID(w.call.kind)
		if w.call.kind == kindFunction {
			dst = w.head(dst, "response.output_item.added")
			dst = append(append(dst, `,"output_index":`...), strconv.Itoa(w.index)...)
			dst = append(dst, `,"item":`...)
			dst = endEvent(w.echo.appendCallItem(dst, w.itemID, "in_progress", w.call.id, name, ""))
		}
	}
	if len(t.Args) == 0 {
		return dst
	}
	w.call.args = append(w.call.args, t.Args...)
	if w.call.kind != kindFunction {
		return dst
	}
	dst = w.head(dst, "response.function_call_arguments.delta")
	dst = w.itemRef(dst)
	return endEvent(appendDeltaField(dst, t.Args))
}

// closeItem finishes the open item, if any, and adds it to the output.
func (w *responsesEncoder) closeItem(dst []byte) []byte {
	switch w.open {
	case itemNone:
		return dst
	case itemReasoning:
		dst = w.head(dst, "response.reasoning_summary_text.done")
		dst = w.itemRef(dst)
		dst = append(dst, `,"summary_index":0,"text":"`...)
		dst = endEvent(append(append(dst, w.reasoning...), '"'))
		dst = w.head(dst, "response.reasoning_summary_part.done")
		dst = w.itemRef(dst)
		dst = append(dst, `,"summary_index":0,"part":{"type":"summary_text","text":"`...)
		dst = endEvent(append(append(dst, w.reasoning...), `"}`...))
		dst = w.itemDone(dst, appendReasoningItem(nil, w.itemID, w.reasoning))
	case itemMessage:
		if w.text != nil {
			dst = w.partDone(dst, "response.output_text.done", "text", w.text, false)
		}
		if w.refusal != nil {
			dst = w.partDone(dst, "response.refusal.done", "refusal", w.refusal, true)
		}
		dst = w.itemDone(dst, appendMessageItem(nil, w.itemID, itemStatus(w.reason), w.text, w.refusal))
	case itemCall:
		dst = w.closeCall(dst)
	}
	w.open = itemNone
	return dst
}

// partDone writes a content part's .done events.
func (w *responsesEncoder) partDone(dst []byte, typ, field string, body []byte, refusal bool) []byte {
	ci := strconv.Itoa(w.contentIndex(refusal))
	dst = w.head(dst, typ)
	dst = w.itemRef(dst)
	dst = append(append(dst, `,"content_index":`...), ci...)
	dst = append(append(append(dst, `,"`...), field...), `":"`...)
	dst = append(append(dst, body...), '"')
	if !refusal {
		dst = append(dst, `,"logprobs":[]`...)
	}
	dst = endEvent(dst)
	dst = w.head(dst, "response.content_part.done")
	dst = w.itemRef(dst)
	dst = append(append(dst, `,"content_index":`...), ci...)
	dst = append(dst, `,"part":`...)
	if refusal {
		return endEvent(appendRefusalPart(dst, body))
	}
	return endEvent(appendTextPart(dst, body))
}

// itemDone writes response.output_item.done and keeps the item.
func (w *responsesEncoder) itemDone(dst, item []byte) []byte {
	dst = w.head(dst, "response.output_item.done")
	dst = append(append(dst, `,"output_index":`...), strconv.Itoa(w.index)...)
	dst = endEvent(append(append(dst, `,"item":`...), item...))
	if len(w.output) > 0 {
		w.output = append(w.output, ',')
	}
	w.output = append(w.output, item...)
	return dst
}

// closeCall finishes a tool call: its .done events, or, for the kinds held
// back, the whole item now.
func (w *responsesEncoder) closeCall(dst []byte) []byte {
	args := rawJSON(`"` + string(w.call.args) + `"`).str()
	if args == "" {
		args = "{}"
	}
	t, v := w.echo.callKind(w.call.name, args)
	item := w.echo.appendCallItem(nil, w.itemID, "completed", w.call.id, w.call.name, args)
	if w.call.kind == kindFunction {
		dst = w.head(dst, "response.function_call_arguments.done")
		dst = w.itemRef(dst)
		dst = append(dst, `,"name":`...)
		dst = appendJSONString(dst, w.call.name)
		dst = append(dst, `,"arguments":`...)
		dst = endEvent(appendJSONString(dst, args))
		return w.itemDone(dst, item)
	}
	if t.kind != w.call.kind { // unreadable arguments: a function call after all
		w.itemID = "fc_" + w.itemID[strings.IndexByte(w.itemID, '_')+1:]
		item = w.echo.appendCallItem(nil, w.itemID, "completed", w.call.id, w.call.name, args)
	}
	added := item
	var input string
	if t.kind == kindCustom {
		json.Unmarshal(v["input"], &input)
		added = w.echo.appendCallItem(nil, w.itemID, "in_progress", w.call.id, w.call.name, `{"input":""}`)
	}
	dst = w.head(dst, "response.output_item.added")
	dst = append(append(dst, `,"output_index":`...), strconv.Itoa(w.index)...)
	dst = endEvent(append(append(dst, `,"item":`...), added...))
	if t.kind == kindCustom {
		dst = w.head(dst, "response.custom_tool_call_input.delta")
		dst = w.itemRef(dst)
		dst = endEvent(appendJSONString(append(dst, `,"delta":`...), input))
		dst = w.head(dst, "response.custom_tool_call_input.done")
		dst = w.itemRef(dst)
		dst = endEvent(appendJSONString(append(dst, `,"input":`...), input))
	}
	return w.itemDone(dst, item)
}

func (w *responsesEncoder) finish(dst []byte, u usage) []byte {
	if !w.started {
		dst, _ = w.encode(dst, &chatChunk{})
	}
	if w.items == 0 {
		dst = w.messageDelta(dst, []byte{}, false) // an empty answer is an empty message
	}
	dst = w.closeItem(dst)
	status, incomplete := responsesStatus(w.reason)
	typ := "response.completed"
	if status == "incomplete" {
		typ = "response.incomplete"
	}
	var up *usage
	if u.HasInput || u.HasOutput {
		up = &u
	}
	return w.lifecycle(dst, typ, status, incomplete, up, nil)
}

func (w *responsesEncoder) fail(dst []byte, e *apiError) []byte {
	if !w.started {
		dst, _ = w.encode(dst, &chatChunk{})
	}
	dst = appendResponsesError(dst, e, w.seq)
	w.seq++
	return w.lifecycle(dst, "response.failed", "failed", "", nil, e)
}

// responsesErrorCode is the code a Responses error carries.
func responsesErrorCode(e *apiError) string {
	switch {
	case e.Code != "":
		return e.Code
	case e.Status == http.StatusTooManyRequests:
		return "rate_limit_exceeded"
	}
	return "server_error"
}

// appendResponsesError writes an error event: the documented top-level
// code, message and param, and the same as an "error" object, which is
// what makes the OpenAI SDKs raise. seq < 0 leaves the sequence number out
// (a passthrough stream's own numbering is not known).
func appendResponsesError(dst []byte, e *apiError, seq int) []byte {
	code := responsesErrorCode(e)
	typ := e.Type
	if typ == "" {
		typ = errorTypeForStatus(e.Status)
	}
	dst = append(dst, "event: error\ndata: {\"type\":\"error\""...)
	if seq >= 0 {
		dst = strconv.AppendInt(append(dst, `,"sequence_number":`...), int64(seq), 10)
	}
	dst = append(dst, `,"code":`...)
	dst = appendJSONString(dst, code)
	dst = append(dst, `,"message":`...)
	dst = appendJSONString(dst, e.Message)
	dst = append(dst, `,"param":null,"error":{"type":`...)
	dst = appendJSONString(dst, typ)
	dst = append(dst, `,"code":`...)
	dst = appendJSONString(dst, code)
	dst = append(dst, `,"message":`...)
	dst = appendJSONString(dst, e.Message)
	return append(dst, ",\"param\":null}}\n\n"...)
}
