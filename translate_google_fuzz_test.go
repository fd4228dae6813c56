// translate_google_fuzz_test.go: fuzz targets for the Gemini translator's parsers of untrusted input.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

var gemFuzzStreamSeeds = []string{
	"data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]},\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":3}}\r\n\r\n",
	"data: {\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"f\",\"args\":{\"a\":[1,{}]}},\"thoughtSignature\":\"x\"}]},\"index\":3}]}\n\n",
	"data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"t\",\"thought\":true}]},\"index\":-5,\"finishReason\":\"SAFETY\"}]}\n\n",
	"data: {\"promptFeedback\":{\"blockReason\":\"OTHER\"}}\n\n",
	"data: {\"error\":{\"code\":429,\"message\":\"m\",\"status\":\"RESOURCE_EXHAUSTED\"}}\n\n",
	": ping\n\ndata: {}\n\ndata: [DONE]\n\n",
	"data: {\"candidates\":[{\"index\":99999999999}]}\n\n",
	"data: not json\n\n",
}

func FuzzGeminiStream(f *testing.F) {
	for i, s := range gemFuzzStreamSeeds {
		f.Add([]byte(s), uint8(i), true)
	}
	f.Fuzz(func(t *testing.T, raw []byte, split uint8, includeUsage bool) {
		out, st, err := gemRunStream(raw, []int{int(split%31) + 1}, includeUsage)
		var ae *apiError
		if err != nil && errors.As(err, &ae) && (ae.Status < 400 || ae.Message == "") {
			t.Fatalf("bad apiError %+v", ae)
		}
		if err == nil && st.complete() != bytes.HasSuffix(out, []byte("data: [DONE]\n\n")) {
			t.Fatalf("complete %v, but the output is %q", st.complete(), out)
		}
		frames := bytes.Split(bytes.TrimSuffix(out, []byte("\n\n")), []byte("\n\n"))
		for _, fr := range frames {
			if len(fr) == 0 {
				continue
			}
			payload, ok := bytes.CutPrefix(fr, []byte("data: "))
			if !ok || bytes.Contains(payload, []byte("\n")) {
				t.Fatalf("malformed frame %q", fr)
			}
			if string(payload) != "[DONE]" && !json.Valid(payload) {
				t.Fatalf("frame is not JSON: %q", payload)
			}
		}
		_ = st.usage()
	})
}

func FuzzOpenAIResponseFromGemini(f *testing.F) {
	for _, s := range []string{
		`{"candidates":[{"content":{"parts":[{"text":"a"},{"text":"b","thought":true},{"functionCall":{"name":"f","args":{"x":1}}}]},"finishReason":"STOP","index":2}],"usageMetadata":{"promptTokenCount":1,"candidatesTokenCount":2,"thoughtsTokenCount":3,"cachedContentTokenCount":1},"modelVersion":"m","responseId":"r"}`,
		`{"promptFeedback":{"blockReason":"SAFETY"}}`,
		`{"candidates":[{}]}`,
		`{"error":{"code":1}}`,
		`{"candidates":[{"content":{"parts":[{"text":"\ud800bad"}]}}]}`,
		`[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, _, err := openAIResponseFromGemini(body, "fallback")
		if err != nil {
			var ae *apiError
			if errors.As(err, &ae) || out != nil {
				t.Fatalf("untranslatable must be a plain error without body: %v", err)
			}
			return
		}
		var v struct {
			Choices []json.RawMessage `json:"choices"`
		}
		if json.Unmarshal(out, &v) != nil || len(v.Choices) == 0 {
			t.Fatalf("invalid chat.completion: %s", out)
		}
	})
}

func FuzzGeminiRequestFromOpenAI(f *testing.F) {
	for _, s := range []string{
		`{"messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]}],"stream":true}`,
		`{"messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{\"k\":1}"}}]},{"role":"tool","tool_call_id":"a","content":"{\"r\":2}"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":{"type":"function","function":{"name":"f"}}}`,
		`{"messages":[{"role":"user","content":"x"}],"max_tokens":5,"stop":"a","response_format":{"type":"json_schema","json_schema":{"schema":{}}},"reasoning_effort":"low","seed":1}`,
		`{"messages":[{"role":"tool"}]}`,
		`{"messages":null}`, `[]`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, _, err := geminiRequestFromOpenAI(body)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status != 400 || out != nil {
				t.Fatalf("client errors must be 400 apiErrors: %v", err)
			}
			return
		}
		var v gemRequestOut
		if json.Unmarshal(out, &v) != nil || len(v.Contents) == 0 {
			t.Fatalf("invalid Gemini request: %s", out)
		}
	})
}

// gemRefChunk is what encoding/json makes of the fields the chunk scanner reads.
type gemRefChunk struct {
	Candidates []struct {
		Content *struct {
			Parts []struct {
				Text             string `json:"text"`
				Thought          bool   `json:"thought"`
				ThoughtSignature string `json:"thoughtSignature"`
				FunctionCall     *struct {
					Name string          `json:"name"`
					Args json.RawMessage `json:"args"`
				} `json:"functionCall"`
			} `json:"parts"`
		} `json:"content"`
		FinishReason string `json:"finishReason"`
		Index        *int   `json:"index"`
	} `json:"candidates"`
	PromptFeedback *struct {
		BlockReason string `json:"blockReason"`
	} `json:"promptFeedback"`
	UsageMetadata *gemUsageMeta `json:"usageMetadata"`
	ModelVersion  string        `json:"modelVersion"`
	ResponseID    string        `json:"responseId"`
	Error         *gemErrorBody `json:"error"`
}

// gemNorm is a comparable summary of one chunk.
type gemNorm struct {
	Cands            []gemNormCand
	Block, Model, ID string
	HasUsage         bool
	Usage            gemUsageMeta
	Err              *gemErrorBody
}

type gemNormCand struct {
	Index    int
	HasIndex bool
	Finish   string
	Parts    []gemNormPart
}

type gemNormPart struct {
	Text, Name, Sig, Args string
	Thought, Call         bool
}

func gemUnquoteRaw(t *testing.T, raw []byte) string {
	var s string
	if err := json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &s); err != nil {
		t.Fatalf("scanner kept an invalid string body %q: %v", raw, err)
	}
	return s
}

func gemNormArgs(raw []byte) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return "!invalid"
	}
	return buf.String()
}

func gemNormFromChunk(t *testing.T, c *gemChunk) gemNorm {
	n := gemNorm{Block: gemUnquoteRaw(t, c.blockReason), Model: gemUnquoteRaw(t, c.modelVersion),
		ID: gemUnquoteRaw(t, c.responseID), HasUsage: c.hasUsage, Usage: c.usage, Err: c.errBody}
	for _, cd := range c.cands {
		nc := gemNormCand{Index: cd.index, HasIndex: cd.hasIndex, Finish: gemUnquoteRaw(t, cd.finish)}
		for _, p := range cd.parts {
			nc.Parts = append(nc.Parts, gemNormPart{Text: gemUnquoteRaw(t, p.text), Name: gemUnquoteRaw(t, p.name),
				Sig: gemUnquoteRaw(t, p.sig), Args: gemNormArgs(p.args), Thought: p.thought, Call: p.call})
		}
		n.Cands = append(n.Cands, nc)
	}
	return n
}

func gemNormFromRef(r *gemRefChunk) gemNorm {
	n := gemNorm{Model: r.ModelVersion, ID: r.ResponseID, HasUsage: r.UsageMetadata != nil, Err: r.Error}
	if r.PromptFeedback != nil {
		n.Block = r.PromptFeedback.BlockReason
	}
	if r.UsageMetadata != nil {
		n.Usage = *r.UsageMetadata
	}
	for _, cd := range r.Candidates {
		nc := gemNormCand{HasIndex: cd.Index != nil, Finish: cd.FinishReason}
		if cd.Index != nil {
			nc.Index = *cd.Index
		}
		if cd.Content != nil {
			for _, p := range cd.Content.Parts {
				np := gemNormPart{Text: p.Text, Sig: p.ThoughtSignature, Thought: p.Thought, Call: p.FunctionCall != nil}
				if p.FunctionCall != nil {
					np.Name, np.Args = p.FunctionCall.Name, gemNormArgs(p.FunctionCall.Args)
				}
				nc.Parts = append(nc.Parts, np)
			}
		}
		n.Cands = append(n.Cands, nc)
	}
	return n
}

// gemFields are the Gemini chunk's field names.
var gemFields = []string{"candidates", "content", "parts", "text", "thought", "thoughtSignature", "functionCall",
	"name", "args", "finishReason", "index", "promptFeedback", "blockReason", "usageMetadata",
	"promptTokenCount", "candidatesTokenCount", "cachedContentTokenCount", "thoughtsTokenCount",
	"modelVersion", "responseId", "error", "code", "message", "status"}

// hasFoldedKey reports whether data has an object key that only
// case-insensitively equals one of known (encoding/json matches those, the
// scanners on purpose do not).
func hasFoldedKey(data []byte, known []string) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []bool // true: inside an object
	expectKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, true)
				expectKey = true
				continue
			case '[':
				stack = append(stack, false)
				expectKey = false
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if expectKey {
				for _, k := range known {
					if v != k && strings.EqualFold(v, k) {
						return true
					}
				}
				expectKey = false
				continue
			}
		}
		expectKey = len(stack) > 0 && stack[len(stack)-1]
	}
}

// FuzzGemChunkParse checks the stream chunk scanner against encoding/json.
func FuzzGemChunkParse(f *testing.F) {
	for _, s := range gemFuzzStreamSeeds {
		f.Add([]byte(strings.TrimSpace(strings.TrimPrefix(s, "data: "))))
	}
	f.Add([]byte(`{"candidates":[{"content":{"parts":[{"text":"a\u00e9\ud83d\ude00\n","thought":null},null]},"index":null},null],"usageMetadata":{"promptTokenCount":-0,"x":[1e5,{"y":"\u0000"}]},"te\u0078t":1}`))
	f.Add([]byte(`{"candidates":[{"index":9223372036854775807}],"usageMetadata":{"promptTokenCount":-9223372036854775808}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c gemChunk
		err := c.parse(data)
		var ref gemRefChunk
		refErr := json.Unmarshal(data, &ref)
		if err == nil && !json.Valid(data) {
			t.Fatalf("scanner accepted invalid JSON %q", data)
		}
		if hasFoldedKey(data, gemFields) || bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
			return
		}
		if (err == nil) != (refErr == nil) {
			t.Fatalf("scanner err %v, encoding/json err %v, input %q", err, refErr, data)
		}
		if err != nil {
			return
		}
		got, want := gemNormFromChunk(t, &c), gemNormFromRef(&ref)
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if !bytes.Equal(gb, wb) {
			t.Fatalf("scanner disagrees with encoding/json on %q\n got: %s\nwant: %s", data, gb, wb)
		}
	})
}
