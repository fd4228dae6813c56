// translate_openai_chunk_test.go: the chunk scanner against encoding/json,
// which it replaced on the stream hot path: same fields, same errors.
package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// normChunk makes empty and absent lists alike (the scanner reuses buffers).
func normChunk(c *openAIChunk) {
	if len(c.Choices) == 0 {
		c.Choices = nil
	}
	for i := range c.Choices {
		if len(c.Choices[i].Delta.ToolCalls) == 0 {
			c.Choices[i].Delta.ToolCalls = nil
		}
	}
}

// openAIChunkFields are the chunk's field names.
var openAIChunkFields = []string{"id", "model", "object", "choices", "usage", "error", "message", "type", "code", "index",
	"delta", "finish_reason", "stop_reason", "content", "reasoning_content", "reasoning", "refusal", "tool_calls",
	"function", "name", "arguments", "extra_content", "prompt_tokens", "completion_tokens", "total_tokens",
	"prompt_tokens_details", "completion_tokens_details", "cached_tokens", "reasoning_tokens"}

var openAIChunkSeeds = []string{
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":"fp","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi \"x\" \u00e9"},"logprobs":null,"finish_reason":null}]}`,
	`{"id":"c","choices":[{"index":1,"delta":{"reasoning_content":"r","reasoning":null,"refusal":"no","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"},"extra_content":{"google":{"thought_signature":"s"}}},null]},"finish_reason":"tool_calls","stop_reason":"\n"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":1}}}`,
	`{"choices":[],"usage":null}`, `{"error":{"message":"m","type":"t","code":429}}`, `{"object":"error","message":"m","type":"BadRequestError","code":400}`,
	`{"choices":null,"x":[1,{"y":[true,false,null]}]}`, `null`, `[]`, `{"choices":[{"index":"0"}]}`, `{"choices":[{"index":1.5}]}`,
	`{"choices":[{"delta":{"tool_calls":{}}}]}`, `{"id":"a","id":"b","choices":[{"index":0},{"index":1}],"choices":[{"index":2}]}`,
}

func FuzzOpenAIChunkParse(f *testing.F) {
	for _, s := range openAIChunkSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newOpenAIChunkReader()
		err := r.read(data)
		if err == nil && !json.Valid(data) {
			t.Fatalf("scanner accepted invalid JSON %q", data)
		}
		if hasFoldedKey(data, openAIChunkFields) {
			return // encoding/json also matches keys in other cases
		}
		var ref openAIChunk
		refErr := json.Unmarshal(data, &ref)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("scanner err %v, encoding/json err %v, input %q", err, refErr, data)
		}
		if err != nil {
			return
		}
		got := r.chunk
		normChunk(&got)
		normChunk(&ref)
		if !reflect.DeepEqual(got, ref) {
			t.Fatalf("scanner disagrees with encoding/json on %q\n got: %+v\nwant: %+v", data, got, ref)
		}
	})
}

// The reader reuses its buffers from chunk to chunk: a chunk must not keep
// anything of the one before.
func TestOpenAIChunkReuse(t *testing.T) {
	r := newOpenAIChunkReader()
	for _, s := range openAIChunkSeeds {
		r.read([]byte(s))
	}
	if err := r.read([]byte(openAIChunkSeeds[0])); err != nil {
		t.Fatal(err)
	}
	var ref openAIChunk
	json.Unmarshal([]byte(openAIChunkSeeds[0]), &ref)
	got := r.chunk
	normChunk(&got)
	normChunk(&ref)
	if !reflect.DeepEqual(got, ref) || !bytes.Equal(got.Choices[0].Delta.Content, []byte(`"Hi \"x\" \u00e9"`)) {
		t.Fatalf("got %+v\nwant %+v", got, ref)
	}
}
