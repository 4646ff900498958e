/* crypto.c — hashes and MACs over OpenSSL's libcrypto: SHA-256 for ids, HMAC-SHA256 and
 * base64 for webhook signatures (Standard Webhooks, GitHub-style hex). */
#include "crypto.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

static void crypto_hex(const unsigned char *md, size_t n, char *out);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
static void
crypto_hex(const unsigned char *md, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * n] = '\0';
}

void
crypto_sha256_hex(const void *data, size_t len, char out[65])
{
	/* OpenSSL 3 looks the algorithm up in its provider table on every EVP_sha256()
	 * digest (about 50,000 instructions, more than hashing an entry): fetch it once.
	 * The process is single-threaded; the fetched method is kept for its lifetime. */
	static EVP_MD *sha256;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (sha256 == NULL)
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (sha256 == NULL || !EVP_Digest(data, len, md, &n, sha256, NULL) || n != 32)
		EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	crypto_hex(md, 32, out);
}

/* HMAC-SHA256 over OpenSSL's one-shot HMAC(). */
void
crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
    unsigned char out[CRYPTO_SHA256_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	static const unsigned char empty[1];

	/* HMAC() takes a NULL key as "reuse the previous one": never pass NULL */
	if (HMAC(EVP_sha256(), keylen ? key : empty, (int)keylen,
	    len ? data : empty, len, md, &n) == NULL || n != CRYPTO_SHA256_LEN)
		memset(md, 0, sizeof md);
	memcpy(out, md, CRYPTO_SHA256_LEN);
}

/* HMAC-SHA256 as lower-case hex (GitHub's X-Hub-Signature-256 form). */
void
crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t len,
    char out[65])
{
	unsigned char md[CRYPTO_SHA256_LEN];

	crypto_hmac_sha256(key, keylen, data, len, md);
	crypto_hex(md, sizeof md, out);
}

/* Standard base64 with padding, no line breaks (EVP_EncodeBlock). */
size_t
crypto_base64_encode(const void *data, size_t len, char *out)
{
	int n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);

	if (n < 0)
		n = 0;
	out[n] = '\0';
	return (size_t)n;
}

/* Strict standard base64: the alphabet only, optional padding, no stray bits. */
long
crypto_base64_decode(const char *text, size_t len, unsigned char *out)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char quad[4];
	size_t pad = 0, data_len, i;
	long n = 0;
	int k = 0;

	/* strip the padding, then check every character: EVP_DecodeBlock skips
	 * whitespace and does not report where padding ends, so it cannot say this */
	while (len > 0 && text[len - 1] == '=' && pad < 2)
		len--, pad++;
	if (len % 4 == 1 || (pad && (len + pad) % 4 != 0))
		return -1;
	data_len = len;
	for (i = 0; i < data_len; i++) {
		const char *p = text[i] ? strchr(alphabet, text[i]) : NULL;
		if (p == NULL)
			return -1;
		quad[k++] = (unsigned char)(p - alphabet);
		if (k == 4) {
			out[n++] = (unsigned char)(quad[0] << 2 | quad[1] >> 4);
			out[n++] = (unsigned char)(quad[1] << 4 | quad[2] >> 2);
			out[n++] = (unsigned char)(quad[2] << 6 | quad[3]);
			k = 0;
		}
	}
	if (k == 2) {
		out[n++] = (unsigned char)(quad[0] << 2 | quad[1] >> 4);
		if ((quad[1] & 15) != 0)
			return -1;	/* stray bits: not canonical */
	} else if (k == 3) {
		out[n++] = (unsigned char)(quad[0] << 2 | quad[1] >> 4);
		out[n++] = (unsigned char)(quad[1] << 4 | quad[2] >> 2);
		if ((quad[2] & 3) != 0)
			return -1;
	}
	return n;
}
