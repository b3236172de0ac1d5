/*
 * fuzz.h — what every libFuzzer target in tests/fuzz/ shares: the input
 * as a C string, and the properties checked on every input besides "no
 * crash, no sanitizer report": a refusal comes with exactly one message,
 * one printable line (no C0 or C1 control character, no DEL) — the rule
 * of hw/common.h that issue 16 found broken by keys holding escapes.
 *
 * Built only by ./configure --enable-fuzzing (clang); see tests/fuzz/run.sh.
 */
#ifndef RL_TESTS_FUZZ_H
#define RL_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/common.h"

/* data as a NUL-terminated malloc'd copy; NULL when it holds a NUL byte
 * (every file reader refuses those first: rl_read_file()). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *t;

	if (memchr(data, 0, size) || !(t = malloc(size + 1)))
		return NULL;
	memcpy(t, data, size);
	t[size] = 0;
	return t;
}

/* A property failed: say which and stop (libFuzzer keeps the input). */
#define FUZZ_FAIL(...)                                                       \
	do {                                                                 \
		fprintf(stderr, "fuzz property failed: " __VA_ARGS__);       \
		fputc('\n', stderr);                                         \
		abort();                                                     \
	} while (0)

/* msg is one non-empty line of printable text. */
static inline void fuzz_check_line(const char *what, const char *msg)
{
	const unsigned char *p = (const unsigned char *)msg;

	if (!*p)
		FUZZ_FAIL("%s: refused with an empty message", what);
	for (; *p; p++)
		if (*p < 0x20 || *p == 0x7f ||
		    (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F))
			FUZZ_FAIL("%s: control byte 0x%02x at offset %zu of the message: %s",
				  what, *p, (size_t)(p - (const unsigned char *)msg), msg);
}

/* rc is a known status and, for a refusal, err is one printable line. */
static inline void fuzz_check_status(const char *what, int rc, const char *err)
{
	if (rc != RL_OK && rc != RL_EINPUT && rc != RL_EIO)
		FUZZ_FAIL("%s: unknown status %d", what, rc);
	if (rc != RL_OK)
		fuzz_check_line(what, err);
}

#endif
