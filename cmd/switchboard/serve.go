package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/switchboard/switchboard/server"
)

// serve runs the server until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg server.Config
	finish := bindConfig(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		// Parsing stops at the first argument, so flags after it would be
		// silently ignored; "--allow-private-urls true" is the usual cause.
		fmt.Fprintf(stderr, "serve takes no arguments, got %q (boolean flags take no value: --allow-private-urls, or --allow-private-urls=false)\n", fs.Args())
		return errUsage
	}
	if err := finish(); err != nil {
		return err
	}
	log := newLogger(stderr)
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	srv.Start()

	token, err := srv.Auth.Bootstrap(ctx)
	if err != nil {
		return err
	}
	if token != "" {
		fmt.Fprintf(stdout, "First start: created tenant %q and user \"admin\" (ADMIN).\n"+
			"Admin API token (shown once, store it now):\n\n  %s\n\n", "default", token)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	hs.RegisterOnShutdown(srv.Shutdown)
	log.Info("switchboard listening", "addr", ln.Addr().String(), "data_dir", cfg.DataDir, "public_url", cfg.PublicURL)

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("switchboard shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
