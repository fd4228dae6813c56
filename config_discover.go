// config_discover.go: the configuration of local-server discovery (SPEC
// §16): the "discover" and "discover_ports" fields, their rules, and the
// NEXUS_DISCOVER_PORTS variable that overrides them (it is how tests, and
// operators without a config file, choose the ports or turn discovery off).
package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// discoverPortsEnv overrides the discovery ports: a comma-separated list
// turns discovery on with those ports; "off" (or "none") turns it off.
const discoverPortsEnv = "NEXUS_DISCOVER_PORTS"

// discoverPorts is the list of ports to probe, nil when discovery is off.
func (c *Config) discoverPorts() []int {
	switch {
	case !c.Discover:
		return nil
	case c.DiscoverPorts != nil:
		return c.DiscoverPorts
	}
	return defaultDiscoverPorts()
}

// portList decodes an array of whole numbers; an element of the wrong type
// is reported, kept as 0 and marked to skip, so indexes stay the file's.
func (d *configDecoder) portList(path string, v json.RawMessage) ([]int, bool) {
	elems, ok := arrayElems(v)
	if !ok {
		d.fail(path, "must be an array of port numbers, got %s", jsonKind(v))
		return nil, false
	}
	out := make([]int, len(elems))
	for i, e := range elems {
		d.intField(fmt.Sprintf("%s[%d]", path, i), e, &out[i])
	}
	return out, true
}

// discovery checks discover_ports.
func (v *configValidator) discovery(cfg *Config) {
	if cfg.DiscoverPorts == nil {
		return
	}
	v.check(cfg.Discover, "discover_ports", "has no effect without \"discover\": true")
	v.check(len(cfg.DiscoverPorts) > 0, "discover_ports",
		"is empty; leave it out for the well-known ports, or set \"discover\": false")
	seen := map[int]bool{}
	for i, p := range cfg.DiscoverPorts {
		at := fmt.Sprintf("discover_ports[%d]", i)
		v.check(p >= 1 && p <= 65535, at, "%d is not a TCP port (1..65535)", p)
		v.check(!seen[p], at, "port %d is listed twice", p)
		seen[p] = true
	}
}

// applyDiscoverEnv applies NEXUS_DISCOVER_PORTS to cfg; a bad value is an
// error that names the variable.
func applyDiscoverEnv(cfg *Config, getenv func(string) string) error {
	raw := strings.TrimSpace(getenv(discoverPortsEnv))
	switch strings.ToLower(raw) {
	case "":
		return nil
	case "off", "none":
		cfg.Discover, cfg.DiscoverPorts = false, nil
		return nil
	}
	var ports []int
	seen := map[int]bool{}
	for _, f := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ' ' }) {
		p, err := strconv.Atoi(f)
		if err != nil || p < 1 || p > 65535 {
			return fmt.Errorf("%s: %s is not a TCP port (1..65535); give a list such as 11434,1234 or \"off\"",
				discoverPortsEnv, quoteValue(f))
		}
		if !seen[p] {
			seen[p] = true
			ports = append(ports, p)
		}
	}
	cfg.Discover, cfg.DiscoverPorts = true, ports
	return nil
}
