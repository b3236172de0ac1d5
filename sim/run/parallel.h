/*
 * parallel.h — the one way ridgeline runs a parallel loop on threads
 * (validate, validate on attention rows, calibrate's simulations): `jobs`
 * threads, the caller being one of them, each running the same worker,
 * which takes items from a counter the caller shares under its own lock
 * until none is left. Results go to per-item slots, so they are the same
 * for any number of threads. (The runner keeps its own start/join pair,
 * runner_threads_start(), because ridgeline-mpi's rank 0 serves messages
 * while its threads simulate.)
 */
#ifndef RL_RUN_PARALLEL_H
#define RL_RUN_PARALLEL_H

/* The most threads any command takes (-j), for run, validate and
 * calibrate alike. */
#define RL_MAX_JOBS 4096

/* Run worker(arg) on min(jobs, RL_MAX_JOBS) threads (jobs < 1: one), the
 * calling thread included, and return once every one has returned.
 * Threads that cannot be started are not: the others, and at least the
 * caller, do the work. Returns how many threads ran (>= 1). */
int rl_parallel_run(int jobs, void *(*worker)(void *), void *arg);

#endif
