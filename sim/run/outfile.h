/*
 * outfile.h — writing files into an output directory without ever leaving
 * a half-written one: every file is written under a temporary
 * name in the same directory, flushed, fsync'd and then renamed over NAME,
 * which is atomic on POSIX file systems. Temporary names in flight are
 * registered so that SIGINT/SIGTERM/SIGHUP remove them before the process
 * dies (out_signals_install()).
 *
 * DIR may be shared with others (a group directory, /tmp): nothing here
 * writes through a name someone else could have planted. A temporary is
 * ".NAME.ridgeline-XXXXXXXXXXXX.tmp", twelve random letters and digits
 * (62^12 ≈ 3·10^21 names), created with O_CREAT|O_EXCL|O_NOFOLLOW, so a
 * link or file already there makes the open fail and another name is
 * drawn; final names are replaced by rename(2), which replaces a link
 * rather than following it.
 *
 * One writer per directory: out_dir_lock() takes an flock(2) on
 * DIR/.ridgeline.lock for as long as the process lives (run and validate
 * take it before writing anything). Holding it is what proves that a
 * temporary of ridgeline's naming pattern left in DIR belongs to a dead
 * process — whatever its pid, in whatever pid namespace — so only the lock
 * holder cleans up (out_clean_stale()), and only such names.
 *
 */
#ifndef RL_RUN_OUTFILE_H
#define RL_RUN_OUTFILE_H

#include <limits.h>
#include <stdio.h>
#include <sys/types.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

struct out_file {
	FILE *f;              /* write here between open and commit */
	char tmp[PATH_MAX];   /* temporary name, registered for cleanup */
	char path[PATH_MAX];  /* final name */
	int slot;             /* index in the cleanup registry, -1 if none */
};

/* Install handlers for SIGINT, SIGTERM and SIGHUP that unlink registered
 * temporary files and then die of the same signal. Idempotent. */
void out_signals_install(void);

/* Register / unregister a temporary path for cleanup on a signal (used
 * for files written by others, e.g. gnuplot). Register returns a slot or
 * -1 when the registry is full (16 entries). */
int out_tmp_register(const char *path);
/* Forget slot (from out_tmp_register; -1 is allowed). */
void out_tmp_unregister(int slot);

/* The child process (gnuplot) writing registered temporaries, 0 for
 * none: a signal kills it before the temporaries are removed. */
void out_child_set(pid_t pid);

/* Create an empty temporary file for DIR/NAME under a fresh random name
 * (see above), written into out; returns its descriptor (O_WRONLY,
 * O_CLOEXEC), or -1 with err filled. The caller registers, closes and
 * renames or unlinks it. Thread-safe. */
int out_tmp_create(char *out, size_t len, const char *dir, const char *name,
		   char *err);

/* Whether a directory entry name is one of out_tmp_create()'s. */
int out_tmp_is_ours(const char *entry);

/* Open DIR/NAME for writing under a temporary name (out_tmp_create()). */
int out_file_open(struct out_file *o, const char *dir, const char *name,
		  char *err);
/* PATH as a directory and a file name: "." when PATH has no slash, "/"
 * for a file in the root; NAME is empty when PATH ends in a slash. */
void out_split_path(const char *path, char *dir, size_t dl, char *name,
		    size_t nl);
/* out_file_open() of PATH's directory and file name; RL_EINPUT ("PATH:
 * expected a file name") when it names none. */
int out_file_open_path(struct out_file *o, const char *path, char *err);
/* Flush, fsync, close and rename over the final name; on any failure the
 * temporary file is removed. */
int out_file_commit(struct out_file *o, char *err);
/* Close and remove the temporary file. Safe after commit (no-op). */
void out_file_abort(struct out_file *o);

/* Rename a finished temporary file to its final name and fsync the
 * directory. */
int out_rename(const char *tmp, const char *path, char *err);

/* Create DIR (and its parents) if missing. */
int out_mkdir_p(const char *dir, char *err);

#define OUT_LOCK_NAME ".ridgeline.lock"

/* Take the exclusive lock on DIR (which must exist): an flock(2) on
 * DIR/OUT_LOCK_NAME, created if absent (never through a link), holding the
 * holder's pid for messages. Returns the descriptor to keep open (the lock
 * goes with it, or with the process). If another process holds it: -1,
 * err = "DIR: another ridgeline (pid N) is writing into this directory;
 * wait for it to finish or choose another output directory". */
int out_dir_lock(const char *dir, char *err);
/* Release the lock: close fd (-1 is allowed). */
void out_dir_unlock(int fd);

/* Remove the temporaries of dead ridgeline processes from DIR: regular
 * files named as out_tmp_create() names them, owned by this user. Call only
 * while holding out_dir_lock(DIR) — the lock proves their writer is gone.
 * Anything else in DIR (other programs' files, links) is left alone.
 * Returns the number removed. */
int out_clean_stale(const char *dir);

/* What a command does with its output directory before it writes
 * anything: make DIR (out_mkdir_p()), take its lock (out_dir_lock()) and
 * remove the temporaries of dead runs (out_clean_stale()). Returns the
 * lock's descriptor (release it with out_dir_unlock(), or keep it until
 * the process exits), or -1 with err filled. */
int out_dir_open(const char *dir, char *err);

#endif
