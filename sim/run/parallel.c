/*
 * parallel.c — the parallel loop of parallel.h.
 */
#include "sim/run/parallel.h"

#include <pthread.h>
#include <stdlib.h>

int rl_parallel_run(int jobs, void *(*worker)(void *), void *arg)
{
	int n = jobs < 1 ? 1 : jobs > RL_MAX_JOBS ? RL_MAX_JOBS : jobs;
	pthread_t *th = n > 1 ? malloc((size_t)(n - 1) * sizeof *th) : NULL;
	int started = 0;

	/* without memory for the handles, the caller works alone */
	for (int i = 1; th && i < n; i++)
		if (pthread_create(&th[started], NULL, worker, arg) == 0)
			started++;
	worker(arg);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	return started + 1;
}
