package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// serverProcess is a `switchboard serve` the bench started as a separate
// process, so what the server costs (its RSS, its open files) is not mixed
// with the bench's own clients: ten thousand websockets on each side would not
// fit one process's open-file limit anyway.
type serverProcess struct {
	cmd *exec.Cmd
	// URL is the server's base URL.
	URL string
	// done is closed once the process exited and its output was read.
	done    chan struct{}
	waitErr error

	mu   sync.Mutex
	tail []string
}

// listeningRe finds the address in the server's "switchboard listening" log line.
var listeningRe = regexp.MustCompile(`"msg":"switchboard listening","addr":"([^"]+)"`)

// serverStartTimeout bounds the wait for the server's listening line.
const serverStartTimeout = 60 * time.Second

// keptOutputLines is how much of the server's output an error quotes.
const keptOutputLines = 20

// startServerProcess runs cfg.ServerCommand with "serve" on a free loopback
// port over the database in dataDir, with no per-token rate limit, and waits
// until it listens. The caller must stop it.
func startServerProcess(ctx context.Context, cfg Config, dataDir string) (*serverProcess, error) {
	args := append(append([]string(nil), cfg.ServerCommand[1:]...), "serve",
		"--addr", "127.0.0.1:0", "--data-dir", dataDir, "--sqlite-synchronous", cfg.Synchronous, "--rate-limit", "0")
	cmd := exec.Command(cfg.ServerCommand[0], args...)
	cmd.Env = cfg.ServerEnv
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("bench: server output: %w", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("bench: server output: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s: %w", cfg.ServerCommand[0], err)
	}
	p := &serverProcess{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	var readers sync.WaitGroup
	for _, r := range []io.Reader{stdout, stderr} {
		readers.Add(1)
		go func() {
			defer readers.Done()
			p.read(r, addr)
		}()
	}
	// The readers end when the process closes its output, that is when it
	// exits; only then may Wait run.
	go func() {
		readers.Wait()
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	timeout := time.NewTimer(serverStartTimeout)
	defer timeout.Stop()
	select {
	case a := <-addr:
		p.URL = "http://" + a
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("bench: the server exited before listening (%v):\n%s", p.waitErr, p.output())
	case <-ctx.Done():
		err = ctx.Err()
	case <-timeout.C:
		err = fmt.Errorf("bench: the server did not listen within %s:\n%s", serverStartTimeout, p.output())
	}
	p.stop()
	return nil, err
}

// read keeps the last lines of r and sends the listening address on addr.
func (p *serverProcess) read(r io.Reader, addr chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := listeningRe.FindStringSubmatch(line); m != nil {
			select {
			case addr <- m[1]:
			default:
			}
		}
		p.mu.Lock()
		p.tail = append(p.tail, line)
		if len(p.tail) > keptOutputLines {
			p.tail = p.tail[len(p.tail)-keptOutputLines:]
		}
		p.mu.Unlock()
	}
	// Past a scanner error (a line over 1 MiB), keep draining so the server
	// never blocks on a full pipe.
	io.Copy(io.Discard, r)
}

// output is the last lines the server printed.
func (p *serverProcess) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, "\n")
}

// stopGrace is how long the server may take to shut down after SIGTERM
// before it is killed.
const stopGrace = 20 * time.Second

// stop asks the server to shut down (SIGTERM), kills it after stopGrace, and
// returns when it has exited. A server that exited on its own with an error
// reports it.
func (p *serverProcess) stop() error {
	select {
	case <-p.done:
		return p.exitErr()
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	grace := time.NewTimer(stopGrace)
	defer grace.Stop()
	select {
	case <-p.done:
		return p.exitErr()
	case <-grace.C:
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("bench: the server did not stop within %s of SIGTERM; killed", stopGrace)
	}
}

// exitErr describes an unclean exit, with the server's last words.
func (p *serverProcess) exitErr() error {
	var exit *exec.ExitError
	if p.waitErr == nil || (errors.As(p.waitErr, &exit) && exit.Success()) {
		return nil
	}
	return fmt.Errorf("bench: server: %w:\n%s", p.waitErr, p.output())
}
