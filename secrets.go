// secrets.go: the one secret detector.
//
// API keys must never be echoed: not in a config error that reports a key
// pasted into the wrong field (config_secret.go), and not in a provider's
// error message that echoes the key it was given (errors.go scrubSecrets).
// Both ask looksLikeKey: a known provider prefix, or a long string of
// random-looking characters.
package main

import "strings"

// dashKeyPrefixes start provider keys; they cannot start an env var name, so
// any value that begins with one is taken for a key.
var dashKeyPrefixes = []string{"sk-", "xai-", "nvapi-", "glpat-", "pk-", "Bearer ", "bearer ", "Basic "}

// wordKeyPrefixes start provider keys too but could also start an ordinary
// identifier, so the rest must also look generated.
// "nx-" starts the client keys `nexus key` makes.
var wordKeyPrefixes = []string{"AIza", "eyJ", "sk_", "gsk_", "hf_", "ghp_", "gho_", "github_pat_", "rk_", "r8_", "nx-"}

// looksLikeKey reports whether s is probably an API key or token: a known
// provider prefix, or a long string of random-looking characters.
func looksLikeKey(s string) bool {
	for _, p := range dashKeyPrefixes {
		if strings.HasPrefix(s, p) && len(s) > len(p) {
			return true
		}
	}
	for _, p := range wordKeyPrefixes {
		if strings.HasPrefix(s, p) && len(s) >= 20 && generatedLooking(s[len(p):]) {
			return true
		}
	}
	return looksRandom(s)
}

// generatedLooking reports whether s mixes digits or letter cases the way
// generated tokens do (identifiers written by people are mostly one case).
func generatedLooking(s string) bool {
	var lower, upper, digit bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		lower = lower || ('a' <= c && c <= 'z')
		upper = upper || ('A' <= c && c <= 'Z')
		digit = digit || ('0' <= c && c <= '9')
	}
	return digit || (lower && upper)
}

// charClass is 1 for lower case, 2 for upper case, 3 for a digit, 0 for a
// separator ('-' or '_') and -1 for anything else.
func charClass(c byte) int {
	switch {
	case 'a' <= c && c <= 'z':
		return 1
	case 'A' <= c && c <= 'Z':
		return 2
	case '0' <= c && c <= '9':
		return 3
	case c == '-' || c == '_':
		return 0
	}
	return -1
}

// looksRandom reports whether s is a long run of [A-Za-z0-9_-] whose letters
// and digits change class as often as random base62 or hex does. Words,
// model ids ("gpt-4o-mini-2024-07-18") and env var names change rarely.
func looksRandom(s string) bool {
	if len(s) < 20 {
		return false
	}
	prev, transitions, alnum := 0, 0, 0
	allHex, hexLetter, hexDigit := true, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		class := charClass(c)
		if class < 0 {
			return false
		}
		if class == 0 {
			allHex = false
			continue
		}
		alnum++
		if prev != 0 && class != prev {
			transitions++
		}
		prev = class
		switch {
		case class == 3:
			hexDigit = true
		case 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
			hexLetter = true
		default:
			allHex = false
		}
	}
	if allHex && hexLetter && hexDigit && len(s) >= 32 {
		return true
	}
	return alnum >= 20 && float64(transitions) >= 0.4*float64(alnum-1)
}
