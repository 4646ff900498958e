/* url.h — URL resolution and checks (the curl URL API). */
#ifndef FEEDWATCHD_URL_H
#define FEEDWATCHD_URL_H

#include <stdbool.h>

/* Resolves ref against base (either may be NULL). Returns a malloc'd absolute URL, or a
 * copy of ref trimmed of whitespace when it cannot be made absolute; NULL when ref is
 * NULL or blank. Only http, https and a few harmless schemes (mailto, ftp, magnet...)
 * are kept absolute; "javascript:" and "data:" links come back as NULL. */
char *url_resolve(const char *base, const char *ref);

/* True when url is an absolute http:// or https:// URL. */
bool url_is_http(const char *url);

#endif
