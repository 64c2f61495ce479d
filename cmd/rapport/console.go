package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/rapporthq/rapport/console"
	"github.com/rapporthq/rapport/service"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
)

// listenConsole opens the console's listener, or returns nil when there is
// no console. A busy port is an error when the address was asked for; for
// the development default it only turns the console off.
func listenConsole(cfg config, development bool, logger *slog.Logger) (net.Listener, error) {
	if cfg.ConsoleListen == "" {
		return nil, nil
	}
	lis, err := net.Listen("tcp", cfg.ConsoleListen)
	if err != nil {
		if cfg.consoleDefault {
			logger.Warn("web console off: its development address is taken; pick another with --console-listen", "address", cfg.ConsoleListen, "error", err)
			return nil, nil
		}
		return nil, fmt.Errorf("listen on %s: %w", cfg.ConsoleListen, err)
	}
	if development && !cfg.InsecureAllowNoAuth {
		if a, ok := lis.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
			lis.Close()
			return nil, fmt.Errorf("development mode: the console %s listens on %s, not a loopback address; see --insecure-allow-unauthenticated", cfg.ConsoleListen, lis.Addr())
		}
	}
	return lis, nil
}

// serveConsole serves the web console on lis until ctx ends. The console
// calls the server's public gRPC API over an in-process connection (the
// whole interceptor chain: authentication, scopes, limits, audit), with the
// signed-in user's credential; under TLS it serves HTTPS with the server's
// certificate and its cookies are Secure.
func serveConsole(ctx context.Context, g *errgroup.Group, lis net.Listener, srv *service.Server, tlsCfg *tls.Config, development bool, logger *slog.Logger) error {
	inproc := bufconn.Listen(1 << 20)
	creds := insecure.NewCredentials()
	if tlsCfg != nil {
		creds = credentials.NewTLS(pinnedTLS(tlsCfg))
	}
	conn, err := grpc.NewClient("passthrough:///rapport-console",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return inproc.DialContext(ctx) }),
		grpc.WithTransportCredentials(creds))
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	g.Go(func() error {
		// Stopping the server (GracefulStop) closes this listener too.
		if err := srv.GRPC.Serve(inproc); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			return fmt.Errorf("console's in-process gRPC: %w", err)
		}
		return nil
	})
	h := console.New(console.Config{Conn: conn, Development: development, SecureCookies: tlsCfg != nil, Logger: logger})
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	scheme := "http"
	if tlsCfg != nil {
		web := tlsCfg.Clone()
		web.ClientAuth, web.ClientCAs = tls.NoClientCert, nil // browsers sign in with a key
		hs.TLSConfig = web
		scheme = "https"
	}
	g.Go(func() error {
		logger.Info("serving the web console", "url", scheme+"://"+lis.Addr().String()+"/")
		var err error
		if tlsCfg != nil {
			err = hs.ServeTLS(lis, "", "")
		} else {
			err = hs.Serve(lis)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("console server: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err := hs.Shutdown(sctx)
		if errors.Is(err, context.DeadlineExceeded) {
			// Browsers hold connections open that never send a request
			// (preconnects), which Shutdown waits for: close them.
			logger.Warn("console: connections still open at stop; closing them")
			err = hs.Close()
		}
		_ = conn.Close()
		return err
	})
	return nil
}

// pinnedTLS is the client side of the in-process connection under TLS: it
// accepts exactly the server's own certificate (whatever name it carries).
func pinnedTLS(server *tls.Config) *tls.Config {
	var want []byte
	if len(server.Certificates) > 0 && len(server.Certificates[0].Certificate) > 0 {
		want = server.Certificates[0].Certificate[0]
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The chain is not verified against CAs: the only certificate
		// accepted is the one this process serves, checked below.
		InsecureSkipVerify: true, //nolint:gosec // pinned by VerifyPeerCertificate
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 || want == nil || !bytes.Equal(raw[0], want) {
				return errors.New("console: the in-process server presented another certificate")
			}
			return nil
		},
	}
}
