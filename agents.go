// agents.go: one agent per backend kind behind one small interface.
//
// An agent knows a provider's URLs, auth headers and wire format: how to list
// its models and how to turn one inbound request into an upstream HTTP
// request plus the translation (if any) of the answer. The proxy knows none of
// this; it only runs exchanges.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// opKind is the inbound API being served.
type opKind uint8

const (
	opChat opKind = iota
	opCompletions
	opEmbeddings
	opMessages // Anthropic Messages API inbound
)

var opPaths = [...]string{"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/messages"}

// wire formats of upstream answers.
const (
	formatOpenAI    = "openai"
	formatAnthropic = "anthropic"
	formatGoogle    = "google"
)

// inbound is a parsed client request; body is the exact bytes received.
type inbound struct {
	op           opKind
	body         []byte
	model        string // as the client asked
	stream       bool
	includeUsage bool // stream_options.include_usage
	thinking     int  // Anthropic thinking budget (opMessages)
	header       http.Header
	requestID    string // forwarded upstream as X-Request-Id
}

// exchange is one upstream call and how to read its answer.
type exchange struct {
	req    *http.Request
	body   []byte // the upstream request body (for counting prompt tokens)
	format string // the upstream's wire format, for its error bodies
	// convert turns a successful non-streaming answer into the client's
	// format; nil means pass the bytes through.
	convert func(body []byte) ([]byte, usage, error)
	// stream translates a streaming answer; nil means pass events through.
	stream streamTranslator
	// usageOf reads usage from a passed-through answer; nil means OpenAI's.
	usageOf func(body []byte) (usage, bool)
	// clientFormat is the format the client speaks (errors, stream events).
	clientFormat string
}

// agent is one backend kind.
type agent interface {
	// discover lists the backend's models; embed lists those known to serve
	// embeddings (nil when the kind does not say).
	discover(ctx context.Context, c *http.Client, b *backend) (models, embed []string, err error)
	// supports reports whether the kind can serve op at all.
	supports(op opKind) bool
	// build prepares the upstream call for in, with model as the upstream
	// model id.
	build(ctx context.Context, b *backend, in *inbound, model string) (*exchange, error)
}

func agentFor(typ string) agent {
	switch typ {
	case "anthropic":
		return anthropicAgent{}
	case "google":
		return googleAgent{}
	case "ollama":
		return openAIAgent{ollama: true}
	}
	return openAIAgent{}
}

// statusError is a non-2xx answer from a discovery or health call.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.msg) }

// getJSON performs an authenticated GET and returns the body (bounded).
func getJSON(ctx context.Context, c *http.Client, u string, auth func(http.Header)) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	auth(req.Header)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, &statusError{status: resp.StatusCode, msg: http.StatusText(resp.StatusCode)}
	}
	return body, nil
}

// newPost builds an upstream POST with a fresh header set: nothing from the
// client is copied except what the caller adds explicitly.
func newPost(ctx context.Context, u string, body []byte, in *inbound) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "nexus/"+version)
	if in.requestID != "" {
		req.Header.Set(hdrRequestID, in.requestID)
	}
	return req, nil
}

// ---- OpenAI-compatible (local servers and the openai type) ----

type openAIAgent struct{ ollama bool }

// base is the API base including the version path.
func (a openAIAgent) base(b *backend) string {
	if b.local {
		return b.cfg.URL + "/v1"
	}
	return b.cfg.URL
}

func (openAIAgent) auth(b *backend) func(http.Header) {
	return func(h http.Header) {
		if b.key != "" {
			h.Set("Authorization", "Bearer "+b.key)
		}
	}
}

func (a openAIAgent) discover(ctx context.Context, c *http.Client, b *backend) ([]string, []string, error) {
	if a.ollama {
		body, err := getJSON(ctx, c, b.cfg.URL+"/api/tags", a.auth(b))
		if err != nil {
			return nil, nil, err
		}
		var v struct {
			Models []struct {
				Name  string `json:"name"`
				Model string `json:"model"`
			} `json:"models"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return nil, nil, fmt.Errorf("unreadable /api/tags: %w", err)
		}
		ids := make([]string, 0, len(v.Models))
		for _, m := range v.Models {
			id := m.Name
			if id == "" {
				id = m.Model
			}
			ids = append(ids, id)
		}
		return ids, nil, nil
	}
	body, err := getJSON(ctx, c, a.base(b)+"/models", a.auth(b))
	if err != nil {
		return nil, nil, err
	}
	var v struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, nil, fmt.Errorf("unreadable models list: %w", err)
	}
	ids := make([]string, 0, len(v.Data))
	for _, m := range v.Data {
		ids = append(ids, m.ID)
	}
	return ids, nil, nil
}

func (openAIAgent) supports(op opKind) bool { return true }

func (a openAIAgent) build(ctx context.Context, b *backend, in *inbound, model string) (*exchange, error) {
	ex := &exchange{format: formatOpenAI, clientFormat: formatOpenAI}
	var body []byte
	var err error
	var p string
	switch in.op {
	case opMessages:
		p = "/chat/completions"
		var opt messagesRequestOptions
		if reasoningModel(b, model) {
			opt.MaxCompletionTokens = true // reasoning models reject max_tokens
			opt.ReasoningEffort = reasoningEffortForBudget(in.thinking)
		}
		body, err = openAIRequestFromMessagesOpts(in.body, model, opt)
		ex.clientFormat = formatAnthropic
		ex.convert = messagesResponseFromOpenAI
		if in.stream {
			ex.stream = newMessagesStream(model)
		}
	default:
		p = strings.TrimPrefix(opPaths[in.op], "/v1")
		body, err = rewriteModel(in.body, in.model, model)
	}
	if err != nil {
		return nil, err
	}
	req, err := newPost(ctx, a.base(b)+p, body, in)
	if err != nil {
		return nil, err
	}
	a.auth(b)(req.Header)
	ex.req, ex.body = req, body
	return ex, nil
}

// reasoningModel reports whether an OpenAI backend's model takes
// reasoning_effort (o-series and gpt-5); an Anthropic client's thinking
// budget maps onto it there and is ignored elsewhere.
func reasoningModel(b *backend, model string) bool {
	if b.cfg.Type != "openai" {
		return false
	}
	if strings.HasPrefix(model, "gpt-5") {
		return true
	}
	return len(model) > 1 && model[0] == 'o' && model[1] >= '1' && model[1] <= '9'
}

// ---- Anthropic ----

type anthropicAgent struct{}

const anthropicVersion = "2023-06-01"

func (anthropicAgent) auth(b *backend) func(http.Header) {
	return func(h http.Header) {
		h.Set("x-api-key", b.key)
		h.Set("anthropic-version", anthropicVersion)
	}
}

func (a anthropicAgent) discover(ctx context.Context, c *http.Client, b *backend) ([]string, []string, error) {
	var all []string
	after := ""
	for page := 0; page < 20; page++ {
		u := b.cfg.URL + "/v1/models?limit=1000"
		if after != "" {
			u += "&after_id=" + url.QueryEscape(after)
		}
		body, err := getJSON(ctx, c, u, a.auth(b))
		if err != nil {
			return nil, nil, err
		}
		ids, more, last, err := anthropicModelIDs(body)
		if err != nil {
			return nil, nil, fmt.Errorf("unreadable models list: %w", err)
		}
		all = append(all, ids...)
		if !more || last == "" {
			break
		}
		after = last
	}
	return all, nil, nil
}

func (anthropicAgent) supports(op opKind) bool { return op == opChat || op == opMessages }

func (a anthropicAgent) build(ctx context.Context, b *backend, in *inbound, model string) (*exchange, error) {
	ex := &exchange{format: formatAnthropic}
	var body []byte
	var err error
	if in.op == opMessages {
		ex.clientFormat = formatAnthropic
		body, err = rewriteModel(in.body, in.model, model)
		ex.usageOf = anthropicUsageFromBody
		if in.stream {
			ex.stream = &anthropicPassthrough{}
		}
	} else {
		ex.clientFormat = formatOpenAI
		body, _, err = anthropicRequestFromOpenAI(in.body, model)
		ex.convert = openAIResponseFromAnthropic
		if in.stream {
			ex.stream = newAnthropicStream(in.includeUsage)
		}
	}
	if err != nil {
		return nil, err
	}
	req, err := newPost(ctx, b.cfg.URL+"/v1/messages", body, in)
	if err != nil {
		return nil, err
	}
	a.auth(b)(req.Header)
	if in.op == opMessages {
		// An Anthropic client's protocol headers are meant for Anthropic.
		if v := in.header.Get("anthropic-version"); v != "" {
			req.Header.Set("anthropic-version", v)
		}
		for _, v := range in.header.Values("anthropic-beta") {
			req.Header.Add("anthropic-beta", v)
		}
	}
	ex.req = req
	return ex, nil
}

// ---- Google Gemini ----

type googleAgent struct{}

func (googleAgent) auth(b *backend) func(http.Header) {
	return func(h http.Header) { h.Set("x-goog-api-key", b.key) }
}

func (a googleAgent) discover(ctx context.Context, c *http.Client, b *backend) ([]string, []string, error) {
	var chat, embed []string
	token := ""
	for page := 0; page < 20; page++ {
		u := b.cfg.URL + "/v1beta/models?pageSize=1000"
		if token != "" {
			u += "&pageToken=" + url.QueryEscape(token)
		}
		body, err := getJSON(ctx, c, u, a.auth(b))
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

func (a googleAgent) build(ctx context.Context, b *backend, in *inbound, model string) (*exchange, error) {
	ex := &exchange{format: formatGoogle, clientFormat: formatOpenAI}
	var body []byte
	var err error
	method := ":generateContent"
	switch in.op {
	case opEmbeddings:
		method = ":batchEmbedContents"
		body, err = geminiEmbedRequestFromOpenAI(in.body, model)
		b64 := geminiEmbeddingWantsBase64(in.body) // the OpenAI SDKs ask for base64 by default
		ex.convert = func(raw []byte) ([]byte, usage, error) { return openAIEmbeddingsFromGeminiFormat(raw, model, b64) }
	case opMessages:
		ex.clientFormat = formatAnthropic
		var chat []byte
		if chat, err = openAIRequestFromMessages(in.body, model); err == nil {
			body, _, err = geminiRequestFromOpenAI(chat)
		}
		ex.convert = func(raw []byte) ([]byte, usage, error) {
			oa, _, err := openAIResponseFromGemini(raw, model)
			if err != nil {
				return nil, usage{}, err
			}
			return messagesResponseFromOpenAI(oa)
		}
		if in.stream {
			ex.stream = newChainStream(newGeminiStream(model, true), newMessagesStream(model))
		}
	default:
		body, _, err = geminiRequestFromOpenAI(in.body)
		ex.convert = func(raw []byte) ([]byte, usage, error) { return openAIResponseFromGemini(raw, model) }
		if in.stream {
			ex.stream = newGeminiStream(model, in.includeUsage)
		}
	}
	if err != nil {
		return nil, err
	}
	if in.stream && in.op != opEmbeddings {
		method = ":streamGenerateContent?alt=sse"
	}
	req, err := newPost(ctx, b.cfg.URL+"/v1beta/models/"+url.PathEscape(model)+method, body, in)
	if err != nil {
		return nil, err
	}
	a.auth(b)(req.Header)
	ex.req = req
	return ex, nil
}
