/*
 * runner.c — keys, journal replay, dispatch and threads (see runner.h).
 *
 * Cost: one hash of each spec/model text per run, a 128-bit key per point,
 * an open-addressing table for journal lookups (O(1) per record). The
 * simulation itself dominates by orders of magnitude.
 *
 * Result cache: points that ask runner_simulate() the same question — the
 * same effective spec (its JSON without the name), GEMM, L2 state and
 * protocol — form a group (up and gate of an MLP are one GEMM; m = q·batch
 * repeats across the grid: 70 of the reference grid's 168 points are
 * distinct). Only the group's first pending point is handed out, so no two
 * threads or MPI ranks ever simulate the same thing; when it completes,
 * every point of the group is journaled and counted done with its result
 * (the simulation is deterministic, so this is the result each would have
 * had). A group with a point in the journal gives its result to the rest
 * at open. The journal and the outputs stay per point.
 * RIDGELINE_NO_RESULT_CACHE=1 in the environment turns the cache off (every
 * point simulated; for the test that the cache changes nothing).
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
#include "sim/run/parallel.h"

struct runner {
	const struct experiment *e;  /* borrowed */
	struct journal *j;
	char (*keys)[JOURNAL_KEY_LEN]; /* per point */
	int *slots;                  /* key table: point index + 1, 0 = empty */
	size_t nslots;               /* power of two ≥ 2·npoints */
	unsigned char *done;         /* per point */
	struct gpu_result *res;      /* per point */
	int *same;                   /* per point: next point of its group, -1 */
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

/* Keys and fingerprints: rl_hash (hw/common.h) over the fields, each
 * string NUL-terminated, finished with the murmur3 mixer. Collisions
 * among the few thousand points of a run are vanishingly unlikely
 * (≈ n² / 2^129). */
static void h_str(struct rl_hash *h, const char *s)
{
	rl_hash_bytes(h, s, strlen(s) + 1); /* NUL separates fields */
}

static void h_u64(struct rl_hash *h, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	h_str(h, buf);
}

static void h_hex(const struct rl_hash *h, char *out)
{
	snprintf(out, JOURNAL_KEY_LEN, "%016llx%016llx",
		 (unsigned long long)rl_hash_mix(h->a),
		 (unsigned long long)rl_hash_mix(h->b ^ h->a));
}

static int h_json(struct rl_hash *h, cJSON *j)
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

/* The key of everything runner_simulate() passes to the GPU model: the
 * effective spec (hc: its JSON, name left out — it only labels messages),
 * the GEMM, the L2 state. Points with equal keys have equal results. A
 * change to what runner_simulate() passes must change this too. */
static void sim_key(const struct experiment *e, const struct exp_point *p,
		    const struct rl_hash *hc, char *out)
{
	struct rl_hash h;

	rl_hash_init(&h);
	h_str(&h, "ridgeline simulation");
	rl_hash_bytes(&h, &hc[p->spec], sizeof hc[p->spec]);
	h_u64(&h, p->g.m);
	h_u64(&h, p->g.n);
	h_u64(&h, p->g.k);
	h_str(&h, rl_dtype_name(p->g.dtype));
	h_str(&h, e->l2_warm ? "l2 warm" : "l2 cold");
	h_str(&h, "protocol none"); /* runner_simulate sets no calls_timed */
	/* attention and all-reduce points: p->g is only descriptive, their
	 * shape is the layer op's (a GEMM key stays as it was) */
	if (p->lop.kind == LAYER_ATTN) {
		const struct attn_shape *a = &p->lop.a;

		h_str(&h, "attn");
		h_u64(&h, a->batch);
		h_u64(&h, a->heads);
		h_u64(&h, a->kv_heads);
		h_u64(&h, a->head_dim);
		h_u64(&h, a->q);
		h_u64(&h, a->kv_len);
		h_u64(&h, (uint64_t)a->mask);
	} else if (p->lop.kind == LAYER_ALLREDUCE) {
		h_str(&h, "all-reduce");
		h_u64(&h, (uint64_t)p->lop.tp);
		h_u64(&h, (uint64_t)p->lop.ar_bytes);
	}
	h_hex(&h, out);
}

/* Link the points with equal sim_key() into groups, in index order
 * (r->same); with the cache off every point is its own group. */
static int make_groups(struct runner *r, const struct rl_hash *hc)
{
	const struct experiment *e = r->e;
	size_t n = (size_t)e->npoints, ns;
	char (*k)[JOURNAL_KEY_LEN] = calloc(n + 1, sizeof *k);
	int *first, *last;
	const char *off = getenv("RIDGELINE_NO_RESULT_CACHE");

	for (int i = 0; i < e->npoints; i++)
		r->same[i] = -1;
	if (off && *off && strcmp(off, "0")) {
		free(k);
		return RL_OK;
	}
	for (ns = 16; ns < 2 * n; ns *= 2)
		;
	first = calloc(ns, sizeof *first);
	last = calloc(ns, sizeof *last);
	if (!k || !first || !last) {
		free(k);
		free(first);
		free(last);
		return RL_EIO;
	}
	for (int i = 0; i < e->npoints; i++) {
		size_t s;

		sim_key(e, &e->points[i], hc, k[i]);
		s = strtoull((char[17]){k[i][0], k[i][1], k[i][2], k[i][3],
			k[i][4], k[i][5], k[i][6], k[i][7], k[i][8], k[i][9],
			k[i][10], k[i][11], k[i][12], k[i][13], k[i][14],
			k[i][15], 0}, NULL, 16) & (ns - 1);
		/* first[s]: first point + 1 of the group in slot s */
		while (first[s] && strcmp(k[first[s] - 1], k[i]))
			s = (s + 1) & (ns - 1);
		if (!first[s])
			first[s] = i + 1;
		else
			r->same[last[s]] = i;
		last[s] = i;
	}
	free(k);
	free(first);
	free(last);
	return RL_OK;
}

static int make_keys(struct runner *r, char *fingerprint, char *err)
{
	const struct experiment *e = r->e;
	struct rl_hash *hs = calloc((size_t)e->nspecs, sizeof *hs);
	struct rl_hash *hc = calloc((size_t)e->nspecs, sizeof *hc);
	struct rl_hash *hm = calloc((size_t)e->nmodels, sizeof *hm);
	struct rl_hash fp;
	int rc = RL_EIO;

	if (!hs || !hc || !hm)
		goto done;
	rl_hash_init(&fp);
	h_str(&fp, "ridgeline experiment");
	h_str(&fp, PACKAGE_VERSION);
	if (h_json(&fp, cJSON_Duplicate(e->json, 1)))
		goto done;
	for (int s = 0; s < e->nspecs; s++) {
		rl_hash_init(&hs[s]);
		if (h_json(&hs[s], hw_spec_to_json(e->specs[s])))
			goto done;
		/* a derived GPU's results depend on the GPU it was derived
		 * from too (its kernel stays a candidate: gpu.c) */
		if (e->specs[s]->origin &&
		    h_json(&hs[s], hw_spec_to_json(e->specs[s]->origin)))
			goto done;
		hc[s] = hs[s];
		h_str(&hs[s], e->specs[s]->name);
		rl_hash_bytes(&fp, &hs[s], sizeof hs[s]);
	}
	for (int m = 0; m < e->nmodels; m++) {
		rl_hash_init(&hm[m]);
		if (h_json(&hm[m], model_spec_to_json(e->models[m])))
			goto done;
		rl_hash_bytes(&fp, &hm[m], sizeof hm[m]);
	}
	h_hex(&fp, fingerprint);

	for (int i = 0; i < e->npoints; i++) {
		const struct exp_point *p = &e->points[i];
		struct rl_hash h;
		size_t s;

		rl_hash_init(&h);
		h_str(&h, "ridgeline point");
		h_str(&h, PACKAGE_VERSION);
		rl_hash_bytes(&h, &hs[p->spec], sizeof hs[p->spec]);
		rl_hash_bytes(&h, &hm[p->model], sizeof hm[p->model]);
		h_str(&h, experiment_op_name(e, p));
		h_u64(&h, (uint64_t)p->q);
		h_u64(&h, (uint64_t)p->batch);
		h_u64(&h, p->g.m);
		h_u64(&h, p->g.n);
		h_u64(&h, p->g.k);
		h_str(&h, rl_dtype_name(p->g.dtype));
		h_str(&h, e->l2_warm ? "l2 warm" : "l2 cold");
		/* the layer keys: GEMM points of a file without them hash
		 * as before */
		if (p->lop.kind != LAYER_GEMM || p->tp > 1 || p->kv_len) {
			h_u64(&h, (uint64_t)p->kv_len);
			h_u64(&h, (uint64_t)p->tp);
			h_u64(&h, (uint64_t)p->lop.kind);
			h_u64(&h, (uint64_t)p->lop.a.mask);
		}
		h_hex(&h, r->keys[i]);
		for (s = slot_of(r, r->keys[i]); r->slots[s];
		     s = (s + 1) & (r->nslots - 1))
			;
		r->slots[s] = i + 1;
	}
	rc = r->same ? make_groups(r, hc) : RL_OK;
done:
	if (rc)
		rl_errf(err, "%s: out of memory", e->file);
	free(hs);
	free(hc);
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

/* Journal result res for every point of the group from `first` on that is
 * not done yet: one write and one fsync for them all. Only the caller
 * writes these points' done flags (the group is handed out once). */
static int journal_group(struct runner *r, int first,
			 const struct gpu_result *res, char *err)
{
	const char **keys;
	int n = 0, rc;

	for (int j = first; j >= 0; j = r->same[j])
		n += !r->done[j];
	if (!(keys = malloc((size_t)(n ? n : 1) * sizeof *keys))) {
		rl_errf(err, "%s: out of memory", r->e->file);
		return RL_EIO;
	}
	n = 0;
	for (int j = first; j >= 0; j = r->same[j])
		if (!r->done[j])
			keys[n++] = r->keys[j];
	rc = journal_append_group(r->j, keys, n, res, err);
	free(keys);
	return rc;
}

/* After the journal replay: a group with a point done gives its result to
 * the others (journaling them now), so that each group is all done or all
 * to do; the first point of each group to do is pending. */
static int make_pending(struct runner *r, char *err)
{
	int n = r->e->npoints, rc = RL_OK;
	unsigned char *member = calloc((size_t)n + 1, 1); /* not a group head */

	if (!member) {
		rl_errf(err, "%s: out of memory", r->e->file);
		return RL_EIO;
	}
	for (int i = 0; i < n; i++)
		if (r->same[i] >= 0)
			member[r->same[i]] = 1;
	for (int h = 0; h < n && rc == RL_OK; h++) {
		int d = -1;

		if (member[h])
			continue;
		for (int j = h; j >= 0 && d < 0; j = r->same[j])
			if (r->done[j])
				d = j;
		if (d < 0) {
			r->pending[r->npending++] = h;
			continue;
		}
		if ((rc = journal_group(r, h, &r->res[d], err)))
			break;
		for (int j = h; j >= 0; j = r->same[j])
			if (!r->done[j]) {
				r->res[j] = r->res[d];
				r->done[j] = 1;
				r->ndone++;
			}
	}
	free(member);
	return rc;
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
	r->same = calloc(n + 1, sizeof *r->same);
	if (!r->keys || !r->slots || !r->done || !r->res || !r->pending ||
	    !r->same)
		goto oom;
	if ((rc = make_keys(r, r->fingerprint, err)))
		goto fail;
	if ((rc = journal_open(o->dir, e->name, r->fingerprint, o->fresh,
			       on_record, r, &r->j, err)))
		goto fail;
	if ((rc = make_pending(r, err)))
		goto fail;
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
	free(r->same);
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
	int rc, j;

	/* durable before it counts as done; the points of its group (the
	 * result cache) have this result too, and each has its record */
	rc = journal_group(r, point, res, err);
	pthread_mutex_lock(&r->lock);
	for (j = point; j >= 0 && rc == RL_OK; j = r->same[j])
		if (!r->done[j]) {
			r->res[j] = *res;
			r->done[j] = 1;
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
	struct gpu_recorder rec;
	char msg[RL_ERR_LEN] = "";
	int rc;

	memset(res, 0, sizeof *res);
	/* the critical-path parts are results columns: record them */
	attrib_init(&rec, 0);
	opts.rec = &rec;
	rc = gpu_simulate_layer_op(e->specs[p->spec], &p->lop, &opts, res, msg);
	attrib_destroy(&rec);
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

int runner_threads_start(struct runner *r, int jobs, struct rl_pool **out,
			 char *err)
{
	int n = jobs < 0 ? 0 : jobs > r->npending ? r->npending : jobs;
	int started = rl_pool_start(n, worker, r, out);

	if (started < 0) {
		rl_errf(err, "out of memory");
		return RL_EIO;
	}
	if (n && !started) {
		rl_pool_join(*out);
		*out = NULL;
		rl_errf(err, "cannot start a simulation thread");
		return RL_EIO;
	}
	return RL_OK;
}

int runner_run_local(struct runner *r, int jobs, char *err)
{
	struct rl_pool *t;
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
	rl_pool_join(t);
	return runner_error(r, err);
}
