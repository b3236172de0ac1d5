/*
 * stats.c — running statistics (see stats.h).
 *
 * Mean and variance use Welford's update, which stays accurate when the
 * samples are large and close together (waits of 1e9 ps ± a few ps), where
 * the naive sum-of-squares formula cancels catastrophically:
 *     d = x - mean;  mean += d / n;  m2 += d * (x - mean).
 * Percentiles sort the kept samples once (gsl_sort) and interpolate
 * linearly between order statistics (gsl_stats_quantile_from_sorted_data:
 * the p-quantile is x[(n-1)p] with linear interpolation between ranks).
 * Cost: O(1) per sample; O(n log n) for the first percentile after adds.
 */
#include "sim/engine/stats.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#define MIN_CAP 64 /* samples allocated on the first kept sample */

void sim_stats_init(struct sim_stats *s, int keep_samples)
{
	s->keep = keep_samples != 0;
	s->samples = NULL;
	s->cap = 0;
	sim_stats_reset(s);
}

void sim_stats_destroy(struct sim_stats *s)
{
	if (!s)
		return;
	free(s->samples);
	s->samples = NULL;
	s->cap = 0;
}

void sim_stats_reset(struct sim_stats *s)
{
	s->n = 0;
	s->mean = 0.0;
	s->m2 = 0.0;
	s->min = INFINITY;
	s->max = -INFINITY;
	s->sorted = 1;
}

int sim_stats_add(struct sim_stats *s, double x)
{
	double d;

	if (s->keep) {
		if (s->n == s->cap) {
			size_t ncap = s->cap ? 2 * s->cap : MIN_CAP;
			double *p = realloc(s->samples, ncap * sizeof *p);

			if (!p)
				return -1;
			s->samples = p;
			s->cap = ncap;
		}
		s->samples[s->n] = x;
		s->sorted = 0;
	}
	s->n++;
	d = x - s->mean;
	s->mean += d / (double)s->n;
	s->m2 += d * (x - s->mean);
	if (x < s->min)
		s->min = x;
	if (x > s->max)
		s->max = x;
	return 0;
}

double sim_stats_mean(const struct sim_stats *s)
{
	return s->mean;
}

double sim_stats_variance(const struct sim_stats *s)
{
	return s->n < 2 ? 0.0 : s->m2 / (double)(s->n - 1);
}

double sim_stats_percentile(struct sim_stats *s, double p)
{
	if (!s->keep || s->n == 0 || !(p >= 0.0 && p <= 1.0))
		return NAN;
	if (!s->sorted) {
		gsl_sort(s->samples, 1, s->n);
		s->sorted = 1;
	}
	return gsl_stats_quantile_from_sorted_data(s->samples, 1, s->n, p);
}
