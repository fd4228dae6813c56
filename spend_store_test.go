// spend_store_test.go: budget.state_file — its format (exact round trip,
// every kind of damage refused), the atomic write, the 5 s write rule with
// an injected clock, start-up errors, and a fuzz target for the parser.
package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const goodState = `{"version":1,"saved_at":"2025-01-31T10:00:00Z","spend":[
  {"month":"2024-12","client":"","backend":"openai","model":"gpt-4o","usd":3.5},
  {"month":"2025-01","client":"ci-bot","backend":"openai","model":"gpt-4o-mini","usd":0.000000001},
  {"month":"2025-01","client":"ci-bot","backend":"anthropic","model":"claude-sonnet-4-5","usd":12}
]}
`

func TestParseSpend(t *testing.T) {
	rows, err := parseSpend([]byte(goodState))
	if err != nil {
		t.Fatal(err)
	}
	want := map[spendKey]nanoUSD{
		{"2024-12", "", "openai", "gpt-4o"}:                     3_500_000_000,
		{"2025-01", "ci-bot", "openai", "gpt-4o-mini"}:          1,
		{"2025-01", "ci-bot", "anthropic", "claude-sonnet-4-5"}: 12_000_000_000,
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows %v", rows)
	}
	row := func(usd string) string {
		return `{"version":1,"spend":[{"month":"2025-01","client":"c","backend":"b","model":"m","usd":` + usd + `}]}`
	}
	for _, tc := range []struct{ name, in, want string }{
		{"empty", ``, "empty or cut short"},
		{"truncated", goodState[:len(goodState)/2], "empty or cut short"},
		{"garbage", "\x00\x01binary", "not valid JSON"},
		{"not an object", `[1,2]`, "not valid JSON"},
		{"two objects", `{"version":1,"spend":[]}{"version":1}`, "unexpected data"},
		{"no version", `{"spend":[]}`, `no "version"`},
		{"future version", `{"version":2,"spend":[]}`, "version 2 is not 1"},
		{"unknown field", `{"version":1,"spend":[],"extra":1}`, "unknown field"},
		{"unknown row field", `{"version":1,"spend":[{"month":"2025-01","backend":"b","usd":1,"x":1}]}`, "unknown field"},
		{"bad month", `{"version":1,"spend":[{"month":"2025-13","backend":"b","usd":1}]}`, `month "2025-13"`},
		{"no backend", `{"version":1,"spend":[{"month":"2025-01","backend":"","usd":1}]}`, "backend is empty"},
		{"negative", row("-1"), "non-negative decimal"},
		{"exponent", row("1e3"), "non-negative decimal"},
		{"ten decimals", row("0.0000000001"), "at most 9 decimals"},
		{"too large", row("99999999999"), "too large"},
		{"string amount", row(`"1"`), "non-negative decimal"},
		{"no amount", `{"version":1,"spend":[{"month":"2025-01","backend":"b"}]}`, "non-negative decimal"},
		{"duplicate row", `{"version":1,"spend":[{"month":"2025-01","backend":"b","usd":1},{"month":"2025-01","backend":"b","usd":2}]}`, "same month"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseSpend([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestSpendRoundTripIsExact(t *testing.T) {
	rows := map[spendKey]nanoUSD{
		{"2025-01", "a", "b", "m"}:               123_456_789_012,
		{"2025-01", "", "b", "m"}:                1,
		{"2025-02", "é\"\n", "b\\", "m/x:y"}:     4_000_000_000_000_000_000,
		{"2025-02", "a", "b", "m-2024-07-18"}:    100_000_000,
		{"2025-03", "zero", "b", "model"}:        0,
		{"2025-03", "whole", "b", "model-whole"}: 7_000_000_000,
	}
	data := encodeSpend(rows, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))
	got, err := parseSpend(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if !reflect.DeepEqual(got, rows) {
		t.Fatalf("round trip:\n got %v\nwant %v\n%s", got, rows, data)
	}
	if !bytes.Contains(data, []byte(`"usd":123.456789012}`)) || !bytes.Contains(data, []byte(`"usd":7}`)) {
		t.Fatalf("amounts are not plain decimals:\n%s", data)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "spend.json")
	for _, content := range []string{"first", "second, longer than the first"} {
		if err := writeFileAtomic(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(path); string(got) != content {
			t.Fatalf("file holds %q, want %q", got, content)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temp files left behind: %v", entries)
	}
	if err := writeFileAtomic(filepath.Join(dir, "missing", "spend.json"), []byte("x")); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}

// TestSpendWriterFiveSecondRule drives the writer with an injected clock:
// the first change is written at once, later ones within 5 s of the change
// and never sooner than 5 s after the previous write; close writes the rest.
func TestSpendWriterFiveSecondRule(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spend.json")
	fc := newFakeClock(time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC))
	book := newSpendLedger()
	saves := make(chan time.Time, 16)
	st := &spendStore{path: path, book: book, log: discardLogger(), clock: fc, interval: spendFlushInterval}
	st.onSave = func() { saves <- fc.Now() }
	st.start()
	defer st.close()
	onDisk := func() nanoUSD { return spendOnDisk(t, path) }
	t0 := fc.Now()
	book.add(fc.Now(), "c", "b", "m", 1)
	if at := <-saves; !at.Equal(t0) || onDisk() != 1 {
		t.Fatalf("first change written at %v (want at once), disk %d", at, onDisk())
	}

	fc.Advance(time.Second)
	book.add(fc.Now(), "c", "b", "m", 10) // t0+1s: must wait for t0+5s
	book.add(fc.Now(), "c", "b", "m", 100)
	waitFor(t, func() bool { return fc.Waiters() == 1 })
	fc.Advance(4*time.Second - time.Nanosecond)
	if len(saves) != 0 || onDisk() != 1 {
		t.Fatalf("written before 5 s had passed since the last write")
	}
	fc.Advance(time.Nanosecond)
	if at := <-saves; at.Sub(t0) != 5*time.Second || onDisk() != 111 {
		t.Fatalf("second write at +%v with %d on disk, want +5s with 111", at.Sub(t0), onDisk())
	}

	// A change long after the last write is written at once.
	fc.Advance(time.Minute)
	book.add(fc.Now(), "c", "b", "m", 1000)
	if at := <-saves; !at.Equal(t0.Add(65*time.Second)) || onDisk() != 1111 {
		t.Fatalf("idle change written at +%v", at.Sub(t0))
	}

	// A change that has not been written yet is written by close.
	fc.Advance(time.Second)
	book.add(fc.Now(), "c", "b", "m", 10000)
	waitFor(t, func() bool { return fc.Waiters() == 1 })
	st.close()
	if onDisk() != 11111 {
		t.Fatalf("close did not write the last change: %d", onDisk())
	}
}

// TestSpendWriterRetriesAfterFailure: a write that fails (the directory
// went away) is logged once and retried after the interval.
func TestSpendWriterRetriesAfterFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	os.Mkdir(dir, 0o700)
	path := filepath.Join(dir, "spend.json")
	fc := newFakeClock(time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC))
	book := newSpendLedger()
	logs := &syncBuffer{}
	saves := make(chan struct{}, 16)
	st := &spendStore{path: path, book: book, log: newTestLogger(logs), clock: fc, interval: spendFlushInterval}
	st.onSave = func() { saves <- struct{}{} }
	os.Remove(dir)
	st.start()
	defer st.close()
	book.add(fc.Now(), "c", "b", "m", 5)
	<-saves
	if !strings.Contains(logs.String(), "cannot save spend") {
		t.Fatalf("failure not logged: %s", logs.String())
	}
	os.Mkdir(dir, 0o700)
	waitFor(t, func() bool { return fc.Waiters() == 1 })
	fc.Advance(spendFlushInterval)
	<-saves
	if rows, err := loadSpendState(path); err != nil || len(rows) != 1 {
		t.Fatalf("retry did not write: %v %v", rows, err)
	}
	if strings.Count(logs.String(), "cannot save spend") != 1 || !strings.Contains(logs.String(), "spend saved again") {
		t.Fatalf("logs: %s", logs.String())
	}
}

func TestLoadSpendStateErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o600)
		return p
	}
	os.Mkdir(filepath.Join(dir, "adir"), 0o700)
	for _, tc := range []struct {
		name, path string
		want       []string // "" entries: no error
	}{
		{"missing file is a first start", filepath.Join(dir, "none.json"), nil},
		{"missing directory", filepath.Join(dir, "nope", "spend.json"), []string{"does not exist", "create it"}},
		{"a directory", filepath.Join(dir, "adir"), []string{"is a directory"}},
		{"garbage", write("garbage.json", "this is not json"), []string{"garbage.json", "not a valid Nexus spend state", "move it aside", "restore"}},
		{"truncated", write("cut.json", goodState[:40]), []string{"cut.json", "cut short", "move it aside"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadSpendState(tc.path)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var se *spendStateError
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T)", err, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func FuzzParseSpend(f *testing.F) {
	f.Add([]byte(goodState))
	f.Add([]byte(`{"version":1,"spend":[]}`))
	f.Add([]byte(`{"version":1,"spend":null}`))
	f.Add([]byte(`{"version":1,"spend":[{"month":"2025-01","client":"c","backend":"b","model":"m","usd":0.5}]}`))
	f.Add([]byte(`{"version":1,"spend":[{"month":"2025-01","backend":"b","usd":99999999999.999999999}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := parseSpend(data)
		if err != nil {
			return
		}
		for k, v := range rows {
			if v < 0 || !validMonth(k.month) || k.backend == "" {
				t.Fatalf("accepted bad row %v = %d", k, v)
			}
		}
		// What was accepted survives a write and a read exactly.
		again, err := parseSpend(encodeSpend(rows, time.Unix(0, 0)))
		if err != nil || !reflect.DeepEqual(again, rows) {
			t.Fatalf("round trip: %v\n got %v\nwant %v", err, again, rows)
		}
	})
}
