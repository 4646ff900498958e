/* crypto.h — hashes and MACs (OpenSSL libcrypto; the only file that includes it). */
#ifndef FEEDWATCHD_CRYPTO_H
#define FEEDWATCHD_CRYPTO_H

#include <stddef.h>

#define CRYPTO_SHA256_LEN 32

/* Writes the lower-case hex SHA-256 of data (64 characters + NUL) into out. */
void crypto_sha256_hex(const void *data, size_t len, char out[65]);

/* Writes HMAC-SHA256(key, data) (32 bytes) into out. */
void crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
    unsigned char out[CRYPTO_SHA256_LEN]);

/* Writes the lower-case hex HMAC-SHA256(key, data) (64 characters + NUL) into out, as
 * GitHub's X-Hub-Signature-256 carries it. */
void crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t len,
    char out[65]);

/* Writes standard base64 (with padding, no line breaks) of data into out, which must hold
 * 4 * ((len + 2) / 3) + 1 bytes; returns the length written (without the NUL). */
size_t crypto_base64_encode(const void *data, size_t len, char *out);

/* Decodes standard base64 (padding optional, no whitespace inside) into out, which must
 * hold 3 * ((len + 3) / 4) bytes; returns the decoded length, or -1 when the text is
 * not base64. */
long crypto_base64_decode(const char *text, size_t len, unsigned char *out);

#endif
