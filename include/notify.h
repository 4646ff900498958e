/* notify.h — the systemd notify protocol (sd_notify(3)), spoken directly: one datagram
 * to $NOTIFY_SOCKET per message. We do not link libsystemd for this: the protocol is a
 * few lines of text on a unix socket, and the daemon also runs without systemd, where
 * every call here is a no-op. */
#ifndef FEEDWATCHD_NOTIFY_H
#define FEEDWATCHD_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

/* Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID. Returns the watchdog interval in
 * microseconds when this process is to send WATCHDOG=1, else 0. */
uint64_t notify_init(void);
/* Sends one message ("READY=1", "STATUS=...", ...); the text is cut to one line of
 * UTF-8. Returns 0, or -1 (also when there is no socket). */
int notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool notify_enabled(void);

#endif
