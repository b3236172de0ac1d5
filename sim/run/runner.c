/*
 * runner.c — keys, journal replay, dispatch and threads (see runner.h).
 *
 * Cost: one hash of each spec/model text per run, a 128-bit key per point,
 * an open-addressing table for journal lookups (O(1) per record). The
 * simulation itself dominates by orders of magnitude.
 */
#include "config.h"

#include "sim/run/runner.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sim/run/journal.h"

struct runner {
	const struct experiment *e;  /* borrowed */
	struct journal *j;
	char (*keys)[JOURNAL_KEY_LEN]; /* per point */
	int *slots;                  /* key table: point index + 1, 0 = empty */
	size_t nslots;               /* power of two ≥ 2·npoints */
	unsigned char *done;         /* per point */
	struct gpu_result *res;      /* per point */
	int *pending;                /* indices not in the journal, in order */
	int npending;
	int cursor;                  /* next index into pending */
	int ndone;                   /* points done, journal included */
	int nreplayed;               /* of which from the journal */
	int status;                  /* first failure, RL_OK if none */
	char msg[RL_ERR_LEN];
	char fingerprint[JOURNAL_KEY_LEN]; /* of the experiment and its specs */
	int progress;                /* draw a bar on stderr */
	double t0;                   /* start, seconds (monotonic) */
	double last_draw;
	pthread_mutex_t lock;
	pthread_cond_t changed;      /* a point finished or the run failed */
};

/* ---- hashing --------------------------------------------------------- */

/* 128-bit hash: two FNV-1a lanes with distinct offsets, each finished with
 * the murmur3 mixer. Not cryptographic; collisions among the few thousand
 * points of a run are vanishingly unlikely (≈ n² / 2^129). */
struct h128 {
	uint64_t a, b;
};

static void h_init(struct h128 *h)
{
	h->a = 1469598103934665603ULL;
	h->b = 0x84222325cbf29ce4ULL;
}

static void h_bytes(struct h128 *h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h->a = (h->a ^ s[i]) * 1099511628211ULL;
		h->b = (h->b ^ s[i]) * 0x100000001b3ULL ^ (h->b >> 29);
	}
}

static void h_str(struct h128 *h, const char *s)
{
	h_bytes(h, s, strlen(s) + 1); /* NUL separates fields */
}

static void h_u64(struct h128 *h, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	h_str(h, buf);
}

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

static void h_hex(const struct h128 *h, char *out)
{
	snprintf(out, JOURNAL_KEY_LEN, "%016llx%016llx",
		 (unsigned long long)mix(h->a),
		 (unsigned long long)mix(h->b ^ h->a));
}

static int h_json(struct h128 *h, cJSON *j)
{
	char *t = j ? cJSON_PrintUnformatted(j) : NULL;

	cJSON_Delete(j);
	if (!t)
		return RL_EIO;
	h_str(h, t);
	free(t);
	return RL_OK;
}

/* ---- set-up ---------------------------------------------------------- */

static size_t slot_of(const struct runner *r, const char *key)
{
	uint64_t x = strtoull((char[17]){key[0], key[1], key[2], key[3],
		key[4], key[5], key[6], key[7], key[8], key[9], key[10],
		key[11], key[12], key[13], key[14], key[15], 0}, NULL, 16);

	return (size_t)x & (r->nslots - 1);
}

static int find_point(const struct runner *r, const char *key)
{
	for (size_t s = slot_of(r, key);; s = (s + 1) & (r->nslots - 1)) {
		int i = r->slots[s] - 1;

		if (i < 0)
			return -1;
		if (!strcmp(r->keys[i], key))
			return i;
	}
}

static int make_keys(struct runner *r, char *fingerprint, char *err)
{
	const struct experiment *e = r->e;
	struct h128 *hs = calloc((size_t)e->nspecs, sizeof *hs);
	struct h128 *hm = calloc((size_t)e->nmodels, sizeof *hm);
	struct h128 fp;
	int rc = RL_EIO;

	if (!hs || !hm)
		goto done;
	h_init(&fp);
	h_str(&fp, "ridgeline experiment");
	h_str(&fp, PACKAGE_VERSION);
	if (h_json(&fp, cJSON_Duplicate(e->json, 1)))
		goto done;
	for (int s = 0; s < e->nspecs; s++) {
		h_init(&hs[s]);
		if (h_json(&hs[s], hw_spec_to_json(e->specs[s])))
			goto done;
		h_str(&hs[s], e->specs[s]->name);
		h_bytes(&fp, &hs[s], sizeof hs[s]);
	}
	for (int m = 0; m < e->nmodels; m++) {
		h_init(&hm[m]);
		if (h_json(&hm[m], model_spec_to_json(e->models[m])))
			goto done;
		h_bytes(&fp, &hm[m], sizeof hm[m]);
	}
	h_hex(&fp, fingerprint);

	for (int i = 0; i < e->npoints; i++) {
		const struct exp_point *p = &e->points[i];
		struct h128 h;
		size_t s;

		h_init(&h);
		h_str(&h, "ridgeline point");
		h_str(&h, PACKAGE_VERSION);
		h_bytes(&h, &hs[p->spec], sizeof hs[p->spec]);
		h_bytes(&h, &hm[p->model], sizeof hm[p->model]);
		h_str(&h, experiment_op_name(e, p));
		h_u64(&h, (uint64_t)p->q);
		h_u64(&h, (uint64_t)p->batch);
		h_u64(&h, p->g.m);
		h_u64(&h, p->g.n);
		h_u64(&h, p->g.k);
		h_str(&h, rl_dtype_name(p->g.dtype));
		h_str(&h, e->l2_warm ? "l2 warm" : "l2 cold");
		h_hex(&h, r->keys[i]);
		for (s = slot_of(r, r->keys[i]); r->slots[s];
		     s = (s + 1) & (r->nslots - 1))
			;
		r->slots[s] = i + 1;
	}
	rc = RL_OK;
done:
	if (rc)
		rl_errf(err, "%s: out of memory", e->file);
	free(hs);
	free(hm);
	return rc;
}

static int on_record(void *ctx, const char *key, const struct gpu_result *res,
		     char *err)
{
	struct runner *r = ctx;
	int i = find_point(r, key);

	(void)err;
	/* The fingerprint matched, so every key belongs to this run; a
	 * duplicate (same point journaled twice) carries the same result. */
	if (i >= 0 && !r->done[i]) {
		r->done[i] = 1;
		r->res[i] = *res;
		r->ndone++;
		r->nreplayed++;
	}
	return RL_OK;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int runner_open(const struct experiment *e, const struct run_opts *o,
		struct runner **out, char *err)
{
	struct runner *r = calloc(1, sizeof *r);
	size_t n = (size_t)e->npoints;
	int rc;

	*out = NULL;
	if (!r)
		goto oom;
	r->e = e;
	r->progress = o->progress;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->changed, NULL);
	for (r->nslots = 16; r->nslots < 2 * n; r->nslots *= 2)
		;
	r->keys = calloc(n + 1, sizeof *r->keys);
	r->slots = calloc(r->nslots, sizeof *r->slots);
	r->done = calloc(n + 1, 1);
	r->res = calloc(n + 1, sizeof *r->res);
	r->pending = calloc(n + 1, sizeof *r->pending);
	if (!r->keys || !r->slots || !r->done || !r->res || !r->pending)
		goto oom;
	if ((rc = make_keys(r, r->fingerprint, err)))
		goto fail;
	if ((rc = journal_open(o->dir, e->name, r->fingerprint, o->fresh,
			       on_record, r, &r->j, err)))
		goto fail;
	for (int i = 0; i < e->npoints; i++)
		if (!r->done[i])
			r->pending[r->npending++] = i;
	r->t0 = now_s();
	*out = r;
	return RL_OK;
oom:
	rl_errf(err, "%s: out of memory", e->file);
	rc = RL_EIO;
fail:
	runner_close(r);
	return rc;
}

const char *runner_fingerprint(const struct runner *r)
{
	return r->fingerprint;
}

int runner_fingerprint_of(const struct experiment *e, char *out, char *err)
{
	struct runner r;
	size_t n = (size_t)e->npoints;
	int rc = RL_EIO;

	memset(&r, 0, sizeof r);
	r.e = e;
	for (r.nslots = 16; r.nslots < 2 * n; r.nslots *= 2)
		;
	r.keys = calloc(n + 1, sizeof *r.keys);
	r.slots = calloc(r.nslots, sizeof *r.slots);
	if (r.keys && r.slots)
		rc = make_keys(&r, out, err);
	else
		rl_errf(err, "%s: out of memory", e->file);
	free(r.keys);
	free(r.slots);
	return rc;
}

void runner_close(struct runner *r)
{
	if (!r)
		return;
	journal_close(r->j);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->changed);
	free(r->keys);
	free(r->slots);
	free(r->done);
	free(r->res);
	free(r->pending);
	free(r);
}

/* ---- dispatch -------------------------------------------------------- */

int runner_pending(const struct runner *r)
{
	return r->e->npoints - r->ndone;
}

int runner_done(const struct runner *r)
{
	return r->ndone;
}

int runner_next(struct runner *r)
{
	int i = -1;

	pthread_mutex_lock(&r->lock);
	if (r->status == RL_OK && r->cursor < r->npending)
		i = r->pending[r->cursor++];
	pthread_mutex_unlock(&r->lock);
	return i;
}

int runner_complete(struct runner *r, int point, const struct gpu_result *res,
		    char *err)
{
	int rc;

	/* durable before it counts as done */
	rc = journal_append(r->j, r->keys[point], res, err);
	pthread_mutex_lock(&r->lock);
	if (rc == RL_OK && !r->done[point]) {
		r->res[point] = *res;
		r->done[point] = 1;
		r->ndone++;
	}
	pthread_cond_broadcast(&r->changed);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

void runner_fail(struct runner *r, int status, const char *msg)
{
	pthread_mutex_lock(&r->lock);
	if (r->status == RL_OK) {
		r->status = status ? status : RL_EIO;
		snprintf(r->msg, sizeof r->msg, "%s", msg);
	}
	pthread_cond_broadcast(&r->changed);
	pthread_mutex_unlock(&r->lock);
}

int runner_error(const struct runner *r, char *err)
{
	if (r->status != RL_OK)
		rl_errf(err, "%s", r->msg);
	return r->status;
}

const struct gpu_result *runner_result(const struct runner *r, int point)
{
	return &r->res[point];
}

const char *runner_key(const struct runner *r, int point)
{
	return r->keys[point];
}

int runner_simulate(const struct experiment *e, int point,
		    struct gpu_result *res, char *err)
{
	const struct exp_point *p = &e->points[point];
	struct gpu_opts opts = {.l2_warm = e->l2_warm};
	char msg[RL_ERR_LEN] = "";
	int rc;

	memset(res, 0, sizeof *res);
	rc = gpu_simulate_gemm(e->specs[p->spec], &p->g, &opts, res, msg);
	if (rc != RL_OK)
		rl_errf(err, "%s, %s %s q=%d batch=%d: %s",
			e->specs[p->spec]->name, e->models[p->model]->name,
			experiment_op_name(e, p), p->q, p->batch, msg);
	return rc;
}

/* ---- progress -------------------------------------------------------- */

/* Caller holds r->lock or runs alone. */
static void draw(struct runner *r, int final)
{
	int n = r->e->npoints, w = 30, fill;
	double t = now_s();

	if (!r->progress || (!final && t - r->last_draw < 0.1))
		return;
	r->last_draw = t;
	fill = n ? (int)((double)w * r->ndone / n) : w;
	fprintf(stderr, "\r[%.*s%*s] %d/%d points", fill,
		"##############################", w - fill, "", r->ndone, n);
	if (r->nreplayed)
		fprintf(stderr, " (%d from journal)", r->nreplayed);
	fprintf(stderr, " %.1f s%s", t - r->t0, final ? "\n" : "");
	fflush(stderr);
}

void runner_progress(struct runner *r, int final)
{
	pthread_mutex_lock(&r->lock);
	draw(r, final);
	pthread_mutex_unlock(&r->lock);
}

/* ---- threads --------------------------------------------------------- */

static void *worker(void *arg)
{
	struct runner *r = arg;
	char err[RL_ERR_LEN];
	struct gpu_result res;
	int i, rc;

	while ((i = runner_next(r)) >= 0) {
		rc = runner_simulate(r->e, i, &res, err);
		if (rc == RL_OK)
			rc = runner_complete(r, i, &res, err);
		if (rc != RL_OK) {
			/* a failed simulation is a simulation failure (exit 1)
			 * even when the model calls the shape bad input */
			runner_fail(r, RL_EIO, err);
			break;
		}
	}
	pthread_mutex_lock(&r->lock);
	pthread_cond_broadcast(&r->changed);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

struct runner_threads {
	pthread_t *th;
	int n;
};

int runner_threads_start(struct runner *r, int jobs,
			 struct runner_threads **out, char *err)
{
	struct runner_threads *t = calloc(1, sizeof *t);
	int n = jobs < 0 ? 0 : jobs;

	*out = NULL;
	if (n > r->npending)
		n = r->npending;
	if (!t || !(t->th = calloc((size_t)(n ? n : 1), sizeof *t->th))) {
		free(t);
		rl_errf(err, "out of memory");
		return RL_EIO;
	}
	for (; t->n < n; t->n++)
		if (pthread_create(&t->th[t->n], NULL, worker, r) != 0)
			break;
	if (n && !t->n) {
		free(t->th);
		free(t);
		rl_errf(err, "cannot start a simulation thread");
		return RL_EIO;
	}
	*out = t;
	return RL_OK;
}

void runner_threads_join(struct runner_threads *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->n; i++)
		pthread_join(t->th[i], NULL);
	free(t->th);
	free(t);
}

int runner_run_local(struct runner *r, int jobs, char *err)
{
	struct runner_threads *t;
	int rc;

	if ((rc = runner_threads_start(r, jobs < 1 ? 1 : jobs, &t, err)))
		return rc;
	pthread_mutex_lock(&r->lock);
	draw(r, 0);
	while (r->ndone < r->e->npoints && r->status == RL_OK) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&r->changed, &r->lock, &ts);
		draw(r, 0);
	}
	draw(r, 1);
	pthread_mutex_unlock(&r->lock);
	runner_threads_join(t);
	return runner_error(r, err);
}
