// config_secret.go: keeping secrets out of configuration error messages.
//
// API keys belong in environment variables. Operators still paste them into
// the wrong place (an "api_key" field, the api_key_env value, a model name),
// and the error that reports the mistake must not print the key back into a
// terminal, CI log or ticket. Every value a config message echoes goes through
// quoteValue, which hides anything that looks like a key.
package main

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// hiddenValue replaces a value that looks like a secret in messages.
const hiddenValue = "<value hidden: it looks like a secret>"

// maxQuotedValue bounds how much of a value a message echoes.
const maxQuotedValue = 80

// quoteValue renders a config value for an error message: quoted, shortened
// when long, and hidden entirely when it looks like a key.
func quoteValue(s string) string {
	if looksLikeKey(s) {
		return hiddenValue
	}
	if len(s) > maxQuotedValue {
		cut := maxQuotedValue
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q...", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}

// dashKeyPrefixes start provider keys; they cannot start an env var name, so
// any value that begins with one is taken for a key.
var dashKeyPrefixes = []string{"sk-", "xai-", "glpat-", "pk-", "Bearer ", "bearer ", "Basic "}

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

// secretFieldWords are the normalised field names (lower case, without '_'
// and '-') that can only mean a credential.
var secretFieldWords = map[string]bool{
	"key": true, "apikey": true, "token": true, "secret": true, "password": true, "passwd": true,
	"auth": true, "authorization": true, "bearer": true, "credential": true, "credentials": true,
}

// secretFieldParts mark a credential wherever they occur in a field name.
var secretFieldParts = []string{"apikey", "token", "secret", "password", "passwd", "credential"}

// isSecretFieldName reports whether an (unknown) field name means a credential:
// api_key, apiKey, key, token, access_token, client_secret, password, ...
func isSecretFieldName(name string) bool {
	n := strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(name))
	if secretFieldWords[n] {
		return true
	}
	for _, p := range secretFieldParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	return false
}

// secretFieldPath finds a credential-named field in an unknown member: the
// member itself, or a field nested anywhere inside its value. It returns the
// path ("auth.token", "creds[0].key") or "".
func secretFieldPath(key string, value []byte) string {
	return secretFieldPathDepth(key, value, 0)
}

// maxSecretSearchDepth bounds how deep an unknown value is searched.
const maxSecretSearchDepth = 16

func secretFieldPathDepth(key string, value []byte, depth int) string {
	if isSecretFieldName(key) {
		return key
	}
	if p := secretInside(value, depth+1); p != "" {
		return key + p
	}
	return ""
}

// secretInside finds a credential-named field inside a JSON value and returns
// its path relative to the value (".token", "[0].key") or "".
func secretInside(value []byte, depth int) string {
	if depth > maxSecretSearchDepth {
		return ""
	}
	switch jsonKind(value) {
	case "object":
		members, _ := objectMembers(value)
		for _, m := range members {
			if p := secretFieldPathDepth(m.Key, m.Value, depth); p != "" {
				return "." + p
			}
		}
	case "array":
		elems, _ := arrayElems(value)
		for i, e := range elems {
			if p := secretInside(e, depth+1); p != "" {
				return fmt.Sprintf("[%d]%s", i, p)
			}
		}
	}
	return ""
}
