// translate_openai_chunk.go: reading one chat.completion.chunk with jsonScan.
//
// Nearly every event of a translated stream from an OpenAI-compatible server
// (a local model behind Claude Code or Codex CLI) is one of these, and
// encoding/json spent nine tenths of each event's time on it
// (BenchmarkMessagesStreamTextEvent, BenchmarkResponsesStreamTextEvent). The
// reader fills the same openAIChunk, every field as raw JSON aliasing the
// event's bytes, reusing the choices and tool-call buffers. As with
// encoding/json: invalid JSON, or a known field of the wrong type, is an
// error; unknown fields are skipped; of repeated keys the last wins; a null
// leaves a field as it was. Keys are matched exactly (encoding/json would
// also take "Content"; no server writes that).
package main

import (
	"encoding/json"
	"fmt"
)

// parse reads data into c, which read has reset.
func (c *openAIChunk) parse(data []byte) error {
	s := jsonScan{b: data}
	if s.null() { // encoding/json accepts a bare null and changes nothing
		return s.end()
	}
	err := s.object(func(key []byte) error {
		switch string(key) {
		case "id":
			return s.rawInto(&c.ID)
		case "model":
			return s.rawInto(&c.Model)
		case "object":
			return s.rawInto(&c.Object)
		case "choices":
			return c.parseChoices(&s)
		case "usage":
			return c.parseUsage(&s)
		case "error":
			return s.rawInto(&c.Error)
		case "message":
			return s.rawInto(&c.Message)
		case "type":
			return s.rawInto(&c.Type)
		case "code":
			return s.rawInto(&c.Code)
		}
		return s.skip(1)
	})
	if err != nil {
		return err
	}
	return s.end()
}

// end fails unless only white space is left.
func (s *jsonScan) end() error {
	if s.peek() != 0 || s.i != len(s.b) {
		return s.fail()
	}
	return nil
}

// rawInto reads any value into *dst as raw JSON (null included, as
// rawJSON's UnmarshalJSON receives it).
func (s *jsonScan) rawInto(dst *rawJSON) error {
	v, err := s.rawValue(1)
	if err == nil {
		*dst = v
	}
	return err
}

func (c *openAIChunk) parseUsage(s *jsonScan) error {
	if s.null() {
		c.Usage = nil
		return nil
	}
	raw, err := s.rawValue(1)
	if err != nil {
		return err
	}
	if c.Usage == nil {
		c.Usage = new(openAIUsage)
	}
	if err := json.Unmarshal(raw, c.Usage); err != nil { // once a stream: not worth a scanner
		return fmt.Errorf("json: usage: %w", err)
	}
	return nil
}

func (c *openAIChunk) parseChoices(s *jsonScan) error {
	if s.null() {
		c.Choices = nil
		return nil
	}
	c.Choices = c.Choices[:0]
	return s.array(func() error {
		if n := len(c.Choices); n < cap(c.Choices) { // reuse its tool-call buffer
			c.Choices = c.Choices[:n+1]
			calls := c.Choices[n].Delta.ToolCalls[:0]
			c.Choices[n] = openAIChunkChoice{}
			c.Choices[n].Delta.ToolCalls = calls
		} else {
			c.Choices = append(c.Choices, openAIChunkChoice{})
		}
		ch := &c.Choices[len(c.Choices)-1]
		if s.null() {
			return nil
		}
		return s.object(func(key []byte) error {
			switch string(key) {
			case "index":
				return s.intInto(&ch.Index)
			case "delta":
				return ch.parseDelta(s)
			case "finish_reason":
				return s.rawInto(&ch.FinishReason)
			case "stop_reason":
				return s.rawInto(&ch.StopReason)
			}
			return s.skip(2)
		})
	})
}

func (ch *openAIChunkChoice) parseDelta(s *jsonScan) error {
	if s.null() {
		return nil
	}
	d := &ch.Delta
	return s.object(func(key []byte) error {
		switch string(key) {
		case "content":
			return s.rawInto(&d.Content)
		case "reasoning_content":
			return s.rawInto(&d.ReasoningContent)
		case "reasoning":
			return s.rawInto(&d.Reasoning)
		case "refusal":
			return s.rawInto(&d.Refusal)
		case "tool_calls":
			return ch.parseCalls(s)
		}
		return s.skip(3)
	})
}

func (ch *openAIChunkChoice) parseCalls(s *jsonScan) error {
	d := &ch.Delta
	if s.null() {
		d.ToolCalls = nil
		return nil
	}
	d.ToolCalls = d.ToolCalls[:0]
	return s.array(func() error {
		d.ToolCalls = append(d.ToolCalls, openAICallRaw{})
		tc := &d.ToolCalls[len(d.ToolCalls)-1]
		if s.null() {
			return nil
		}
		return s.object(func(key []byte) error {
			switch string(key) {
			case "index":
				return s.rawInto(&tc.Index)
			case "id":
				return s.rawInto(&tc.ID)
			case "extra_content":
				return s.rawInto(&tc.ExtraContent)
			case "function":
				if s.null() {
					return nil
				}
				return s.object(func(key []byte) error {
					switch string(key) {
					case "name":
						return s.rawInto(&tc.Function.Name)
					case "arguments":
						return s.rawInto(&tc.Function.Arguments)
					}
					return s.skip(5)
				})
			}
			return s.skip(4)
		})
	})
}
