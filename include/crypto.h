/* crypto.h — hashes and MACs (OpenSSL libcrypto; the only file that includes it). */
#ifndef FEEDWATCHD_CRYPTO_H
#define FEEDWATCHD_CRYPTO_H

#include <stddef.h>

/* Writes the lower-case hex SHA-256 of data (64 characters + NUL) into out. */
void crypto_sha256_hex(const void *data, size_t len, char out[65]);

#endif
