package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

// multipartForm serves GraphQL multipart requests (file uploads, as
// github.com/jaydenseric/graphql-multipart-request-spec describes them) with
// the answers of graphQLHTTP, where gqlgen's own transport answers 422 with
// "data": null. Its operations and map fields are bounded like a JSON body;
// the files are read as they stream in (limitBody bounds the whole body and
// admits only authenticated multipart requests).
type multipartForm struct {
	// maxFields bounds the operations and map fields each.
	maxFields int64
	// maxMemory is how many bytes of files stay in memory; the rest go to
	// temporary files, removed when the request ends.
	maxMemory int64
}

var _ graphql.Transport = multipartForm{}

// Supports takes multipart/form-data POSTs.
func (multipartForm) Supports(r *http.Request) bool {
	if r.Method != http.MethodPost || r.Header.Get("Upgrade") != "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// Do reads the operations, the map and the files, then runs the operation.
func (f multipartForm) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	a := newHTTPAnswer(w, r, exec)
	params := &graphql.RawParams{Headers: r.Header}
	params.ReadTime.Start = graphql.Now()
	mr, err := r.MultipartReader()
	if err != nil {
		a.badRequest("the request body is not a multipart form")
		return
	}
	// fail answers a part that could not be read: 413 past the body limit.
	fail := func(err error, msg string) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.refuseWith(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds the limit of %d bytes", tooBig.Limit))
			return
		}
		a.badRequest(msg)
	}
	field := func(name string) ([]byte, bool) {
		part, err := mr.NextPart()
		if err != nil || part.FormName() != name {
			fail(err, fmt.Sprintf("the multipart form's parts must be operations, map, then the files (missing %s)", name))
			return nil, false
		}
		b, err := io.ReadAll(io.LimitReader(part, f.maxFields+1))
		if err != nil {
			fail(err, "the multipart form's "+name+" cannot be read")
			return nil, false
		}
		if int64(len(b)) > f.maxFields {
			a.refuseWith(http.StatusRequestEntityTooLarge, fmt.Sprintf("the multipart form's %s exceeds the limit of %d bytes", name, f.maxFields))
			return nil, false
		}
		return b, true
	}
	ops, ok := field("operations")
	if !ok {
		return
	}
	if msg := decodeParams(ops, params); msg != "" {
		a.badRequest("operations: " + msg)
		return
	}
	rawMap, ok := field("map")
	if !ok {
		return
	}
	uploads := map[string][]string{}
	if decodeJSON(bytes.NewReader(rawMap), &uploads) != nil {
		a.badRequest(`map is not a JSON object of file names to lists of variable paths`)
		return
	}
	var temps []*os.File
	defer func() {
		for _, t := range temps {
			t.Close()
			os.Remove(t.Name())
		}
	}()
	memory := f.maxMemory
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail(err, "a part of the multipart form cannot be read")
			return
		}
		key := part.FormName()
		paths := uploads[key]
		if len(paths) == 0 {
			a.badRequest(fmt.Sprintf("the file %q is not in map", key))
			return
		}
		delete(uploads, key)
		file, size, err := f.readFile(part, &memory, &temps)
		if err != nil {
			fail(err, fmt.Sprintf("the file %q cannot be read", key))
			return
		}
		for _, path := range paths {
			up := graphql.Upload{File: file(), Size: size, Filename: part.FileName(), ContentType: part.Header.Get("Content-Type")}
			if err := setUpload(params.Variables, path, up); err != nil {
				a.badRequest(fmt.Sprintf("the file %q: %v", key, err))
				return
			}
		}
	}
	for key := range uploads {
		a.badRequest(fmt.Sprintf("the file %q named in map is missing", key))
		return
	}
	params.ReadTime.End = graphql.Now()
	a.run(r, params)
}

// readFile reads one file part: into memory while *memory lasts, otherwise
// into a temporary file added to temps. The function it returns opens a new
// reader of the file for each variable path it fills.
func (f multipartForm) readFile(part *multipart.Part, memory *int64, temps *[]*os.File) (func() io.ReadSeeker, int64, error) {
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, part, *memory+1)
	if err != nil && err != io.EOF {
		return nil, 0, err
	}
	if n <= *memory {
		*memory -= n
		b := buf.Bytes()
		return func() io.ReadSeeker { return bytes.NewReader(b) }, n, nil
	}
	tmp, err := os.CreateTemp("", "switchboard-upload-")
	if err != nil {
		return nil, 0, fmt.Errorf("temporary file: %w", err)
	}
	*temps = append(*temps, tmp)
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		return nil, 0, fmt.Errorf("temporary file: %w", err)
	}
	rest, err := io.Copy(tmp, part)
	if err != nil {
		return nil, 0, err
	}
	size := n + rest
	return func() io.ReadSeeker { return io.NewSectionReader(tmp, 0, size) }, size, nil
}

// setUpload puts up at path ("variables.in.files.0") in vars, in place of
// the null the operations hold there. (gqlgen's RawParams.AddUpload panics on
// paths that do not fit the variables.)
func setUpload(vars map[string]any, path string, up graphql.Upload) error {
	parts := strings.Split(path, ".")
	if len(parts) < 2 || parts[0] != "variables" {
		return fmt.Errorf("the path %q does not start with variables", path)
	}
	var at any = vars
	for i, p := range parts[1:] {
		last := i == len(parts)-2
		switch c := at.(type) {
		case map[string]any:
			v, ok := c[p]
			if !ok {
				return fmt.Errorf("the path %q names no variable", path)
			}
			if last {
				c[p] = up
				return nil
			}
			at = v
		case []any:
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 || n >= len(c) {
				return fmt.Errorf("the path %q names no variable", path)
			}
			if last {
				c[n] = up
				return nil
			}
			at = c[n]
		default:
			return fmt.Errorf("the path %q names no variable", path)
		}
	}
	return fmt.Errorf("the path %q names no variable", path)
}
