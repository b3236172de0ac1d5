/* timeline.c — the run of one GEMM as a gnuplot figure (see timeline.h). */
#include "sim/run/timeline.h"

#include <stdio.h>
#include <string.h>

#include "hw/common.h"
#include "sim/run/output.h"
#include "sim/run/plot.h"

/* The data file: block 0 the heat strip (time, SM, CTAs resident), block 1
 * one line per column (time, DRAM, L2 utilisation, hit rate, tensor). */
static void write_dat(FILE *f, const struct gpu_recorder *rec,
		      const struct gpu_result *res)
{
	const struct attrib_bins *b = &rec->bins;
	unsigned per = (b->nbins + TIMELINE_COLUMNS - 1) / TIMELINE_COLUMNS;
	unsigned cols;
	double w_us;

	if (per < 1) /* no bins: one column of nothing, not a division by 0 */
		per = 1;
	cols = (b->nbins + per - 1) / per;
	w_us = (double)b->bin_ps * per / SIM_PS_PER_US;
	fprintf(f, "# %s: CTAs resident per SM; column width %.6f us\n"
		   "# t_us sm ctas\n", res->tile, w_us);
	for (unsigned i = 0; i < rec->nsm; i++) {
		for (unsigned c = 0; c < cols; c++) {
			double v = 0;

			for (unsigned k = c * per; k < (c + 1) * per && k < b->nbins; k++)
				v += b->sm_resident_ps[(size_t)i * ATTRIB_BINS + k];
			fprintf(f, "%.6f %u %.4f\n", (c + 0.5) * w_us, i,
				v / ((double)b->bin_ps * per));
		}
		fputc('\n', f);
	}
	fprintf(f, "\n\n# t_us dram_util l2_util l2_hit tensor_util ctas\n");
	for (unsigned c = 0; c < cols; c++) {
		double d = 0, l = 0, rd = 0, hit = 0, t = 0, n = 0;
		double w = (double)b->bin_ps * per;

		for (unsigned k = c * per; k < (c + 1) * per && k < b->nbins; k++) {
			d += b->dram_bytes[k];
			l += b->l2_bytes[k];
			rd += b->l2_read[k];
			hit += b->l2_hit[k];
			t += b->tensor_ps[k];
			n += b->resident_ps[k];
		}
		fprintf(f, "%.6f %.4f %.4f %.4f %.4f %.4f\n", (c + 0.5) * w_us,
			d / (rec->dram_bps * w), l / (rec->l2_bps * w),
			rd > 0 ? hit / rd : 0, t / (w * rec->nsm), n / w);
	}
}

static void write_gp(FILE *f, const char *name, const char *hw,
		     const struct gemm *g, const struct gpu_result *res,
		     const struct gpu_recorder *rec)
{
	fprintf(f,
		"# Rendered by ridgeline; edit freely and re-render with\n"
		"#   gnuplot %s.gp\n"
		"# (run in this directory).\n"
		"if (!exists(\"datafile\")) datafile = \"%s.dat\"\n"
		"if (!exists(\"svgfile\")) svgfile = \"%s.svg\"\n"
		"if (!exists(\"pngfile\")) pngfile = \"%s.png\"\n"
		"tmax = %.6f\n"
		"do for [term in \"svg png\"] {\n"
		"if (term eq \"svg\") {\n"
		"  set terminal svg size 960,860 dynamic enhanced font \"DejaVu Sans,12\" background rgb \"white\"\n"
		"  set output svgfile\n"
		"} else {\n"
		"  set terminal pngcairo size 1200,1075 enhanced font \"DejaVu Sans,12\" background rgb \"white\"\n"
		"  set output pngfile\n"
		"}\n"
		"set encoding utf8\n"
		"unset xlabel\n"
		"set key default\n"
		"set multiplot layout 3,1 title \"%s, %llu×%llu×%llu %s, %s: %.3f µs\"\n"
		"set xrange [0:tmax]\n"
		"set tics nomirror out scale 0.6\n"
		"set lmargin 12\n"
		"set rmargin 14\n"
		"set title \"CTAs resident per SM\"\n"
		"set ylabel \"SM\"\n"
		"set yrange [-0.5:%u-0.5]\n"
		"set cblabel \"CTAs\"\n"
		"set cbrange [0:%u]\n"
		"set palette defined (0 \"#ffffff\", 1 \"#6baed6\", 2 \"#08306b\")\n"
		"unset key\n"
		"plot datafile index 0 using 1:2:3 with image\n"
		"unset colorbox\n"
		"set title \"memory\"\n"
		"set ylabel \"utilisation, hit rate\"\n"
		"set yrange [0:1.05]\n"
		"set key outside right top\n"
		"set grid ytics lw 1 dt (4,3) lc rgb \"#c4c4c4\"\n"
		"plot datafile index 1 using 1:2 with steps lw 2 lc rgb \"#2166ac\" title \"DRAM\", \\\n"
		"     datafile index 1 using 1:3 with steps lw 2 lc rgb \"#4daf4a\" title \"L2 bw\", \\\n"
		"     datafile index 1 using 1:4 with steps lw 1 dt 2 lc rgb \"#984ea3\" title \"L2 hit\"\n"
		"set title \"tensor cores\"\n"
		"set ylabel \"utilisation\"\n"
		"set xlabel \"time (µs)\"\n"
		"plot datafile index 1 using 1:5 with steps lw 2 lc rgb \"#d6604d\" title \"tensor\"\n"
		"unset multiplot\n"
		"unset output\n"
		"}\n",
		name, name, name, name, (double)rec->elapsed / SIM_PS_PER_US,
		hw, (unsigned long long)g->m, (unsigned long long)g->n,
		(unsigned long long)g->k, rl_dtype_name(g->dtype), res->tile,
		res->time_us, rec->nsm, rec->cps);
}

int timeline_write(const char *path, const struct gpu_recorder *rec,
		   const char *hw, const struct gemm *g,
		   const struct gpu_result *res, char *err)
{
	char dir[PATH_MAX], name[PATH_MAX], file[PATH_MAX + 8];
	const char *s = strrchr(path, '/'), *base = s ? s + 1 : path;
	size_t n = strlen(base);
	struct out_file o;

	if (n < 5 || (strcmp(base + n - 4, ".svg") && strcmp(base + n - 4, ".png"))) {
		rl_errf(err, "%s: expected a file name ending in .svg or .png",
			path);
		return RL_EINPUT;
	}
	if (!rec->timeline || !rec->spans) {
		rl_errf(err, "%s: no timeline was recorded", path);
		return RL_EIO;
	}
	out_split_path(path, dir, sizeof dir, name, sizeof name);
	name[n - 4] = 0; /* base without .svg or .png */
	snprintf(file, sizeof file, "%s.dat", name);
	if (out_file_open(&o, dir, file, err) != RL_OK)
		return RL_EIO;
	write_dat(o.f, rec, res);
	if (out_file_commit(&o, err) != RL_OK)
		return RL_EIO;
	snprintf(file, sizeof file, "%s.gp", name);
	if (out_file_open(&o, dir, file, err) != RL_OK)
		return RL_EIO;
	write_gp(o.f, name, hw, g, res, rec);
	if (out_file_commit(&o, err) != RL_OK)
		return RL_EIO;
	return plot_render(dir, name, err);
}
