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
	if err := s.open('{'); err != nil {
		return err
	}
	for first := true; ; {
		key, ok, err := s.key(&first)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch string(key) {
		case "candidates":
			err = c.parseCandidates(&s)
		case "promptFeedback":
			err = c.parseFeedback(&s)
		case "usageMetadata":
			err = c.parseUsage(&s)
		case "modelVersion":
			err = s.strInto(&c.modelVersion)
		case "responseId":
			err = s.strInto(&c.responseID)
		case "error":
			err = c.parseError(&s)
		default:
			err = s.skip(1)
		}
		if err != nil {
			return err
		}
	}
	if s.peek() != 0 || s.i != len(s.b) {
		return s.fail()
	}
	return nil
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
	if err := s.open('['); err != nil {
		return err
	}
	for first := true; ; {
		ok, err := s.more(&first, ']')
		if err != nil || !ok {
			return err
		}
		cand := c.nextCand()
		if s.null() {
			continue
		}
		if err := cand.parse(s); err != nil {
			return err
		}
	}
}

func (cand *gemChunkCand) parse(s *jsonScan) error {
	if err := s.open('{'); err != nil {
		return err
	}
	for first := true; ; {
		key, ok, err := s.key(&first)
		if err != nil || !ok {
			return err
		}
		switch string(key) {
		case "content":
			err = cand.parseContent(s)
		case "finishReason":
			err = s.strInto(&cand.finish)
		case "index":
			cand.hasIndex, cand.index = !s.null(), 0
			if cand.hasIndex {
				err = s.intInto(&cand.index)
			}
		default:
			err = s.skip(2)
		}
		if err != nil {
			return err
		}
	}
}

func (cand *gemChunkCand) parseContent(s *jsonScan) error {
	if s.null() {
		cand.parts = cand.parts[:0]
		return nil
	}
	if err := s.open('{'); err != nil {
		return err
	}
	for first := true; ; {
		key, ok, err := s.key(&first)
		if err != nil || !ok {
			return err
		}
		if string(key) == "parts" {
			err = cand.parseParts(s)
		} else {
			err = s.skip(3)
		}
		if err != nil {
			return err
		}
	}
}

func (cand *gemChunkCand) parseParts(s *jsonScan) error {
	cand.parts = cand.parts[:0]
	if s.null() {
		return nil
	}
	if err := s.open('['); err != nil {
		return err
	}
	for first := true; ; {
		ok, err := s.more(&first, ']')
		if err != nil || !ok {
			return err
		}
		cand.parts = append(cand.parts, gemChunkPart{})
		if s.null() {
			continue
		}
		if err := cand.parts[len(cand.parts)-1].parse(s); err != nil {
			return err
		}
	}
}

func (p *gemChunkPart) parse(s *jsonScan) error {
	if err := s.open('{'); err != nil {
		return err
	}
	for first := true; ; {
		key, ok, err := s.key(&first)
		if err != nil || !ok {
			return err
		}
		switch string(key) {
		case "text":
			err = s.strInto(&p.text)
		case "thought":
			err = s.boolInto(&p.thought)
		case "thoughtSignature":
			err = s.strInto(&p.sig)
		case "functionCall":
			err = p.parseCall(s)
		default:
			err = s.skip(5)
		}
		if err != nil {
			return err
		}
	}
}

func (p *gemChunkPart) parseCall(s *jsonScan) error {
	if s.null() {
		p.call, p.name, p.args = false, nil, nil
		return nil
	}
	if err := s.open('{'); err != nil {
		return err
	}
	p.call = true
	for first := true; ; {
		key, ok, err := s.key(&first)
		if err != nil || !ok {
			return err
		}
		switch string(key) {
		case "name":
			err = s.strInto(&p.name)
		case "args":
			s.peek()
			start := s.i
			if err = s.skip(6); err == nil && !bytes.Equal(s.b[start:s.i], []byte("null")) {
				p.args = s.b[start:s.i]
			}
		default:
			err = s.skip(6)
		}
		if err != nil {
			return err
		}
	}
}

func (c *gemChunk) parseFeedback(s *jsonScan) error {
	if s.null() {
		return nil
	}
	if err := s.open('{'); err != nil {
		return err
	}
	for first := true; ; {
		key, ok, err := s.key(&first)
		if err != nil || !ok {
			return err
		}
		if string(key) == "blockReason" {
			err = s.strInto(&c.blockReason)
		} else {
			err = s.skip(2)
		}
		if err != nil {
			return err
		}
	}
}

func (c *gemChunk) parseUsage(s *jsonScan) error {
	if s.null() {
		c.hasUsage, c.usage = false, gemUsageMeta{}
		return nil
	}
	if err := s.open('{'); err != nil {
		return err
	}
	c.hasUsage = true
	for first := true; ; {
		key, ok, err := s.key(&first)
		if err != nil || !ok {
			return err
		}
		switch string(key) {
		case "promptTokenCount":
			err = s.intInto(&c.usage.PromptTokenCount)
		case "candidatesTokenCount":
			err = s.intInto(&c.usage.CandidatesTokenCount)
		case "cachedContentTokenCount":
			err = s.intInto(&c.usage.CachedContentTokenCount)
		case "thoughtsTokenCount":
			err = s.intInto(&c.usage.ThoughtsTokenCount)
		default:
			err = s.skip(2)
		}
		if err != nil {
			return err
		}
	}
}

// parseError decodes an in-stream error object (rare: encoding/json is fine).
func (c *gemChunk) parseError(s *jsonScan) error {
	s.peek()
	start := s.i
	if err := s.skip(1); err != nil {
		return err
	}
	raw := s.b[start:s.i]
	if bytes.Equal(raw, []byte("null")) {
		return nil
	}
	var e gemErrorBody
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("gemini stream error object: %w", err)
	}
	c.errBody = &e
	return nil
}
