package telegramtest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
)

// parseParams reads a call's parameters the four ways the Bot API takes them
// (https://core.telegram.org/bots/api#making-requests): the URL query, and an
// application/json, application/x-www-form-urlencoded or multipart/form-data
// body. A body of another type is ignored, as Telegram ignores it.
func parseParams(r *http.Request, body []byte) (map[string]string, []Upload, *apiError) {
	params := map[string]string{}
	for k, vs := range r.URL.Query() {
		if len(vs) > 0 {
			params[k] = vs[0]
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return params, nil, nil
	}
	mt, mtParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return params, nil, &apiError{400, "Bad Request: can't parse JSON object"}
		}
		for k, raw := range fields {
			params[k] = jsonText(raw)
		}
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return params, nil, &apiError{400, "Bad Request: can't parse request"}
		}
		for k, vs := range form {
			params[k] = vs[0]
		}
	case "multipart/form-data":
		return parseMultipart(body, mtParams["boundary"], params)
	}
	return params, nil, nil
}

// jsonText is a JSON string's value, or any other JSON value's text.
func jsonText(raw json.RawMessage) string {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw)
}

func parseMultipart(body []byte, boundary string, params map[string]string) (map[string]string, []Upload, *apiError) {
	if boundary == "" {
		return params, nil, &apiError{400, "Bad Request: can't parse multipart request"}
	}
	var files []Upload
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return params, files, nil
		}
		if err != nil {
			return params, files, &apiError{400, "Bad Request: can't parse multipart request"}
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return params, files, &apiError{400, "Bad Request: can't parse multipart request"}
		}
		if part.FileName() != "" {
			files = append(files, Upload{Field: part.FormName(), FileName: part.FileName(), MimeType: part.Header.Get("Content-Type"), Data: data})
			continue
		}
		params[part.FormName()] = string(data)
	}
}
