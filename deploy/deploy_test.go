// Package deploy holds the deployment files; its test checks them.
package deploy

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// docs parses every YAML document of a file.
func docs(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	dec := yaml.NewDecoder(f)
	for {
		var d map[string]any
		if err := dec.Decode(&d); err != nil {
			if err.Error() == "EOF" {
				return out
			}
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, d)
	}
}

func get(m any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			mm, _ := m.(map[string]any)
			m = mm[k]
		case int:
			s, _ := m.([]any)
			if k >= len(s) {
				return nil
			}
			m = s[k]
		}
	}
	return m
}

func TestKubernetesManifests(t *testing.T) {
	files, _ := filepath.Glob("k8s/*.yaml")
	if len(files) < 6 {
		t.Fatalf("found %d manifests", len(files))
	}
	kinds := map[string]map[string]any{}
	for _, f := range files {
		for _, d := range docs(t, f) {
			for _, field := range []string{"apiVersion", "kind"} {
				if s, _ := d[field].(string); s == "" {
					t.Errorf("%s: no %s", f, field)
				}
			}
			if name, _ := get(d, "metadata", "name").(string); name == "" {
				t.Errorf("%s: no metadata.name", f)
			}
			kinds[d["kind"].(string)] = d
		}
	}
	for _, k := range []string{"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ConfigMap", "Secret"} {
		if kinds[k] == nil {
			t.Errorf("no %s", k)
		}
	}
	dep := kinds["Deployment"]
	c := get(dep, "spec", "template", "spec", "containers", 0)
	ports := map[string]int{}
	for _, p := range get(c, "ports").([]any) {
		ports[get(p, "name").(string)] = get(p, "containerPort").(int)
	}
	for _, probe := range []string{"readinessProbe", "livenessProbe", "startupProbe"} {
		if port, _ := get(c, probe, "grpc", "port").(int); port != ports["grpc"] {
			t.Errorf("%s is not a gRPC probe on the grpc port %d", probe, ports["grpc"])
		}
	}
	labels := get(dep, "spec", "template", "metadata", "labels").(map[string]any)
	for _, sel := range []any{get(dep, "spec", "selector", "matchLabels"), get(kinds["Service"], "spec", "selector"), get(kinds["PodDisruptionBudget"], "spec", "selector", "matchLabels")} {
		for k, v := range sel.(map[string]any) {
			if labels[k] != v {
				t.Errorf("selector %s=%v does not match the pod labels %v", k, v, labels)
			}
		}
	}
	if get(kinds["Service"], "spec", "clusterIP") != "None" {
		t.Error("the Service should be headless so gRPC clients balance across pods")
	}
	if get(c, "securityContext", "allowPrivilegeEscalation") != false || get(dep, "spec", "template", "spec", "securityContext", "runAsNonRoot") != true {
		t.Error("the container should run non-root without privilege escalation")
	}
	if get(kinds["HorizontalPodAutoscaler"], "spec", "scaleTargetRef", "name") != get(dep, "metadata", "name") {
		t.Error("the autoscaler does not target the Deployment")
	}
	env := map[string]bool{}
	for _, ref := range get(c, "envFrom").([]any) {
		for _, kind := range []string{"configMapRef", "secretRef"} {
			if n, ok := get(ref, kind, "name").(string); ok {
				env[kind+"/"+n] = true
			}
		}
	}
	if !env["configMapRef/"+get(kinds["ConfigMap"], "metadata", "name").(string)] || !env["secretRef/"+get(kinds["Secret"], "metadata", "name").(string)] {
		t.Errorf("the Deployment does not read the ConfigMap and Secret: %v", env)
	}
	env2 := map[string]any{}
	for k, v := range get(kinds["ConfigMap"], "data").(map[string]any) {
		env2[k] = v
	}
	for k, v := range get(kinds["Secret"], "stringData").(map[string]any) {
		env2[k] = v
	}
	requiresCredentials(t, "the ConfigMap and Secret", env2)
	replicasShareTheLimits(t, dep, kinds["HorizontalPodAutoscaler"], env2)
}

// replicasShareTheLimits checks that the scaled Deployment runs on MongoDB
// (replicas cannot share the embedded store) and tells each replica how
// many there may be (RAPPORT_REPLICAS, the autoscaler's maximum), so that
// the per-tenant limits, divided by it, hold for the whole deployment.
func replicasShareTheLimits(t *testing.T, dep, hpa map[string]any, env map[string]any) {
	t.Helper()
	if uri, _ := env["RAPPORT_MONGODB_URI"].(string); !strings.HasPrefix(uri, "mongodb") {
		t.Errorf("several replicas need MongoDB: RAPPORT_MONGODB_URI is %q", uri)
	}
	most, _ := get(hpa, "spec", "maxReplicas").(int)
	least, _ := get(hpa, "spec", "minReplicas").(int)
	n, err := strconv.Atoi(fmt.Sprint(env["RAPPORT_REPLICAS"]))
	if err != nil || n != most {
		t.Errorf("RAPPORT_REPLICAS is %v, want the autoscaler's maxReplicas %d", env["RAPPORT_REPLICAS"], most)
	}
	if r, _ := get(dep, "spec", "replicas").(int); least < 2 || r < least || r > most {
		t.Errorf("the Deployment runs %d replicas, the autoscaler %d to %d: want at least 2, within the range", r, least, most)
	}
	for _, k := range []string{"RAPPORT_TENANT_RATE", "RAPPORT_TENANT_BURST"} {
		if v, err := strconv.ParseFloat(fmt.Sprint(env[k]), 64); err != nil || v < float64(n) {
			t.Errorf("%s %v: want at least RAPPORT_REPLICAS (%d), so that each replica's share is at least 1", k, env[k], n)
		}
	}
}

// requiresCredentials checks that a deployment listening beyond loopback
// configures credentials (the server refuses to start otherwise) and never
// the insecure override.
func requiresCredentials(t *testing.T, what string, env map[string]any) {
	t.Helper()
	if listen, _ := env["RAPPORT_LISTEN"].(string); strings.HasPrefix(listen, "127.") {
		return
	}
	keys, _ := env["RAPPORT_API_KEYS"].(string)
	jwks, _ := env["RAPPORT_JWT_KEYS"].(string)
	if keys != "true" && jwks == "" {
		t.Errorf("%s listens beyond loopback without RAPPORT_API_KEYS or RAPPORT_JWT_KEYS: the server would refuse to start", what)
	}
	if kek, _ := env["RAPPORT_KEK"].(string); kek == "" && env["RAPPORT_KEK_FILE"] == nil {
		t.Errorf("%s gives no key-encryption key (RAPPORT_KEK or RAPPORT_KEK_FILE): the server would refuse to start", what)
	}
	if v, ok := env["RAPPORT_INSECURE_ALLOW_UNAUTHENTICATED"]; ok {
		t.Errorf("%s sets RAPPORT_INSECURE_ALLOW_UNAUTHENTICATED=%v", what, v)
	}
}

func TestComposeFile(t *testing.T) {
	d := docs(t, "compose.yaml")[0]
	services := d["services"].(map[string]any)
	var mongos, rapports []string
	for name, s := range services {
		cmd := strings.Join(toStrings(get(s, "command")), " ")
		if strings.Contains(cmd, "--replSet rs0") {
			mongos = append(mongos, name)
		}
		if uri, _ := get(s, "environment", "RAPPORT_MONGODB_URI").(string); uri != "" {
			rapports = append(rapports, name)
			requiresCredentials(t, name, get(s, "environment").(map[string]any))
			if !strings.Contains(uri, "replicaSet=rs0") || !strings.Contains(uri, "w=majority") {
				t.Errorf("%s: URI %q should name the replica set and w=majority", name, uri)
			}
		}
	}
	slices.Sort(mongos)
	if len(mongos) != 3 || len(rapports) != 2 {
		t.Errorf("replica set members %v, Rapport replicas %v; want 3 and 2", mongos, rapports)
	}
	for _, name := range rapports {
		if n := toString(get(services[name], "environment", "RAPPORT_REPLICAS")); n != strconv.Itoa(len(rapports)) {
			t.Errorf("%s: RAPPORT_REPLICAS %q, want %d (the Rapport replicas of the file)", name, n, len(rapports))
		}
	}
	if _, err := os.Stat(filepath.Join("..", toString(get(services["rapport1"], "build", "dockerfile")))); err != nil {
		t.Errorf("the compose build's Dockerfile: %v", err)
	}
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		out = append(out, toString(x))
	}
	return out
}

func toString(v any) string { s, _ := v.(string); return s }

// dockerfile returns the ENV settings and EXPOSEd ports of the Dockerfile's
// final stage.
func dockerfile(t *testing.T) (env map[string]string, exposed []string) {
	t.Helper()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	env = map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "FROM": // a new stage: only the last one is the image
			env, exposed = map[string]string{}, nil
		case "ENV":
			for _, kv := range fields[1:] {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
		case "EXPOSE":
			exposed = append(exposed, fields[1:]...)
		}
	}
	return env, exposed
}

// port is the port of a host:port address, or "".
func port(addr string) string {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	return p
}

// The image listens for gRPC and metrics on every interface (a loopback
// address cannot be reached from outside the container) and EXPOSEs both.
func TestDockerfile(t *testing.T) {
	env, exposed := dockerfile(t)
	for _, name := range []string{"RAPPORT_LISTEN", "RAPPORT_METRICS_LISTEN"} {
		addr := env[name]
		host, p, err := net.SplitHostPort(addr)
		if err != nil {
			t.Errorf("%s=%q: %v", name, addr, err)
			continue
		}
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			t.Errorf("%s=%q cannot be reached from outside the container", name, addr)
		}
		if !slices.Contains(exposed, p) && !slices.Contains(exposed, p+"/tcp") {
			t.Errorf("%s listens on port %s, which the image does not EXPOSE (it EXPOSEs %v)", name, p, exposed)
		}
	}
}

// Compose and Kubernetes publish and scrape the metrics port the server
// listens on.
func TestMetricsPortsLineUp(t *testing.T) {
	services := docs(t, "compose.yaml")[0]["services"].(map[string]any)
	for _, name := range []string{"rapport1", "rapport2"} {
		p := port(toString(get(services[name], "environment", "RAPPORT_METRICS_LISTEN")))
		var published bool
		for _, m := range toStrings(get(services[name], "ports")) {
			published = published || strings.HasSuffix(m, ":"+p)
		}
		if p == "" || !published {
			t.Errorf("%s: metrics port %q is not published in %v", name, p, get(services[name], "ports"))
		}
	}
	var dep, cm map[string]any
	for _, f := range []string{"k8s/deployment.yaml", "k8s/configmap.yaml"} {
		for _, d := range docs(t, f) {
			switch d["kind"] {
			case "Deployment":
				dep = d
			case "ConfigMap":
				cm = d
			}
		}
	}
	p := port(toString(get(cm, "data", "RAPPORT_METRICS_LISTEN")))
	if got := toString(get(dep, "spec", "template", "metadata", "annotations", "prometheus.io/port")); got != p {
		t.Errorf("Prometheus scrapes port %q, the server listens on %q", got, p)
	}
	var containerPort int
	for _, cp := range get(dep, "spec", "template", "spec", "containers", 0, "ports").([]any) {
		if get(cp, "name") == "metrics" {
			containerPort, _ = get(cp, "containerPort").(int)
		}
	}
	if p == "" || strconv.Itoa(containerPort) != p {
		t.Errorf("the container's metrics port is %d, the server listens on %q", containerPort, p)
	}
}

// The compose file uses the Compose Specification's top-level name, which
// Compose v1 refuses: the file and the guide say that v2 is needed.
func TestComposeNeedsV2(t *testing.T) {
	if _, ok := docs(t, "compose.yaml")[0]["name"]; !ok {
		t.Skip("no top-level name: Compose v1 would do")
	}
	for _, f := range []string{"compose.yaml", "README.md", "../docs/operations.md"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "Compose v2") {
			t.Errorf("%s does not say that the compose file needs Docker Compose v2", f)
		}
	}
}

// The alert rules have what an alert needs (a severity, a summary and a
// description, a valid for), unique names, and a promtool test that fires
// each one and one where it does not fire. CI runs promtool itself; this
// test is what remains where promtool is not installed.
func TestPrometheusRules(t *testing.T) {
	rules := docs(t, "prometheus/rapport-rules.yaml")[0]
	alerts := map[string]bool{}
	for _, g := range get(rules, "groups").([]any) {
		for _, r := range get(g, "rules").([]any) {
			name := toString(get(r, "alert"))
			if name == "" || alerts[name] {
				t.Errorf("alert %q: empty or given twice", name)
			}
			alerts[name] = true
			if toString(get(r, "expr")) == "" {
				t.Errorf("%s: no expr", name)
			}
			if s := toString(get(r, "labels", "severity")); s != "critical" && s != "warning" {
				t.Errorf("%s: severity %q, want critical or warning", name, s)
			}
			for _, a := range []string{"summary", "description"} {
				if toString(get(r, "annotations", a)) == "" {
					t.Errorf("%s: no %s", name, a)
				}
			}
			if f, ok := get(r, "for").(string); ok {
				if _, err := time.ParseDuration(f); err != nil {
					t.Errorf("%s: for %q: %v", name, f, err)
				}
			}
		}
	}
	if len(alerts) < 9 {
		t.Errorf("%d alerts", len(alerts))
	}
	tests := docs(t, "prometheus/rapport-rules.test.yaml")[0]
	if !slices.Contains(toStrings(tests["rule_files"]), "rapport-rules.yaml") {
		t.Errorf("the promtool tests do not load rapport-rules.yaml: %v", tests["rule_files"])
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range get(tests, "tests").([]any) {
		for _, a := range get(tc, "alert_rule_test").([]any) {
			name := toString(get(a, "alertname"))
			if !alerts[name] {
				t.Errorf("the promtool tests test an alert that is not in the rules: %s", name)
			}
			if exp, _ := get(a, "exp_alerts").([]any); len(exp) > 0 {
				fires[name] = true
			} else {
				quiet[name] = true
			}
		}
	}
	for name := range alerts {
		if !fires[name] || !quiet[name] {
			t.Errorf("%s: the promtool tests should see it fire (%v) and not fire (%v)", name, fires[name], quiet[name])
		}
	}
}
