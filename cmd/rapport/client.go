package main

import (
	"context"
	"crypto/tls"
	"time"

	"github.com/spf13/pflag"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// clientConfig is how a command reaches the Rapport server.
type clientConfig struct {
	addr   string
	apiKey string
	tlsCA  string
	tls    bool
}

// clientFlags adds --addr (RAPPORT_ADDR, default the quickstart's address),
// --api-key (RAPPORT_API_KEY), --tls and --tls-ca (RAPPORT_TLS_CA).
func clientFlags(fs *pflag.FlagSet, getenv func(string) string) *clientConfig {
	c := &clientConfig{}
	addr := getenv("RAPPORT_ADDR")
	if addr == "" {
		addr = "127.0.0.1:50051"
	}
	fs.StringVar(&c.addr, "addr", addr, "address of the Rapport server (RAPPORT_ADDR)")
	fs.StringVar(&c.apiKey, "api-key", getenv("RAPPORT_API_KEY"), "API key to call with; empty calls without credentials, as development mode allows (RAPPORT_API_KEY)")
	showDefault(fs, "api-key", "")
	fs.StringVar(&c.tlsCA, "tls-ca", getenv("RAPPORT_TLS_CA"), "PEM CA certificates to verify the server with; implies --tls (RAPPORT_TLS_CA)")
	fs.BoolVar(&c.tls, "tls", false, "connect with TLS, verifying the server with the system's CAs")
	return c
}

// dial opens a client connection to the Rapport server.
func (c *clientConfig) dial() (*grpc.ClientConn, error) {
	creds := insecure.NewCredentials()
	if c.tls || c.tlsCA != "" {
		t := &tls.Config{MinVersion: tls.VersionTLS12}
		if c.tlsCA != "" {
			pool, err := certPool(c.tlsCA)
			if err != nil {
				return nil, err
			}
			t.RootCAs = pool
		}
		creds = credentials.NewTLS(t)
	}
	opts := []grpc.DialOption{grpc.WithTransportCredentials(creds)}
	if c.apiKey != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(bearer{token: c.apiKey}))
	}
	return grpc.NewClient(c.addr, opts...)
}

// bearer sends an API key as "authorization: Bearer ...". It does not
// insist on TLS (grpc-go's oauth credentials do): a server on loopback or
// behind a TLS-terminating proxy is reached in plaintext.
type bearer struct{ token string }

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

func (bearer) RequireTransportSecurity() bool { return false }

// demoCustomerNames names the demo customers, for messages.
// customers/ada-lovelace-phone is merged into customers/ada-lovelace.
const demoCustomerNames = "customers/ada-lovelace, customers/ada-lovelace-phone, customers/grace-hopper, customers/alan-turing, customers/katherine-johnson"

// loadDemoAt loads the demo data through the API of the server at addr,
// within a minute.
func loadDemoAt(ctx context.Context, c *clientConfig) error {
	conn, err := c.dial()
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return seedDemo(ctx, conn, time.Now())
}
