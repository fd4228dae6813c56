// console.go: the operator console's HTTP side (SPEC §14) — GET / serves one
// page embedded in the binary, /console/* its script, style sheet and icon,
// and GET /nexus/status the data the page polls (console_status.go).
//
// The page is static: every id, model and backend name reaches it as JSON
// and is set as text, never as HTML. The Content-Security-Policy allows only
// this origin's own files (no inline script or style, no eval), so even a
// bug in the page cannot run injected script. The page and its assets stay
// open with client auth on; /nexus/status needs a client key
// (server.authenticate).
package main

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"time"
)

//go:embed console
var consoleFiles embed.FS

// consoleCSP is the page's policy: its own files only, no inline code.
const consoleCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// consoleAsset is one embedded file, ready to serve.
type consoleAsset struct {
	body        []byte
	contentType string
	etag        string
}

// consoleAssets maps a URL path to its file; built once from the embed.
var consoleAssets = loadConsoleAssets()

func loadConsoleAssets() map[string]consoleAsset {
	types := map[string]string{".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
		".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
	out := map[string]consoleAsset{}
	err := fs.WalkDir(consoleFiles, "console", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := consoleFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		url := "/" + p
		if p == "console/index.html" {
			url = "/"
		}
		out[url] = consoleAsset{body: body, contentType: types[path.Ext(p)],
			etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		panic("console: embedded files unreadable: " + err.Error()) // a build defect
	}
	return out
}

// handleConsoleFile serves the page or one of its assets.
func (s *server) handleConsoleFile(w http.ResponseWriter, r *http.Request) {
	a, ok := consoleAssets[r.URL.Path]
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache") // revalidate: a new binary brings a new page
	h.Set("ETag", a.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// handleConsoleStatus is GET /nexus/status[?since=SEQ].
func (s *server) handleConsoleStatus(w http.ResponseWriter, r *http.Request) {
	var since uint64
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeAPIError(w, r, errInvalid("since", "since must be a request sequence number (a non-negative integer)"))
			return
		}
		since = n
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	writeJSON(w, http.StatusOK, s.consoleSnapshot(time.Now(), since))
}
