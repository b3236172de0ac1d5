/*
 * journal.c — append-only, fsync'd record of finished points (see
 * journal.h).
 */
#include "config.h"

#include "sim/run/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "hw/data.h"
#include "sim/run/output.h"

#define JOURNAL_SUM_LEN 17 /* 16 hex digits + NUL */

struct journal {
	int fd;                /* O_APPEND */
	char path[PATH_MAX];
	pthread_mutex_t lock;  /* serialises writes */
};

/* The gpu_result fields that are kept; everything results.csv/json show. */
static const struct {
	const char *name;
	size_t off;
} dfields[] = {
#define D(f) {#f, offsetof(struct gpu_result, f)}
	D(time_us), D(flops), D(bytes_min), D(bytes_hbm_read),
	D(bytes_hbm_write), D(bytes_hbm), D(tflops), D(hbm_gbps),
	D(l2_hit_rate), D(tensor_util), D(hbm_util), D(l2_util), D(waves),
	D(clock_mhz),
#undef D
	/* the critical-path parts (sim/gpu/attrib.h), results.csv's names */
#define P(i, f) {#f, offsetof(struct gpu_result, part_us) + (i) * sizeof(double)}
	P(ATTRIB_FIXED, time_fixed_us), P(ATTRIB_FILL, time_fill_us),
	P(ATTRIB_TENSOR, time_tensor_us), P(ATTRIB_DRAM, time_dram_us),
	P(ATTRIB_L2, time_l2_us), P(ATTRIB_PORT, time_port_us),
	P(ATTRIB_TAIL, time_tail_us), P(ATTRIB_SPLITK, time_splitk_us),
#undef P
};
#define NDF (sizeof dfields / sizeof dfields[0])

/* The record's result object, built with cJSON. Doubles go in as raw
 * "%.17g" text: cJSON's own number printer tries 15 digits and accepts
 * them when they read back merely close (within DBL_EPSILON), which would
 * break the bit-for-bit resume; 17 significant digits always round-trip.
 * Non-finite values are null. Strings are cJSON's, escaped by it. */
char *journal_result_text(const struct gpu_result *r)
{
	cJSON *o = cJSON_CreateObject();
	char num[40], *text = NULL;
	int ok = o != NULL;

	for (size_t i = 0; ok && i < NDF; i++) {
		double v = *(const double *)((const char *)r + dfields[i].off);

		if (isfinite(v))
			snprintf(num, sizeof num, "%.17g", v);
		else
			snprintf(num, sizeof num, "null");
		ok = cJSON_AddRawToObject(o, dfields[i].name, num) != NULL;
	}
	if (ok) {
		snprintf(num, sizeof num, "%d", r->split_k);
		ok = cJSON_AddRawToObject(o, "split_k", num) != NULL;
	}
	if (ok) {
		snprintf(num, sizeof num, "%d", r->ctas);
		ok = cJSON_AddRawToObject(o, "ctas", num) != NULL;
	}
	if (ok) {
		snprintf(num, sizeof num, "%llu", (unsigned long long)r->events);
		ok = cJSON_AddRawToObject(o, "events", num) != NULL;
	}
	ok = ok && cJSON_AddStringToObject(o, "tile", r->tile) &&
	     cJSON_AddStringToObject(o, "bound", r->bound);
	if (ok)
		text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* Valid range of each kept double: physical sense, and far inside what
 * results.csv prints; null (a non-finite value) is allowed as written. */
static const struct {
	double lo, hi;
} drange[] = {
	{1e-9, 1e15},  /* time_us: > 0, under 30 years */
	{0, 1e30}, {0, 1e30}, {0, 1e30}, {0, 1e30}, {0, 1e30}, /* flops, bytes */
	{0, 1e12}, {0, 1e12},  /* tflops, hbm_gbps */
	{0, 1},                /* l2_hit_rate */
	{0, 1e3}, {0, 1e3}, {0, 1e3}, /* utilisations (≤ 1 in a sound run) */
	{0, 1e12},             /* waves */
	{0, 1e6},              /* clock_mhz */
	{0, 1e15}, {0, 1e15}, {0, 1e15}, {0, 1e15}, /* time_*_us parts */
	{0, 1e15}, {0, 1e15}, {0, 1e15}, {0, 1e15},
};
_Static_assert(sizeof drange / sizeof drange[0] == NDF,
	       "one range per kept double, in dfields order");

/* An integral number in [lo, hi]: no cast of an out-of-range double. */
static int get_int(const cJSON *obj, const char *name, double lo, double hi,
		   double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < lo || v->valuedouble > hi ||
	    v->valuedouble != floor(v->valuedouble))
		return RL_EINPUT;
	*out = v->valuedouble;
	return RL_OK;
}

/* A string of printable ASCII, shorter than size. */
static int get_word(const cJSON *obj, const char *name, char *buf, size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	size_t n;

	if (!cJSON_IsString(v) || !v->valuestring)
		return RL_EINPUT;
	n = strlen(v->valuestring);
	if (n == 0 || n >= size)
		return RL_EINPUT;
	for (size_t i = 0; i < n; i++)
		if (v->valuestring[i] < 0x20 || v->valuestring[i] > 0x7e)
			return RL_EINPUT;
	memcpy(buf, v->valuestring, n + 1);
	return RL_OK;
}

/* As journal_result_parse(); *bad names the first field refused. */
static int result_parse(const cJSON *obj, struct gpu_result *r,
			const char **bad)
{
	double x;

	memset(r, 0, sizeof *r);
	*bad = "result";
	if (!cJSON_IsObject(obj))
		return RL_EINPUT;
	for (size_t i = 0; i < NDF; i++) {
		double *d = (double *)((char *)r + dfields[i].off);
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, dfields[i].name);

		*bad = dfields[i].name;
		if (cJSON_IsNull(v))
			*d = NAN;
		else if (cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
			 v->valuedouble >= drange[i].lo &&
			 v->valuedouble <= drange[i].hi)
			*d = v->valuedouble;
		else
			return RL_EINPUT;
	}
	*bad = "split_k";
	if (get_int(obj, "split_k", 1, 4096, &x))
		return RL_EINPUT;
	r->split_k = (int)x;
	*bad = "ctas";
	if (get_int(obj, "ctas", 0, INT_MAX, &x))
		return RL_EINPUT;
	r->ctas = (int)x;
	/* cJSON holds numbers as double: counts up to 2^53 are exact */
	*bad = "events";
	if (get_int(obj, "events", 0, 9007199254740992.0, &x))
		return RL_EINPUT;
	r->events = (uint64_t)x;
	*bad = "tile";
	if (get_word(obj, "tile", r->tile, sizeof r->tile))
		return RL_EINPUT;
	*bad = "bound";
	if (get_word(obj, "bound", r->bound, sizeof r->bound))
		return RL_EINPUT;
	*bad = NULL;
	return RL_OK;
}

int journal_result_parse(const cJSON *obj, struct gpu_result *r)
{
	const char *bad;

	return result_parse(obj, r, &bad);
}

/* The checksum of a record: rl_hash's lane a (FNV-1a), murmur3-finished
 * (rl_hash_mix), over the key and the canonical text of the result
 * (journal_result_text() of the parsed values), so that any change to a value or to the key shows while
 * a reformatted but equal record still passes. It guards against damage
 * and hand edits, not against someone forging records on purpose. */
static void record_sum(const char *key, const char *result_text, char *out)
{
	struct rl_hash h;

	rl_hash_init(&h);
	rl_hash_bytes(&h, key, strlen(key));
	rl_hash_bytes(&h, "\n", 1);
	rl_hash_bytes(&h, result_text, strlen(result_text));
	snprintf(out, JOURNAL_SUM_LEN, "%016llx",
		 (unsigned long long)rl_hash_mix(h.a));
}

static char *header_text(const char *name, const char *fingerprint)
{
	cJSON *h = cJSON_CreateObject();
	char *t;

	if (!h)
		return NULL;
	cJSON_AddStringToObject(h, "journal", "ridgeline");
	cJSON_AddStringToObject(h, "version", PACKAGE_VERSION);
	cJSON_AddStringToObject(h, "experiment", name);
	cJSON_AddStringToObject(h, "fingerprint", fingerprint);
	t = cJSON_PrintUnformatted(h);
	cJSON_Delete(h);
	return t;
}

/* A new journal holding only the header, put in place atomically. */
static int create(const char *dir, const char *path, const char *name,
		  const char *fingerprint, char *err)
{
	struct out_file o;
	char *hdr = header_text(name, fingerprint);
	int rc;

	if (!hdr) {
		rl_errf(err, "%s: out of memory", path);
		return RL_EIO;
	}
	rc = out_file_open(&o, dir, JOURNAL_NAME, err);
	if (rc == RL_OK) {
		fprintf(o.f, "%s\n", hdr);
		rc = out_file_commit(&o, err);
	}
	free(hdr);
	return rc;
}

/* Whole journal into memory. NULL with errno ENOENT if absent; with err
 * filled for anything that is not a regular file (a link is not followed,
 * a FIFO not waited on). */
static char *slurp(const char *path, size_t *len, char *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	char *buf;
	struct stat st;

	if (fd < 0) {
		int e = errno;

		if (e == ELOOP)
			rl_errf(err, "%s: is a symbolic link; ridgeline does not follow links in its output directory (remove it or choose another output directory)",
				path);
		else if (e != ENOENT)
			rl_errf(err, "%s: cannot read: %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rl_errf(err, "%s: expected the run journal (a regular file), found %s; remove it or choose another output directory",
			path, S_ISDIR(st.st_mode) ? "a directory" : "something else");
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	buf = rl_read_fd(fd, path, len, err);
	close(fd);
	if (!buf)
		errno = EIO;
	return buf;
}

/* 1 if the header line matches, 0 if it does not, -1 if it is not a
 * journal header at all. */
static int header_matches(const char *line, const char *fingerprint,
			  char *theirs, size_t len)
{
	cJSON *h = cJSON_Parse(line);
	const cJSON *j, *f, *v, *x;
	int rc = -1;

	theirs[0] = 0;
	if (!h)
		return -1;
	j = cJSON_GetObjectItemCaseSensitive(h, "journal");
	f = cJSON_GetObjectItemCaseSensitive(h, "fingerprint");
	v = cJSON_GetObjectItemCaseSensitive(h, "version");
	x = cJSON_GetObjectItemCaseSensitive(h, "experiment");
	if (cJSON_IsString(j) && !strcmp(j->valuestring, "ridgeline") &&
	    cJSON_IsString(f) && cJSON_IsString(v) && cJSON_IsString(x)) {
		char xe[80], ve[40];

		/* what the file says, escaped: it may hold anything */
		rl_escape(x->valuestring, xe, sizeof xe, 1);
		rl_escape(v->valuestring, ve, sizeof ve, 1);
		snprintf(theirs, len, "experiment '%s', ridgeline %s", xe, ve);
		rc = !strcmp(f->valuestring, fingerprint);
	}
	cJSON_Delete(h);
	return rc;
}

/* Tell the user about a dropped record (stderr; at most a few lines,
 * then a count). The CLI's own messages stay on their one line. */
#define WARN_LINES 5

static void dropped(const char *path, int lineno, const char *why, int n)
{
	if (n <= WARN_LINES)
		fprintf(stderr, "ridgeline: %s:%d: dropped a corrupt journal record (%s); its point is simulated again\n",
			path, lineno, why);
}

static int is_key(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!strchr("0123456789abcdef", s[n]))
			return 0;
	return n == JOURNAL_KEY_LEN - 1;
}

/* Why the record on this line cannot be trusted, or NULL if it can (then
 * *key and *res are filled). */
static const char *check_record(char *line, size_t len, char *key,
				struct gpu_result *res)
{
	static __thread char why[64];
	const cJSON *k, *r, *sum;
	const char *bad = NULL;
	char want[JOURNAL_SUM_LEN], *canon;
	cJSON *rec;

	if (memchr(line, 0, len))
		return "a NUL byte";
	if (!(rec = cJSON_ParseWithLength(line, len)))
		return "not JSON";
	k = cJSON_GetObjectItemCaseSensitive(rec, "key");
	r = cJSON_GetObjectItemCaseSensitive(rec, "result");
	sum = cJSON_GetObjectItemCaseSensitive(rec, "sum");
	if (!cJSON_IsString(k) || !is_key(k->valuestring)) {
		cJSON_Delete(rec);
		return "no valid key";
	}
	if (result_parse(r, res, &bad) != RL_OK) {
		snprintf(why, sizeof why, "%s missing or out of range", bad);
		cJSON_Delete(rec);
		return why;
	}
	if (!(canon = journal_result_text(res))) {
		cJSON_Delete(rec);
		return "out of memory";
	}
	record_sum(k->valuestring, canon, want);
	free(canon);
	if (!cJSON_IsString(sum) || strcmp(sum->valuestring, want)) {
		const char *w = cJSON_IsString(sum) ?
				"checksum mismatch: edited or damaged" : "no checksum";

		cJSON_Delete(rec); /* sum with it */
		return w;
	}
	memcpy(key, k->valuestring, JOURNAL_KEY_LEN);
	cJSON_Delete(rec);
	return NULL;
}

/* Replay every trusted record after the header. Corrupt ones are dropped
 * (with a line on stderr) and their points stay pending; *kept receives
 * the journal as it should be on disk (header, trusted records, no torn
 * tail) when it differs from buf, else NULL. */
static int replay_all(const char *path, char *buf, size_t len,
		      journal_replay_fn replay, void *ctx, char **kept,
		      size_t *keptlen, char *err)
{
	char *line = (char *)memchr(buf, '\n', len) + 1; /* past the header */
	char *out = NULL;
	size_t used = 0;
	int lineno = 2, ndropped = 0, rc = RL_OK;

	*kept = NULL;
	while (line < buf + len) {
		char *nl = memchr(line, '\n', (size_t)(buf + len - line));
		char key[JOURNAL_KEY_LEN];
		struct gpu_result res;
		const char *why;

		if (!nl)
			break; /* torn tail: cut off below */
		why = check_record(line, (size_t)(nl - line), key, &res);
		if (why) {
			dropped(path, lineno, why, ++ndropped);
			if (!out) {
				/* from here on the journal is rewritten */
				if (!(out = malloc(len + 1))) {
					rl_errf(err, "%s: out of memory", path);
					return RL_EIO;
				}
				used = (size_t)(line - buf);
				memcpy(out, buf, used);
			}
		} else {
			if ((rc = replay(ctx, key, &res, err)))
				break;
			if (out) {
				memcpy(out + used, line, (size_t)(nl + 1 - line));
				used += (size_t)(nl + 1 - line);
			}
		}
		line = nl + 1;
		lineno++;
	}
	if (ndropped > WARN_LINES)
		fprintf(stderr, "ridgeline: %s: dropped %d corrupt journal records in all; their points are simulated again\n",
			path, ndropped);
	if (rc) {
		free(out);
		return rc;
	}
	if (!out && line < buf + len) {
		/* only a torn tail: what comes before it is the journal */
		if (!(out = malloc(len + 1))) {
			rl_errf(err, "%s: out of memory", path);
			return RL_EIO;
		}
		used = (size_t)(line - buf);
		memcpy(out, buf, used);
	}
	if (out)
		out[used] = 0;
	*kept = out;
	*keptlen = used;
	return RL_OK;
}

/* Put `text` in place of the journal atomically (temporary + rename). */
static int rewrite(const char *dir, const char *path, const char *text,
		   size_t len, char *err)
{
	struct out_file o;
	int rc = out_file_open(&o, dir, JOURNAL_NAME, err);

	if (rc)
		return rc;
	if (fwrite(text, 1, len, o.f) != len) {
		rl_errf(err, "%s: write failed: %s", path, strerror(errno));
		out_file_abort(&o);
		return RL_EIO;
	}
	return out_file_commit(&o, err);
}

int journal_open(const char *dir, const char *experiment_name,
		 const char *fingerprint, int fresh, journal_replay_fn replay,
		 void *ctx, struct journal **out, char *err)
{
	struct journal *j;
	char theirs[256];
	char *buf = NULL, *kept = NULL, *nl;
	size_t len = 0, keptlen = 0;
	int rc = RL_OK, m;

	*out = NULL;
	if (!(j = calloc(1, sizeof *j))) {
		rl_errf(err, "%s: out of memory", dir);
		return RL_EIO;
	}
	j->fd = -1;
	pthread_mutex_init(&j->lock, NULL);
	if (!dir) {
		/* no directory: a journal that keeps nothing (the library's
		 * ridgeline_experiment_run, which writes no files) */
		snprintf(j->path, sizeof j->path, "(no journal)");
		*out = j;
		return RL_OK;
	}
	snprintf(j->path, sizeof j->path, "%s/%s", dir, JOURNAL_NAME);

	if (!fresh && !(buf = slurp(j->path, &len, err)) && errno != ENOENT) {
		rc = RL_EIO;
		goto fail;
	}
	/* No journal, or one whose header never made it (no newline: a
	 * journal is put in place whole, so only a hand edit does that): start
	 * over. */
	if (!buf || !(nl = memchr(buf, '\n', len))) {
		if ((rc = create(dir, j->path, experiment_name, fingerprint, err)))
			goto fail;
	} else {
		if (memchr(buf, 0, (size_t)(nl - buf))) {
			rl_errf(err, "%s:1: expected a ridgeline journal header, found a NUL byte; rerun with --fresh to discard the journal, or choose another output directory",
				j->path);
			rc = RL_EINPUT;
			goto fail;
		}
		*nl = 0;
		m = header_matches(buf, fingerprint, theirs, sizeof theirs);
		*nl = '\n';
		if (m != 1) {
			rl_errf(err, "%s: was written for another experiment file, hardware/model spec or ridgeline version (%s%s); rerun with --fresh to discard it, or choose another -o DIR",
				j->path, m < 0 ? "not a ridgeline journal" : "it holds ",
				m < 0 ? "" : theirs);
			rc = RL_EINPUT;
			goto fail;
		}
		if ((rc = replay_all(j->path, buf, len, replay, ctx, &kept,
				     &keptlen, err)))
			goto fail;
		if (kept && (rc = rewrite(dir, j->path, kept, keptlen, err)))
			goto fail;
	}
	/* the file just read or made; a link put there since is not followed */
	j->fd = open(j->path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (j->fd < 0) {
		rl_errf(err, "%s: cannot open: %s", j->path, strerror(errno));
		rc = RL_EIO;
		goto fail;
	}
	free(buf);
	free(kept);
	*out = j;
	return RL_OK;
fail:
	free(buf);
	free(kept);
	journal_close(j);
	return rc;
}

int journal_append(struct journal *j, const char *key,
		   const struct gpu_result *r, char *err)
{
	return journal_append_group(j, &key, 1, r, err);
}

int journal_append_group(struct journal *j, const char *const *keys, int n,
			 const struct gpu_result *r, char *err)
{
	char *res = journal_result_text(r), *buf, sum[JOURNAL_SUM_LEN];
	size_t len = 0, one, done = 0;
	int rc = RL_OK;

	if (j->fd < 0) { /* opened without a directory: nothing to keep */
		free(res);
		return RL_OK;
	}
	if (!res) {
		rl_errf(err, "%s: out of memory", j->path);
		return RL_EIO;
	}
	one = strlen(res) + JOURNAL_KEY_LEN + JOURNAL_SUM_LEN + 48;
	if (!(buf = malloc(one * (size_t)(n > 0 ? n : 1)))) {
		free(res);
		rl_errf(err, "%s: out of memory", j->path);
		return RL_EIO;
	}
	for (int i = 0; i < n; i++) {
		record_sum(keys[i], res, sum);
		len += (size_t)snprintf(buf + len, one,
					"{\"key\":\"%s\",\"result\":%s,\"sum\":\"%s\"}\n",
					keys[i], res, sum);
	}
	free(res);
	/* One write for the group: O_APPEND keeps concurrent records whole. */
	pthread_mutex_lock(&j->lock);
	while (done < len) {
		ssize_t w = write(j->fd, buf + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rl_errf(err, "%s: write failed: %s", j->path,
				strerror(errno));
			rc = RL_EIO;
			break;
		}
		done += (size_t)w;
	}
	pthread_mutex_unlock(&j->lock);
	free(buf);
	if (rc == RL_OK && fdatasync(j->fd) != 0) {
		rl_errf(err, "%s: fsync failed: %s", j->path, strerror(errno));
		rc = RL_EIO;
	}
	return rc;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	pthread_mutex_destroy(&j->lock);
	free(j);
}
