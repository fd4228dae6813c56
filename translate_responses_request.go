// translate_responses_request.go: a Responses request (POST /v1/responses)
// -> hub request, so that any backend can serve Codex CLI, the OpenAI Agents
// SDK and the AI SDK's default OpenAI provider.
//
// Nexus is stateless: previous_response_id, conversation, stored prompts and
// background responses are 400s that say to send the whole conversation in
// input. Choices made where the two formats differ:
//   - instructions, and system/developer messages, become system messages
//     where they stand (the provider translators hoist them as each
//     provider requires).
//   - function_call items (and the client-executed kinds' calls) become
//     assistant tool calls, merged into the assistant turn they follow;
//     their outputs become tool messages, call_id kept. An image in a tool
//     output moves into a user message after it.
//   - reasoning items are dropped (no other backend can use them); so are
//     hosted tools' calls in the history, and compaction items.
//   - max_output_tokens -> max_tokens; text.format -> response_format;
//     reasoning.effort -> reasoning_effort; store, include, metadata,
//     prompt_cache_key, service_tier and truncation are accepted and ignored.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

func init() { clientCodecs[opResponses] = responsesClient{} }

// responsesClient is the Responses format as clients speak it.
type responsesClient struct{}

func (responsesClient) errorBody(e *apiError) []byte  { return openAIErrorBody(e) }
func (responsesClient) errorEvent(e *apiError) []byte { return appendResponsesError(nil, e, -1) }

func (responsesClient) request(body []byte) (*chatRequest, error) {
	var in responsesRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, decodeError(err)
	}
	if err := refuseStateful(&in); err != nil {
		return nil, err
	}
	out := &chatRequest{Model: in.Model, Stream: in.Stream, MaxTokens: in.MaxOutputTokens,
		Temperature: in.Temperature, TopP: in.TopP, ParallelToolCalls: in.ParallelToolCalls, User: in.User}
	if in.Reasoning != nil {
		out.ReasoningEffort = in.Reasoning.Effort
	}
	if t := in.Text; t != nil && t.Format != nil && t.Format.Type != "" && t.Format.Type != "text" {
		f := t.Format
		out.ResponseFormat = &responseFormat{Type: f.Type}
		if f.Type == "json_schema" {
			out.ResponseFormat.JSONSchema = &jsonSchema{Name: f.Name, Description: f.Description, Schema: f.Schema, Strict: f.Strict}
		}
	}
	switch in.Instructions.kind() {
	case 0, 'n':
	case '"':
		if s := in.Instructions.str(); s != "" {
			out.Messages = append(out.Messages, chatMessage{Role: "system", Content: textContent(s)})
		}
	default:
		return nil, errInvalid("instructions", "instructions must be a string")
	}
	var err error
	if out.Messages, err = inputMessages(out.Messages, in.Input); err != nil {
		return nil, err
	}
	var tools toolMap
	out.Tools, tools, out.Dropped = offeredTools(in.Tools)
	if out.ToolChoice, err = responsesToolChoice(in.ToolChoice, tools, out); err != nil {
		return nil, err
	}
	return out, nil
}

// refuseStateful is the 400 for what needs state Nexus does not keep.
func refuseStateful(in *responsesRequest) error {
	const whole = " Nexus does not store responses for this backend: send the whole conversation in input."
	switch {
	case in.PreviousResponseID != "":
		return &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Param: "previous_response_id",
			Code: "previous_response_not_found", Message: "previous_response_id cannot be resolved." + whole}
	case !in.Conversation.absent():
		return errInvalid("conversation", "conversation cannot be resolved."+whole)
	case !in.Prompt.absent():
		return errInvalid("prompt", "stored prompts are not available on this backend; send instructions and input")
	case in.Background != nil && *in.Background:
		return errInvalid("background", "background responses are not available on this backend")
	}
	return nil
}

// inputMessages appends the hub messages for input: a string (one user
// message) or a list of items.
func inputMessages(out []chatMessage, input rawJSON) ([]chatMessage, error) {
	switch input.kind() {
	case '"':
		return append(out, chatMessage{Role: "user", Content: textContent(input.str())}), nil
	case '[':
	case 0, 'n':
		return out, errInvalid("input", "input is required")
	default:
		return out, errInvalid("input", "input must be a string or a list of items")
	}
	var items []responsesItem
	if err := json.Unmarshal(input, &items); err != nil {
		e := decodeError(err)
		e.Param = "input"
		return out, e
	}
	var err error
	for i := range items {
		if out, err = appendItem(out, &items[i], fmt.Sprintf("input[%d]", i)); err != nil {
			return out, err
		}
	}
	return out, nil
}

// appendItem appends the hub messages for one input item.
func appendItem(out []chatMessage, it *responsesItem, param string) ([]chatMessage, error) {
	switch it.Type {
	case "message", "":
		return appendInputMessage(out, it, param)
	case "function_call":
		return appendCall(out, it.CallID, it.Name, it.Arguments), nil
	case "custom_tool_call":
		args, _ := json.Marshal(map[string]string{"input": it.Input})
		return appendCall(out, it.CallID, it.Name, string(args)), nil
	case "local_shell_call":
		return appendCall(out, it.CallID, "local_shell", string(it.Action)), nil
	case "shell_call":
		return appendCall(out, it.CallID, "shell", string(it.Action)), nil
	case "apply_patch_call":
		return appendCall(out, it.CallID, "apply_patch", string(it.Operation)), nil
	case "function_call_output", "custom_tool_call_output", "local_shell_call_output", "shell_call_output", "apply_patch_call_output":
		return appendOutput(out, it, param)
	case "item_reference":
		return out, errInvalid(param, "%s: item references need stored responses, which this backend does not keep; send the item itself", param)
	}
	return out, nil // reasoning, hosted tools' calls, compaction and unknown items carry nothing another backend can use
}

// appendInputMessage converts a message item.
func appendInputMessage(out []chatMessage, it *responsesItem, param string) ([]chatMessage, error) {
	role := it.Role
	switch role {
	case "user", "assistant":
	case "system", "developer":
		role = "system"
	default:
		return out, errInvalid(param+".role", "%s.role must be user, assistant, system or developer", param)
	}
	var content chatContent
	switch it.Content.kind() {
	case '"':
		content = textContent(it.Content.str())
	case '[':
		var parts []responsesPart
		if json.Unmarshal(it.Content, &parts) != nil {
			return out, errInvalid(param+".content", "%s.content must be a string or a list of content parts", param)
		}
		var err error
		if content, err = messageParts(parts, role, param+".content"); err != nil {
			return out, err
		}
	default:
		return out, errInvalid(param+".content", "%s.content must be a string or a list of content parts", param)
	}
	if role == "assistant" {
		if n := len(out); n > 0 && out[n-1].Role == "assistant" && len(out[n-1].ToolCalls) == 0 && out[n-1].Content.Parts == nil {
			out[n-1].Content = textContent(out[n-1].Content.Text + content.Text)
			return out, nil
		}
	}
	return append(out, chatMessage{Role: role, Content: content}), nil
}

// messageParts converts content parts; only user messages take media.
func messageParts(parts []responsesPart, role, param string) (chatContent, error) {
	var out []contentPart
	for j, p := range parts {
		pp := fmt.Sprintf("%s[%d]", param, j)
		switch p.Type {
		case "input_text", "output_text", "text":
			out = append(out, contentPart{Type: "text", Text: p.Text})
		case "refusal":
			out = append(out, contentPart{Type: "text", Text: p.Refusal})
		case "input_image", "input_file":
			if role != "user" {
				return chatContent{}, errInvalid(pp+".type", "%s: %s parts are only supported in user messages", pp, p.Type)
			}
			part, err := mediaOf(p, pp)
			if err != nil {
				return chatContent{}, err
			}
			out = append(out, part)
		default:
			return chatContent{}, errInvalid(pp+".type", "%s: content part type %s is not supported", pp, quote(p.Type))
		}
	}
	return partsContent(out), nil
}

// mediaOf converts an input_image or input_file part.
func mediaOf(p responsesPart, param string) (contentPart, error) {
	if p.Type == "input_image" {
		if p.ImageURL == "" {
			return contentPart{}, errInvalid(param+".image_url", "%s: images are sent by image_url here (file ids need OpenAI's file store)", param)
		}
		return contentPart{Type: "image_url", ImageURL: &imageURL{URL: p.ImageURL, Detail: p.Detail}}, nil
	}
	if p.FileData == "" {
		return contentPart{}, errInvalid(param+".file_data", "%s: files are sent inline as file_data here (file ids and URLs need OpenAI's file store)", param)
	}
	return contentPart{Type: "file", File: &filePart{Filename: p.Filename, FileData: p.FileData}}, nil
}

// appendCall adds a tool call to the assistant turn being built (a new
// one unless the last message is an assistant turn).
func appendCall(out []chatMessage, callID, name, args string) []chatMessage {
	call := toolCall{ID: callID, Type: "function", Function: functionCall{Name: name, Arguments: toolArguments(args)}}
	if n := len(out); n > 0 && out[n-1].Role == "assistant" {
		out[n-1].ToolCalls = append(out[n-1].ToolCalls, call)
		return out
	}
	return append(out, chatMessage{Role: "assistant", Content: chatContent{Null: true}, ToolCalls: []toolCall{call}})
}

// appendOutput converts a tool output item into a tool message (and a user
// message holding any images it returned).
func appendOutput(out []chatMessage, it *responsesItem, param string) ([]chatMessage, error) {
	id := it.CallID
	if id == "" {
		id = it.ID // local_shell_call_output names its call by id
	}
	if id == "" {
		return out, errInvalid(param+".call_id", "%s.call_id is required", param)
	}
	var text strings.Builder
	var moved []contentPart
	switch it.Output.kind() {
	case '"':
		text.WriteString(it.Output.str())
	case '[':
		var parts []responsesPart
		if it.Type == "shell_call_output" || json.Unmarshal(it.Output, &parts) != nil {
			text.Write(it.Output) // shell outputs (stdout, stderr, outcome) stay JSON
			break
		}
		for j, p := range parts {
			if p.Type == "input_text" || p.Type == "output_text" {
				text.WriteString(p.Text)
				continue
			}
			part, err := mediaOf(p, fmt.Sprintf("%s.output[%d]", param, j))
			if err != nil {
				return out, err
			}
			moved = append(moved, part)
		}
	}
	if it.Type == "apply_patch_call_output" && it.Status == "failed" {
		s := text.String()
		text.Reset()
		text.WriteString("Error: " + s)
	}
	out = append(out, chatMessage{Role: "tool", ToolCallID: id, Content: textContent(text.String())})
	if len(moved) > 0 {
		out = append(out, chatMessage{Role: "user", Content: chatContent{Parts: moved}})
	}
	return out, nil
}

// responsesToolChoice maps tool_choice onto the offered tools.
func responsesToolChoice(raw rawJSON, tools toolMap, req *chatRequest) (*toolChoice, error) {
	switch raw.kind() {
	case 0, 'n':
		return nil, nil
	case '"':
		return &toolChoice{Mode: raw.str()}, nil
	}
	var c struct {
		Type  string          `json:"type"`
		Name  string          `json:"name"`
		Mode  string          `json:"mode"`
		Tools []responsesTool `json:"tools"`
	}
	if json.Unmarshal(raw, &c) != nil {
		return nil, errInvalid("tool_choice", "tool_choice must be a string or an object")
	}
	switch c.Type {
	case "function", "custom":
		return &toolChoice{Mode: "function", Name: c.Name}, nil
	case "allowed_tools":
		keep := map[string]bool{}
		for _, t := range c.Tools {
			keep[t.Name] = true
			keep[t.Type] = true
		}
		req.Tools = slices.DeleteFunc(req.Tools, func(t chatTool) bool { return !keep[t.Function.Name] })
		return &toolChoice{Mode: c.Mode}, nil
	}
	if _, ok := tools[c.Type]; ok { // apply_patch, shell
		return &toolChoice{Mode: "function", Name: c.Type}, nil
	}
	return nil, errInvalid("tool_choice", "tool_choice requires the hosted tool %s, which this backend cannot run", quote(c.Type))
}
