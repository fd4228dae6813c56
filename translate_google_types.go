// translate_google_types.go: the Gemini wire shapes used by the Gemini translator.
//
// One set of structs serves both directions: requests are encoded from them
// and responses decoded into them (unknown fields are ignored on decode).
package main

// Gemini request shapes (also used to decode responses where they match).
type gemRequestOut struct {
	Contents          []gemContent   `json:"contents"`
	SystemInstruction *gemContent    `json:"systemInstruction,omitempty"`
	Tools             []gemToolOut   `json:"tools,omitempty"`
	ToolConfig        *gemToolConfig `json:"toolConfig,omitempty"`
	GenerationConfig  *gemGenConfig  `json:"generationConfig,omitempty"`
}

type gemContent struct {
	Role  string    `json:"role,omitempty"`
	Parts []gemPart `json:"parts"`
}

type gemPart struct {
	Text             string           `json:"text,omitempty"`
	Thought          bool             `json:"thought,omitempty"`
	InlineData       *gemBlob         `json:"inlineData,omitempty"`
	FileData         *gemFileData     `json:"fileData,omitempty"`
	FunctionCall     *gemFunctionCall `json:"functionCall,omitempty"`
	FunctionResponse *gemFunctionResp `json:"functionResponse,omitempty"`
	ThoughtSignature string           `json:"thoughtSignature,omitempty"`
}

type gemBlob struct {
	MimeType string `json:"mimeType"`
	Data     string `json:"data"`
}

type gemFileData struct {
	MimeType string `json:"mimeType"`
	FileURI  string `json:"fileUri"`
}

type gemFunctionCall struct {
	Name string  `json:"name"`
	Args rawJSON `json:"args,omitempty"`
}

type gemFunctionResp struct {
	Name     string  `json:"name"`
	Response rawJSON `json:"response"`
}

type gemToolOut struct {
	FunctionDeclarations []gemFunctionDecl `json:"functionDeclarations"`
}

type gemFunctionDecl struct {
	Name                 string  `json:"name"`
	Description          string  `json:"description,omitempty"`
	ParametersJSONSchema rawJSON `json:"parametersJsonSchema,omitempty"`
}

type gemToolConfig struct {
	FunctionCallingConfig gemFunctionCallingConfig `json:"functionCallingConfig"`
}

type gemFunctionCallingConfig struct {
	Mode                 string   `json:"mode"`
	AllowedFunctionNames []string `json:"allowedFunctionNames,omitempty"`
}

type gemGenConfig struct {
	StopSequences      []string     `json:"stopSequences,omitempty"`
	ResponseMimeType   string       `json:"responseMimeType,omitempty"`
	ResponseJSONSchema rawJSON      `json:"responseJsonSchema,omitempty"`
	CandidateCount     *int         `json:"candidateCount,omitempty"`
	MaxOutputTokens    *int         `json:"maxOutputTokens,omitempty"`
	Temperature        *float64     `json:"temperature,omitempty"`
	TopP               *float64     `json:"topP,omitempty"`
	Seed               *int64       `json:"seed,omitempty"`
	PresencePenalty    *float64     `json:"presencePenalty,omitempty"`
	FrequencyPenalty   *float64     `json:"frequencyPenalty,omitempty"`
	ThinkingConfig     *gemThinking `json:"thinkingConfig,omitempty"`
}

type gemThinking struct {
	ThinkingBudget  *int64 `json:"thinkingBudget,omitempty"`
	IncludeThoughts bool   `json:"includeThoughts,omitempty"`
}

// gemResponse is one GenerateContentResponse (a whole answer, or one stream chunk).
type gemResponse struct {
	Candidates     []gemCandidate     `json:"candidates"`
	PromptFeedback *gemPromptFeedback `json:"promptFeedback"`
	UsageMetadata  *gemUsageMeta      `json:"usageMetadata"`
	ModelVersion   string             `json:"modelVersion"`
	ResponseID     string             `json:"responseId"`
	Error          *gemErrorBody      `json:"error"`
}

type gemCandidate struct {
	Content      *gemContent `json:"content"`
	FinishReason string      `json:"finishReason"`
	Index        *int        `json:"index"`
}

type gemPromptFeedback struct {
	BlockReason string `json:"blockReason"`
}

type gemUsageMeta struct {
	PromptTokenCount        int `json:"promptTokenCount"`
	CandidatesTokenCount    int `json:"candidatesTokenCount"`
	CachedContentTokenCount int `json:"cachedContentTokenCount"`
	ThoughtsTokenCount      int `json:"thoughtsTokenCount"`
}

// gemErrorBody is Google's error object: {"error":{"code","message","status"}}.
type gemErrorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
}
