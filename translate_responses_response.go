// translate_responses_response.go: hub completion -> a Response object, and
// the output items the streamed events carry too.
//
// The answer echoes the request's settings (instructions, tools,
// tool_choice, sampling, text, reasoning) as OpenAI's does, says "store":
// false, and lists, in order: a reasoning item (the backend's reasoning as
// its summary), a message (output_text, or refusal), then one item per tool
// call, of the type the client offered the tool as. status is "incomplete"
// with incomplete_details.reason max_output_tokens (finish "length") or
// content_filter. Ids: resp_, rs_, msg_, fc_, ctc_, lsc_, sh_, apc_ with
// random hex.
package main

import (
	"encoding/json"
	"strconv"
)

// responsesEcho is what a Response repeats of its request, and the tools to
// read calls back with.
type responsesEcho struct {
	Instructions      rawJSON `json:"instructions"`
	MaxOutputTokens   rawJSON `json:"max_output_tokens"`
	ParallelToolCalls *bool   `json:"parallel_tool_calls"`
	Temperature       rawJSON `json:"temperature"`
	TopP              rawJSON `json:"top_p"`
	Text              rawJSON `json:"text"`
	Reasoning         rawJSON `json:"reasoning"`
	ToolChoice        rawJSON `json:"tool_choice"`
	Tools             rawJSON `json:"tools"`
	Metadata          rawJSON `json:"metadata"`
	User              rawJSON `json:"user"`
	tools             toolMap
}

// echoOf reads the echo of a request body (already validated by request).
func echoOf(body []byte) *responsesEcho {
	e := &responsesEcho{}
	json.Unmarshal(body, e)
	var tools []responsesTool
	if e.Tools.kind() == '[' {
		json.Unmarshal(e.Tools, &tools)
	}
	_, e.tools, _ = offeredTools(tools)
	return e
}

// appendResponse writes a Response object with status and output (items
// joined by commas), the request's echo, and usage when known.
func (e *responsesEcho) appendResponse(dst []byte, id string, created int64, model, status, incomplete string,
	output []byte, u *usage, failure *apiError) []byte {
	raw := func(key string, v rawJSON, def string) {
		dst = append(append(append(dst, `,"`...), key...), `":`...)
		if v.absent() {
			dst = append(dst, def...)
		} else {
			dst = append(dst, v...)
		}
	}
	dst = append(dst, `{"id":`...)
	dst = appendJSONString(dst, id)
	dst = append(dst, `,"object":"response","created_at":`...)
	dst = strconv.AppendInt(dst, created, 10)
	dst = append(dst, `,"status":"`...)
	dst = append(dst, status...)
	dst = append(dst, `","background":false,"error":`...)
	if failure != nil {
		dst = append(dst, `{"code":`...)
		dst = appendJSONString(dst, responsesErrorCode(failure))
		dst = append(dst, `,"message":`...)
		dst = appendJSONString(dst, failure.Message)
		dst = append(dst, '}')
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"incomplete_details":`...)
	if incomplete != "" {
		dst = append(append(append(dst, `{"reason":"`...), incomplete...), `"}`...)
	} else {
		dst = append(dst, "null"...)
	}
	raw("instructions", e.Instructions, "null")
	raw("max_output_tokens", e.MaxOutputTokens, "null")
	dst = append(dst, `,"model":`...)
	dst = appendJSONString(dst, model)
	dst = append(dst, `,"output":[`...)
	dst = append(dst, output...)
	dst = append(dst, `],"parallel_tool_calls":`...)
	dst = strconv.AppendBool(dst, e.ParallelToolCalls == nil || *e.ParallelToolCalls)
	dst = append(dst, `,"previous_response_id":null`...)
	raw("reasoning", e.Reasoning, `{"effort":null,"summary":null}`)
	dst = append(dst, `,"store":false`...)
	raw("temperature", e.Temperature, "1")
	raw("text", e.Text, `{"format":{"type":"text"}}`)
	raw("tool_choice", e.ToolChoice, `"auto"`)
	raw("tools", e.Tools, "[]")
	raw("top_p", e.TopP, "1")
	dst = append(dst, `,"truncation":"disabled","usage":`...)
	if u != nil {
		b, _ := json.Marshal(responsesUsageOf(*u))
		dst = append(dst, b...)
	} else {
		dst = append(dst, "null"...)
	}
	raw("user", e.User, "null")
	raw("metadata", e.Metadata, "{}")
	return append(dst, '}')
}

// responsesStatus is a Response's status and incomplete reason for a finish.
func responsesStatus(finish string) (status, reason string) {
	switch finish {
	case finishLength:
		return "incomplete", "max_output_tokens"
	case finishContentFilter:
		return "incomplete", "content_filter"
	}
	return "completed", ""
}

// itemStatus is an output item's status once the answer finished.
func itemStatus(finish string) string {
	if s, _ := responsesStatus(finish); s == "incomplete" {
		return "incomplete"
	}
	return "completed"
}

// appendReasoningItem writes a reasoning item; summary is an escaped body.
func appendReasoningItem(dst []byte, id string, summary []byte) []byte {
	dst = append(dst, `{"id":"`...)
	dst = append(dst, id...)
	dst = append(dst, `","type":"reasoning","summary":[`...)
	if summary != nil {
		dst = append(dst, `{"type":"summary_text","text":"`...)
		dst = append(dst, summary...)
		dst = append(dst, `"}`...)
	}
	return append(dst, "]}"...)
}

// appendMessageItem writes an assistant message; text and refusal are
// escaped bodies (nil when absent).
func appendMessageItem(dst []byte, id, status string, text, refusal []byte) []byte {
	dst = append(dst, `{"id":"`...)
	dst = append(dst, id...)
	dst = append(dst, `","type":"message","status":"`...)
	dst = append(dst, status...)
	dst = append(dst, `","content":[`...)
	if text != nil || refusal == nil {
		dst = appendTextPart(dst, text)
	}
	if refusal != nil {
		if text != nil {
			dst = append(dst, ',')
		}
		dst = appendRefusalPart(dst, refusal)
	}
	return append(dst, `],"role":"assistant"}`...)
}

func appendTextPart(dst, text []byte) []byte {
	dst = append(dst, `{"type":"output_text","annotations":[],"logprobs":[],"text":"`...)
	dst = append(dst, text...)
	return append(dst, `"}`...)
}

func appendRefusalPart(dst, refusal []byte) []byte {
	dst = append(dst, `{"type":"refusal","refusal":"`...)
	dst = append(dst, refusal...)
	return append(dst, `"}`...)
}

// callKind is how a call of the tool named name goes back to the client:
// as the kind it was offered as, unless its arguments are unreadable (then
// the client gets what came, as a function call).
func (e *responsesEcho) callKind(name, args string) (clientTool, map[string]json.RawMessage) {
	t := e.tools[name]
	var v map[string]json.RawMessage
	if t.kind != kindFunction && json.Unmarshal([]byte(args), &v) != nil {
		t.kind = kindFunction
	}
	return t, v
}

// newItemID is a fresh id for an output item of a call of kind.
func newItemID(kind toolKind) string {
	return [...]string{"fc_", "ctc_", "lsc_", "sh_", "apc_"}[kind] + randomHex(24)
}

// appendCallItem writes one tool call as the item type of the tool's kind.
// args is the call's arguments text (a JSON object).
func (e *responsesEcho) appendCallItem(dst []byte, id, status, callID, name, args string) []byte {
	t, v := e.callKind(name, args)
	dst = append(dst, `{"id":"`...)
	dst = append(dst, id...)
	dst = append(dst, `","type":"`...)
	dst = append(dst, callItemTypes[t.kind]...)
	dst = append(dst, `","status":"`...)
	dst = append(dst, status...)
	dst = append(dst, `","call_id":`...)
	dst = appendJSONString(dst, callID)
	or := func(v json.RawMessage, def string) rawJSON {
		if len(v) == 0 {
			return rawJSON(def)
		}
		return rawJSON(v)
	}
	var action []byte
	switch t.kind {
	case kindFunction, kindCustom:
		dst = append(dst, `,"name":`...)
		dst = appendJSONString(dst, name)
		if t.namespace != "" {
			dst = append(dst, `,"namespace":`...)
			dst = appendJSONString(dst, t.namespace)
		}
		if t.kind == kindFunction {
			dst = append(dst, `,"arguments":`...)
			dst = appendJSONString(dst, args)
		} else {
			var input string
			json.Unmarshal(v["input"], &input)
			dst = append(dst, `,"input":`...)
			dst = appendJSONString(dst, input)
		}
		return append(dst, '}')
	case kindLocalShell:
		action, _ = json.Marshal(struct {
			Type             string  `json:"type"`
			Command          rawJSON `json:"command"`
			Env              rawJSON `json:"env"`
			TimeoutMs        rawJSON `json:"timeout_ms"`
			WorkingDirectory rawJSON `json:"working_directory"`
			User             rawJSON `json:"user"`
		}{"exec", or(v["command"], "[]"), or(v["env"], "{}"), or(v["timeout_ms"], "null"),
			or(v["working_directory"], "null"), rawJSON("null")})
		dst = append(append(dst, `,"action":`...), action...)
	case kindShell:
		action, _ = json.Marshal(struct {
			Commands        rawJSON `json:"commands"`
			TimeoutMs       rawJSON `json:"timeout_ms"`
			MaxOutputLength rawJSON `json:"max_output_length"`
		}{or(v["commands"], "[]"), or(v["timeout_ms"], "null"), or(v["max_output_length"], "null")})
		dst = append(append(dst, `,"action":`...), action...)
		dst = append(dst, `,"environment":null`...)
	case kindApplyPatch:
		op := struct {
			Type rawJSON `json:"type"`
			Path rawJSON `json:"path"`
			Diff rawJSON `json:"diff,omitempty"`
		}{or(v["type"], "null"), or(v["path"], `""`), rawJSON(v["diff"])}
		action, _ = json.Marshal(op)
		dst = append(append(dst, `,"operation":`...), action...)
	}
	return append(dst, '}')
}

func (responsesClient) response(in *inbound, c *chatCompletion) ([]byte, error) {
	if len(c.Choices) == 0 {
		return nil, errNoChoices
	}
	e := echoOf(in.body)
	ch := &c.Choices[0]
	m := &ch.Message
	status, incomplete := responsesStatus(canonicalFinish(ch.FinishReason))
	var output []byte
	item := func() {
		if len(output) > 0 {
			output = append(output, ',')
		}
	}
	if r := m.reasoning(); r != "" {
		item()
		output = appendReasoningItem(output, "rs_"+randomHex(24), appendJSONEscaped(nil, r))
	}
	text := m.Content.joined("")
	if text != "" || m.Refusal != "" || len(m.ToolCalls) == 0 {
		item()
		var t, r []byte
		if text != "" || m.Refusal == "" {
			t = appendJSONEscaped([]byte{}, text)
		}
		if m.Refusal != "" {
			r = appendJSONEscaped(nil, m.Refusal)
		}
		output = appendMessageItem(output, "msg_"+randomHex(24), itemStatus(canonicalFinish(ch.FinishReason)), t, r)
	}
	for _, tc := range m.ToolCalls {
		item()
		args := string(tc.Function.Arguments)
		t, _ := e.callKind(tc.Function.Name, args)
		output = e.appendCallItem(output, newItemID(t.kind), "completed", tc.ID, tc.Function.Name, args)
	}
	var u *usage
	if cu, ok := c.usage(); ok {
		u = &cu
	}
	return e.appendResponse(nil, "resp_"+randomHex(24), c.Created, c.Model, status, incomplete, output, u, nil), nil
}
