// stream.go: relaying a streamed answer event by event.
//
// The answer is held until the backend's first event arrives, so a backend
// that fails before or in its first event can still be failed over. After
// that, each event is written and flushed as soon as it is read (through the
// exchange's streamRelay: as it is, or translated through the hub), memory
// stays constant, and a failure becomes one error event in the client's
// format and a clean close.
package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// relayStream writes a streaming answer. See attempt for the return values.
func (s *server) relayStream(a *call) (*apiError, bool) {
	b, ex, rl, w, cfg := a.b, a.ex, &a.rl, a.w, a.reg.cfg
	sr := newSSEReader(a.resp.Body)
	priced := false
	if !b.local {
		_, priced = priceFor(rl.served, cfg.Pricing)
	}
	countModel := ""
	if priced {
		countModel = rl.served
	}
	relay := ex.relay(countModel)

	// Hold the answer until the first event.
	ev, err := sr.next()
	if err != nil {
		if err == io.EOF {
			err = errors.New("stream ended before its first event")
		}
		return s.transportFailure(a, err)
	}
	buf, ae := s.streamEvent(nil, b, relay, ev)
	if ae != nil {
		recordResult(s.log, b, ae.Status >= 500)
		ae.Message = scrubSecrets(ae.Message, b.key)
		return ae, true
	}
	a.firstByte.Stop()
	idleFor := cfg.Timeouts.StreamIdle
	cancel := a.cancel // captured alone, so the call stays on the stack
	idle := time.AfterFunc(idleFor, func() { cancel(errStreamIdle) })
	defer idle.Stop()

	h := w.Header()
	if ex.translated {
		h.Set("Content-Type", "text/event-stream")
	} else {
		copyResponseHeaders(h, a.resp.Header)
	}
	h.Set("Cache-Control", "no-cache")
	setNexusHeaders(h, rl.ri, rl.id)
	copyHeader(h, ex.header)
	if priced {
		if in := s.inputUsage(a, relay); in.HasInput {
			a.setCost(in)
			h[hdrCostEst] = []string{formatUSD(rl.cost)}
			rl.use = in
		}
		h["Trailer"] = []string{hdrCostActual}
	}
	rl.status, rl.wroteHeader = http.StatusOK, true
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	// write sends p; it flushes unless the next event has already arrived
	// whole (then both go out in one write, each still without waiting).
	// A client that stops reading for stream_idle ends its stream.
	write := func(p []byte) bool {
		rc.SetWriteDeadline(time.Now().Add(idleFor))
		if len(p) > 0 {
			if _, err := w.Write(p); err != nil {
				return false
			}
		}
		return sr.eventBuffered() || rc.Flush() == nil
	}
	ok := write(buf)
	rl.ttfb = time.Since(rl.start)

	var failure error
	for ok {
		if ev, err = sr.next(); err != nil {
			failure = err
			break
		}
		idle.Reset(idleFor)
		if buf, ae = s.streamEvent(buf[:0], b, relay, ev); ae != nil {
			failure = ae
			break
		}
		ok = write(buf)
	}
	if ok && failure == io.EOF {
		var complete bool
		if buf, complete = relay.end(buf[:0]); !complete {
			failure = errors.New("stream ended before the answer was complete")
		}
	}
	switch {
	case !ok: // the client went away; actx's parent cancels the upstream
		rl.err = errClientGone
	case failure == io.EOF:
		write(buf)
		recordResult(s.log, b, false)
	default:
		ae := s.streamFailure(a, failure)
		rl.err = ae
		write(relay.fail(buf[:0], ae))
	}
	s.streamUsage(a, relay, priced, h)
	return nil, false
}

// streamEvent appends the client's frames for one upstream event. An event
// Nexus cannot read is an untranslatable answer (SPEC §8).
func (s *server) streamEvent(dst []byte, b *backend, relay streamRelay, ev streamEvent) ([]byte, *apiError) {
	out, err := relay.event(dst, ev)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			return out, ae
		}
		return out, s.untranslatable(b, ev.Data, err)
	}
	return out, nil
}

// streamFailure is the error for a stream that broke after its first event;
// the backend's passive health counts it unless the client caused it.
func (s *server) streamFailure(a *call, failure error) *apiError {
	b := a.b
	var ae *apiError
	switch {
	case a.ctx.Err() != nil:
		ae = asAPIError(ctxError(a.ctx, b))
	case errors.Is(context.Cause(a.actx), errStreamIdle):
		recordResult(s.log, b, true)
		ae = &apiError{Status: http.StatusGatewayTimeout, Type: "timeout", Code: "backend_timeout",
			Message: "backend " + b.cfg.Name + " sent nothing for timeouts.stream_idle"}
	case errors.Is(failure, errInterleavedCalls):
		ae = asAPIError(failure)
	case errors.As(failure, &ae):
		recordResult(s.log, b, ae.Status >= 500)
		ae.Message = scrubSecrets(ae.Message, b.key) // providers echo keys
	default:
		recordResult(s.log, b, true)
		ae = &apiError{Status: http.StatusBadGateway, Type: "api_error", Code: "backend_stream_broken",
			Message: "backend " + b.cfg.Name + " stream ended before completion", Err: failure}
	}
	return ae
}

// inputUsage is the prompt side of a stream, known before its body is sent:
// from Nexus's own count, else from the provider's first event.
func (s *server) inputUsage(a *call, relay streamRelay) usage {
	if a.pc != nil {
		if n, ok := a.pc.wait(a.actx); ok {
			return usage{InputTokens: n, HasInput: true}
		}
		return usage{}
	}
	return relay.usage()
}

// streamUsage settles a finished stream's usage and its cost trailer.
func (s *server) streamUsage(a *call, relay streamRelay, priced bool, h http.Header) {
	rl := &a.rl
	u := relay.usage()
	if !u.HasInput && rl.use.HasInput {
		u.InputTokens, u.HasInput = rl.use.InputTokens, true
	}
	rl.use = u
	if priced && u.HasInput && u.HasOutput {
		a.setCost(u)
		h[hdrCostActual] = []string{formatUSD(rl.cost)}
	}
}
