// provider_anthropic.go: Anthropic, the `anthropic` cloud type.
//
// Anthropic clients (POST /v1/messages) pass through byte for byte, with
// their own anthropic-version and anthropic-beta headers; Nexus still reads
// what it needs from the answer (usage for cost, message_stop for a clean
// end, an error event to fail over). Everything else is translated through
// the hub (translate_anthropic_*.go). Auth is x-api-key plus
// anthropic-version; models come from GET /v1/models, page by page; token
// counts from POST /v1/messages/count_tokens are exact.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

func init() {
	registerProvider(&provider{typ: "anthropic", order: 2, cloud: true, defaultURL: "https://api.anthropic.com",
		keyEnvExample: "ANTHROPIC_API_KEY", zeroConfigEnv: []string{"ANTHROPIC_API_KEY"},
		agent: anthropicAgent{}, codec: anthropicCodec{}, countTokens: anthropicCountTokens})
}

type anthropicAgent struct{}

func anthropicAuth(b *backend) func(http.Header) {
	return func(h http.Header) {
		h.Set("x-api-key", b.key)
		h.Set("anthropic-version", anthropicVersion)
	}
}

// anthropicClientHeaders forwards an Anthropic client's protocol headers,
// which are meant for Anthropic.
func anthropicClientHeaders(dst, client http.Header) {
	if v := client.Get("anthropic-version"); v != "" {
		dst.Set("anthropic-version", v)
	}
	for _, v := range client.Values("anthropic-beta") {
		dst.Add("anthropic-beta", v)
	}
}

func (anthropicAgent) discover(ctx context.Context, c *http.Client, b *backend) ([]string, []string, error) {
	var all []string
	after := ""
	for page := 0; page < 20; page++ {
		u := b.cfg.URL + "/v1/models?limit=1000"
		if after != "" {
			u += "&after_id=" + url.QueryEscape(after)
		}
		body, err := getJSON(ctx, c, u, anthropicAuth(b))
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

// anthropicModelIDs parses GET /v1/models ({"data":[{"id"}],"has_more","last_id"}).
func anthropicModelIDs(body []byte) (ids []string, hasMore bool, lastID string, err error) {
	var v struct {
		Data *[]struct {
			ID string `json:"id"`
		} `json:"data"`
		HasMore bool   `json:"has_more"`
		LastID  string `json:"last_id"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, false, "", fmt.Errorf("anthropic: decode model list: %w", err)
	}
	if v.Data == nil {
		return nil, false, "", errors.New("anthropic: model list has no data")
	}
	for _, m := range *v.Data {
		if m.ID != "" {
			ids = append(ids, m.ID)
		}
	}
	return ids, v.HasMore, v.LastID, nil
}

func (anthropicAgent) supports(op opKind) bool {
	return op == opChat || op == opMessages || op == opResponses
}

func (anthropicAgent) build(ctx context.Context, b *backend, in *inbound, model string) (*exchange, error) {
	u := b.cfg.URL + "/v1/messages"
	var ex *exchange
	var err error
	if in.op == opMessages {
		ex, err = passthrough(ctx, in, model, u, anthropicUsageFromBody,
			func(string) streamRelay { return &anthropicPassthrough{} })
	} else {
		ex, err = translated(ctx, in, model, u, b.kind.codec)
	}
	if err != nil {
		return nil, err
	}
	anthropicAuth(b)(ex.req.Header)
	if in.op == opMessages {
		anthropicClientHeaders(ex.req.Header, in.header)
	}
	return ex, nil
}

// anthropicCountTokens is the upstream call of /v1/messages/count_tokens.
func anthropicCountTokens(ctx context.Context, b *backend, in *inbound, model string) (*http.Request, error) {
	body, err := rewriteModel(in.body, in.model, model)
	if err != nil {
		return nil, err
	}
	req, err := newPost(ctx, b.cfg.URL+"/v1/messages/count_tokens", body, in)
	if err != nil {
		return nil, err
	}
	anthropicAuth(b)(req.Header)
	anthropicClientHeaders(req.Header, in.header)
	return req, nil
}

func (anthropicCodec) errorMessage(body []byte) (string, string) {
	typ, msg, _ := anthropicErrorMessage(body)
	return msg, typ
}

// anthropicUsageFromBody reads the usage of a non-streaming message.
func anthropicUsageFromBody(body []byte) (usage, bool) {
	var v struct {
		Usage *anthropicUsage `json:"usage"`
	}
	if json.Unmarshal(body, &v) != nil || v.Usage == nil {
		return usage{}, false
	}
	var u usage
	v.Usage.apply(&u)
	u.HasInput, u.HasOutput = true, true
	return u, true
}

// anthropicPassthrough relays an Anthropic event stream as it is, decoding
// only the few events that carry usage, the end, or an error.
type anthropicPassthrough struct {
	u    usage
	done bool
}

func (p *anthropicPassthrough) event(dst []byte, ev streamEvent) ([]byte, error) {
	switch string(ev.Name) {
	case "message_start":
		var v struct {
			Message struct {
				Usage anthropicUsage `json:"usage"`
			} `json:"message"`
		}
		if json.Unmarshal(ev.Data, &v) == nil {
			v.Message.Usage.OutputTokens = nil // a placeholder until message_delta
			v.Message.Usage.apply(&p.u)
		}
	case "message_delta":
		var v struct {
			Usage anthropicUsage `json:"usage"`
		}
		if json.Unmarshal(ev.Data, &v) == nil {
			v.Usage.apply(&p.u)
		}
	case "message_stop":
		p.done = true
	case "error":
		typ, msg, _ := anthropicErrorMessage(ev.Data)
		st := anthropicErrorStatus(typ)
		return dst, &apiError{Status: st, Type: errorTypeForStatus(st), Code: typ, Message: msg}
	}
	return append(dst, ev.Raw...), nil
}

func (p *anthropicPassthrough) end(dst []byte) ([]byte, bool) { return dst, p.done }
func (p *anthropicPassthrough) fail(dst []byte, e *apiError) []byte {
	return append(dst, anthropicErrorEvent(e)...)
}
func (p *anthropicPassthrough) usage() usage { return p.u }
