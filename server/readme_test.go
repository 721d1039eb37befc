package server_test

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/server"
)

// readmeShellBlocks returns the ```sh blocks of the README's section headed
// heading, in order.
func readmeShellBlocks(t *testing.T, heading string) []string {
	t.Helper()
	doc, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, found := strings.Cut(string(doc), heading+"\n")
	if !found {
		t.Fatalf("the README has no section %q", heading)
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	if end := strings.Index(section, "\n### "); end >= 0 {
		section = section[:end]
	}
	var blocks []string
	for {
		_, rest, ok := strings.Cut(section, "```sh\n")
		if !ok {
			return blocks
		}
		block, after, closed := strings.Cut(rest, "```")
		if !closed {
			t.Fatalf("an unclosed ```sh block in %q", heading)
		}
		blocks = append(blocks, block)
		section = after
	}
}

// TestReadmeShellWalkthrough pastes the README's "Try it from a shell"
// blocks, in order, into a shell against a test server (its address for
// localhost:8080, its public URL, and the tokens the README has the reader
// set), and checks what each step says it does: the custom account's webhook
// URL, the messenger's {"ok":true}, the conversation with the customer's
// message, the take and the queued reply.
func TestReadmeShellWalkthrough(t *testing.T) {
	for _, tool := range []string{"sh", "curl", "openssl", "sed", "cut"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the walkthrough needs %s: %v", tool, err)
		}
	}
	ts := newTestServer(t, func(c *server.Config) { c.PublicURL = "http://switchboard.invalid" })
	blocks := readmeShellBlocks(t, "### Try it from a shell")
	if len(blocks) != 3 {
		t.Fatalf("%d shell blocks; want 3 (account, customer message, agent reply)", len(blocks))
	}
	agent := ts.userToken(t, "Agent Ann", client.UserRoleAgent)
	host := strings.TrimPrefix(ts.http.URL, "http://")
	var script strings.Builder
	script.WriteString("set -e\n")
	for i, b := range blocks {
		b = strings.ReplaceAll(b, "localhost:8080", host)
		script.WriteString("echo '--- step " + string(rune('1'+i)) + "'\n" + b)
		if i == 0 {
			// The public URL is what a messenger would reach; here it is the test server.
			script.WriteString(`WEBHOOK_URL=$(echo "$WEBHOOK_URL" | sed "s|http://switchboard.invalid|` + ts.http.URL + `|")` + "\n")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", script.String())
	cmd.Env = append(os.Environ(), "ADMIN_TOKEN="+ts.adminToken, "AGENT_TOKEN="+agent)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the walkthrough failed: %v\n%s", err, out)
	}
	steps := strings.Split(string(out), "--- step ")
	if len(steps) != 4 {
		t.Fatalf("output:\n%s", out)
	}
	want := []*regexp.Regexp{
		regexp.MustCompile(`^1\n` + regexp.QuoteMeta("http://switchboard.invalid/webhooks/") + `\S+\n$`),
		regexp.MustCompile(`^2\n\{"ok":true\}\n$`),
		regexp.MustCompile(`(?s)^3\n.*"displayName":"Ann".*"text":"Hi!".*"takeConversation":\{"id":"[^"]+","assignee":\{"name":"Agent Ann"\}\}.*"sendMessage":\{"id":"[^"]+","status":"QUEUED"\}`),
	}
	for i, re := range want {
		if !re.MatchString(steps[i+1]) {
			t.Errorf("step %d answered:\n%s\nwant %s", i+1, steps[i+1], re)
		}
	}
}
