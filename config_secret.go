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
