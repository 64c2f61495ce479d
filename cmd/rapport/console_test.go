package main

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/console"
	"google.golang.org/grpc/credentials"
)

func TestConsoleListenConfig(t *testing.T) {
	t.Parallel()
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	keys := map[string]string{"RAPPORT_API_KEYS": "true", "RAPPORT_KEK": testKEK}
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		want    string
		errText string
	}{
		{name: "development default", want: defaultConsoleListen},
		{name: "development, turned off", args: []string{"--console-listen="}, want: ""},
		{name: "development, another port", args: []string{"--console-listen", "127.0.0.1:9000"}, want: "127.0.0.1:9000"},
		{name: "development, by variable", env: map[string]string{"RAPPORT_CONSOLE_LISTEN": "[::1]:9000"}, want: "[::1]:9000"},
		{name: "development, not loopback", args: []string{"--console-listen", "0.0.0.0:8080"}, errText: "the console signs nobody in and listens on loopback addresses only"},
		{name: "development, not loopback, insecure allowed", args: []string{"--console-listen", "0.0.0.0:8080", "--insecure-allow-unauthenticated"}, want: "0.0.0.0:8080"},
		{name: "keys: off unless set", env: keys, want: ""},
		{name: "keys: any address", args: []string{"--console-listen", "0.0.0.0:8443"}, env: keys, want: "0.0.0.0:8443"},
		{name: "bad address", args: []string{"--console-listen", "8080"}, errText: "--console-listen \"8080\""},
		{name: "mutual TLS", args: []string{"--console-listen", ":8443", "--tls-cert", "c", "--tls-key", "k", "--tls-client-ca", "ca"}, env: keys, errText: "does not work with --tls-client-ca"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseServeConfig(tc.args, env(tc.env))
			if tc.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("error %v, want %q", err, tc.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ConsoleListen != tc.want {
				t.Errorf("console listen %q, want %q", cfg.ConsoleListen, tc.want)
			}
		})
	}
}

// The development default gives way to whatever holds its port; an address
// asked for does not.
func TestConsoleBusyPort(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	lis, err := listenConsole(config{ConsoleListen: busy.Addr().String(), consoleDefault: true}, true, logger)
	if err != nil || lis != nil {
		t.Errorf("default address busy: %v, %v; want no console and no error", lis, err)
	}
	if _, err := listenConsole(config{ConsoleListen: busy.Addr().String()}, true, logger); err == nil {
		t.Error("an address asked for was busy, and serve went on")
	}
}

// Under TLS the console serves HTTPS with the server's certificate, its
// cookies are Secure, and its in-process calls (TLS too, pinned to that
// certificate) work: an API key signs in.
func TestConsoleOverTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	pki := newTestPKI(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	key := createKey(t, bin, dataDir, "context.read")
	web := freeAddr(t)
	p := startWith(t, bin, dataDir, freeAddr(t), credentials.NewTLS(&tls.Config{RootCAs: pki.pool, MinVersion: tls.VersionTLS12}),
		"--api-keys", "--tls-cert", pki.serverCert, "--tls-key", pki.serverKey, "--console-listen", web)
	defer p.stop(t)

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.pool, MinVersion: tls.VersionTLS12}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := "https://" + web
	resp, err := c.Get(base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	secure := func(resp *http.Response, name string) {
		t.Helper()
		for _, ck := range resp.Cookies() {
			if ck.Name == name && ck.Secure && ck.HttpOnly && ck.SameSite == http.SameSiteStrictMode {
				return
			}
		}
		t.Errorf("no Secure, HttpOnly, SameSite=Strict %s cookie over TLS: %v", name, resp.Header["Set-Cookie"])
	}
	secure(resp, "rapport_console_signin")
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no Strict-Transport-Security over TLS")
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(string(body))
	if m == nil {
		t.Fatalf("no sign-in form:\n%s", body)
	}
	resp, err = c.PostForm(base+"/signin", url.Values{"csrf": {m[1]}, "credential": {key}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	secure(resp, console.CookieName)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("sign-in over TLS: %d %q; logs:\n%s", resp.StatusCode, resp.Header.Get("Location"), p.logs)
	}
	resp, err = c.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "All customers") {
		t.Errorf("signed in over TLS: %d\n%s", resp.StatusCode, body)
	}
}
