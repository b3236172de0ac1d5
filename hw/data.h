/*
 * data.h — finding data files (hardware specs, model specs) by name or path.
 *
 * A name without '/' and without ".json" is looked up, in order, in
 *   $RIDGELINE_DATA/<kind>/<name>.json   (if the variable is set)
 *   <source tree>/<kind>/<name>.json     (RL_SRCDIR, compiled in; only for
 *                                         a program run from the build tree,
 *                                         RL_BUILDDIR)
 *   <pkgdatadir>/<kind>/<name>.json      (RL_PKGDATADIR, compiled in)
 * where kind is "hw", "models" or "experiments". Anything else is taken as
 * a path.
 */
#ifndef RL_HW_DATA_H
#define RL_HW_DATA_H

#include <stddef.h>

/* Resolve name_or_path to an existing file; 0 or RL_EINPUT (err says which
 * places were searched). */
int rl_data_find(const char *kind, const char *name_or_path, char *out,
		 size_t outlen, char *err);

/* Names (without .json) available under kind, sorted, de-duplicated across
 * the search path. Returns the count; *names is malloc'd, each entry too;
 * free with rl_strings_free(). Negative on error. */
int rl_data_list(const char *kind, char ***names);

/* Read a whole text file into a NUL-terminated malloc'd buffer; NULL + err.
 * A NUL byte inside the file is refused ("FILE:LINE: expected text, found
 * a NUL byte"), so strlen() of the result is *len. */
char *rl_read_file(const char *path, size_t *len, char *err);
/* The whole of an open file (fd, named path in messages) into a
 * NUL-terminated malloc'd buffer, NUL bytes and all, at most 1 GiB; NULL +
 * err. The one read loop: rl_read_file() and the run journal (which opens
 * without following links) use it. */
char *rl_read_fd(int fd, const char *path, size_t *len, char *err);

#endif
