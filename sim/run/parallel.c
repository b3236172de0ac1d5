/*
 * parallel.c — the worker pool and parallel loop of parallel.h.
 */
#include "sim/run/parallel.h"

#include <pthread.h>
#include <stdlib.h>

struct rl_pool {
	pthread_t *th; /* the started threads' handles */
	int n;         /* how many started */
};

int rl_pool_start(int n, void *(*worker)(void *), void *arg,
		  struct rl_pool **out)
{
	struct rl_pool *p = calloc(1, sizeof *p);

	n = n < 0 ? 0 : n > RL_MAX_JOBS ? RL_MAX_JOBS : n;
	*out = NULL;
	if (!p || !(p->th = calloc((size_t)(n ? n : 1), sizeof *p->th))) {
		free(p);
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (pthread_create(&p->th[p->n], NULL, worker, arg) == 0)
			p->n++;
	*out = p;
	return p->n;
}

void rl_pool_join(struct rl_pool *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		pthread_join(p->th[i], NULL);
	free(p->th);
	free(p);
}

int rl_parallel_run(int jobs, void *(*worker)(void *), void *arg)
{
	struct rl_pool *p;
	/* without memory for the pool, the caller works alone */
	int started = rl_pool_start((jobs > RL_MAX_JOBS ? RL_MAX_JOBS : jobs) - 1,
				    worker, arg, &p);

	worker(arg);
	rl_pool_join(p);
	return (started < 0 ? 0 : started) + 1;
}
