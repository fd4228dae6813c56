// spend_store.go: budget.state_file — spend that survives a restart.
//
// The spend ledger (budget.go) is written as one small JSON file: every
// month's spend per client, backend and model, in nano-dollar precision.
// A write is atomic (a temp file in the same directory, fsync, rename,
// fsync of the directory), happens within 5 s of a change and no more often
// than every 5 s, and once more at shutdown; so a crash loses at most the
// last 5 s of spend. A missing file is a first start. A file that cannot be
// read or parsed stops the start: starting from zero would silently lift
// every budget, so the operator decides (restore it, or move it aside).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	spendStateVersion  = 1
	spendFlushInterval = 5 * time.Second
	maxSpendStateBytes = 64 << 20
)

// stateRow is one line of the state file.
type stateRow struct {
	Month   string          `json:"month"` // UTC calendar month, "2006-01"
	Client  string          `json:"client"`
	Backend string          `json:"backend"`
	Model   string          `json:"model"`
	USD     json.RawMessage `json:"usd"` // a decimal number, at most 9 fractional digits
}

type spendFile struct {
	Version *int       `json:"version"`
	SavedAt string     `json:"saved_at"`
	Spend   []stateRow `json:"spend"`
}

// encodeSpend renders rows as the state file, one row per line, sorted.
func encodeSpend(rows map[spendKey]nanoUSD, now time.Time) []byte {
	keys := make([]spendKey, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b spendKey) int {
		return cmpStrings(a.month, b.month, a.client, b.client, a.backend, b.backend, a.model, b.model)
	})
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "{\"version\":%d,\"saved_at\":%q,\"spend\":[", spendStateVersion, now.UTC().Format(time.RFC3339))
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		line, _ := json.Marshal(stateRow{k.month, k.client, k.backend, k.model, json.RawMessage(formatNano(rows[k]))})
		buf.WriteString("\n  ")
		buf.Write(line)
	}
	buf.WriteString("\n]}\n")
	return buf.Bytes()
}

// cmpStrings compares pairs (a1, b1), (a2, b2), ... in order.
func cmpStrings(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := strings.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}

// formatNano writes an amount as an exact decimal number of dollars.
func formatNano(n nanoUSD) string {
	s := strconv.FormatInt(int64(n)/1e9, 10)
	if frac := int64(n) % 1e9; frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%09d", frac), "0")
	}
	return s
}

// parseNano reads a decimal number of dollars written by formatNano:
// digits, optionally a point and at most 9 more digits.
func parseNano(s string) (nanoUSD, error) {
	whole, frac, dot := strings.Cut(s, ".")
	if !allDigits(whole) || dot && (!allDigits(frac) || len(frac) > 9) {
		return 0, fmt.Errorf("%q is not a non-negative decimal number of dollars with at most 9 decimals", s)
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || n > 4e9 { // more than any budget; keeps sums far from overflow
		return 0, fmt.Errorf("%q is too large", s)
	}
	f, _ := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
	return nanoUSD(n*1e9 + f), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseSpend reads a state file; any deviation from the format is an error.
func parseSpend(data []byte) (map[spendKey]nanoUSD, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f spendFile
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errors.New("the file is empty or cut short")
		}
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON object")
	}
	switch {
	case f.Version == nil:
		return nil, errors.New("no \"version\" field")
	case *f.Version != spendStateVersion:
		return nil, fmt.Errorf("version %d is not %d (written by another Nexus version?)", *f.Version, spendStateVersion)
	}
	rows := make(map[spendKey]nanoUSD, len(f.Spend))
	for i, r := range f.Spend {
		if !validMonth(r.Month) {
			return nil, fmt.Errorf("spend[%d]: month %q is not a month such as \"2025-01\"", i, r.Month)
		}
		if r.Backend == "" {
			return nil, fmt.Errorf("spend[%d]: backend is empty", i)
		}
		n, err := parseNano(string(r.USD))
		if err != nil {
			return nil, fmt.Errorf("spend[%d]: usd: %w", i, err)
		}
		k := spendKey{r.Month, r.Client, r.Backend, r.Model}
		if _, dup := rows[k]; dup {
			return nil, fmt.Errorf("spend[%d]: the same month, client, backend and model as an earlier row", i)
		}
		rows[k] = n
	}
	return rows, nil
}

// validMonth reports whether s is "YYYY-MM" with a real month.
func validMonth(s string) bool {
	if len(s) != 7 || s[4] != '-' || !allDigits(s[:4]) || !allDigits(s[5:]) {
		return false
	}
	m, _ := strconv.Atoi(s[5:])
	return m >= 1 && m <= 12
}

// spendStateError is a state file Nexus will not start with.
type spendStateError struct {
	path, problem, fix string
}

func (e *spendStateError) Error() string {
	return "budget.state_file " + strconv.Quote(e.path) + ": " + e.problem + "; " + e.fix
}

// loadSpendState reads budget.state_file; a missing file is no spend yet.
func loadSpendState(path string) (map[spendKey]nanoUSD, error) {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, &spendStateError{path, "directory " + strconv.Quote(dir) + " does not exist",
			"create it (writable by the user Nexus runs as) or change budget.state_file"}
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[spendKey]nanoUSD{}, nil
	}
	if err != nil {
		return nil, &spendStateError{path, "cannot be read: " + err.Error(),
			"make it readable and writable by the user Nexus runs as"}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, &spendStateError{path, "is a directory", "name a file, e.g. " + filepath.Join(path, "spend.json")}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSpendStateBytes+1))
	if err != nil {
		return nil, &spendStateError{path, "cannot be read: " + err.Error(),
			"make it readable and writable by the user Nexus runs as"}
	}
	if len(data) > maxSpendStateBytes {
		return nil, &spendStateError{path, "is larger than 64 MiB, which no spend state is", moveAsideFix(path)}
	}
	rows, err := parseSpend(data)
	if err != nil {
		return nil, &spendStateError{path, "is not a valid Nexus spend state (" + err.Error() + ")", moveAsideFix(path)}
	}
	return rows, nil
}

func moveAsideFix(path string) string {
	return "Nexus will not start with unknown spend, as that would lift every budget: restore the file from a " +
		"backup, or move it aside (mv " + path + " " + path + ".bad) to count this month's spend from zero"
}

// writeFileAtomic replaces path with data: a temp file in the same
// directory, fsync, rename, then fsync of the directory.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create temp file: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}

// spendStore writes the spend ledger to its state file.
type spendStore struct {
	path     string
	book     *spendLedger
	log      *slog.Logger
	clock    clock
	interval time.Duration
	saved    uint64 // the book generation last written
	failing  bool   // the last write failed (logged once until one works)
	cancel   context.CancelFunc
	done     chan struct{}
	onSave   func() // tests: called after each write attempt
}

// start runs the writer until close.
func (st *spendStore) start() {
	ctx, cancel := context.WithCancel(context.Background())
	st.cancel, st.done = cancel, make(chan struct{})
	go st.run(ctx)
}

// run writes within interval of a change and at most every interval.
func (st *spendStore) run(ctx context.Context) {
	defer close(st.done)
	var last time.Time // of the last write; zero: none yet
	for {
		select {
		case <-ctx.Done():
			return
		case <-st.book.changed:
		}
		if !last.IsZero() {
			if wait := last.Add(st.interval).Sub(st.clock.Now()); wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-st.clock.After(wait):
				}
			}
		}
		select { // this write covers every change made so far
		case <-st.book.changed:
		default:
		}
		if at, wrote := st.save(); wrote {
			last = at
		}
	}
}

// save writes the book when it changed since the last write; it reports
// when it tried. A failed write is retried after the interval.
func (st *spendStore) save() (time.Time, bool) {
	rows, gen := st.book.snapshot()
	if gen == st.saved {
		return time.Time{}, false
	}
	now := st.clock.Now()
	err := writeFileAtomic(st.path, encodeSpend(rows, now))
	switch {
	case err != nil && !st.failing:
		st.log.Error("cannot save spend to budget.state_file; retrying every 5 s", "state_file", st.path,
			"error", err.Error())
	case err == nil && st.failing:
		st.log.Info("spend saved again", "state_file", st.path)
	}
	st.failing = err != nil
	if err != nil {
		select { // try again after the interval
		case st.book.changed <- struct{}{}:
		default:
		}
	} else {
		st.saved = gen
	}
	if st.onSave != nil {
		st.onSave()
	}
	return now, true
}

// close stops the writer and writes what changed since its last write.
func (st *spendStore) close() {
	if st == nil || st.cancel == nil {
		return
	}
	st.cancel()
	<-st.done
	st.cancel = nil
	st.save()
}

// openSpend loads budget.state_file into the spend ledger and starts its
// writer; without a state file spend lives in memory. Called once, before
// serving; its error stops the start.
func (s *server) openSpend(cfg *Config) error {
	path := cfg.Budget.StateFile
	if path == "" {
		if cfg.hasBudget() || len(cfg.Clients) > 0 {
			s.log.Warn("spend is kept in memory only: a restart resets this month's spend; set budget.state_file to keep it")
		}
		return nil
	}
	rows, err := loadSpendState(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	probe, err := os.CreateTemp(dir, ".nexus-write-check-*")
	if err != nil {
		return &spendStateError{path, "cannot write in directory " + strconv.Quote(dir) + ": " + err.Error(),
			"make it writable by the user Nexus runs as (uid 65532 in the container image)"}
	}
	probe.Close()
	os.Remove(probe.Name())
	s.spend.restore(rows)
	_, gen := s.spend.snapshot()
	st := &spendStore{path: path, book: s.spend, log: s.log, clock: s.clock, interval: spendFlushInterval, saved: gen}
	st.start()
	s.store = st
	now := s.clock.Now()
	global, _ := s.spend.spent(now, "")
	s.log.Info("spend state loaded", "state_file", path, "month", monthOf(now), "spent_usd", formatUSD(global.usd()))
	return nil
}

// checkSpendState is `nexus check`'s view of budget.state_file.
func checkSpendState(cfg *Config) error {
	if cfg.Budget.StateFile == "" {
		return nil
	}
	_, err := loadSpendState(cfg.Budget.StateFile)
	return err
}
