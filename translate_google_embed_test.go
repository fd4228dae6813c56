// translate_google_embed_test.go: embeddings and model-list translation for Gemini.
package main

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"testing"
)

func TestGeminiEmbedRequestFromOpenAI(t *testing.T) {
	tests := []struct {
		name, in, model, want string
	}{
		{
			name:  "one string",
			in:    `{"model":"text-embedding-004","input":"What is the meaning of life?"}`,
			model: "text-embedding-004",
			want:  `{"requests":[{"model":"models/text-embedding-004","content":{"parts":[{"text":"What is the meaning of life?"}]}}]}`,
		},
		{
			name:  "array with dimensions",
			in:    `{"model":"e","input":["How much wood would a woodchuck chuck?","How does the brain work?"],"dimensions":256,"encoding_format":"float","user":"u"}`,
			model: "gemini-embedding-001",
			want: `{"requests":[
				{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"How much wood would a woodchuck chuck?"}]},"outputDimensionality":256},
				{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"How does the brain work?"}]},"outputDimensionality":256}]}`,
		},
		{
			name:  "model already prefixed, base64 requested",
			in:    `{"input":["a"],"encoding_format":"base64"}`,
			model: "models/embedding-001",
			want:  `{"requests":[{"model":"models/embedding-001","content":{"parts":[{"text":"a"}]}}]}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := geminiEmbedRequestFromOpenAI([]byte(tc.in), tc.model)
			if err != nil {
				t.Fatal(err)
			}
			if want := compactWant(t, tc.want); string(out) != want {
				t.Fatalf("\n got: %s\nwant: %s", out, want)
			}
		})
	}
}

func TestGeminiEmbedRequestRejects(t *testing.T) {
	tests := []struct{ name, in, param string }{
		{"token array", `{"input":[1,2,3]}`, "input"},
		{"token arrays", `{"input":[[1,2],[3]]}`, "input"},
		{"mixed", `{"input":["a",[1]]}`, "input"},
		{"missing", `{"model":"m"}`, "input"},
		{"empty string", `{"input":""}`, "input"},
		{"empty array", `{"input":[]}`, "input"},
		{"empty element", `{"input":["a",""]}`, "input"},
		{"object", `{"input":{"text":"a"}}`, "input"},
		{"bad dimensions", `{"input":"a","dimensions":0}`, "dimensions"},
		{"dimensions wrong type", `{"input":"a","dimensions":"big"}`, "dimensions"},
		{"bad format", `{"input":"a","encoding_format":"int8"}`, "encoding_format"},
		{"not json", `{`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := geminiEmbedRequestFromOpenAI([]byte(tc.in), "m")
			if out != nil {
				t.Fatalf("want no body, got %s", out)
			}
			gemWant400(t, err, tc.param)
		})
	}
}

func TestOpenAIEmbeddingsFromGemini(t *testing.T) {
	in := `{"embeddings":[{"values":[0.013168523, -0.008711934, 1e-05]},{"values":[0.5,0.25]}]}`
	out, u, err := openAIEmbeddingsFromGeminiFormat([]byte(in), "text-embedding-004", false)
	if err != nil {
		t.Fatal(err)
	}
	want := compactWant(t, `{"object":"list","data":[
		{"object":"embedding","index":0,"embedding":[0.013168523,-0.008711934,1e-05]},
		{"object":"embedding","index":1,"embedding":[0.5,0.25]}],
		"model":"text-embedding-004","usage":{"prompt_tokens":0,"total_tokens":0}}`)
	if string(out) != want {
		t.Fatalf("\n got: %s\nwant: %s", out, want)
	}
	if u != (usage{}) {
		t.Fatalf("usage without usageMetadata must be unknown, got %+v", u)
	}

	// With usage metadata and base64 output.
	in = `{"embeddings":[{"values":[0.5,-2]}],"usageMetadata":{"promptTokenCount":6}}`
	out, u, err = openAIEmbeddingsFromGeminiFormat([]byte(in), "e", true)
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, 8)
	binary.LittleEndian.PutUint32(raw, math.Float32bits(0.5))
	binary.LittleEndian.PutUint32(raw[4:], math.Float32bits(-2))
	want = `{"object":"list","data":[{"object":"embedding","index":0,"embedding":"` + base64.StdEncoding.EncodeToString(raw) +
		`"}],"model":"e","usage":{"prompt_tokens":6,"total_tokens":6}}`
	if string(out) != want {
		t.Fatalf("\n got: %s\nwant: %s", out, want)
	}
	if u != (usage{InputTokens: 6, HasInput: true, HasOutput: true}) {
		t.Fatalf("usage %+v", u)
	}
}

func TestOpenAIEmbeddingsFromGeminiUntranslatable(t *testing.T) {
	for _, in := range []string{``, `{}`, `[]`, `{"embeddings":[{"values":"x"}]}`, `{"embeddings":[{}]}`, `{"embeddings":[{"values":[1,"a"]}]}`} {
		out, _, err := openAIEmbeddingsFromGeminiFormat([]byte(in), "m", false)
		var ae *apiError
		if err == nil || out != nil || errors.As(err, &ae) {
			t.Fatalf("%q: want plain error, got %s %v", in, out, err)
		}
	}
}

func TestGeminiEmbeddingWantsBase64(t *testing.T) {
	if !geminiEmbeddingWantsBase64([]byte(`{"input":"a","encoding_format":"base64"}`)) {
		t.Fatal("base64 not detected")
	}
	if geminiEmbeddingWantsBase64([]byte(`{"input":"a"}`)) || geminiEmbeddingWantsBase64([]byte(`{"input":"a","encoding_format":"float"}`)) {
		t.Fatal("float detected as base64")
	}
}

func TestGeminiModels(t *testing.T) {
	in := `{"models":[
		{"name":"models/gemini-2.0-flash","version":"2.0","displayName":"Gemini 2.0 Flash","inputTokenLimit":1048576,
		 "supportedGenerationMethods":["generateContent","countTokens","createCachedContent","batchGenerateContent"]},
		{"name":"models/text-embedding-004","supportedGenerationMethods":["embedContent"]},
		{"name":"models/gemini-embedding-001","supportedGenerationMethods":["embedContent","countTextTokens","countTokens","asyncBatchEmbedContent"]},
		{"name":"models/embedding-legacy","supportedGenerationMethods":["batchEmbedContents"]},
		{"name":"models/imagen-3.0-generate-002","supportedGenerationMethods":["predict"]},
		{"name":"models/aqa","supportedGenerationMethods":["generateAnswer"]},
		{"name":"models/both","supportedGenerationMethods":["generateContent","embedContent"]},
		{"name":"","supportedGenerationMethods":["generateContent"]}],
		"nextPageToken":"Ch5tb2RlbHM"}`
	chat, embed, next, err := geminiModels([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"gemini-2.0-flash", "both"}; !slices.Equal(chat, want) {
		t.Fatalf("chat = %q, want %q", chat, want)
	}
	if want := []string{"text-embedding-004", "gemini-embedding-001", "embedding-legacy", "both"}; !slices.Equal(embed, want) {
		t.Fatalf("embed = %q, want %q", embed, want)
	}
	if next != "Ch5tb2RlbHM" {
		t.Fatalf("next = %q", next)
	}
	if _, _, _, err := geminiModels([]byte(`<html>`)); err == nil {
		t.Fatal("want error for a non-JSON list")
	}
	chat, embed, next, err = geminiModels([]byte(`{}`))
	if err != nil || chat != nil || embed != nil || next != "" {
		t.Fatalf("empty list: %v %v %q %v", chat, embed, next, err)
	}
}
