// translate_google_helpers_test.go: fixtures shared by the Gemini translator tests.
package main

import (
	"errors"
	"io"
	"testing"
)

// gemPin makes "created" and generated ids deterministic for one test.
func gemPin(t testing.TB) {
	t.Helper()
	pinTranslatorClocks(t)
}

// gemWant400 asserts err is a 400 invalid_request_error for param.
func gemWant400(t *testing.T, err error, param string) {
	t.Helper()
	var ae *apiError
	if !errors.As(err, &ae) {
		t.Fatalf("want *apiError, got %T %v", err, err)
	}
	if ae.Status != 400 || ae.Type != "invalid_request_error" {
		t.Fatalf("want 400 invalid_request_error, got %d %s", ae.Status, ae.Type)
	}
	if ae.Param != param {
		t.Fatalf("param = %q, want %q (message %q)", ae.Param, param, ae.Message)
	}
}

// gemRunStream feeds raw SSE bytes through newSSEReader and a Gemini stream
// translator and returns the client bytes, the translator and the first error.
func gemRunStream(raw []byte, sizes []int, includeUsage bool) ([]byte, *hubStream, error) {
	st := newGeminiStream("gemini-fallback", includeUsage)
	rd := newSSEReader(&splitReader{data: raw, sizes: sizes})
	var out []byte
	for {
		ev, err := rd.next()
		if err == io.EOF {
			return st.finish(out), st, nil
		}
		if err != nil {
			return out, st, err
		}
		if out, err = st.translate(out, ev); err != nil {
			return out, st, err
		}
	}
}
