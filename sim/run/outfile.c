/*
 * outfile.c — atomic output files, the cleanup registry for signals, the
 * output-directory lock (see outfile.h).
 */
#include "config.h"

#include "sim/run/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <stdint.h>
#include <time.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hw/common.h"

/* ---- cleanup registry ------------------------------------------------- */

#define NSLOTS 16

static char reg_path[NSLOTS][PATH_MAX];
static volatile sig_atomic_t reg_used[NSLOTS];
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;

static volatile sig_atomic_t child_pid; /* gnuplot at work, 0 if none */

void out_child_set(pid_t pid)
{
	child_pid = (sig_atomic_t)pid;
}

static void on_signal(int sig)
{
	/* async-signal-safe: kill, waitpid, unlink, signal, raise. The
	 * child goes first so that it cannot recreate a file just removed. */
	if (child_pid > 0) {
		kill((pid_t)child_pid, SIGKILL);
		waitpid((pid_t)child_pid, NULL, 0);
	}
	for (int i = 0; i < NSLOTS; i++)
		if (reg_used[i])
			unlink(reg_path[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

void out_signals_install(void)
{
	static int done;
	struct sigaction sa;

	if (done)
		return;
	done = 1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int out_tmp_register(const char *path)
{
	int slot = -1;

	pthread_mutex_lock(&reg_lock);
	for (int i = 0; i < NSLOTS && slot < 0; i++)
		if (!reg_used[i]) {
			snprintf(reg_path[i], PATH_MAX, "%s", path);
			reg_used[i] = 1; /* set after the path is complete */
			slot = i;
		}
	pthread_mutex_unlock(&reg_lock);
	return slot;
}

void out_tmp_unregister(int slot)
{
	if (slot < 0 || slot >= NSLOTS)
		return;
	pthread_mutex_lock(&reg_lock);
	reg_used[slot] = 0;
	pthread_mutex_unlock(&reg_lock);
}

/* ---- temporary names ------------------------------------------------ */

#define TMP_TAG ".ridgeline-"
#define TMP_RANDOM 12
#define TMP_SUFFIX ".tmp"

static const char alnum[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* TMP_RANDOM random letters and digits. getrandom(2) where it works; else
 * a hash of time, pid, address and a counter (unpredictable enough that a
 * planted name is a lucky guess, and O_EXCL makes a hit harmless). */
static void random_letters(char *out)
{
	unsigned char r[TMP_RANDOM];
	static unsigned long counter;

	if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		struct timespec ts;
		uint64_t h;

		clock_gettime(CLOCK_REALTIME, &ts);
		h = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
		    ((uint64_t)getpid() << 16) ^ (uint64_t)(uintptr_t)out ^
		    (uint64_t)__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) * 0x9e3779b97f4a7c15ULL;
		for (size_t i = 0; i < sizeof r; i++) {
			h ^= h >> 33;
			h *= 0xff51afd7ed558ccdULL;
			h ^= h >> 29;
			r[i] = (unsigned char)h;
		}
	}
	for (size_t i = 0; i < sizeof r; i++)
		out[i] = alnum[r[i] % (sizeof alnum - 1)];
	out[TMP_RANDOM] = 0;
}

int out_tmp_create(char *out, size_t len, const char *dir, const char *name,
		   char *err)
{
	int e = EEXIST;

	/* a collision with a live name (ours or planted) is astronomically
	 * rare with random names; a few draws settle it */
	for (int tries = 0; tries < 64; tries++) {
		char letters[TMP_RANDOM + 1];
		int n, fd;

		random_letters(letters);
		n = snprintf(out, len, "%s/.%s" TMP_TAG "%s" TMP_SUFFIX, dir,
			     name, letters);
		if (n < 0 || (size_t)n >= len) {
			rl_errf(err, "%s/%s: path too long", dir, name);
			return -1;
		}
		fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			  O_CLOEXEC, 0666);
		if (fd >= 0)
			return fd;
		e = errno;
		if (e != EEXIST)
			break;
	}
	rl_errf(err, "%s: cannot create: %s", out, strerror(e));
	return -1;
}

int out_tmp_is_ours(const char *entry)
{
	size_t n = strlen(entry), tag = strlen(TMP_TAG), suf = strlen(TMP_SUFFIX);
	const char *r;

	/* ".NAME" TMP_TAG 12×[A-Za-z0-9] TMP_SUFFIX, NAME non-empty */
	if (entry[0] != '.' || n < 2 + tag + TMP_RANDOM + suf ||
	    strcmp(entry + n - suf, TMP_SUFFIX))
		return 0;
	r = entry + n - suf - TMP_RANDOM;
	if (strncmp(r - tag, TMP_TAG, tag))
		return 0;
	for (int i = 0; i < TMP_RANDOM; i++)
		if (!r[i] || !strchr(alnum, r[i]))
			return 0;
	return 1;
}

/* ---- atomic files ----------------------------------------------------- */

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	int rc = 0;

	if (fd < 0)
		return -1;
	if (fsync(fd) != 0 && errno != EINVAL)
		rc = -1;
	close(fd);
	return rc;
}

int out_file_open(struct out_file *o, const char *dir, const char *name,
		  char *err)
{
	int fd;

	o->f = NULL;
	o->slot = -1;
	snprintf(o->path, sizeof o->path, "%s/%s", dir, name);
	if ((fd = out_tmp_create(o->tmp, sizeof o->tmp, dir, name, err)) < 0)
		return RL_EIO;
	o->slot = out_tmp_register(o->tmp);
	if (!(o->f = fdopen(fd, "w"))) {
		rl_errf(err, "%s: cannot create: %s", o->tmp, strerror(errno));
		close(fd);
		unlink(o->tmp);
		out_tmp_unregister(o->slot);
		o->slot = -1;
		return RL_EIO;
	}
	return RL_OK;
}

void out_split_path(const char *path, char *dir, size_t dl, char *name,
		    size_t nl)
{
	const char *s = strrchr(path, '/');

	if (!s) {
		snprintf(dir, dl, ".");
		snprintf(name, nl, "%s", path);
	} else {
		snprintf(dir, dl, "%.*s", (int)(s > path ? s - path : 1), path);
		snprintf(name, nl, "%s", s + 1);
	}
}

int out_file_open_path(struct out_file *o, const char *path, char *err)
{
	char dir[PATH_MAX], name[PATH_MAX];

	out_split_path(path, dir, sizeof dir, name, sizeof name);
	if (!*name) {
		o->f = NULL;
		o->slot = -1;
		rl_errf(err, "%s: expected a file name", path);
		return RL_EINPUT;
	}
	return out_file_open(o, dir, name, err);
}

int out_rename(const char *tmp, const char *path, char *err)
{
	char dir[PATH_MAX], *slash;

	if (rename(tmp, path) != 0) {
		rl_errf(err, "%s: cannot rename to %s: %s", tmp, path,
			strerror(errno));
		unlink(tmp);
		return RL_EIO;
	}
	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	fsync_dir(slash ? dir : ".");
	return RL_OK;
}

int out_file_commit(struct out_file *o, char *err)
{
	int rc = RL_OK;

	if (!o->f)
		return RL_EIO;
	if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0) {
		rl_errf(err, "%s: write failed: %s", o->tmp, strerror(errno));
		rc = RL_EIO;
	}
	if (fclose(o->f) != 0 && rc == RL_OK) {
		rl_errf(err, "%s: write failed: %s", o->tmp, strerror(errno));
		rc = RL_EIO;
	}
	o->f = NULL;
	if (rc == RL_OK)
		rc = out_rename(o->tmp, o->path, err);
	else
		unlink(o->tmp);
	out_tmp_unregister(o->slot);
	o->slot = -1;
	return rc;
}

void out_file_abort(struct out_file *o)
{
	if (!o->f)
		return;
	fclose(o->f);
	o->f = NULL;
	unlink(o->tmp);
	out_tmp_unregister(o->slot);
	o->slot = -1;
}

int out_mkdir_p(const char *dir, char *err)
{
	char buf[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof buf) {
		rl_errf(err, "%s: bad output directory name", dir);
		return RL_EINPUT;
	}
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == 0) {
			char c = *p;

			*p = 0;
			if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
				rl_errf(err, "%s: cannot create directory: %s",
					buf, strerror(errno));
				return RL_EIO;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	{
		struct stat st;

		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			rl_errf(err, "%s: not a directory", dir);
			return RL_EIO;
		}
	}
	return RL_OK;
}

/* ---- the directory lock ---------------------------------------------- */

int out_dir_lock(const char *dir, char *err)
{
	char path[PATH_MAX], pid[32];
	struct stat st;
	int fd, n;

	if ((size_t)snprintf(path, sizeof path, "%s/" OUT_LOCK_NAME, dir) >= sizeof path) {
		rl_errf(err, "%s: path too long", dir);
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		  0666);
	if (fd < 0) {
		rl_errf(err, "%s: cannot create the lock file: %s%s", path,
			strerror(errno), errno == ELOOP ?
			" (a symbolic link; ridgeline does not follow links in its output directory)" : "");
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rl_errf(err, "%s: expected ridgeline's lock file, found something that is not a regular file; remove it",
			path);
		close(fd);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		if (e == EWOULDBLOCK) {
			long holder = 0;

			n = (int)pread(fd, pid, sizeof pid - 1, 0);
			pid[n > 0 ? n : 0] = 0;
			holder = strtol(pid, NULL, 10);
			if (holder > 0)
				rl_errf(err, "%s: another ridgeline (pid %ld) is writing into this directory; wait for it to finish or choose another output directory",
					dir, holder);
			else
				rl_errf(err, "%s: another ridgeline is writing into this directory; wait for it to finish or choose another output directory",
					dir);
		} else {
			rl_errf(err, "%s: cannot lock: %s", path, strerror(e));
		}
		close(fd);
		return -1;
	}
	/* informative only: the lock, not the pid, is the proof */
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n)
		(void)0;
	return fd;
}

void out_dir_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

int out_clean_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int removed = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		if (!out_tmp_is_ours(de->d_name))
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= sizeof path)
			continue;
		/* regular files of ours only: never a link, never another
		 * user's file (a shared directory) */
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
		    st.st_uid != geteuid())
			continue;
		if (unlink(path) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

int out_dir_open(const char *dir, char *err)
{
	int fd;

	if (out_mkdir_p(dir, err) != RL_OK || (fd = out_dir_lock(dir, err)) < 0)
		return -1;
	out_clean_stale(dir);
	return fd;
}
