/*
 * validate_attn.c — the attention model against measured latencies (see
 * validate_attn.h).
 */
#include "sim/run/validate_attn.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>


#include "hw/data.h"
#include "sim/gpu/gpu.h"
#include "sim/run/csv.h"
#include "sim/run/output.h"
#include "sim/run/parallel.h"

enum { C_BATCH, C_HEADS, C_KVH, C_HD, C_Q, C_KV, C_DTYPE, C_LAT, NC };
static const char *const names[NC] = {"batch", "heads", "kv_heads",
	"head_dim", "q", "kv_len", "dtype", "latency_ms"};

#define FIELD_LEN 48

static int column(char **f, int nf, const char *name)
{
	for (int i = 0; i < nf; i++)
		if (!strcmp(f[i], name))
			return i;
	return -1;
}

int validate_attn_detect(const char *path)
{
	char err[RL_ERR_LEN], *f[256];
	char *text = rl_read_file(path, NULL, err);
	struct csv c;
	int nf, more, yes;

	if (!text)
		return -1;
	csv_init(&c, text);
	nf = csv_next(&c, f, 256, &more);
	yes = nf > 0 && column(f, nf, "kv_len") >= 0 &&
	      column(f, nf, "heads") >= 0;
	free(text);
	return yes;
}

static int parse_u(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v == 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

void validate_attn_free(struct attn_vset *v)
{
	if (!v)
		return;
	free(v->rows);
	free(v);
}

void validate_attn_set_protocol(struct attn_vset *v, enum validate_protocol p)
{
	for (size_t i = 0; i < v->n; i++)
		v->rows[i].protocol = p;
}

int validate_attn_load(const char *path, const struct hw_spec *hw,
		       struct attn_vset **out, char *err)
{
	char *text = rl_read_file(path, NULL, err), *f[256];
	struct attn_vset *v = NULL;
	int idx[NC], pcol, nf, more;
	size_t cap = 0;
	struct csv c;

	*out = NULL;
	if (!text)
		return RL_EINPUT;
	csv_init(&c, text);
	nf = csv_next(&c, f, 256, &more);
	if (nf <= 0) {
		rl_errf(err, "%s: expected a header with batch,heads,kv_heads,"
			     "head_dim,q,kv_len,dtype,latency_ms", path);
		goto fail;
	}
	for (int k = 0; k < NC; k++)
		if ((idx[k] = column(f, nf, names[k])) < 0) {
			rl_errf(err, "%s:1: header has no column '%s' (expected "
				     "at least batch,heads,kv_heads,head_dim,q,"
				     "kv_len,dtype,latency_ms)", path, names[k]);
			goto fail;
		}
	pcol = column(f, nf, "protocol");
	if (!(v = calloc(1, sizeof *v)))
		goto oom;
	snprintf(v->path, sizeof v->path, "%s", path);
	while ((nf = csv_next(&c, f, 256, &more)) != 0) {
		struct attn_vrow *r;
		uint64_t x[C_KV + 1];
		char *end, e1[FIELD_LEN], why[RL_ERR_LEN];
		int bad = 0;

		if (nf < 0) {
			rl_errf(err, "%s:%d: expected CSV, found a quote that "
				     "does not close", path, c.line);
			goto fail;
		}
		if (nf == 1 && f[0][strspn(f[0], " \t\r")] == 0)
			continue;
		if (v->n == cap) {
			size_t nc = cap ? 2 * cap : 1024;
			void *p = realloc(v->rows, nc * sizeof *v->rows);

			if (!p)
				goto oom;
			v->rows = p;
			cap = nc;
		}
		r = &v->rows[v->n];
		memset(r, 0, sizeof *r);
		r->line = c.line;
		r->protocol = VALIDATE_PROTOCOL_DEFAULT;
		for (int k = 0; k < NC; k++)
			if (idx[k] >= nf) {
				rl_errf(err, "%s:%d: missing column '%s'", path,
					c.line, names[k]);
				goto fail;
			}
		for (int k = 0; k <= C_KV; k++)
			if (parse_u(f[idx[k]], 1 << 24, &x[k])) {
				rl_escape(f[idx[k]], e1, FIELD_LEN, 1);
				rl_errf(err, "%s:%d: %s: expected an integer in "
					     "[1, 16777216], found '%s'", path,
					c.line, names[k], e1);
				goto fail;
			}
		r->a.batch = x[C_BATCH];
		r->a.heads = x[C_HEADS];
		r->a.kv_heads = x[C_KVH];
		r->a.head_dim = x[C_HD];
		r->a.q = x[C_Q];
		r->a.kv_len = x[C_KV];
		r->a.mask = ATTN_MASK_TREE;
		if (rl_dtype_parse(f[idx[C_DTYPE]], &r->a.dtype) ||
		    r->a.dtype == RL_FP8) {
			rl_escape(f[idx[C_DTYPE]], e1, FIELD_LEN, 1);
			rl_errf(err, "%s:%d: dtype: expected bf16 or fp16, found "
				     "'%s'", path, c.line, e1);
			goto fail;
		}
		errno = 0;
		r->measured_ms = strtod(f[idx[C_LAT]], &end);
		bad = errno || *end || end == f[idx[C_LAT]] ||
		      !isfinite(r->measured_ms) || r->measured_ms <= 0 ||
		      r->measured_ms > 1e6;
		if (bad) {
			rl_escape(f[idx[C_LAT]], e1, FIELD_LEN, 1);
			rl_errf(err, "%s:%d: latency_ms: expected a number in "
				     "(0, 1e6], found '%s'", path, c.line, e1);
			goto fail;
		}
		if (pcol >= 0 && (pcol >= nf ||
				  validate_protocol_parse(f[pcol], &r->protocol))) {
			rl_errf(err, "%s:%d: protocol: expected graph-replay, "
				     "cold or warm", path, c.line);
			goto fail;
		}
		if (gpu_check_attention(hw, &r->a, why) != RL_OK) {
			rl_errf(err, "%.200s:%d: %.290s", path, c.line, why);
			goto fail;
		}
		v->n++;
	}
	if (!v->n) {
		rl_errf(err, "%s: no data rows", path);
		goto fail;
	}
	free(text);
	*out = v;
	return RL_OK;
oom:
	rl_errf(err, "%s: out of memory", path);
fail:
	free(text);
	validate_attn_free(v);
	return RL_EINPUT;
}

static void finish(struct attn_vrow *r, const struct hw_spec *hw)
{
	double peak = hw_spec_peak_flops(hw, r->a.dtype);
	double bw = hw_spec_bandwidth(hw);
	double tc = attn_flops(&r->a) / peak, tm = attn_bytes_min(&r->a) / bw;

	r->predicted_ms = r->sim.time_us * 1e-3;
	r->error_pct = 100.0 * (r->predicted_ms - r->measured_ms) /
		       r->measured_ms;
	if ((tc > tm ? tc : tm) * 1e6 < VALIDATE_SMALL_US)
		r->regime = REGIME_SMALL;
	else
		r->regime = tm >= tc ? REGIME_MEMORY : REGIME_COMPUTE;
}

struct job {
	struct attn_vset *v;
	const struct hw_spec *hw;
	pthread_mutex_t lock;
	size_t next;
	int status;
	char err[RL_ERR_LEN];
};

static void *worker(void *arg)
{
	struct job *j = arg;
	char err[RL_ERR_LEN];

	for (;;) {
		struct attn_vrow *r;
		struct gpu_opts go;
		size_t i;
		int rc;

		pthread_mutex_lock(&j->lock);
		i = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->v->n)
			return NULL;
		r = &j->v->rows[i];
		validate_protocol_opts_bytes(r->protocol, j->hw,
					     attn_bytes_min(&r->a), &go);
		rc = gpu_simulate_attention(j->hw, &r->a, &go, &r->sim, err);
		if (rc != RL_OK) {
			pthread_mutex_lock(&j->lock);
			if (j->status == RL_OK) {
				j->status = rc;
				snprintf(j->err, sizeof j->err, "%.200s:%d: %.290s",
					 j->v->path, r->line, err);
			}
			pthread_mutex_unlock(&j->lock);
			continue;
		}
		finish(r, j->hw);
	}
}

int validate_attn_run(struct attn_vset *v, const struct hw_spec *hw, int jobs,
		      char *err)
{
	struct job j = {.v = v, .hw = hw, .status = RL_OK};

	pthread_mutex_init(&j.lock, NULL);
	rl_parallel_run(jobs, worker, &j);
	pthread_mutex_destroy(&j.lock);
	if (j.status != RL_OK)
		rl_errf(err, "%s", j.err);
	return j.status;
}

void validate_attn_summarize(const struct attn_vset *v,
			     int (*filter)(const struct attn_vrow *, void *),
			     void *arg, struct validate_summary *s)
{
	double *e = malloc((v->n ? v->n : 1) * sizeof *e);
	size_t n = 0;

	if (!e) {
		memset(s, 0, sizeof *s);
		return;
	}
	for (size_t i = 0; i < v->n; i++)
		if (!filter || filter(&v->rows[i], arg))
			e[n++] = v->rows[i].error_pct;
	validate_summary_of(e, n, s);
	free(e);
}

int validate_attn_write_csv(const struct attn_vset *v, const char *path,
			    char *err)
{
	struct out_file o;
	int rc;

	if ((rc = out_file_open_path(&o, path, err)))
		return rc;
	fputs("batch,heads,kv_heads,head_dim,q,kv_len,dtype,measured_ms,"
	      "predicted_ms,error_pct,regime,kernel,splits\n", o.f);
	for (size_t i = 0; i < v->n; i++) {
		const struct attn_vrow *r = &v->rows[i];

		fprintf(o.f, "%llu,%llu,%llu,%llu,%llu,%llu,%s,%.6f,%.6f,%.2f,"
			"%s,%s,%d\n", (unsigned long long)r->a.batch,
			(unsigned long long)r->a.heads,
			(unsigned long long)r->a.kv_heads,
			(unsigned long long)r->a.head_dim,
			(unsigned long long)r->a.q,
			(unsigned long long)r->a.kv_len,
			rl_dtype_name(r->a.dtype), r->measured_ms,
			r->predicted_ms, r->error_pct,
			validate_regime_name(r->regime), r->sim.tile,
			r->sim.split_k);
	}
	return out_file_commit(&o, err);
}
