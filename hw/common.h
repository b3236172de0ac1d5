/*
 * common.h — the few definitions every layer of ridgeline shares: data types,
 * the error-message buffer convention and version string.
 *
 * Errors are values: library functions return 0 on success and a negative
 * RL_E* code on failure, and write one human-readable line (no newline) into
 * a caller-supplied buffer of RL_ERR_LEN bytes. The line names the file, the
 * JSON path and what was expected versus found, e.g.
 *   "hw/x.json: $.hbm.bandwidth_gbps.value: expected a number > 0, found -3"
 * The CLI prints it and maps the code to the exit status (0 success,
 * 1 simulation/IO failure, 2 bad input).
 */
#ifndef RL_COMMON_H
#define RL_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define RL_ERR_LEN 512

enum rl_status {
	RL_OK = 0,
	RL_EINPUT = -2, /* bad input: usage, config, data (exit status 2) */
	RL_EIO = -1     /* simulation or I/O failure (exit status 1) */
};

enum rl_dtype {
	RL_FP16 = 0,
	RL_BF16 = 1,
	RL_FP8 = 2,
	RL_NDTYPES
};

/* Bytes per element of a dtype. */
static inline int rl_dtype_bytes(enum rl_dtype d) { return d == RL_FP8 ? 1 : 2; }

/* "fp16", "bf16", "fp8". */
const char *rl_dtype_name(enum rl_dtype d);

/* Parse a dtype name; returns 0 or RL_EINPUT. */
int rl_dtype_parse(const char *s, enum rl_dtype *out);

/* snprintf into an RL_ERR_LEN buffer, tolerating err == NULL. */
void rl_errf(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
