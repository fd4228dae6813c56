// budget_browser_test.go: the operator console in headless Chromium with
// configured client keys and budgets — the page takes a "clients" key and
// shows the budget gauges and the requesting client without a JavaScript
// error. (Skipped without Chromium unless NEXUS_BROWSER_REQUIRED is set.)
package main

import (
	"strings"
	"testing"
)

func TestConsoleBudgetsInBrowser(t *testing.T) {
	b := newBrowser(t, 1280, 900)
	f := newFleet(t)
	f.cfg.Budget.MonthlyUSD = usd(10)
	f.cfg.Clients = []ClientConfig{clientEntry("ci-bot", keyCIBot, func(c *ClientConfig) { c.MonthlyUSD = usd(2) })}
	n := startNexus(t, f.cfg, f.env)
	readAll(t, n.post(t, "/v1/chat/completions", chatFor("gpt-4o"), bearer(keyCIBot)...))
	b.log.reset(nil)
	b.open(t, n.URL+"/")
	b.waitFor(t, "the key form", `!document.getElementById('auth').hidden`, nil)
	b.cdp.eval(ctxTimeout(t), `document.getElementById('auth-key').value = `+jsString(keyCIBot)+
		`; document.getElementById('auth-form').requestSubmit(); true`, nil)
	var gauges []string
	b.waitFor(t, "two budget gauges", `document.querySelectorAll('#budgets .budget h3').length === 2 &&
		[...document.querySelectorAll('#budgets .budget h3')].map((h) => h.textContent)`, &gauges)
	if !strings.HasPrefix(gauges[0], "Global budget: $0.2") || !strings.HasPrefix(gauges[1], "Client ci-bot budget: $0.2") {
		t.Errorf("gauges %q", gauges)
	}
	var client string
	b.waitFor(t, "the request's client", `[...document.querySelectorAll('#recent-body td')].map((td) => td.textContent).find((s) => s === 'ci-bot')`, &client)
	b.log.check(t)
}
