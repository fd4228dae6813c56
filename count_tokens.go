// count_tokens.go: POST /v1/messages/count_tokens, which Claude Code calls
// before it sends a conversation.
//
// When a backend whose kind counts tokens exactly (the provider registry's
// countTokens) serves the model, it is asked. Otherwise Nexus reads the
// request into the hub and counts it with its BPE counter — the model's own
// encoding for OpenAI models, o200k_base for everything else — and says so
// in X-Nexus-Token-Count.
package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
)

const hdrTokenCount = "X-Nexus-Token-Count"

func (s *server) handleCountTokens(w http.ResponseWriter, r *http.Request) {
	c := s.newCall(w, r, opMessages)
	rl := &c.rl
	w = s.meter(&c)
	n, exact, err := s.countTokens(&c)
	if err != nil {
		ae := asAPIError(err)
		rl.status = ae.Status
		writeError(w, rl.id, rl.ri, ae, clientCodecFor(opMessages))
		return
	}
	if exact {
		return // the backend's own answer was relayed
	}
	writeCount(w, rl, "estimate", []byte(`{"input_tokens":`+strconv.Itoa(n)+`}`))
}

// writeCount answers a token count with the Nexus headers.
func writeCount(w http.ResponseWriter, rl *reqLog, kind string, body []byte) {
	h := w.Header()
	setNexusHeaders(h, rl.ri, rl.id)
	h.Set(hdrTokenCount, kind)
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// countTokens relays an exact count from a backend or estimates one.
func (s *server) countTokens(c *call) (int, bool, error) {
	reg := c.reg
	body, err := readBody(c.r, reg.cfg.MaxBodyBytes)
	if err != nil {
		return 0, false, err
	}
	var v struct {
		Model    string  `json:"model"`
		Messages rawJSON `json:"messages"`
	}
	if json.Unmarshal(body, &v) != nil {
		return 0, false, errInvalid("", "request body is not valid JSON")
	}
	if v.Model == "" {
		return 0, false, errInvalid("model", "model: Field required")
	}
	if v.Messages.kind() != '[' {
		return 0, false, errInvalid("messages", "messages: Field required")
	}
	model := v.Model
	if target, ok := reg.cfg.Aliases[model]; ok {
		model = target
	}
	q, err := reg.requirementsFor(c.r.Header, v.Model, model)
	if err != nil {
		return 0, false, err
	}
	if q, _, err = s.admit(reg, &c.rl, v.Model, q, []string{model}); err != nil {
		return 0, false, err
	}
	c.in = &inbound{op: opMessages, body: body, model: v.Model, header: c.r.Header, requestID: c.rl.id}
	if p := reg.choose(opMessages, model, q, nil); p.b != nil {
		c.rl.ri = routeInfo{backend: p.b, reason: p.reason}
		if p.b.kind.countTokens != nil && s.relayCount(c, p.b, model) {
			return 0, true, nil
		}
	}
	req, err := c.in.chat()
	if err != nil {
		return 0, false, err
	}
	countModel := model
	if _, ok := encodingForModel(model); !ok {
		countModel = "gpt-4o" // o200k_base: the closest public tokenizer for modern models
	}
	if n, ok := countChatPromptTokens(countModel, req); ok {
		return n, false, nil
	}
	// Images or files: no honest per-part count exists, so count the text of
	// the whole request (an overestimate, never an undercount of its text).
	n, _ := countTextTokens(countModel, string(body))
	return n, false, nil
}

// relayCount asks b and relays its answer as it is. It returns false (so
// Nexus estimates instead) when the backend cannot answer.
func (s *server) relayCount(c *call, b *backend, model string) bool {
	if !b.tryAcquire() {
		return false
	}
	defer c.reg.release(b)
	req, err := b.kind.countTokens(c.r.Context(), b, c.in, model)
	if err != nil {
		return false
	}
	resp, err := c.reg.client.Do(req)
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
	writeCount(c.w, &c.rl, "exact", answer)
	return true
}
