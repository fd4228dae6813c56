// metrics_gateway_test.go: /metrics as an operator scrapes it from a running
// gateway — request, token, failover and backend gauges reflect real traffic.
package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestMetricsEndpointReflectsTraffic(t *testing.T) {
	bad := newMock(t, []string{"m1"}, answerJSON(500, `{"error":{"message":"down"}}`))
	good := newMock(t, []string{"m1"}, answerJSON(200, chatJSON))
	first := localBE("first", bad.URL)
	first.Priority = 1
	n := startNexus(t, testConfig(first, localBE("second", good.URL)), map[string]string{"NEXUS_API_KEYS": "k"})
	for i := 0; i < 2; i++ {
		readAll(t, n.post(t, "/v1/chat/completions", chatReq, "Authorization", "Bearer k"))
	}
	resp, err := http.Get(n.URL + "/metrics") // no key needed
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(b)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		`nexus_requests_total{backend="second",backend_type="local",model="m1",status="200",route_reason="failover",stream="false"} 2`,
		`nexus_failovers_total{backend="first"} 2`,
		`nexus_prompt_tokens_total{backend="second",model="m1"} 24`,
		`nexus_completion_tokens_total{backend="second",model="m1"} 6`,
		`nexus_backend_healthy{backend="first",type="generic"} 1`,
		`nexus_backend_models{backend="second"} 1`,
		`nexus_request_duration_seconds_count{backend="second",model="m1",stream="false"} 2`,
		"# TYPE nexus_time_to_first_byte_seconds histogram",
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("missing %q", want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}
