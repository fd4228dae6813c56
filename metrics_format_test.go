// metrics_format_test.go: an independent, strict parser of the Prometheus
// text exposition format 0.0.4, used by the metrics tests to check the WHOLE
// output of writeText line by line rather than trusting the writer's helpers.
//
// It is stricter than Prometheus where Nexus has chosen one spelling: every
// family has # HELP then # TYPE before its samples, no other comments, no
// blank lines, no timestamps, no trailing comma in label sets.
package main

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

var (
	metricNameRe = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelNameRe  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	floatRe      = regexp.MustCompile(`^(NaN|[+-]Inf|[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?)$`)
)

type parsedSample struct {
	name   string
	labels [][2]string // unescaped values, in written order
	value  float64
}

type parsedFamily struct {
	name, help, typ string
	samples         []parsedSample
}

// exposition is a parsed and validated exposition.
type exposition struct {
	families []parsedFamily
	values   map[string]float64 // seriesID -> value
}

// seriesID names a sample independent of escaping: name|k=v|k=v in the
// order written.
func seriesID(name string, labels [][2]string) string {
	var b strings.Builder
	b.WriteString(name)
	for _, l := range labels {
		b.WriteString("|" + l[0] + "=" + l[1])
	}
	return b.String()
}

// parseExposition parses text and validates everything the format demands.
func parseExposition(text string) (*exposition, error) {
	if text == "" || !strings.HasSuffix(text, "\n") {
		return nil, errors.New("exposition must be non-empty and end with a newline")
	}
	if !utf8.ValidString(text) {
		return nil, errors.New("exposition is not valid UTF-8")
	}
	ex := &exposition{values: map[string]float64{}}
	seenFamily := map[string]bool{}
	for n, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if err := ex.parseLine(line, seenFamily); err != nil {
			return nil, fmt.Errorf("line %d %q: %w", n+1, line, err)
		}
	}
	for i := range ex.families {
		if err := checkFamily(&ex.families[i]); err != nil {
			return nil, fmt.Errorf("family %s: %w", ex.families[i].name, err)
		}
	}
	return ex, nil
}

func (ex *exposition) parseLine(line string, seen map[string]bool) error {
	switch {
	case line == "":
		return errors.New("blank line")
	case strings.HasPrefix(line, "# HELP "):
		name, help, ok := strings.Cut(line[len("# HELP "):], " ")
		if !ok || !metricNameRe.MatchString(name) {
			return errors.New("bad HELP metric name")
		}
		if seen[name] {
			return errors.New("second HELP for family")
		}
		if err := checkHelpEscapes(help); err != nil {
			return err
		}
		seen[name] = true
		ex.families = append(ex.families, parsedFamily{name: name, help: help})
		return nil
	case strings.HasPrefix(line, "# TYPE "):
		name, typ, ok := strings.Cut(line[len("# TYPE "):], " ")
		if !ok || len(ex.families) == 0 {
			return errors.New("TYPE without a preceding HELP")
		}
		f := &ex.families[len(ex.families)-1]
		if f.name != name || f.typ != "" || len(f.samples) > 0 {
			return errors.New("TYPE must directly follow its family's HELP")
		}
		if !slices.Contains([]string{"counter", "gauge", "histogram", "summary", "untyped"}, typ) {
			return fmt.Errorf("unknown type %q", typ)
		}
		f.typ = typ
		return nil
	case strings.HasPrefix(line, "#"):
		return errors.New("unexpected comment line")
	}
	s, err := parseSampleLine(line)
	if err != nil {
		return err
	}
	if len(ex.families) == 0 || ex.families[len(ex.families)-1].typ == "" {
		return errors.New("sample before HELP and TYPE")
	}
	f := &ex.families[len(ex.families)-1]
	if !sampleBelongs(f, s.name) {
		return fmt.Errorf("sample %s does not belong to family %s (%s)", s.name, f.name, f.typ)
	}
	id := seriesID(s.name, s.labels)
	if _, dup := ex.values[id]; dup {
		return errors.New("duplicate series")
	}
	ex.values[id] = s.value
	f.samples = append(f.samples, s)
	return nil
}

// checkHelpEscapes allows only \\ and \n escapes in a docstring.
func checkHelpEscapes(help string) error {
	for i := 0; i < len(help); i++ {
		if help[i] != '\\' {
			continue
		}
		if i+1 >= len(help) || (help[i+1] != '\\' && help[i+1] != 'n') {
			return errors.New("bad escape in HELP")
		}
		i++
	}
	return nil
}

func sampleBelongs(f *parsedFamily, name string) bool {
	if f.typ != "histogram" {
		return name == f.name
	}
	return name == f.name+"_bucket" || name == f.name+"_sum" || name == f.name+"_count"
}

// parseSampleLine parses `name{l="v",...} value`.
func parseSampleLine(line string) (parsedSample, error) {
	var s parsedSample
	end := strings.IndexAny(line, "{ ")
	if end < 0 {
		return s, errors.New("sample without value")
	}
	s.name, line = line[:end], line[end:]
	if !metricNameRe.MatchString(s.name) {
		return s, errors.New("bad metric name")
	}
	if line[0] == '{' {
		var err error
		if s.labels, line, err = parseLabels(line[1:]); err != nil {
			return s, err
		}
	}
	if len(line) < 2 || line[0] != ' ' {
		return s, errors.New("missing space before value")
	}
	val := line[1:]
	if !floatRe.MatchString(val) {
		return s, fmt.Errorf("bad value %q (timestamps are not used)", val)
	}
	v, err := strconv.ParseFloat(val, 64)
	if err != nil {
		return s, fmt.Errorf("bad value %q: %w", val, err)
	}
	s.value = v
	return s, nil
}

// parseLabels parses label pairs after '{' and returns the rest after '}'.
func parseLabels(in string) ([][2]string, string, error) {
	var labels [][2]string
	for {
		eq := strings.IndexByte(in, '=')
		if eq < 0 {
			return nil, "", errors.New("label without '='")
		}
		name := in[:eq]
		if !labelNameRe.MatchString(name) {
			return nil, "", fmt.Errorf("bad label name %q", name)
		}
		for _, l := range labels {
			if l[0] == name {
				return nil, "", fmt.Errorf("duplicate label %q", name)
			}
		}
		if eq+1 >= len(in) || in[eq+1] != '"' {
			return nil, "", errors.New("label value not quoted")
		}
		val, rest, err := unescapeLabelValue(in[eq+2:])
		if err != nil {
			return nil, "", err
		}
		labels = append(labels, [2]string{name, val})
		switch {
		case strings.HasPrefix(rest, "}"):
			return labels, rest[1:], nil
		case strings.HasPrefix(rest, ","):
			in = rest[1:]
		default:
			return nil, "", errors.New("expected ',' or '}' after label value")
		}
	}
}

// unescapeLabelValue reads up to the closing quote; only \\, \" and \n are
// legal escapes.
func unescapeLabelValue(in string) (string, string, error) {
	var b strings.Builder
	for i := 0; i < len(in); i++ {
		switch c := in[i]; c {
		case '"':
			return b.String(), in[i+1:], nil
		case '\\':
			if i+1 >= len(in) {
				return "", "", errors.New("dangling backslash")
			}
			i++
			switch in[i] {
			case '\\':
				b.WriteByte('\\')
			case '"':
				b.WriteByte('"')
			case 'n':
				b.WriteByte('\n')
			default:
				return "", "", fmt.Errorf("illegal escape \\%c", in[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("unterminated label value")
}

// checkFamily validates type-specific rules: counters are non-negative and
// not NaN; histograms have, per label set, increasing le bounds ending in
// +Inf, non-decreasing cumulative counts, and _count equal to the +Inf bucket.
func checkFamily(f *parsedFamily) error {
	if f.typ == "" {
		return errors.New("HELP without TYPE")
	}
	if f.typ == "counter" {
		for _, s := range f.samples {
			if s.value < 0 || math.IsNaN(s.value) {
				return fmt.Errorf("counter value %v", s.value)
			}
		}
	}
	if f.typ == "histogram" {
		return checkHistogram(f)
	}
	return nil
}

type histSeries struct {
	les, counts []float64
	sum, count  *float64
}

func checkHistogram(f *parsedFamily) error {
	series := map[string]*histSeries{}
	var order []string
	for _, s := range f.samples {
		base, le := splitLe(s.labels)
		id := seriesID(f.name, base)
		h := series[id]
		if h == nil {
			h = &histSeries{}
			series[id] = h
			order = append(order, id)
		}
		v := s.value
		switch s.name {
		case f.name + "_bucket":
			b, err := strconv.ParseFloat(le, 64)
			if le == "" || err != nil {
				return fmt.Errorf("%s: bucket with bad le %q", id, le)
			}
			h.les, h.counts = append(h.les, b), append(h.counts, v)
		case f.name + "_sum":
			h.sum = &v
		case f.name + "_count":
			h.count = &v
		}
		if s.name != f.name+"_bucket" && le != "" {
			return fmt.Errorf("%s: le label on %s", id, s.name)
		}
	}
	for _, id := range order {
		if err := checkHistSeries(series[id]); err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
	}
	return nil
}

func checkHistSeries(h *histSeries) error {
	if len(h.les) == 0 || !math.IsInf(h.les[len(h.les)-1], 1) {
		return errors.New("last bucket is not le=\"+Inf\"")
	}
	for i := 1; i < len(h.les); i++ {
		if h.les[i] <= h.les[i-1] {
			return errors.New("bucket bounds not increasing")
		}
		if h.counts[i] < h.counts[i-1] {
			return errors.New("bucket counts not cumulative")
		}
	}
	if h.sum == nil || h.count == nil {
		return errors.New("missing _sum or _count")
	}
	if *h.count != h.counts[len(h.counts)-1] {
		return fmt.Errorf("_count %v != +Inf bucket %v", *h.count, h.counts[len(h.counts)-1])
	}
	return nil
}

// splitLe removes the le label, returning the other labels and le's value.
func splitLe(labels [][2]string) ([][2]string, string) {
	var base [][2]string
	le := ""
	for _, l := range labels {
		if l[0] == "le" {
			le = l[1]
			continue
		}
		base = append(base, l)
	}
	return base, le
}
