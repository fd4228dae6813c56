// translate_responses_fuzz_test.go: fuzz targets for the untrusted inputs
// of the Responses translator: client request bodies (and the Response
// that echoes them) and upstream chunk streams written as Responses events.
// Run with: go test -run=^$ -fuzz=FuzzResponsesStream -fuzztime=30s
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

func FuzzResponsesRequest(f *testing.F) {
	for _, s := range []string{
		`{"model":"m","instructions":"i","input":"hi","max_output_tokens":5,"reasoning":{"effort":"low"},"text":{"format":{"type":"json_schema","name":"n","schema":{}}}}`,
		`{"model":"m","input":[{"role":"developer","content":"d"},{"role":"user","content":[{"type":"input_text","text":"a"},{"type":"input_image","image_url":"u"},{"type":"input_file","file_data":"x","filename":"f"}]},` +
			`{"type":"function_call","call_id":"c","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c","output":[{"type":"input_text","text":"o"},{"type":"input_image","image_url":"u"}]},` +
			`{"type":"custom_tool_call","call_id":"d","name":"p","input":"x"},{"type":"local_shell_call","call_id":"e","action":{"command":["ls"]}},{"type":"local_shell_call_output","id":"e","output":"o"},` +
			`{"type":"shell_call","call_id":"g","action":{"commands":["pwd"]}},{"type":"shell_call_output","call_id":"g","output":[{"stdout":"x"}]},` +
			`{"type":"apply_patch_call","call_id":"h","operation":{"type":"delete_file","path":"p"}},{"type":"apply_patch_call_output","call_id":"h","status":"failed"},{"type":"reasoning"}],` +
			`"tools":[{"type":"function","name":"f","parameters":{}},{"type":"custom","name":"p","format":{"type":"grammar","syntax":"lark","definition":"x"}},{"type":"local_shell"},{"type":"shell"},{"type":"apply_patch"},` +
			`{"type":"namespace","name":"ns","tools":[{"type":"function","name":"g"}]},{"type":"web_search"}],"tool_choice":{"type":"allowed_tools","mode":"auto","tools":[{"type":"shell"}]}}`,
		`{"model":"m","input":"x","previous_response_id":"r"}`, `{"model":"m","input":[{"type":"item_reference","id":"i"}]}`,
		`{"model":"m","input":"x","tool_choice":{"type":"web_search"}}`, `{"model":"m","input":[{"role":"tool"}]}`, `[]`, `{"input":7}`,
	} {
		f.Add([]byte(s))
	}
	comp, err := openAICodec{}.response([]byte(upstreamCompletion(`{"role":"assistant","content":"ok","reasoning_content":"r",`+
		`"tool_calls":[{"id":"c1","type":"function","function":{"name":"p","arguments":"{\"input\":\"x\"}"}},`+
		`{"id":"c2","type":"function","function":{"name":"shell","arguments":"{\"commands\":[\"ls\"]}"}}]}`, "tool_calls")), "")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := responsesClient{}.request(body)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status != 400 || ae.Type != "invalid_request_error" || ae.Message == "" {
				t.Fatalf("error %v is not a 400 apiError", err)
			}
			return
		}
		if out, err := (openAICodec{}).request(req, "up"); err == nil && !json.Valid(out) {
			t.Fatalf("upstream body is not JSON: %s", out)
		}
		// The Response echoes the request: it must stay JSON whatever came.
		out, err := responsesClient{}.response(&inbound{body: body}, comp)
		if err != nil || !json.Valid(out) {
			t.Fatalf("answer %s: %v", out, err)
		}
	})
}

// validateResponsesStream checks what every Responses client relies on:
// each event's data is JSON with its event's type and a sequence_number
// rising from 0; the stream opens with response.created; items are added
// before they are done, one at a time, their output_index counting up; and a
// complete stream ends with response.completed or response.incomplete.
func validateResponsesStream(out []byte, complete bool) error {
	if len(out) == 0 {
		return nil
	}
	open, next := -1, 0
	var last string
	for i, block := range bytes.Split(bytes.TrimSuffix(out, []byte("\n\n")), []byte("\n\n")) {
		name, data, ok := bytes.Cut(block, []byte("\ndata: "))
		if !ok || !bytes.HasPrefix(name, []byte("event: ")) {
			return fmt.Errorf("event %d is not one event line and one data line: %q", i, block)
		}
		var v struct {
			Type        string `json:"type"`
			Seq         *int   `json:"sequence_number"`
			OutputIndex *int   `json:"output_index"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			return fmt.Errorf("event %d data: %v: %s", i, err, data)
		}
		if v.Type != string(name[len("event: "):]) || v.Seq == nil || *v.Seq != i {
			return fmt.Errorf("event %d: type %q sequence %v", i, v.Type, v.Seq)
		}
		if i == 0 && v.Type != "response.created" {
			return fmt.Errorf("first event %s", v.Type)
		}
		switch v.Type {
		case "response.output_item.added":
			if open >= 0 || v.OutputIndex == nil || *v.OutputIndex != next {
				return fmt.Errorf("event %d adds item %v while %d is open (next %d)", i, v.OutputIndex, open, next)
			}
			open, next = next, next+1
		case "response.output_item.done":
			if v.OutputIndex == nil || *v.OutputIndex != open {
				return fmt.Errorf("event %d finishes item %v, open is %d", i, v.OutputIndex, open)
			}
			open = -1
		}
		last = v.Type
	}
	if complete && (open >= 0 || (last != "response.completed" && last != "response.incomplete")) {
		return fmt.Errorf("complete stream ends with %s, item %d open", last, open)
	}
	return nil
}

func FuzzResponsesStream(f *testing.F) {
	seeds := []string{
		delta(`{"role":"assistant","content":""}`) + delta(`{"content":"Hello"}`) + finishChunk("stop") + usageChunk + doneEvent,
		delta(`{"reasoning_content":"r"}`) + delta(`{"content":"a","refusal":"no"}`) + finishChunk("length") + doneEvent,
		delta(`{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"{\"a"}}]}`) +
			delta(`{"tool_calls":[{"index":1,"id":"d","function":{"name":"p","arguments":"{\"input\":\"x\"}"}}]}`) +
			delta(`{"tool_calls":[{"index":2,"id":"e","function":{"name":"shell","arguments":"not json"}}]}`) + finishChunk("tool_calls") + doneEvent,
		delta(`{"tool_calls":[{"index":0,"id":"c","function":{"name":"local_shell","arguments":"{\"command\":[\"ls\"]}"}}]}`) +
			delta(`{"tool_calls":[{"index":1,"id":"d","function":{"name":"apply_patch","arguments":"{\"type\":\"create_file\",\"path\":\"a\",\"diff\":\"+x\"}"}}]}`) + doneEvent,
		"event: error\ndata: {\"message\":\"m\"}\n\n",
		"data: [DONE]\n\n",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i*3+1))
	}
	const req = `{"model":"m","input":"x","stream":true,"tools":[{"type":"function","name":"f"},{"type":"custom","name":"p"},` +
		`{"type":"local_shell"},{"type":"shell"},{"type":"apply_patch"}]}`
	f.Fuzz(func(t *testing.T, upstream []byte, step uint8) {
		st := newHubStream(openAICodec{}.stream("model"), responsesClient{}.stream(&inbound{body: []byte(req)}, "model"))
		out, _, err := runHubStream(st, string(upstream), []int{int(step%17) + 1, int(step%5) + 1})
		if ae := (*apiError)(nil); errors.As(err, &ae) {
			out = string(st.fail([]byte(out), ae))
		}
		if err := validateResponsesStream([]byte(out), err == nil && st.complete()); err != nil {
			t.Fatalf("%v\noutput:\n%s", err, out)
		}
	})
}
