/*
 * plot_layer.c — the decoder layer's figures (see plot_layer.h). Scripts
 * follow plot.c's conventions: datafile/svgfile/pngfile variables that
 * plot_render() (or the user) may override, SVG then PNG.
 */
#include "sim/run/plot_layer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/run/output.h"
#include "sim/run/plot.h"

/* One colour per op, the same in every figure. */
static const char *op_colour(const char *op)
{
	static const struct { const char *op, *rgb; } c[] = {
		{"qkv", "#1f77b4"}, {"attn", "#d62728"}, {"o", "#9467bd"},
		{"ar_o", "#7f7f7f"}, {"up", "#ff7f0e"}, {"gate", "#ffbb78"},
		{"up_gate", "#e377c2"}, {"down", "#2ca02c"},
		{"ar_down", "#c7c7c7"}, {"lm_head", "#8c564b"},
	};

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		if (!strcmp(c[i].op, op))
			return c[i].rgb;
	return "#000000";
}

static void preamble(FILE *f, const char *name)
{
	fprintf(f,
		"# Rendered by ridgeline; edit freely and re-render with\n"
		"#   gnuplot %s.gp\n"
		"if (!exists(\"datafile\")) datafile = \"%s.dat\"\n"
		"if (!exists(\"svgfile\")) svgfile = \"%s.svg\"\n"
		"if (!exists(\"pngfile\")) pngfile = \"%s.png\"\n\n"
		"set encoding utf8\n"
		"set border 3 lw 1\n"
		"set tics nomirror out scale 0.6\n"
		"set grid ytics lw 1 dt (4,3) lc rgb \"#8c8c8c\"\n",
		name, name, name, name);
}

int plot_layer_has_attn(const struct experiment *e, int spec, int model)
{
	for (int i = 0; i < e->npoints; i++)
		if (e->points[i].spec == spec && e->points[i].model == model &&
		    e->points[i].lop.kind == LAYER_ATTN)
			return 1;
	return 0;
}

int plot_attn_roofline_write(const char *dir, const char *name,
			     const struct experiment *e, int spec, int model,
			     const struct result_row *rows, char *err)
{
	const struct hw_spec *h = e->specs[spec];
	const struct model_spec *ms = e->models[model];
	enum rl_dtype dt = e->dtype_set ? e->dtype : ms->dtype;
	double bw = hw_spec_bandwidth(h), peak = hw_spec_peak_flops(h, dt);
	char bwtxt[48], pktxt[48];
	struct out_file gp, dat;
	int rc, nkv = e->nkv ? e->nkv : 1;
	double ymin = peak;

	if ((rc = plot_files_open(dir, name, &dat, &gp, err)))
		return rc;
	fprintf(dat.f, "# %s, %s: attention (%s), one block per kv_len\n",
		ms->display_name, h->display_name, rl_dtype_name(dt));
	for (int k = 0; k < nkv; k++) {
		fprintf(dat.f, "%s# kv_len = %d\n", k ? "\n\n" : "",
			e->nkv ? e->kv_len[k] : 0);
		fprintf(dat.f, "# oi_flop_per_byte sim_flops roofline_flops q batch time_us\n");
		for (int i = 0; i < e->npoints; i++) {
			const struct exp_point *p = &e->points[i];
			const struct result_row *r = &rows[i];

			if (p->spec != spec || p->model != model ||
			    p->lop.kind != LAYER_ATTN || p->tp != e->tp[0] ||
			    (e->nkv && p->kv_len != e->kv_len[k]))
				continue;
			fprintf(dat.f, "%.6g %.6g %.6g %d %d %.6g\n", r->roof.oi,
				r->roof.flops / (r->sim.time_us * 1e-6),
				r->roof.attainable, p->q, p->batch, r->sim.time_us);
		}
	}
	/* the y axis from the decade below the slowest point */
	for (int i = 0; i < e->npoints; i++)
		if (e->points[i].spec == spec && e->points[i].model == model &&
		    e->points[i].lop.kind == LAYER_ATTN) {
			double f = rows[i].roof.flops / (rows[i].sim.time_us * 1e-6);

			if (f > 0 && f < ymin)
				ymin = f;
		}
	ymin = pow(10, floor(log10(ymin)));
	plot_thousands(bwtxt, sizeof bwtxt, bw / 1e9,
		       fabs(bw / 1e9 - round(bw / 1e9)) < 0.05 ? 0 : 1);
	plot_thousands(pktxt, sizeof pktxt, peak / 1e12,
		       peak / 1e12 >= 100 ? 0 : 1);
	preamble(gp.f, name);
	fprintf(gp.f,
		"set title \"%s, %s: attention (tp %d)\" noenhanced font \",15\"\n"
		"set xlabel \"Operational Intensity (FLOP/Byte)\"\n"
		"set ylabel \"Performance (FLOP/s)\"\n"
		"set logscale xy\n"
		"set xrange [0.5:20000]\n"
		"set yrange [%.6g:%.6g]\n"
		"set format y \"%%.0s%%c\"\n"
		"set key bottom right opaque box\n"
		"bandwidth = %.6g  # bytes/s, datasheet\n"
		"peak = %.6g       # FLOP/s, datasheet\n",
		ms->display_name, h->display_name, e->tp[0], ymin,
		pow(10, ceil(log10(peak * 1.3))), bw, peak);
	for (int term = 0; term < 2; term++) {
		fputs(term ? "\nset terminal pngcairo size 1200,850 enhanced font \"DejaVu Sans,13\" background rgb \"white\"\nset output pngfile\n"
			   : "\nset terminal svg size 960,680 dynamic enhanced font \"DejaVu Sans,13\" background rgb \"white\"\nset output svgfile\n",
		      gp.f);
		fprintf(gp.f, "plot bandwidth * x with lines dt 2 lw 2 lc rgb \"#1f5fbf\" title \"%s GB/s\" noenhanced, \\\n"
			      "     peak with lines dt 2 lw 2 lc rgb \"#d62728\" title \"%s TFLOP/s\" noenhanced",
			bwtxt, pktxt);
		for (int k = 0; k < nkv; k++) {
			char col[16];

			plot_series_colour(col, sizeof col, k, nkv);
			fprintf(gp.f, ", \\\n     datafile index %d using 1:3 with points pt 6 ps 1.1 lc rgb \"%s\" notitle"
				      ", \\\n     datafile index %d using 1:2 with points pt 7 ps 1.1 lc rgb \"%s\" title \"attn kv_len %d\" noenhanced",
				k, col, k, col, e->nkv ? e->kv_len[k] : 0);
		}
		fputs("\nunset output\n", gp.f);
	}
	return plot_files_commit(&dat, &gp, err);
}

int plot_layer_bars_write(const char *dir, const char *name,
			  const struct experiment *e, int spec, int model,
			  const struct result_row *rows, char *err)
{
	const struct hw_spec *h = e->specs[spec];
	const struct model_spec *ms = e->models[model];
	const char *ops[LAYER_MAX_OPS];
	int nops = experiment_point_ops(e, ms, e->tp[0], ops);
	int nkv = e->nkv ? e->nkv : 1;
	struct out_file gp, dat;
	int rc;

	if ((rc = plot_files_open(dir, name, &dat, &gp, err)))
		return rc;
	fprintf(dat.f, "# %s, %s: the layer's time by op (us; x layers per step), one block per kv_len\n",
		ms->display_name, h->display_name);
	for (int k = 0; k < nkv; k++) {
		fprintf(dat.f, "%s# kv_len = %d\n# label q batch total_us", k ? "\n\n" : "",
			e->nkv ? e->kv_len[k] : 0);
		for (int o = 0; o < nops; o++)
			fprintf(dat.f, " %s_us", ops[o]);
		fputc('\n', dat.f);
		for (int qi = 0; qi < e->nq; qi++)
			for (int bi = 0; bi < e->nbatch; bi++) {
				double t[LAYER_MAX_OPS] = {0}, total = 0;

				for (int i = 0; i < e->npoints; i++) {
					const struct exp_point *p = &e->points[i];

					if (p->spec != spec || p->model != model ||
					    p->tp != e->tp[0] || p->q != e->q[qi] ||
					    p->batch != e->batch[bi] ||
					    (e->nkv && p->kv_len != e->kv_len[k]) ||
					    p->op >= nops)
						continue;
					t[p->op] = rows[i].sim.time_us * p->count;
					total += t[p->op];
				}
				/* a label at the first batch of each q */
				if (bi == 0)
					fprintf(dat.f, "\"q%d\"", e->q[qi]);
				else
					fputs("\"\"", dat.f);
				fprintf(dat.f, " %d %d %.6g", e->q[qi], e->batch[bi], total);
				for (int o = 0; o < nops; o++)
					fprintf(dat.f, " %.6g", t[o]);
				fputc('\n', dat.f);
			}
	}
	preamble(gp.f, name);
	fprintf(gp.f,
		"set style data histograms\n"
		"set style histogram rowstacked\n"
		"set style fill solid 0.9 border rgb \"#ffffff\"\n"
		"set boxwidth 0.85\n"
		"set yrange [0:100]\n"
		"set ylabel \"share of the layer's time (%%)\"\n"
		"set xtics nomirror scale 0 font \",11\"\n"
		"set key outside right top vertical noenhanced\n");
	for (int term = 0; term < 2; term++) {
		fprintf(gp.f, term ?
			"\nset terminal pngcairo size 1400,%d enhanced font \"DejaVu Sans,13\" background rgb \"white\"\nset output pngfile\n" :
			"\nset terminal svg size 1200,%d dynamic enhanced font \"DejaVu Sans,13\" background rgb \"white\"\nset output svgfile\n",
			260 * nkv + 120);
		fprintf(gp.f, "set multiplot layout %d,1 title \"%s, %s: one layer's time by op (batch %d..%d within each q)\" noenhanced\n",
			nkv, ms->display_name, h->display_name, e->batch[0],
			e->batch[e->nbatch - 1]);
		for (int k = 0; k < nkv; k++) {
			fprintf(gp.f, "set title \"kv_len = %d\" noenhanced\n", e->nkv ? e->kv_len[k] : 0);
			for (int o = 0; o < nops; o++)
				fprintf(gp.f, "%s datafile index %d using (100 * column(%d) / column(4)):xtic(1) lc rgb \"%s\" title \"%s\"%s\n",
					o ? "    " : "plot", k, 5 + o, op_colour(ops[o]),
					ops[o], o + 1 < nops ? ", \\" : "");
		}
		fputs("unset multiplot\nunset output\n", gp.f);
	}
	return plot_files_commit(&dat, &gp, err);
}
