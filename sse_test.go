// sse_test.go: the event reader's look-ahead used to coalesce flushes, and
// the split reader every stream test uses to deliver bytes in odd pieces.
package main

import (
	"io"
	"strings"
	"testing"
)

// splitReader returns its data in reads whose sizes cycle through sizes, so
// stream tests see events split across reads and several in one read.
type splitReader struct {
	data  []byte
	sizes []int
	i     int
}

func (r *splitReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := min(r.sizes[r.i%len(r.sizes)], len(p), len(r.data))
	r.i++
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

func TestEventBuffered(t *testing.T) {
	cases := []struct {
		after string // bytes that follow the first event
		want  bool
	}{
		{"", false},
		{"data: partial", false},
		{"data: whole\n\n", true},
		{"data: whole\r\n\r\n", true},
		{"event: ping\ndata: {}\n\n", true},
		{": keep-alive\n\ndata: later\n\n", false}, // next would skip the comment and wait
	}
	for _, c := range cases {
		r := newSSEReader(strings.NewReader("data: first\n\n" + c.after))
		if _, err := r.next(); err != nil {
			t.Fatal(err)
		}
		if got := r.eventBuffered(); got != c.want {
			t.Errorf("after %q: %v, want %v", c.after, got, c.want)
		}
	}
}
