package limits

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	trusted, err := parsePrefixes([]string{"10.0.0.0/8", "127.0.0.1", "fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	c := Clients{Trusted: trusted}
	cases := []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"direct, no header", "203.0.113.5:4000", nil, "203.0.113.5"},
		{"direct client's own header is ignored", "203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"},
		{"through a trusted proxy", "10.1.2.3:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a forged hop left of the proxy's is not read", "10.1.2.3:80", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"two trusted proxies", "127.0.0.1:80", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"headers given twice are one list", "10.1.2.3:80", []string{"1.1.1.1", "198.51.100.1"}, "198.51.100.1"},
		{"trusted proxy without a header", "10.1.2.3:80", nil, "10.1.2.3"},
		{"only trusted hops", "10.1.2.3:80", []string{"10.4.4.4"}, "10.4.4.4"},
		{"garbage from a trusted hop", "10.1.2.3:80", []string{"not-an-ip"}, "10.1.2.3"},
		{"garbage left of the client", "10.1.2.3:80", []string{"junk, 198.51.100.1"}, "198.51.100.1"},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"IPv6 through a proxy", "[fd00::1]:80", []string{"2001:db8::7"}, "2001:db8::7"},
		{"not an IP peer", "@", nil, "invalid IP"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := c.Addr(r).String(); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestAddrKeyGroupsIPv6Networks(t *testing.T) {
	a := addrKey(netip.MustParseAddr("2001:db8:1:2::1"))
	b := addrKey(netip.MustParseAddr("2001:db8:1:2:ffff::9"))
	c := addrKey(netip.MustParseAddr("2001:db8:1:3::1"))
	if a != b || a == c {
		t.Errorf("keys %q %q %q: want the same /64 together, another apart", a, b, c)
	}
	if k := addrKey(netip.MustParseAddr("192.0.2.1")); k != "ip:192.0.2.1" {
		t.Errorf("IPv4 key %q", k)
	}
}
