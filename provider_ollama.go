// provider_ollama.go: Ollama, a local OpenAI-compatible server that lists
// its models its own way.
//
// Requests and answers are those of every OpenAI-compatible server
// (provider_openai.go); only discovery differs: Ollama's own GET /api/tags
// lists every pulled model, where /v1/models may not.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

func init() {
	registerProvider(&provider{typ: "ollama", order: 1, agent: ollamaAgent{}, codec: openAICodec{}, canServeResponses: true})
}

// ollamaAgent is the OpenAI-compatible agent with Ollama's discovery.
type ollamaAgent struct{ openAIAgent }

func (ollamaAgent) discover(ctx context.Context, c *http.Client, b *backend) ([]string, []string, error) {
	body, err := getJSON(ctx, c, b.cfg.URL+"/api/tags", openAIAuth(b))
	if err != nil {
		return nil, nil, err
	}
	var v struct {
		Models []struct {
			Name  string `json:"name"`
			Model string `json:"model"`
		} `json:"models"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, nil, fmt.Errorf("unreadable /api/tags: %w", err)
	}
	ids := make([]string, 0, len(v.Models))
	for _, m := range v.Models {
		id := m.Name
		if id == "" {
			id = m.Model
		}
		ids = append(ids, id)
	}
	return ids, nil, nil
}
