// stream.go: relaying a streamed answer event by event.
//
// The answer is held until the backend's first event arrives, so a backend
// that fails before or in its first event can still be failed over. After
// that, each event is written and flushed as soon as it is read (translated
// when the backend speaks another format), memory stays constant, and a
// failure becomes one error event in the client's format and a clean close.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// streamState is what a passthrough stream learns about its own answer.
type streamState struct {
	done       bool  // saw data: [DONE] (passthrough) or a complete translation
	use        usage // from a usage chunk, when the provider sends one
	countModel string
	outTokens  int // counted from completion text when no usage arrives
}

var doneData = []byte("[DONE]")

// relayStream writes a streaming answer. See attempt for the return values.
func (s *server) relayStream(actx, ctx context.Context, cancel context.CancelCauseFunc, firstByte *time.Timer,
	w http.ResponseWriter, b *backend, ex *exchange, resp *http.Response, pc *promptCount,
	rl *reqLog) (*apiError, bool) {
	cfg := s.reg.Load().cfg
	sr := newSSEReader(resp.Body)
	var st streamState
	cloudPriced := false
	if !b.local {
		_, cloudPriced = priceFor(rl.served, cfg.Pricing)
		if cloudPriced && ex.stream == nil {
			st.countModel = rl.served
		}
	}

	// Hold the answer until the first event.
	ev, err := sr.next()
	if err != nil {
		if err == io.EOF {
			err = errors.New("stream ended before its first event")
		}
		return s.transportFailure(actx, ctx, b, err)
	}
	buf, ae := s.streamEvent(nil, b, ex, ev, &st)
	if ae != nil {
		recordResult(s.log, b, ae.Status >= 500)
		ae.Message = scrubSecrets(ae.Message, b.key)
		return ae, true
	}
	firstByte.Stop()
	idleFor := cfg.Timeouts.StreamIdle
	idle := time.AfterFunc(idleFor, func() { cancel(errStreamIdle) })
	defer idle.Stop()

	h := w.Header()
	if ex.stream == nil {
		copyResponseHeaders(h, resp.Header)
	} else {
		h.Set("Content-Type", "text/event-stream")
	}
	h.Set("Cache-Control", "no-cache")
	setNexusHeaders(h, rl.ri, rl.id)
	if cloudPriced {
		in := s.inputUsage(actx, ex, pc)
		if in.HasInput {
			s.setCost(rl, rl.served, in)
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
		ev, err = sr.next()
		if err != nil {
			failure = err
			break
		}
		idle.Reset(idleFor)
		buf, ae = s.streamEvent(buf[:0], b, ex, ev, &st)
		if ae != nil {
			failure = ae
			break
		}
		ok = write(buf)
	}
	switch {
	case !ok: // the client went away; actx's parent cancels the upstream
		rl.err = errClientGone
	case failure == io.EOF && st.done:
		if ex.stream != nil {
			write(ex.stream.finish(buf[:0]))
		}
		recordResult(s.log, b, false)
	default:
		ae := s.streamFailure(actx, ctx, b, failure)
		rl.err = ae
		if ex.clientFormat == formatAnthropic {
			write(anthropicErrorEvent(ae))
		} else {
			write(appendSSE(buf[:0], "", openAIErrorBody(ae)))
		}
	}
	s.streamUsage(rl, b, ex, &st, cloudPriced, h)
	return nil, false
}

// streamEvent appends the client's frames for one upstream event. For a
// passthrough stream that is the event's own bytes.
func (s *server) streamEvent(dst []byte, b *backend, ex *exchange, ev sseEvent, st *streamState) ([]byte, *apiError) {
	if ex.stream != nil {
		out, err := ex.stream.translate(dst, ev)
		if err != nil {
			var ae *apiError
			if errors.As(err, &ae) {
				return dst, ae
			}
			// An event Nexus cannot read is an untranslatable answer (SPEC §8).
			return dst, s.untranslatable(b, ev.Data, err)
		}
		if c, ok := ex.stream.(interface{ complete() bool }); !ok || c.complete() {
			st.done = true
		}
		return out, nil
	}
	if bytes.Equal(ev.Data, doneData) {
		st.done = true
	} else if ae := openAIStreamError(ev.Data); ae != nil {
		return dst, ae
	} else {
		st.observe(ev.Data)
	}
	return append(dst, ev.Raw...), nil
}

// observe reads usage (and, when needed, completion text) from a chunk.
func (st *streamState) observe(data []byte) {
	if bytes.Contains(data, []byte(`"usage":{`)) {
		if u, ok := openAIUsageFast(data); ok {
			st.use = u
		}
	}
	if st.countModel == "" {
		return
	}
	var c struct {
		Choices []struct {
			Delta struct {
				Content string `json:"content"`
			} `json:"delta"`
		} `json:"choices"`
	}
	if json.Unmarshal(data, &c) == nil {
		for _, ch := range c.Choices {
			if n, ok := countTextTokens(st.countModel, ch.Delta.Content); ok {
				st.outTokens += n
			}
		}
	}
}

// openAIStreamError recognises an in-stream {"error":{...}} event.
func openAIStreamError(data []byte) *apiError {
	head := data[:min(len(data), 32)]
	if !bytes.Contains(head, []byte(`"error"`)) {
		return nil
	}
	var v struct {
		Error *struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Code    any    `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &v) != nil || v.Error == nil {
		return nil
	}
	return &apiError{Status: http.StatusBadGateway, Type: "api_error", Message: v.Error.Message}
}

// streamFailure is the error for a stream that broke after its first event;
// the backend's passive health counts it unless the client caused it.
func (s *server) streamFailure(actx, ctx context.Context, b *backend, failure error) *apiError {
	var ae *apiError
	switch {
	case ctx.Err() != nil:
		ae = asAPIError(ctxError(ctx, b))
	case errors.Is(context.Cause(actx), errStreamIdle):
		recordResult(s.log, b, true)
		ae = &apiError{Status: http.StatusGatewayTimeout, Type: "timeout", Code: "backend_timeout",
			Message: "backend " + b.cfg.Name + " sent nothing for timeouts.stream_idle"}
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
// from our own count (OpenAI) or from the provider's first event.
func (s *server) inputUsage(ctx context.Context, ex *exchange, pc *promptCount) usage {
	if pc != nil {
		if n, ok := pc.wait(ctx); ok {
			return usage{InputTokens: n, HasInput: true}
		}
		return usage{}
	}
	if ex.stream != nil {
		return ex.stream.usage()
	}
	return usage{}
}

// streamUsage settles a finished stream's usage and its cost trailer.
func (s *server) streamUsage(rl *reqLog, b *backend, ex *exchange, st *streamState, priced bool, h http.Header) {
	u := st.use
	if ex.stream != nil {
		u = ex.stream.usage()
	}
	if !u.HasOutput && st.outTokens > 0 {
		u.OutputTokens, u.HasOutput = st.outTokens, true
	}
	if !u.HasInput && rl.use.HasInput {
		u.InputTokens, u.HasInput = rl.use.InputTokens, true
	}
	rl.use = u
	if priced && u.HasInput && u.HasOutput {
		s.setCost(rl, rl.served, u)
		h[hdrCostActual] = []string{formatUSD(rl.cost)}
	}
}

// chainStream runs two translations in a row (Gemini -> OpenAI -> Anthropic
// for an Anthropic client on a Gemini backend). The first one's frames are
// re-read as events by the second; both buffers are reused.
type chainStream struct {
	first, second streamTranslator
	mid           []byte
	rd            bytes.Reader
	sr            *sseReader
}

func newChainStream(first, second streamTranslator) *chainStream {
	c := &chainStream{first: first, second: second}
	c.sr = newSSEReader(&c.rd)
	return c
}

func (c *chainStream) pipe(dst []byte) ([]byte, error) {
	c.rd.Reset(c.mid)
	c.sr.br.Reset(&c.rd)
	for {
		ev, err := c.sr.next()
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
		if dst, err = c.second.translate(dst, ev); err != nil {
			return dst, err
		}
	}
}

func (c *chainStream) translate(dst []byte, ev sseEvent) ([]byte, error) {
	var err error
	if c.mid, err = c.first.translate(c.mid[:0], ev); err != nil {
		return dst, err
	}
	return c.pipe(dst)
}

func (c *chainStream) finish(dst []byte) []byte {
	c.mid = c.first.finish(c.mid[:0])
	dst, _ = c.pipe(dst)
	return c.second.finish(dst)
}

func (c *chainStream) usage() usage { return c.first.usage() }

func (c *chainStream) complete() bool {
	if cc, ok := c.first.(interface{ complete() bool }); ok {
		return cc.complete()
	}
	return true
}
