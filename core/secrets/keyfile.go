package secrets

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// maxKeyFileSize bounds how much of a key file is read; a real one holds a
// handful of 44-character lines.
const maxKeyFileSize = 64 << 10

const keyFileHeader = `# Switchboard secrets key file: one AES-256 key per line, base64 or 64 hex digits.
# The first key encrypts new data; the others only decrypt data sealed before a
# key rotation. Keep this file private (mode 0600) and back it up: without it,
# the stored integration credentials cannot be decrypted.
`

// LoadOrCreateKeyFile returns the keyring stored in the key file at path,
// creating the file with a fresh key first if it does not exist. It exists so
// that a new installation encrypts credentials from its first start without
// any setup, while an existing installation keeps using its keys.
//
// A new file is created with mode 0600 (its parent directory, if missing,
// with 0700) and never overwrites a file that appears concurrently. An
// existing file must not be accessible by group or others; see [LoadKeyFile].
func LoadOrCreateKeyFile(path string) (*Keyring, error) {
	kr, err := LoadKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return kr, err
	}
	err = createKeyFile(path)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it between our read and our create: use theirs.
		return LoadKeyFile(path)
	}
	if err != nil {
		return nil, err
	}
	return LoadKeyFile(path)
}

// LoadKeyFile returns the keyring stored in the key file at path, without
// creating it. It exists for commands such as key rotation, which must fail
// rather than silently start a new keyring when the file is missing.
//
// The file holds one key per line (see [ParseKey]); the first key is the
// current one. Blank lines and lines starting with '#' are ignored. A file
// readable or writable by group or others is refused, because anyone who can
// read it can decrypt every stored credential. The error wraps
// [fs.ErrNotExist] when the file does not exist.
func LoadKeyFile(path string) (*Keyring, error) {
	_, keys, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, k := range keys {
			clear(k)
		}
	}()
	kr, err := NewKeyring(keys...)
	if err != nil {
		return nil, fmt.Errorf("secrets: key file %s: %w", path, err)
	}
	return kr, nil
}

// ReadKeyFile returns the keys in the key file at path, in order and as
// written (trimmed), after the same checks as [LoadKeyFile]. It exists for
// key rotation, which prepends a new key to these and writes the result with
// [WriteKeyFile].
func ReadKeyFile(path string) ([]string, error) {
	lines, keys, err := readKeyFile(path)
	for _, k := range keys {
		clear(k)
	}
	return lines, err
}

func readKeyFile(path string) (lines []string, keys [][]byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("secrets: open key file: %w", err)
	}
	defer f.Close()

	// Stat the open file rather than the path, so the checked file is the read one.
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("secrets: stat key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("secrets: key file %s is not a regular file", path)
	}
	// Windows does not report Unix permission bits; access is governed by ACLs.
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, nil, fmt.Errorf("secrets: key file %s has mode %04o, which lets group or others access it; "+
			"refusing to use it (fix with: chmod 600 %s)", path, perm, path)
	}

	sc := bufio.NewScanner(io.LimitReader(f, maxKeyFileSize))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, err := ParseKey(line)
		if err != nil {
			return nil, nil, fmt.Errorf("secrets: key file %s, line %d: %w", path, n, err)
		}
		lines = append(lines, line)
		keys = append(keys, key)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("secrets: read key file %s: %w", path, err)
	}
	if len(keys) == 0 {
		return nil, nil, fmt.Errorf("secrets: key file %s contains no keys", path)
	}
	return lines, keys, nil
}

// createKeyFile writes a new key file with one fresh key. It fails with an
// error wrapping fs.ErrExist if the file already exists.
func createKeyFile(path string) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("secrets: create key file directory: %w", err)
	}
	key, err := GenerateKey()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("secrets: create key file: %w", err)
	}
	defer func() {
		if err != nil {
			// A half-written key file would stop the next start; remove it.
			f.Close()
			os.Remove(path)
		}
	}()
	if _, err := f.WriteString(keyFileHeader + key + "\n"); err != nil {
		return fmt.Errorf("secrets: write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("secrets: sync key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("secrets: close key file: %w", err)
	}
	return syncDir(dir)
}

// WriteKeyFile atomically replaces the key file at path with keys, the
// first of which becomes the current key. It exists for key rotation: the
// file is written to a temporary file (mode 0600) in the same directory,
// synced and renamed over the old one, so a crash leaves either the old or
// the new file, never a partial one. Every key is validated with [ParseKey]
// before anything is written, and duplicates are refused.
//
// Once WriteKeyFile returns nil the new file is durable, so it is safe to
// start re-sealing data under the new key.
func WriteKeyFile(path string, keys []string) (err error) {
	if len(keys) == 0 {
		return errors.New("secrets: write key file: at least one key is required")
	}
	parsed := make([][]byte, len(keys))
	var b strings.Builder
	b.WriteString(keyFileHeader)
	for i, s := range keys {
		k, err := ParseKey(s)
		if err != nil {
			return fmt.Errorf("secrets: write key file: key %d: %w", i+1, err)
		}
		parsed[i] = k
		b.WriteString(strings.TrimSpace(s))
		b.WriteByte('\n')
	}
	_, err = NewKeyring(parsed...)
	for _, k := range parsed {
		clear(k)
	}
	if err != nil {
		return fmt.Errorf("secrets: write key file: %w", err)
	}

	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("secrets: create key file directory: %w", err)
	}
	// CreateTemp creates the file with mode 0600.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("secrets: create temporary key file: %w", err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("secrets: chmod temporary key file: %w", err)
	}
	if _, err := tmp.WriteString(b.String()); err != nil {
		return fmt.Errorf("secrets: write temporary key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("secrets: sync temporary key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("secrets: close temporary key file: %w", err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("secrets: replace key file: %w", err)
	}
	return syncDir(dir)
}

// syncDir makes a file creation or rename in dir durable.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		// Directories cannot be opened for syncing on Windows.
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("secrets: open key file directory for sync: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("secrets: sync key file directory: %w", err)
	}
	return nil
}
