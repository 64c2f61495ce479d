package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// rapportCmd runs a rapport command to its end and returns its stdout.
func rapportCmd(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "RAPPORT_MONGODB_URI=", "RAPPORT_KEK="+testKEK)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil {
		t.Logf("rapport %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), err
}

func bearerCtx(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

// An API key made with `rapport keys create` works against a server with
// --api-keys, is listed without its secret, and stops working once revoked.
func TestAPIKeysEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	out, err := rapportCmd(t, bin, "keys", "create", "--data-dir", dataDir, "--tenant", "acme", "--scopes", "context.read,customer.write", "--name", "desk")
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(out)
	if !strings.HasPrefix(key, "rk_") {
		t.Fatalf("keys create printed %q, want a key", out)
	}
	if _, err := rapportCmd(t, bin, "keys", "create", "--data-dir", dataDir, "--tenant", "acme", "--scopes", "root"); err == nil {
		t.Fatal("keys create accepted an unknown scope")
	}
	srv := start(t, bin, dataDir, freeAddr(t), "--api-keys", "--api-key-cache-ttl", "300ms")
	defer srv.stop(t)
	customers := rapportv1.NewCustomerServiceClient(srv.conn)
	create := func(ctx context.Context, id string) error {
		_, err := customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: id, Customer: &rapportv1.Customer{DisplayName: id}})
		return err
	}
	if err := create(t.Context(), "anon"); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("without credentials: %v, want UNAUTHENTICATED", err)
	}
	if err := create(bearerCtx(t.Context(), key), "ada"); err != nil {
		t.Fatalf("with the key: %v", err)
	}
	// The key commands open the same data directory while the server runs.
	list, err := rapportCmd(t, bin, "keys", "list", "--data-dir", dataDir)
	if err != nil {
		t.Fatal(err)
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(key, "rk_"), "_")
	if !strings.Contains(list, id) || !strings.Contains(list, "acme") || !strings.Contains(list, "desk") || strings.Contains(list, key[len("rk_")+len(id)+1:]) {
		t.Fatalf("keys list:\n%s\nwant the key's ID, tenant and name, never its secret", list)
	}
	if _, err := rapportCmd(t, bin, "keys", "revoke", "--data-dir", dataDir, "apiKeys/"+id); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	for {
		err := create(bearerCtx(t.Context(), key), "grace")
		if status.Code(err) == codes.Unauthenticated {
			t.Logf("revocation applied after %v", time.Since(revoked).Round(time.Millisecond))
			break
		}
		if time.Since(revoked) > 10*time.Second {
			t.Fatalf("revoked key still accepted 10s later: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	list, _ = rapportCmd(t, bin, "keys", "list", "--data-dir", dataDir, "--tenant", "acme")
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) == 7 && f[0] == id && f[6] == "-" {
			t.Fatalf("keys list shows the key unrevoked:\n%s", list)
		}
	}
	if !strings.Contains(list, id) {
		t.Fatalf("keys list --tenant acme lacks the key:\n%s", list)
	}
}

// With no credentials configured the server stays on loopback unless told
// otherwise by a flag that says it is insecure.
func TestDevelopmentModeStaysOnLoopback(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	port := freeAddr(t)[len("127.0.0.1:"):]
	var errOut bytes.Buffer
	cmd := exec.Command(bin, "serve", "--listen", "0.0.0.0:"+port, "--data-dir", t.TempDir(), "--metrics-listen", "")
	cmd.Stderr = &errOut
	if err := cmd.Run(); err == nil || !strings.Contains(errOut.String(), "--insecure-allow-unauthenticated") {
		t.Fatalf("serve on 0.0.0.0 without credentials: %v\n%s\nwant a refusal naming the insecure flag", err, errOut.String())
	}
	// Told so, it listens everywhere and says loudly what it is doing.
	p := startWith(t, bin, t.TempDir(), "0.0.0.0:"+port, insecure.NewCredentials(), "--insecure-allow-unauthenticated")
	defer p.stop(t)
	if !strings.Contains(p.logs.String(), "DEVELOPMENT MODE") {
		t.Fatalf("no development mode warning in the logs:\n%s", p.logs)
	}
}

// testPKI writes a CA, a server certificate for 127.0.0.1 and a client
// certificate, and returns their file names.
type testPKI struct {
	caFile, serverCert, serverKey string
	client                        tls.Certificate
	pool                          *x509.CertPool
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "rapport"}, NotBefore: time.Now().Add(-time.Hour),
			NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, key
	}
	write := func(name, typ string, b []byte) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	p := testPKI{caFile: write("ca.pem", "CERTIFICATE", caDER), pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	srvDER, srvKey := issue(2, x509.ExtKeyUsageServerAuth)
	p.serverCert = write("server.pem", "CERTIFICATE", srvDER)
	kb, _ := x509.MarshalECPrivateKey(srvKey)
	p.serverKey = write("server-key.pem", "EC PRIVATE KEY", kb)
	cliDER, cliKey := issue(3, x509.ExtKeyUsageClientAuth)
	p.client = tls.Certificate{Certificate: [][]byte{cliDER}, PrivateKey: cliKey}
	return p
}

// Mutual TLS on the listener, with JWTs verified against a PEM public key:
// only a client with a certificate from the CA gets a connection, and only
// a signed token gets an answer.
func TestMutualTLSAndJWTEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	pki := newTestPKI(t)
	signer, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := x509.MarshalPKIXPublicKey(&signer.PublicKey)
	jwtKeys := filepath.Join(t.TempDir(), "jwt.pem")
	if err := os.WriteFile(jwtKeys, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	withCert := credentials.NewTLS(&tls.Config{RootCAs: pki.pool, Certificates: []tls.Certificate{pki.client}, MinVersion: tls.VersionTLS12})
	p := startWith(t, bin, t.TempDir(), addr, withCert,
		"--tls-cert", pki.serverCert, "--tls-key", pki.serverKey, "--tls-client-ca", pki.caFile,
		"--jwt-keys", jwtKeys, "--jwt-issuer", "https://idp.test")
	defer p.stop(t)

	token := func(claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodES256, claims).SignedString(signer)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := token(jwt.MapClaims{"iss": "https://idp.test", "sub": "desk-7", "tenant": "acme", "scope": "context.read customer.write", "exp": time.Now().Add(time.Hour).Unix()})
	customers := rapportv1.NewCustomerServiceClient(p.conn)
	if _, err := customers.CreateCustomer(bearerCtx(t.Context(), good), &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{DisplayName: "Ada"}}); err != nil {
		t.Fatalf("mTLS client with a signed token: %v", err)
	}
	otherTenant := token(jwt.MapClaims{"iss": "https://idp.test", "sub": "desk-8", "tenant": "globex", "scope": "context.read", "exp": time.Now().Add(time.Hour).Unix()})
	if _, err := customers.GetCustomer(bearerCtx(t.Context(), otherTenant), &rapportv1.GetCustomerRequest{Name: "customers/ada"}); status.Code(err) != codes.NotFound {
		t.Fatalf("another tenant's token reads acme's customer: %v, want NOT_FOUND", err)
	}
	if _, err := customers.GetCustomer(t.Context(), &rapportv1.GetCustomerRequest{Name: "customers/ada"}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("mTLS client without a token: %v, want UNAUTHENTICATED", err)
	}
	for name, creds := range map[string]credentials.TransportCredentials{
		"plaintext":                 insecure.NewCredentials(),
		"TLS without a client cert": credentials.NewTLS(&tls.Config{RootCAs: pki.pool, MinVersion: tls.VersionTLS12}),
	} {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		cancel()
		conn.Close()
		if status.Code(err) != codes.Unavailable {
			t.Errorf("%s: %v, want the connection refused (UNAVAILABLE)", name, err)
		}
	}
}

func TestLoopbackAddresses(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:50051": true, "localhost:50051": true, "[::1]:50051": true, "127.5.6.7:1": true,
		"0.0.0.0:50051": false, ":50051": false, "[::]:50051": false, "10.0.0.1:50051": false,
		"rapport.example.com:50051": false, "127.0.0.1": false, "[::ffff:127.0.0.1]:1": true,
	} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestSecurityConfigIsValidatedOnce(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, tc := range []struct {
		args []string
		want string // in the error; "" for none
	}{
		{[]string{"--api-keys", "--listen", "0.0.0.0:50051"}, ""},
		{[]string{"--sqlite-synchronous", "off"}, "--sqlite-synchronous"},
		{[]string{"--sqlite-synchronous", "NORMAL"}, ""},
		{[]string{"--listen", "0.0.0.0:50051", "--insecure-allow-unauthenticated"}, ""},
		{[]string{"--listen", "0.0.0.0:50051"}, "--insecure-allow-unauthenticated"},
		{[]string{"--tls-cert", "c.pem"}, "--tls-cert and --tls-key go together"},
		{[]string{"--tls-client-ca", "ca.pem"}, "needs --tls-cert"},
		{[]string{"--api-keys", "--demo"}, "development mode only"},
		{[]string{"--demo", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, "does not work with --tls-cert"},
		{[]string{"--api-keys", "--api-key-cache-ttl", "2h"}, "api key cache ttl"},
		{[]string{"--jwt-keys", "k.pem", "--jwt-leeway", "1h"}, "jwt leeway"},
		{[]string{"--tenant-rate", "-1"}, "rates must not be negative"},
		{[]string{"--key-burst", "0"}, "bursts must be at least 1"},
		{[]string{"--default-deadline", "0s"}, "default deadline"},
		{[]string{"--max-watch-streams-per-tenant", "-1"}, "per tenant"},
		{[]string{"--audit-retention", "30m"}, "audit retention"},
	} {
		_, err := parseServeConfig(tc.args, noEnv)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
}
