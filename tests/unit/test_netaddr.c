/* test_netaddr.c — the address classifier behind the redirect policy (FF-24, RB-03). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "netaddr.h"

static const struct { const char *host; int want; } cases[] = {
	{ "169.254.169.254", 1 }, { "10.0.0.1", 1 }, { "10.255.255.255", 1 },
	{ "172.16.0.1", 1 }, { "172.31.255.255", 1 }, { "172.15.255.255", 0 }, { "172.32.0.1", 0 },
	{ "192.168.1.1", 1 }, { "192.169.0.1", 0 }, { "127.0.0.1", 1 }, { "127.1", 1 },
	{ "0.0.0.0", 1 }, { "100.64.0.1", 1 }, { "100.128.0.1", 0 }, { "224.0.0.1", 1 },
	{ "8.8.8.8", 0 }, { "93.184.216.34", 0 }, { "198.18.0.1", 1 },
	/* other spellings of 127.0.0.1 and 169.254.169.254 */
	{ "2130706433", 1 }, { "0x7f000001", 1 }, { "0x7f.0.0.1", 1 }, { "017700000001", 1 },
	{ "0177.0.0.1", 1 }, { "2852039166", 1 }, { "0xa9.0xfe.0xa9.0xfe", 1 },
	{ "134744072", 0 },	/* 8.8.8.8 in decimal */
	{ "::1", 1 }, { "[::1]", 1 }, { "::", 1 }, { "fc00::1", 1 }, { "fdff::1", 1 },
	{ "fe80::1", 1 }, { "fe80::1%eth0", 1 }, { "[fe80::1%25eth0]", 1 }, { "febf::1", 1 },
	{ "ff02::1", 1 }, { "::ffff:127.0.0.1", 1 }, { "::ffff:7f00:1", 1 },
	{ "::ffff:10.1.2.3", 1 }, { "::ffff:8.8.8.8", 0 }, { "64:ff9b::a9fe:a9fe", 1 },
	{ "2001:db8::1", 1 }, { "2606:4700::1", 0 }, { "[2a00:1450::1]", 0 },
	{ "example.org", -1 }, { "", -1 }, { "1.2.3.4.5", -1 }, { "[::1", -1 },
};

static void
test_classifier(void **state)
{
	(void)state;
	unsetenv("FEEDWATCHD_TEST_PUBLIC_LOOPBACK");
	unsetenv("FEEDWATCHD_TEST_PRIVATE_ADDRS");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int got = netaddr_host_is_private(cases[i].host);
		if (got != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].host, got, cases[i].want);
	}
}

static void
test_switches(void **state)
{
	(void)state;
	setenv("FEEDWATCHD_TEST_PUBLIC_LOOPBACK", "1", 1);
	setenv("FEEDWATCHD_TEST_PRIVATE_ADDRS", "127.0.0.2 127.0.0.3", 1);
	assert_int_equal(netaddr_host_is_private("127.0.0.1"), 0);
	assert_int_equal(netaddr_host_is_private("127.0.0.2"), 1);
	assert_int_equal(netaddr_host_is_private("127.0.0.3"), 1);
	assert_int_equal(netaddr_host_is_private("127.0.0.22"), 0);
	assert_int_equal(netaddr_host_is_private("10.0.0.1"), 1);
	unsetenv("FEEDWATCHD_TEST_PUBLIC_LOOPBACK");
	unsetenv("FEEDWATCHD_TEST_PRIVATE_ADDRS");
	assert_int_equal(netaddr_host_is_private("127.0.0.1"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classifier),
		cmocka_unit_test(test_switches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
