package deploy

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/csdi-hk/csdi/internal/config"
)

// root is the repository, where docker-compose.yml and the Dockerfile are.
const root = "../.."

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Networks map[string]struct {
		IPAM struct {
			Config []struct {
				Subnet string `yaml:"subnet"`
			} `yaml:"config"`
		} `yaml:"ipam"`
	} `yaml:"networks"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Command     []string          `yaml:"command"`
	Profiles    []string          `yaml:"profiles"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	Networks    yaml.Node         `yaml:"networks"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

// replicaConfig is csdi.yaml as every replica reads it, validated by the
// server's own strict loader.
func replicaConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load("csdi.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatalf("csdi.yaml: %v", err)
	}
	return cfg
}

var replicas = []string{"csdi-1", "csdi-2"}

func TestCompose(t *testing.T) {
	c := readCompose(t)
	cfg := replicaConfig(t)
	for _, name := range []string{"postgis", "migrate", "csdi-1", "csdi-2", "nginx", "prometheus", "demo-data"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("no service %q", name)
		}
	}
	if p := c.Services["prometheus"].Profiles; !slices.Equal(p, []string{"monitoring"}) {
		t.Errorf("prometheus profiles %v, want [monitoring]: it is optional", p)
	}
	if got := c.Services["migrate"].Command; !slices.Equal(got, []string{"migrate"}) {
		t.Errorf("migrate runs %v", got)
	}
	for _, name := range replicas {
		s := c.Services[name]
		if d := s.DependsOn["migrate"].Condition; d != "service_completed_successfully" {
			t.Errorf("%s starts on migrate %q, want service_completed_successfully", name, d)
		}
		if s.Healthcheck == nil || !slices.Contains(s.Healthcheck.Test, "healthcheck") {
			t.Errorf("%s has no csdi healthcheck", name)
		}
		if len(s.Ports) > 0 {
			t.Errorf("%s publishes %v: replicas are reached through nginx only", name, s.Ports)
		}
		if s.Environment["CSDI_CONFIG"] != "/etc/csdi/csdi.yaml" {
			t.Errorf("%s: CSDI_CONFIG = %q", name, s.Environment["CSDI_CONFIG"])
		}
		// Secrets come from .env, never from this file or the image.
		for _, k := range []string{"CSDI_PRIVACY_KEY", "CSDI_AUDIT_KEY", "CSDI_ADMIN_KEY"} {
			if v := s.Environment[k]; !strings.HasPrefix(v, "${"+k) {
				t.Errorf("%s: %s = %q, want it from the environment (${%s...})", name, k, v, k)
			}
		}
		if v := s.Environment["CSDI_DATABASE_URL"]; !strings.Contains(v, "${POSTGRES_PASSWORD") {
			t.Errorf("%s: CSDI_DATABASE_URL = %q has no password from the environment", name, v)
		}
		if d := c.Services["nginx"].DependsOn[name].Condition; d != "service_healthy" {
			t.Errorf("nginx starts on %s %q, want service_healthy", name, d)
		}
	}
	if v := c.Services["postgis"].Environment["POSTGRES_PASSWORD"]; !strings.HasPrefix(v, "${POSTGRES_PASSWORD") {
		t.Errorf("postgis: POSTGRES_PASSWORD = %q, want it from the environment", v)
	}

	// Every file mounted from the repository exists.
	for name, s := range c.Services {
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if !strings.HasPrefix(src, "./") {
				continue
			}
			if _, err := os.Stat(filepath.Join(root, src)); err != nil {
				t.Errorf("%s mounts %s: %v", name, src, err)
			}
		}
	}

	// nginx's fixed address is the one proxy the replicas trust, and it is
	// on the compose network.
	var nginxNets map[string]struct {
		IPv4 string `yaml:"ipv4_address"`
	}
	nets := c.Services["nginx"].Networks
	if err := nets.Decode(&nginxNets); err != nil {
		t.Fatalf("nginx networks: %v", err)
	}
	ip := net.ParseIP(nginxNets["csdi"].IPv4)
	if ip == nil {
		t.Fatalf("nginx has no fixed address on the csdi network: %+v", nginxNets)
	}
	if !slices.Contains(cfg.Limits.TrustedProxies, ip.String()) {
		t.Errorf("csdi.yaml trusts %v, not nginx at %s", cfg.Limits.TrustedProxies, ip)
	}
	if sub := c.Networks["csdi"].IPAM.Config; len(sub) != 1 {
		t.Errorf("csdi network subnets %v, want one", sub)
	} else if _, n, err := net.ParseCIDR(sub[0].Subnet); err != nil || !n.Contains(ip) {
		t.Errorf("nginx %s is outside the csdi network %s (%v)", ip, sub[0].Subnet, err)
	}
}

// The upstreams nginx and Prometheus name are the replicas, on the ports
// csdi.yaml makes them listen on.
func TestUpstreamsMatchReplicas(t *testing.T) {
	cfg := replicaConfig(t)
	_, apiPort, _ := net.SplitHostPort(cfg.Server.Addr)
	_, metricsPort, err := net.SplitHostPort(cfg.Server.MetricsAddr)
	if err != nil {
		t.Fatalf("csdi.yaml has no metrics listener for Prometheus: %v", err)
	}
	conf, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	var servers []string
	for _, m := range regexp.MustCompile(`(?m)^\s*server\s+([^\s{]+)\s`).FindAllStringSubmatch(string(conf), -1) {
		servers = append(servers, m[1])
	}
	var prom struct {
		ScrapeConfigs []struct {
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	data, err := os.ReadFile("prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &prom); err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	var targets []string
	for _, sc := range prom.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	var wantServers, wantTargets []string
	for _, r := range replicas {
		wantServers = append(wantServers, r+":"+apiPort)
		wantTargets = append(wantTargets, r+":"+metricsPort)
	}
	if !slices.Equal(servers, wantServers) {
		t.Errorf("nginx upstream servers %v, want %v", servers, wantServers)
	}
	if !slices.Equal(targets, wantTargets) {
		t.Errorf("Prometheus targets %v, want %v", targets, wantTargets)
	}
}

func TestSystemdUnit(t *testing.T) {
	f, err := os.Open("csdi.service")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unit := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Errorf("csdi.service: %q is not key=value", line)
				continue
			}
			unit[section+"."+k] = append(unit[section+"."+k], v)
		}
	}
	want := map[string]string{
		"Service.NoNewPrivileges": "yes",
		"Service.ProtectSystem":   "strict",
		"Service.Restart":         "on-failure",
		"Service.DynamicUser":     "yes",
		"Service.ReadWritePaths":  "/var/lib/csdi",
		"Service.ExecStart":       "/usr/local/bin/csdi serve",
		"Service.EnvironmentFile": "/etc/csdi/csdi.env",
		"Install.WantedBy":        "multi-user.target",
	}
	for k, v := range want {
		if got := unit[k]; !slices.Equal(got, []string{v}) {
			t.Errorf("csdi.service %s = %v, want %s", k, got, v)
		}
	}
	// systemd must wait for the drain before it kills.
	stop, err := time.ParseDuration(strings.Join(unit["Service.TimeoutStopSec"], ""))
	if err != nil {
		t.Fatalf("TimeoutStopSec: %v", err)
	}
	if drain := replicaConfig(t).Server.ShutdownTimeout; stop <= drain {
		t.Errorf("TimeoutStopSec %s is not longer than server.shutdown_timeout %s", stop, drain)
	}
}

func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	stages := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(df, -1)
	if len(stages) < 2 || !strings.HasPrefix(stages[len(stages)-1][1], "gcr.io/distroless/static") {
		t.Errorf("stages %v: want a build stage and a distroless/static final image", stages)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "USER nonroot", `CMD ["/csdi", "healthcheck"]`, `ENTRYPOINT ["/csdi"]`} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
	if regexp.MustCompile(`(?m)^ENV .*(KEY|PASSWORD)`).MatchString(df) {
		t.Error("Dockerfile bakes a secret into the image")
	}
}
