// passthrough_anthropic.go: an Anthropic client on an Anthropic backend.
//
// The bytes go through untouched, both ways. Nexus still has to know what
// they say: the usage (for the cost headers and metrics), whether the stream
// ended properly (message_stop), and whether the first event is an error (so
// it can fail over). Only the few events that carry those are decoded.
package main

import "encoding/json"

// anthropicUsageFromBody reads the usage of a non-streaming Anthropic message.
func anthropicUsageFromBody(body []byte) (usage, bool) {
	var v struct {
		Usage *anthropicUsage `json:"usage"`
	}
	if json.Unmarshal(body, &v) != nil || v.Usage == nil {
		return usage{}, false
	}
	var u usage
	v.Usage.applyInput(&u)
	u.OutputTokens, u.HasOutput = anthropicIntOr(v.Usage.OutputTokens), true
	return u, true
}

// anthropicPassthrough relays an Anthropic event stream as it is.
type anthropicPassthrough struct {
	u    usage
	done bool
}

func (p *anthropicPassthrough) translate(dst []byte, ev sseEvent) ([]byte, error) {
	switch string(ev.Name) {
	case "message_start":
		var v struct {
			Message struct {
				Usage anthropicUsage `json:"usage"`
			} `json:"message"`
		}
		if json.Unmarshal(ev.Data, &v) == nil && v.Message.Usage.hasInput() {
			v.Message.Usage.applyInput(&p.u)
		}
	case "message_delta":
		var v struct {
			Usage anthropicUsage `json:"usage"`
		}
		if json.Unmarshal(ev.Data, &v) == nil {
			if v.Usage.hasInput() {
				v.Usage.applyInput(&p.u)
			}
			if v.Usage.OutputTokens != nil {
				p.u.OutputTokens, p.u.HasOutput = *v.Usage.OutputTokens, true
			}
		}
	case "message_stop":
		p.done = true
	case "error":
		typ, msg, _ := anthropicErrorMessage(ev.Data)
		st := anthropicErrorStatus(typ)
		return dst, &apiError{Status: st, Type: anthropicErrorType(st), Code: typ, Message: msg}
	}
	return append(dst, ev.Raw...), nil
}

func (p *anthropicPassthrough) finish(dst []byte) []byte { return dst }
func (p *anthropicPassthrough) usage() usage             { return p.u }
func (p *anthropicPassthrough) complete() bool           { return p.done }
