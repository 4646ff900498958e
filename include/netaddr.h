/* netaddr.h — classifying addresses, for the redirect policy: a redirect from a public
 * address into loopback, private or link-local space is refused unless configured. */
#ifndef FEEDWATCHD_NETADDR_H
#define FEEDWATCHD_NETADDR_H

#include <stdbool.h>
#include <sys/socket.h>

/* True for loopback, private (RFC 1918, fc00::/7), link-local (169.254/16, fe80::/10),
 * "this network" (0/8), CGNAT (100.64/10), multicast, reserved space, and IPv4-mapped
 * or -compatible IPv6 forms of those. Test builds may move loopback addresses between
 * the classes through FEEDWATCHD_TEST_PUBLIC_LOOPBACK=1 and
 * FEEDWATCHD_TEST_PRIVATE_ADDRS="127.0.0.2 ..." (so loopback tests can stand in for a
 * public and a private host). */
bool netaddr_is_private(const struct sockaddr *sa, socklen_t len);

/* The same for a numeric host string in any spelling inet_aton accepts ("127.1",
 * "0x7f.1", "017700000001", "2130706433") or an IPv6 literal (brackets and zone ids
 * allowed). Returns -1 when host is not a numeric address. */
int netaddr_host_is_private(const char *host);

#endif
