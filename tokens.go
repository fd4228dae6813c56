// tokens.go: OpenAI token counting, so a streamed OpenAI request can carry a
// cost header before the provider reports usage.
//
// Encodings come only from the BPE files embedded in the binary by
// github.com/pkoukk/tiktoken-go-loader, so nothing ever fetches a BPE file.
// tiktoken-go itself is not used in production: it is the test oracle that
// tokens_bpe_test.go checks Nexus's faster counter against. Each
// encoding is loaded lazily, once, the first time a model needs it: o200k_base
// costs ~0.1 s and ~+20 MB RSS (8 MB live heap), cl100k_base ~0.05 s and
// ~+6 MB (TestReportEncodingMemory in tokens_test.go measures it).
// Counting itself is in tokens_bpe.go; the chat message rules are in
// tokens_chat.go.
package main

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
)

// lazyEncoding is one BPE encoding, loaded on first use.
type lazyEncoding struct {
	name    string
	pattern splitPattern
	once    sync.Once
	ranks   map[string]int
	err     error
}

var (
	encO200k  = &lazyEncoding{name: "o200k_base", pattern: patternO200k}
	encCL100k = &lazyEncoding{name: "cl100k_base", pattern: patternCL100k}

	// loadedEncodings counts encodings loaded so far (for tests and metrics).
	loadedEncodings atomic.Int32
)

// load returns the encoding's merge ranks, loading them on first call.
func (e *lazyEncoding) load() (map[string]int, error) {
	e.once.Do(func() {
		e.ranks, e.err = loadRanks(e.name)
		if e.err == nil {
			loadedEncodings.Add(1)
		}
	})
	return e.ranks, e.err
}

// counter returns a fresh counter over this encoding (loading it if needed).
func (e *lazyEncoding) counter(stop *atomic.Bool) (*bpeCounter, bool) {
	ranks, err := e.load()
	if err != nil {
		return nil, false
	}
	return &bpeCounter{ranks: ranks, pattern: e.pattern, parts: make([]bpePart, 0, 64), stop: stop}, true
}

// encodingForModel names the tiktoken encoding of an OpenAI model:
// o200k_base for gpt-4o*, chatgpt-4o*, gpt-4.1*, gpt-4.5*, gpt-5*, and the
// o-series (o1*, o3*, o4*, any o<digits> with an optional "-..." suffix);
// cl100k_base for gpt-4 / gpt-4-*, gpt-3.5*, text-embedding-3-* and
// text-embedding-ada-002. Fine-tunes ("ft:<base>:...") use their base model.
// ok is false for every other model.
func encodingForModel(model string) (name string, ok bool) {
	if enc := lookupEncoding(model); enc != nil {
		return enc.name, true
	}
	return "", false
}

func lookupEncoding(model string) *lazyEncoding {
	m := strings.ToLower(strings.TrimPrefix(model, "ft:"))
	switch {
	case hasModelPrefix(m, "gpt-4o"), hasModelPrefix(m, "chatgpt-4o"),
		hasModelPrefix(m, "gpt-4.1"), hasModelPrefix(m, "gpt-4.5"),
		strings.HasPrefix(m, "gpt-5"), isOSeries(m):
		return encO200k
	case m == "gpt-4", strings.HasPrefix(m, "gpt-4-"), strings.HasPrefix(m, "gpt-3.5"),
		strings.HasPrefix(m, "text-embedding-3-"), m == "text-embedding-ada-002":
		return encCL100k
	}
	return nil
}

// hasModelPrefix reports whether m is prefix or prefix followed by a
// separator (so "gpt-4o" matches "gpt-4o-mini" and "gpt-4o:ft", not "gpt-4oz").
func hasModelPrefix(m, prefix string) bool {
	if !strings.HasPrefix(m, prefix) {
		return false
	}
	return len(m) == len(prefix) || !isAlnum(m[len(prefix)])
}

// isOSeries matches o<digits> optionally followed by a separator and more.
func isOSeries(m string) bool {
	if len(m) < 2 || m[0] != 'o' || m[1] < '0' || m[1] > '9' {
		return false
	}
	i := 1
	for i < len(m) && m[i] >= '0' && m[i] <= '9' {
		i++
	}
	return i == len(m) || m[i] == '-' || m[i] == ':' || m[i] == '@'
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// countTextTokens counts plain text the way tiktoken's encode_ordinary does
// (for streamed completion text when the provider sends no final usage).
// ok is false when the model has no known encoding.
func countTextTokens(model, text string) (n int, ok bool) {
	enc := lookupEncoding(model)
	if enc == nil {
		return 0, false
	}
	c, ok := enc.counter(nil)
	if !ok {
		return 0, false
	}
	return c.count(text)
}

// promptCount is a prompt count running in its own goroutine, so counting
// overlaps the upstream call instead of delaying it.
type promptCount struct {
	done    chan struct{}
	n       int
	ok      bool
	abandon atomic.Bool // set when the waiter gave up: counting stops early
}

// startPromptCount starts counting the prompt tokens of req (or, when req
// is nil, of the client's request body, read with codec — OpenAI chat when
// nil — in the counting goroutine, so it stays off the request path) for
// model, and returns at once; nil when the model has no encoding. Neither
// may be modified until the count is done.
func startPromptCount(model string, req *chatRequest, body []byte, codec clientCodec) *promptCount {
	enc := lookupEncoding(model)
	if enc == nil {
		return nil
	}
	p := &promptCount{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer func() {
			if recover() != nil { // never let a counting bug take the process down
				p.n, p.ok = 0, false
			}
		}()
		if req == nil {
			if codec == nil {
				codec = openAIClient{}
			}
			req, _ = codec.request(body)
		}
		p.n, p.ok = countChatPrompt(enc, req, &p.abandon)
	}()
	return p
}

// wait blocks until the count is done or ctx is done. ok is false when the
// body could not be counted, when ctx ended first (the count is then
// abandoned), or when p is nil.
func (p *promptCount) wait(ctx context.Context) (n int, ok bool) {
	if p == nil {
		return 0, false
	}
	select {
	case <-p.done:
		return p.n, p.ok
	default:
	}
	select {
	case <-p.done:
		return p.n, p.ok
	case <-ctx.Done():
		p.abandon.Store(true)
		return 0, false
	}
}
