// inbound_test.go: the request reader agrees with encoding/json on what it
// reads, rejects what encoding/json rejects, and rewriteModel touches only
// the model value.
package main

import (
	"encoding/json"
	"testing"
)

func TestParseInbound(t *testing.T) {
	cases := []struct {
		body, model   string
		stream, usage bool
		wantErr       string // param of the expected 400
	}{
		{`{"model":"m","messages":[]}`, "m", false, false, ""},
		{` {"messages":[{"role":"user","content":"x"}],"stream":true,"model":"a\u00e9\"b","stream_options":{"include_usage":true}} `, "a\u00e9\"b", true, true, ""},
		{`{"model":"m","model":"n","messages":[]}`, "n", false, false, ""},
		{`{"model":"m","messages":[],"stream":null,"stream_options":null}`, "m", false, false, ""},
		{`{"model":"m","messages":{}}`, "", false, false, "messages"},
		{`{"messages":[]}`, "", false, false, "model"},
		{`{"model":"","messages":[]}`, "", false, false, "model"},
		{`{"model":7,"messages":[]}`, "", false, false, "model"},
		{`{"model":"m","messages":[],"stream":"yes"}`, "", false, false, "stream"},
		{`{"model":"m","messages":[]`, "", false, false, "-"},
		{`{"model":"m","messages":[]} x`, "", false, false, "-"},
		{`[1]`, "", false, false, "-"},
		{``, "", false, false, "-"},
		{`{"model":"m","messages":[1,]}`, "", false, false, "-"},
	}
	for _, c := range cases {
		in, err := parseInbound(opChat, []byte(c.body), nil)
		if c.wantErr != "" {
			ae, ok := err.(*apiError)
			if !ok || ae.Status != 400 || (c.wantErr != "-" && ae.Param != c.wantErr) {
				t.Errorf("%s: got %v, want 400 on %s", c.body, err, c.wantErr)
			}
			continue
		}
		if err != nil || in.model != c.model || in.stream != c.stream || in.includeUsage != c.usage {
			t.Errorf("%s: got %+v %v", c.body, in, err)
		}
	}
}

func TestRewriteModel(t *testing.T) {
	body := `{"a":{"model":"inner"}, "model" : "x" ,"b":[1,2]}`
	out, err := rewriteModel([]byte(body), "x", "y/z:1")
	if err != nil || string(out) != `{"a":{"model":"inner"}, "model" : "y/z:1" ,"b":[1,2]}` {
		t.Fatalf("%s %v", out, err)
	}
}

// FuzzParseInbound: never panics, and agrees with encoding/json on validity
// and on the model it reads.
func FuzzParseInbound(f *testing.F) {
	for _, s := range []string{`{"model":"m","messages":[]}`, `{"model":"\u00e9","stream":true,"messages":[]}`,
		`{"model":"m","messages":[],"x":{"y":[1,2.5e3,null,true]}}`, `{`, `{"model":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := parseInbound(opChat, body, nil)
		valid := json.Valid(body)
		if err == nil && !valid {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		if err != nil {
			return
		}
		var v struct {
			Model string `json:"model"`
		}
		json.Unmarshal(body, &v)
		if v.Model != in.model {
			t.Fatalf("model %q, encoding/json says %q", in.model, v.Model)
		}
	})
}
