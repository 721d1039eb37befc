package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// testKey returns a deterministic 32-byte key filled with b.
func testKey(t *testing.T, b byte) []byte {
	t.Helper()
	return bytes.Repeat([]byte{b}, KeySize)
}

func newTestKeyring(t *testing.T, keys ...[]byte) *Keyring {
	t.Helper()
	kr, err := NewKeyring(keys...)
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return kr
}

func mustSeal(t *testing.T, kr *Keyring, plaintext, aad []byte) []byte {
	t.Helper()
	sealed, err := kr.Seal(plaintext, aad)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return sealed
}

func TestSealOpenRoundTrip(t *testing.T) {
	kr := newTestKeyring(t, testKey(t, 1))
	tests := []struct {
		name      string
		plaintext []byte
		aad       []byte
	}{
		{"empty plaintext, no aad", nil, nil},
		{"empty plaintext with aad", []byte{}, []byte("integration_account:1:token")},
		{"short", []byte("hunter2"), []byte("integration_account:1:token")},
		{"binary", []byte{0, 1, 2, 255, 254}, nil},
		{"large", bytes.Repeat([]byte("x"), 1<<20), []byte("row")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed := mustSeal(t, kr, tt.plaintext, tt.aad)
			if got, want := len(sealed), minSealedSize+len(tt.plaintext); got != want {
				t.Errorf("sealed length = %d, want %d", got, want)
			}
			if sealed[0] != formatVersion {
				t.Errorf("version byte = %d, want %d", sealed[0], formatVersion)
			}
			if id := kr.CurrentKeyID(); !bytes.Equal(sealed[1:5], id[:]) {
				t.Errorf("key id in sealed = %x, want %s", sealed[1:5], id)
			}
			got, err := kr.Open(sealed, tt.aad)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Errorf("Open returned %d bytes that differ from the plaintext", len(got))
			}
		})
	}
}

func TestSealUsesFreshNonceAndHidesPlaintext(t *testing.T) {
	kr := newTestKeyring(t, testKey(t, 1))
	plaintext := []byte("very-recognisable-api-token-0123456789")
	a := mustSeal(t, kr, plaintext, nil)
	b := mustSeal(t, kr, plaintext, nil)
	if bytes.Equal(a, b) {
		t.Error("sealing the same plaintext twice gave identical output")
	}
	if bytes.Equal(a[headerSize:headerSize+nonceSize], b[headerSize:headerSize+nonceSize]) {
		t.Error("two seals used the same nonce")
	}
	for _, s := range [][]byte{a, b} {
		if bytes.Contains(s, plaintext) || bytes.Contains(s, plaintext[:8]) {
			t.Error("sealed bytes contain the plaintext")
		}
	}
}

func TestOpenFailures(t *testing.T) {
	kr := newTestKeyring(t, testKey(t, 1))
	plaintext := []byte("s3cr3t-password")
	aad := []byte("integration_account:1:password")
	sealed := mustSeal(t, kr, plaintext, aad)

	// modified returns a copy of sealed with f applied.
	modified := func(f func([]byte) []byte) []byte {
		return f(bytes.Clone(sealed))
	}
	flip := func(i int) []byte {
		return modified(func(b []byte) []byte { b[i] ^= 0x01; return b })
	}

	tests := []struct {
		name    string
		sealed  []byte
		aad     []byte
		wantErr error
	}{
		{"aad of another row", sealed, []byte("integration_account:2:password"), ErrDecrypt},
		{"aad missing", sealed, nil, ErrDecrypt},
		{"version byte changed", flip(0), aad, ErrCorrupt},
		{"key id changed", flip(1), aad, ErrNoKey},
		{"nonce changed", flip(headerSize), aad, ErrDecrypt},
		{"ciphertext changed", flip(headerSize + nonceSize), aad, ErrDecrypt},
		{"tag changed", flip(len(sealed) - 1), aad, ErrDecrypt},
		{"truncated by one byte", sealed[:len(sealed)-1], aad, ErrDecrypt},
		{"truncated below minimum", sealed[:minSealedSize-1], aad, ErrCorrupt},
		{"byte appended", append(bytes.Clone(sealed), 0), aad, ErrDecrypt},
		{"empty", nil, aad, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kr.Open(tt.sealed, tt.aad)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Open error = %v, want %v", err, tt.wantErr)
			}
			if got != nil {
				t.Errorf("Open returned %d bytes alongside an error", len(got))
			}
			if strings.Contains(err.Error(), string(plaintext)) {
				t.Errorf("error %q contains the plaintext", err)
			}
		})
	}
}

func TestOpenWithWrongKey(t *testing.T) {
	a := newTestKeyring(t, testKey(t, 1))
	b := newTestKeyring(t, testKey(t, 2))
	sealed := mustSeal(t, a, []byte("token"), nil)
	if _, err := b.Open(sealed, nil); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Open with another keyring: error = %v, want ErrNoKey", err)
	}
	if b.IsCurrent(sealed) {
		t.Error("IsCurrent is true for a value sealed by another keyring")
	}
}

func TestKeyRotation(t *testing.T) {
	oldKey, newKey := testKey(t, 1), testKey(t, 2)
	before := newTestKeyring(t, oldKey)
	after := newTestKeyring(t, newKey, oldKey)
	aad := []byte("row-7")

	oldSealed := mustSeal(t, before, []byte("old secret"), aad)
	if !before.IsCurrent(oldSealed) {
		t.Error("before rotation: IsCurrent(old sealed) = false, want true")
	}
	if after.IsCurrent(oldSealed) {
		t.Error("after rotation: IsCurrent(old sealed) = true, want false")
	}
	got, err := after.Open(oldSealed, aad)
	if err != nil {
		t.Fatalf("rotated keyring cannot open old value: %v", err)
	}
	if string(got) != "old secret" {
		t.Errorf("rotated keyring opened old value to %q", got)
	}

	newSealed := mustSeal(t, after, got, aad)
	if !after.IsCurrent(newSealed) {
		t.Error("IsCurrent(new sealed) = false, want true")
	}
	if after.CurrentKeyID() != keyIDOf(newKey) {
		t.Errorf("CurrentKeyID = %s, want id of the new key %s", after.CurrentKeyID(), keyIDOf(newKey))
	}
	if _, err := before.Open(newSealed, aad); !errors.Is(err, ErrNoKey) {
		t.Errorf("old keyring opening new value: error = %v, want ErrNoKey", err)
	}
	if after.IsCurrent([]byte{1, 2}) {
		t.Error("IsCurrent is true for a malformed value")
	}
}

func TestNewKeyringErrors(t *testing.T) {
	tests := []struct {
		name string
		keys [][]byte
	}{
		{"no keys", nil},
		{"short key", [][]byte{make([]byte, 16)}},
		{"long key", [][]byte{make([]byte, 33)}},
		{"duplicate key", [][]byte{testKey(t, 1), testKey(t, 2), testKey(t, 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewKeyring(tt.keys...); err == nil {
				t.Fatal("NewKeyring succeeded, want an error")
			}
		})
	}
}

func TestZeroKeyringSealFails(t *testing.T) {
	var kr Keyring
	if _, err := kr.Seal([]byte("x"), nil); err == nil {
		t.Fatal("Seal on a zero Keyring succeeded")
	}
}

func TestParseKey(t *testing.T) {
	// 0xfb 0xef 0xbe encodes to "++++" in standard base64 and "----" in the
	// URL alphabet, so the two alphabets are told apart.
	key := bytes.Repeat([]byte{0xfb, 0xef, 0xbe}, 11)[:KeySize]

	valid := []struct {
		name string
		in   string
	}{
		{"base64 std padded", base64.StdEncoding.EncodeToString(key)},
		{"base64 std unpadded", base64.RawStdEncoding.EncodeToString(key)},
		{"base64 url padded", base64.URLEncoding.EncodeToString(key)},
		{"base64 url unpadded", base64.RawURLEncoding.EncodeToString(key)},
		{"hex lower", hex.EncodeToString(key)},
		{"hex upper", strings.ToUpper(hex.EncodeToString(key))},
		{"surrounding white space", "  " + base64.StdEncoding.EncodeToString(key) + "\n"},
	}
	for _, tt := range valid {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKey(tt.in)
			if err != nil {
				t.Fatalf("ParseKey: %v", err)
			}
			if !bytes.Equal(got, key) {
				t.Errorf("ParseKey = %x, want %x", got, key)
			}
		})
	}

	invalid := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"blank", "   "},
		{"base64 of 16 bytes", base64.StdEncoding.EncodeToString(make([]byte, 16))},
		{"base64 of 31 bytes", base64.StdEncoding.EncodeToString(make([]byte, 31))},
		{"base64 of 33 bytes", base64.StdEncoding.EncodeToString(make([]byte, 33))},
		{"hex of 31 bytes", hex.EncodeToString(make([]byte, 31))},
		{"hex of 33 bytes", hex.EncodeToString(make([]byte, 33))},
		{"64 chars neither hex nor 32-byte base64", strings.Repeat("g", 64)},
		{"garbage", "not a key at all!"},
		{"hex with a bad digit", "zz" + hex.EncodeToString(make([]byte, 31))},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKey(tt.in)
			if err == nil {
				t.Fatalf("ParseKey succeeded with %d bytes, want an error", len(got))
			}
			if s := strings.TrimSpace(tt.in); s != "" && strings.Contains(err.Error(), s) {
				t.Errorf("error %q echoes the input", err)
			}
			if strings.Contains(err.Error(), "'") {
				t.Errorf("error %q quotes a character of the input", err)
			}
		})
	}
}

func TestGenerateKey(t *testing.T) {
	a, err := GenerateKey()
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	b, err := GenerateKey()
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	if a == b {
		t.Error("two generated keys are equal")
	}
	for _, s := range []string{a, b} {
		if _, err := ParseKey(s); err != nil {
			t.Errorf("ParseKey(GenerateKey()): %v", err)
		}
	}
}

func skipOnWindows(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("Unix permission bits are not meaningful on Windows")
	}
}

func assertPerm(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %04o, want %04o", path, got, want)
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	skipOnWindows(t)
	dir := filepath.Join(t.TempDir(), "conf")
	path := filepath.Join(dir, "secrets.key")

	created, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatalf("LoadOrCreateKeyFile (create): %v", err)
	}
	assertPerm(t, path, 0o600)
	assertPerm(t, dir, 0o700)

	reloaded, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatalf("LoadOrCreateKeyFile (reload): %v", err)
	}
	if created.CurrentKeyID() != reloaded.CurrentKeyID() {
		t.Fatalf("reloaded key id %s differs from created %s", reloaded.CurrentKeyID(), created.CurrentKeyID())
	}
	sealed := mustSeal(t, created, []byte("token"), []byte("row"))
	if got, err := reloaded.Open(sealed, []byte("row")); err != nil || string(got) != "token" {
		t.Fatalf("reloaded keyring Open = %q, %v; want the sealed token", got, err)
	}

	keys, err := ReadKeyFile(path)
	if err != nil {
		t.Fatalf("ReadKeyFile: %v", err)
	}
	if len(keys) != 1 {
		t.Fatalf("new key file holds %d keys, want 1", len(keys))
	}
}

func TestLoadKeyFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.key")
	if _, err := LoadKeyFile(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadKeyFile of a missing file: error = %v, want os.ErrNotExist", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Error("LoadKeyFile created the file")
	}
}

func TestKeyFileRefusesLoosePermissions(t *testing.T) {
	skipOnWindows(t)
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		t.Run(mode.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "secrets.key")
			if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, mode); err != nil { // not subject to umask
				t.Fatal(err)
			}
			_, err := LoadOrCreateKeyFile(path)
			if err == nil {
				t.Fatal("LoadOrCreateKeyFile accepted a key file accessible by others")
			}
			if !strings.Contains(err.Error(), "chmod 600") {
				t.Errorf("error %q does not say how to fix it", err)
			}
			if strings.Contains(err.Error(), key) {
				t.Errorf("error %q contains the key", err)
			}
		})
	}
}

func TestWriteKeyFileAndReload(t *testing.T) {
	skipOnWindows(t)
	oldKey, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "secrets.key")
	if err := WriteKeyFile(path, []string{oldKey}); err != nil {
		t.Fatalf("WriteKeyFile: %v", err)
	}
	before, err := LoadKeyFile(path)
	if err != nil {
		t.Fatalf("LoadKeyFile: %v", err)
	}
	sealed := mustSeal(t, before, []byte("old"), nil)

	// Rotate: prepend a new key (in hex, to mix formats) and rewrite.
	newKey := hex.EncodeToString(testKey(t, 9))
	if err := WriteKeyFile(path, []string{newKey, oldKey}); err != nil {
		t.Fatalf("WriteKeyFile (rotate): %v", err)
	}
	assertPerm(t, path, 0o600)
	after, err := LoadKeyFile(path)
	if err != nil {
		t.Fatalf("LoadKeyFile after rotation: %v", err)
	}
	if after.CurrentKeyID() != keyIDOf(testKey(t, 9)) {
		t.Errorf("current key after rotation is %s, want the new key", after.CurrentKeyID())
	}
	if _, err := after.Open(sealed, nil); err != nil {
		t.Errorf("rotated keyring cannot open value sealed before rotation: %v", err)
	}
	keys, err := ReadKeyFile(path)
	if err != nil {
		t.Fatalf("ReadKeyFile: %v", err)
	}
	if len(keys) != 2 || keys[0] != newKey || keys[1] != oldKey {
		t.Errorf("ReadKeyFile returned %d keys in unexpected order", len(keys))
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after WriteKeyFile, want only the key file (temporary file left behind?)", len(entries))
	}
}

func TestKeyFileIgnoresCommentsAndBlankLines(t *testing.T) {
	skipOnWindows(t)
	k1, k2 := testKey(t, 1), testKey(t, 2)
	content := "# comment\n\n   \n" + base64.StdEncoding.EncodeToString(k1) + "\n  # indented comment\n" +
		hex.EncodeToString(k2) + "\n\n"
	path := filepath.Join(t.TempDir(), "secrets.key")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	kr, err := LoadKeyFile(path)
	if err != nil {
		t.Fatalf("LoadKeyFile: %v", err)
	}
	if kr.CurrentKeyID() != keyIDOf(k1) {
		t.Errorf("current key is %s, want the first key %s", kr.CurrentKeyID(), keyIDOf(k1))
	}
	old := mustSeal(t, newTestKeyring(t, k2), []byte("x"), nil)
	if _, err := kr.Open(old, nil); err != nil {
		t.Errorf("second key in file not usable for Open: %v", err)
	}
}

func TestKeyFileInvalidContents(t *testing.T) {
	skipOnWindows(t)
	k := base64.StdEncoding.EncodeToString(testKey(t, 1))
	tests := []struct {
		name, content, wantInErr string
	}{
		{"no keys", "# only a comment\n\n", "no keys"},
		{"bad key on line 3", "# c\n" + k + "\nnot-a-key\n", "line 3"},
		{"duplicate key", k + "\n" + k + "\n", "duplicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "secrets.key")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadOrCreateKeyFile(path)
			if err == nil {
				t.Fatal("LoadOrCreateKeyFile succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantInErr)
			}
			if strings.Contains(err.Error(), "not-a-key") {
				t.Errorf("error %q echoes file contents", err)
			}
		})
	}
}

func TestWriteKeyFileRejectsInvalidKeys(t *testing.T) {
	k := base64.StdEncoding.EncodeToString(testKey(t, 1))
	tests := []struct {
		name string
		keys []string
	}{
		{"no keys", nil},
		{"invalid key", []string{k, "short"}},
		{"duplicate", []string{k, k}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "secrets.key")
			if err := WriteKeyFile(path, tt.keys); err == nil {
				t.Fatal("WriteKeyFile succeeded, want an error")
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("WriteKeyFile wrote a file despite invalid keys (stat error %v)", err)
			}
		})
	}
}
