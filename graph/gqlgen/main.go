// Command gqlgen runs gqlgen's code generation (as `go tool gqlgen generate`
// would) with one change to the executor it writes: the fields of an object,
// and the elements of a list, are resolved one after the other on the
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
//	go run ./graph/gqlgen --config gqlgen.yml
package main

import (
	"bytes"
	"flag"
	"fmt"
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
	return listsInOrder(cfg.Exec.Filename)
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
func listsInOrder(filename string) error {
	src, err := os.ReadFile(filename)
	if err != nil {
		return err
	}
	if !bytes.Contains(src, concurrentList) {
		return fmt.Errorf("%s: no %s to replace: has gqlgen's template changed?", filename, concurrentList)
	}
	return os.WriteFile(filename, bytes.ReplaceAll(src, concurrentList, listInOrder), 0o644)
}
