// sse_test.go: the event reader's look-ahead used to coalesce flushes.
package main

import (
	"strings"
	"testing"
)

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
