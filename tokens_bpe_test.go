// tokens_bpe_test.go: proves the fast counter equals tiktoken-go, token for
// token count, on both encodings (table, long pieces, and a fuzz target).
package main

import (
	"math/rand"
	"strings"
	"sync"
	"testing"

	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

func init() {
	// tiktoken-go is the test oracle only; it must never download a BPE file.
	tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
}

var (
	oracleOnce sync.Once
	oracles    map[string]*tiktoken.Tiktoken
)

// oracle returns tiktoken-go's reference encoder for an encoding name.
func oracle(t testing.TB, name string) *tiktoken.Tiktoken {
	t.Helper()
	oracleOnce.Do(func() {
		oracles = map[string]*tiktoken.Tiktoken{}
		for _, n := range []string{"o200k_base", "cl100k_base"} {
			enc, err := tiktoken.GetEncoding(n)
			if err != nil {
				panic(err)
			}
			oracles[n] = enc
		}
	})
	return oracles[name]
}

func testCounter(t testing.TB, e *lazyEncoding) *bpeCounter {
	t.Helper()
	c, ok := e.counter(nil)
	if !ok {
		t.Fatalf("load %s failed: %v", e.name, e.err)
	}
	return c
}

var bpeSamples = []string{
	"",
	"tiktoken is great!",
	"antidisestablishmentarianism",
	"2 + 2 = 4",
	"お誕生日おめでとう",
	"Hello, world! How're you doing? I'LL be fine; they'd've WE'RE 'Sup 'x",
	"  leading spaces\n\n\ttabs\t\r\nCRLF  \n  trailing   ",
	"func main() {\n\tfmt.Println(\"hi\") // comment\n}\n",
	"numbers 1234567 3.14159 1,000,000 ٣٤٥ Ⅻ ² ½",
	"HTTPServer XMLHttpRequest iPhone McDonald's camelCaseWord ǅungla",
	"e\u0301le\u0300ve \u0301\u0301 naïve café Ångström",
	"ʰello ʰʰ ABʰC 中文字符 한국어 العربية हिन्दी ไทย",
	"emoji 😀👍🏽 family 👨‍👩‍👧 flags 🇫🇷",
	"nbsp\u00a0here ideographic\u3000space line\u2028sep nel\u0085x",
	"path/to/file.go //comment /* block */ http://example.com/a?b=c&d=e",
	"<|endoftext|> <|fim_prefix|> special tokens are plain text",
	"a\n\n\n\nb    \n    c\r\r\rd !!!\n\n??\r\n//\n/",
	strings.Repeat("ab", 300) + " " + strings.Repeat("z", 1000) + strings.Repeat(" ", 600) + "x",
	strings.Repeat("😀", 200) + strings.Repeat("é", 300),
}

func TestBPECountMatchesTiktoken(t *testing.T) {
	for _, e := range []*lazyEncoding{encO200k, encCL100k} {
		c := testCounter(t, e)
		ref := oracle(t, e.name)
		for _, s := range bpeSamples {
			got, _ := c.count(s)
			want := len(ref.EncodeOrdinary(s))
			if got != want {
				t.Errorf("%s: count(%.40q) = %d, tiktoken-go = %d", e.name, s, got, want)
			}
		}
	}
}

func TestBPEKnownCounts(t *testing.T) {
	// Token counts published in OpenAI's "How to count tokens with tiktoken".
	tests := []struct {
		enc  *lazyEncoding
		text string
		want int
	}{
		{encO200k, "tiktoken is great!", 6},
		{encCL100k, "antidisestablishmentarianism", 6},
		{encO200k, "antidisestablishmentarianism", 6},
		{encCL100k, "2 + 2 = 4", 7},
		{encO200k, "2 + 2 = 4", 7},
		{encCL100k, "お誕生日おめでとう", 9},
		{encO200k, "お誕生日おめでとう", 8},
	}
	for _, tt := range tests {
		got, ok := testCounter(t, tt.enc).count(tt.text)
		if !ok || got != tt.want {
			t.Errorf("%s %q: got %d, want %d", tt.enc.name, tt.text, got, tt.want)
		}
	}
}

func TestBPEHeapMergeMatchesQuadratic(t *testing.T) {
	c := testCounter(t, encO200k)
	rng := rand.New(rand.NewSource(1))
	alphabet := "abcdefghij的一是"
	runes := []rune(alphabet)
	for i := 0; i < 200; i++ {
		var sb strings.Builder
		for n := 20 + rng.Intn(400); n > 0; n-- {
			sb.WriteRune(runes[rng.Intn(len(runes))])
		}
		s := sb.String()
		if got, want := mergeCountHeap(s, c.ranks), c.mergeCount(s); got != want {
			t.Fatalf("heap merge of %q = %d, quadratic = %d", s, got, want)
		}
	}
}

func TestBPEInvalidUTF8MatchesTiktoken(t *testing.T) {
	s := "ok \xff\xfe bytes \xe2\x82 end"
	for _, e := range []*lazyEncoding{encO200k, encCL100k} {
		got, _ := testCounter(t, e).count(s)
		if want := len(oracle(t, e.name).EncodeOrdinary(s)); got != want {
			t.Errorf("%s: got %d, want %d", e.name, got, want)
		}
	}
}

func TestLoadRanksMatchesOfflineLoader(t *testing.T) {
	// cl100k_base only: o200k_base comes from the same loader and file format,
	// and its counts are checked against tiktoken-go above.
	for _, name := range []string{"cl100k_base"} {
		want, err := tiktoken_loader.NewOfflineLoader().LoadTiktokenBpe(name + ".tiktoken")
		if err != nil {
			t.Fatal(err)
		}
		got, err := loadRanks(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d ranks, loader has %d", name, len(got), len(want))
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("%s: rank of %q = %d, loader says %d", name, k, got[k], v)
			}
		}
	}
}

func FuzzBPECountMatchesTiktoken(f *testing.F) {
	for _, s := range bpeSamples {
		if len(s) < 200 {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 2000 {
			t.Skip()
		}
		for _, e := range []*lazyEncoding{encO200k, encCL100k} {
			got, _ := testCounter(t, e).count(s)
			if want := len(oracle(t, e.name).EncodeOrdinary(s)); got != want {
				t.Fatalf("%s: count(%q) = %d, tiktoken-go = %d", e.name, s, got, want)
			}
		}
	})
}
