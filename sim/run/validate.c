/*
 * validate.c — the simulator against measured latencies (see validate.h).
 */
#include "sim/run/validate.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "hw/data.h"
#include "models/roofline.h"
#include "sim/run/output.h"

static const char *const regime_names[NREGIMES] = {"small", "memory",
						   "compute"};

const char *validate_regime_name(enum validate_regime r)
{
	return (unsigned)r < NREGIMES ? regime_names[r] : "?";
}

static const char *const protocol_names[NPROTOCOLS] = {"graph-replay",
						       "cold", "warm"};

const char *validate_protocol_name(enum validate_protocol p)
{
	return (unsigned)p < NPROTOCOLS ? protocol_names[p] : "?";
}

int validate_protocol_parse(const char *s, enum validate_protocol *out)
{
	for (int p = 0; s && p < NPROTOCOLS; p++)
		if (!strcmp(s, protocol_names[p])) {
			*out = (enum validate_protocol)p;
			return RL_OK;
		}
	return RL_EINPUT;
}

void validate_protocol_opts(enum validate_protocol p, const struct hw_spec *hw,
			    const struct gemm *g, struct gpu_opts *out)
{
	double bytes = ((double)g->m * g->k + (double)g->k * g->n +
			(double)g->m * g->n) * rl_dtype_bytes(g->dtype);

	memset(out, 0, sizeof *out);
	switch (p) {
	case PROTOCOL_WARM:
		out->l2_warm = 1;
		break;
	case PROTOCOL_GRAPH_REPLAY: {
		/* as many operand copies as fit in 45 % of device memory, at
		 * most VALIDATE_REPLAY_COPIES, one call each per replay, 3
		 * warm-up replays then 6 timed ones, back to back; the copies
		 * stay in L2 when they all fit where every partition's SMs
		 * read them */
		double mem = hw->hbm.capacity_gb > 0 ? hw->hbm.capacity_gb * 1e9 :
						       80e9;
		double fit = floor(0.45 * mem / bytes);
		int copies = fit < 1 ? 1 : fit > VALIDATE_REPLAY_COPIES ?
				VALIDATE_REPLAY_COPIES : (int)fit;

		out->l2_warm = copies * bytes <= hw_spec_l2_shared_bytes(hw);
		out->calls_before = 3 * copies;
		out->calls_timed = 6 * copies;
		break;
	}
	default:
		break;
	}
}

void validate_set_protocol(struct validate_set *v, enum validate_protocol p)
{
	for (size_t i = 0; i < v->n; i++)
		v->rows[i].protocol = p;
}

enum { COL_M, COL_N, COL_K, COL_DTYPE, COL_LAT, NCOLS };
static const char *const col_names[NCOLS] = {"m", "n", "k", "dtype",
					     "latency_ms"};

/* Split line in place at commas; returns the field count (≤ max). */
static int split_csv(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;

	line[strcspn(line, "\r\n")] = 0;
	while (n < max) {
		f[n++] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = 0;
	}
	return n;
}

static int parse_dim(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v == 0 || v > (1ULL << 20))
		return -1;
	*out = v;
	return 0;
}

int validate_load(const char *path, struct validate_set **out, char *err)
{
	size_t len;
	char *text = rl_read_file(path, &len, err);
	char *line, *save = NULL;
	int idx[NCOLS], pcol = -1;
	char *f[256];
	int nf, lineno = 1;
	struct validate_set *v = NULL;
	size_t cap = 0;

	if (!text)
		return RL_EINPUT;
	/* a UTF-8 byte-order mark (spreadsheet exports) is not part of the
	 * first column's name */
	line = strtok_r(text + (strncmp(text, "\xEF\xBB\xBF", 3) ? 0 : 3),
			"\n", &save);
	if (!line) {
		rl_errf(err, "%s: empty file, expected a header with "
			     "m,n,k,dtype,latency_ms", path);
		goto fail;
	}
	nf = split_csv(line, f, 256);
	for (int c = 0; c < NCOLS; c++) {
		idx[c] = -1;
		for (int i = 0; i < nf; i++)
			if (!strcmp(f[i], col_names[c])) {
				if (idx[c] >= 0) {
					rl_errf(err, "%s:1: header has column '%s' twice "
						     "(columns %d and %d); expected each once",
						path, col_names[c], idx[c] + 1, i + 1);
					goto fail;
				}
				idx[c] = i;
			}
		if (idx[c] < 0) {
			rl_errf(err, "%s:1: header has no column '%s' "
				     "(expected at least m,n,k,dtype,latency_ms)",
				path, col_names[c]);
			goto fail;
		}
	}
	for (int i = 0; i < nf; i++)
		if (!strcmp(f[i], "protocol"))
			pcol = i;
	v = calloc(1, sizeof(*v));
	if (!v)
		goto oom;
	snprintf(v->path, sizeof(v->path), "%s", path);
	v->protocol_column = pcol >= 0;
	while ((line = strtok_r(NULL, "\n", &save))) {
		struct validate_row *r;
		char *end;

		lineno++;
		if (line[strspn(line, " \t\r")] == 0)
			continue;
		nf = split_csv(line, f, 256);
		if (v->n == cap) {
			size_t nc = cap ? 2 * cap : 256;
			void *p = realloc(v->rows, nc * sizeof(*v->rows));

			if (!p)
				goto oom;
			v->rows = p;
			cap = nc;
		}
		r = &v->rows[v->n];
		memset(r, 0, sizeof(*r));
		r->line = lineno;
		r->protocol = VALIDATE_PROTOCOL_DEFAULT;
		for (int c = 0; c < NCOLS; c++)
			if (idx[c] >= nf) {
				rl_errf(err, "%s:%d: missing column '%s'", path,
					lineno, col_names[c]);
				goto fail;
			}
		if (pcol >= 0 && (pcol >= nf ||
				  validate_protocol_parse(f[pcol], &r->protocol))) {
			rl_errf(err, "%s:%d: protocol: expected graph-replay, "
				     "cold or warm, found '%s'", path, lineno,
				pcol < nf ? f[pcol] : "");
			goto fail;
		}
		if (parse_dim(f[idx[COL_M]], &r->g.m) ||
		    parse_dim(f[idx[COL_N]], &r->g.n) ||
		    parse_dim(f[idx[COL_K]], &r->g.k)) {
			rl_errf(err, "%s:%d: m, n, k: expected integers in "
				     "[1, 1048576], found '%s,%s,%s'",
				path, lineno, f[idx[COL_M]], f[idx[COL_N]],
				f[idx[COL_K]]);
			goto fail;
		}
		if (rl_dtype_parse(f[idx[COL_DTYPE]], &r->g.dtype) ||
		    r->g.dtype == RL_FP8) {
			rl_errf(err, "%s:%d: dtype: expected bf16 or fp16, "
				     "found '%s'", path, lineno,
				f[idx[COL_DTYPE]]);
			goto fail;
		}
		errno = 0;
		r->measured_ms = strtod(f[idx[COL_LAT]], &end);
		if (errno || *end || end == f[idx[COL_LAT]] ||
		    !isfinite(r->measured_ms) || r->measured_ms <= 0 ||
		    r->measured_ms > 1e6) {
			rl_errf(err, "%s:%d: latency_ms: expected a number in "
				     "(0, 1e6], found '%s'", path, lineno,
				f[idx[COL_LAT]]);
			goto fail;
		}
		v->n++;
	}
	if (v->n == 0) {
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
	validate_free(v);
	return RL_EINPUT;
}

void validate_free(struct validate_set *v)
{
	if (!v)
		return;
	free(v->rows);
	free(v);
}

struct job {
	struct validate_set *v;
	const struct hw_spec *hw;
	pthread_mutex_t lock;
	size_t next; /* next row to take */
	int status;
	char err[RL_ERR_LEN];
};

static void *worker(void *arg)
{
	struct job *j = arg;
	char err[RL_ERR_LEN];

	for (;;) {
		size_t i;
		struct validate_row *r;
		struct gpu_opts go;
		int rc;

		pthread_mutex_lock(&j->lock);
		i = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->v->n)
			return NULL;
		r = &j->v->rows[i];
		validate_protocol_opts(r->protocol, j->hw, &r->g, &go);
		rc = gpu_simulate_gemm(j->hw, &r->g, &go, &r->sim, err);
		if (rc != RL_OK) {
			pthread_mutex_lock(&j->lock);
			if (j->status == RL_OK) {
				j->status = rc;
				snprintf(j->err, sizeof(j->err), "%.200s:%d: %.290s",
					 j->v->path, r->line, err);
			}
			pthread_mutex_unlock(&j->lock);
			continue;
		}
		validate_row_finish(r, j->hw);
	}
}

void validate_row_finish(struct validate_row *r, const struct hw_spec *hw)
{
	struct roofline_point rp;

	r->predicted_ms = r->sim.time_us * 1e-3;
	r->error_pct = 100.0 * (r->predicted_ms - r->measured_ms) /
		       r->measured_ms;
	roofline_gemm(hw, &r->g, &rp);
	if (rp.time_us < VALIDATE_SMALL_US)
		r->regime = REGIME_SMALL;
	else
		r->regime = rp.memory_bound ? REGIME_MEMORY : REGIME_COMPUTE;
}

int validate_run(struct validate_set *v, const struct hw_spec *hw, int jobs,
		 char *err)
{
	struct job j = {.v = v, .hw = hw, .status = RL_OK};
	pthread_t th[64];
	int n = jobs < 1 ? 1 : jobs > 64 ? 64 : jobs;
	int started = 0;

	pthread_mutex_init(&j.lock, NULL);
	for (int i = 1; i < n; i++)
		if (pthread_create(&th[started], NULL, worker, &j) == 0)
			started++;
	worker(&j);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&j.lock);
	if (j.status != RL_OK)
		rl_errf(err, "%s", j.err);
	return j.status;
}

void validate_summarize(const struct validate_set *v,
			int (*filter)(const struct validate_row *, void *),
			void *arg, struct validate_summary *s)
{
	double *ape = malloc((v->n ? v->n : 1) * sizeof(*ape));
	double sum = 0, bias = 0;
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	if (!ape)
		return;
	for (size_t i = 0; i < v->n; i++) {
		const struct validate_row *r = &v->rows[i];

		if (filter && !filter(r, arg))
			continue;
		ape[n++] = fabs(r->error_pct);
		sum += fabs(r->error_pct);
		bias += r->error_pct;
	}
	s->n = n;
	if (n) {
		gsl_sort(ape, 1, n);
		s->mape = sum / n;
		s->mean_error = bias / n;
		s->median_ape = gsl_stats_median_from_sorted_data(ape, 1, n);
		s->max_ape = ape[n - 1];
	}
	free(ape);
}

int validate_write_csv(const struct validate_set *v, const char *path,
		       char *err)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct out_file o;
	FILE *f;
	int rc;

	/* through the output helpers: a fresh O_EXCL temporary in the same
	 * directory, fsync'd, renamed (sim/run/output.h) */
	if (slash)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	else
		snprintf(dir, sizeof dir, ".");
	if ((rc = out_file_open(&o, slash == path ? "/" : dir,
				slash ? slash + 1 : path, err)))
		return rc;
	f = o.f;
	fputs("m,n,k,dtype,measured_ms,predicted_ms,error_pct,regime,tile,"
	      "split_k\n", f);
	for (size_t i = 0; i < v->n; i++) {
		const struct validate_row *r = &v->rows[i];

		fprintf(f, "%llu,%llu,%llu,%s,%.6f,%.6f,%.2f,%s,%s,%d\n",
			(unsigned long long)r->g.m, (unsigned long long)r->g.n,
			(unsigned long long)r->g.k, rl_dtype_name(r->g.dtype),
			r->measured_ms, r->predicted_ms, r->error_pct,
			validate_regime_name(r->regime), r->sim.tile,
			r->sim.split_k);
	}
	return out_file_commit(&o, err);
}
