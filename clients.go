// clients.go: who is calling (SPEC §15) — the client keys of one config
// (digests from "clients" plus the keys in NEXUS_API_KEYS), the constant-time
// lookup of a request's key, and what a client may call.
//
// A key is only ever held as its SHA-256 digest. Lookup hashes the key the
// request sent and compares it with every known digest in constant time, so
// neither the comparison nor which entry matched depends on the key's bytes.
// Log lines and metrics name the client, never the key.
package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
)

// client is one caller with its rights. Immutable once built, except for
// its rate bucket, which is safe for concurrent use.
type client struct {
	name       string
	digest     [32]byte
	models     []string // path.Match globs; nil = every model
	restricted bool     // zone "restricted"
	minTier    int
	monthly    nanoUSD // the client's budget when hasBudget
	hasBudget  bool
	rpm        int          // requests per minute; 0 = unlimited
	bucket     *tokenBucket // nil when rpm is 0
}

// clientSet is every client of one config; empty means client auth is off.
type clientSet struct {
	list []*client
}

// enabled reports whether requests must carry a key.
func (cs *clientSet) enabled() bool { return cs != nil && len(cs.list) > 0 }

// envKeyDigests reads NEXUS_API_KEYS (comma-separated) into digests.
func envKeyDigests(getenv func(string) string) [][32]byte {
	var out [][32]byte
	for _, k := range strings.Split(getenv("NEXUS_API_KEYS"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, sha256.Sum256([]byte(k)))
		}
	}
	return out
}

// newClientSet builds the clients of cfg followed by the unrestricted
// env-1, env-2, ... of NEXUS_API_KEYS. bucketFor returns the rate bucket
// of a client name, so buckets outlive a reload.
func newClientSet(cfg []ClientConfig, envKeys [][32]byte, bucketFor func(name string, rpm int) *tokenBucket) *clientSet {
	cs := &clientSet{}
	for _, cc := range cfg {
		c := &client{name: cc.Name, models: cc.Models, restricted: cc.Zone == "restricted",
			minTier: cc.MinTier, rpm: cc.RequestsPerMinute}
		hex.Decode(c.digest[:], []byte(cc.KeySHA256)) // validated: 64 hex digits
		if cc.MonthlyUSD != nil {
			c.monthly, c.hasBudget = usdToNano(*cc.MonthlyUSD), true
		}
		if c.rpm > 0 {
			c.bucket = bucketFor(c.name, c.rpm)
		}
		cs.list = append(cs.list, c)
	}
	for i, d := range envKeys {
		cs.list = append(cs.list, &client{name: fmt.Sprintf("env-%d", i+1), digest: d})
	}
	return cs
}

// lookup returns the client whose key is key, or nil. Every digest is
// compared, in constant time; the first configured match wins.
func (cs *clientSet) lookup(key string) *client {
	if key == "" || cs == nil {
		return nil
	}
	sum := sha256.Sum256([]byte(key))
	var found *client
	for _, c := range cs.list {
		if subtle.ConstantTimeCompare(sum[:], c.digest[:]) == 1 && found == nil {
			found = c
		}
	}
	return found
}

// requestKey is the key a request carries: x-api-key, else a Bearer token.
func requestKey(h http.Header) string {
	key := h.Get("x-api-key")
	if a := h.Get("Authorization"); key == "" && len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		key = strings.TrimSpace(a[7:])
	}
	return key
}

// allows reports whether the client may call model (a nil client may call
// anything).
func (c *client) allows(model string) bool {
	if c == nil || c.models == nil {
		return true
	}
	for _, p := range c.models {
		if ok, _ := path.Match(p, model); ok {
			return true
		}
	}
	return false
}

// tighten applies the client's zone and tier to a request's requirements,
// as if sent in X-Nexus-* headers: the strictest wins, so a header can
// tighten them and never loosen them.
func (c *client) tighten(q requirements) requirements {
	if c == nil {
		return q
	}
	q.restricted = q.restricted || c.restricted
	q.minTier = max(q.minTier, c.minTier)
	return q
}

// allowedModels drops the fallback models (after the first) that the
// client may not call, so a fallback cannot escape the client's models.
func (c *client) allowedModels(models []string) []string {
	if c == nil || c.models == nil || len(models) < 2 {
		return models
	}
	kept := slices.DeleteFunc(models[1:], func(m string) bool { return !c.allows(m) }) // in place
	return models[:1+len(kept)]
}

// nameOf is a client's name for logs and spend; "" for no client.
func (c *client) nameOf() string {
	if c == nil {
		return ""
	}
	return c.name
}

type clientCtxKey struct{}

// withClient returns r carrying c for the handlers behind authentication.
func withClient(r *http.Request, c *client) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), clientCtxKey{}, c))
}

// clientFrom is the authenticated client of a request, or nil when client
// auth is off.
func clientFrom(ctx context.Context) *client {
	c, _ := ctx.Value(clientCtxKey{}).(*client)
	return c
}

// errModelNotAllowed is the 403 for a model outside the client's models.
func errModelNotAllowed(c *client, model string) *apiError {
	return &apiError{Status: http.StatusForbidden, Type: "permission_error", Code: "model_not_allowed",
		Param: "model", Message: fmt.Sprintf("client %s may not call model %q", c.name, model)}
}
