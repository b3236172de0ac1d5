/*
 * parallel.h — the one worker pool of ridgeline. rl_pool_start() starts
 * threads that each run the same worker, which takes items from a counter
 * the caller shares under its own lock until none is left;
 * rl_pool_join() waits for them. rl_parallel_run() is the parallel loop
 * built on the two (validate, validate on attention rows, calibrate's
 * simulations), the calling thread being one of the workers; the runner
 * uses the pair itself, because its caller draws progress (ridgeline
 * run) or serves MPI messages (ridgeline-mpi's rank 0) while the threads
 * simulate. Results go to per-item slots, so they are the same for any
 * number of threads.
 */
#ifndef RL_RUN_PARALLEL_H
#define RL_RUN_PARALLEL_H

/* The most threads any command takes (-j), for run, validate and
 * calibrate alike. */
#define RL_MAX_JOBS 4096

struct rl_pool;

/* Start worker(arg) on min(n, RL_MAX_JOBS) new threads (n < 1: none) and
 * set *out to the pool, which rl_pool_join() frees. Threads that cannot be
 * started are not. Returns how many started (0 .. n), or -1 (out of
 * memory, *out = NULL, nothing started). */
int rl_pool_start(int n, void *(*worker)(void *), void *arg,
		  struct rl_pool **out);

/* Wait until every thread of p has returned, then free p (NULL is
 * allowed). */
void rl_pool_join(struct rl_pool *p);

/* Run worker(arg) on min(jobs, RL_MAX_JOBS) threads (jobs < 1: one), the
 * calling thread included, and return once every one has returned.
 * Threads that cannot be started are not: the others, and at least the
 * caller, do the work. Returns how many threads ran (>= 1). */
int rl_parallel_run(int jobs, void *(*worker)(void *), void *arg);

#endif
