/*
 * jsonv.c — strict JSON validation over cJSON (see jsonv.h).
 *
 * The functions here check one node each and format the single-line error
 * message at the point of failure, where the path and the offending value
 * are both at hand; callers only propagate the return code.
 */
#include "hw/jsonv.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define FOUND_LEN 64   /* longest "found" text, including "..." */
#define EXPECT_LEN 320 /* longest "expected" text */

static const char *file_of(const struct jsonv *v)
{
	return v && v->file && v->file[0] ? v->file : "(input)";
}

static char *err_of(const struct jsonv *v)
{
	return v ? v->err : NULL;
}

void jsonv_describe(const cJSON *item, char *buf, size_t len)
{
	char *s;

	if (!item) {
		snprintf(buf, len, "nothing");
		return;
	}
	/* cJSON prints an overflowed number (1e999 -> inf) as "null". */
	if (cJSON_IsNumber(item) && !isfinite(item->valuedouble)) {
		snprintf(buf, len, "a number beyond double range");
		return;
	}
	s = cJSON_PrintUnformatted(item);
	if (!s) {
		snprintf(buf, len, "an unprintable value");
		return;
	}
	/* cJSON escapes C0 controls in strings; DEL, C1 and anything else
	 * a terminal would act on are escaped here */
	rl_escape(s, buf, len < FOUND_LEN ? len : FOUND_LEN, 0);
	cJSON_free(s);
}

int jsonv_fail(const struct jsonv *v, const char *path, const cJSON *found,
	       const char *expected_fmt, ...)
{
	char expect[EXPECT_LEN], got[FOUND_LEN];
	va_list ap;

	va_start(ap, expected_fmt);
	vsnprintf(expect, sizeof expect, expected_fmt, ap);
	va_end(ap);
	jsonv_describe(found, got, sizeof got);
	rl_errf(err_of(v), "%s: %s: expected %s, found %s", file_of(v),
		path ? path : "$", expect, got);
	return RL_EINPUT;
}

static int is_identifier(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

void jsonv_path_key(char *out, size_t len, const char *parent,
		    const char *key)
{
	char q[64];

	if (is_identifier(key)) {
		snprintf(out, len, "%s.%s", parent, key);
		return;
	}
	/* Odd keys go in brackets, quotes and control bytes escaped. */
	rl_escape(key ? key : "", q, sizeof q, 1);
	snprintf(out, len, "%s[\"%s\"]", parent, q);
}

void jsonv_path_index(char *out, size_t len, const char *parent, int i)
{
	snprintf(out, len, "%s[%d]", parent, i);
}

/*
 * A strict RFC 8259 syntax scan that stops at the first offending byte.
 * cJSON is more lenient (it takes "01" or "1." through strtod) and its
 * error pointer lands one byte past some errors (a non-string key), so the
 * scan decides validity and the error position; cJSON builds the tree.
 * O(n), no allocation; nesting is capped like cJSON's.
 */
#define SCAN_DEPTH 1000

static size_t scan_ws(const char *s, size_t i)
{
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	return i;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Each scanner advances *i past what it accepts; on error *i is the
 * offending byte and -1 is returned. */
static int scan_value(const char *s, size_t *i, int depth);

/* Value of the 4 hex digits at s, or -1. */
static long hex4(const char *s)
{
	long v = 0;

	for (int k = 0; k < 4; k++) {
		if (!isxdigit((unsigned char)s[k]))
			return -1;
		v = v * 16 + (isdigit((unsigned char)s[k]) ? s[k] - '0' :
			      tolower((unsigned char)s[k]) - 'a' + 10);
	}
	return v;
}

/* A string: UTF-8 throughout, no raw control character, escapes as RFC
 * 8259 has them, and two more refusals that every reader relies on: no
 * \u0000 (C strings would silently end there) and no lone UTF-16
 * surrogate (no UTF-8 form). */
static int scan_string(const char *s, size_t *i)
{
	size_t j = *i + 1;

	for (;;) {
		unsigned char c = (unsigned char)s[j];
		unsigned cp;
		int n;

		if (c == '"')
			break;
		if (c < 0x20) /* control character, or the end of the text */
			goto fail;
		if (c >= 0x80) {
			if (!(n = rl_utf8_seq((const unsigned char *)s + j, &cp)))
				goto fail;
			j += (size_t)n;
			continue;
		}
		if (c == '\\') {
			c = (unsigned char)s[++j];
			if (c == 'u') {
				long u = hex4(s + j + 1);

				if (u < 0) {
					for (int k = 1; k <= 4; k++)
						if (!isxdigit((unsigned char)s[j + k])) {
							j += (size_t)k;
							goto fail;
						}
				}
				if (u == 0 || (u >= 0xDC00 && u <= 0xDFFF)) {
					j--; /* at the backslash */
					goto fail;
				}
				if (u >= 0xD800 && u <= 0xDBFF) {
					long lo = s[j + 5] == '\\' && s[j + 6] == 'u' ?
						  hex4(s + j + 7) : -1;

					if (lo < 0xDC00 || lo > 0xDFFF) {
						j--;
						goto fail;
					}
					j += 6;
				}
				j += 4;
			} else if (!c || !strchr("\"\\/bfnrt", c)) {
				goto fail;
			}
		}
		j++;
	}
	*i = j + 1;
	return 0;
fail:
	*i = j;
	return -1;
}

static int scan_number(const char *s, size_t *i)
{
	size_t j = *i;

	if (s[j] == '-')
		j++;
	if (s[j] == '0')
		j++;
	else if (is_digit(s[j]))
		while (is_digit(s[j]))
			j++;
	else
		goto fail;
	if (s[j] == '.') {
		if (!is_digit(s[++j]))
			goto fail;
		while (is_digit(s[j]))
			j++;
	}
	if (s[j] == 'e' || s[j] == 'E') {
		j++;
		if (s[j] == '+' || s[j] == '-')
			j++;
		if (!is_digit(s[j]))
			goto fail;
		while (is_digit(s[j]))
			j++;
	}
	*i = j;
	return 0;
fail:
	*i = j;
	return -1;
}

static int scan_container(const char *s, size_t *i, int depth)
{
	char close = s[*i] == '{' ? '}' : ']';
	size_t j = scan_ws(s, *i + 1);

	if (depth >= SCAN_DEPTH)
		return -1;
	if (s[j] == close) {
		*i = j + 1;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			if (s[j] != '"' || scan_string(s, &j))
				goto fail;
			j = scan_ws(s, j);
			if (s[j] != ':')
				goto fail;
			j = scan_ws(s, j + 1);
		}
		if (scan_value(s, &j, depth + 1))
			goto fail;
		j = scan_ws(s, j);
		if (s[j] == close) {
			*i = j + 1;
			return 0;
		}
		if (s[j] != ',')
			goto fail;
		j = scan_ws(s, j + 1);
	}
fail:
	*i = j;
	return -1;
}

static int scan_value(const char *s, size_t *i, int depth)
{
	static const char *const lits[] = {"true", "false", "null"};

	switch (s[*i]) {
	case '{':
	case '[':
		return scan_container(s, i, depth);
	case '"':
		return scan_string(s, i);
	default:
		break;
	}
	if (s[*i] == '-' || is_digit(s[*i]))
		return scan_number(s, i);
	for (int k = 0; k < 3; k++) {
		size_t n = strlen(lits[k]);

		if (!strncmp(s + *i, lits[k], n)) {
			*i += n;
			return 0;
		}
	}
	return -1;
}

/* Offset of the first syntax error in text, or (size_t)-1 if none. */
static size_t scan_error(const char *text)
{
	size_t i = scan_ws(text, 0);

	/* A UTF-8 byte-order mark is tolerated, as cJSON does. */
	if (!strncmp(text + i, "\xEF\xBB\xBF", 3))
		i = scan_ws(text, i + 3);
	if (scan_value(text, &i, 0))
		return i;
	i = scan_ws(text, i);
	return text[i] ? i : (size_t)-1;
}

static int syntax_error(const struct jsonv *v, const char *text, size_t pos)
{
	const char *p;
	char snip[32 * 6 + 4], piece[8];
	size_t j = 0, first = scan_ws(text, 0);
	unsigned cp;
	int line = 1, col = 1, k;

	if (!strncmp(text + first, "\xEF\xBB\xBF", 3))
		first = scan_ws(text, first + 3);
	/* A file that does not even start like a JSON object is not echoed:
	 * it may be anything (a password file, an environment). */
	if (text[first] && text[first] != '{') {
		rl_errf(err_of(v), "%s: not a JSON file (expected a JSON object, "
			"starting with '{')", file_of(v));
		return RL_EINPUT;
	}
	for (p = text; p < text + pos; p++) {
		if (*p == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)*p & 0xC0) != 0x80) {
			col++; /* columns count characters, not UTF-8 bytes */
		}
	}
	if ((unsigned char)text[pos] >= 0x80 &&
	    !rl_utf8_seq((const unsigned char *)text + pos, &cp)) {
		rl_errf(err_of(v), "%s: line %d, column %d (byte %zu): expected "
			"UTF-8 text, found byte 0x%02X", file_of(v), line, col,
			pos, (unsigned char)text[pos]);
		return RL_EINPUT;
	}
	if (!strncmp(text + pos, "\\u", 2) && hex4(text + pos + 2) >= 0) {
		long u = hex4(text + pos + 2);

		rl_errf(err_of(v), "%s: line %d, column %d (byte %zu): expected "
			"a string without %s, found \\u%04lX", file_of(v), line,
			col, pos, u == 0 ? "\\u0000 (NUL)" : "a lone UTF-16 surrogate",
			u);
		return RL_EINPUT;
	}
	/* up to 20 characters from the error on, escaped to one printable
	 * line */
	for (p = text + pos, k = 0; *p && *p != '\n' && k < 20; k++) {
		p += rl_escape_char(p, 1, piece);
		memcpy(snip + j, piece, strlen(piece));
		j += strlen(piece);
	}
	snip[j] = 0;
	if (j == 0)
		rl_errf(err_of(v), "%s: line %d, column %d (byte %zu): expected "
			"valid JSON, found end of %s", file_of(v), line, col,
			pos, text[pos] ? "line" : "input");
	else
		rl_errf(err_of(v), "%s: line %d, column %d (byte %zu): expected "
			"valid JSON, found \"%s%s\"", file_of(v), line, col, pos,
			snip, *p && *p != '\n' ? "..." : "");
	return RL_EINPUT;
}

int jsonv_parse(const struct jsonv *v, const char *text, cJSON **out)
{
	const char *end = NULL;
	size_t pos;
	cJSON *root;

	*out = NULL;
	if (!text) {
		rl_errf(err_of(v), "%s: expected JSON text, found nothing",
			file_of(v));
		return RL_EINPUT;
	}
	pos = scan_error(text);
	if (pos != (size_t)-1)
		return syntax_error(v, text, pos);
	/* The scan passed; cJSON can still refuse (e.g. memory). Its error
	 * position comes through `end`, the thread-safe twin of
	 * cJSON_GetErrorPtr(). */
	root = cJSON_ParseWithOpts(text, &end, 1);
	if (!root)
		return syntax_error(v, text, end && end >= text
					     ? (size_t)(end - text) : 0);
	if (!cJSON_IsObject(root)) {
		jsonv_fail(v, "$", root, "an object");
		cJSON_Delete(root);
		return RL_EINPUT;
	}
	*out = root;
	return RL_OK;
}

/* Edit distance of two short keys, for "did you mean"; large if too long. */
static int distance(const char *a, const char *b)
{
	int d[64], la = (int)strlen(a), lb = (int)strlen(b);

	if (la >= 63 || lb >= 63)
		return 99;
	for (int j = 0; j <= lb; j++)
		d[j] = j;
	for (int i = 1; i <= la; i++) {
		int diag = d[0];

		d[0] = i;
		for (int j = 1; j <= lb; j++) {
			int up = d[j], best = diag + (tolower((unsigned char)a[i - 1]) !=
						      tolower((unsigned char)b[j - 1]));

			if (up + 1 < best)
				best = up + 1;
			if (d[j - 1] + 1 < best)
				best = d[j - 1] + 1;
			diag = up;
			d[j] = best;
		}
	}
	return d[lb];
}

static int in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (!strcmp(*list, s))
			return 1;
	return 0;
}

static void join(const char *const *list, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (const char *const *p = list; p && *p && used < len; p++) {
		int n = snprintf(buf + used, len - used, "%s%s",
				 p == list ? "" : ", ", *p);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

int jsonv_object(const struct jsonv *v, const cJSON *node, const char *path,
		 const char *const *allowed)
{
	char keypath[JSONV_PATH_LEN], keys[EXPECT_LEN - 32], key[FOUND_LEN];
	char hint[FOUND_LEN + 24];

	if (!cJSON_IsObject(node))
		return jsonv_fail(v, path, node, "an object");
	for (const cJSON *c = node->child; c; c = c->next) {
		const char *best = NULL;
		int bestd = 3;

		jsonv_path_key(keypath, sizeof keypath, path, c->string);
		for (const cJSON *d = node->child; d != c; d = d->next)
			if (!strcmp(d->string, c->string)) {
				rl_escape(c->string, key, sizeof key, 1);
				rl_errf(err_of(v), "%s: %s: expected each key once, "
					"found \"%s\" again", file_of(v),
					keypath, key);
				return RL_EINPUT;
			}
		if (in_list(allowed, c->string))
			continue;
		for (const char *const *a = allowed; a && *a; a++) {
			int dd = distance(c->string, *a);

			if (dd < bestd) {
				bestd = dd;
				best = *a;
			}
		}
		hint[0] = 0;
		if (best)
			snprintf(hint, sizeof hint, " (did you mean \"%s\"?)",
				 best);
		join(allowed, keys, sizeof keys);
		rl_escape(c->string, key, sizeof key, 1);
		rl_errf(err_of(v), "%s: %s: expected a key in {%s}, found "
			"unknown key \"%s\"%s", file_of(v), keypath, keys, key,
			hint);
		return RL_EINPUT;
	}
	return RL_OK;
}

int jsonv_member(const struct jsonv *v, const cJSON *obj, const char *path,
		 const char *key, int required, const char *what,
		 const cJSON **out)
{
	char keypath[JSONV_PATH_LEN];
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = m;
	if (m || !required)
		return RL_OK;
	jsonv_path_key(keypath, sizeof keypath, path, key);
	return jsonv_fail(v, keypath, NULL, "%s", what);
}

void jsonv_range_text(const struct jsonv_range *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s in [%.15g, %.15g]",
		 r->integer ? "an integer" : "a number", r->min, r->max);
}

int jsonv_number(const struct jsonv *v, const cJSON *node, const char *path,
		 const struct jsonv_range *r, double *out)
{
	char what[96];
	double x;

	jsonv_range_text(r, what, sizeof what);
	if (!cJSON_IsNumber(node))
		return jsonv_fail(v, path, node, "%s", what);
	x = node->valuedouble;
	if (!isfinite(x) || x < r->min || x > r->max ||
	    (r->integer && x != floor(x)))
		return jsonv_fail(v, path, node, "%s", what);
	*out = x;
	return RL_OK;
}

int jsonv_bool(const struct jsonv *v, const cJSON *node, const char *path,
	       int *out)
{
	if (!cJSON_IsBool(node))
		return jsonv_fail(v, path, node, "true or false");
	*out = cJSON_IsTrue(node);
	return RL_OK;
}

/* Shared string checks; maxlen is the longest accepted length in bytes. */
static int check_string(const struct jsonv *v, const cJSON *node,
			const char *path, size_t maxlen)
{
	const char *s;

	if (!cJSON_IsString(node) || !node->valuestring ||
	    !node->valuestring[0])
		return jsonv_fail(v, path, node, "a non-empty string");
	if (strlen(node->valuestring) > maxlen)
		return jsonv_fail(v, path, node,
				  "a string of at most %zu bytes", maxlen);
	/* C0, DEL and C1 (U+0080–U+009F: the terminal's CSI among them);
	 * the text is UTF-8 (the scan made sure) */
	for (s = node->valuestring; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f ||
		    ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] >= 0x80 &&
		     (unsigned char)s[1] <= 0x9F))
			return jsonv_fail(v, path, node,
					  "a string without control characters");
	return RL_OK;
}

int jsonv_string(const struct jsonv *v, const cJSON *node, const char *path,
		 char *buf, size_t size)
{
	int rc = check_string(v, node, path, size - 1);

	if (rc)
		return rc;
	memcpy(buf, node->valuestring, strlen(node->valuestring) + 1);
	return RL_OK;
}

int jsonv_string_dup(const struct jsonv *v, const cJSON *node,
		     const char *path, size_t maxlen, char **out)
{
	int rc = check_string(v, node, path, maxlen);

	if (rc)
		return rc;
	*out = strdup(node->valuestring);
	if (!*out) {
		rl_errf(err_of(v), "%s: %s: out of memory", file_of(v), path);
		return RL_EIO;
	}
	return RL_OK;
}

#define NAME_WHAT "a name of letters, digits, '.', '_', '+', '-'"

int jsonv_name(const struct jsonv *v, const cJSON *node, const char *path,
	       char *buf, size_t size)
{
	if (!cJSON_IsString(node) || !node->valuestring ||
	    !node->valuestring[0])
		return jsonv_fail(v, path, node, NAME_WHAT);
	for (const char *s = node->valuestring; *s; s++)
		if (!(isalnum((unsigned char)*s) || strchr("._+-", *s)))
			return jsonv_fail(v, path, node, NAME_WHAT);
	return jsonv_string(v, node, path, buf, size);
}

static void enum_text(const char *const *names, char *buf, size_t len)
{
	size_t used = snprintf(buf, len, "one of");

	for (const char *const *p = names; *p && used < len; p++) {
		int n = snprintf(buf + used, len - used, "%s \"%s\"",
				 p == names ? "" : ",", *p);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

int jsonv_enum(const struct jsonv *v, const cJSON *node, const char *path,
	       const char *const *names, int *out)
{
	char what[EXPECT_LEN - 32];

	if (cJSON_IsString(node) && node->valuestring)
		for (int i = 0; names[i]; i++)
			if (!strcmp(node->valuestring, names[i])) {
				*out = i;
				return RL_OK;
			}
	enum_text(names, what, sizeof what);
	return jsonv_fail(v, path, node, "%s", what);
}

int jsonv_numbers(const struct jsonv *v, const cJSON *node, const char *path,
		  const struct jsonv_range *r, size_t max_n, double **out,
		  size_t *n)
{
	char ipath[JSONV_PATH_LEN];
	int count, rc;
	double *x;

	*out = NULL;
	*n = 0;
	count = cJSON_IsArray(node) ? cJSON_GetArraySize(node) : 0;
	if (count == 0)
		return jsonv_fail(v, path, node, "a non-empty array of numbers");
	if ((size_t)count > max_n)
		return jsonv_fail(v, path, node,
				  "an array of at most %zu numbers", max_n);
	x = malloc((size_t)count * sizeof *x);
	if (!x) {
		rl_errf(err_of(v), "%s: %s: out of memory", file_of(v), path);
		return RL_EIO;
	}
	count = 0;
	for (const cJSON *c = node->child; c; c = c->next, count++) {
		jsonv_path_index(ipath, sizeof ipath, path, count);
		rc = jsonv_number(v, c, ipath, r, &x[count]);
		if (rc) {
			free(x);
			return rc;
		}
	}
	*out = x;
	*n = (size_t)count;
	return RL_OK;
}

int jsonv_strings(const struct jsonv *v, const cJSON *node, const char *path,
		  size_t maxlen, size_t max_n, char ***out, size_t *n)
{
	char ipath[JSONV_PATH_LEN];
	int count, rc;
	char **s;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	count = cJSON_IsArray(node) ? cJSON_GetArraySize(node) : 0;
	if (count == 0)
		return jsonv_fail(v, path, node, "a non-empty array of strings");
	if ((size_t)count > max_n)
		return jsonv_fail(v, path, node,
				  "an array of at most %zu strings", max_n);
	s = calloc((size_t)count, sizeof *s);
	if (!s) {
		rl_errf(err_of(v), "%s: %s: out of memory", file_of(v), path);
		return RL_EIO;
	}
	for (const cJSON *c = node->child; c; c = c->next, i++) {
		jsonv_path_index(ipath, sizeof ipath, path, (int)i);
		rc = jsonv_string_dup(v, c, ipath, maxlen, &s[i]);
		if (rc)
			goto fail;
	}
	*out = s;
	*n = i;
	return RL_OK;
fail:
	rl_strings_free(s, (size_t)count);
	return rc;
}

/* The half every jsonv_get_* shares: the member `key` of obj (`what`
 * says what is expected, for the message when a required one is
 * missing), whether it is there (*present, may be NULL) and its path
 * (kpath, JSONV_PATH_LEN bytes). *m is NULL, and RL_OK returned, when an
 * optional member is absent. */
static int get_member(const struct jsonv *v, const cJSON *obj,
		      const char *path, const char *key, int required,
		      const char *what, const cJSON **m, int *present,
		      char *kpath)
{
	int rc = jsonv_member(v, obj, path, key, required, what, m);

	if (present)
		*present = *m != NULL;
	if (!rc && *m)
		jsonv_path_key(kpath, JSONV_PATH_LEN, path, key);
	return rc;
}

int jsonv_get_number(const struct jsonv *v, const cJSON *obj,
		     const char *path, const char *key, int required,
		     const struct jsonv_range *r, double *out, int *present)
{
	char what[96], kpath[JSONV_PATH_LEN];
	const cJSON *m;
	int rc;

	jsonv_range_text(r, what, sizeof what);
	if ((rc = get_member(v, obj, path, key, required, what, &m, present,
			     kpath)) || !m)
		return rc;
	return jsonv_number(v, m, kpath, r, out);
}

int jsonv_get_string(const struct jsonv *v, const cJSON *obj,
		     const char *path, const char *key, int required,
		     char *buf, size_t size, int *present)
{
	char kpath[JSONV_PATH_LEN];
	const cJSON *m;
	int rc;

	if ((rc = get_member(v, obj, path, key, required, "a non-empty string",
			     &m, present, kpath)) || !m)
		return rc;
	return jsonv_string(v, m, kpath, buf, size);
}

int jsonv_get_name(const struct jsonv *v, const cJSON *obj, const char *path,
		   const char *key, int required, char *buf, size_t size,
		   int *present)
{
	char kpath[JSONV_PATH_LEN];
	const cJSON *m;
	int rc;

	if ((rc = get_member(v, obj, path, key, required, NAME_WHAT, &m,
			     present, kpath)) || !m)
		return rc;
	return jsonv_name(v, m, kpath, buf, size);
}

int jsonv_get_enum(const struct jsonv *v, const cJSON *obj, const char *path,
		   const char *key, int required, const char *const *names,
		   int *out, int *present)
{
	char what[EXPECT_LEN - 32], kpath[JSONV_PATH_LEN];
	const cJSON *m;
	int rc;

	enum_text(names, what, sizeof what);
	if ((rc = get_member(v, obj, path, key, required, what, &m, present,
			     kpath)) || !m)
		return rc;
	return jsonv_enum(v, m, kpath, names, out);
}

int jsonv_get_object(const struct jsonv *v, const cJSON *obj,
		     const char *path, const char *key, int required,
		     const char *const *allowed, const cJSON **out)
{
	char kpath[JSONV_PATH_LEN];
	int rc;

	if ((rc = get_member(v, obj, path, key, required, "an object", out,
			     NULL, kpath)) || !*out)
		return rc;
	return jsonv_object(v, *out, kpath, allowed);
}
