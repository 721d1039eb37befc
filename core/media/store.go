// Package media keeps copies of messages' media in the data folder, so an agent
// can still open a customer's photo after the provider's link has expired, and
// keeps agents' uploads until they are sent.
package media

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// MaxSize bounds one file (Telegram's Bot API serves at most 20 MiB).
const MaxSize = 20 << 20

// ErrTooLarge means a file is over MaxSize.
var ErrTooLarge = errors.New("media: file too large")

// Store is a folder of media files named by random IDs.
type Store struct {
	dir string
}

// NewStore returns the store in dir, created with mode 0700 if needed.
func NewStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("media: create %s: %w", dir, err)
	}
	return &Store{dir: dir}, nil
}

// Save writes r (at most MaxSize bytes) durably and returns the file's name.
func (s *Store) Save(r io.Reader) (name string, size int64, err error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", 0, fmt.Errorf("media: name: %w", err)
	}
	name = hex.EncodeToString(b)
	tmp, err := os.CreateTemp(s.dir, ".upload-*")
	if err != nil {
		return "", 0, fmt.Errorf("media: save: %w", err)
	}
	defer os.Remove(tmp.Name())
	size, err = io.Copy(tmp, io.LimitReader(r, MaxSize+1))
	if err == nil && size > MaxSize {
		err = ErrTooLarge
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(s.dir, name))
	}
	if err != nil {
		return "", 0, fmt.Errorf("media: save: %w", err)
	}
	return name, size, nil
}

// Open opens a saved file by name.
func (s *Store) Open(name string) (*os.File, error) {
	if name == "" || strings.ContainsAny(name, `/\.`) {
		return nil, fmt.Errorf("media: bad name %q", name)
	}
	f, err := os.Open(filepath.Join(s.dir, name))
	if err != nil {
		return nil, fmt.Errorf("media: open: %w", err)
	}
	return f, nil
}

// Read returns a saved file's bytes.
func (s *Store) Read(name string) ([]byte, error) {
	f, err := s.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxSize))
}
