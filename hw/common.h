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

/* Bytes per element of a GEMM's inputs (A, B) of a dtype. */
static inline int rl_dtype_bytes(enum rl_dtype d) { return d == RL_FP8 ? 1 : 2; }
/* Bytes per element of its output C: 16-bit for every dtype (fp8 GEMMs
 * take e4m3 inputs with per-tensor scales and write bf16, as cuBLASLt's
 * and CUTLASS's fp8 GEMMs for linear layers do). */
static inline int rl_dtype_out_bytes(enum rl_dtype d) { (void)d; return 2; }

/* "fp16", "bf16", "fp8". */
const char *rl_dtype_name(enum rl_dtype d);

/* Parse a dtype name; returns 0 or RL_EINPUT. */
int rl_dtype_parse(const char *s, enum rl_dtype *out);

/* snprintf into an RL_ERR_LEN buffer, tolerating err == NULL. */
void rl_errf(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Messages are one printable line whatever the input holds. Text taken
 * from input (a JSON key, a CSV field) goes through rl_escape(): C0
 * controls, DEL, C1 controls and U+2028/2029 become \n, \t, \r or
 * \uXXXX, a byte that is not UTF-8 \xNN, and with `quotes` '"' and '\\'
 * are escaped too; the result is clipped to len (≥ 8) bytes, with "..."
 * between characters when it does not fit. */
void rl_escape(const char *s, char *buf, size_t len, int quotes);

/* The escaped form of the one character at s into out (≥ 8 bytes);
 * returns how many bytes of s it stands for. */
int rl_escape_char(const char *s, int quotes, char *out);

/* Length (1–4) of the UTF-8 sequence at s, its code point in *cp; 0 when
 * the bytes there are not UTF-8 (stray continuation, overlong, surrogate,
 * beyond U+10FFFF, cut short). */
int rl_utf8_seq(const unsigned char *s, unsigned *cp);

/* Free the n malloc'd strings of v, then v (NULL is allowed): the one
 * free of every string array the library hands out (jsonv_strings(),
 * rl_data_list(), an experiment's name lists). */
void rl_strings_free(char **v, size_t n);

/* Ceiling of a / b, b > 0: tiles and steps that cover a length. */
static inline uint64_t rl_ceil_div(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* The one hash of the library: 128 bits of two FNV-1a lanes with
 * distinct offsets. Lane a alone is the standard 64-bit FNV-1a (a derived
 * spec's "+sweep-HASH" name); the runner's keys and fingerprints mix both
 * lanes (sim/run/runner.c). Not cryptographic; both are written into
 * journals and output names, so the constants must never change. */
struct rl_hash {
	uint64_t a, b;
};

/* Start a hash (h->a is FNV-1a's offset basis). */
void rl_hash_init(struct rl_hash *h);

/* Add n bytes at p to h. */
void rl_hash_bytes(struct rl_hash *h, const void *p, size_t n);

/* murmur3's 64-bit finaliser: spreads every bit of k over the result (the
 * journal's record checksums and the runner's keys end with it). */
uint64_t rl_hash_mix(uint64_t k);

#endif
