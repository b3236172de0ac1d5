/*
 * data.c — finding hardware and model files by name or path (see data.h).
 *
 * The search path is fixed at three places so that a run is explained by
 * its arguments and one environment variable: $RIDGELINE_DATA (a user's own
 * files, searched first), the source tree (so a built but uninstalled binary
 * and the tests find the shipped files) and $(pkgdatadir) after install.
 * The source tree counts only for a program running from the build tree
 * (/proc/self/exe under RL_BUILDDIR): an installed ridgeline, or a program
 * linking the library, never reads a checkout that happens to still exist.
 */
#include "hw/data.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/common.h"

#ifndef RL_SRCDIR
#define RL_SRCDIR "."
#endif
#ifndef RL_PKGDATADIR
#define RL_PKGDATADIR "/usr/local/share/ridgeline"
#endif
#ifndef RL_BUILDDIR
#define RL_BUILDDIR ""
#endif

#define DATA_MAX_FILE (1L << 30) /* refuse to slurp more than 1 GiB */
#define NDIRS 3

/* Whether this process runs a program of the build tree: the resolved
 * executable lies under RL_BUILDDIR. Linux's /proc/self/exe; elsewhere
 * (no /proc) the answer is no, which is the safe one. Two realpath() calls
 * per lookup: lookups happen at set-up, never per event. */
static int in_build_tree(void)
{
	char exe[PATH_MAX], top[PATH_MAX];
	size_t n;

	if (!RL_BUILDDIR[0] || !realpath("/proc/self/exe", exe) ||
	    !realpath(RL_BUILDDIR, top))
		return 0;
	n = strlen(top);
	return !strncmp(exe, top, n) && exe[n] == '/';
}

/* The search directories for kind, in order; unset entries are empty. */
static void search_dirs(const char *kind, char dirs[NDIRS][512])
{
	const char *env = getenv("RIDGELINE_DATA");

	dirs[0][0] = 0;
	dirs[1][0] = 0;
	if (env && env[0])
		snprintf(dirs[0], 512, "%s/%s", env, kind);
	if (in_build_tree())
		snprintf(dirs[1], 512, "%s/%s", RL_SRCDIR, kind);
	snprintf(dirs[2], 512, "%s/%s", RL_PKGDATADIR, kind);
}

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* "a hardware spec file", "an experiment file", ... for messages. */
static const char *kind_file(const char *kind)
{
	if (!strcmp(kind, "hw"))
		return "a hardware spec file";
	if (!strcmp(kind, "models"))
		return "a model spec file";
	if (!strcmp(kind, "experiments"))
		return "an experiment file";
	return "a data file";
}

int rl_data_find(const char *kind, const char *name_or_path, char *out,
		 size_t outlen, char *err)
{
	char dirs[NDIRS][512], path[2048], searched[RL_ERR_LEN / 2];
	size_t used = 0;

	if (!name_or_path || !name_or_path[0]) {
		rl_errf(err, "%s: expected a name or a path, found nothing",
			kind);
		return RL_EINPUT;
	}
	if (strchr(name_or_path, '/') || has_suffix(name_or_path, ".json")) {
		if (!is_file(name_or_path)) {
			struct stat st;
			int exists = stat(name_or_path, &st) == 0;

			rl_errf(err, "%s: expected %s, found %s",
				name_or_path, kind_file(kind),
				exists ? "something that is not a regular file"
				       : "nothing (no such file)");
			return RL_EINPUT;
		}
		if (strlen(name_or_path) >= outlen) {
			rl_errf(err, "%s: path too long", name_or_path);
			return RL_EINPUT;
		}
		memcpy(out, name_or_path, strlen(name_or_path) + 1);
		return RL_OK;
	}
	search_dirs(kind, dirs);
	searched[0] = 0;
	for (int i = 0; i < NDIRS; i++) {
		int n;

		if (!dirs[i][0])
			continue;
		n = snprintf(path, sizeof path, "%s/%s.json", dirs[i],
			     name_or_path);
		if (n > 0 && (size_t)n < sizeof path && is_file(path)) {
			if (strlen(path) >= outlen) {
				rl_errf(err, "%s: path too long", path);
				return RL_EINPUT;
			}
			memcpy(out, path, strlen(path) + 1);
			return RL_OK;
		}
		if (used < sizeof searched) {
			n = snprintf(searched + used, sizeof searched - used,
				     "%s%s", used ? ", " : "", dirs[i]);
			if (n > 0)
				used += (size_t)n;
		}
	}
	rl_errf(err, "%s \"%s\": expected %s.json in %s%s, found nothing "
		"(a path needs a '/' or the .json suffix)", kind,
		name_or_path, name_or_path, searched,
		dirs[0][0] ? "" : " ($RIDGELINE_DATA unset)");
	return RL_EINPUT;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int rl_data_list(const char *kind, char ***names)
{
	char dirs[NDIRS][512];
	char **v = NULL;
	int n = 0, cap = 0, out = 0;

	*names = NULL;
	search_dirs(kind, dirs);
	for (int i = 0; i < NDIRS; i++) {
		DIR *d;
		struct dirent *e;

		if (!dirs[i][0] || !(d = opendir(dirs[i])))
			continue;
		while ((e = readdir(d))) {
			char path[2048];
			size_t len = strlen(e->d_name);

			if (len <= 5 || e->d_name[0] == '.' ||
			    !has_suffix(e->d_name, ".json"))
				continue;
			snprintf(path, sizeof path, "%s/%s", dirs[i],
				 e->d_name);
			if (!is_file(path))
				continue;
			if (n == cap) {
				char **nv;

				cap = cap ? 2 * cap : 16;
				nv = realloc(v, (size_t)cap * sizeof *v);
				if (!nv) {
					closedir(d);
					goto fail;
				}
				v = nv;
			}
			v[n] = strndup(e->d_name, len - 5);
			if (!v[n]) {
				closedir(d);
				goto fail;
			}
			n++;
		}
		closedir(d);
	}
	if (n == 0) {
		free(v);
		return 0;
	}
	qsort(v, (size_t)n, sizeof *v, cmp_names);
	for (int i = 0; i < n; i++) {
		if (out > 0 && !strcmp(v[out - 1], v[i]))
			free(v[i]);
		else
			v[out++] = v[i];
	}
	*names = v;
	return out;
fail:
	rl_strings_free(v, (size_t)n);
	return RL_EIO;
}

char *rl_read_fd(int fd, const char *path, size_t *len, char *err)
{
	char *buf = NULL, *nb;
	size_t cap = 0, used = 0;

	*len = 0;
	for (;;) {
		ssize_t got;

		if (cap - used < 4096 + 1) {
			cap = cap ? 2 * cap : 65536;
			if (cap > (size_t)DATA_MAX_FILE) {
				rl_errf(err, "%s: expected a file under 1 GiB, "
					"found a larger one", path);
				goto fail;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				rl_errf(err, "%s: out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		got = read(fd, buf + used, cap - used - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rl_errf(err, "%s: read failed (%s)", path,
				strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		used += (size_t)got;
	}
	buf[used] = 0;
	*len = used;
	return buf;
fail:
	free(buf);
	return NULL;
}

char *rl_read_file(const char *path, size_t *len, char *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t used;
	char *buf;

	if (len)
		*len = 0;
	if (fd < 0) {
		int e = errno;

		rl_errf(err, "%s: expected a readable file, found %s (%s)",
			path, e == ENOENT ? "nothing" : "an unreadable one",
			strerror(e));
		return NULL;
	}
	buf = rl_read_fd(fd, path, &used, err);
	close(fd);
	if (!buf)
		return NULL;
	/* every reader takes the text as a C string: a NUL byte would cut it
	 * short silently (a measured CSV lost its later rows) */
	{
		const char *nul = memchr(buf, 0, used);

		if (nul) {
			size_t line = 1;

			for (const char *p = buf; p < nul; p++)
				line += *p == '\n';
			rl_errf(err, "%s:%zu: expected text, found a NUL byte (byte %zu)",
				path, line, (size_t)(nul - buf));
			free(buf);
			return NULL;
		}
	}
	if (len)
		*len = used;
	return buf;
}
