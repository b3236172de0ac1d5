/*
 * sha256.h — SHA-256 (FIPS 180-4), for naming the measured data a
 * calibrated spec was fitted to. Neither GSL nor cJSON has a digest, and
 * ridgeline depends on nothing else; this is the plain reference algorithm
 * (64 rounds over 64-byte blocks, ~200 MB/s), checked against the FIPS
 * 180-2 test vectors in tests/check_calibrate.c.
 *
 * Ownership: the context lives on the caller's stack; nothing is allocated.
 */
#ifndef RL_RUN_SHA256_H
#define RL_RUN_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];      /* chaining state */
	uint64_t bytes;     /* message length so far, bytes */
	uint8_t buf[64];    /* partial block */
	size_t nbuf;        /* bytes in buf */
};

/* Start a digest; feed it len bytes at a time (any split gives the same
 * digest). */
void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Finish and write the 32-byte digest; c must be re-initialized to reuse. */
void sha256_final(struct sha256 *c, uint8_t out[32]);
/* Digest of a buffer as 64 lowercase hex digits plus NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
