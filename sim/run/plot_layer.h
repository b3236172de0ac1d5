/*
 * plot_layer.h — the decoder layer's figures (gnuplot script NAME.gp and
 * data NAME.dat, rendered as plot.h renders): the roofline of the
 * attention points, and the layer's time by op as stacked bars across the
 * grid.
 */
#ifndef RL_RUN_PLOT_LAYER_H
#define RL_RUN_PLOT_LAYER_H

#include "sim/run/experiment.h"
#include "sim/run/results.h"

/* Whether hardware `spec` and model `model` have attention points (and so
 * the two figures below). */
int plot_layer_has_attn(const struct experiment *e, int spec, int model);

/* The roofline of the attn points of (spec, model, the first tp): the
 * datasheet ceilings, one colour per kv_len, simulated points filled and
 * their analytic-roofline positions hollow, as the MLP figure. */
int plot_attn_roofline_write(const char *dir, const char *name,
			     const struct experiment *e, int spec, int model,
			     const struct result_row *rows, char *err);

/* Stacked bars: for every (q, batch) of the grid, the share of the
 * layer's time (sum of its ops' time_us · layers) each op takes, one panel
 * per kv_len (the first tp). The .dat holds the times in µs too. */
int plot_layer_bars_write(const char *dir, const char *name,
			  const struct experiment *e, int spec, int model,
			  const struct result_row *rows, char *err);

#endif
