/*
 * runner.h — simulating an experiment's points: in parallel on threads
 * (-j), resumable through the journal, with output independent of the
 * order in which points finish.
 *
 * Each point has a key: a 128-bit hash of the ridgeline version, the full
 * hardware spec (JSON), the full model spec (JSON), the op, q, batch, the
 * GEMM shape, dtype and L2 state. A point whose key is in the journal is
 * not simulated again; its stored result is used. Results live in an
 * array indexed by point, so threads (or MPI ranks) may finish in any
 * order and the outputs stay byte-identical.
 *
 * Dispatch is split so that the MPI driver can reuse it: runner_next()
 * hands out pending points (thread-safe), runner_complete() journals a
 * finished one (thread-safe), runner_run_local() runs threads over both.
 *
 * Ownership: runner_open() returns a runner freed by runner_close(); it
 * borrows the experiment, which must outlive it.
 */
#ifndef RL_RUN_RUNNER_H
#define RL_RUN_RUNNER_H

#include "sim/gpu/gpu.h"
#include "sim/run/experiment.h"

struct run_opts {
	const char *dir;  /* output directory, holds the journal; NULL:
			   * no journal, nothing written */
	int fresh;        /* discard an existing journal */
	int progress;     /* draw a progress bar on stderr */
};

struct runner;

/* Compute keys, open (or create) the journal and take in its records.
 * RL_EINPUT if the journal belongs to another experiment/spec/version. */
int runner_open(const struct experiment *e, const struct run_opts *o,
		struct runner **out, char *err);
/* Close the journal and free r (NULL is allowed). */
void runner_close(struct runner *r);

/* Points still to simulate, and points done (incl. from the journal). */
int runner_pending(const struct runner *r);
int runner_done(const struct runner *r);

/* Next pending point, or -1 when none is left or the run has failed. */
int runner_next(struct runner *r);
/* Record a finished point: journal it durably, then count it done. */
int runner_complete(struct runner *r, int point, const struct gpu_result *res,
		    char *err);
/* Stop handing out points; the first message is kept for runner_error(). */
void runner_fail(struct runner *r, int status, const char *msg);
/* RL_OK, or the status given to runner_fail() with its message in err. */
int runner_error(const struct runner *r, char *err);

/* Simulate one point (pure; reentrant). */
int runner_simulate(const struct experiment *e, int point,
		    struct gpu_result *res, char *err);

/* Simulate every pending point on `jobs` threads (>= 1), drawing progress
 * if asked. */
int runner_run_local(struct runner *r, int jobs, char *err);

/* The same in pieces, for drivers that also wait on something else (MPI):
 * start min(jobs, pending points) simulating threads (0 is allowed:
 * none) as a pool of sim/run/parallel.h, which rl_pool_join() waits for
 * once runner_next() has run dry. RL_EIO (out of memory, or not one thread
 * would start) leaves *out NULL. */
struct rl_pool;
int runner_threads_start(struct runner *r, int jobs, struct rl_pool **out,
			 char *err);

/* Fingerprint of an experiment as the journal header holds it: a hash of
 * the ridgeline version, the experiment and every spec it uses
 * (JOURNAL_KEY_LEN bytes incl. NUL). */
const char *runner_fingerprint(const struct runner *r);

/* Compute the fingerprint without opening a journal (MPI workers check
 * that they loaded the same specs as rank 0). */
int runner_fingerprint_of(const struct experiment *e, char *out, char *err);

/* Redraw the progress bar (no-op unless progress was asked for); `final`
 * ends the line. */
void runner_progress(struct runner *r, int final);

/* The result of point i (valid once done). */
const struct gpu_result *runner_result(const struct runner *r, int point);

/* Hex key of point i (JOURNAL_KEY_LEN bytes incl. NUL). */
const char *runner_key(const struct runner *r, int point);

#endif
