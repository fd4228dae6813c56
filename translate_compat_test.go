// translate_compat_test.go: the translator tests' routes through the hub.
//
// Each pairwise translation the tests exercise (an OpenAI request for
// Anthropic, a Gemini answer for an OpenAI client, an OpenAI stream for an
// Anthropic client, ...) is one client codec and one provider codec joined
// by the hub; these helpers join them so a test reads as the translation it
// checks.
package main

import (
	"io"
	"testing"
)

// hubStream runs one translated stream the way the proxy does.
type hubStream struct {
	*translatedStream
	ended, done bool
}

func newHubStream(dec streamDecoder, enc streamEncoder) *hubStream {
	return &hubStream{translatedStream: newTranslatedStream(dec, enc)}
}

func (s *hubStream) translate(dst []byte, ev streamEvent) ([]byte, error) { return s.event(dst, ev) }

// finish is what the proxy writes at the upstream's clean end (once).
func (s *hubStream) finish(dst []byte) []byte {
	if s.ended {
		return dst
	}
	s.ended = true
	out, ok := s.end(dst)
	s.done = ok
	return out
}

// complete reports whether the upstream finished its answer.
func (s *hubStream) complete() bool { return s.done }

// runHubStream translates upstream as the core would, read through
// newSSEReader in reads of the given sizes: translate each event, finish
// at EOF, stop at the first error.
func runHubStream(st *hubStream, upstream string, sizes []int) (string, *hubStream, error) {
	r := newSSEReader(&splitReader{data: []byte(upstream), sizes: sizes})
	var out []byte
	for {
		ev, err := r.next()
		if err == io.EOF {
			return string(st.finish(out)), st, nil
		}
		if err != nil {
			return string(out), st, err
		}
		if out, err = st.translate(out, ev); err != nil {
			return string(out), st, err
		}
	}
}

// newAnthropicStream: an Anthropic stream for an OpenAI client.
func newAnthropicStream(includeUsage bool) *hubStream {
	return newHubStream(anthropicCodec{}.stream(""), openAIClient{}.stream(&inbound{includeUsage: includeUsage}, ""))
}

// newGeminiStream: a Gemini stream for an OpenAI client.
func newGeminiStream(model string, includeUsage bool) *hubStream {
	return newHubStream(googleCodec{}.stream(model), openAIClient{}.stream(&inbound{includeUsage: includeUsage}, model))
}

// newMessagesStream: an OpenAI chunk stream for an Anthropic client.
func newMessagesStream(model string) *hubStream {
	return newHubStream(openAICodec{}.stream(model), anthropicClient{}.stream(&inbound{}, model))
}

// anthropicRequestFromOpenAI: an OpenAI request for an Anthropic backend.
func anthropicRequestFromOpenAI(body []byte, model string) ([]byte, bool, error) {
	req, err := decodeChatRequest(body)
	if err != nil {
		return nil, false, err
	}
	out, err := anthropicCodec{}.request(req, model)
	return out, req.Stream, err
}

// geminiRequestFromOpenAI: an OpenAI request for a Gemini backend.
func geminiRequestFromOpenAI(body []byte) ([]byte, bool, error) {
	req, err := decodeChatRequest(body)
	if err != nil {
		return nil, false, err
	}
	out, err := googleCodec{}.request(req, "")
	return out, req.Stream, err
}

// openAIRequestFromMessages: an Anthropic client's request for an
// OpenAI-compatible backend (reasoning rules as for the openai type when
// reasoning is set).
func openAIRequestFromMessages(body []byte, model string) ([]byte, error) {
	return openAIRequestFromMessagesFor(body, model, openAICodec{})
}

func openAIRequestFromMessagesFor(body []byte, model string, codec openAICodec) ([]byte, error) {
	req, err := anthropicClient{}.request(body)
	if err != nil {
		return nil, err
	}
	return codec.request(req, model)
}

// answer runs a non-streaming answer from a provider to a client.
func answer(p providerCodec, c clientCodec, body []byte, model string) ([]byte, usage, error) {
	comp, err := p.response(body, model)
	if err != nil {
		return nil, usage{}, err
	}
	u, _ := comp.usage()
	out, err := c.response(&inbound{}, comp)
	return out, u, err
}

func openAIResponseFromAnthropic(body []byte) ([]byte, usage, error) {
	return answer(anthropicCodec{}, openAIClient{}, body, "")
}

func openAIResponseFromGemini(body []byte, model string) ([]byte, usage, error) {
	return answer(googleCodec{}, openAIClient{}, body, model)
}

func messagesResponseFromOpenAI(body []byte) ([]byte, usage, error) {
	return answer(openAICodec{}, anthropicClient{}, body, "")
}

// countBody counts an OpenAI request body's prompt tokens.
func countBody(model string, body []byte) (int, bool) {
	req, err := decodeChatRequest(body)
	if err != nil {
		return 0, false
	}
	return countChatPromptTokens(model, req)
}

// reasoningCodec is the OpenAI codec of a backend whose models all take
// reasoning controls (reasoning), or none.
func reasoningCodec(reasoning bool) openAICodec {
	if !reasoning {
		return openAICodec{}
	}
	return openAICodec{reasoningModel: func(string) bool { return true }}
}

// wantTranslated fails unless a translation succeeded and wrote the compact
// form of want.
func wantTranslated(t *testing.T, out []byte, err error, want string) {
	t.Helper()
	if err != nil {
		t.Fatalf("err = %v", err)
	}
	if w := compactWant(t, want); string(out) != w {
		t.Fatalf("body\n got %s\nwant %s", out, w)
	}
}
