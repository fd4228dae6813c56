// translate_google_chunk.go: reading one Gemini stream chunk with gemScan.
//
// A chunk is a GenerateContentResponse; only the fields the stream translator
// needs are kept, as slices of the event's own bytes (strings still
// JSON-escaped, which is what the OpenAI frames need anyway). Buffers are
// reused from event to event, so a steady stream allocates nothing here. Input
// that is not valid JSON, or whose known fields have the wrong type, is an
// error, as with encoding/json; unknown fields are skipped; null and repeated
// keys behave as with encoding/json. Keys are matched exactly, not
// case-insensitively (Gemini writes them exactly).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// gemChunk is one parsed stream chunk. Its slices alias the event's bytes
// (strings as raw, still-escaped JSON string bodies) until the next parse.
type gemChunk struct {
	cands        []gemChunkCand
	blockReason  []byte
	modelVersion []byte
	responseID   []byte
	hasUsage     bool
	usage        gemUsageMeta
	errBody      *gemErrorBody // set when the chunk is a Google error
}

type gemChunkCand struct {
	index    int
	hasIndex bool
	finish   []byte
	parts    []gemChunkPart
}

type gemChunkPart struct {
	text    []byte // escaped body
	thought bool
	call    bool
	name    []byte // escaped body
	args    []byte // raw JSON value, nil when absent
	sig     []byte // escaped body of thoughtSignature
}

// parse reads one GenerateContentResponse, reusing c's buffers.
func (c *gemChunk) parse(data []byte) error {
	cands := c.cands[:0]
	*c = gemChunk{cands: cands}
	s := jsonScan{b: data}
	err := s.object(func(key []byte) error {
		switch string(key) {
		case "candidates":
			return c.parseCandidates(&s)
		case "promptFeedback":
			return c.parseFeedback(&s)
		case "usageMetadata":
			return c.parseUsage(&s)
		case "modelVersion":
			return s.strInto(&c.modelVersion)
		case "responseId":
			return s.strInto(&c.responseID)
		case "error":
			return c.parseError(&s)
		}
		return s.skip(1)
	})
	if err != nil {
		return err
	}
	return s.end()
}

// nextCand appends a zeroed candidate, reusing an old one's parts buffer.
func (c *gemChunk) nextCand() *gemChunkCand {
	n := len(c.cands)
	if n < cap(c.cands) {
		c.cands = c.cands[:n+1]
		parts := c.cands[n].parts[:0]
		c.cands[n] = gemChunkCand{parts: parts}
	} else {
		c.cands = append(c.cands, gemChunkCand{})
	}
	return &c.cands[n]
}

func (c *gemChunk) parseCandidates(s *jsonScan) error {
	c.cands = c.cands[:0]
	if s.null() {
		return nil
	}
	return s.array(func() error {
		cand := c.nextCand()
		if s.null() {
			return nil
		}
		return cand.parse(s)
	})
}

func (cand *gemChunkCand) parse(s *jsonScan) error {
	return s.object(func(key []byte) error {
		switch string(key) {
		case "content":
			return cand.parseContent(s)
		case "finishReason":
			return s.strInto(&cand.finish)
		case "index":
			cand.hasIndex, cand.index = !s.null(), 0
			if cand.hasIndex {
				return s.intInto(&cand.index)
			}
			return nil
		}
		return s.skip(2)
	})
}

func (cand *gemChunkCand) parseContent(s *jsonScan) error {
	if s.null() {
		cand.parts = cand.parts[:0]
		return nil
	}
	return s.object(func(key []byte) error {
		if string(key) == "parts" {
			return cand.parseParts(s)
		}
		return s.skip(3)
	})
}

func (cand *gemChunkCand) parseParts(s *jsonScan) error {
	cand.parts = cand.parts[:0]
	if s.null() {
		return nil
	}
	return s.array(func() error {
		cand.parts = append(cand.parts, gemChunkPart{})
		if s.null() {
			return nil
		}
		return cand.parts[len(cand.parts)-1].parse(s)
	})
}

func (p *gemChunkPart) parse(s *jsonScan) error {
	return s.object(func(key []byte) error {
		switch string(key) {
		case "text":
			return s.strInto(&p.text)
		case "thought":
			return s.boolInto(&p.thought)
		case "thoughtSignature":
			return s.strInto(&p.sig)
		case "functionCall":
			return p.parseCall(s)
		}
		return s.skip(5)
	})
}

func (p *gemChunkPart) parseCall(s *jsonScan) error {
	if s.null() {
		p.call, p.name, p.args = false, nil, nil
		return nil
	}
	p.call = s.peek() == '{' // only if the object opens
	return s.object(func(key []byte) error {
		switch string(key) {
		case "name":
			return s.strInto(&p.name)
		case "args":
			raw, err := s.rawValue(6)
			if err == nil && !bytes.Equal(raw, []byte("null")) {
				p.args = raw
			}
			return err
		}
		return s.skip(6)
	})
}

func (c *gemChunk) parseFeedback(s *jsonScan) error {
	if s.null() {
		return nil
	}
	return s.object(func(key []byte) error {
		if string(key) == "blockReason" {
			return s.strInto(&c.blockReason)
		}
		return s.skip(2)
	})
}

func (c *gemChunk) parseUsage(s *jsonScan) error {
	if s.null() {
		c.hasUsage, c.usage = false, gemUsageMeta{}
		return nil
	}
	c.hasUsage = s.peek() == '{' // only if the object opens
	return s.object(func(key []byte) error {
		switch string(key) {
		case "promptTokenCount":
			return s.intInto(&c.usage.PromptTokenCount)
		case "candidatesTokenCount":
			return s.intInto(&c.usage.CandidatesTokenCount)
		case "cachedContentTokenCount":
			return s.intInto(&c.usage.CachedContentTokenCount)
		case "thoughtsTokenCount":
			return s.intInto(&c.usage.ThoughtsTokenCount)
		}
		return s.skip(2)
	})
}

// parseError decodes an in-stream error object (rare: encoding/json is fine).
func (c *gemChunk) parseError(s *jsonScan) error {
	raw, err := s.rawValue(1)
	if err != nil || bytes.Equal(raw, []byte("null")) {
		return err
	}
	var e gemErrorBody
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("gemini stream error object: %w", err)
	}
	c.errBody = &e
	return nil
}
