/*
 * plot.c — gnuplot scripts and data for the roofline and sweep figures
 * (see plot.h); gnuplot.c runs gnuplot on them.
 */
#include "config.h"

#include "sim/run/plot.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/roofline.h"
#include "sim/run/output.h"

/* ---- small helpers ---------------------------------------------------- */

int plot_files_open(const char *dir, const char *name, struct out_file *dat,
		    struct out_file *gp, char *err)
{
	char fname[PATH_MAX];
	int rc;

	snprintf(fname, sizeof fname, "%s.dat", name);
	if ((rc = out_file_open(dat, dir, fname, err)))
		return rc;
	snprintf(fname, sizeof fname, "%s.gp", name);
	if ((rc = out_file_open(gp, dir, fname, err)))
		out_file_abort(dat);
	return rc;
}

int plot_files_commit(struct out_file *dat, struct out_file *gp, char *err)
{
	int rc;

	if ((rc = out_file_commit(dat, err))) {
		out_file_abort(gp);
		return rc;
	}
	return out_file_commit(gp, err);
}

void plot_thousands(char *out, size_t len, double v, int decimals)
{
	char digits[64], *dot;
	size_t n, lead, o = 0;

	snprintf(digits, sizeof digits, "%.*f", decimals, fabs(v));
	dot = strchr(digits, '.');
	n = dot ? (size_t)(dot - digits) : strlen(digits);
	lead = n % 3 ? n % 3 : 3;
	if (v < 0 && o + 1 < len)
		out[o++] = '-';
	for (size_t i = 0; i < n && o + 2 < len; i++) {
		if (i && (i - lead) % 3 == 0 && i >= lead)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = 0;
	if (dot)
		snprintf(out + o, len - o, "%s", dot);
}

/* Anchors read off the reference chart's legend: orange, light orange /
 * tan, salmon, pink, magenta, purple, dark purple. n = 7 hits them
 * exactly; other n interpolate linearly in RGB. */
static const unsigned char anchors[][3] = {
	{0xff, 0x7f, 0x0e}, {0xf4, 0xa4, 0x60}, {0xfa, 0x80, 0x72},
	{0xe8, 0x60, 0x9a}, {0xc2, 0x33, 0x8f}, {0x7b, 0x2d, 0x8e},
	{0x3f, 0x0f, 0x5c},
};
#define NANCHORS ((int)(sizeof anchors / sizeof anchors[0]))

void plot_series_colour(char *out, size_t len, int i, int n)
{
	double t = n > 1 ? (double)i / (n - 1) * (NANCHORS - 1) : 0;
	int a = (int)floor(t), b;
	double f;
	int rgb[3];

	if (a >= NANCHORS - 1)
		a = NANCHORS - 2;
	b = a + 1;
	f = t - a;
	for (int c = 0; c < 3; c++)
		rgb[c] = (int)lround(anchors[a][c] * (1 - f) + anchors[b][c] * f);
	snprintf(out, len, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

#define AR_COLOUR "#8c8c8c"

/* A gnuplot string literal: double quotes, with " and \ escaped. */
static void gp_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Whether an op goes on the roofline figure: the MLP's GEMMs, as in the
 * reference chart (the other layer ops have their own figures,
 * sim/run/plot_layer.h). */
static int mlp_op(const char *op)
{
	return !strcmp(op, "up") || !strcmp(op, "gate") ||
	       !strcmp(op, "down") || !strcmp(op, "up_gate");
}

/* Whether point p is on the roofline figure: an MLP op, at the first
 * kv_len and tp of the grid (the MLP does not depend on kv_len). */
static int on_roofline(const struct experiment *e, const struct exp_point *p)
{
	return mlp_op(experiment_op_name(e, p)) &&
	       (!e->nkv || p->kv_len == e->kv_len[0]) && p->tp == e->tp[0];
}

/* "up/gate/down" for the MLP ops of model m in this experiment. */
static void ops_label(char *out, size_t len, const struct experiment *e,
		      int model)
{
	const struct model_spec *ms = e->models[model];
	int n = e->nops ? e->nops : model_mlp_nops(ms);

	out[0] = 0;
	for (int o = 0; o < n; o++) {
		const char *op = e->nops ? e->ops[o] : model_mlp_op_name(ms, o);

		if (mlp_op(op))
			snprintf(out + strlen(out), len - strlen(out), "%s%s",
				 out[0] ? "/" : "", op);
	}
}

/* Shared look: fonts, frame, grid, key. */
static void gp_preamble(FILE *f, const char *name)
{
	fprintf(f,
		"# Rendered by ridgeline; edit freely and re-render with\n"
		"#   gnuplot %s.gp\n"
		"# (run in this directory). Output names may be overridden:\n"
		"#   gnuplot -e 'svgfile=\"a.svg\"; pngfile=\"a.png\"' %s.gp\n"
		"if (!exists(\"datafile\")) datafile = \"%s.dat\"\n"
		"if (!exists(\"svgfile\")) svgfile = \"%s.svg\"\n"
		"if (!exists(\"pngfile\")) pngfile = \"%s.png\"\n\n"
		"set encoding utf8\n"
		"set border lw 1\n"
		"set grid xtics ytics mxtics mytics lw 1 dt (4,3) lc rgb \"#8c8c8c\", lw 1 dt (2,3) lc rgb \"#c4c4c4\"\n"
		"set key opaque box lc rgb \"#bbbbbb\" Left reverse samplen 2.5 spacing 1.1\n"
		"set tics nomirror out scale 0.6\n"
		"set border 3\n",
		name, name, name, name, name);
}

static void gp_render(FILE *f, const char *plotcmd)
{
	fprintf(f,
		"\nset terminal svg size 960,680 dynamic enhanced font \"DejaVu Sans,13\" background rgb \"white\"\n"
		"set output svgfile\n"
		"%s\n"
		"set terminal pngcairo size 1200,850 enhanced font \"DejaVu Sans,13\" background rgb \"white\"\n"
		"set output pngfile\n"
		"replot\n"
		"unset output\n", plotcmd);
}

/* ---- roofline --------------------------------------------------------- */

int plot_roofline_write(const char *dir, const char *name,
			const struct experiment *e, int spec, int model,
			const struct result_row *rows, char *err)
{
	const struct hw_spec *h = e->specs[spec];
	const struct model_spec *ms = e->models[model];
	enum rl_dtype dt = e->dtype_set ? e->dtype : ms->dtype;
	double bw = hw_spec_bandwidth(h), peak = hw_spec_peak_flops(h, dt);
	double ridge = peak / bw;
	char bwtxt[48], pktxt[48], rtxt[48], ops[64];
	struct out_file gp, dat;
	char *plot = NULL;
	size_t plotlen = 0;
	FILE *pc;
	int rc, nspec = 0, si = 0;

	if ((rc = plot_files_open(dir, name, &dat, &gp, err)))
		return rc;

	/* Data: one block per q (gnuplot "index"), in the experiment's
	 * order. Columns: OI, simulated FLOP/s, roofline FLOP/s, ... */
	fprintf(dat.f, "# %s, %s: %s %s, L2 %s\n", ms->display_name,
		h->display_name, h->name, rl_dtype_name(dt),
		e->l2_warm ? "warm" : "cold");
	for (int qi = 0; qi < e->nq; qi++) {
		fprintf(dat.f, "%s# q = %d%s\n", qi ? "\n\n" : "", e->q[qi],
			e->q[qi] == 1 ? " (ar)" : "");
		fprintf(dat.f, "# oi_flop_per_byte sim_flops roofline_flops op batch m time_us\n");
		for (int i = 0; i < e->npoints; i++) {
			const struct exp_point *p = &e->points[i];
			const struct result_row *r = &rows[i];

			if (p->spec != spec || p->model != model ||
			    p->q != e->q[qi] || !on_roofline(e, p))
				continue;
			fprintf(dat.f, "%.6g %.6g %.6g %s %d %llu %.6g\n",
				r->roof.oi, r->roof.flops / (r->sim.time_us * 1e-6),
				r->roof.attainable, r->op, r->batch,
				(unsigned long long)r->g.m, r->sim.time_us);
		}
		if (e->q[qi] != 1)
			nspec++;
	}

	plot_thousands(bwtxt, sizeof bwtxt, bw / 1e9,
		       fabs(bw / 1e9 - round(bw / 1e9)) < 0.05 ? 0 : 1);
	plot_thousands(pktxt, sizeof pktxt, peak / 1e12,
		       peak / 1e12 >= 100 ? 0 : 1);
	snprintf(rtxt, sizeof rtxt, "%.0f", ridge);
	ops_label(ops, sizeof ops, e, model);

	gp_preamble(gp.f, name);
	fprintf(gp.f, "\nset title ");
	{
		char title[256];

		snprintf(title, sizeof title, "%s, %s", ms->display_name,
			 h->display_name);
		gp_string(gp.f, title);
	}
	/* Axes as in the reference chart (OI 1..10k, 10G..1000T), widened by
	 * whole decades only when a point or a ceiling lies outside. */
	{
		int x0 = 0, x1 = 4, y0 = 10, y1 = 15;
		char xt[256] = "", yt[256] = "";

		for (int i = 0; i < e->npoints; i++) {
			const struct exp_point *p = &e->points[i];
			const struct result_row *r = &rows[i];
			double sim = r->roof.flops / (r->sim.time_us * 1e-6);

			if (p->spec != spec || p->model != model ||
			    !on_roofline(e, p))
				continue;
			while (r->roof.oi < pow(10, x0) * 0.8 && x0 > -3)
				x0--;
			while (r->roof.oi > pow(10, x1) && x1 < 8)
				x1++;
			while (sim < pow(10, y0) && y0 > 6)
				y0--;
		}
		while (peak * 1.3 > pow(10, y1) && y1 < 20)
			y1++;
		while (ridge > pow(10, x1) && x1 < 8)
			x1++;
		for (int d = x0; d <= x1; d++) {
			static const char *const xl[] = {"1m", "10m", "100m", "1", "10",
				"100", "1k", "10k", "100k", "1M", "10M", "100M"};

			snprintf(xt + strlen(xt), sizeof xt - strlen(xt), "%s\"%s\" 1e%d",
				 d > x0 ? ", " : "", xl[d + 3], d);
		}
		for (int d = y0; d <= y1; d++) {
			/* SI labels; T continues to 1000T as in the reference */
			static const char *const yl[] = {"1M", "10M", "100M", "1G",
				"10G", "100G", "1T", "10T", "100T", "1000T", "10P",
				"100P", "1E", "10E", "100E"};

			snprintf(yt + strlen(yt), sizeof yt - strlen(yt), "%s\"%s\" 1e%d",
				 d > y0 ? ", " : "", yl[d - 6], d);
		}
		fprintf(gp.f,
			" noenhanced font \",15\"\n"
			"set xlabel \"Operational Intensity (FLOP/Byte)\"\n"
			"set ylabel \"Performance (FLOP/s)\"\n"
			"set logscale xy\n"
			"# a little room beyond the end decades: OI of a 1-row GEMM is just below 1\n"
			"set xrange [0.8e%d:1.25e%d]\n"
			"set yrange [0.999e%d:1.001e%d]\n"
			"# unlabelled decades (they carry the minor tics and the grid), then SI labels\n"
			"set format x \"\"\n"
			"set format y \"\"\n"
			"set xtics 10\n"
			"set ytics 10\n"
			"set xtics add (%s)\n"
			"set ytics add (%s)\n"
			"set mxtics 10\n"
			"set mytics 10\n"
			"set key bottom right\n\n"
			"# Roofline of %s, %s (datasheet figures, as the analytic model uses)\n"
			"bandwidth = %.6g  # bytes/s\n"
			"peak = %.6g       # FLOP/s\n"
			"ridge = peak / bandwidth  # %s FLOP/byte\n"
			"$ridge << EOD\n%.6g 1e%d\n%.6g 1e%d\nEOD\n",
			x0, x1, y0, y1, xt, yt, h->name, rl_dtype_name(dt), bw, peak,
			rtxt, ridge, y0, ridge, y1);
	}

	/* The plot command, built once and used for both terminals. */
	if (!(pc = open_memstream(&plot, &plotlen))) {
		rl_errf(err, "out of memory");
		out_file_abort(&gp);
		out_file_abort(&dat);
		return RL_EIO;
	}
	fprintf(pc, "plot bandwidth * x with lines dt 2 lw 2 lc rgb \"#1f5fbf\" title \"%s GB/s\" noenhanced, \\\n"
		    "     peak with lines dt 2 lw 2 lc rgb \"#d62728\" title \"%s TFLOP/s\" noenhanced, \\\n"
		    "     $ridge using 1:2 with lines dt 2 lw 2 lc rgb \"#2ca02c\" title \"ridge %s FLOP/Byte\" noenhanced",
		bwtxt, pktxt, rtxt);
	/* hollow analytic-roofline markers first, simulated points on top */
	for (int qi = 0; qi < e->nq; qi++) {
		char col[16];

		if (e->q[qi] == 1)
			snprintf(col, sizeof col, "%s", AR_COLOUR);
		else
			plot_series_colour(col, sizeof col, si++, nspec);
		fprintf(pc, ", \\\n     datafile index %d using 1:3 with points pt 6 ps 1.1 lw 1.2 lc rgb \"%s\" notitle", qi, col);
	}
	si = 0;
	for (int qi = 0; qi < e->nq; qi++) {
		char col[16], title[96];

		if (e->q[qi] == 1) {
			snprintf(col, sizeof col, "%s", AR_COLOUR);
			snprintf(title, sizeof title, "%s ar", ops);
		} else {
			plot_series_colour(col, sizeof col, si++, nspec);
			snprintf(title, sizeof title, "%s spec: %d", ops, e->q[qi]);
		}
		fprintf(pc, ", \\\n     datafile index %d using 1:2 with points pt 7 ps 1.1 lc rgb \"%s\" title ", qi, col);
		gp_string(pc, title);
		fputs(" noenhanced", pc);
	}
	fprintf(pc, ", \\\n     NaN with points pt 6 ps 1.1 lc rgb \"#404040\" title \"analytic roofline (hollow)\" noenhanced");
	fclose(pc);
	gp_render(gp.f, plot);
	free(plot);

	return plot_files_commit(&dat, &gp, err);
}

/* ---- sweep ------------------------------------------------------------ */

/* The value at which a sweep figure holds swept field k while another
 * varies: the base GPU's own value when it is listed, else the listed value
 * nearest to it (the first of two equally near) -- not simply the first
 * listed, which may be far from the GPU the sweep is about. */
static double held_value(const struct experiment *e, int base, int k)
{
	const struct exp_sweep_field *sf = &e->sweep[k];
	double own = e->base_sweep[(size_t)base * e->nsweep + k];
	double best = sf->values[0];

	for (int v = 1; v < sf->nvalues; v++)
		if (fabs(sf->values[v] - own) < fabs(best - own))
			best = sf->values[v];
	return best;
}

int plot_sweep_write(const char *dir, const char *name,
		     const struct experiment *e, int field, int base,
		     int model, const struct result_row *rows, char *err)
{
	const struct exp_sweep_field *sf = &e->sweep[field];
	const struct model_spec *ms = e->models[model];
	/* the lines: one per q (total over batch sizes), or one per batch
	 * size (total over q) with options.sweep_lines "batch" */
	const int by_b = e->sweep_by_batch;
	const int nser = by_b ? e->nbatch : e->nq;
	const int *ser = by_b ? e->batch : e->q;
	int nv = sf->nvalues, nspec = 0, si = 0;
	char ops[64];
	struct out_file gp, dat;
	double *fl, *t;
	int rc;

	for (int qi = 0; qi < nser; qi++)
		nspec += by_b || ser[qi] != 1;
	fl = calloc((size_t)nv * nser, sizeof *fl);
	t = calloc((size_t)nv * nser, sizeof *t);
	if (!fl || !t) {
		free(fl);
		free(t);
		rl_errf(err, "out of memory");
		return RL_EIO;
	}
	/* Sum FLOPs and time per (value, line) over ops and the other grid
	 * dimension, over the specs whose other swept fields sit at their
	 * held value (held_value()). */
	for (int i = 0; i < e->npoints; i++) {
		const struct exp_point *p = &e->points[i];
		const double *sw = &e->spec_sweep[(size_t)p->spec * e->nsweep];
		int vi = -1, qi = -1, other = 1;

		if (p->model != model || e->spec_base[p->spec] != base)
			continue;
		for (int k = 0; k < e->nsweep && !e->sweep_zip; k++)
			if (k != field && sw[k] != held_value(e, base, k))
				other = 0;
		if (!other)
			continue;
		for (int v = 0; v < nv; v++)
			if (sw[field] == sf->values[v])
				vi = v;
		for (int k = 0; k < nser; k++)
			if (ser[k] == (by_b ? p->batch : p->q))
				qi = k;
		if (vi < 0 || qi < 0)
			continue;
		fl[vi * nser + qi] += rows[i].roof.flops;
		t[vi * nser + qi] += rows[i].sim.time_us * 1e-6;
	}

	if ((rc = plot_files_open(dir, name, &dat, &gp, err)))
		goto done;
	fprintf(dat.f, "# %s on %s, sweep of %s; TFLOP/s = total FLOPs / total time over ops and %s\n",
		ms->display_name, e->hw_names[base], sf->path,
		by_b ? "q" : "batch sizes");
	for (int qi = 0; qi < nser; qi++) {
		fprintf(dat.f, "%s# %s = %d%s\n# %s tflops\n", qi ? "\n\n" : "",
			by_b ? "batch" : "q", ser[qi],
			!by_b && ser[qi] == 1 ? " (ar)" : "", sf->path);
		for (int v = 0; v < nv; v++) {
			/* lines in ascending order of the swept value */
			int best = -1;

			for (int w = 0; w < nv; w++) {
				int rank = 0;

				for (int u = 0; u < nv; u++)
					rank += sf->values[u] < sf->values[w];
				if (rank == v)
					best = w;
			}
			if (t[best * nser + qi] > 0)
				fprintf(dat.f, "%.10g %.6g\n", sf->values[best],
					fl[best * nser + qi] / t[best * nser + qi] / 1e12);
		}
	}

	ops_label(ops, sizeof ops, e, model);
	gp_preamble(gp.f, name);
	{
		char title[320], sub[256] = "";
		const struct hw_spec *b = e->specs[base * e->nvariants];
		const char *disp = b->display_name;
		size_t dl = strcspn(disp, ",");

		/* the derived display name lists the swept values: keep the base */
		for (int k = 0; k < e->nsweep && !e->sweep_zip; k++)
			if (k != field)
				snprintf(sub + strlen(sub), sizeof sub - strlen(sub),
					 "%s%s = %g", sub[0] ? ", " : " (",
					 e->sweep[k].path, held_value(e, base, k));
		if (sub[0])
			snprintf(sub + strlen(sub), sizeof sub - strlen(sub), ")");
		if (e->sweep_zip && e->nsweep > 1)
			snprintf(sub, sizeof sub, " (zip: the other fields vary with it)");
		snprintf(title, sizeof title, "%s, %.*s: TFLOP/s against %s%s",
			 ms->display_name, (int)(dl < 80 ? dl : 80), disp,
			 sf->path, sub);
		fprintf(gp.f, "\nset title ");
		gp_string(gp.f, title);
	}
	fprintf(gp.f, " noenhanced font \",14\"\nset xlabel ");
	gp_string(gp.f, sf->path);
	fprintf(gp.f, " noenhanced\nset ylabel \"Performance (TFLOP/s): %s, all %s\"\n"
		"set key outside right top\n"
		"set autoscale\n"
		"set yrange [0:*]\n",
		ops, by_b ? "q" : "batch sizes");
	{
		char *plot = NULL;
		size_t plen = 0;
		FILE *pc = open_memstream(&plot, &plen);

		if (!pc) {
			out_file_abort(&gp);
			out_file_abort(&dat);
			rc = RL_EIO;
			rl_errf(err, "out of memory");
			goto done;
		}
		fprintf(pc, "plot ");
		for (int qi = 0; qi < nser; qi++) {
			char col[16], title[64];

			if (!by_b && ser[qi] == 1) {
				snprintf(col, sizeof col, "%s", AR_COLOUR);
				snprintf(title, sizeof title, "ar");
			} else {
				plot_series_colour(col, sizeof col, si++, nspec);
				snprintf(title, sizeof title, by_b ? "batch %d" : "spec: %d",
					 ser[qi]);
			}
			fprintf(pc, "%sdatafile index %d using 1:2 with linespoints pt 7 ps 0.9 lw 2 lc rgb \"%s\" title \"%s\" noenhanced",
				qi ? ", \\\n     " : "", qi, col, title);
		}
		fclose(pc);
		gp_render(gp.f, plot);
		free(plot);
	}
	rc = plot_files_commit(&dat, &gp, err);
done:
	free(fl);
	free(t);
	return rc;
}

/* ---- two-field sweep: heat map ----------------------------------------- */

int plot_sweep2_write(const char *dir, const char *name,
		      const struct experiment *e, int base, int model,
		      const struct result_row *rows, char *err)
{
	const struct exp_sweep_field *fx = &e->sweep[0], *fy = &e->sweep[1];
	const struct model_spec *ms = e->models[model];
	const int nx = fx->nvalues, ny = fy->nvalues;
	char ops[64], title[320];
	struct out_file gp, dat;
	double *fl, *t;
	int rc;

	fl = calloc((size_t)nx * ny, sizeof *fl);
	t = calloc((size_t)nx * ny, sizeof *t);
	if (!fl || !t) {
		free(fl);
		free(t);
		rl_errf(err, "out of memory");
		return RL_EIO;
	}
	/* total FLOPs and time of the grid (ops, q, batch) per value pair */
	for (int i = 0; i < e->npoints; i++) {
		const struct exp_point *p = &e->points[i];
		const double *sw = &e->spec_sweep[(size_t)p->spec * e->nsweep];
		int xi = -1, yi = -1;

		if (p->model != model || e->spec_base[p->spec] != base)
			continue;
		for (int v = 0; v < nx; v++)
			if (sw[0] == fx->values[v])
				xi = v;
		for (int v = 0; v < ny; v++)
			if (sw[1] == fy->values[v])
				yi = v;
		if (xi < 0 || yi < 0)
			continue;
		fl[xi * ny + yi] += rows[i].roof.flops;
		t[xi * ny + yi] += rows[i].sim.time_us * 1e-6;
	}
	if ((rc = plot_files_open(dir, name, &dat, &gp, err)))
		goto done;
	/* cells on an index grid, in list order, so uneven values still
	 * make an even image; the tics name the values */
	fprintf(dat.f, "# %s on %s: TFLOP/s = total FLOPs / total time over ops, q and batch sizes\n"
		"# %s-index %s-index tflops %s %s\n",
		ms->display_name, e->hw_names[base], fx->path, fy->path,
		fx->path, fy->path);
	for (int x = 0; x < nx; x++) {
		for (int y = 0; y < ny; y++)
			fprintf(dat.f, "%d %d %.6g %.10g %.10g\n", x, y,
				t[x * ny + y] > 0 ? fl[x * ny + y] / t[x * ny + y] / 1e12 : 0,
				fx->values[x], fy->values[y]);
		fputc('\n', dat.f);
	}
	ops_label(ops, sizeof ops, e, model);
	gp_preamble(gp.f, name);
	snprintf(title, sizeof title, "%s, %s: TFLOP/s (%s, all q and batch sizes)",
		 ms->display_name, e->hw_names[base], ops);
	fprintf(gp.f, "\nset title ");
	gp_string(gp.f, title);
	fprintf(gp.f, " noenhanced font \",14\"\nset xlabel ");
	gp_string(gp.f, fx->path);
	fprintf(gp.f, " noenhanced\nset ylabel ");
	gp_string(gp.f, fy->path);
	fprintf(gp.f, " noenhanced\nset cblabel \"TFLOP/s\"\nunset grid\nunset key\n"
		"set palette defined (0 \"#fff5eb\", 1 \"#fd8d3c\", 2 \"#7f2704\")\n"
		"set xrange [-0.5:%g]\nset yrange [-0.5:%g]\nset xtics (", nx - 0.5,
		ny - 0.5);
	for (int x = 0; x < nx; x++)
		fprintf(gp.f, "%s\"%g\" %d", x ? ", " : "", fx->values[x], x);
	fprintf(gp.f, ")\nset ytics (");
	for (int y = 0; y < ny; y++)
		fprintf(gp.f, "%s\"%g\" %d", y ? ", " : "", fy->values[y], y);
	fprintf(gp.f, ")\n");
	gp_render(gp.f, "plot datafile using 1:2:3 with image, \\\n"
		  "     datafile using 1:2:(sprintf(\"%.0f\", $3)) with labels font \",12\"");
	rc = plot_files_commit(&dat, &gp, err);
done:
	free(fl);
	free(t);
	return rc;
}
