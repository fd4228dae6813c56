// translate_google_parts.go: hub message content -> Gemini parts.
//
// Content arrives as a string or an array of typed parts (text, image_url,
// input_audio, file). Gemini wants text parts, inlineData for inline bytes
// and fileData for URLs; this file does that mapping and nothing else.
package main

import (
	"fmt"
	"path"
	"strings"
)

// gemContentParts converts string or array content; media only where allowed.
func gemContentParts(field string, c *chatContent, media bool) ([]gemPart, error) {
	if c.Parts == nil {
		if c.Text == "" {
			return nil, nil
		}
		return []gemPart{{Text: c.Text}}, nil
	}
	parts := make([]gemPart, 0, len(c.Parts))
	for j := range c.Parts {
		pf := fmt.Sprintf("%s[%d]", field, j)
		p, ok, err := gemContentPart(pf, &c.Parts[j], media)
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
func gemContentPart(field string, it *contentPart, media bool) (gemPart, bool, error) {
	switch it.Type {
	case "text":
		return gemPart{Text: it.Text}, it.Text != "", nil
	case "refusal":
		return gemPart{Text: it.Refusal}, it.Refusal != "", nil
	case "image_url", "input_audio", "file":
		if !media {
			return gemPart{}, false, errInvalid(field+".type", "%s: %s parts are only supported in user messages", field, it.Type)
		}
		p, err := gemMediaPart(field, it)
		return p, err == nil, err
	}
	return gemPart{}, false, errInvalid(field+".type", "%s.type %s is not supported by Gemini backends", field, quote(it.Type))
}

// gemMediaPart converts image, audio and file parts to inlineData / fileData.
func gemMediaPart(field string, it *contentPart) (gemPart, error) {
	switch it.Type {
	case "image_url":
		if it.ImageURL == nil || it.ImageURL.URL == "" {
			return gemPart{}, errInvalid(field+".image_url.url", "%s.image_url.url is required", field)
		}
		return gemURLPart(field+".image_url.url", it.ImageURL.URL)
	case "input_audio":
		if it.InputAudio == nil || it.InputAudio.Data == "" {
			return gemPart{}, errInvalid(field+".input_audio.data", "%s.input_audio.data is required", field)
		}
		mime := "audio/" + strings.ToLower(it.InputAudio.Format)
		if it.InputAudio.Format == "" {
			mime = "audio/wav"
		}
		return gemPart{InlineData: &gemBlob{MimeType: mime, Data: it.InputAudio.Data}}, nil
	}
	if it.File == nil || it.File.FileData == "" {
		return gemPart{}, errInvalid(field+".file.file_data", "%s: only inline file_data is supported by Gemini backends (not file_id)", field)
	}
	if strings.HasPrefix(it.File.FileData, "data:") {
		return gemURLPart(field+".file.file_data", it.File.FileData)
	}
	return gemPart{InlineData: &gemBlob{MimeType: gemMimeFromName(it.File.Filename, "application/pdf"),
		Data: it.File.FileData}}, nil
}

// gemURLPart converts a data: URL to inlineData and an http(s) URL to fileData.
func gemURLPart(field, url string) (gemPart, error) {
	if strings.HasPrefix(url, "data:") {
		mime, data, ok := parseDataURL(url)
		if !ok {
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
