/* sink_stdout.c — alerts as JSON lines on standard output (one alert per line), for
 * pipelines and for `journalctl -o cat`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sink.h"

static int stdout_open(struct sink *s, char *err, size_t errlen);
static enum sink_outcome stdout_deliver(struct sink *s, const struct sink_alert *a, char *err,
    size_t errlen);
static void stdout_close(struct sink *s);

const struct sink_ops sink_stdout_ops = { "stdout", stdout_open, stdout_deliver, NULL,
	stdout_close };

static int
stdout_open(struct sink *s, char *err, size_t errlen)
{
	return 0;
}

/* One write per line, so lines from one process never interleave mid-alert. A full pipe
 * blocks briefly: standard output is the operator's choice of sink. */
static enum sink_outcome
stdout_deliver(struct sink *s, const struct sink_alert *a, char *err, size_t errlen)
{
	size_t n = strlen(a->json);
	char line[64 * 1024];
	const char *p = line;
	ssize_t w;

	if (n + 1 > sizeof line) {
		/* rare: write in two parts */
		if (fwrite(a->json, 1, n, stdout) != n || fputc('\n', stdout) == EOF ||
		    fflush(stdout) != 0)
			goto fail;
		return SINK_DELIVERED;
	}
	memcpy(line, a->json, n);
	line[n++] = '\n';
	fflush(stdout);
	while (n > 0) {
		w = write(STDOUT_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		p += w;
		n -= (size_t)w;
	}
	return SINK_DELIVERED;
fail:
	snprintf(err, errlen, "writing to standard output: %s", strerror(errno));
	return errno == EAGAIN || errno == EPIPE ? SINK_RETRY : SINK_RETRY;
}

static void
stdout_close(struct sink *s)
{
}
