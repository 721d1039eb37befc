package graph_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// generatedRoots are the folders and files `make generate` writes.
var generatedRoots = []string{"ent", "graph", "client/generated.go"}

// TestGeneratedCodeIsCurrent runs `make generate` on a copy of the module and
// fails when any generated file differs from the committed one, so a schema
// change without regeneration cannot land.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerates ent, gqlgen and genqlient code (about a minute cold)")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	work := generateDir(t, root)
	copyTree(t, root, work)
	cmd := exec.Command("make", "generate")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make generate: %v\n%s", err, out)
	}
	for _, r := range generatedRoots {
		compareTrees(t, filepath.Join(root, r), filepath.Join(work, r))
	}
}

// generateDir returns an empty folder for the copy of the module at root.
//
// It is the same folder on every run from one checkout, because the go build
// cache keys the module's own packages by their folder: in a new temporary
// folder each run, the copy's ent and everything entc and gqlgen load compile
// afresh (40 to 70 s on two cores), while in a reused folder they come from
// the cache when unchanged. A lock held until the test ends keeps concurrent
// runs from sharing the folder; when it is taken, or there is no cache folder,
// the copy goes to a temporary folder as before.
func generateDir(t *testing.T, root string) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Logf("no user cache folder (%v): regenerating in a temporary folder", err)
		return t.TempDir()
	}
	sum := sha256.Sum256([]byte(root))
	base := filepath.Join(cache, "switchboard-generate", hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Logf("%v: regenerating in a temporary folder", err)
		return t.TempDir()
	}
	unlock, ok := lockDir(filepath.Join(base, "lock"))
	if !ok {
		t.Logf("%s is in use: regenerating in a temporary folder", base)
		return t.TempDir()
	}
	t.Cleanup(unlock)
	work := filepath.Join(base, "module")
	if err := os.RemoveAll(work); err != nil {
		t.Fatalf("clear %s: %v", work, err)
	}
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	return work
}

// copyTree copies the module without .git, data and build output.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() && (rel == ".git" || rel == "data" || rel == "bin") {
			return filepath.SkipDir
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy module: %v", err)
	}
}

// compareTrees reports generated files that differ, appeared or disappeared.
// Test files are hand-written and skipped.
func compareTrees(t *testing.T, committed, regenerated string) {
	t.Helper()
	files := func(dir string) map[string][]byte {
		m := map[string][]byte{}
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			b, _ := os.ReadFile(path)
			rel, _ := filepath.Rel(dir, path)
			m[rel] = b
			return nil
		})
		return m
	}
	want, got := files(committed), files(regenerated)
	for name, b := range got {
		if old, ok := want[name]; !ok {
			t.Errorf("make generate creates %s, which is not committed", filepath.Join(committed, name))
		} else if !bytes.Equal(old, b) {
			t.Errorf("%s is stale: run make generate and commit", filepath.Join(committed, name))
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("%s is committed but make generate no longer creates it", filepath.Join(committed, name))
		}
	}
}
