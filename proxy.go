// proxy.go: the proxied endpoints — route, call upstream, fail over, answer.
//
// A request reads as one story: serveProxy parses just enough (inbound.go),
// routes (route.go), has the backend's agent build the upstream call
// (agents.go, provider_*.go; translated through the hub when the backend
// speaks another format), and relays the answer — a body here, a stream in
// stream.go — with the Nexus headers (headers.go). While no byte has reached
// the client, a failed attempt is retried on the next eligible backend.
// Non-streaming answers are buffered up to 8 MiB (to read usage for the cost
// header) and otherwise passed through.
package main

import (
	"context"
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

// call is one client request on its way through Nexus. It keeps the
// registry the request started with, so a reload mid-request changes none
// of its timeouts, prices or backends, and the state of the attempt in
// progress.
type call struct {
	w   http.ResponseWriter
	r   *http.Request
	reg *registry
	in  *inbound
	rl  reqLog

	// The attempt in progress: its backend and exchange, the call's context
	// (ends when the client leaves or timeouts.request passes) and the
	// attempt's own (cancelled with a cause), the first-byte timer, the
	// upstream answer and the prompt count running beside it.
	b         *backend
	ex        *exchange
	ctx       context.Context
	actx      context.Context
	cancel    context.CancelCauseFunc
	firstByte *time.Timer
	resp      *http.Response
	pc        *promptCount
}

// newCall starts a call on the registry now in use.
func (s *server) newCall(w http.ResponseWriter, r *http.Request, op opKind) call {
	return call{w: w, r: r, reg: s.reg.Load(),
		rl: reqLog{id: requestIDFrom(r.Header), op: op, start: time.Now(), ri: routeInfo{reason: reasonNone}}}
}

// setCost prices u for the served model when a price is known.
func (c *call) setCost(u usage) {
	if p, ok := priceFor(c.rl.served, c.reg.cfg.Pricing); ok {
		c.rl.cost, c.rl.hasCost = costUSD(p, u), true
	}
}

func (s *server) proxyHandler(op opKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.serveProxy(w, r, op) }
}

// serveProxy handles one proxied request from start to log line.
func (s *server) serveProxy(w http.ResponseWriter, r *http.Request, op opKind) {
	c := s.newCall(w, r, op)
	rl := &c.rl
	w = s.meter(&c)
	err := s.proxy(&c)
	if err != nil && !rl.wroteHeader {
		if errors.Is(err, errClientGone) {
			rl.status = 499
		} else {
			ae := asAPIError(err)
			rl.status, rl.wroteHeader = ae.Status, true
			writeError(w, rl.id, rl.ri, ae, clientCodecFor(op))
		}
	}
	if err != nil {
		rl.err = err
	}
	s.finish(rl)
}

// clientCodecFor is the wire format clients of op speak.
func clientCodecFor(op opKind) clientCodec {
	if c := clientCodecs[op]; c != nil {
		return c
	}
	return openAIClient{}
}

func (s *server) proxy(c *call) error {
	reg, rl := c.reg, &c.rl
	body, err := readBody(c.r, reg.cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	in, err := parseInbound(rl.op, body, c.r.Header)
	if err != nil {
		return err
	}
	c.in = in
	rl.model, rl.stream, in.requestID = in.model, in.stream, rl.id
	model := in.model
	if target, ok := reg.cfg.Aliases[model]; ok {
		model = target
	}
	q, err := reg.requirementsFor(c.r.Header, in.model, model)
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
	ctx, cancel := context.WithTimeout(c.r.Context(), reg.cfg.Timeouts.Request)
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
		ae, retry := s.attempt(ctx, c, b)
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

// attempt runs one exchange with b. It returns nil when an answer was
// written, or the failure and whether another backend may be tried.
func (s *server) attempt(ctx context.Context, c *call, b *backend) (*apiError, bool) {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ex, err := b.agent.build(actx, b, c.in, c.rl.served)
	if err != nil {
		return asAPIError(err), false
	}
	c.b, c.ex, c.ctx, c.actx, c.cancel, c.resp, c.pc = b, ex, ctx, actx, cancel, nil, nil
	if c.in.stream && !b.local && (ex.prompt != nil || ex.promptBody != nil) {
		c.pc = startPromptCount(c.rl.served, ex.prompt, ex.promptBody, ex.promptCodec) // overlaps the upstream call
	}
	c.firstByte = time.AfterFunc(c.reg.cfg.Timeouts.FirstByte, func() { cancel(errFirstByte) })
	defer c.firstByte.Stop()
	sent := time.Now()
	resp, err := c.reg.client.Do(ex.req)
	if err != nil {
		return s.transportFailure(c, err)
	}
	defer resp.Body.Close()
	c.resp = resp
	if resp.StatusCode >= 400 {
		c.firstByte.Stop()
		return s.upstreamFailure(c)
	}
	if c.in.stream && resp.StatusCode == http.StatusOK && isEventStream(resp.Header) && ex.relay != nil {
		return s.relayStream(c)
	}
	ae, retry := s.relayBody(c)
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
func (s *server) transportFailure(a *call, err error) (*apiError, bool) {
	b := a.b
	if a.ctx.Err() != nil { // the client left or the request deadline passed
		return asAPIError(ctxError(a.ctx, b)), false
	}
	recordResult(s.log, b, true)
	if errors.Is(context.Cause(a.actx), errFirstByte) {
		return &apiError{Status: http.StatusGatewayTimeout, Type: "timeout", Code: "backend_timeout",
			Message: "backend " + b.cfg.Name + " sent no answer within timeouts.first_byte", Err: err}, true
	}
	return &apiError{Status: http.StatusBadGateway, Type: "api_error", Code: "backend_unreachable",
		Message: "backend " + b.cfg.Name + " is unreachable", Err: err}, true
}

// upstreamFailure maps a provider's error answer (status >= 400).
func (s *server) upstreamFailure(a *call) (*apiError, bool) {
	b, resp := a.b, a.resp
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	ae := providerError(b, resp.StatusCode, raw)
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

// relayBody forwards a non-streaming answer, translated or byte for byte.
func (s *server) relayBody(a *call) (*apiError, bool) {
	b, ex, resp, rl, w := a.b, a.ex, a.resp, &a.rl, a.w
	body, err := readAnswer(resp)
	if err != nil {
		return s.transportFailure(a, err)
	}
	h := w.Header()
	if len(body) > maxBufferedAnswer {
		if ex.translated {
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
	out, u, ok := body, usage{}, false
	if ex.translated {
		if out, u, ok, err = ex.answer(body); err != nil {
			return s.untranslatable(b, body, err), false
		}
		h.Set("Content-Type", "application/json")
	} else {
		u, ok = ex.usageOf(body)
		copyResponseHeaders(h, resp.Header)
	}
	recordResult(s.log, b, false)
	rl.use = u
	setNexusHeaders(h, rl.ri, rl.id)
	copyHeader(h, ex.header)
	if ok && !b.local {
		a.setCost(u)
		if rl.hasCost {
			h[hdrCostEst] = []string{formatUSD(rl.cost)}
		}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(out))}
	rl.status, rl.wroteHeader = resp.StatusCode, true
	w.WriteHeader(resp.StatusCode)
	rl.ttfb = time.Since(rl.start)
	w.Write(out)
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
