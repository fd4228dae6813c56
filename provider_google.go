// provider_google.go: Google Gemini, the `google` cloud type.
//
// Gemini speaks generateContent, so every chat request is translated
// through the hub (translate_google_*.go), and embeddings go to
// batchEmbedContents. The model goes into the URL; the key goes in the
// x-goog-api-key header, never in a URL. Models come from GET
// /v1beta/models (ids without the "models/" prefix); those whose methods
// include embedContent serve /v1/embeddings.
package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

func init() {
	registerProvider(&provider{typ: "google", order: 3, cloud: true,
		defaultURL: "https://generativelanguage.googleapis.com", keyEnvExample: "GEMINI_API_KEY",
		zeroConfigEnv: []string{"GEMINI_API_KEY", "GOOGLE_API_KEY"}, agent: googleAgent{}, codec: googleCodec{}})
}

type googleAgent struct{}

func googleAuth(b *backend) func(http.Header) {
	return func(h http.Header) { h.Set("x-goog-api-key", b.key) }
}

func (googleAgent) discover(ctx context.Context, c *http.Client, b *backend) ([]string, []string, error) {
	var chat, embed []string
	token := ""
	for page := 0; page < 20; page++ {
		u := b.cfg.URL + "/v1beta/models?pageSize=1000"
		if token != "" {
			u += "&pageToken=" + url.QueryEscape(token)
		}
		body, err := getJSON(ctx, c, u, googleAuth(b))
		if err != nil {
			return nil, nil, err
		}
		c1, e1, next, err := geminiModels(body)
		if err != nil {
			return nil, nil, fmt.Errorf("unreadable models list: %w", err)
		}
		chat, embed = append(chat, c1...), append(embed, e1...)
		if next == "" {
			break
		}
		token = next
	}
	if embed == nil {
		embed = []string{}
	}
	return chat, embed, nil
}

func (googleAgent) supports(op opKind) bool { return op != opCompletions }

func (googleAgent) build(ctx context.Context, b *backend, in *inbound, model string) (*exchange, error) {
	u := b.cfg.URL + "/v1beta/models/" + url.PathEscape(model)
	var ex *exchange
	var err error
	switch {
	case in.op == opEmbeddings:
		ex, err = googleEmbeddings(ctx, in, model, u+":batchEmbedContents")
	case in.stream:
		ex, err = translated(ctx, in, model, u+":streamGenerateContent?alt=sse", b.kind.codec)
	default:
		ex, err = translated(ctx, in, model, u+":generateContent", b.kind.codec)
	}
	if err != nil {
		return nil, err
	}
	googleAuth(b)(ex.req.Header)
	return ex, nil
}

// googleEmbeddings is an OpenAI embeddings request as batchEmbedContents.
func googleEmbeddings(ctx context.Context, in *inbound, model, u string) (*exchange, error) {
	body, err := geminiEmbedRequestFromOpenAI(in.body, model)
	if err != nil {
		return nil, err
	}
	req, err := newPost(ctx, u, body, in)
	if err != nil {
		return nil, err
	}
	b64 := geminiEmbeddingWantsBase64(in.body) // the OpenAI SDKs ask for base64 by default
	return &exchange{req: req, translated: true, answer: func(raw []byte) ([]byte, usage, bool, error) {
		out, u, err := openAIEmbeddingsFromGeminiFormat(raw, model, b64)
		return out, u, u.HasInput, err
	}}, nil
}
