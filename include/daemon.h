/* daemon.h — the running daemon: one libevent loop that polls every configured feed,
 * turns new matching items into alerts in one SQLite transaction per fetch, and
 * delivers them from the outbox to the sinks. */
#ifndef FEEDWATCHD_DAEMON_H
#define FEEDWATCHD_DAEMON_H

#include <stdbool.h>

/* Runs until SIGTERM/SIGINT (exit 0), or with once = true polls every feed once,
 * delivers what is due and returns. Returns the process exit code: 0 success, 1 a
 * runtime failure (for `once`: a feed or a delivery failed), 2 a configuration error. */
int daemon_run(const char *conf_path, bool once);

#endif
