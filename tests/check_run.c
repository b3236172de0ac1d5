/*
 * check_run.c — experiment files (sim/run/experiment), the run journal
 * (sim/run/journal, sim/run/runner) and the figure helpers (sim/run/plot).
 *
 * No test here runs the GPU model: the grid, the error messages, the
 * journal's durability and resume rules are checked on their own; the
 * simulated numbers are checked end to end by tests/run_reference.sh.
 * Expected shapes come from the LLaMA paper (Llama 33B: hidden 6656, FFN
 * 17920; up/gate are T×6656·6656×17920, down is T×17920·17920×6656).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "hw/common.h"
#include "sim/run/experiment.h"
#include "sim/run/journal.h"
#include "sim/run/plot.h"
#include "sim/run/runner.h"

#define REFERENCE RL_SRCDIR "/experiments/medusa-llama33b-a100-pcie.json"

static char err[RL_ERR_LEN];

#define ck_assert_has(hay, needle)                                          \
	ck_assert_msg(strstr((hay), (needle)) != NULL,                      \
		      "expected \"%s\" in message \"%s\"", (needle), (hay))

/* A valid experiment around a replaceable workload/extra part. */
#define EXP(extra)                                                          \
	"{\"name\": \"t\", \"hardware\": [\"a100-80gb-pcie\"], "             \
	"\"model\": \"llama-33b\", " extra "}"
#define WL "\"workload\": {\"q\": [1, 16], \"batch\": [1, 2]}"

/* ---- the reference grid ---------------------------------------------- */

START_TEST(test_reference_grid_is_168_gemms_with_m_batch_times_q)
{
	static const int qs[] = {1, 16, 32, 48, 64, 80, 96, 112};
	static const int bs[] = {1, 2, 4, 8, 16, 32, 64};
	static const char *const ops[] = {"up", "gate", "down"};
	struct experiment *e;
	int i = 0;

	ck_assert_int_eq(experiment_load(REFERENCE, &e, err), RL_OK);
	ck_assert_str_eq(e->name, "medusa-llama33b-a100-pcie");
	ck_assert_int_eq(e->nspecs, 1);
	ck_assert_str_eq(e->specs[0]->name, "a100-80gb-pcie");
	ck_assert_str_eq(e->models[0]->name, "llama-33b");
	ck_assert_int_eq(e->l2_warm, 0);
	/* 8 q × 7 batch × 3 ops */
	ck_assert_int_eq(e->npoints, 168);
	for (int q = 0; q < 8; q++)
		for (int b = 0; b < 7; b++)
			for (int o = 0; o < 3; o++, i++) {
				const struct exp_point *p = &e->points[i];
				int down = o == 2;

				ck_assert_int_eq(p->q, qs[q]);
				ck_assert_int_eq(p->batch, bs[b]);
				ck_assert_str_eq(experiment_op_name(e, p), ops[o]);
				ck_assert_uint_eq(p->g.m, (uint64_t)qs[q] * bs[b]);
				ck_assert_uint_eq(p->g.k, down ? 17920 : 6656);
				ck_assert_uint_eq(p->g.n, down ? 6656 : 17920);
				ck_assert_int_eq(p->g.dtype, RL_FP16);
			}
	experiment_free(e);
}
END_TEST

START_TEST(test_ops_default_to_every_mlp_op_and_names_resolve)
{
	struct experiment *e;

	/* "hardware" and "model" may be single names; ops default to all */
	ck_assert_int_eq(experiment_parse(
		"{\"name\": \"t\", \"hardware\": \"a100-80gb-pcie\", "
		"\"model\": [\"llama-33b\", \"llama-2-7b\"], " WL "}",
		"t.json", &e, err), RL_OK);
	/* 2 models × 3 ops × 2 q × 2 batch */
	ck_assert_int_eq(e->npoints, 24);
	/* Llama-2-7B: hidden 4096, FFN 11008 (Touvron et al. 2023) */
	ck_assert_uint_eq(e->points[12].g.k, 4096);
	ck_assert_uint_eq(e->points[12].g.n, 11008);
	experiment_free(e);
}
END_TEST

/* ---- bad files: one line naming file and JSON path, RL_EINPUT --------- */

static const struct {
	const char *text;
	const char *path; /* expected in the message */
} bad[] = {
	{"{\"name\": \"t\", ", "line 1"},                          /* malformed */
	{"[1, 2]", "$: expected an object"},
	{EXP(WL ", \"extra\": 1"), "$.extra"},                      /* unknown key */
	{EXP("\"workload\": {\"q\": [1], \"batch\": [1], \"bacth\": [2]}"),
	 "$.workload.bacth"},
	{EXP("\"workload\": {\"q\": [], \"batch\": [1]}"), "$.workload.q"},
	{EXP("\"workload\": {\"q\": [1], \"batch\": []}"), "$.workload.batch"},
	{EXP("\"workload\": {\"q\": [1, 0], \"batch\": [1]}"), "$.workload.q[1]"},
	{EXP("\"workload\": {\"q\": [1], \"batch\": [-4]}"), "$.workload.batch[0]"},
	{EXP("\"workload\": {\"q\": [1.5], \"batch\": [1]}"), "$.workload.q[0]"},
	{EXP("\"workload\": {\"q\": [\"16\"], \"batch\": [1]}"), "$.workload.q[0]"},
	{EXP("\"workload\": {\"q\": 16, \"batch\": [1]}"), "$.workload.q"},
	{EXP("\"workload\": {\"q\": [16, 16], \"batch\": [1]}"), "$.workload.q[1]"},
	{EXP("\"workload\": {\"ops\": [\"up\", \"softmax\"], \"q\": [1], \"batch\": [1]}"),
	 "$.workload.ops[1]"},
	{EXP("\"workload\": {\"ops\": [], \"q\": [1], \"batch\": [1]}"),
	 "$.workload.ops"},
	{EXP("\"workload\": {\"q\": [65536], \"batch\": [65536]}"), "$.workload"},
	{EXP("\"workload\": 3"), "$.workload"},
	{"{\"name\": \"t\", \"model\": \"llama-33b\", " WL "}", "$.hardware"},
	{"{\"name\": \"t\", \"hardware\": [], \"model\": \"llama-33b\", " WL "}",
	 "$.hardware"},
	{"{\"name\": \"t\", \"hardware\": [\"no-such-gpu\"], \"model\": \"llama-33b\", " WL "}",
	 "$.hardware[0]"},
	{"{\"name\": \"t\", \"hardware\": [\"a100-80gb-pcie\"], \"model\": \"no-such-llm\", " WL "}",
	 "$.model"},
	{"{\"name\": \"t\", \"hardware\": [\"a100-80gb-pcie\"], \"model\": 7, " WL "}",
	 "$.model"},
	{"{\"name\": \"a b\", \"hardware\": [\"a100-80gb-pcie\"], \"model\": \"llama-33b\", " WL "}",
	 "$.name"},
	{"{\"hardware\": [\"a100-80gb-pcie\"], \"model\": \"llama-33b\", " WL "}", "$.name"},
	{EXP(WL ", \"options\": {\"dtype\": \"fp32\"}"), "$.options.dtype"},
	{EXP(WL ", \"options\": {\"l2\": \"hot\"}"), "$.options.l2"},
	{EXP(WL ", \"options\": {\"sweep_mode\": \"zip\"}"), "$.options.sweep_mode"},
	{EXP(WL ", \"sweep\": {\"hbm.bandwith_gbps\": [1000]}"),
	 "$.sweep[\"hbm.bandwith_gbps\"]"},
	{EXP(WL ", \"sweep\": {\"hbm.bandwidth_gbps\": []}"),
	 "$.sweep[\"hbm.bandwidth_gbps\"]"},
	{EXP(WL ", \"sweep\": {\"hbm.bandwidth_gbps\": [1000, -5]}"),
	 "$.sweep[\"hbm.bandwidth_gbps\"][1]"},
	{EXP(WL ", \"sweep\": {\"sm.count\": [100.5]}"), "$.sweep[\"sm.count\"][0]"},
	{EXP(WL ", \"sweep\": {}"), "$.sweep"},
	/* a swept value inside the field's range that breaks a cross-field
	 * rule (sustained clock above boost) fails before any simulation */
	{EXP(WL ", \"sweep\": {\"clock.sustained_mhz\": [1200, 2000]}"), "$.sweep"},
	{EXP(WL ", \"options\": {\"sweep_mode\": \"zip\"}, \"sweep\": "
	     "{\"sm.count\": [108, 132], \"hbm.bandwidth_gbps\": [1000]}"),
	 "$.sweep[\"hbm.bandwidth_gbps\"]"},
};

START_TEST(test_bad_experiment_is_one_line_naming_file_and_path)
{
	struct experiment *e = (void *)1;

	err[0] = 0;
	ck_assert_int_eq(experiment_parse(bad[_i].text, "bad.json", &e, err),
			 RL_EINPUT);
	ck_assert_ptr_null(e);
	ck_assert_msg(!strncmp(err, "bad.json:", 9), "no file name: %s", err);
	ck_assert_has(err, bad[_i].path);
	ck_assert_has(err, "expected");
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

/* ---- sweeps ------------------------------------------------------------ */

START_TEST(test_sweep_is_a_cartesian_product_last_field_fastest)
{
	struct experiment *e;
	double v;

	ck_assert_int_eq(experiment_parse(EXP(WL ", \"sweep\": "
		"{\"hbm.bandwidth_gbps\": [1000, 1935, 4000], \"sm.count\": [108, 132]}"),
		"t.json", &e, err), RL_OK);
	ck_assert_int_eq(e->nspecs, 6);
	ck_assert_int_eq(e->npoints, 6 * 3 * 2 * 2);
	/* spec 3 = bandwidth index 1, count index 1 */
	ck_assert_int_eq(hw_spec_get(e->specs[3], "hbm.bandwidth_gbps", &v), RL_OK);
	ck_assert_double_eq(v, 1935);
	ck_assert_int_eq(hw_spec_get(e->specs[3], "sm.count", &v), RL_OK);
	ck_assert_double_eq(v, 132);
	ck_assert_str_eq(e->specs[3]->name,
			 "a100-80gb-pcie+hbm.bandwidth_gbps-1935+sm.count-132");
	ck_assert_double_eq(e->spec_sweep[3 * 2 + 0], 1935);
	ck_assert_double_eq(e->spec_sweep[3 * 2 + 1], 132);
	/* names are distinct and file-name safe */
	for (int i = 0; i < 6; i++)
		for (int k = 0; k < i; k++)
			ck_assert_str_ne(e->specs[i]->name, e->specs[k]->name);
	experiment_free(e);
}
END_TEST

START_TEST(test_sweep_zip_pairs_the_lists)
{
	struct experiment *e;
	double v;

	ck_assert_int_eq(experiment_parse(EXP(WL ", \"options\": {\"sweep_mode\": \"zip\"}, "
		"\"sweep\": {\"hbm.bandwidth_gbps\": [1000, 4000], \"sm.count\": [108, 132]}"),
		"t.json", &e, err), RL_OK);
	ck_assert_int_eq(e->nspecs, 2);
	ck_assert_int_eq(hw_spec_get(e->specs[1], "hbm.bandwidth_gbps", &v), RL_OK);
	ck_assert_double_eq(v, 4000);
	ck_assert_int_eq(hw_spec_get(e->specs[1], "sm.count", &v), RL_OK);
	ck_assert_double_eq(v, 132);
	experiment_free(e);
}
END_TEST

/* ---- journal and resume ------------------------------------------------ */

static void tmpdir(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/check_run.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(buf));
}

static void rmtree(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A result that no simulator produced: the journal must keep it exactly. */
static void fake_result(struct gpu_result *r, int i)
{
	memset(r, 0, sizeof *r);
	r->time_us = 100.0 / 3.0 + i;
	r->flops = 2.0 * 16 * 6656 * 17920;
	r->bytes_min = 1e-300;
	r->bytes_hbm_read = 123456789.123456789;
	r->bytes_hbm_write = 0.1 + 0.2;
	r->bytes_hbm = r->bytes_hbm_read + r->bytes_hbm_write;
	r->tflops = M_PI;
	r->hbm_gbps = 1935.0 * (1 - 1e-16);
	r->l2_hit_rate = 0.5;
	r->waves = 1.0 / 7.0;
	r->split_k = 4;
	r->ctas = 432;
	r->events = 123456789012ULL;
	snprintf(r->tile, sizeof r->tile, "128x256x32/s3");
	snprintf(r->bound, sizeof r->bound, "memory");
}

static int same_result(const struct gpu_result *a, const struct gpu_result *b)
{
	char *x = journal_result_text(a), *y = journal_result_text(b);
	int same = !strcmp(x, y) && a->time_us == b->time_us &&
		   a->bytes_min == b->bytes_min && a->hbm_gbps == b->hbm_gbps &&
		   a->events == b->events && !strcmp(a->tile, b->tile);

	free(x);
	free(y);
	return same;
}

START_TEST(test_journal_result_round_trips_bit_for_bit)
{
	struct gpu_result a, b;
	char *text;
	cJSON *j;

	fake_result(&a, 0);
	text = journal_result_text(&a);
	j = cJSON_Parse(text);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(journal_result_parse(j, &b), RL_OK);
	ck_assert(memcmp(&a.time_us, &b.time_us, sizeof a.time_us) == 0);
	ck_assert(memcmp(&a.bytes_min, &b.bytes_min, sizeof a.bytes_min) == 0);
	ck_assert(memcmp(&a.bytes_hbm_write, &b.bytes_hbm_write, sizeof a.bytes_hbm_write) == 0);
	ck_assert(memcmp(&a.hbm_gbps, &b.hbm_gbps, sizeof a.hbm_gbps) == 0);
	ck_assert(same_result(&a, &b));
	cJSON_Delete(j);
	free(text);
}
END_TEST

static struct experiment *small_experiment(const char *extra_q)
{
	struct experiment *e;
	char text[512];

	snprintf(text, sizeof text, EXP("\"workload\": {\"q\": [%s], \"batch\": [1, 2]}"),
		 extra_q);
	ck_assert_int_eq(experiment_parse(text, "t.json", &e, err), RL_OK);
	return e;
}

START_TEST(test_resume_skips_journaled_points_and_keeps_their_results)
{
	struct experiment *e = small_experiment("1, 16");
	struct run_opts o = {NULL, 0, 0};
	struct gpu_result res;
	struct runner *r;
	char dir[64];
	int first, second;

	/* every point its own result: the result cache would give up and
	 * gate (one GEMM) one record each at once */
	setenv("RIDGELINE_NO_RESULT_CACHE", "1", 1);
	tmpdir(dir, sizeof dir);
	o.dir = dir;
	ck_assert_int_eq(runner_open(e, &o, &r, err), RL_OK);
	ck_assert_int_eq(runner_pending(r), 12);
	first = runner_next(r);
	second = runner_next(r);
	ck_assert_int_eq(first, 0);
	ck_assert_int_eq(second, 1);
	/* finish them out of order */
	fake_result(&res, second);
	ck_assert_int_eq(runner_complete(r, second, &res, err), RL_OK);
	fake_result(&res, first);
	ck_assert_int_eq(runner_complete(r, first, &res, err), RL_OK);
	runner_close(r);

	/* reopen: both are done, with the journaled numbers */
	ck_assert_int_eq(runner_open(e, &o, &r, err), RL_OK);
	ck_assert_int_eq(runner_pending(r), 10);
	ck_assert_int_eq(runner_done(r), 2);
	fake_result(&res, second);
	ck_assert(same_result(runner_result(r, second), &res));
	ck_assert_int_eq(runner_next(r), 2);
	runner_close(r);
	experiment_free(e);
	rmtree(dir);
	unsetenv("RIDGELINE_NO_RESULT_CACHE");
}
END_TEST

START_TEST(test_torn_last_record_is_cut_off_on_resume)
{
	struct experiment *e = small_experiment("1");
	struct run_opts o = {NULL, 0, 0};
	struct gpu_result res;
	struct runner *r;
	char dir[64], path[128];
	struct stat st0, st1;
	FILE *f;

	setenv("RIDGELINE_NO_RESULT_CACHE", "1", 1); /* one record per point */
	tmpdir(dir, sizeof dir);
	o.dir = dir;
	ck_assert_int_eq(runner_open(e, &o, &r, err), RL_OK);
	fake_result(&res, 0);
	ck_assert_int_eq(runner_complete(r, 0, &res, err), RL_OK);
	runner_close(r);
	snprintf(path, sizeof path, "%s/%s", dir, JOURNAL_NAME);
	ck_assert_int_eq(stat(path, &st0), 0);
	/* a crash in the middle of the next write */
	f = fopen(path, "a");
	fputs("{\"key\":\"0123456789abcdef0123456789abcdef\",\"result\":{\"time_", f);
	fclose(f);
	ck_assert_int_eq(runner_open(e, &o, &r, err), RL_OK);
	ck_assert_int_eq(runner_done(r), 1);
	ck_assert_int_eq(stat(path, &st1), 0);
	ck_assert_int_eq(st1.st_size, st0.st_size);
	runner_close(r);
	experiment_free(e);
	rmtree(dir);
	unsetenv("RIDGELINE_NO_RESULT_CACHE");
}
END_TEST

/* The first point with the GEMM of point i (what the result cache must
 * treat as one simulation), found by comparing the shapes directly. */
static int first_same_gemm(const struct experiment *e, int i)
{
	const struct gemm *g = &e->points[i].g;

	for (int j = 0;; j++) {
		const struct gemm *h = &e->points[j].g;

		if (h->m == g->m && h->n == g->n && h->k == g->k &&
		    h->dtype == g->dtype)
			return j;
	}
}

START_TEST(test_result_cache_hands_out_each_distinct_gemm_once)
{
	/* q, batch in {1, 2, 4}: m in {1, 2, 4, 8, 16} (5 of 9 products);
	 * up and gate are one GEMM (n = 17920, k = 6656), down another:
	 * 10 simulations for 27 points */
	struct experiment *e;
	struct run_opts o = {NULL, 0, 0};
	struct gpu_result res;
	struct runner *r;
	char dir[64];
	int handed[27], n = 0, i, done;

	ck_assert_int_eq(experiment_parse(EXP("\"workload\": {\"q\": [1, 2, 4], "
					      "\"batch\": [1, 2, 4]}"),
					  "t.json", &e, err), RL_OK);
	ck_assert_int_eq(e->npoints, 27);
	tmpdir(dir, sizeof dir);
	o.dir = dir;
	ck_assert_int_eq(runner_open(e, &o, &r, err), RL_OK);
	/* three simulations, then a crash: their groups are journaled */
	for (i = 0; i < 3; i++) {
		handed[n] = runner_next(r);
		ck_assert_int_eq(first_same_gemm(e, handed[n]), handed[n]);
		fake_result(&res, handed[n]);
		ck_assert_int_eq(runner_complete(r, handed[n], &res, err), RL_OK);
		n++;
	}
	for (i = 0, done = 0; i < 27; i++)
		for (int k = 0; k < n; k++)
			done += first_same_gemm(e, i) == handed[k];
	ck_assert_int_eq(runner_done(r), done);
	runner_close(r);
	/* resume: the other 7 distinct GEMMs, each once */
	ck_assert_int_eq(runner_open(e, &o, &r, err), RL_OK);
	ck_assert_int_eq(runner_done(r), done);
	while ((i = runner_next(r)) >= 0) {
		ck_assert_int_lt(n, 27);
		for (int k = 0; k < n; k++)
			ck_assert_int_ne(first_same_gemm(e, handed[k]),
					 first_same_gemm(e, i));
		handed[n++] = i;
		fake_result(&res, i);
		ck_assert_int_eq(runner_complete(r, i, &res, err), RL_OK);
	}
	ck_assert_int_eq(n, 10);
	ck_assert_int_eq(runner_done(r), 27);
	/* every point has the result of the first point with its GEMM */
	for (i = 0; i < 27; i++) {
		fake_result(&res, first_same_gemm(e, i));
		ck_assert(same_result(runner_result(r, i), &res));
	}
	runner_close(r);
	experiment_free(e);
	rmtree(dir);
}
END_TEST

START_TEST(test_changed_experiment_is_refused_unless_fresh)
{
	struct experiment *a = small_experiment("1, 16");
	struct experiment *b = small_experiment("1, 32");
	struct run_opts o = {NULL, 0, 0};
	struct gpu_result res;
	struct runner *r;
	char dir[64];

	tmpdir(dir, sizeof dir);
	o.dir = dir;
	ck_assert_int_eq(runner_open(a, &o, &r, err), RL_OK);
	fake_result(&res, 0);
	ck_assert_int_eq(runner_complete(r, 0, &res, err), RL_OK);
	runner_close(r);

	ck_assert_int_eq(runner_open(b, &o, &r, err), RL_EINPUT);
	ck_assert_has(err, JOURNAL_NAME);
	ck_assert_has(err, "--fresh");
	ck_assert_ptr_null(strchr(err, '\n'));

	o.fresh = 1;
	ck_assert_int_eq(runner_open(b, &o, &r, err), RL_OK);
	ck_assert_int_eq(runner_done(r), 0);
	runner_close(r);
	/* and now the journal belongs to b: a is refused */
	o.fresh = 0;
	ck_assert_int_eq(runner_open(a, &o, &r, err), RL_EINPUT);
	experiment_free(a);
	experiment_free(b);
	rmtree(dir);
}
END_TEST

START_TEST(test_point_keys_are_distinct_and_stable)
{
	struct experiment *e = small_experiment("1, 16"), *e2;
	struct run_opts o = {NULL, 0, 0};
	struct runner *r, *r2;
	char dir[64], dir2[64];

	tmpdir(dir, sizeof dir);
	tmpdir(dir2, sizeof dir2);
	o.dir = dir;
	ck_assert_int_eq(runner_open(e, &o, &r, err), RL_OK);
	for (int i = 0; i < e->npoints; i++)
		for (int k = 0; k < i; k++)
			ck_assert_str_ne(runner_key(r, i), runner_key(r, k));
	/* same inputs, another process/dir: same keys */
	e2 = small_experiment("1, 16");
	o.dir = dir2;
	ck_assert_int_eq(runner_open(e2, &o, &r2, err), RL_OK);
	for (int i = 0; i < e->npoints; i++)
		ck_assert_str_eq(runner_key(r, i), runner_key(r2, i));
	runner_close(r);
	runner_close(r2);
	experiment_free(e);
	experiment_free(e2);
	rmtree(dir);
	rmtree(dir2);
}
END_TEST

/* ---- figure helpers ---------------------------------------------------- */

START_TEST(test_thousands_separator)
{
	char buf[64];

	plot_thousands(buf, sizeof buf, 1935, 0);
	ck_assert_str_eq(buf, "1,935");
	plot_thousands(buf, sizeof buf, 312, 0);
	ck_assert_str_eq(buf, "312");
	plot_thousands(buf, sizeof buf, 1000, 0);
	ck_assert_str_eq(buf, "1,000");
	plot_thousands(buf, sizeof buf, 999.96, 1);
	ck_assert_str_eq(buf, "1,000.0");
	plot_thousands(buf, sizeof buf, 1234567.25, 1);
	ck_assert_str_eq(buf, "1,234,567.2");
	plot_thousands(buf, sizeof buf, 4800, 0);
	ck_assert_str_eq(buf, "4,800");
}
END_TEST

static void rgb_of(const char *hex, int rgb[3])
{
	ck_assert_int_eq(strlen(hex), 7);
	ck_assert_int_eq(sscanf(hex, "#%2x%2x%2x", &rgb[0], &rgb[1], &rgb[2]),
			 3);
}

/* What plot.h promises, not its table: the series run from the reference
 * chart's first legend colour (orange, #ff7f0e) to its last (dark purple,
 * #3f0f5c) whatever their number; 7 series are the chart's 7 colours and
 * other counts interpolate linearly in RGB, so series 2j of 13 is series
 * j of 7 and series 2j+1 of 13 the rounded midpoint of j and j+1; n series
 * are n distinct colours. */
START_TEST(test_series_colours_run_from_orange_to_dark_purple)
{
	char c[16], d[16], e[16];

	for (int n = 1; n <= 12; n++) {
		plot_series_colour(c, sizeof c, 0, n);
		ck_assert_str_eq(c, "#ff7f0e");
		if (n > 1) {
			plot_series_colour(c, sizeof c, n - 1, n);
			ck_assert_str_eq(c, "#3f0f5c");
		}
		for (int i = 0; i < n; i++)
			for (int j = 0; j < i; j++) {
				plot_series_colour(c, sizeof c, i, n);
				plot_series_colour(d, sizeof d, j, n);
				ck_assert_str_ne(c, d);
			}
	}
	for (int j = 0; j < 7; j++) {
		plot_series_colour(c, sizeof c, 2 * j, 13);
		plot_series_colour(d, sizeof d, j, 7);
		ck_assert_str_eq(c, d);
	}
	for (int j = 0; j < 6; j++) {
		int a[3], b[3], m[3];

		plot_series_colour(c, sizeof c, j, 7);
		plot_series_colour(d, sizeof d, j + 1, 7);
		plot_series_colour(e, sizeof e, 2 * j + 1, 13);
		rgb_of(c, a);
		rgb_of(d, b);
		rgb_of(e, m);
		for (int k = 0; k < 3; k++)
			ck_assert_int_le(abs(2 * m[k] - (a[k] + b[k])), 1);
	}
}
END_TEST

static Suite *run_suite(void)
{
	Suite *s = suite_create("run");
	TCase *tc = tcase_create("experiment");

	tcase_add_test(tc, test_reference_grid_is_168_gemms_with_m_batch_times_q);
	tcase_add_test(tc, test_ops_default_to_every_mlp_op_and_names_resolve);
	tcase_add_loop_test(tc, test_bad_experiment_is_one_line_naming_file_and_path,
			    0, (int)(sizeof bad / sizeof bad[0]));
	tcase_add_test(tc, test_sweep_is_a_cartesian_product_last_field_fastest);
	tcase_add_test(tc, test_sweep_zip_pairs_the_lists);
	suite_add_tcase(s, tc);

	tc = tcase_create("journal");
	tcase_add_test(tc, test_journal_result_round_trips_bit_for_bit);
	tcase_add_test(tc, test_resume_skips_journaled_points_and_keeps_their_results);
	tcase_add_test(tc, test_torn_last_record_is_cut_off_on_resume);
	tcase_add_test(tc, test_result_cache_hands_out_each_distinct_gemm_once);
	tcase_add_test(tc, test_changed_experiment_is_refused_unless_fresh);
	tcase_add_test(tc, test_point_keys_are_distinct_and_stable);
	suite_add_tcase(s, tc);

	tc = tcase_create("plot");
	tcase_add_test(tc, test_thousands_separator);
	tcase_add_test(tc, test_series_colours_run_from_orange_to_dark_purple);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(run_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
