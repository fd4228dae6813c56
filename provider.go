// provider.go: the registry of backend kinds.
//
// Everything core code needs to know about a kind of backend — local or
// cloud, its default URL, its conventional key variable, the variables that
// make zero-config register it, its agent, its wire format, whether it
// counts tokens exactly — is declared once, by the kind, in the files named
// after it (provider_*.go). Config, zero-config, routing and the proxy read
// this registry; none of them names a provider. A new provider is its own
// files plus its prices.
package main

import (
	"context"
	"net/http"
	"slices"
	"strings"
)

// provider is one backend kind, as its provider_*.go file registers it.
type provider struct {
	typ   string // the config "type"
	order int    // listing order (messages, zero-config)
	cloud bool
	// defaultURL is a cloud kind's public endpoint (SPEC §3 URL rules).
	defaultURL string
	// keyEnvExample is the conventional key variable, for messages.
	keyEnvExample string
	// zeroConfigEnv are the variables, in order of preference, whose being
	// set makes zero-config register a backend of this kind.
	zeroConfigEnv []string
	agent         agent
	// codec is the kind's wire format, as the hub's translators see it.
	codec providerCodec
	// canServeResponses: a backend of this kind may serve /v1/responses
	// itself (the "responses" option); nativeResponses: it does by default.
	canServeResponses, nativeResponses bool
	// countTokens, when set, builds the upstream call that answers
	// /v1/messages/count_tokens exactly.
	countTokens func(ctx context.Context, b *backend, in *inbound, model string) (*http.Request, error)
}

// nativeResponses reports whether b gets /v1/responses requests as they are.
func nativeResponses(b *backend) bool {
	if b.cfg.Responses != "" {
		return b.cfg.Responses == "native"
	}
	return b.kind.nativeResponses
}

// providers holds every registered kind by type; filled by init functions.
var providers = map[string]*provider{}

func registerProvider(p *provider) { providers[p.typ] = p }

// providerList is every kind, local ones first, in their declared order.
func providerList() []*provider {
	out := make([]*provider, 0, len(providers))
	for _, p := range providers {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *provider) int {
		if a.cloud != b.cloud {
			if a.cloud {
				return 1
			}
			return -1
		}
		return a.order - b.order
	})
	return out
}

// isLocalType reports whether a backend type is a local inference server.
func isLocalType(t string) bool {
	p, ok := providers[t]
	return ok && !p.cloud
}

// isCloudType reports whether a backend type is a cloud API.
func isCloudType(t string) bool {
	p, ok := providers[t]
	return ok && p.cloud
}

// backendTypes lists the valid types, local first, for messages.
func backendTypes() string {
	var names []string
	for _, p := range providerList() {
		names = append(names, p.typ)
	}
	return strings.Join(names, ", ")
}
