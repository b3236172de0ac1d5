/*
 * stats.h — running statistics of a sample stream through GSL: count, mean,
 * variance (Welford, numerically stable), min, max and, when samples are
 * kept, percentiles (gsl_stats_quantile_from_sorted_data).
 */
#ifndef RL_ENGINE_STATS_H
#define RL_ENGINE_STATS_H

#include <stddef.h>
#include <stdint.h>

struct sim_stats {
	uint64_t n;       /* samples */
	double mean;      /* running mean */
	double m2;        /* sum of squared deviations (Welford) */
	double min, max;  /* extremes */
	int keep;         /* keep samples for percentiles */
	double *samples;  /* kept samples (keep != 0), owned */
	size_t cap;       /* allocated length of samples */
	int sorted;       /* samples sorted since last add */
};

/* Empty statistics; keep_samples != 0 also stores every sample (for
 * percentiles). destroy frees the samples; reset empties, keeping the
 * buffer. */
void sim_stats_init(struct sim_stats *s, int keep_samples);
void sim_stats_destroy(struct sim_stats *s);
void sim_stats_reset(struct sim_stats *s);
/* 0, or -1 if keeping a sample failed to allocate. */
int sim_stats_add(struct sim_stats *s, double x);
/* Mean of the samples added; 0 for none. */
double sim_stats_mean(const struct sim_stats *s);
/* Sample variance (n-1); 0 for n < 2. */
double sim_stats_variance(const struct sim_stats *s);
/* p in [0,1]; needs keep_samples; NAN otherwise or when empty. */
double sim_stats_percentile(struct sim_stats *s, double p);

#endif
