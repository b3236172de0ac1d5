/*
 * journal.c — append-only, fsync'd record of finished points (see
 * journal.h).
 */
#include "config.h"

#include "sim/run/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sim/run/output.h"

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
#undef D
};
#define NDF (sizeof dfields / sizeof dfields[0])

static void put_json_string(char **p, size_t *left, const char *key,
			    const char *s)
{
	int n = snprintf(*p, *left, ",\"%s\":\"", key);

	*p += n;
	*left -= (size_t)n;
	for (; *s && *left > 8; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			*(*p)++ = '\\';
			*(*p)++ = (char)c;
			*left -= 2;
		} else if (c < 0x20) {
			n = snprintf(*p, *left, "\\u%04x", c);
			*p += n;
			*left -= (size_t)n;
		} else {
			*(*p)++ = (char)c;
			(*left)--;
		}
	}
	*(*p)++ = '"';
	(*left)--;
	**p = 0;
}

char *journal_result_text(const struct gpu_result *r)
{
	size_t left = 2048;
	char *buf = malloc(left), *p = buf;
	int n;

	if (!buf)
		return NULL;
	*p++ = '{';
	left--;
	for (size_t i = 0; i < NDF; i++) {
		double v = *(const double *)((const char *)r + dfields[i].off);

		if (isfinite(v))
			n = snprintf(p, left, "%s\"%s\":%.17g", i ? "," : "",
				     dfields[i].name, v);
		else
			n = snprintf(p, left, "%s\"%s\":null", i ? "," : "",
				     dfields[i].name);
		p += n;
		left -= (size_t)n;
	}
	n = snprintf(p, left, ",\"split_k\":%d,\"ctas\":%d,\"events\":%llu",
		     r->split_k, r->ctas, (unsigned long long)r->events);
	p += n;
	left -= (size_t)n;
	put_json_string(&p, &left, "tile", r->tile);
	put_json_string(&p, &left, "bound", r->bound);
	*p++ = '}';
	*p = 0;
	return buf;
}

int journal_result_parse(const cJSON *obj, struct gpu_result *r)
{
	const cJSON *v;

	memset(r, 0, sizeof *r);
	if (!cJSON_IsObject(obj))
		return RL_EINPUT;
	for (size_t i = 0; i < NDF; i++) {
		double *d = (double *)((char *)r + dfields[i].off);

		v = cJSON_GetObjectItemCaseSensitive(obj, dfields[i].name);
		if (cJSON_IsNumber(v))
			*d = v->valuedouble;
		else if (cJSON_IsNull(v))
			*d = NAN;
		else
			return RL_EINPUT;
	}
	v = cJSON_GetObjectItemCaseSensitive(obj, "split_k");
	if (!cJSON_IsNumber(v))
		return RL_EINPUT;
	r->split_k = (int)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(obj, "ctas");
	if (!cJSON_IsNumber(v))
		return RL_EINPUT;
	r->ctas = (int)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(obj, "events");
	if (!cJSON_IsNumber(v))
		return RL_EINPUT;
	/* cJSON holds numbers as double; event counts stay far below 2^53 */
	r->events = (uint64_t)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(obj, "tile");
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= sizeof r->tile)
		return RL_EINPUT;
	strcpy(r->tile, v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(obj, "bound");
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= sizeof r->bound)
		return RL_EINPUT;
	strcpy(r->bound, v->valuestring);
	return RL_OK;
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

/* Whole file into memory; NULL with errno ENOENT if absent. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 65536 + 1 > cap) {
			char *nb = realloc(buf, cap = 2 * cap + 65536 + 1);

			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	buf[n] = 0;
	*len = n;
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
		snprintf(theirs, len, "experiment '%s', ridgeline %s",
			 x->valuestring, v->valuestring);
		rc = !strcmp(f->valuestring, fingerprint);
	}
	cJSON_Delete(h);
	return rc;
}

static int replay_all(const char *path, char *buf, size_t len,
		      journal_replay_fn replay, void *ctx, size_t *keep,
		      char *err)
{
	char *line = strchr(buf, '\n') + 1; /* past the header */
	int lineno = 2;

	while (line < buf + len) {
		char *nl = memchr(line, '\n', (size_t)(buf + len - line));
		const cJSON *k, *r;
		struct gpu_result res;
		cJSON *rec;
		int rc;

		if (!nl)
			break; /* torn tail: cut off below */
		*nl = 0;
		rec = cJSON_Parse(line);
		k = cJSON_GetObjectItemCaseSensitive(rec, "key");
		r = cJSON_GetObjectItemCaseSensitive(rec, "result");
		if (!rec || !cJSON_IsString(k) ||
		    strlen(k->valuestring) != JOURNAL_KEY_LEN - 1 ||
		    journal_result_parse(r, &res) != RL_OK) {
			cJSON_Delete(rec);
			rl_errf(err, "%s:%d: expected a journal record, found a corrupt line; rerun with --fresh to start over",
				path, lineno);
			return RL_EINPUT;
		}
		rc = replay(ctx, k->valuestring, &res, err);
		cJSON_Delete(rec);
		if (rc)
			return rc;
		line = nl + 1;
		lineno++;
	}
	*keep = (size_t)(line - buf);
	return RL_OK;
}

int journal_open(const char *dir, const char *experiment_name,
		 const char *fingerprint, int fresh, journal_replay_fn replay,
		 void *ctx, struct journal **out, char *err)
{
	struct journal *j;
	char theirs[256];
	char *buf = NULL;
	size_t len = 0, keep = 0;
	int rc = RL_OK, m;

	*out = NULL;
	if (!(j = calloc(1, sizeof *j))) {
		rl_errf(err, "%s: out of memory", dir);
		return RL_EIO;
	}
	j->fd = -1;
	pthread_mutex_init(&j->lock, NULL);
	snprintf(j->path, sizeof j->path, "%s/%s", dir, JOURNAL_NAME);

	if (!fresh)
		buf = slurp(j->path, &len);
	if (!fresh && !buf && errno != ENOENT) {
		rl_errf(err, "%s: cannot read: %s", j->path, strerror(errno));
		rc = RL_EIO;
		goto fail;
	}
	/* No journal, or one whose header never made it: start over. */
	if (!buf || !strchr(buf, '\n')) {
		if ((rc = create(dir, j->path, experiment_name, fingerprint, err)))
			goto fail;
	} else {
		*strchr(buf, '\n') = 0;
		m = header_matches(buf, fingerprint, theirs, sizeof theirs);
		buf[strlen(buf)] = '\n';
		if (m != 1) {
			rl_errf(err, "%s: was written for another experiment file, hardware/model spec or ridgeline version (%s%s); rerun with --fresh to discard it, or choose another -o DIR",
				j->path, m < 0 ? "not a ridgeline journal" : "it holds ",
				m < 0 ? "" : theirs);
			rc = RL_EINPUT;
			goto fail;
		}
		if ((rc = replay_all(j->path, buf, len, replay, ctx, &keep, err)))
			goto fail;
		if (keep < len && truncate(j->path, (off_t)keep) != 0) {
			rl_errf(err, "%s: cannot cut off a torn last record: %s",
				j->path, strerror(errno));
			rc = RL_EIO;
			goto fail;
		}
	}
	j->fd = open(j->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (j->fd < 0) {
		rl_errf(err, "%s: cannot open: %s", j->path, strerror(errno));
		rc = RL_EIO;
		goto fail;
	}
	free(buf);
	*out = j;
	return RL_OK;
fail:
	free(buf);
	journal_close(j);
	return rc;
}

int journal_append(struct journal *j, const char *key,
		   const struct gpu_result *r, char *err)
{
	char *res = journal_result_text(r), *line;
	size_t len, done = 0;
	int rc = RL_OK;

	if (!res) {
		rl_errf(err, "%s: out of memory", j->path);
		return RL_EIO;
	}
	len = strlen(res) + JOURNAL_KEY_LEN + 32;
	if (!(line = malloc(len))) {
		free(res);
		rl_errf(err, "%s: out of memory", j->path);
		return RL_EIO;
	}
	len = (size_t)snprintf(line, len, "{\"key\":\"%s\",\"result\":%s}\n",
			       key, res);
	free(res);
	/* One write per record: O_APPEND keeps concurrent records whole. */
	pthread_mutex_lock(&j->lock);
	while (done < len) {
		ssize_t w = write(j->fd, line + done, len - done);

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
	free(line);
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
