/*
 * spec.c — hardware specs: the field table, strict loading, dotted-path
 * access for sweeps, and the derived peak rates (see spec.h).
 *
 * The table below is the single description of a hardware file: loading,
 * validation, hw_spec_set/get, hw_spec_to_json and `ridgeline hw show` all
 * walk it, so adding a parameter is one struct field plus one table line.
 * Ranges are sane physical bounds, wide enough for hypothetical hardware
 * in sweeps (a 1 PB/s memory is allowed, 1e30 GB/s is a typo). Latencies
 * and the launch overhead may be 0 so that tests can take the ideal limit.
 */
#include "hw/spec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hw/data.h"
#include "hw/jsonv.h"

/* group.field is a member designator, which cannot be parenthesised */
#define F(group, field) offsetof(struct hw_spec, group.field) /* NOLINT(bugprone-macro-parentheses) */

static const struct hw_field fields[] = {
	/* path                       offset                        int  min     max      opt unit */
	{"sm.count",                  F(sm, count),                 1,   1,      1024,    0, "SMs"},
	{"sm.shared_kb",              F(sm, shared_kb),             0,   1,      4096,    0, "KiB/SM"},
	{"sm.registers",              F(sm, registers),             1,   1024,   1048576, 0, "regs/SM"},
	{"sm.max_ctas",               F(sm, max_ctas),              1,   1,      1024,    0, "CTAs/SM"},
	{"sm.max_warps",              F(sm, max_warps),             1,   1,      1024,    0, "warps/SM"},
	{"sm.l2_bytes_per_clk",       F(sm, l2_bytes_per_clk),      0,   1,      4096,    0, "B/clk/SM"},
	{"sm.smem_bytes_per_clk",     F(sm, smem_bytes_per_clk),    0,   1,      4096,    0, "B/clk/SM"},
	{"sm.cluster_multicast",      F(sm, cluster_multicast),     1,   1,      16,      0, "CTAs"},
	{"sm.fp32_per_clk",           F(sm, fp32_per_clk),          1,   1,      4096,    1, "lanes/SM"},
	{"sm.sfu_per_clk",            F(sm, sfu_per_clk),           1,   1,      4096,    1, "/clk/SM"},
	{"clock.boost_mhz",           F(clock, boost_mhz),          0,   100,    10000,   0, "MHz"},
	{"clock.sustained_mhz",       F(clock, sustained_mhz),      0,   100,    10000,   0, "MHz"},
	{"clock.burst_mhz",           F(clock, burst_mhz),          0,   100,    10000,   1, "MHz"},
	{"clock.power_window_ms",     F(clock, power_window_ms),    0,   0.001,  1e6,     1, "ms"},
	{"tensor.fp16_flop_per_clk",  F(tensor, fp16_flop_per_clk), 0,   1,      4194304, 0, "FLOP/clk/SM"},
	{"tensor.bf16_flop_per_clk",  F(tensor, bf16_flop_per_clk), 0,   1,      4194304, 0, "FLOP/clk/SM"},
	{"tensor.fp8_flop_per_clk",   F(tensor, fp8_flop_per_clk),  0,   1,      4194304, 1, "FLOP/clk/SM"},
	{"tensor.warpgroup_mma",      F(tensor, warpgroup_mma),     1,   0,      1,       0, "0/1"},
	{"tensor.pair_mma",           F(tensor, pair_mma),          1,   0,      1,       0, "0/1"},
	{"l2.size_mb",                F(l2, size_mb),               0,   0.0625, 65536,   0, "MiB"},
	{"l2.slices",                 F(l2, slices),                1,   1,      4096,    0, "slices"},
	{"l2.bytes_per_clk",          F(l2, bytes_per_clk),         0,   1,      1048576, 0, "B/clk"},
	{"l2.partitions",             F(l2, partitions),            1,   1,      16,      1, "partitions"},
	{"l2.hit_latency_cycles",     F(l2, hit_latency_cycles),    0,   0,      100000,  0, "cycles"},
	{"hbm.channels",              F(hbm, channels),             1,   1,      4096,    0, "channels"},
	{"hbm.bandwidth_gbps",        F(hbm, bandwidth_gbps),       0,   1,      1e6,     0, "GB/s"},
	{"hbm.latency_ns",            F(hbm, latency_ns),           0,   0,      100000,  0, "ns"},
	{"hbm.efficiency",            F(hbm, efficiency),           0,   0.01,   1,       0, "of peak"},
	{"hbm.capacity_gb",           F(hbm, capacity_gb),          0,   0.001,  1e6,     1, "GB"},
	{"launch.overhead_us",        F(launch, overhead_us),       0,   0,      1000,    0, "\xc2\xb5s"},
	{"launch.splitk_reduction_kernel", F(launch, splitk_reduction_kernel), 1, 0, 1, 1, "0/1"},
	{"link.bandwidth_gbps",       F(link, bandwidth_gbps),      0,   0.001,  1e6,     1, "GB/s"},
	{"link.latency_us",           F(link, latency_us),          0,   0,      1000,    1, "\xc2\xb5s"},
	{NULL, 0, 0, 0, 0, 0, NULL}
};

#define NFIELDS (sizeof fields / sizeof fields[0] - 1)
_Static_assert(NFIELDS <= 64, "struct hw_spec.source has 64 slots");

static const char *const groups[] = {"sm", "clock", "tensor", "l2", "hbm",
				     "launch", "link", NULL};
static const char *const top_keys[] = {"name", "display_name", "notes", "sm",
				       "clock", "tensor", "l2", "hbm",
				       "launch", "link", NULL};
static const char *const value_keys[] = {"value", "source", NULL};

#define SOURCE_MAX 1024 /* longest source string, bytes */
#define NOTES_MAX 4096  /* longest notes string, bytes */
#define OVERRIDE "override"

const struct hw_field *hw_spec_fields(size_t *n)
{
	if (n)
		*n = NFIELDS;
	return fields;
}

const struct hw_field *hw_spec_field(const char *path, size_t *index)
{
	for (size_t i = 0; path && i < NFIELDS; i++)
		if (!strcmp(fields[i].path, path)) {
			if (index)
				*index = i;
			return &fields[i];
		}
	return NULL;
}

static double *slot(struct hw_spec *s, const struct hw_field *f)
{
	return (double *)((char *)s + f->offset);
}

static double value_of(const struct hw_spec *s, const struct hw_field *f)
{
	return *(const double *)((const char *)s + f->offset);
}

void hw_spec_free(struct hw_spec *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < NFIELDS; i++)
		free(s->source[i]);
	free(s->notes);
	hw_spec_free(s->origin);
	free(s);
}

/* Cross-field checks. JSON-style names ("$.clock.sustained_mhz.value") when
 * `json`, dotted paths otherwise; `where` names the file or spec. */
static int cross_check(const struct hw_spec *s, const char *where, int json,
		       char *err)
{
	const char *pre = json ? "$." : "", *suf = json ? ".value" : "";

	if (s->clock.sustained_mhz > s->clock.boost_mhz) {
		rl_errf(err, "%s: %sclock.sustained_mhz%s: expected at most "
			"clock.boost_mhz = %.15g, found %.15g", where, pre, suf,
			s->clock.boost_mhz, s->clock.sustained_mhz);
		return RL_EINPUT;
	}
	if (s->clock.burst_mhz > 0 &&
	    (s->clock.burst_mhz < s->clock.sustained_mhz ||
	     s->clock.burst_mhz > s->clock.boost_mhz)) {
		rl_errf(err, "%s: %sclock.burst_mhz%s: expected 0 (none) or "
			"between clock.sustained_mhz = %.15g and clock.boost_mhz "
			"= %.15g, found %.15g", where, pre, suf,
			s->clock.sustained_mhz, s->clock.boost_mhz,
			s->clock.burst_mhz);
		return RL_EINPUT;
	}
	if ((s->clock.burst_mhz > 0) != (s->clock.power_window_ms > 0)) {
		rl_errf(err, "%s: %sclock.power_window_ms%s: expected a window "
			"> 0 exactly when clock.burst_mhz is set (found burst "
			"%.15g MHz, window %.15g ms)", where, pre, suf,
			s->clock.burst_mhz, s->clock.power_window_ms);
		return RL_EINPUT;
	}
	if (s->sm.max_ctas > s->sm.max_warps) {
		rl_errf(err, "%s: %ssm.max_ctas%s: expected at most "
			"sm.max_warps = %.15g (a CTA holds a warp at least), "
			"found %.15g", where, pre, suf, s->sm.max_warps,
			s->sm.max_ctas);
		return RL_EINPUT;
	}
	if (s->l2.bytes_per_clk < s->sm.l2_bytes_per_clk) {
		rl_errf(err, "%s: %sl2.bytes_per_clk%s: expected at least "
			"sm.l2_bytes_per_clk = %.15g (one SM's port), found "
			"%.15g", where, pre, suf, s->sm.l2_bytes_per_clk,
			s->l2.bytes_per_clk);
		return RL_EINPUT;
	}
	return RL_OK;
}

int hw_spec_check(const struct hw_spec *s, char *err)
{
	return cross_check(s, s->name[0] ? s->name : "hw", 0, err);
}

/* One field: {"value": number in range, "source": non-empty string}. */
static int parse_field(const struct jsonv *v, const cJSON *group,
		       const char *gpath, size_t i, struct hw_spec *s)
{
	const struct hw_field *f = &fields[i];
	const char *key = strchr(f->path, '.') + 1;
	struct jsonv_range r = {f->min, f->max, f->integer};
	char fpath[JSONV_PATH_LEN], spath[JSONV_PATH_LEN], what[200], rt[96];
	const cJSON *node, *src;
	int rc;

	jsonv_range_text(&r, rt, sizeof rt);
	snprintf(what, sizeof what,
		 "an object {\"value\": %s, \"source\": a non-empty string}",
		 rt);
	rc = jsonv_member(v, group, gpath, key, !f->optional, what, &node);
	if (rc || !node)
		return rc;
	jsonv_path_key(fpath, sizeof fpath, gpath, key);
	rc = jsonv_object(v, node, fpath, value_keys);
	if (!rc)
		rc = jsonv_get_number(v, node, fpath, "value", 1, &r, slot(s, f),
				      NULL);
	if (!rc)
		rc = jsonv_member(v, node, fpath, "source", 1,
				  "a non-empty string naming where the value "
				  "comes from", &src);
	if (rc)
		return rc;
	jsonv_path_key(spath, sizeof spath, fpath, "source");
	return jsonv_string_dup(v, src, spath, SOURCE_MAX, &s->source[i]);
}

static int parse_group(const struct jsonv *v, const cJSON *root,
		       const char *group, struct hw_spec *s)
{
	const char *keys[NFIELDS + 1];
	size_t nk = 0, glen = strlen(group);
	char gpath[JSONV_PATH_LEN];
	const cJSON *g;
	int rc;

	for (size_t i = 0; i < NFIELDS; i++)
		if (!strncmp(fields[i].path, group, glen) &&
		    fields[i].path[glen] == '.')
			keys[nk++] = fields[i].path + glen + 1;
	keys[nk] = NULL;
	/* every group is required but link (tensor parallelism only) */
	rc = jsonv_get_object(v, root, "$", group, strcmp(group, "link") != 0,
			      keys, &g);
	if (rc || !g)
		return rc;
	jsonv_path_key(gpath, sizeof gpath, "$", group);
	for (size_t i = 0; i < NFIELDS; i++)
		if (!strncmp(fields[i].path, group, glen) &&
		    fields[i].path[glen] == '.') {
			rc = parse_field(v, g, gpath, i, s);
			if (rc)
				return rc;
		}
	return RL_OK;
}

int hw_spec_parse(const char *text, const char *file, struct hw_spec **out,
		  char *err)
{
	struct jsonv v = {file, err};
	struct hw_spec *s = NULL;
	cJSON *root = NULL;
	const cJSON *notes;
	int rc;

	*out = NULL;
	rc = jsonv_parse(&v, text, &root);
	if (rc)
		return rc;
	s = calloc(1, sizeof *s);
	if (!s) {
		rl_errf(err, "%s: out of memory", file);
		rc = RL_EIO;
		goto fail;
	}
	rc = jsonv_object(&v, root, "$", top_keys);
	if (!rc)
		rc = jsonv_get_name(&v, root, "$", "name", 1, s->name,
				    sizeof s->name, NULL);
	if (!rc)
		rc = jsonv_get_string(&v, root, "$", "display_name", 1,
				      s->display_name, sizeof s->display_name,
				      NULL);
	if (!rc)
		rc = jsonv_member(&v, root, "$", "notes", 0, "", &notes);
	if (!rc && notes)
		rc = jsonv_string_dup(&v, notes, "$.notes", NOTES_MAX,
				      &s->notes);
	for (int g = 0; !rc && groups[g]; g++)
		rc = parse_group(&v, root, groups[g], s);
	if (!rc)
		rc = cross_check(s, file ? file : "(input)", 1, err);
	if (rc)
		goto fail;
	cJSON_Delete(root);
	*out = s;
	return RL_OK;
fail:
	cJSON_Delete(root);
	hw_spec_free(s);
	return rc;
}

int hw_spec_load(const char *name_or_path, struct hw_spec **out, char *err)
{
	char path[512];
	char *text;
	int rc;

	*out = NULL;
	rc = rl_data_find("hw", name_or_path, path, sizeof path, err);
	if (rc)
		return rc;
	text = rl_read_file(path, NULL, err);
	if (!text)
		return RL_EINPUT;
	rc = hw_spec_parse(text, path, out, err);
	free(text);
	if (rc)
		return rc;
	/* Found by name (no '/', no .json: see rl_data_find), the spec must
	 * carry that name: `hw list`, results and sweeps name a GPU by the
	 * name it is looked up by. A path may hold any name. */
	if (!strchr(name_or_path, '/') &&
	    !(strlen(name_or_path) >= 5 &&
	      !strcmp(name_or_path + strlen(name_or_path) - 5, ".json")) &&
	    strcmp((*out)->name, name_or_path)) {
		rl_errf(err, "%s: $.name: expected \"%s\" (the file name, by "
			"which the spec is looked up), found \"%s\"", path,
			name_or_path, (*out)->name);
		hw_spec_free(*out);
		*out = NULL;
		return RL_EINPUT;
	}
	snprintf((*out)->path, sizeof (*out)->path, "%s", path);
	return RL_OK;
}

struct hw_spec *hw_spec_clone(const struct hw_spec *s)
{
	struct hw_spec *c;

	if (!s)
		return NULL;
	c = malloc(sizeof *c);
	if (!c)
		return NULL;
	*c = *s;
	memset(c->source, 0, sizeof c->source);
	c->notes = NULL;
	c->origin = NULL;
	if (s->notes && !(c->notes = strdup(s->notes)))
		goto fail;
	if (s->origin && !(c->origin = hw_spec_clone(s->origin)))
		goto fail;
	for (size_t i = 0; i < NFIELDS; i++)
		if (s->source[i] && !(c->source[i] = strdup(s->source[i])))
			goto fail;
	return c;
fail:
	hw_spec_free(c);
	return NULL;
}

int hw_spec_what_if(struct hw_spec *s, int replace)
{
	struct hw_spec *o;

	if (s->origin && !replace)
		return RL_OK;
	if (!(o = hw_spec_clone(s)))
		return RL_EIO;
	hw_spec_forget_origin(o); /* one level: the origin is a GPU as given */
	hw_spec_free(s->origin);
	s->origin = o;
	return RL_OK;
}

void hw_spec_forget_origin(struct hw_spec *s)
{
	hw_spec_free(s->origin);
	s->origin = NULL;
}

int hw_spec_get(const struct hw_spec *s, const char *path, double *v)
{
	const struct hw_field *f = hw_spec_field(path, NULL);

	if (!f)
		return RL_EINPUT;
	*v = value_of(s, f);
	return RL_OK;
}

int hw_spec_set(struct hw_spec *s, const char *path, double v, char *err)
{
	struct jsonv_range r;
	char rt[96], *src;
	size_t i;
	const struct hw_field *f = hw_spec_field(path, &i);
	const char *who = s->name[0] ? s->name : "hw";

	if (!f) {
		char list[RL_ERR_LEN];
		size_t used = 0;

		list[0] = 0;
		for (size_t j = 0; j < NFIELDS && used < sizeof list; j++) {
			int n = snprintf(list + used, sizeof list - used,
					 "%s%s", j ? ", " : "", fields[j].path);

			if (n > 0)
				used += (size_t)n;
		}
		/* the value first: the list may be clipped to the line */
		rl_errf(err, "%s: expected a hardware field, found \"%.80s\"; "
			     "the fields are {%s}", who, path ? path : "", list);
		return RL_EINPUT;
	}
	r = (struct jsonv_range){f->min, f->max, f->integer};
	if (!(f->optional && v == 0) &&
	    (!isfinite(v) || v < f->min || v > f->max ||
	     (f->integer && v != floor(v)))) {
		jsonv_range_text(&r, rt, sizeof rt);
		rl_errf(err, "%s: %s: expected %s%s, found %.17g", who, path,
			rt, f->optional ? " (or 0 for none)" : "", v);
		return RL_EINPUT;
	}
	if (value_of(s, f) == v && s->source[i])
		return RL_OK;
	/* The value no longer comes from the file: say so, keeping the file's
	 * value and source for the record (once, not nested). */
	if (!s->source[i] || strncmp(s->source[i], OVERRIDE, strlen(OVERRIDE))) {
		size_t n = (s->source[i] ? strlen(s->source[i]) : 0) + 96;

		src = malloc(n);
		if (!src) {
			rl_errf(err, "%s: out of memory", who);
			return RL_EIO;
		}
		if (s->source[i])
			snprintf(src, n, OVERRIDE " (file value %.15g: %s)",
				 value_of(s, f), s->source[i]);
		else
			snprintf(src, n, OVERRIDE " (absent from the file)");
		free(s->source[i]);
		s->source[i] = src;
	}
	*slot(s, f) = v;
	return RL_OK;
}

struct cJSON *hw_spec_to_json(const struct hw_spec *s)
{
	cJSON *root = cJSON_CreateObject(), *g = NULL, *fv;
	const char *cur = NULL;
	size_t glen = 0;

	if (!root)
		return NULL;
	if (!cJSON_AddStringToObject(root, "name", s->name) ||
	    !cJSON_AddStringToObject(root, "display_name", s->display_name) ||
	    (s->notes && !cJSON_AddStringToObject(root, "notes", s->notes)))
		goto fail;
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct hw_field *f = &fields[i];
		const char *dot = strchr(f->path, '.');

		/* an optional field at 0 ("none") is left out, unless 0 is
		 * one of its values (a 0/1 switch) and it has a source */
		if (f->optional && value_of(s, f) == 0 &&
		    (f->min > 0 || !s->source[i]))
			continue;
		/* a group is written when it has a field (an optional group
		 * such as link may have none) */
		if (!cur || strncmp(f->path, cur, glen) || f->path[glen] != '.') {
			char name[16];

			glen = (size_t)(dot - f->path);
			snprintf(name, sizeof name, "%.*s", (int)glen, f->path);
			cur = f->path;
			g = cJSON_AddObjectToObject(root, name);
			if (!g)
				goto fail;
		}
		fv = cJSON_AddObjectToObject(g, dot + 1);
		if (!fv || !cJSON_AddNumberToObject(fv, "value", value_of(s, f)) ||
		    !cJSON_AddStringToObject(fv, "source",
					     s->source[i] ? s->source[i]
							  : "unknown"))
			goto fail;
	}
	return root;
fail:
	cJSON_Delete(root);
	return NULL;
}

double hw_spec_flop_per_clk(const struct hw_spec *s, enum rl_dtype d)
{
	switch (d) {
	case RL_FP16:
		return s->tensor.fp16_flop_per_clk;
	case RL_BF16:
		return s->tensor.bf16_flop_per_clk;
	case RL_FP8:
		return s->tensor.fp8_flop_per_clk;
	default:
		return 0;
	}
}

double hw_spec_peak_flops(const struct hw_spec *s, enum rl_dtype d)
{
	return s->sm.count * hw_spec_flop_per_clk(s, d) * s->clock.boost_mhz * 1e6;
}

double hw_spec_sustained_flops(const struct hw_spec *s, enum rl_dtype d)
{
	return s->sm.count * hw_spec_flop_per_clk(s, d) * s->clock.sustained_mhz * 1e6;
}

double hw_spec_mean_clock_mhz(const struct hw_spec *s, double before_us,
			      double window_us)
{
	double fs = s->clock.sustained_mhz, fb = s->clock.burst_mhz;
	double tau = s->clock.power_window_ms * 1e3; /* µs */
	double a, b;

	if (fb <= fs || tau <= 0 || window_us <= 0)
		return fs;
	a = before_us / tau;
	b = (before_us + window_us) / tau;
	/* mean of fs + (fb - fs)·exp(-t/tau) over [before, before + window] */
	return fs + (fb - fs) * (exp(-a) - exp(-b)) / (b - a);
}

double hw_spec_l2_shared_bytes(const struct hw_spec *s)
{
	double parts = s->l2.partitions >= 1 ? s->l2.partitions : 1;

	return s->l2.size_mb * 1024.0 * 1024.0 / parts;
}

double hw_spec_bandwidth(const struct hw_spec *s)
{
	return s->hbm.bandwidth_gbps * 1e9;
}

double hw_spec_effective_bandwidth(const struct hw_spec *s)
{
	return hw_spec_bandwidth(s) * s->hbm.efficiency;
}

void hw_machine_of(const struct hw_spec *s, struct hw_machine *m)
{
	m->clk = s->clock.sustained_mhz * 1e6;
	m->sms = s->sm.count;
	m->dram_bw = hw_spec_effective_bandwidth(s);
	m->dram_lat = s->hbm.latency_ns * 1e-9;
	m->l2_bw = s->l2.bytes_per_clk * m->clk;
	m->l2_lat = s->l2.hit_latency_cycles / m->clk;
	m->l2_bytes = hw_spec_l2_shared_bytes(s);
	m->port_bw = s->sm.l2_bytes_per_clk * m->clk;
	m->launch = s->launch.overhead_us * 1e-6;
}

double hw_spec_ridge(const struct hw_spec *s, enum rl_dtype d)
{
	double bw = hw_spec_bandwidth(s);

	return bw > 0 ? hw_spec_peak_flops(s, d) / bw : 0;
}
