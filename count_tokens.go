// count_tokens.go: POST /v1/messages/count_tokens, which Claude Code calls
// before it sends a conversation.
//
// When an Anthropic backend serves the model, it is asked (the only exact
// answer). Otherwise Nexus translates the request to OpenAI chat format and
// counts it with tiktoken — the model's own encoding for OpenAI models,
// o200k_base for everything else — and says so in X-Nexus-Token-Count.
package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"
)

const hdrTokenCount = "X-Nexus-Token-Count"

func (s *server) handleCountTokens(w http.ResponseWriter, r *http.Request) {
	rl := &reqLog{id: requestIDFrom(r.Header), op: opMessages, start: time.Now(), ri: routeInfo{reason: reasonNone}}
	w = s.meter(w, r, rl)
	n, exact, err := s.countTokens(w, r, rl)
	if err != nil {
		ae := asAPIError(err)
		rl.status = ae.Status
		s.writeError(w, rl, ae, true)
		return
	}
	if exact {
		return // the backend's own answer was relayed
	}
	h := w.Header()
	setNexusHeaders(h, rl.ri, rl.id)
	h.Set(hdrTokenCount, "estimate")
	body := []byte(`{"input_tokens":` + strconv.Itoa(n) + `}`)
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// countTokens relays an Anthropic backend's count (exact) or estimates one.
func (s *server) countTokens(w http.ResponseWriter, r *http.Request, rl *reqLog) (int, bool, error) {
	reg := s.reg.Load()
	body, err := readBody(r, reg.cfg.MaxBodyBytes)
	if err != nil {
		return 0, false, err
	}
	var v struct {
		Model    string  `json:"model"`
		Messages rawKind `json:"messages"`
	}
	if json.Unmarshal(body, &v) != nil {
		return 0, false, errInvalid("", "request body is not valid JSON")
	}
	if v.Model == "" {
		return 0, false, errInvalid("model", "model: Field required")
	}
	if v.Messages != '[' {
		return 0, false, errInvalid("messages", "messages: Field required")
	}
	model := v.Model
	if target, ok := reg.cfg.Aliases[model]; ok {
		model = target
	}
	q, err := reg.requirementsFor(r.Header, v.Model, model)
	if err != nil {
		return 0, false, err
	}
	if q, _, err = s.admit(reg, rl, v.Model, q, []string{model}); err != nil {
		return 0, false, err
	}
	if p := reg.choose(opMessages, model, q, nil); p.b != nil {
		rl.ri = routeInfo{backend: p.b, reason: p.reason}
		if p.b.cfg.Type == "anthropic" && s.relayCount(w, r, reg, p.b, body, v.Model, model, rl) {
			return 0, true, nil
		}
	}
	oa, err := openAIRequestFromMessages(body, model)
	if err != nil {
		return 0, false, err
	}
	countModel := model
	if _, ok := encodingForModel(model); !ok {
		countModel = "gpt-4o" // o200k_base: the closest public tokenizer for modern models
	}
	if n, ok := countChatPromptTokens(countModel, oa); ok {
		return n, false, nil
	}
	// Images or files: no honest per-part count exists, so count the text of
	// the whole translated request (an overestimate, never an undercount of text).
	n, _ := countTextTokens(countModel, string(oa))
	return n, false, nil
}

// relayCount asks an Anthropic backend and relays its answer as it is. It
// returns false (so Nexus estimates instead) when the backend cannot answer.
func (s *server) relayCount(w http.ResponseWriter, r *http.Request, reg *registry, b *backend, body []byte,
	asked, model string, rl *reqLog) bool {
	if !b.tryAcquire() {
		return false
	}
	defer reg.release(b)
	out, err := rewriteModel(body, asked, model)
	if err != nil {
		return false
	}
	in := &inbound{op: opMessages, body: out, model: model, header: r.Header, requestID: rl.id}
	req, err := newPost(r.Context(), b.cfg.URL+"/v1/messages/count_tokens", out, in)
	if err != nil {
		return false
	}
	anthropicAgent{}.auth(b)(req.Header)
	if v := r.Header.Get("anthropic-version"); v != "" {
		req.Header.Set("anthropic-version", v)
	}
	for _, v := range r.Header.Values("anthropic-beta") {
		req.Header.Add("anthropic-beta", v)
	}
	resp, err := reg.client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		return false
	}
	h := w.Header()
	setNexusHeaders(h, rl.ri, rl.id)
	h.Set(hdrTokenCount, "exact")
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(answer)))
	w.WriteHeader(http.StatusOK)
	w.Write(answer)
	return true
}
