/*
 * cli.c — the helpers every ridgeline subcommand shares (sim/cli/cli.h):
 * integer options, --set overrides, getopt failures, list/show commands,
 * the default -j and the exit status of an error code. Messages for the
 * user are printed here, at the edge. Linked by ridgeline and
 * ridgeline-mpi alike.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/common.h"
#include "hw/spec.h"
#include "sim/cli/cli.h"
#include "sim/run/parallel.h"

/* s as an integer in [lo, hi] for option opt of prog; else one line and
 * -1. */
static int parse_uint(const char *prog, const char *opt, const char *s,
		      unsigned long long lo, unsigned long long hi,
		      unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = s && *s && *s != '-' && *s != '+' ? strtoull(s, &end, 10) : 0;
	if (!s || !*s || *s == '-' || *s == '+' || errno || *end || v < lo ||
	    v > hi) {
		fprintf(stderr, "%s: %s: expected an integer in [%llu, %llu], "
				"found '%s'\n", prog, opt, lo, hi, s ? s : "");
		return -1;
	}
	*out = v;
	return 0;
}

int cli_apply_sets(const char *cmd, struct hw_spec *hw,
		   const struct cli_sets *s)
{
	const char *const *sets = s->v;
	int n = s->n;
	char err[RL_ERR_LEN], path[128];

	/* a what-if of the GPU as loaded: its kernel stays a candidate
	 * (gpu.h) */
	if (n && hw_spec_what_if(hw, 0) != RL_OK) {
		fprintf(stderr, "ridgeline %s: out of memory\n", cmd);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *eq = strchr(sets[i], '=');
		char *end;
		double v;

		if (!eq || eq == sets[i] || (size_t)(eq - sets[i]) >= sizeof(path)) {
			fprintf(stderr, "ridgeline %s: --set: expected PATH=VALUE "
					"(e.g. hbm.efficiency=0.8), found '%s'\n",
				cmd, sets[i]);
			return -1;
		}
		memcpy(path, sets[i], (size_t)(eq - sets[i]));
		path[eq - sets[i]] = 0;
		errno = 0;
		v = strtod(eq + 1, &end);
		if (errno || end == eq + 1 || *end) {
			fprintf(stderr, "ridgeline %s: --set %s: expected a number, "
					"found '%s'\n", cmd, path, eq + 1);
			return -1;
		}
		if (hw_spec_set(hw, path, v, err) != RL_OK) {
			fprintf(stderr, "ridgeline %s: --set: %s\n", cmd, err);
			return -1;
		}
	}
	if (n && hw_spec_check(hw, err) != RL_OK) {
		fprintf(stderr, "ridgeline %s: --set: %s\n", cmd, err);
		return -1;
	}
	return 0;
}

/* One usage error line for `ridgeline CMD`; returns exit status 2. */
static int __attribute__((format(printf, 2, 3)))
bad_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ridgeline %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try ridgeline %s --help)\n", cmd);
	return 2;
}

int cli_list_show(const char *cmd, int argc, char **argv, const char *usage,
		  int (*list)(void), int (*show)(const char *name))
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		}
	if (!sub) {
		fputs(usage, stderr);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return bad_usage(cmd, "unknown option '%s'", argv[i]);
	if (!strcmp(sub, "list")) {
		if (argc > 2)
			return bad_usage(cmd, "list takes no arguments, found "
					      "'%s'", argv[2]);
		return list();
	}
	if (!strcmp(sub, "show")) {
		if (argc < 3)
			return bad_usage(cmd, "show needs a NAME or PATH%s", "");
		if (argc > 3)
			return bad_usage(cmd, "show takes one NAME or PATH, "
					      "found also '%s'", argv[3]);
		return show(argv[2]);
	}
	return bad_usage(cmd, "expected 'list' or 'show', found '%s'", sub);
}

int cli_default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > RL_MAX_JOBS ? RL_MAX_JOBS : (int)n;
}

/* ---- the option table --------------------------------------------------- */

#define MAX_OPTS 32

/* "--name" or "-x" as the messages name it: the short form if any. */
static void opt_label(const struct cli_opt *o, char *out, size_t len)
{
	if (o->short_name)
		snprintf(out, len, "-%c", o->short_name);
	else
		snprintf(out, len, "--%s", o->name);
}

/* "a, b or c" from "a|b|c". */
static void choice_list(const char *choices, char *out, size_t len)
{
	size_t n = 0, bars = 0, seen = 0;

	for (const char *c = choices; *c; c++)
		bars += *c == '|';
	for (const char *c = choices; *c && n + 5 < len; c++) {
		if (*c != '|') {
			out[n++] = *c;
			continue;
		}
		seen++;
		n += (size_t)snprintf(out + n, len - n, "%s",
				      seen == bars ? " or " : ", ");
	}
	out[n < len ? n : len - 1] = 0;
}

/* The index of s among choices, or -1. */
static int choice_index(const char *choices, const char *s)
{
	size_t len = strlen(s);
	int i = 0;

	for (const char *c = choices;; i++) {
		size_t w = strcspn(c, "|");

		if (w == len && !strncmp(c, s, len))
			return i;
		if (!c[w])
			return -1;
		c += w + 1;
	}
}

/* Store value v of option o; 0, or -1 after one line on stderr. */
static int store(const char *prog, const struct cli_opt *o, const char *v)
{
	char label[64], list[256];
	unsigned long long u;
	size_t len;
	int i;

	opt_label(o, label, sizeof label);
	switch (o->kind) {
	case CLI_HELP:
		break;
	case CLI_FLAG:
		*(int *)o->target = 1;
		break;
	case CLI_STR:
		if (o->hi && strlen(v) > o->hi) {
			fprintf(stderr, "%s: %s: expected at most %llu "
					"characters, found %zu\n", prog, label,
				o->hi, strlen(v));
			return -1;
		}
		*(const char **)o->target = v;
		break;
	case CLI_UINT:
		if (parse_uint(prog, label, v, o->lo, o->hi, &u))
			return -1;
		*(unsigned long long *)o->target = u;
		break;
	case CLI_JOBS:
		if (parse_uint(prog, label, v, o->lo, RL_MAX_JOBS, &u))
			return -1;
		*(int *)o->target = (int)u;
		break;
	case CLI_SET: {
		struct cli_sets *sets = o->target;

		if (sets->n == CLI_MAX_SETS) {
			fprintf(stderr, "%s: at most %d --set options\n", prog,
				CLI_MAX_SETS);
			return -1;
		}
		sets->v[sets->n++] = v;
		break;
	}
	case CLI_DTYPE:
		if (rl_dtype_parse(v, o->target)) {
			fprintf(stderr, "%s: %s: expected bf16, fp16 or fp8, "
					"found '%s'\n", prog, label, v);
			return -1;
		}
		break;
	case CLI_CHOICE:
		if ((i = choice_index(o->choices, v)) < 0) {
			choice_list(o->choices, list, sizeof list);
			fprintf(stderr, "%s: %s: expected %s, found '%s'\n", prog,
				label, list, v);
			return -1;
		}
		*(int *)o->target = i;
		break;
	case CLI_FIGURE:
		len = strlen(v);
		if (len < 5 || (strcmp(v + len - 4, ".svg") &&
				strcmp(v + len - 4, ".png"))) {
			fprintf(stderr, "%s: %s: expected a file name ending in "
					".svg or .png, found '%s'\n", prog, label,
				v);
			return -1;
		}
		*(const char **)o->target = v;
		break;
	}
	if (o->given)
		*o->given = 1;
	return 0;
}

int cli_parse(const char *prog, const char *usage,
	      const struct cli_opt *opts, int argc, char **argv, int *pos)
{
	struct option lo[MAX_OPTS + 1];
	char shorts[3 * MAX_OPTS + 2] = ":";
	size_t ns = 1;
	int n = 0, c, idx;

	for (; opts[n].name || opts[n].short_name; n++) {
		const struct cli_opt *o = &opts[n];
		int has_arg = o->kind != CLI_HELP && o->kind != CLI_FLAG;

		assert(n < MAX_OPTS);
		lo[n].name = o->name ? o->name : "";
		lo[n].has_arg = has_arg ? required_argument : no_argument;
		lo[n].flag = NULL;
		lo[n].val = 256 + n;
		if (o->short_name) {
			shorts[ns++] = o->short_name;
			if (has_arg)
				shorts[ns++] = ':';
		}
	}
	/* short-only options have no long name to match */
	for (int i = 0, j = 0; i <= n; i++)
		if (i == n || opts[i].name)
			lo[j++] = i == n ? (struct option){NULL, 0, NULL, 0} : lo[i];
	shorts[ns] = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (c == ':') {
			fprintf(stderr, "%s: option '%s' needs a value\n", prog,
				argv[optind - 1]);
			return 2;
		}
		idx = -1;
		if (c >= 256)
			idx = c - 256;
		for (int i = 0; idx < 0 && c != '?' && i < n; i++)
			if (opts[i].short_name == c)
				idx = i;
		if (idx < 0) {
			fprintf(stderr, "%s: unknown option '%s' (see %s "
					"--help)\n", prog, argv[optind - 1], prog);
			return 2;
		}
		if (opts[idx].kind == CLI_HELP) {
			cli_usage(stdout, usage, opts);
			return 0;
		}
		if (store(prog, &opts[idx], optarg))
			return 2;
	}
	if (pos) {
		*pos = optind;
	} else if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s' (see %s --help)\n",
			prog, argv[optind], prog);
		return 2;
	}
	return -1;
}

/* The option's left column in the help: "-j, --jobs N", "--hw HW", "-m M". */
static int opt_left(const struct cli_opt *o, char *out, size_t len)
{
	char sh[4] = "";

	if (o->short_name)
		snprintf(sh, sizeof sh, "-%c", o->short_name);
	return snprintf(out, len, "%s%s%s%s%s%s", sh,
			o->short_name && o->name ? ", " : "",
			o->name ? "--" : "", o->name ? o->name : "",
			o->arg ? " " : "", o->arg ? o->arg : "");
}

void cli_usage(FILE *f, const char *usage, const struct cli_opt *opts)
{
	char left[128];
	int w = 0;

	/* the left column as wide as the widest entry, at most 20; the help
	 * wrapped at word boundaries to 79 columns */
	for (const struct cli_opt *o = opts; o->name || o->short_name; o++) {
		int n = opt_left(o, left, sizeof left);

		if (n > w)
			w = n;
	}
	if (w > 20)
		w = 20;
	fputs(usage, f);
	fputs("\noptions:\n", f);
	for (const struct cli_opt *o = opts; o->name || o->short_name; o++) {
		const char *h = o->help;
		int n = opt_left(o, left, sizeof left), room = 79 - 4 - w;

		fprintf(f, "  %s", left);
		if (n > w)
			fprintf(f, "\n  %*s", w, "");
		else
			fprintf(f, "%*s", w - n, "");
		while (*h) {
			int len = (int)strlen(h), cut = len;

			if (len > room) {
				for (cut = room; cut > 0 && h[cut] != ' '; cut--)
					;
				if (!cut)
					cut = room;
			}
			fprintf(f, "  %.*s\n", cut, h);
			h += cut;
			while (*h == ' ')
				h++;
			if (*h)
				fprintf(f, "  %*s", w, "");
		}
	}
}
