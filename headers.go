// headers.go: the Nexus-Transparent response headers and header hygiene.
//
// Every proxied answer, success or error, says where it went and why
// (SPEC §6). Upstream response headers are copied minus hop-by-hop and
// framing headers; client request headers are never copied upstream (agents
// build fresh header sets), so this file is also where that rule is visible.
package main

import (
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
)

const (
	hdrBackend     = "X-Nexus-Backend"
	hdrBackendType = "X-Nexus-Backend-Type"
	hdrRouteReason = "X-Nexus-Route-Reason"
	hdrZone        = "X-Nexus-Privacy-Zone"
	hdrCostEst     = "X-Nexus-Cost-Estimated"
	hdrCostActual  = "X-Nexus-Cost-Actual"
	hdrFallback    = "X-Nexus-Fallback-Model"
	hdrRequestID   = "X-Request-Id"
	// hdrToolsDropped names the hosted tools a translated Responses request
	// left out (SPEC §13).
	hdrToolsDropped = "X-Nexus-Tools-Dropped"
)

// routeInfo is what the Nexus headers report about one request.
type routeInfo struct {
	backend  *backend // nil when routing failed
	reason   string
	fallback string // the fallback model that served, if any
}

// Header values that never change are shared, read-only slices (net/http
// only reads them), so setting them allocates nothing.
var (
	hdrValNone    = []string{"none"}
	hdrValReasons = map[string][]string{}
)

func init() {
	for _, r := range []string{reasonCapability, reasonOverflow, reasonPrivacy, reasonFailover, reasonBudget, reasonNone} {
		hdrValReasons[r] = []string{r}
	}
}

// setNexusHeaders writes the routing headers onto h.
func setNexusHeaders(h http.Header, ri routeInfo, requestID string) {
	h[hdrRequestID] = []string{requestID}
	if ri.backend == nil {
		h[hdrBackend] = hdrValNone
		h[hdrBackendType] = hdrValNone
		h[hdrRouteReason] = hdrValNone
		return
	}
	b := ri.backend
	h[hdrBackend] = b.hdrName
	h[hdrBackendType] = b.hdrKind
	h[hdrRouteReason] = hdrValReasons[ri.reason]
	h[hdrZone] = b.hdrZone
	if ri.fallback != "" {
		h[hdrFallback] = []string{ri.fallback}
	}
}

// requestIDFrom accepts a sane client X-Request-Id or makes a new one.
func requestIDFrom(h http.Header) string {
	if v := h.Get(hdrRequestID); v != "" && len(v) <= 128 && printableASCII(v) {
		return v
	}
	var b [16]byte
	n1, n2 := rand.Uint64(), rand.Uint64()
	for i := 0; i < 8; i++ {
		b[i], b[8+i] = byte(n1>>(8*i)), byte(n2>>(8*i))
	}
	return hex.EncodeToString(b[:])
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// hopHeaders are never copied from an upstream answer to the client: the
// hop-by-hop set of RFC 9110 §7.6.1, framing that Go recomputes, and cookies.
var hopHeaders = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Content-Length": true, "Content-Encoding": true, "Set-Cookie": true,
}

// copyResponseHeaders copies an upstream answer's end-to-end headers.
func copyResponseHeaders(dst, src http.Header) {
	var named []string
	for _, v := range src["Connection"] {
		for _, f := range strings.Split(v, ",") {
			named = append(named, http.CanonicalHeaderKey(strings.TrimSpace(f)))
		}
	}
	for k, vv := range src {
		if hopHeaders[k] || strings.HasPrefix(k, "X-Nexus-") || slices.Contains(named, k) {
			continue
		}
		dst[k] = vv
	}
}

// copyHeader adds every value of src to dst.
func copyHeader(dst, src http.Header) {
	for k, vv := range src {
		dst[k] = append(dst[k], vv...)
	}
}
