/*
 * journal.h — the run journal DIR/journal.jsonl: one JSON record per line,
 * appended, flushed and fsync'd as each point finishes, so that a run
 * killed at any moment (kill -9 included) resumes where it stopped and
 * produces the same bytes as an uninterrupted run.
 *
 * Line 1 is a header {"journal": "ridgeline", "version": V,
 * "experiment": NAME, "fingerprint": F}; F hashes the ridgeline version,
 * the experiment as given and every hardware and model spec it uses, so a
 * changed experiment, spec or version is detected and refused rather than
 * mixed with old results. Every other line is
 *   {"key": K, "result": {...gpu_result fields, doubles in %.17g...},
 *    "sum": S}
 * where K identifies one point (see runner.h) and S is a 64-bit checksum
 * of K and the result's values. Doubles are printed with 17 significant
 * digits and read back with strtod, so they round-trip exactly.
 *
 * Nothing read back is trusted: every field is range-checked (no cast of
 * an out-of-range number) and the checksum recomputed. A record that
 * fails — damaged, edited, cut, a NUL byte — is dropped with one line on
 * stderr naming FILE:LINE and why; its point is simulated again, the good
 * records are kept, and the journal is rewritten without it. Only a
 * header that is not this run's is a reason to stop (--fresh).
 *
 * Crash safety: the header is written to a temporary file and renamed into
 * place; records are written with one write(2) each on an O_APPEND file,
 * then fdatasync'd. A torn last line (no newline) can only come from a
 * crash mid-write; it is cut off when the journal is reopened. The
 * journal is never read or written through a symbolic link.
 *
 * Thread safety: journal_append() may be called from several threads.
 */
#ifndef RL_RUN_JOURNAL_H
#define RL_RUN_JOURNAL_H

#include "hw/common.h"
#include "sim/gpu/gpu.h"

struct cJSON;

#define JOURNAL_NAME "journal.jsonl"
#define JOURNAL_KEY_LEN 33 /* 32 hex digits + NUL */

struct journal;

/* Called once per complete record found when the journal is reopened.
 * Return 0 to go on, or an RL_E* code to stop (err filled by the callee). */
typedef int (*journal_replay_fn)(void *ctx, const char *key,
				 const struct gpu_result *r, char *err);

/* Open DIR/journal.jsonl. If it is absent, or `fresh`, start a new one
 * with this fingerprint. Otherwise the header must match (else RL_EINPUT
 * with a message suggesting --fresh), and every record is replayed.
 * dir NULL: a journal that keeps nothing (no file; appends succeed). */
int journal_open(const char *dir, const char *experiment_name,
		 const char *fingerprint, int fresh, journal_replay_fn replay,
		 void *ctx, struct journal **out, char *err);

/* Append one record durably (write + fdatasync). */
int journal_append(struct journal *j, const char *key,
		   const struct gpu_result *r, char *err);
/* Append one record per key, all with result r, durably: one write and
 * one fdatasync for the lot (the points a result cache simulated once). */
int journal_append_group(struct journal *j, const char *const *keys, int n,
			 const struct gpu_result *r, char *err);

/* Close j (records are already durable; NULL is allowed). */
void journal_close(struct journal *j);

/* A gpu_result as one JSON object text without newline (malloc'd), and
 * back. Exposed for the MPI transport and for tests. */
char *journal_result_text(const struct gpu_result *r);
int journal_result_parse(const struct cJSON *obj, struct gpu_result *r);

#endif
