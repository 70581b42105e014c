package limits

import (
	"net/http"
	"net/netip"
	"strings"
)

// Clients finds the address a request comes from: the connection's peer,
// or — only when the peer is one of the trusted proxies — the nearest
// address in X-Forwarded-For that is not a trusted proxy. A client cannot
// choose its own address by sending the header: what it writes there sits
// left of what the proxies append, and only the proxies' part is read.
type Clients struct {
	Trusted []netip.Prefix
}

// Addr is r's client address; the zero Addr when the peer is not an IP
// address (a Unix socket, or an in-process caller).
func (c Clients) Addr(r *http.Request) netip.Addr {
	addr := peer(r.RemoteAddr)
	if !addr.IsValid() || !c.trusts(addr) {
		return addr
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		list := hops[i]
		for list != "" {
			var hop string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				list, hop = list[:j], list[j+1:]
			} else {
				list, hop = "", list
			}
			a, err := netip.ParseAddr(strings.TrimSpace(hop))
			if err != nil {
				// A trusted proxy wrote something unreadable: the
				// last address vouched for is the best there is.
				return addr
			}
			addr = a.Unmap().WithZone("")
			if !c.trusts(addr) {
				return addr
			}
		}
	}
	return addr
}

func (c Clients) trusts(a netip.Addr) bool {
	for _, p := range c.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peer parses a RemoteAddr, "host:port" or a bare host.
func peer(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	if a, err := netip.ParseAddr(remote); err == nil {
		return a.Unmap().WithZone("")
	}
	return netip.Addr{}
}

// addrKey is the bucket key of an anonymous client: its IPv4 address, or
// its IPv6 /64 — one subscriber's network, which hands out addresses from
// it freely, so per-address buckets would be no limit at all.
func addrKey(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + a.String()
}
