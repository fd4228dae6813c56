// translate_google_embed.go: OpenAI /v1/embeddings <-> Gemini batchEmbedContents,
// and the Gemini model list used by health checks.
//
// OpenAI clients send one string or an array of strings; Gemini's
// batchEmbedContents takes one request per text, each naming the model. The
// answer's vectors are copied through as Gemini wrote the numbers. Clients
// that ask for encoding_format "base64" (the OpenAI Python and Node SDKs do by
// default) get little-endian float32 bytes in base64, as OpenAI sends them:
// the core passes geminiEmbeddingWantsBase64(request) to
// openAIEmbeddingsFromGeminiFormat for that.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

type gemEmbedIn struct {
	Input          rawJSON `json:"input"`
	Dimensions     *int64  `json:"dimensions"`
	EncodingFormat *string `json:"encoding_format"`
}

type gemEmbedRequest struct {
	Model                string     `json:"model"`
	Content              gemContent `json:"content"`
	OutputDimensionality *int64     `json:"outputDimensionality,omitempty"`
}

// geminiEmbedRequestFromOpenAI: OpenAI /v1/embeddings body (input string or array of strings; token arrays -> 400;
// dimensions -> outputDimensionality) into a batchEmbedContents body for model ("models/"+model in each request).
func geminiEmbedRequestFromOpenAI(body []byte, model string) ([]byte, error) {
	var in gemEmbedIn
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, decodeError(err)
	}
	if in.EncodingFormat != nil && *in.EncodingFormat != "float" && *in.EncodingFormat != "base64" {
		return nil, errInvalid("encoding_format", "encoding_format must be float or base64")
	}
	if in.Dimensions != nil && *in.Dimensions <= 0 {
		return nil, errInvalid("dimensions", "dimensions must be a positive integer")
	}
	texts, err := gemEmbedTexts(in.Input)
	if err != nil {
		return nil, err
	}
	name := model
	if !strings.HasPrefix(name, "models/") {
		name = "models/" + name
	}
	reqs := make([]gemEmbedRequest, len(texts))
	for i, t := range texts {
		reqs[i] = gemEmbedRequest{Model: name, Content: gemContent{Parts: []gemPart{{Text: t}}}, OutputDimensionality: in.Dimensions}
	}
	out, err := marshalJSON(struct {
		Requests []gemEmbedRequest `json:"requests"`
	}{reqs})
	if err != nil {
		return nil, errInvalid("input", "input cannot be encoded for Gemini: %v", err)
	}
	return out, nil
}

// gemEmbedTexts reads input: a string or a non-empty array of non-empty strings.
func gemEmbedTexts(raw rawJSON) ([]string, error) {
	if raw.absent() {
		return nil, errInvalid("input", "input is required")
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" {
			return nil, errInvalid("input", "input must not be empty")
		}
		return []string{s}, nil
	}
	var items []rawJSON
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errInvalid("input", "input must be a string or an array of strings")
	}
	if len(items) == 0 {
		return nil, errInvalid("input", "input must not be empty")
	}
	texts := make([]string, len(items))
	for i, it := range items {
		if json.Unmarshal(it, &texts[i]) != nil {
			return nil, errInvalid("input", "input[%d]: token arrays are not supported by Gemini backends; send text", i)
		}
		if texts[i] == "" {
			return nil, errInvalid("input", "input[%d] must not be empty", i)
		}
	}
	return texts, nil
}

// geminiEmbeddingWantsBase64 reports whether an OpenAI embeddings request asked
// for encoding_format "base64".
func geminiEmbeddingWantsBase64(body []byte) bool {
	var in gemEmbedIn
	return json.Unmarshal(body, &in) == nil && in.EncodingFormat != nil && *in.EncodingFormat == "base64"
}

// openAIEmbeddingsFromGeminiFormat is openAIEmbeddingsFromGemini with the
// vectors as base64 float32 strings when asB64 is set.
func openAIEmbeddingsFromGeminiFormat(body []byte, model string, asB64 bool) ([]byte, usage, error) {
	var r struct {
		Embeddings []struct {
			Values rawJSON `json:"values"`
		} `json:"embeddings"`
		UsageMetadata *struct {
			PromptTokenCount int `json:"promptTokenCount"`
		} `json:"usageMetadata"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, usage{}, fmt.Errorf("gemini embeddings response: %w", err)
	}
	if r.Embeddings == nil {
		return nil, usage{}, errors.New("gemini embeddings response has no embeddings")
	}
	var u usage
	if r.UsageMetadata != nil {
		u = usage{InputTokens: r.UsageMetadata.PromptTokenCount, HasInput: true, HasOutput: true}
	}
	out := append([]byte(nil), `{"object":"list","data":[`...)
	var floats []float64
	for i, e := range r.Embeddings {
		floats = floats[:0]
		if err := json.Unmarshal(e.Values, &floats); err != nil || floats == nil {
			return nil, usage{}, fmt.Errorf("gemini embeddings response: embeddings[%d].values is not an array of numbers", i)
		}
		if i > 0 {
			out = append(out, ',')
		}
		out = fmt.Appendf(out, `{"object":"embedding","index":%d,"embedding":`, i)
		if asB64 {
			out = gemAppendFloat32Base64(out, floats)
		} else {
			out = appendCompact(out, e.Values)
		}
		out = append(out, '}')
	}
	out = append(out, `],"model":`...)
	out = appendJSONString(out, model)
	out = fmt.Appendf(out, `,"usage":{"prompt_tokens":%d,"total_tokens":%d}}`, u.InputTokens, u.InputTokens)
	return out, u, nil
}

// gemAppendFloat32Base64 appends v as a JSON string of base64 little-endian float32s.
func gemAppendFloat32Base64(dst []byte, v []float64) []byte {
	raw := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(float32(f)))
	}
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, raw)
	return append(dst, '"')
}

// appendCompact appends raw without insignificant whitespace.
func appendCompact(dst []byte, raw []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return append(dst, raw...)
	}
	return append(dst, buf.Bytes()...)
}

// geminiModels parses GET /v1beta/models: ids WITHOUT the "models/" prefix; chat = supportedGenerationMethods has
// generateContent; embed = has embedContent (or batchEmbedContents).
func geminiModels(body []byte) (chat, embed []string, nextPageToken string, err error) {
	var r struct {
		Models []struct {
			Name    string   `json:"name"`
			Methods []string `json:"supportedGenerationMethods"`
		} `json:"models"`
		NextPageToken string `json:"nextPageToken"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, nil, "", fmt.Errorf("gemini model list: %w", err)
	}
	for _, m := range r.Models {
		id := strings.TrimPrefix(m.Name, "models/")
		if id == "" {
			continue
		}
		isChat, isEmbed := false, false
		for _, method := range m.Methods {
			switch method {
			case "generateContent":
				isChat = true
			case "embedContent", "batchEmbedContents":
				isEmbed = true
			}
		}
		if isChat {
			chat = append(chat, id)
		}
		if isEmbed {
			embed = append(embed, id)
		}
	}
	return chat, embed, r.NextPageToken, nil
}
