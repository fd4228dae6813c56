// e2e_responses_test.go: the OpenAI backend that serves the Responses API
// itself, for scripts/e2e/responses.mjs — Nexus must pass its answers
// through byte for byte (SPEC §13), so the script is handed exactly what
// this mock sends (e2eNativeFixture, in NEXUS_E2E_NATIVE) and compares.
//
// The answers follow OpenAI's Responses API reference: a response object
// (non-streaming: pretty-printed, as api.openai.com sends it) and the
// streamed events response.created, response.in_progress,
// response.output_item.added, response.content_part.added,
// response.output_text.delta..., response.output_text.done,
// response.content_part.done, response.output_item.done and
// response.completed, each with its type and a rising sequence_number.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// e2eOpenAIKey is what the native Responses mock demands.
const e2eOpenAIKey = "sk-e2e-openai-upstream-0123456789"

// e2eNativeFixture is what the native Responses mock answers.
type e2eNativeFixture struct {
	Response string   `json:"response"` // the non-streaming body, exact bytes
	Stream   string   `json:"stream"`   // the streamed body, exact bytes
	Events   []string `json:"events"`   // the data of each streamed event
}

// e2eNativeResponse is a response object (compact, in OpenAI's key order).
func e2eNativeResponse(id, status, output, usage string) string {
	completedAt := "null"
	if status == "completed" {
		completedAt = "1741476543"
	}
	return fmt.Sprintf(`{"id":%q,"object":"response","created_at":1741476542,"status":%q,"background":false,`+
		`"completed_at":%s,"error":null,"incomplete_details":null,"instructions":null,"max_output_tokens":null,`+
		`"max_tool_calls":null,"model":"gpt-e2e-2025-06-01","output":[%s],"parallel_tool_calls":true,`+
		`"previous_response_id":null,"prompt_cache_key":null,"reasoning":{"effort":null,"summary":null},`+
		`"safety_identifier":null,"service_tier":"default","store":true,"temperature":1.0,`+
		`"text":{"format":{"type":"text"},"verbosity":"medium"},"tool_choice":"auto","tools":[],"top_logprobs":0,`+
		`"top_p":1.0,"truncation":"disabled","usage":%s,"user":null,"metadata":{}}`, id, status, completedAt, output, usage)
}

// e2eNativeMessage is an assistant message item with one output_text part.
func e2eNativeMessage(id, status string, text string) string {
	part := ""
	if status == "completed" {
		part = `{"type":"output_text","annotations":[],"logprobs":[],"text":` + e2eJSON(text) + `}`
	}
	return `{"id":"` + id + `","type":"message","status":"` + status + `","content":[` + part + `],"role":"assistant"}`
}

// e2eNativeUsage: 2100 input tokens of which 1000 cached, 500 output.
const e2eNativeUsage = `{"input_tokens":2100,"input_tokens_details":{"cached_tokens":1000},"output_tokens":500,` +
	`"output_tokens_details":{"reasoning_tokens":0},"total_tokens":2600}`

// newE2ENativeFixture builds the mock's answers.
func newE2ENativeFixture() *e2eNativeFixture {
	f := &e2eNativeFixture{}
	var pretty bytes.Buffer
	body := e2eNativeResponse("resp_e2e_native_0001", "completed",
		e2eNativeMessage("msg_e2e_native_0001", "completed", "Native passthrough works."), e2eNativeUsage)
	if err := json.Indent(&pretty, []byte(body), "", "  "); err != nil {
		panic(err)
	}
	f.Response = pretty.String()

	const rid, mid = "resp_e2e_native_0002", "msg_e2e_native_0002"
	deltas := []string{"Native", " stream", " works."}
	text := strings.Join(deltas, "")
	ref := `"item_id":"` + mid + `","output_index":0,"content_index":0`
	part := func(t string) string {
		return `{"type":"output_text","annotations":[],"logprobs":[],"text":` + e2eJSON(t) + `}`
	}
	type ev struct{ typ, fields string }
	evs := []ev{
		{"response.created", `"response":` + e2eNativeResponse(rid, "in_progress", "", "null")},
		{"response.in_progress", `"response":` + e2eNativeResponse(rid, "in_progress", "", "null")},
		{"response.output_item.added", `"output_index":0,"item":` + e2eNativeMessage(mid, "in_progress", "")},
		{"response.content_part.added", ref + `,"part":` + part("")},
	}
	for _, d := range deltas {
		evs = append(evs, ev{"response.output_text.delta", ref + `,"delta":` + e2eJSON(d) + `,"logprobs":[]`})
	}
	evs = append(evs,
		ev{"response.output_text.done", ref + `,"text":` + e2eJSON(text) + `,"logprobs":[]`},
		ev{"response.content_part.done", ref + `,"part":` + part(text)},
		ev{"response.output_item.done", `"output_index":0,"item":` + e2eNativeMessage(mid, "completed", text)},
		ev{"response.completed", `"response":` + e2eNativeResponse(rid, "completed",
			e2eNativeMessage(mid, "completed", text), e2eNativeUsage)},
	)
	var stream strings.Builder
	for i, e := range evs {
		data := fmt.Sprintf(`{"type":%q,"sequence_number":%d,%s}`, e.typ, i, e.fields)
		if !json.Valid([]byte(data)) {
			panic("invalid fixture event " + e.typ)
		}
		f.Events = append(f.Events, data)
		stream.WriteString("event: " + e.typ + "\ndata: " + data + "\n\n")
	}
	f.Stream = stream.String()
	return f
}

// e2eNativeResponsesMock is an OpenAI backend (model gpt-e2e) that serves
// POST /v1/responses with the fixture's answers.
func e2eNativeResponsesMock(t *testing.T, f *e2eNativeFixture) *e2eMock {
	oerr := func(w http.ResponseWriter, status int, typ, msg string) {
		e2eWriteJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": nil}})
	}
	return newE2EMock(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Header.Get("Authorization") != "Bearer "+e2eOpenAIKey {
			oerr(w, 401, "invalid_request_error", "mock: wrong credentials")
			return
		}
		switch {
		case r.Method == "GET" && r.URL.Path == "/v1/models":
			e2eWriteJSON(w, 200, map[string]any{"object": "list", "data": []any{
				map[string]any{"id": "gpt-e2e", "object": "model", "created": 1, "owned_by": "system"}}})
		case r.Method == "POST" && r.URL.Path == "/v1/responses":
			var req struct {
				Model  string `json:"model"`
				Stream bool   `json:"stream"`
			}
			if err := json.Unmarshal(body, &req); err != nil || req.Model != "gpt-e2e" {
				oerr(w, 400, "invalid_request_error", fmt.Sprintf("mock: bad request (model %q, err %v)", req.Model, err))
				return
			}
			if req.Stream {
				e2eWriteSSE(w, r, strings.SplitAfter(f.Stream, "\n\n"))
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			w.Write([]byte(f.Response))
		default:
			oerr(w, 404, "invalid_request_error", "mock: no route "+r.URL.Path)
		}
	})
}
