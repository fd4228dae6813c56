// translate_google_parts.go: OpenAI message content -> Gemini parts.
//
// Content arrives as a string or an array of typed parts (text, image_url,
// input_audio, file). Gemini wants text parts, inlineData for inline bytes and
// fileData for URLs; this file does that mapping and nothing else.
package main

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// gemContentParts converts string or array content; media only where allowed.
func gemContentParts(field string, raw json.RawMessage, media bool) ([]gemPart, error) {
	if gemIsNull(raw) {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" {
			return nil, nil
		}
		return []gemPart{{Text: s}}, nil
	}
	var items []gemPartIn
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errInvalid(field, "%s must be a string or an array of content parts", field)
	}
	parts := make([]gemPart, 0, len(items))
	for j := range items {
		pf := fmt.Sprintf("%s[%d]", field, j)
		p, ok, err := gemContentPart(pf, &items[j], media)
		if err != nil {
			return nil, err
		}
		if ok {
			parts = append(parts, p)
		}
	}
	return parts, nil
}

// gemContentPart converts one content part; ok is false for an empty text.
func gemContentPart(field string, it *gemPartIn, media bool) (gemPart, bool, error) {
	switch it.Type {
	case "text":
		if it.Text == nil {
			return gemPart{}, false, errInvalid(field+".text", "%s.text is required", field)
		}
		return gemPart{Text: *it.Text}, *it.Text != "", nil
	case "refusal":
		if it.Refusal == nil || *it.Refusal == "" {
			return gemPart{}, false, nil
		}
		return gemPart{Text: *it.Refusal}, true, nil
	case "image_url", "input_audio", "file":
		if !media {
			return gemPart{}, false, errInvalid(field+".type", "%s: %s parts are only supported in user messages", field, it.Type)
		}
		p, err := gemMediaPart(field, it)
		return p, err == nil, err
	default:
		return gemPart{}, false, errInvalid(field+".type", "%s.type %q is not supported by Gemini backends", field, it.Type)
	}
}

// gemMediaPart converts image, audio and file parts to inlineData / fileData.
func gemMediaPart(field string, it *gemPartIn) (gemPart, error) {
	switch it.Type {
	case "image_url":
		var url string
		var obj struct {
			URL string `json:"url"`
		}
		if json.Unmarshal(it.ImageURL, &obj) == nil && obj.URL != "" {
			url = obj.URL
		} else if json.Unmarshal(it.ImageURL, &url) != nil || url == "" {
			return gemPart{}, errInvalid(field+".image_url.url", "%s.image_url.url is required", field)
		}
		return gemURLPart(field+".image_url.url", url)
	case "input_audio":
		if it.InputAudio == nil || it.InputAudio.Data == "" {
			return gemPart{}, errInvalid(field+".input_audio.data", "%s.input_audio.data is required", field)
		}
		mime := "audio/" + strings.ToLower(it.InputAudio.Format)
		if it.InputAudio.Format == "" {
			mime = "audio/wav"
		}
		return gemPart{InlineData: &gemBlob{MimeType: mime, Data: it.InputAudio.Data}}, nil
	default: // file
		if it.File == nil || it.File.FileData == "" {
			return gemPart{}, errInvalid(field+".file.file_data", "%s: only inline file_data is supported by Gemini backends (not file_id)", field)
		}
		if strings.HasPrefix(it.File.FileData, "data:") {
			return gemURLPart(field+".file.file_data", it.File.FileData)
		}
		mime := gemMimeFromName(it.File.Filename, "application/pdf")
		return gemPart{InlineData: &gemBlob{MimeType: mime, Data: it.File.FileData}}, nil
	}
}

// gemURLPart converts a data: URL to inlineData and an http(s) URL to fileData.
func gemURLPart(field, url string) (gemPart, error) {
	if rest, ok := strings.CutPrefix(url, "data:"); ok {
		meta, data, found := strings.Cut(rest, ",")
		mime, isB64 := strings.CutSuffix(meta, ";base64")
		if !found || !isB64 || data == "" {
			return gemPart{}, errInvalid(field, "%s: data URLs must be base64 encoded (data:<mime>;base64,<data>)", field)
		}
		if mime == "" {
			mime = "application/octet-stream"
		}
		return gemPart{InlineData: &gemBlob{MimeType: mime, Data: data}}, nil
	}
	lower := strings.ToLower(url)
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "gs://") {
		return gemPart{FileData: &gemFileData{MimeType: gemMimeFromName(url, "image/jpeg"), FileURI: url}}, nil
	}
	return gemPart{}, errInvalid(field, "%s: only data: and http(s) URLs are supported", field)
}

// gemMimeFromName guesses a MIME type from a URL's or file name's extension.
func gemMimeFromName(name, fallback string) string {
	if i := strings.IndexAny(name, "?#"); i >= 0 {
		name = name[:i]
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".webp":
		return "image/webp"
	case ".gif":
		return "image/gif"
	case ".heic":
		return "image/heic"
	case ".heif":
		return "image/heif"
	case ".pdf":
		return "application/pdf"
	case ".txt":
		return "text/plain"
	case ".wav":
		return "audio/wav"
	case ".mp3":
		return "audio/mp3"
	}
	return fallback
}

// gemPlainText flattens string or text-part-array content into one string.
func gemPlainText(field string, raw json.RawMessage) (string, error) {
	if gemIsNull(raw) {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var items []gemPartIn
	if err := json.Unmarshal(raw, &items); err != nil {
		return "", errInvalid(field, "%s must be a string or an array of text parts", field)
	}
	var sb strings.Builder
	for j := range items {
		if items[j].Type != "text" || items[j].Text == nil {
			return "", errInvalid(fmt.Sprintf("%s[%d].type", field, j), "%s[%d]: only text parts are supported here", field, j)
		}
		sb.WriteString(*items[j].Text)
	}
	return sb.String(), nil
}
