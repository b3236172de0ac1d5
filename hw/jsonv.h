/*
 * jsonv.h — strict validation of JSON input over cJSON, shared by hardware
 * specs, model specs and experiment files.
 *
 * Every check either passes or writes ONE line into the caller's
 * RL_ERR_LEN buffer and returns RL_EINPUT. The line has the form
 *   FILE: $.json.path: expected X, found Y
 * where Y is the JSON text of the offending value (truncated) or "nothing"
 * when a required key is missing. Malformed JSON is reported as
 *   FILE: line L, column C: expected valid JSON, found "text at that point"
 * except for a text that does not start like a JSON object, which is never
 * echoed ("FILE: not a JSON file ..."): it may be anything (/etc/passwd).
 * Whatever the input holds, a message is one printable line: keys and
 * values in it are escaped and clipped (rl_escape(), hw/common.h).
 * Strictness means: the text is UTF-8 (a byte that is not is reported by
 * its value), no string holds \u0000 or a lone UTF-16 surrogate, unknown
 * keys are errors (the message lists the allowed keys and suggests the
 * closest one), duplicate keys are errors, numbers must be finite and
 * inside a stated range, integers must be integral, strings must be
 * non-empty and free of control characters (C0, DEL, C1).
 *
 * Paths are written as in JSONPath: "$" is the root, ".key" a member
 * (["key"] when the key is not an identifier), "[3]" an array element.
 * Nothing here allocates except the parse tree and the array readers, whose
 * results the caller owns (see each function).
 */
#ifndef RL_HW_JSONV_H
#define RL_HW_JSONV_H

#include <stddef.h>

#include "hw/common.h"

struct cJSON;

#define JSONV_PATH_LEN 160 /* longest path kept; longer ones are truncated */

/* Where messages go: the input's name and the caller's error buffer. */
struct jsonv {
	const char *file; /* names the input in messages, e.g. "hw/x.json" */
	char *err;        /* RL_ERR_LEN bytes, or NULL to discard messages */
};

/* Inclusive range of a number; integer != 0 also demands an integral value. */
struct jsonv_range {
	double min, max; /* inclusive bounds, finite */
	int integer;     /* value must be integral */
};

/* Parse `text` (NUL-terminated) as one JSON object. On success *out is a
 * tree the caller frees with cJSON_Delete(). */
int jsonv_parse(const struct jsonv *v, const char *text, struct cJSON **out);

/* Write "FILE: PATH: expected <printf fmt...>, found <found>" and return
 * RL_EINPUT. found == NULL prints "nothing". */
int jsonv_fail(const struct jsonv *v, const char *path,
	       const struct cJSON *found, const char *expected_fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* JSON text of a value for messages, truncated to fit `len` (≥ 8) with
 * "..."; "nothing" for NULL. */
void jsonv_describe(const struct cJSON *item, char *buf, size_t len);

/* Child paths: ("$.hbm", "efficiency") -> "$.hbm.efficiency";
 * ("$.ops", 2) -> "$.ops[2]". Truncated to `len`. */
void jsonv_path_key(char *out, size_t len, const char *parent,
		    const char *key);
/* ("$.ops", 2) -> "$.ops[2]", truncated to `len`. */
void jsonv_path_index(char *out, size_t len, const char *parent, int i);

/* `node` (at `path`) must be an object whose keys are unique and all in
 * `allowed` (NULL-terminated). */
int jsonv_object(const struct jsonv *v, const struct cJSON *node,
		 const char *path, const char *const *allowed);

/* Member `key` of object `obj` (at `path`). A missing member is an error
 * "expected <what>, found nothing" when `required`; otherwise *out = NULL
 * and 0 is returned. `what` describes the expected value, e.g. "an object". */
int jsonv_member(const struct jsonv *v, const struct cJSON *obj,
		 const char *path, const char *key, int required,
		 const char *what, const struct cJSON **out);

/* "a number in [1, 1024]" / "an integer in [1, 1024]" into buf. */
void jsonv_range_text(const struct jsonv_range *r, char *buf, size_t len);

/* Typed checks of one node at `path`. */
int jsonv_number(const struct jsonv *v, const struct cJSON *node,
		 const char *path, const struct jsonv_range *r, double *out);
/* true or false, as 1 or 0 in *out. */
int jsonv_bool(const struct jsonv *v, const struct cJSON *node,
	       const char *path, int *out);
/* Non-empty string without control characters, shorter than `size`;
 * copied into buf. */
int jsonv_string(const struct jsonv *v, const struct cJSON *node,
		 const char *path, char *buf, size_t size);
/* Same, returned as a malloc'd copy (caller frees); maxlen bytes at most. */
int jsonv_string_dup(const struct jsonv *v, const struct cJSON *node,
		     const char *path, size_t maxlen, char **out);
/* A short name usable in file names and CSV cells: [A-Za-z0-9._+-]+. */
int jsonv_name(const struct jsonv *v, const struct cJSON *node,
	       const char *path, char *buf, size_t size);
/* One of `names` (NULL-terminated); *out receives its index. */
int jsonv_enum(const struct jsonv *v, const struct cJSON *node,
	       const char *path, const char *const *names, int *out);
/* Non-empty array of at most max_n numbers, each in r. *out is malloc'd
 * (caller frees), *n its length. */
int jsonv_numbers(const struct jsonv *v, const struct cJSON *node,
		  const char *path, const struct jsonv_range *r, size_t max_n,
		  double **out, size_t *n);
/* Non-empty array of at most max_n non-empty strings of at most maxlen
 * bytes. *out and each entry are malloc'd; free with rl_strings_free(). */
int jsonv_strings(const struct jsonv *v, const struct cJSON *node,
		  const char *path, size_t maxlen, size_t max_n, char ***out,
		  size_t *n);

/* Member + typed check in one call. For an absent optional member these
 * return 0 and leave *out untouched; *present (may be NULL) says which. */
int jsonv_get_number(const struct jsonv *v, const struct cJSON *obj,
		     const char *path, const char *key, int required,
		     const struct jsonv_range *r, double *out, int *present);
/* A string member into buf (size bytes), as jsonv_string(). */
int jsonv_get_string(const struct jsonv *v, const struct cJSON *obj,
		     const char *path, const char *key, int required,
		     char *buf, size_t size, int *present);
/* A name member ([A-Za-z0-9._+-]+) into buf, as jsonv_name(). */
int jsonv_get_name(const struct jsonv *v, const struct cJSON *obj,
		   const char *path, const char *key, int required, char *buf,
		   size_t size, int *present);
/* A member that must be one of the NULL-terminated `names`: its index. */
int jsonv_get_enum(const struct jsonv *v, const struct cJSON *obj,
		   const char *path, const char *key, int required,
		   const char *const *names, int *out, int *present);
/* Member that must be an object with keys in `allowed`; *out = NULL when
 * an optional one is absent. */
int jsonv_get_object(const struct jsonv *v, const struct cJSON *obj,
		     const char *path, const char *key, int required,
		     const char *const *allowed, const struct cJSON **out);

#endif
