// translate_google_stream.go: Gemini streamGenerateContent?alt=sse -> OpenAI chunk stream.
//
// Each Gemini SSE event is a whole GenerateContentResponse holding the next
// slice of every candidate. It becomes OpenAI chat.completion.chunk frames:
// the first frame of each choice carries role "assistant"; thought parts
// become reasoning_content deltas, text parts content deltas, and each
// functionCall part (Gemini sends a call whole) one tool_calls entry with a
// stream-wide index, id, name and full arguments. A finishReason closes its
// choice (tool_calls when the choice made any call); finish() closes choices
// left open, adds the usage chunk when the client asked for it, and [DONE].
//
// Chunks are read by gemChunk (translate_google_chunk.go) into reused buffers
// and frames are built by appending bytes, so a steady stream allocates
// nothing per event; the state is a handful of counters and bit sets. Choice indexes are clamped to
// 0..63 (Gemini allows at most 8 candidates).
package main

import (
	"bytes"
	"fmt"
	"strconv"
)

const gemMaxSlot = 63

// geminiStream translates one Gemini stream. Use newGeminiStream.
type geminiStream struct {
	model        string
	includeUsage bool

	head      []byte // `data: {"id":…,"object":…,"created":…,"model":…`; nil until the first event
	callToken string // random part of this stream's tool call ids
	nextCall  int    // stream-wide tool call counter (OpenAI tool_calls index)

	roleSent, toolSeen, finished uint64 // per-choice bit sets
	done                         bool   // a finishReason (or a prompt block) was seen
	u                            usage

	chunk   gemChunk     // reused parse buffers
	scratch bytes.Buffer // reused for compacting call arguments
}

// newGeminiStream converts Gemini SSE chunks (each "data:" is a GenerateContentResponse) into OpenAI
// chat.completion.chunk frames; finish() appends the final chunk if needed and "data: [DONE]\n\n".
func newGeminiStream(model string, includeUsage bool) streamTranslator {
	return &geminiStream{model: model, includeUsage: includeUsage}
}

// complete reports whether Gemini finished a candidate (a clean end, as
// opposed to a connection cut mid-answer).
func (s *geminiStream) complete() bool { return s.done }

func (s *geminiStream) usage() usage { return s.u }

func (s *geminiStream) translate(dst []byte, ev sseEvent) ([]byte, error) {
	data := bytes.TrimSpace(ev.Data)
	if len(data) == 0 || string(data) == "[DONE]" {
		return dst, nil
	}
	c := &s.chunk
	if err := c.parse(data); err != nil {
		return dst, fmt.Errorf("gemini stream event is not a GenerateContentResponse: %w", err)
	}
	if c.errBody != nil {
		return dst, gemStreamError(c.errBody)
	}
	s.start(c.responseID, c.modelVersion)
	if len(c.cands) == 0 && len(c.blockReason) > 0 {
		dst = s.finishChoice(dst, 0, "content_filter")
	}
	for i := range c.cands {
		dst = s.candidate(dst, &c.cands[i], i)
	}
	if c.hasUsage {
		s.u = gemUsage(&c.usage)
		s.u.HasInput = true
		s.u.HasOutput = s.done
	}
	return dst, nil
}

// start fixes the id and model of every frame at the first event. Both are
// raw JSON string bodies from the chunk (or empty).
func (s *geminiStream) start(responseID, modelVersion []byte) {
	if s.head != nil {
		return
	}
	s.callToken = gemRandHex(4)
	s.head = append(s.head, `data: {"id":"chatcmpl-`...)
	if len(responseID) > 0 {
		s.head = gemAppendRawEscaped(s.head, responseID)
	} else {
		s.head = append(s.head, gemRandHex(12)...)
	}
	s.head = append(s.head, `","object":"chat.completion.chunk","created":`...)
	s.head = strconv.AppendInt(s.head, gemNow(), 10)
	s.head = append(s.head, `,"model":"`...)
	if len(modelVersion) > 0 {
		s.head = gemAppendRawEscaped(s.head, modelVersion)
	} else {
		s.head = gemAppendEscaped(s.head, s.model)
	}
	s.head = append(s.head, '"')
}

// candidate appends the frames for one candidate's slice of this event.
func (s *geminiStream) candidate(dst []byte, c *gemChunkCand, pos int) []byte {
	idx := pos
	if c.hasIndex {
		idx = c.index
	}
	idx = min(max(idx, 0), gemMaxSlot)
	dst = s.textDelta(dst, idx, c.parts, true)
	dst = s.textDelta(dst, idx, c.parts, false)
	dst = s.callsDelta(dst, idx, c.parts)
	if len(c.finish) > 0 {
		dst = s.finishChoice(dst, idx, gemFinishReason(string(c.finish), s.toolSeen&(1<<idx) != 0))
	}
	return dst
}

// beginDelta opens a chunk for choice idx, adding the role on its first chunk.
func (s *geminiStream) beginDelta(dst []byte, idx int) []byte {
	dst = append(dst, s.head...)
	dst = append(dst, `,"choices":[{"index":`...)
	dst = strconv.AppendInt(dst, int64(idx), 10)
	dst = append(dst, `,"delta":{`...)
	if s.roleSent&(1<<idx) == 0 {
		s.roleSent |= 1 << idx
		dst = append(dst, `"role":"assistant",`...)
	}
	return dst
}

// gemEndChunk closes a chunk opened by beginDelta with a null finish_reason.
func gemEndChunk(dst []byte) []byte {
	return append(dst, "},\"logprobs\":null,\"finish_reason\":null}]}\n\n"...)
}

// textDelta emits the joined thought (or non-thought) text of parts, if any.
func (s *geminiStream) textDelta(dst []byte, idx int, parts []gemChunkPart, thought bool) []byte {
	open := false
	for i := range parts {
		p := &parts[i]
		if p.call || p.thought != thought || len(p.text) == 0 {
			continue
		}
		if !open {
			open = true
			dst = s.beginDelta(dst, idx)
			if thought {
				dst = append(dst, `"reasoning_content":"`...)
			} else {
				dst = append(dst, `"content":"`...)
			}
		}
		dst = gemAppendRawEscaped(dst, p.text)
	}
	if !open {
		return dst
	}
	return gemEndChunk(append(dst, '"'))
}

// callsDelta emits every functionCall part of this event in one tool_calls delta.
func (s *geminiStream) callsDelta(dst []byte, idx int, parts []gemChunkPart) []byte {
	n := 0
	for i := range parts {
		p := &parts[i]
		if !p.call {
			continue
		}
		if n == 0 {
			dst = append(s.beginDelta(dst, idx), `"tool_calls":[`...)
			s.toolSeen |= 1 << idx
		} else {
			dst = append(dst, ',')
		}
		n++
		dst = append(dst, `{"index":`...)
		dst = strconv.AppendInt(dst, int64(s.nextCall), 10)
		dst = append(dst, `,"id":"call_`...)
		dst = append(dst, s.callToken...)
		dst = append(dst, '_')
		dst = strconv.AppendInt(dst, int64(s.nextCall), 10)
		dst = append(dst, `","type":"function","function":{"name":"`...)
		dst = gemAppendRawEscaped(dst, p.name)
		dst = append(dst, `","arguments":`...)
		dst = gemAppendArgsString(dst, p.args, &s.scratch)
		dst = append(dst, '}')
		if len(p.sig) > 0 {
			dst = append(dst, `,"extra_content":{"google":{"thought_signature":"`...)
			dst = gemAppendRawEscaped(dst, p.sig)
			dst = append(dst, `"}}`...)
		}
		dst = append(dst, '}')
		s.nextCall++
	}
	if n == 0 {
		return dst
	}
	return gemEndChunk(append(dst, ']'))
}

// finishChoice emits the closing chunk of choice idx (once).
func (s *geminiStream) finishChoice(dst []byte, idx int, reason string) []byte {
	s.done = true
	if s.finished&(1<<idx) != 0 {
		return dst
	}
	s.finished |= 1 << idx
	dst = s.beginDelta(dst, idx)
	if dst[len(dst)-1] == ',' { // first frame of this choice: give it a content
		dst = append(dst, `"content":""`...)
	}
	dst = append(dst, `},"logprobs":null,"finish_reason":"`...)
	dst = append(dst, reason...)
	return append(dst, "\"}]}\n\n"...)
}

func (s *geminiStream) finish(dst []byte) []byte {
	s.start(nil, nil)
	for idx := 0; idx <= gemMaxSlot; idx++ {
		bit := uint64(1) << idx
		if s.roleSent&bit != 0 && s.finished&bit == 0 {
			done := s.done
			dst = s.finishChoice(dst, idx, gemFinishReason("STOP", s.toolSeen&bit != 0))
			s.done = done // closing a cut choice is not a clean finish
		}
	}
	if s.includeUsage {
		dst = append(dst, s.head...)
		dst = append(dst, `,"choices":[],"usage":`...)
		dst = openAIAppendUsage(dst, s.u, true)
		dst = append(dst, "}\n\n"...)
	}
	return append(dst, "data: [DONE]\n\n"...)
}
