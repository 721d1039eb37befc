package console_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEnsureNode runs console/ensure-node.sh (make console-deps' first step)
// with a fake node of a given version first on PATH and a fake npm that
// "installs" a node binary of another, as the npm registry's
// node-linux-<arch> package would. A node the console's packages accept is
// kept; an older one is replaced by Node.js 22 in the tools folder; an
// install that still leaves an unsupported node fails with a message.
func TestEnsureNode(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	tests := []struct {
		system    string // what node --version prints on PATH
		installed string // what the node npm installs prints
		install   bool   // whether npm must be asked
		fails     bool
	}{
		{system: "v18.0.0", installed: "v22.23.3", install: true},
		{system: "v18.19.1", installed: "v22.23.3", install: true},
		{system: "v20.18.3", installed: "v22.23.3", install: true},
		{system: "v22.11.0", installed: "v22.23.3", install: true},
		{system: "", installed: "v22.23.3", install: true}, // no node at all
		{system: "v20.19.0", install: false},
		{system: "v22.12.0", install: false},
		{system: "v24.1.0", install: false},
		{system: "v18.0.0", installed: "v22.3.0", install: true, fails: true},
	}
	script, err := filepath.Abs("ensure-node.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.system+"->"+tt.installed, func(t *testing.T) {
			fake := t.TempDir()
			tools := filepath.Join(t.TempDir(), "node")
			calls := filepath.Join(fake, "npm-calls")
			if tt.system != "" {
				writeScript(t, filepath.Join(fake, "node"), "echo "+tt.system)
			}
			// The fake npm writes the node binary where node-linux-<arch>
			// puts it, under --prefix.
			writeScript(t, filepath.Join(fake, "npm"), `echo "$@" >> `+calls+`
prefix=""
while [ $# -gt 0 ]; do
	case $1 in --prefix) prefix=$2; shift ;; node-linux-*) pkg=${1%@*} ;; esac
	shift
done
mkdir -p "$prefix/node_modules/$pkg/bin"
printf '#!/bin/sh\necho `+tt.installed+`\n' > "$prefix/node_modules/$pkg/bin/node"
chmod +x "$prefix/node_modules/$pkg/bin/node"`)
			// Only the fakes and the shell's own tools: no real node or npm.
			bin := t.TempDir()
			for _, tool := range []string{"sh", "mkdir", "ln", "uname", "chmod", "printf", "cat"} {
				if p, err := exec.LookPath(tool); err == nil {
					os.Symlink(p, filepath.Join(bin, tool))
				}
			}
			cmd := exec.Command("sh", script, tools)
			cmd.Env = append(os.Environ(), "PATH="+fake+":"+bin)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			if tt.fails {
				if err == nil || !strings.Contains(stderr.String(), "install Node.js >= 20.19 yourself") {
					t.Fatalf("err %v, stderr:\n%s", err, stderr.String())
				}
				return
			}
			if err != nil {
				t.Fatalf("%v, stderr:\n%s", err, stderr.String())
			}
			npmCalls, _ := os.ReadFile(calls)
			if !tt.install {
				if len(npmCalls) > 0 {
					t.Fatalf("npm was run with node %s: %s", tt.system, npmCalls)
				}
				return
			}
			if !strings.Contains(string(npmCalls), "--prefix "+tools) || !strings.Contains(string(npmCalls), "@22") {
				t.Fatalf("npm was run as %q", npmCalls)
			}
			out, err := exec.Command(filepath.Join(tools, "bin", "node"), "--version").Output()
			if err != nil || strings.TrimSpace(string(out)) != tt.installed {
				t.Fatalf("tools' node prints %q (%v), want %s", out, err, tt.installed)
			}
			if want := "Node.js on PATH is " + or(tt.system, "none"); !strings.Contains(stderr.String(), want) {
				t.Fatalf("stderr does not say %q:\n%s", want, stderr.String())
			}
		})
	}
}

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func or(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}
