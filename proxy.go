// proxy.go: the proxied endpoints — route, call upstream, fail over, answer.
//
// serveProxy is the whole life of one request: parse just enough, pick a
// backend, run the exchange the backend's agent built, and retry on the next
// eligible backend while no byte has reached the client. Non-streaming
// answers are buffered up to 8 MiB (to read usage for the cost header) and
// otherwise passed through; streams are relayed by stream.go.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

const (
	maxAttempts       = 3
	maxBufferedAnswer = 8 << 20
	maxErrorBody      = 64 << 10
	maxRawInError     = 4 << 10
)

// errClientGone marks a request whose client went away.
var errClientGone = errors.New("client disconnected")

// errFirstByte / errStreamIdle are cancellation causes of an attempt.
var (
	errFirstByte  = errors.New("no answer within timeouts.first_byte")
	errStreamIdle = errors.New("stream idle longer than timeouts.stream_idle")
)

// reqLog is what one request did, for its log line and metrics.
type reqLog struct {
	id          string
	op          opKind
	model       string // as asked
	served      string // model sent upstream
	ri          routeInfo
	status      int
	attempts    int
	stream      bool
	start       time.Time
	ttfb        time.Duration
	use         usage
	cost        float64
	hasCost     bool
	wroteHeader bool
	err         error
	acct        requestAccount // client and spend (budget_meter.go)
}

func (s *server) proxyHandler(op opKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.serveProxy(w, r, op) }
}

// serveProxy handles one proxied request from start to log line.
func (s *server) serveProxy(w http.ResponseWriter, r *http.Request, op opKind) {
	rl := &reqLog{id: requestIDFrom(r.Header), op: op, start: time.Now(), ri: routeInfo{reason: reasonNone}}
	reg := s.reg.Load()
	w = s.meter(w, r, rl)
	err := s.proxy(w, r, reg, rl)
	if err != nil && !rl.wroteHeader {
		ae := asAPIError(err)
		if errors.Is(err, errClientGone) {
			rl.status = 499
		} else {
			rl.status = ae.Status
			s.writeError(w, rl, ae, op == opMessages)
		}
	}
	if err != nil {
		rl.err = err
	}
	s.finish(rl)
}

// writeError writes an error answer with the Nexus headers.
func (s *server) writeError(w http.ResponseWriter, rl *reqLog, ae *apiError, anthropicClient bool) {
	h := w.Header()
	setNexusHeaders(h, rl.ri, rl.id)
	setErrorHeaders(h, ae)
	body := openAIErrorBody(ae)
	if anthropicClient {
		body = anthropicErrorBody(ae)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(ae.Status)
	w.Write(body)
	rl.wroteHeader = true
}

func (s *server) proxy(w http.ResponseWriter, r *http.Request, reg *registry, rl *reqLog) error {
	body, err := readBody(r, reg.cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	in, err := parseInbound(rl.op, body, r.Header)
	if err != nil {
		return err
	}
	rl.model, rl.stream, in.requestID = in.model, in.stream, rl.id
	model := in.model
	if target, ok := reg.cfg.Aliases[model]; ok {
		model = target
	}
	q, err := reg.requirementsFor(r.Header, in.model, model)
	if err != nil {
		return err
	}
	models := []string{model}
	if fb := reg.cfg.Fallbacks[model]; len(fb) > 0 {
		models = append(models, fb...)
	}
	if q, models, err = s.admit(reg, rl, in.model, q, models); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), reg.cfg.Timeouts.Request)
	defer cancel()

	var tried [maxAttempts]*backend
	var last *apiError
	for n := 0; n < maxAttempts; n++ {
		b, reason, used, err := s.acquire(ctx, reg, rl.op, models, q, tried[:n])
		if err != nil {
			if last != nil { // no further backend: report the last failure
				return last
			}
			return err
		}
		rl.attempts, rl.served = n+1, used
		rl.ri = routeInfo{backend: b, reason: reason}
		if used != model {
			rl.ri.fallback = used
		}
		ae, retry := s.attempt(ctx, w, reg, b, in, used, rl)
		reg.release(b)
		if ae == nil {
			return nil
		}
		if !retry || rl.wroteHeader {
			return ae
		}
		last = ae
		tried[n] = b
		s.metrics.observeFailover(b.cfg.Name)
	}
	return last
}

// acquire picks a backend for the first model (or fallback) that has an
// eligible one and takes a slot on it, waiting in the bounded queue when all
// eligible backends are full.
func (s *server) acquire(ctx context.Context, reg *registry, op opKind, models []string, q requirements,
	tried []*backend) (*backend, string, string, error) {
	var deadline <-chan time.Time
	var wake <-chan struct{}
	for {
		if deadline != nil {
			wake = reg.slots.wait() // before looking, so no release is missed
		}
		known, waitable := false, false
		var fullest *backend
		for i, m := range models {
			qm := q
			if i > 0 && len(reg.cfg.Policies) > 0 { // a fallback obeys its own policies too
				qm = reg.policyFor(q, m)
			}
			p := reg.choose(op, m, qm, tried)
			if p.b != nil {
				if p.b.tryAcquire() {
					return p.b, p.reason, m, nil
				}
				waitable, fullest = true, p.b // lost a race for its last slot
				continue
			}
			known = known || p.known
			if p.waitable && fullest == nil {
				waitable, fullest = true, p.fullest
			}
		}
		if !known && !waitable {
			return nil, "", "", &apiError{Status: http.StatusNotFound, Type: "invalid_request_error",
				Code: "model_not_found", Param: "model",
				Message: fmt.Sprintf("model %q is not served by any backend", models[0])}
		}
		if !waitable || len(tried) > 0 {
			return nil, "", "", reg.unavailable(op, models, q, "no backend can serve this request now")
		}
		if deadline == nil {
			if int(s.waiting.Add(1)) > reg.cfg.Queue.MaxWaiting {
				s.waiting.Add(-1)
				return nil, "", "", reg.unavailable(op, models, q, "every eligible backend is full and the queue is full")
			}
			defer s.waiting.Add(-1)
			t := time.NewTimer(reg.cfg.Queue.Timeout)
			defer t.Stop()
			deadline = t.C
			fullest.queued.Add(1)
			defer fullest.queued.Add(-1)
			reg.slots.waiters.Add(1)
			defer reg.slots.waiters.Add(-1)
			continue // look once more, now that a release will wake us
		}
		select {
		case <-wake:
		case <-deadline:
			return nil, "", "", reg.unavailable(op, models, q, "every eligible backend stayed full for queue.timeout")
		case <-ctx.Done():
			return nil, "", "", ctxError(ctx, nil)
		}
	}
}

// ctxError turns a finished context into the request's error.
func ctxError(ctx context.Context, b *backend) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		name := "the backend"
		if b != nil {
			name = "backend " + b.cfg.Name
		}
		return &apiError{Status: http.StatusGatewayTimeout, Type: "timeout",
			Message: name + " did not finish within timeouts.request", Err: ctx.Err()}
	}
	return errClientGone
}

// attempt runs one exchange with b. It returns nil when an answer was written,
// or the failure and whether another backend may be tried.
func (s *server) attempt(ctx context.Context, w http.ResponseWriter, reg *registry, b *backend, in *inbound,
	model string, rl *reqLog) (*apiError, bool) {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ex, err := b.agent.build(actx, b, in, model)
	if err != nil {
		return asAPIError(err), false
	}
	if in.thinking > 0 && b.cfg.Type != "anthropic" && !reasoningModel(b, model) {
		s.log.Debug("thinking budget ignored: backend has no reasoning control", "id", rl.id, "backend", b.cfg.Name)
	}
	var pc *promptCount
	if in.stream && !b.local && ex.format == formatOpenAI && (in.op == opChat || in.op == opMessages) {
		pc = startPromptCount(model, ex.body) // overlaps the upstream call
	}
	firstByte := time.AfterFunc(reg.cfg.Timeouts.FirstByte, func() { cancel(errFirstByte) })
	defer firstByte.Stop()
	sent := time.Now()
	resp, err := reg.client.Do(ex.req)
	if err != nil {
		return s.transportFailure(actx, ctx, b, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		firstByte.Stop()
		return s.upstreamFailure(b, ex, resp)
	}
	if in.stream && resp.StatusCode == http.StatusOK && isEventStream(resp.Header) {
		return s.relayStream(actx, ctx, cancel, firstByte, w, b, ex, resp, pc, rl)
	}
	ae, retry := s.relayBody(actx, ctx, w, b, ex, resp, rl)
	if ae == nil {
		b.observeLatency(time.Since(sent))
	}
	return ae, retry
}

func isEventStream(h http.Header) bool {
	ct := h.Get("Content-Type")
	return len(ct) >= 17 && ct[:17] == "text/event-stream"
}

// transportFailure classifies an error from sending the request or reading
// its answer before anything reached the client.
func (s *server) transportFailure(actx, ctx context.Context, b *backend, err error) (*apiError, bool) {
	if ctx.Err() != nil { // the client left or the request deadline passed
		return asAPIError(ctxError(ctx, b)), false
	}
	recordResult(s.log, b, true)
	if errors.Is(context.Cause(actx), errFirstByte) {
		return &apiError{Status: http.StatusGatewayTimeout, Type: "timeout", Code: "backend_timeout",
			Message: "backend " + b.cfg.Name + " sent no answer within timeouts.first_byte", Err: err}, true
	}
	return &apiError{Status: http.StatusBadGateway, Type: "api_error", Code: "backend_unreachable",
		Message: "backend " + b.cfg.Name + " is unreachable", Err: err}, true
}

// upstreamFailure maps a provider's error answer (status >= 400).
func (s *server) upstreamFailure(b *backend, ex *exchange, resp *http.Response) (*apiError, bool) {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	ae := providerError(b, ex.format, resp.StatusCode, raw)
	if v := resp.Header.Get("Retry-After"); v != "" {
		ae.RetryAfter, _ = strconv.Atoi(v)
	}
	st := resp.StatusCode
	recordResult(s.log, b, st >= 500)
	if st == http.StatusUnauthorized || st == http.StatusForbidden {
		setState(s.log, b, stateUnhealthy, "auth_failed")
	}
	retry := st >= 500 || st == http.StatusTooManyRequests || st == http.StatusUnauthorized || st == http.StatusForbidden
	return ae, retry
}

// relayBody forwards a non-streaming answer, translated or byte-for-byte.
func (s *server) relayBody(actx, ctx context.Context, w http.ResponseWriter, b *backend, ex *exchange,
	resp *http.Response, rl *reqLog) (*apiError, bool) {
	body, err := readAnswer(resp)
	if err != nil {
		return s.transportFailure(actx, ctx, b, err)
	}
	h := w.Header()
	if len(body) > maxBufferedAnswer {
		if ex.convert != nil {
			return s.untranslatable(b, body[:maxRawInError], errors.New("answer larger than 8 MiB")), false
		}
		// Too large to inspect: pass it through as it arrives, without cost.
		recordResult(s.log, b, false)
		copyResponseHeaders(h, resp.Header)
		setNexusHeaders(h, rl.ri, rl.id)
		rl.status, rl.wroteHeader = resp.StatusCode, true
		w.WriteHeader(resp.StatusCode)
		rl.ttfb = time.Since(rl.start)
		w.Write(body)
		if _, err := io.Copy(w, resp.Body); err != nil {
			return asAPIError(fmt.Errorf("copying large answer: %w", err)), false
		}
		return nil, false
	}
	var u usage
	var ok bool
	if ex.convert != nil {
		out, cu, err := ex.convert(body)
		if err != nil {
			return s.untranslatable(b, body, err), false
		}
		body, u = out, cu
		ok = true
		h.Set("Content-Type", "application/json")
	} else {
		copyResponseHeaders(h, resp.Header)
		if ex.usageOf != nil {
			u, ok = ex.usageOf(body)
		} else {
			u, ok = openAIUsageFast(body)
		}
	}
	recordResult(s.log, b, false)
	rl.use = u
	setNexusHeaders(h, rl.ri, rl.id)
	if ok && !b.local {
		s.setCost(rl, rl.served, u)
		if rl.hasCost {
			h[hdrCostEst] = []string{formatUSD(rl.cost)}
		}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	rl.status, rl.wroteHeader = resp.StatusCode, true
	w.WriteHeader(resp.StatusCode)
	rl.ttfb = time.Since(rl.start)
	w.Write(body)
	return nil, false
}

// readAnswer reads up to maxBufferedAnswer+1 bytes of a body, in one
// allocation when the length is announced.
func readAnswer(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n <= maxBufferedAnswer {
		buf := make([]byte, n)
		_, err := io.ReadFull(resp.Body, buf)
		return buf, err
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxBufferedAnswer+1))
}

// setCost prices u for model when a price is known.
func (s *server) setCost(rl *reqLog, model string, u usage) {
	if p, ok := priceFor(model, s.reg.Load().cfg.Pricing); ok {
		rl.cost, rl.hasCost = costUSD(p, u), true
	}
}

// untranslatable is the 502 for an answer Nexus cannot read; the backend is
// unhealthy until its next good check.
func (s *server) untranslatable(b *backend, raw []byte, err error) *apiError {
	if len(raw) > maxRawInError {
		raw = raw[:maxRawInError]
	}
	setState(s.log, b, stateUnhealthy, "untranslatable answer")
	return &apiError{Status: http.StatusBadGateway, Type: "api_error", Code: "bad_upstream_answer",
		Message: "backend " + b.cfg.Name + " sent an answer Nexus cannot translate: " +
			scrubSecrets(string(raw), b.key), Err: err}
}

// openAIUsageFast reads the "usage" object of an OpenAI answer without
// decoding the rest (usage comes last in OpenAI-format answers).
func openAIUsageFast(body []byte) (usage, bool) {
	i := bytes.LastIndex(body, []byte(`"usage"`))
	if i < 0 {
		return usage{}, false
	}
	rest := bytes.TrimLeft(body[i+len(`"usage"`):], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return usage{}, false
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	end := objectEnd(rest)
	if end < 0 {
		return usage{}, false
	}
	var ou openAIUsage
	if err := json.Unmarshal(rest[:end], &ou); err != nil {
		return usage{}, false
	}
	return ou.toUsage(), true
}

// objectEnd returns the length of the JSON object at the start of b (which
// holds no strings containing braces, as a usage object does not), or -1.
func objectEnd(b []byte) int {
	if len(b) == 0 || b[0] != '{' {
		return -1
	}
	depth := 0
	for j, c := range b {
		switch c {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return j + 1
			}
		}
	}
	return -1
}
