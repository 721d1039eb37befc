// Command gqlgen runs gqlgen's code generation (as `go tool gqlgen generate`
// would) with two changes to the executor it writes. First, the fields of an
// object, and the elements of a list, are resolved one after the other on the
// request's goroutine instead of each on a goroutine of its own.
//
// gqlgen starts a goroutine for every field whose resolver takes a context
// (every ent edge) and for every element of a list of objects: a conversation
// list of 50 rows with contact, assignee and last message started 150 per
// request, each growing its stack as gqlgen's deep call chains ran, about a
// fifth of the request's CPU. Here every edge a page shows is loaded with the
// page (entgql's field collection), so the goroutines overlapped no waiting;
// they only cost CPU, allocations and scheduling, and on a busy server the
// other requests are the parallelism. Root fields (several queries in one
// request) still run concurrently.
//
// Second, an object whose fields are all resolved in order has no @defer
// group to fill (gqlgen defers only fields it resolves concurrently), yet
// gqlgen's template starts one for every object it marshals, computing the
// object's path from the root each time: a tenth of a page's allocations.
// Such objects get an empty group instead.
//
//	go run ./graph/gqlgen --config gqlgen.yml
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log"
	"os"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
	"github.com/99designs/gqlgen/plugin"
)

func main() {
	configFile := flag.String("config", "gqlgen.yml", "gqlgen's configuration file")
	verbose := flag.Bool("v", false, "show gqlgen's logs")
	flag.Parse()
	if !*verbose {
		log.SetOutput(io.Discard)
	}
	if err := run(*configFile); err != nil {
		fmt.Fprintln(os.Stderr, "gqlgen:", err)
		os.Exit(1)
	}
}

func run(configFile string) error {
	cfg, err := config.LoadConfig(configFile)
	if err != nil {
		return err
	}
	if err := api.Generate(cfg, api.AddPlugin(inOrder{})); err != nil {
		return err
	}
	src, err := os.ReadFile(cfg.Exec.Filename)
	if err != nil {
		return err
	}
	if src, err = listsInOrder(src); err != nil {
		return err
	}
	if src, err = noIdleDeferredGroups(src); err != nil {
		return err
	}
	return os.WriteFile(cfg.Exec.Filename, src, 0o644)
}

// inOrder marks every object but the root ones as not concurrent, before
// the executor is written.
type inOrder struct{}

var _ plugin.CodeGenerator = inOrder{}

// Name names the plugin.
func (inOrder) Name() string { return "inorder" }

// GenerateCode runs before gqlgen writes the executor, on the same data.
func (inOrder) GenerateCode(data *codegen.Data) error {
	for _, o := range data.Objects {
		if !o.Root {
			o.DisableConcurrency = true
		}
	}
	return nil
}

// concurrentList is how the executor marshals a list of objects; the
// graph package's marshalSliceInOrder takes the same arguments.
var (
	concurrentList = []byte("graphql.MarshalSliceConcurrently(")
	listInOrder    = []byte("marshalSliceInOrder(")
)

// listsInOrder points the executor's lists at marshalSliceInOrder. gqlgen
// has no setting for it; should its template change, this fails rather than
// leave the executor as it was.
func listsInOrder(src []byte) ([]byte, error) {
	if !bytes.Contains(src, concurrentList) {
		return nil, fmt.Errorf("no %s to replace: has gqlgen's template changed?", concurrentList)
	}
	return bytes.ReplaceAll(src, concurrentList, listInOrder), nil
}

var (
	newDeferredGroup   = []byte("deferred := graphql.NewDeferredGroup(ctx)")
	emptyDeferredGroup = []byte("var deferred graphql.DeferredGroup // no field here is deferred (graph/gqlgen)")
	// deferredUse is how the template hands the group to a field it
	// resolves concurrently, which may defer it.
	deferredUse = []byte("&deferred")
)

// noIdleDeferredGroups gives every function of the executor that starts a
// deferred group but never hands it to a field an empty group instead. Like
// listsInOrder, it fails when it finds nothing to change.
func noIdleDeferredGroups(src []byte) ([]byte, error) {
	file, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(src))
	copied, changed := 0, 0
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		start, end := int(fn.Pos())-1, int(fn.End())-1
		body := src[start:end]
		at := bytes.Index(body, newDeferredGroup)
		if at < 0 || bytes.Contains(body, deferredUse) {
			continue
		}
		out = append(append(out, src[copied:start+at]...), emptyDeferredGroup...)
		copied = start + at + len(newDeferredGroup)
		changed++
	}
	if changed == 0 {
		return nil, fmt.Errorf("no %s to replace: has gqlgen's template changed?", newDeferredGroup)
	}
	return append(out, src[copied:]...), nil
}
