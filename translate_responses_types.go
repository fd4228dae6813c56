// translate_responses_types.go: the OpenAI Responses wire format (POST
// /v1/responses), as far as Nexus reads and writes it, and the tools that
// clients run themselves.
//
// A Responses client offers tools of several kinds. Function tools map onto
// the hub's function tools as they are; the client-executed kinds — custom
// (free-form input, as Codex's apply_patch), local_shell, shell and
// apply_patch — become function tools with a parameter schema of their own,
// and their calls go back to the client as the item type it offered. Tools
// inside a namespace are offered as ordinary tools and their calls carry the
// namespace back. Hosted tools (web search and the like) cannot run on
// another backend: they are left out and named in X-Nexus-Tools-Dropped.
package main

import (
	"encoding/json"
	"slices"
)

// responsesRequest is a Responses request as the translator reads it.
type responsesRequest struct {
	Model              string           `json:"model"`
	Instructions       rawJSON          `json:"instructions"`
	Input              rawJSON          `json:"input"`
	Tools              []responsesTool  `json:"tools"`
	ToolChoice         rawJSON          `json:"tool_choice"`
	ParallelToolCalls  *bool            `json:"parallel_tool_calls"`
	MaxOutputTokens    *int             `json:"max_output_tokens"`
	Temperature        *float64         `json:"temperature"`
	TopP               *float64         `json:"top_p"`
	Text               *responsesText   `json:"text"`
	Reasoning          *responsesReason `json:"reasoning"`
	Stream             bool             `json:"stream"`
	User               string           `json:"user"`
	Metadata           rawJSON          `json:"metadata"`
	PreviousResponseID string           `json:"previous_response_id"`
	Conversation       rawJSON          `json:"conversation"`
	Prompt             rawJSON          `json:"prompt"`
	Background         *bool            `json:"background"`
}

type responsesText struct {
	Format *struct {
		Type        string  `json:"type"`
		Name        string  `json:"name"`
		Description string  `json:"description"`
		Schema      rawJSON `json:"schema"`
		Strict      *bool   `json:"strict"`
	} `json:"format"`
}

type responsesReason struct {
	Effort string `json:"effort"`
}

// responsesItem is any input item; each type uses its own fields.
type responsesItem struct {
	Type      string  `json:"type"`
	Role      string  `json:"role"`
	Content   rawJSON `json:"content"`
	ID        string  `json:"id"`
	CallID    string  `json:"call_id"`
	Name      string  `json:"name"`
	Namespace string  `json:"namespace"`
	Arguments string  `json:"arguments"`
	Input     string  `json:"input"`
	Output    rawJSON `json:"output"`
	Action    rawJSON `json:"action"`
	Operation rawJSON `json:"operation"`
	Status    string  `json:"status"`
}

// responsesPart is one content part of an input or output message.
type responsesPart struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Refusal  string `json:"refusal"`
	ImageURL string `json:"image_url"`
	FileID   string `json:"file_id"`
	FileData string `json:"file_data"`
	FileURL  string `json:"file_url"`
	Filename string `json:"filename"`
	Detail   string `json:"detail"`
}

// responsesTool is one entry of tools (a namespace holds more).
type responsesTool struct {
	Type        string            `json:"type"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Parameters  rawJSON           `json:"parameters"`
	Strict      *bool             `json:"strict"`
	Format      *responsesGrammar `json:"format"`
	Tools       []responsesTool   `json:"tools"`
}

type responsesGrammar struct {
	Type       string `json:"type"`
	Syntax     string `json:"syntax"`
	Definition string `json:"definition"`
}

// toolKind is how a client runs a tool, and so which item its calls are.
type toolKind uint8

const (
	kindFunction toolKind = iota
	kindCustom
	kindLocalShell
	kindShell
	kindApplyPatch
)

// callItemTypes are the output item types of each kind's calls.
var callItemTypes = [...]string{"function_call", "custom_tool_call", "local_shell_call", "shell_call", "apply_patch_call"}

// hostedTools cannot run anywhere but on OpenAI: a translated request leaves
// them out.
var hostedTools = []string{"web_search", "web_search_preview", "web_search_preview_2025_03_11", "web_search_2025_08_26",
	"file_search", "code_interpreter", "computer_use_preview", "computer", "computer_use", "image_generation", "mcp",
	"tool_search"}

// clientTool is how one offered tool is presented to the backend and read
// back: its kind and, for a namespaced tool, its namespace.
type clientTool struct {
	kind      toolKind
	namespace string
}

// toolMap is the offered tools by the name the backend sees.
type toolMap map[string]clientTool

// Parameter schemas of the client-executed kinds, as function tools.
const (
	customParams     = `{"type":"object","properties":{"input":{"type":"string","description":"The tool's input, as free-form text."}},"required":["input"],"additionalProperties":false}`
	localShellParams = `{"type":"object","properties":{"command":{"type":"array","items":{"type":"string"},"description":"The command and its arguments (argv)."},"timeout_ms":{"type":"integer"},"working_directory":{"type":"string"},"env":{"type":"object","additionalProperties":{"type":"string"}}},"required":["command"]}`
	shellParams      = `{"type":"object","properties":{"commands":{"type":"array","items":{"type":"string"},"description":"Shell command lines to run, in order."},"timeout_ms":{"type":"integer"},"max_output_length":{"type":"integer"}},"required":["commands"]}`
	applyPatchParams = `{"type":"object","properties":{"type":{"type":"string","enum":["create_file","update_file","delete_file"]},"path":{"type":"string"},"diff":{"type":"string","description":"The change, as a V4A diff (not for delete_file)."}},"required":["type","path"]}`
)

// builtinTools are the client-executed kinds that are not named by the
// client: name, kind, description and parameters.
var builtinTools = map[string]struct {
	kind        toolKind
	description string
	params      string
}{
	"local_shell": {kindLocalShell, "Run a command on the user's machine and return its output.", localShellParams},
	"shell":       {kindShell, "Run shell commands on the user's machine and return their output.", shellParams},
	"apply_patch": {kindApplyPatch, "Create, update or delete a file in the user's workspace.", applyPatchParams},
}

// offeredTools turns the client's tools into hub function tools, the map
// to read their calls back, and the hosted tools left out.
func offeredTools(tools []responsesTool) ([]chatTool, toolMap, []string) {
	var out []chatTool
	m := toolMap{}
	var dropped []string
	var add func(t responsesTool, namespace string)
	add = func(t responsesTool, namespace string) {
		fn := &functionDef{Name: t.Name, Description: t.Description, Parameters: t.Parameters, Strict: t.Strict}
		kind := kindFunction
		switch t.Type {
		case "function":
		case "custom":
			kind, fn.Parameters, fn.Strict = kindCustom, rawJSON(customParams), nil
			if g := t.Format; g != nil && g.Type == "grammar" && g.Definition != "" {
				fn.Description += "\n\nThe input must follow this " + g.Syntax + " grammar:\n" + g.Definition
			}
		case "namespace":
			for _, inner := range t.Tools {
				add(inner, t.Name)
			}
			return
		default:
			b, ok := builtinTools[t.Type]
			if !ok {
				if !slices.Contains(dropped, t.Type) {
					dropped = append(dropped, t.Type)
				}
				return
			}
			kind, fn.Name, fn.Description, fn.Parameters = b.kind, t.Type, b.description, rawJSON(b.params)
		}
		if _, taken := m[fn.Name]; taken || fn.Name == "" {
			return // a name offered twice is offered once
		}
		m[fn.Name] = clientTool{kind: kind, namespace: namespace}
		out = append(out, chatTool{Type: "function", Function: fn})
	}
	for _, t := range tools {
		add(t, "")
	}
	return out, m, dropped
}

// responsesUsage is the usage object of a Response.
type responsesUsage struct {
	InputTokens        int `json:"input_tokens"`
	InputTokensDetails struct {
		CachedTokens     int `json:"cached_tokens"`
		CacheWriteTokens int `json:"cache_write_tokens"`
	} `json:"input_tokens_details"`
	OutputTokens        int `json:"output_tokens"`
	OutputTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
	TotalTokens int `json:"total_tokens"`
}

func responsesUsageOf(u usage) responsesUsage {
	var r responsesUsage
	r.InputTokens, r.OutputTokens, r.TotalTokens = u.InputTokens, u.OutputTokens, u.InputTokens+u.OutputTokens
	r.InputTokensDetails.CachedTokens, r.InputTokensDetails.CacheWriteTokens = u.CacheReadTokens, u.CacheWriteTokens
	r.OutputTokensDetails.ReasoningTokens = u.ReasoningTokens
	return r
}

func (r *responsesUsage) toUsage() usage {
	return usage{InputTokens: r.InputTokens, CacheReadTokens: r.InputTokensDetails.CachedTokens,
		CacheWriteTokens: r.InputTokensDetails.CacheWriteTokens, OutputTokens: r.OutputTokens,
		ReasoningTokens: r.OutputTokensDetails.ReasoningTokens, HasInput: true, HasOutput: true}
}

// responsesUsageFromBody reads the usage of a Response body (the answer of
// an OpenAI backend, passed through).
func responsesUsageFromBody(body []byte) (usage, bool) {
	var v struct {
		Usage *responsesUsage `json:"usage"`
	}
	if json.Unmarshal(body, &v) != nil || v.Usage == nil {
		return usage{}, false
	}
	return v.Usage.toUsage(), true
}
