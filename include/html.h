/* html.h — HTML to plain text (libxml2's HTML parser, SAX mode, no tree). */
#ifndef FEEDWATCHD_HTML_H
#define FEEDWATCHD_HTML_H

#include <stddef.h>

/* Reduces an HTML fragment to plain text: tags dropped, block elements and <br> become
 * line breaks, script/style/head content dropped, entities decoded (also double-escaped
 * ones such as "&amp;#78;"), runs of spaces collapsed. Output is valid UTF-8 and at most
 * max_out bytes (0 = no cap). Returns a malloc'd string the caller frees. */
char *html_to_text(const char *html, size_t len, size_t max_out);

/* Same, but also collapses line breaks: one line of plain text, trimmed (titles). */
char *html_to_line(const char *html, size_t len, size_t max_out);

/* True when s looks like it holds markup or entities worth parsing as HTML. */
int html_looks_like_markup(const char *s);

#endif
