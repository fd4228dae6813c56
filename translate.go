// translate.go: the one seam between wire formats and the hub.
//
// A wire format that clients speak implements clientCodec; one that backends
// speak implements providerCodec. A translated request always goes client
// format -> hub -> provider format, and its answer provider format -> hub ->
// client format, streamed or not, so a new format is one codec rather than a
// new pair for every other format (the hub's types are in hub.go).
//
// Streams are events in, bytes out. A streamDecoder reads one provider event
// (a name and a payload: SSE today, but any framing that yields events would
// do) into hub chunks; a streamEncoder writes chunks in the client's framing.
// translatedStream joins the two; a passthrough stream (a client on a backend
// that speaks its own format) implements the same streamRelay without the hub.
package main

import (
	"errors"
	"net/http"
)

// streamEvent is one provider event. Its slices alias the reader's buffers:
// they are valid until the next event is read.
type streamEvent struct {
	Name []byte // the event's name ("event:" in SSE), empty when absent
	Data []byte // its payload
	Raw  []byte // its bytes exactly as received, framing included
}

// clientCodec is a wire format clients speak, read into and written from
// the hub.
type clientCodec interface {
	// request reads a client's request body into the hub; what is malformed
	// or cannot be expressed is a 400 *apiError.
	request(body []byte) (*chatRequest, error)
	// response writes a completion as the client's answer to in.
	response(in *inbound, c *chatCompletion) ([]byte, error)
	// stream starts the client's side of one translated stream; model is
	// reported when the provider does not name one.
	stream(in *inbound, model string) streamEncoder
	// errorBody is an error answer; errorEvent is one inside a stream.
	errorBody(e *apiError) []byte
	errorEvent(e *apiError) []byte
}

// providerCodec is a wire format backends speak, written from and read into
// the hub: request, response, stream and error message.
type providerCodec interface {
	// request writes the hub request for upstream model model; what the
	// provider cannot express is a 400 *apiError naming the field.
	request(req *chatRequest, model string) ([]byte, error)
	// response reads a non-streaming answer; an error means untranslatable.
	response(body []byte, model string) (*chatCompletion, error)
	// stream starts reading one streamed answer.
	stream(model string) streamDecoder
	// errorMessage reads the message and type of an error answer ("" when
	// the body says nothing readable).
	errorMessage(body []byte) (msg, typ string)
}

// streamDecoder reads one provider's stream into hub chunks, with constant
// state.
type streamDecoder interface {
	// decode appends the chunks one event carries. An *apiError is an error
	// the provider reported in the stream; any other error means the event
	// could not be read (an untranslatable answer).
	decode(out []chatChunk, ev streamEvent) ([]chatChunk, error)
	// end appends the closing chunks (each choice's finish) once the
	// provider's stream is over; ok is false when it was cut short.
	end(out []chatChunk) (chunks []chatChunk, ok bool)
	// usage is what the stream has reported so far.
	usage() usage
}

// streamEncoder writes hub chunks in the client's framing.
type streamEncoder interface {
	// encode appends the frames for one chunk; an error (an *apiError) means
	// the client's format cannot express what the stream did.
	encode(dst []byte, c *chatChunk) ([]byte, error)
	// finish appends what closes a complete stream; u is its final usage.
	finish(dst []byte, u usage) []byte
	// fail appends the client's error event for a stream that broke.
	fail(dst []byte, e *apiError) []byte
}

// streamRelay turns upstream events into client bytes: through the hub, or
// as they are for a passthrough stream.
type streamRelay interface {
	event(dst []byte, ev streamEvent) ([]byte, error)
	// end appends what follows a clean end of the upstream stream; ok is
	// false when the upstream stopped before its answer was complete.
	end(dst []byte) ([]byte, bool)
	fail(dst []byte, e *apiError) []byte
	usage() usage
}

// translatedStream relays a stream through the hub.
type translatedStream struct {
	dec    streamDecoder
	enc    streamEncoder
	chunks []chatChunk
}

func newTranslatedStream(dec streamDecoder, enc streamEncoder) *translatedStream {
	return &translatedStream{dec: dec, enc: enc, chunks: make([]chatChunk, 0, 4)}
}

func (t *translatedStream) event(dst []byte, ev streamEvent) ([]byte, error) {
	var err error
	t.chunks, err = t.dec.decode(t.chunks[:0], ev)
	for i := range t.chunks {
		var eerr error
		if dst, eerr = t.enc.encode(dst, &t.chunks[i]); eerr != nil {
			return dst, eerr
		}
	}
	return dst, err
}

func (t *translatedStream) end(dst []byte) ([]byte, bool) {
	var ok bool
	if t.chunks, ok = t.dec.end(t.chunks[:0]); !ok {
		return dst, false
	}
	for i := range t.chunks {
		dst, _ = t.enc.encode(dst, &t.chunks[i]) // closing chunks cannot fail
	}
	return t.enc.finish(dst, t.dec.usage()), true
}

func (t *translatedStream) fail(dst []byte, e *apiError) []byte { return t.enc.fail(dst, e) }
func (t *translatedStream) usage() usage                        { return t.dec.usage() }

// clientCodecs are the inbound formats that can be translated, by endpoint;
// each codec's file registers it.
var clientCodecs [opCount]clientCodec

// errInterleavedCalls marks tool-call fragments that jump back to an
// earlier call: a valid stream Nexus cannot re-order into a format whose
// calls come one after another (Anthropic content blocks, Responses output
// items) with constant memory. Not the backend's fault: it stays healthy.
var errInterleavedCalls = errors.New("interleaved parallel tool calls")

// interleavedCallsError is the answer to such a stream; into names what
// the calls could not be re-ordered into.
func interleavedCallsError(into string) *apiError {
	return &apiError{Status: http.StatusBadGateway, Type: "api_error", Code: "unsupported_stream",
		Message: "the backend interleaved fragments of parallel tool calls, " +
			"which Nexus cannot re-order into " + into, Err: errInterleavedCalls}
}
