/* notify.c — sd_notify(3) without libsystemd. */
#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static struct sockaddr_un notify_addr;
static socklen_t notify_addrlen;
static int notify_fd = -1;

uint64_t
notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	size_t n;

	if (path && (path[0] == '/' || path[0] == '@') &&
	    (n = strlen(path)) < sizeof notify_addr.sun_path) {
		memset(&notify_addr, 0, sizeof notify_addr);
		notify_addr.sun_family = AF_UNIX;
		memcpy(notify_addr.sun_path, path, n);
		if (path[0] == '@')
			notify_addr.sun_path[0] = '\0';	/* abstract namespace */
		notify_addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
		notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (notify_fd < 0)
			log_warn("notify: socket");
	} else if (path && *path) {
		log_warnx("notify: NOTIFY_SOCKET '%s' is not a socket path; not notifying",
		    log_esc(path));
	}
	if (notify_fd < 0 || usec == NULL)
		return 0;
	/* the watchdog is ours only when WATCHDOG_PID is unset or names us */
	if (pid && *pid && strtoll(pid, NULL, 10) != (long long)getpid())
		return 0;
	return strtoull(usec, NULL, 10);
}

bool
notify_enabled(void)
{
	return notify_fd >= 0;
}

int
notify_send(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	ssize_t w;

	if (notify_fd < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* one line per assignment: a STATUS= must not smuggle in a second one */
	for (char *c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\n')
			*c = ' ';
	w = sendto(notify_fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&notify_addr,
	    notify_addrlen);
	if (w < 0) {
		log_debug("notify: %s", strerror(errno));
		return -1;
	}
	return 0;
}
