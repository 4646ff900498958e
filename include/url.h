/* url.h — URL resolution and checks (the curl URL API). */
#ifndef FEEDWATCHD_URL_H
#define FEEDWATCHD_URL_H

#include <stdbool.h>

/* Resolves ref against base (either may be NULL). Returns a malloc'd absolute URL, or a
 * copy of ref trimmed of whitespace when it cannot be made absolute; NULL when ref is
 * NULL or blank. Only http, https and a few harmless schemes (mailto, ftp, magnet...)
 * are kept absolute; "javascript:" and "data:" links come back as NULL. */
char *url_resolve(const char *base, const char *ref);

/* The canonical form of a story's link, for recognising the same story in two feeds:
 * scheme and host lower-cased, default port, fragment and tracking parameters (utm_*,
 * fbclid, gclid, mc_cid, mc_eid, ocid) removed. Returns a malloc'd string; a copy of url
 * when it is not an absolute http(s) URL; NULL for NULL. */
char *url_canonical(const char *url);

/* True when url is an absolute http:// or https:// URL. */
bool url_is_http(const char *url);

#endif
