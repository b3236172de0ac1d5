/*
 * plot.h — gnuplot figures of an experiment. Each figure is a script
 * NAME.gp and a data file NAME.dat that stay in the output directory, so
 * users can restyle the figure and re-render it with
 *     cd DIR && gnuplot NAME.gp
 * which writes NAME.svg and NAME.png. ridgeline renders them the same way
 * (plot_render(), sim/run/gnuplot.h).
 *
 * The roofline figure reads like the reference chart (Cai et al. 2024,
 * Medusa, Fig. 20; README, The reference experiment):
 * log–log, OI 1..10k FLOP/B, 10G..1000T FLOP/s with SI tick labels, blue
 * dashed memory ceiling labelled with its bandwidth, red dashed compute
 * ceiling, green dashed ridge line, one colour per q (ar grey, then orange
 * to dark purple), legend "up/gate/down ar", "up/gate/down spec: 16", ...,
 * title "<model>, <hardware>" from the specs. Simulated points are filled;
 * each point's analytic-roofline position is the hollow marker above it.
 */
#ifndef RL_RUN_PLOT_H
#define RL_RUN_PLOT_H

#include "sim/run/experiment.h"
#include "sim/run/gnuplot.h" /* plot_render(), for the callers of plot_*_write */
#include "sim/run/results.h"

/* Write DIR/NAME.gp and DIR/NAME.dat for the roofline of hardware `spec`
 * and model `model` (points of other specs/models are skipped). */
int plot_roofline_write(const char *dir, const char *name,
			const struct experiment *e, int spec, int model,
			const struct result_row *rows, char *err);

/* Write DIR/NAME.gp and DIR/NAME.dat: TFLOP/s of the whole grid (total
 * FLOPs / total time over ops and batch sizes) against swept field `field`,
 * one line per q (or, with options.sweep_lines "batch", one line per batch
 * size, totals over q), for base hardware `base` and model `model`; the
 * other swept fields are held at the base GPU's own value, or the listed
 * value nearest to it (product mode). */
int plot_sweep_write(const char *dir, const char *name,
		     const struct experiment *e, int field, int base,
		     int model, const struct result_row *rows, char *err);

/* Write DIR/NAME.gp and DIR/NAME.dat for a two-field product sweep: a heat
 * map of the grid's TFLOP/s (total FLOPs / total time over ops, q and
 * batch sizes) over every pair of the two fields' values, for base
 * hardware `base` and model `model`. */
int plot_sweep2_write(const char *dir, const char *name,
		      const struct experiment *e, int base, int model,
		      const struct result_row *rows, char *err);


struct out_file;
/* Open DIR/NAME.dat and DIR/NAME.gp (atomic out_files): both or neither.
 * 0, or an error code with err set. */
int plot_files_open(const char *dir, const char *name, struct out_file *dat,
		    struct out_file *gp, char *err);
/* Commit the data, then the script; on a failure abort what is left. */
int plot_files_commit(struct out_file *dat, struct out_file *gp, char *err);

/* Format v with thousands separators: 1935 -> "1,935" (decimals digits
 * after the point). */
void plot_thousands(char *out, size_t len, double v, int decimals);

/* Colour of series i of n (ar excluded): orange -> dark purple, "#rrggbb". */
void plot_series_colour(char *out, size_t len, int i, int n);

#endif
