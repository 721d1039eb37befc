package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// APIError is an unsuccessful Bot API answer ({"ok":false,...}). Callers branch on
// Code (401 bad token, 403 bot blocked, 429 flood limit) and RetryAfter.
type APIError struct {
	Code        int
	Description string
	RetryAfter  time.Duration
	// method is the Bot API method that failed, for context in Error.
	method string
}

// Error reports the method and Telegram's own description, which never
// contains the token.
func (e *APIError) Error() string {
	if e.method != "" {
		return fmt.Sprintf("telegram: %s: %d %s", e.method, e.Code, e.Description)
	}
	return fmt.Sprintf("telegram: %d %s", e.Code, e.Description)
}

// statusError is an HTTP answer without a Bot API body (a proxy's 502 page, a 413
// for an oversized upload, a failed file download): only the status is known.
type statusError struct {
	method     string
	code       int
	retryAfter time.Duration
}

// Error reports the HTTP status Telegram answered with.
func (e *statusError) Error() string {
	return fmt.Sprintf("telegram: %s: HTTP %d with an unreadable body", e.method, e.code)
}

// decodeError is an {"ok":true} answer whose result has an unexpected shape: the
// call succeeded, so it must not be retried blindly.
type decodeError struct {
	method string
	err    error
}

// Error says which method answered in an unexpected shape.
func (e *decodeError) Error() string {
	return fmt.Sprintf("telegram: %s: decode result: %v", e.method, e.err)
}

// Unwrap exposes the decoding error.
func (e *decodeError) Unwrap() error { return e.err }

type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// call invokes a Bot API method with a JSON body and decodes result into out.
// The token is part of the URL path, so transport errors are stripped of the URL
// before they are returned: no error may carry the token.
func (p Provider) call(ctx context.Context, hc *http.Client, token, method string, params, out any) error {
	var body io.Reader = http.NoBody
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return fmt.Errorf("telegram: %s: encode: %w", method, err)
		}
		body = bytes.NewReader(b)
	}
	return p.do(ctx, hc, token, method, "application/json", body, out)
}

// formField is one plain field of a multipart upload, in the order it is written.
type formField struct {
	name, value string
}

// filePart is the file of a multipart upload: field is the Bot API parameter
// (photo, document, ...).
type filePart struct {
	field, fileName, mimeType string
	data                      []byte
}

// callMultipart invokes a Bot API method with a multipart/form-data body that
// uploads one file, for media we hold as bytes rather than as a URL.
func (p Provider) callMultipart(ctx context.Context, hc *http.Client, token, method string, fields []formField, file filePart, out any) error {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := w.WriteField(f.name, f.value); err != nil {
			return fmt.Errorf("telegram: %s: encode: %w", method, err)
		}
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`,
		headerQuote(file.field), headerQuote(file.fileName)))
	h.Set("Content-Type", cleanMimeType(file.mimeType))
	part, err := w.CreatePart(h)
	if err != nil {
		return fmt.Errorf("telegram: %s: encode: %w", method, err)
	}
	if _, err := part.Write(file.data); err != nil {
		return fmt.Errorf("telegram: %s: encode: %w", method, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("telegram: %s: encode: %w", method, err)
	}
	return p.do(ctx, hc, token, method, w.FormDataContentType(), &buf, out)
}

// do posts body to a Bot API method and decodes its answer.
func (p Provider) do(ctx context.Context, hc *http.Client, token, method, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.apiURL+"/bot"+token+"/"+method, body)
	if err != nil {
		return fmt.Errorf("telegram: %s: bad API URL", method)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := client(hc).Do(req)
	if err != nil {
		return fmt.Errorf("telegram: %s: %w", method, stripURL(err, token))
	}
	defer resp.Body.Close()
	var r apiResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&r); err != nil {
		return &statusError{method: method, code: resp.StatusCode, retryAfter: retryAfterHeader(resp.Header)}
	}
	if !r.OK {
		code := r.ErrorCode
		if code == 0 {
			code = resp.StatusCode
		}
		return &APIError{Code: code, Description: r.Description, RetryAfter: time.Duration(r.Parameters.RetryAfter) * time.Second, method: method}
	}
	if out != nil {
		if err := json.Unmarshal(r.Result, out); err != nil {
			return &decodeError{method: method, err: err}
		}
	}
	return nil
}

// download GETs a file from the Bot API's file endpoint, reading at most limit
// bytes (errFileTooBig beyond). It returns the body and its Content-Type.
func (p Provider) download(ctx context.Context, hc *http.Client, token, filePath string, limit int64) ([]byte, string, error) {
	const what = "download"
	escaped, err := escapeFilePath(filePath)
	if err != nil {
		return nil, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.apiURL+"/file/bot"+token+"/"+escaped, nil)
	if err != nil {
		return nil, "", fmt.Errorf("telegram: %s: bad API URL", what)
	}
	resp, err := client(hc).Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("telegram: %s: %w", what, stripURL(err, token))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", &statusError{method: what, code: resp.StatusCode, retryAfter: retryAfterHeader(resp.Header)}
	}
	if resp.ContentLength > limit {
		return nil, "", errFileTooBig
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, "", fmt.Errorf("telegram: %s: %w", what, stripURL(err, token))
	}
	if int64(len(data)) > limit {
		return nil, "", errFileTooBig
	}
	return data, resp.Header.Get("Content-Type"), nil
}

// errFileTooBig is a file beyond what the Bot API lets a bot download.
var errFileTooBig = errors.New("telegram: file is larger than the Bot API's 20 MiB download limit")

// errBadFilePath is a getFile answer we cannot turn into a download URL.
var errBadFilePath = errors.New("telegram: getFile returned a file_path that cannot be downloaded")

// escapeFilePath escapes each segment of a getFile file_path ("photos/file_0.jpg")
// so that it stays a path below /file/bot<token>/. An absolute path comes from a
// Bot API server in --local mode, whose files are read from its disk, not over HTTP.
func escapeFilePath(p string) (string, error) {
	if p == "" || strings.HasPrefix(p, "/") {
		return "", errBadFilePath
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if s == "" || s == "." || s == ".." {
			return "", errBadFilePath
		}
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/"), nil
}

// stripURL drops the request URL, which holds the token, from a transport error,
// and as a second guard removes the token from whatever text remains.
func stripURL(err error, token string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if token != "" && strings.Contains(err.Error(), token) {
		err = errors.New(strings.ReplaceAll(err.Error(), token, "<token>"))
	}
	return err
}

// client is hc, or the default client when the caller gave none.
func client(hc *http.Client) *http.Client {
	if hc == nil {
		return http.DefaultClient
	}
	return hc
}

// retryAfterHeader reads a Retry-After in seconds, for 429s without a JSON body.
func retryAfterHeader(h http.Header) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// headerQuote escapes a value for a quoted MIME header parameter; line breaks
// would end the header, so they become spaces.
var headerQuote = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", " ", "\n", " ").Replace

// cleanMimeType returns t when it is a well-formed media type, else
// application/octet-stream.
func cleanMimeType(t string) string {
	if t == "" {
		return "application/octet-stream"
	}
	mt, params, err := mime.ParseMediaType(t)
	if err != nil {
		return "application/octet-stream"
	}
	return mime.FormatMediaType(mt, params)
}

// itoa formats counts for result details.
func itoa(n int) string { return strconv.Itoa(n) }
