// provider_openai.go: OpenAI and every OpenAI-compatible server — the
// `openai` cloud type and the local types vllm, llamacpp, lmstudio, exo and
// generic (Ollama, which lists its models its own way, is in
// provider_ollama.go).
//
// OpenAI clients pass through byte for byte (the model value aside), so do
// their answers; Anthropic clients are translated through the hub. For the
// `openai` type the codec knows OpenAI's reasoning models (o-series, gpt-5),
// which take max_completion_tokens and reasoning_effort. For local types
// `url` is the server root and Nexus calls {url}/v1/...; for `openai` it is
// the API base including its version path.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

func init() {
	codec := openAICodec{reasoningModel: openAIReasoningModel}
	registerProvider(&provider{typ: "openai", order: 1, cloud: true, defaultURL: "https://api.openai.com/v1",
		keyEnvExample: "OPENAI_API_KEY", zeroConfigEnv: []string{"OPENAI_API_KEY"}, agent: openAIAgent{}, codec: codec,
		canServeResponses: true, nativeResponses: true})
	for i, typ := range []string{"vllm", "llamacpp", "lmstudio", "exo", "generic"} {
		registerProvider(&provider{typ: typ, order: 2 + i, agent: openAIAgent{}, codec: openAICodec{}, canServeResponses: true})
	}
}

// openAIReasoningModel reports whether an OpenAI model takes reasoning
// controls: the o-series and gpt-5.
func openAIReasoningModel(model string) bool {
	if strings.HasPrefix(model, "gpt-5") {
		return true
	}
	return len(model) > 1 && model[0] == 'o' && model[1] >= '1' && model[1] <= '9'
}

// openAIAgent serves OpenAI-compatible backends.
type openAIAgent struct{}

// openAIBase is the API base including the version path.
func openAIBase(b *backend) string {
	if b.local {
		return b.cfg.URL + "/v1"
	}
	return b.cfg.URL
}

func setOpenAIAuth(h http.Header, b *backend) {
	if b.key != "" {
		h.Set("Authorization", "Bearer "+b.key)
	}
}

func openAIAuth(b *backend) func(http.Header) { return func(h http.Header) { setOpenAIAuth(h, b) } }

func (openAIAgent) discover(ctx context.Context, c *http.Client, b *backend) ([]string, []string, error) {
	body, err := getJSON(ctx, c, openAIBase(b)+"/models", openAIAuth(b))
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

func (openAIAgent) build(ctx context.Context, b *backend, in *inbound, model string) (*exchange, error) {
	base := openAIBase(b)
	var ex *exchange
	var err error
	switch {
	case in.op == opResponses && nativeResponses(b):
		ex, err = passthrough(ctx, in, model, base+"/responses", responsesUsageFromBody,
			func(string) streamRelay { return &responsesPassthrough{} })
		if err == nil {
			ex.promptBody, ex.promptCodec = in.body, responsesClient{}
		}
	case in.op == opMessages || in.op == opResponses:
		if ex, err = translated(ctx, in, model, base+"/chat/completions", b.kind.codec); err == nil {
			ex.prompt = in.hub
		}
	default:
		ex, err = passthrough(ctx, in, model, base+strings.TrimPrefix(opPaths[in.op], "/v1"), openAIUsageFromBody,
			func(countModel string) streamRelay { return &openAIPassthrough{countModel: countModel} })
		if err == nil && in.op == opChat {
			ex.promptBody = in.body
		}
	}
	if err != nil {
		return nil, err
	}
	setOpenAIAuth(ex.req.Header, b)
	return ex, nil
}

// openAIPassthrough relays an OpenAI chunk stream as it is, reading what
// Nexus needs from it: the usage chunk, [DONE], an error event (so the
// first event can still fail over). countModel, when set, counts the
// completion text for a cost when the stream reports no usage.
type openAIPassthrough struct {
	countModel string
	done       bool
	u          usage
	outTokens  int
	chunk      struct {
		Choices []struct {
			Delta struct {
				Content string `json:"content"`
			} `json:"delta"`
		} `json:"choices"`
	}
}

func (p *openAIPassthrough) event(dst []byte, ev streamEvent) ([]byte, error) {
	switch {
	case bytes.Equal(ev.Data, doneData):
		p.done = true
	case bytes.Contains(ev.Data[:min(len(ev.Data), 32)], []byte(`"error"`)):
		var v struct {
			Error rawJSON `json:"error"`
		}
		if json.Unmarshal(ev.Data, &v) == nil && !v.Error.absent() {
			ae := openAIStreamError(v.Error, nil, nil, nil)
			ae.Status, ae.Type = http.StatusBadGateway, "api_error"
			return dst, ae
		}
	default:
		p.observe(ev.Data)
	}
	return append(dst, ev.Raw...), nil
}

// observe reads usage (and, when needed, completion text) from a chunk.
func (p *openAIPassthrough) observe(data []byte) {
	if bytes.Contains(data, []byte(`"usage":{`)) {
		if u, ok := openAIUsageFromBody(data); ok {
			p.u = u
		}
	}
	if p.countModel == "" {
		return
	}
	clear(p.chunk.Choices[:cap(p.chunk.Choices)]) // Unmarshal keeps old fields a chunk leaves out
	p.chunk.Choices = p.chunk.Choices[:0]
	if json.Unmarshal(data, &p.chunk) == nil {
		for _, ch := range p.chunk.Choices {
			if n, ok := countTextTokens(p.countModel, ch.Delta.Content); ok {
				p.outTokens += n
			}
		}
	}
}

func (p *openAIPassthrough) end(dst []byte) ([]byte, bool) { return dst, p.done }

func (p *openAIPassthrough) fail(dst []byte, e *apiError) []byte {
	return append(dst, openAIClient{}.errorEvent(e)...)
}

func (p *openAIPassthrough) usage() usage {
	u := p.u
	if !u.HasOutput && p.outTokens > 0 {
		u.OutputTokens, u.HasOutput = p.outTokens, true
	}
	return u
}

// responsesPassthrough relays a Responses event stream as it is, reading
// the usage of its last event (response.completed or .incomplete) and
// failing over when the first event is an error.
type responsesPassthrough struct {
	u      usage
	done   bool
	events int
}

func (p *responsesPassthrough) event(dst []byte, ev streamEvent) ([]byte, error) {
	p.events++
	typ := string(ev.Name)
	if typ == "" { // servers that leave the type to the data
		var v struct {
			Type string `json:"type"`
		}
		json.Unmarshal(ev.Data, &v)
		typ = v.Type
	}
	switch typ {
	case "response.completed", "response.incomplete":
		var v struct {
			Response struct {
				Usage *responsesUsage `json:"usage"`
			} `json:"response"`
		}
		if json.Unmarshal(ev.Data, &v) == nil && v.Response.Usage != nil {
			p.u = v.Response.Usage.toUsage()
		}
		p.done = true
	case "response.failed", "error":
		if p.events == 1 { // nothing reached the client yet: fail over
			var v struct {
				Message  string `json:"message"`
				Response struct {
					Error struct {
						Message string `json:"message"`
					} `json:"error"`
				} `json:"response"`
			}
			json.Unmarshal(ev.Data, &v)
			msg := v.Message + v.Response.Error.Message
			if msg == "" {
				msg = "the backend failed the response"
			}
			return dst, &apiError{Status: http.StatusBadGateway, Type: "api_error", Message: msg}
		}
		p.done = p.done || typ == "response.failed"
	}
	return append(dst, ev.Raw...), nil
}

func (p *responsesPassthrough) end(dst []byte) ([]byte, bool) { return dst, p.done }

func (p *responsesPassthrough) fail(dst []byte, e *apiError) []byte {
	return append(dst, responsesClient{}.errorEvent(e)...)
}

func (p *responsesPassthrough) usage() usage { return p.u }
