/* netaddr.c — is an address private? (the redirect policy of the fetcher) */
#include "netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool v4_is_private(uint32_t a);
static bool v6_is_private(const struct in6_addr *a);
static bool test_override(const struct sockaddr *sa, bool *out);

/* a in host byte order */
static bool
v4_is_private(uint32_t a)
{
	uint8_t b0 = (uint8_t)(a >> 24), b1 = (uint8_t)(a >> 16);

	return b0 == 0 || b0 == 10 || b0 == 127 || (b0 == 100 && (b1 & 0xc0) == 64) ||
	    (b0 == 169 && b1 == 254) || (b0 == 172 && (b1 & 0xf0) == 16) ||
	    (b0 == 192 && b1 == 168) || (b0 == 192 && b1 == 0 && (uint8_t)(a >> 8) == 0) ||
	    (b0 == 198 && (b1 & 0xfe) == 18) || b0 >= 224;
}

static bool
v6_is_private(const struct in6_addr *a)
{
	const uint8_t *b = a->s6_addr;
	static const uint8_t zero[16];

	if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a) ||
	    (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)) {	/* NAT64 */
		uint32_t v4 = ((uint32_t)b[12] << 24) | ((uint32_t)b[13] << 16) |
		    ((uint32_t)b[14] << 8) | b[15];
		if (IN6_IS_ADDR_V4COMPAT(a) && v4 <= 1)
			return true;	/* :: and ::1 */
		return v4_is_private(v4);
	}
	if (memcmp(b, zero, 16) == 0 || IN6_IS_ADDR_LOOPBACK(a))
		return true;
	if ((b[0] & 0xfe) == 0xfc)			/* fc00::/7 unique local */
		return true;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)	/* fe80::/10 link-local */
		return true;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)	/* fec0::/10 site-local */
		return true;
	if (b[0] == 0xff)				/* multicast */
		return true;
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)	/* documentation */
		return true;
	return false;
}

/* The test-only switches; true when one applies, with the verdict in *out. */
static bool
test_override(const struct sockaddr *sa, bool *out)
{
	const char *priv = getenv("FEEDWATCHD_TEST_PRIVATE_ADDRS");
	const char *pub = getenv("FEEDWATCHD_TEST_PUBLIC_LOOPBACK");
	char text[INET6_ADDRSTRLEN] = "";

	if (priv == NULL && pub == NULL)
		return false;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, text, sizeof text);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, text, sizeof text);
	if (priv && text[0]) {
		size_t n = strlen(text);
		for (const char *p = strstr(priv, text); p; p = strstr(p + 1, text))
			if ((p == priv || p[-1] == ' ' || p[-1] == ',') &&
			    (p[n] == '\0' || p[n] == ' ' || p[n] == ',')) {
				*out = true;
				return true;
			}
	}
	if (pub && strcmp(pub, "1") == 0) {
		if (sa->sa_family == AF_INET &&
		    (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127) {
			*out = false;
			return true;
		}
		if (sa->sa_family == AF_INET6 &&
		    IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr)) {
			*out = false;
			return true;
		}
	}
	return false;
}

bool
netaddr_is_private(const struct sockaddr *sa, socklen_t len)
{
	bool verdict;

	if (test_override(sa, &verdict))
		return verdict;
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in))
		return v4_is_private(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6))
		return v6_is_private(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return true;	/* anything else (unix sockets...) is not a public address */
}

int
netaddr_host_is_private(const char *host)
{
	char buf[INET6_ADDRSTRLEN + 16];
	size_t n = strlen(host);
	struct in_addr a4;
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	char *pct;

	if (n >= sizeof buf)
		return -1;
	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
	} else {
		memcpy(buf, host, n + 1);
	}
	if ((pct = strchr(buf, '%')) != NULL)	/* zone id */
		*pct = '\0';
	if (inet_pton(AF_INET6, buf, &s6.sin6_addr) == 1)
		return netaddr_is_private((struct sockaddr *)&s6, sizeof s6);
	/* inet_aton takes the decimal, hex, octal and short forms that URLs can carry */
	if (inet_aton(buf, &a4) == 1) {
		s4.sin_addr = a4;
		return netaddr_is_private((struct sockaddr *)&s4, sizeof s4);
	}
	return -1;
}
