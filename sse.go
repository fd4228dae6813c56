// sse.go: reading and writing server-sent events with bounded memory.
//
// Upstream streams are read one event at a time so each can be flushed to the
// client as soon as it is complete; the reader yields streamEvents (the
// translators' framing-free view, translate.go): the "event:" field as
// Name, the "data:" lines joined with '\n' as Data. The reader reuses its buffers: an event is
// valid only until the next call to next, and no event may exceed
// maxSSEEventBytes, so memory per stream is constant.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// maxSSEEventBytes bounds one upstream event (raw bytes, all lines).
const maxSSEEventBytes = 4 << 20

// errSSETooLarge is returned for an event larger than maxSSEEventBytes.
var errSSETooLarge = errors.New("sse: event too large")

// sseReader splits a byte stream into events. Lines may end in LF or CRLF.
type sseReader struct {
	br   *bufio.Reader
	raw  []byte
	name []byte
	data []byte
}

func newSSEReader(r io.Reader) *sseReader {
	return &sseReader{br: bufio.NewReaderSize(r, 32<<10)}
}

// next returns the next event that has a data or event field (comment-only
// and empty events are skipped). At the end of the stream it returns io.EOF;
// a final event without its blank line is still returned first.
func (r *sseReader) next() (streamEvent, error) {
	r.raw, r.name, r.data = r.raw[:0], r.name[:0], r.data[:0]
	hasData, hasField := false, false
	for {
		line, err := r.readLine()
		if err != nil {
			if err == io.EOF && hasField {
				return streamEvent{Name: r.name, Data: r.data, Raw: r.raw}, nil
			}
			return streamEvent{}, err
		}
		body := bytes.TrimRight(line, "\r\n")
		if len(body) == 0 { // blank line: dispatch
			if hasField {
				return streamEvent{Name: r.name, Data: r.data, Raw: r.raw}, nil
			}
			r.raw = r.raw[:0]
			continue
		}
		if body[0] == ':' { // comment
			continue
		}
		field, value := body, []byte(nil)
		if i := bytes.IndexByte(body, ':'); i >= 0 {
			field, value = body[:i], body[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(field) {
		case "data":
			if hasData {
				r.data = append(r.data, '\n')
			}
			r.data = append(r.data, value...)
			hasData, hasField = true, true
		case "event":
			r.name = append(r.name[:0], value...)
			hasField = true
		}
	}
}

// eventBuffered reports whether the next event has already arrived whole,
// so a relay can write it out together with the current one instead of
// flushing twice. A comment-only block counts as not arrived (next would
// skip it and wait on the network).
func (r *sseReader) eventBuffered() bool {
	n := r.br.Buffered()
	if n == 0 {
		return false
	}
	peek, _ := r.br.Peek(n)
	end := bytes.Index(peek, []byte("\n\n"))
	if crlf := bytes.Index(peek, []byte("\r\n\r\n")); crlf >= 0 && (end < 0 || crlf < end) {
		end = crlf
	}
	if end < 0 {
		return false
	}
	ev := peek[:end]
	return bytes.Contains(ev, []byte("data:")) || bytes.Contains(ev, []byte("event:"))
}

// readLine appends one line (with its terminator) to r.raw and returns it.
func (r *sseReader) readLine() ([]byte, error) {
	start := len(r.raw)
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(r.raw)+len(chunk) > maxSSEEventBytes {
			return nil, errSSETooLarge
		}
		r.raw = append(r.raw, chunk...)
		switch err {
		case nil:
			return r.raw[start:], nil
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			if len(r.raw) > start {
				return r.raw[start:], nil
			}
			return nil, io.EOF
		default:
			return nil, err
		}
	}
}

// appendSSE appends one event frame: an optional "event:" line, the data
// (one "data:" line per line of data) and the blank line.
func appendSSE(dst []byte, name string, data []byte) []byte {
	if name != "" {
		dst = append(dst, "event: "...)
		dst = append(dst, name...)
		dst = append(dst, '\n')
	}
	for {
		i := bytes.IndexByte(data, '\n')
		dst = append(dst, "data: "...)
		if i < 0 {
			dst = append(dst, data...)
			break
		}
		dst = append(dst, data[:i]...)
		dst = append(dst, '\n')
		data = data[i+1:]
	}
	return append(dst, '\n', '\n')
}
