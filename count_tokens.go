// count_tokens.go: POST /v1/messages/count_tokens for Anthropic clients.
package main

import "net/http"

func (s *server) handleCountTokens(w http.ResponseWriter, r *http.Request) {}
