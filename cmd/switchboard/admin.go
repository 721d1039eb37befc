package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/secrets"
	"github.com/switchboard/switchboard/server"
)

// tokenCreate prints a new API token, and nothing else, on stdout so scripts can
// capture it. A tenant or user that does not exist is created.
func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	role := fs.String("role", "", "ADMIN, SUPERVISOR or AGENT (required)")
	userName := fs.String("user", "", "user name (required)")
	tenantName := fs.String("tenant", "", "tenant name (default: the only tenant, or \"default\")")
	name := fs.String("name", "cli", "a label for the token")
	cfg := serverDefaults()
	bindDataDir(fs, &cfg.DataDir)
	bindDatabaseURL(fs, &cfg.DatabaseURL)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	r := core.Role(strings.ToUpper(*role))
	if !r.Valid() || strings.TrimSpace(*userName) == "" {
		fmt.Fprintln(stderr, "token create: --role ADMIN|SUPERVISOR|AGENT and --user NAME are required")
		return errUsage
	}
	cfg.SecretKey = env("SECRET_KEY", "")
	srv, err := server.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer srv.Close()
	tenant := *tenantName
	if tenant == "" {
		if tenant, err = srv.Auth.DefaultTenantName(ctx); err != nil {
			return err
		}
	}
	token, _, err := srv.Auth.EnsureUser(ctx, tenant, strings.TrimSpace(*userName), r, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}

// keysRotate re-encrypts every stored secret under a new key. With the key file
// (the default) it generates the key, keeps the old one in the file until every
// row is re-encrypted, then drops it, so a crash midway loses nothing. With
// SWITCHBOARD_SECRET_KEY it takes the new key from SWITCHBOARD_NEW_SECRET_KEY.
// Stop the server first: a running server holds the old key only.
func keysRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := serverDefaults()
	bindDataDir(fs, &cfg.DataDir)
	bindDatabaseURL(fs, &cfg.DatabaseURL)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if old := env("SECRET_KEY", ""); old != "" {
		newKey := env("NEW_SECRET_KEY", "")
		if newKey == "" {
			return errors.New("keys rotate: SWITCHBOARD_SECRET_KEY is set, so give the new key in SWITCHBOARD_NEW_SECRET_KEY (make one with: openssl rand -base64 32)")
		}
		cfg.SecretKey = newKey + "," + old
		n, err := reseal(ctx, cfg, quiet)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Re-encrypted %d account(s). Now set SWITCHBOARD_SECRET_KEY to the new key and unset SWITCHBOARD_NEW_SECRET_KEY.\n", n)
		return nil
	}
	path := filepath.Join(cfg.DataDir, server.KeyFileName)
	old, err := secrets.ReadKeyFile(path)
	if err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	newKey, err := secrets.GenerateKey()
	if err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	if err := secrets.WriteKeyFile(path, append([]string{newKey}, old...)); err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	n, err := reseal(ctx, cfg, quiet)
	if err != nil {
		return err
	}
	if err := secrets.WriteKeyFile(path, []string{newKey}); err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	fmt.Fprintf(stdout, "Re-encrypted %d account(s) under a new key in %s.\n", n, path)
	return nil
}

func reseal(ctx context.Context, cfg server.Config, log *slog.Logger) (int, error) {
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		return 0, err
	}
	defer srv.Close()
	n, err := srv.Accounts.Reseal(ctx)
	if err != nil {
		return 0, fmt.Errorf("keys rotate: %w", err)
	}
	return n, nil
}
