// tokens_bpe.go: the byte-pair-encoding token counter behind tokens.go.
//
// tiktoken-go's own encoder splits text with a backtracking regex engine
// (regexp2) and costs ~2.3 ms per 1k tokens, too slow for the request path.
// This file counts the same tokens without building token ids: a hand-written
// pre-tokenizer that reproduces the cl100k_base and o200k_base split patterns
// (alternation order and backtracking included), then the same lowest-rank
// pair merge over the merge ranks of the offline loader's embedded BPE files.
// tokens_bpe_test.go checks it against tiktoken-go token for token (and a
// fuzz target keeps checking); nothing here fetches anything.
package main

import (
	"encoding/base64"
	"fmt"
	"math"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/pkoukk/tiktoken-go-loader/assets"
)

// splitPattern names the pre-tokenizer regex an encoding uses.
type splitPattern int

const (
	patternCL100k splitPattern = iota
	patternO200k
)

// loadRanks reads one embedded .tiktoken file ("<base64 token> <rank>" per
// line) into a rank map. All token bytes share one backing string, so the
// map costs one allocation for its keys instead of one per token.
func loadRanks(name string) (map[string]int, error) {
	raw, err := assets.Assets.ReadFile(name + ".tiktoken")
	if err != nil {
		return nil, fmt.Errorf("read embedded %s ranks: %w", name, err)
	}
	lines := 0
	for _, c := range raw {
		if c == '\n' {
			lines++
		}
	}
	type span struct{ off, n, rank int }
	spans := make([]span, 0, lines+1)
	buf := make([]byte, 0, len(raw)*3/4)
	for len(raw) > 0 {
		line := raw
		if i := indexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		if len(line) == 0 {
			continue
		}
		sp := indexByte(line, ' ')
		if sp <= 0 {
			return nil, fmt.Errorf("parse %s ranks: line without rank", name)
		}
		start := len(buf)
		buf, err = base64.StdEncoding.AppendDecode(buf, line[:sp])
		if err != nil {
			return nil, fmt.Errorf("parse %s ranks: %w", name, err)
		}
		rank, ok := atoiBytes(line[sp+1:])
		if !ok {
			return nil, fmt.Errorf("parse %s ranks: bad rank", name)
		}
		spans = append(spans, span{start, len(buf) - start, rank})
	}
	all := string(buf)
	ranks := make(map[string]int, len(spans))
	for _, s := range spans {
		ranks[all[s.off:s.off+s.n]] = s.rank
	}
	return ranks, nil
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func atoiBytes(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// Character classes used by the split patterns. clsUpper is o200k's
// [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] and clsLower its [\p{Ll}\p{Lm}\p{Lo}\p{M}].
const (
	clsLetter  = 1 << iota // \p{L}
	clsNumber              // \p{N}
	clsSpace               // \s (unicode.IsSpace, as regexp2 uses)
	clsNewline             // \r or \n
	clsUpper
	clsLower
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for r := rune(0); r < utf8.RuneSelf; r++ {
		t[r] = runeClassSlow(r)
	}
	return t
}()

func runeClassSlow(r rune) uint8 {
	var c uint8
	switch {
	case unicode.Is(unicode.Lu, r), unicode.Is(unicode.Lt, r):
		c = clsLetter | clsUpper
	case unicode.Is(unicode.Ll, r):
		c = clsLetter | clsLower
	case unicode.IsLetter(r): // Lm, Lo
		c = clsLetter | clsUpper | clsLower
	case unicode.Is(unicode.M, r):
		c = clsUpper | clsLower
	case unicode.IsNumber(r):
		c = clsNumber
	case unicode.IsSpace(r):
		c = clsSpace
		if r == '\r' || r == '\n' {
			c |= clsNewline
		}
	}
	return c
}

// runeAt decodes the rune at byte offset i and returns its class and width.
func runeAt(s string, i int) (r rune, cls uint8, w int) {
	if b := s[i]; b < utf8.RuneSelf {
		return rune(b), asciiClass[b], 1
	}
	r, w = utf8.DecodeRuneInString(s[i:])
	return r, runeClassSlow(r), w
}

// runEnd returns the end of the run of runes whose class has any bit of mask.
func runEnd(s string, i int, mask uint8) int {
	for i < len(s) {
		_, c, w := runeAt(s, i)
		if c&mask == 0 {
			break
		}
		i += w
	}
	return i
}

// isPunct is [^\s\p{L}\p{N}].
func isPunct(c uint8) bool { return c&(clsSpace|clsLetter|clsNumber) == 0 }

// prefixOK is [^\r\n\p{L}\p{N}].
func prefixOK(c uint8) bool { return c&(clsNewline|clsLetter|clsNumber) == 0 }

// contraction matches (?i:'s|'t|'re|'ve|'m|'ll|'d) at i and returns its length.
func contraction(s string, i int) int {
	if i+1 >= len(s) || s[i] != '\'' {
		return 0
	}
	switch s[i+1] | 0x20 {
	case 's', 't', 'm', 'd':
		return 2
	case 'r', 'v':
		if i+2 < len(s) && s[i+2]|0x20 == 'e' {
			return 3
		}
	case 'l':
		if i+2 < len(s) && s[i+2]|0x20 == 'l' {
			return 3
		}
	}
	return 0
}

// digitsEnd is \p{N}{1,3} at i (the caller checked the first rune).
func digitsEnd(s string, i int) int {
	for k := 0; k < 3 && i < len(s); k++ {
		_, c, w := runeAt(s, i)
		if c&clsNumber == 0 {
			break
		}
		i += w
	}
	return i
}

// punctEnd is ` ?[^\s\p{L}\p{N}]+` followed by a run of the runes in tail
// ("\r\n" or "\r\n/"); -1 when it does not match at i.
func punctEnd(s string, i int, slash bool) int {
	p := i
	if s[i] == ' ' {
		p++
	}
	if p >= len(s) {
		return -1
	}
	if _, c, _ := runeAt(s, p); !isPunct(c) {
		return -1
	}
	j := p
	for j < len(s) {
		_, c, w := runeAt(s, j)
		if !isPunct(c) {
			break
		}
		j += w
	}
	for j < len(s) && (s[j] == '\r' || s[j] == '\n' || (slash && s[j] == '/')) {
		j++
	}
	return j
}

// spaceEnd handles the three whitespace alternatives at i (s[i] is \s):
// \s*[\r\n]+ | \s+(?!\S) | \s+
func spaceEnd(s string, i int) int {
	j, lastNL := i, -1
	for j < len(s) {
		r, c, w := runeAt(s, j)
		if c&clsSpace == 0 {
			break
		}
		if r == '\r' || r == '\n' {
			lastNL = j
		}
		j += w
	}
	if lastNL >= 0 {
		return lastNL + 1
	}
	if j == len(s) {
		return j
	}
	_, w := utf8.DecodeLastRuneInString(s[:j])
	if j-w > i {
		return j - w
	}
	return j
}

// nextCL100k returns the end of the cl100k_base piece starting at i:
// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
func nextCL100k(s string, i int) int {
	if n := contraction(s, i); n > 0 {
		return i + n
	}
	_, c0, w0 := runeAt(s, i)
	if c0&clsLetter != 0 {
		return runEnd(s, i, clsLetter)
	}
	if prefixOK(c0) && i+w0 < len(s) {
		if _, c1, _ := runeAt(s, i+w0); c1&clsLetter != 0 {
			return runEnd(s, i+w0, clsLetter)
		}
	}
	if c0&clsNumber != 0 {
		return digitsEnd(s, i)
	}
	if j := punctEnd(s, i, false); j >= 0 {
		return j
	}
	if c0&clsSpace != 0 {
		return spaceEnd(s, i)
	}
	return i + w0 // unreachable: every rune is a letter, number, space or punct
}

// o200kLetters tries o200k's first alternative from p (after the optional
// prefix): [Upper]*[Lower]+ with the regex's backtracking, returning -1 when
// it cannot match.
func o200kLetters(s string, p int) int {
	a := runEnd(s, p, clsUpper)
	for k := a; ; {
		if k < len(s) {
			if _, c, _ := runeAt(s, k); c&clsLower != 0 {
				return runEnd(s, k, clsLower)
			}
		}
		if k == p {
			return -1
		}
		_, w := utf8.DecodeLastRuneInString(s[:k])
		k -= w
	}
}

// nextO200k returns the end of the o200k_base piece starting at i:
// [^\r\n\p{L}\p{N}]?[Upper]*[Lower]+(contraction)?|
// [^\r\n\p{L}\p{N}]?[Upper]+[Lower]*(contraction)?|\p{N}{1,3}|
// ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
func nextO200k(s string, i int) int {
	_, c0, w0 := runeAt(s, i)
	withPrefix := prefixOK(c0) && i+w0 < len(s)
	if withPrefix {
		if e := o200kLetters(s, i+w0); e >= 0 {
			return e + contraction(s, e)
		}
	}
	if e := o200kLetters(s, i); e >= 0 {
		return e + contraction(s, e)
	}
	for _, p := range [2]int{i + w0, i} {
		if p == i+w0 && !withPrefix {
			continue
		}
		if a := runEnd(s, p, clsUpper); a > p {
			e := runEnd(s, a, clsLower)
			return e + contraction(s, e)
		}
	}
	if c0&clsNumber != 0 {
		return digitsEnd(s, i)
	}
	if j := punctEnd(s, i, true); j >= 0 {
		return j
	}
	if c0&clsSpace != 0 {
		return spaceEnd(s, i)
	}
	return i + w0 // unreachable, as in nextCL100k
}

// bpePart is one symbol of a piece being merged: where it starts and the
// rank of merging it with the next symbol (math.MaxInt when unmergeable).
type bpePart struct{ start, rank int }

// longPiece is the piece length from which the heap-based merge replaces the
// quadratic scan (a huge whitespace-free run must not cost O(n²)).
const longPiece = 256

// bpeCounter counts tokens with one encoding; it owns scratch space so
// counting allocates nothing per piece. Not safe for concurrent use.
type bpeCounter struct {
	ranks   map[string]int
	pattern splitPattern
	parts   []bpePart
	stop    *atomic.Bool // optional: counting gives up when set
	pieces  int          // pieces counted so far, to poll stop now and then
}

// count returns the number of tokens in text (special-token text counts as
// ordinary text, as tiktoken's encode_ordinary does). ok is false only when
// stop was set.
func (b *bpeCounter) count(text string) (n int, ok bool) {
	if !utf8.ValidString(text) {
		text = string([]rune(text)) // what tiktoken-go does to invalid bytes
	}
	next := nextCL100k
	if b.pattern == patternO200k {
		next = nextO200k
	}
	for i := 0; i < len(text); {
		if b.pieces++; b.pieces&4095 == 0 && b.stop != nil && b.stop.Load() {
			return n, false
		}
		j := next(text, i)
		n += b.pieceTokens(text[i:j])
		i = j
	}
	return n, true
}

func (b *bpeCounter) pieceTokens(piece string) int {
	if len(piece) == 1 {
		return 1
	}
	if _, ok := b.ranks[piece]; ok {
		return 1
	}
	if len(piece) >= longPiece {
		return mergeCountHeap(piece, b.ranks)
	}
	return b.mergeCount(piece)
}

// mergeCount is tiktoken's byte_pair_merge, counting the final symbols.
func (b *bpeCounter) mergeCount(piece string) int {
	parts := b.parts[:0]
	for i := 0; i <= len(piece); i++ {
		parts = append(parts, bpePart{i, math.MaxInt})
	}
	rank := func(i int) int {
		if i+2 < len(parts) {
			if r, ok := b.ranks[piece[parts[i].start:parts[i+2].start]]; ok {
				return r
			}
		}
		return math.MaxInt
	}
	for i := 0; i < len(parts)-2; i++ {
		parts[i].rank = rank(i)
	}
	for len(parts) > 1 {
		minRank, minIdx := math.MaxInt, -1
		for i := 0; i < len(parts)-1; i++ {
			if parts[i].rank < minRank {
				minRank, minIdx = parts[i].rank, i
			}
		}
		if minIdx < 0 {
			break
		}
		parts = append(parts[:minIdx+1], parts[minIdx+2:]...)
		parts[minIdx].rank = rank(minIdx)
		if minIdx > 0 {
			parts[minIdx-1].rank = rank(minIdx - 1)
		}
	}
	b.parts = parts
	return len(parts) - 1
}

// mergeCountHeap gives the same result as mergeCount (lowest rank first,
// leftmost on ties) in O(n log n), using a linked list of symbols and a heap
// of candidate merges whose stale entries are skipped when popped.
func mergeCountHeap(piece string, ranks map[string]int) int {
	n := len(piece)
	next := make([]int, n) // index of the next live symbol, n at the end
	prev := make([]int, n) // index of the previous live symbol, -1 at the start
	rank := make([]int, n) // current merge rank of symbol i with its successor
	for i := range n {
		next[i], prev[i] = i+1, i-1
	}
	pairRank := func(i int) int {
		j := next[i]
		if j >= n {
			return math.MaxInt
		}
		end := n
		if j < n {
			end = next[j]
		}
		if r, ok := ranks[piece[i:end]]; ok {
			return r
		}
		return math.MaxInt
	}
	h := make(mergeHeap, 0, n)
	for i := range n {
		rank[i] = pairRank(i)
		if rank[i] != math.MaxInt {
			h = append(h, mergeCand{rank[i], i})
		}
	}
	h.init()
	live := n
	for len(h) > 0 {
		c := h.pop()
		i := c.start
		if next[i] == -2 || rank[i] != c.rank { // merged away, or stale rank
			continue
		}
		j := next[i]
		next[i] = next[j]
		if next[j] < n {
			prev[next[j]] = i
		}
		next[j] = -2
		live--
		rank[i] = pairRank(i)
		if rank[i] != math.MaxInt {
			h.push(mergeCand{rank[i], i})
		}
		if p := prev[i]; p >= 0 {
			rank[p] = pairRank(p)
			if rank[p] != math.MaxInt {
				h.push(mergeCand{rank[p], p})
			}
		}
	}
	return live
}

// mergeCand is a possible merge of the symbol starting at start with its
// successor; the heap orders by rank, then by position (leftmost first).
type mergeCand struct{ rank, start int }

type mergeHeap []mergeCand

func (h mergeHeap) less(a, b int) bool {
	if h[a].rank != h[b].rank {
		return h[a].rank < h[b].rank
	}
	return h[a].start < h[b].start
}

func (h mergeHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *mergeHeap) push(c mergeCand) {
	*h = append(*h, c)
	for i := len(*h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		(*h)[i], (*h)[p] = (*h)[p], (*h)[i]
		i = p
	}
}

func (h *mergeHeap) pop() mergeCand {
	old := *h
	top := old[0]
	last := len(old) - 1
	old[0] = old[last]
	*h = old[:last]
	h.down(0)
	return top
}

func (h mergeHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
