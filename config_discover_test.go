// config_discover_test.go: the discovery settings — "discover",
// "discover_ports", NEXUS_DISCOVER_PORTS, NEXUS_HEALTH_INTERVAL — and the
// zero-config default that turns discovery on.
package main

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseConfigDiscoveryRules(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"discover alone, no backends", `{"discover":true}`, nil},
		{"discover with ports", `{"discover":true,"discover_ports":[1234,11434]}`, nil},
		{"discover false and no backends", `{"discover":false}`, []string{`backends: at least one backend is required`}},
		{"discover not a boolean", withTop(`"discover":"yes"`), []string{`discover: must be true or false, got string`}},
		{"ports without discover", withTop(`"discover_ports":[1234]`),
			[]string{`discover_ports: has no effect without "discover": true`}},
		{"ports empty", withTop(`"discover":true,"discover_ports":[]`),
			[]string{`discover_ports: is empty; leave it out for the well-known ports, or set "discover": false`}},
		{"ports not a list", withTop(`"discover":true,"discover_ports":1234`),
			[]string{`discover_ports: must be an array of port numbers, got number`}},
		{"bad ports", withTop(`"discover":true,"discover_ports":[0,70000,"8080",1234,1234,1.5]`),
			[]string{`discover_ports[0]: 0 is not a TCP port (1..65535)`,
				`discover_ports[1]: 70000 is not a TCP port (1..65535)`,
				`discover_ports[2]: must be a whole number, got string`,
				`discover_ports[4]: port 1234 is listed twice`,
				`discover_ports[5]: 1.5 is not a whole number`}},
		{"unknown near miss", withTop(`"discovery":true`), []string{`unknown field "discovery" (did you mean "discover"?)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertProblems(t, tt.input, tt.want) })
	}
}

func TestDiscoverPortsResolution(t *testing.T) {
	well := []int{11434, 1234, 8080, 8000, 52415, 1337, 5001}
	tests := []struct {
		name    string
		cfg     Config
		env     map[string]string
		want    []int
		wantErr string
	}{
		{"off by default", Config{}, nil, nil, ""},
		{"on: the well-known ports", Config{Discover: true}, nil, well, ""},
		{"on with a list", Config{Discover: true, DiscoverPorts: []int{9000}}, nil, []int{9000}, ""},
		{"env replaces the list", Config{Discover: true, DiscoverPorts: []int{9000}},
			map[string]string{"NEXUS_DISCOVER_PORTS": " 41000, 41001 41000"}, []int{41000, 41001}, ""},
		{"env list turns discovery on", Config{}, map[string]string{"NEXUS_DISCOVER_PORTS": "41000"}, []int{41000}, ""},
		{"env off", Config{Discover: true}, map[string]string{"NEXUS_DISCOVER_PORTS": "off"}, nil, ""},
		{"env none", Config{Discover: true}, map[string]string{"NEXUS_DISCOVER_PORTS": "None"}, nil, ""},
		{"env bad port", Config{Discover: true}, map[string]string{"NEXUS_DISCOVER_PORTS": "1234,http"},
			well, `NEXUS_DISCOVER_PORTS: "http" is not a TCP port (1..65535); give a list such as 11434,1234 or "off"`},
		{"env port out of range", Config{Discover: true}, map[string]string{"NEXUS_DISCOVER_PORTS": "65536"},
			well, `NEXUS_DISCOVER_PORTS: "65536" is not a TCP port (1..65535); give a list such as 11434,1234 or "off"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			err := applyEnv(&cfg, envOf(tt.env))
			if got := errText(err); got != tt.wantErr {
				t.Fatalf("error %q, want %q", got, tt.wantErr)
			}
			if got := cfg.discoverPorts(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ports %v, want %v", got, tt.want)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestHealthIntervalFromEnv(t *testing.T) {
	cfg := newDefaultConfig()
	if err := applyEnv(cfg, envOf(map[string]string{"NEXUS_HEALTH_INTERVAL": "750ms"})); err != nil ||
		cfg.HealthCheck.Interval != 750*time.Millisecond {
		t.Fatalf("interval %v, err %v", cfg.HealthCheck.Interval, err)
	}
	for _, bad := range []string{"soon", "0s", "-1s"} {
		err := applyEnv(newDefaultConfig(), envOf(map[string]string{"NEXUS_HEALTH_INTERVAL": bad}))
		if want := `NEXUS_HEALTH_INTERVAL: "` + bad + `" is not a positive duration such as "30s"`; errText(err) != want {
			t.Errorf("%q: error %q, want %q", bad, errText(err), want)
		}
	}
}

func TestZeroConfigDiscovers(t *testing.T) {
	cfg, _ := defaultConfig(envOf(nil))
	if !cfg.Discover || cfg.DiscoverPorts != nil {
		t.Fatalf("zero-config discovery: %v %v", cfg.Discover, cfg.DiscoverPorts)
	}
	cfg, _ = defaultConfig(envOf(nil))
	applyEnv(cfg, envOf(map[string]string{"NEXUS_DISCOVER_PORTS": "off"}))
	if cfg.discoverPorts() != nil {
		t.Fatal("NEXUS_DISCOVER_PORTS=off left discovery on")
	}
}

func TestRunCheckReportsBadEnvironment(t *testing.T) {
	t.Chdir(t.TempDir())
	var out bytes.Buffer
	code := runCheck(nil, envOf(map[string]string{"NEXUS_DISCOVER_PORTS": "lmstudio"}), &out)
	want := "zero-config default: 1 problem\n" +
		`  NEXUS_DISCOVER_PORTS: "lmstudio" is not a TCP port (1..65535); give a list such as 11434,1234 or "off"` + "\n"
	if code != 1 || !strings.HasSuffix(out.String(), want) {
		t.Errorf("code %d, output:\n%s\nwant suffix:\n%s", code, out.String(), want)
	}
}
