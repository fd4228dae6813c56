// cmd_key.go: `nexus key NAME` — a new client key and its "clients" entry
// (SPEC §15).
//
// The key is printed once, on the first line, and kept nowhere: the config
// holds only its SHA-256 digest (the second line, a JSON "clients" entry
// ready to paste). Anyone who can read nexus.json learns nothing that lets
// them call Nexus.
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// clientKeyPrefix starts every key `nexus key` makes.
const clientKeyPrefix = "nx-"

// newClientKey is "nx-" and 32 random bytes in unpadded base64url.
func newClientKey(random io.Reader) (string, error) {
	var b [32]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return clientKeyPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// keyDigest is the key_sha256 of a key: the SHA-256 hex of the whole string.
func keyDigest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// runKey prints a new key and its clients entry. Exit codes: 0 done, 1 no
// randomness, 2 bad usage.
func runKey(args []string, random io.Reader, stdout, stderr io.Writer) int {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: nexus key NAME   (prints a new client key, then its \"clients\" entry)")
		return 2
	}
	name := args[0]
	switch {
	case !validBackendName(name):
		fmt.Fprintf(stderr, "nexus key: the name %s must match [A-Za-z0-9._-]+\n", quoteValue(name))
		return 2
	case strings.HasPrefix(strings.ToLower(name), "env-"):
		fmt.Fprintln(stderr, "nexus key: names starting with \"env-\" are reserved for the keys in NEXUS_API_KEYS")
		return 2
	}
	key, err := newClientKey(random)
	if err != nil {
		fmt.Fprintln(stderr, "nexus key:", err)
		return 1
	}
	entry, _ := json.Marshal(struct {
		Name      string `json:"name"`
		KeySHA256 string `json:"key_sha256"`
	}{name, keyDigest(key)})
	fmt.Fprintln(stdout, key)
	fmt.Fprintln(stdout, string(entry))
	fmt.Fprintln(stderr, "Give the key (line 1) to the client; it is not stored anywhere. Add line 2 to \"clients\" in "+
		"nexus.json (optionally with models, zone, min_tier, monthly_usd, requests_per_minute) and reload Nexus (SIGHUP).")
	return 0
}
