// agents.go: one agent per backend kind behind one small interface, and the
// two ways an agent turns a client request into an upstream call.
//
// An agent knows a provider's URLs, auth headers and which endpoints it
// serves in the client's own format. When it does (an OpenAI client on an
// OpenAI-compatible backend, an Anthropic client on Anthropic), the request
// and answer pass through byte for byte (passthrough). Otherwise the request
// goes client format -> hub -> provider format and the answer back the same
// way (translated, translate.go). The proxy knows none of this: it runs the
// exchange the agent built. Each agent lives in its provider_*.go file.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// opKind is the inbound API being served.
type opKind uint8

const (
	opChat opKind = iota
	opCompletions
	opEmbeddings
	opMessages  // Anthropic Messages API inbound
	opResponses // OpenAI Responses API inbound
	opCount
)

var opPaths = [opCount]string{"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/messages", "/v1/responses"}

// inbound is a parsed client request; body is the exact bytes received.
type inbound struct {
	op           opKind
	body         []byte
	model        string // as the client asked
	stream       bool
	includeUsage bool // stream_options.include_usage
	header       http.Header
	requestID    string // forwarded upstream as X-Request-Id

	hub *chatRequest // the request in the hub, read on first use
}

// chat is the request in the hub, read from the client's format once (a
// failover to a backend of another kind reuses it). Translators must not
// modify it.
func (in *inbound) chat() (*chatRequest, error) {
	if in.hub == nil {
		codec := clientCodecs[in.op]
		if codec == nil {
			return nil, errInvalid("", "%s cannot be translated for this backend", opPaths[in.op])
		}
		req, err := codec.request(in.body)
		if err != nil {
			return nil, err
		}
		in.hub = req
	}
	return in.hub, nil
}

// client is the client's wire format.
func (in *inbound) client() clientCodec {
	if c := clientCodecs[in.op]; c != nil {
		return c
	}
	return openAIClient{}
}

// exchange is one upstream call and how to read its answer.
type exchange struct {
	req *http.Request
	// translated: the answer is Nexus's JSON (not the upstream's bytes);
	// answer then turns a successful non-streaming answer into the client's
	// body and reads its usage (ok false when the answer says none).
	translated bool
	answer     func(body []byte) (out []byte, u usage, ok bool, err error)
	// usageOf reads the usage of a passthrough answer.
	usageOf func(body []byte) (usage, bool)
	// relay starts reading a streamed answer; countModel, when set, asks a
	// passthrough relay to count the completion text if the stream reports
	// no usage (translated streams always report it).
	relay func(countModel string) streamRelay
	// prompt (or promptBody, a client request read with promptCodec, the
	// OpenAI chat format when nil) is the request whose prompt tokens Nexus
	// counts for a stream's cost estimate, when the provider reports none up
	// front.
	prompt      *chatRequest
	promptBody  []byte
	promptCodec clientCodec
	// header holds answer headers the exchange adds (X-Nexus-Tools-Dropped).
	header http.Header
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

// passthrough builds an exchange that sends the client's body (model
// rewritten) to url and relays the answer as it is; usageOf reads an
// answer's usage and stream observes a streamed one.
func passthrough(ctx context.Context, in *inbound, model, url string, usageOf func([]byte) (usage, bool),
	stream func(countModel string) streamRelay) (*exchange, error) {
	body, err := rewriteModel(in.body, in.model, model)
	if err != nil {
		return nil, err
	}
	req, err := newPost(ctx, url, body, in)
	if err != nil {
		return nil, err
	}
	ex := &exchange{req: req, usageOf: usageOf}
	if in.stream {
		ex.relay = stream
	}
	return ex, nil
}

// translated builds an exchange through the hub: the client's request is
// written in codec's format (for upstream model) and posted to url, and the
// answer comes back through the hub in the client's format.
func translated(ctx context.Context, in *inbound, model, url string, codec providerCodec) (*exchange, error) {
	hub, err := in.chat()
	if err != nil {
		return nil, err
	}
	body, err := codec.request(hub, model)
	if err != nil {
		return nil, err
	}
	req, err := newPost(ctx, url, body, in)
	if err != nil {
		return nil, err
	}
	client := in.client()
	var header http.Header
	if len(hub.Dropped) > 0 {
		header = http.Header{hdrToolsDropped: {strings.Join(hub.Dropped, ", ")}}
	}
	ex := &exchange{req: req, translated: true, header: header, answer: func(b []byte) ([]byte, usage, bool, error) {
		c, err := codec.response(b, model)
		if err != nil {
			return nil, usage{}, false, err
		}
		u, ok := c.usage()
		out, err := client.response(in, c)
		return out, u, ok, err
	}}
	if in.stream {
		ex.relay = func(string) streamRelay { return newTranslatedStream(codec.stream(model), client.stream(in, model)) }
	}
	return ex, nil
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
