/*
 * cli.c — the helpers every ridgeline subcommand shares (sim/cli/cli.h):
 * integer options, --set overrides, getopt failures, list/show commands,
 * the default -j and the exit status of an error code. Messages for the
 * user are printed here, at the edge. Linked by ridgeline and
 * ridgeline-mpi alike.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/common.h"
#include "hw/spec.h"
#include "sim/cli/cli.h"

int cli_parse_uint(const char *cmd, const char *opt, const char *s,
		   unsigned long long lo, unsigned long long hi,
		   unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = s && *s && *s != '-' && *s != '+' ? strtoull(s, &end, 10) : 0;
	if (!s || !*s || *s == '-' || *s == '+' || errno || *end || v < lo ||
	    v > hi) {
		fprintf(stderr, "ridgeline %s: %s: expected an integer in "
				"[%llu, %llu], found '%s'\n",
			cmd, opt, lo, hi, s ? s : "");
		return -1;
	}
	*out = v;
	return 0;
}

int cli_sets_add(const char *cmd, struct cli_sets *s, const char *arg)
{
	if (s->n == CLI_MAX_SETS) {
		fprintf(stderr, "ridgeline %s: at most %d --set options\n", cmd,
			CLI_MAX_SETS);
		return -1;
	}
	s->v[s->n++] = arg;
	return 0;
}

int cli_bad_option(const char *cmd, int c, const char *bad)
{
	if (c == ':')
		fprintf(stderr, "ridgeline %s: option '%s' needs a value\n", cmd,
			bad);
	else
		fprintf(stderr, "ridgeline %s: unknown option '%s' (see "
				"ridgeline %s --help)\n", cmd, bad, cmd);
	return 2;
}

int cli_apply_sets(const char *cmd, struct hw_spec *hw,
		   const struct cli_sets *s)
{
	const char *const *sets = s->v;
	int n = s->n;
	char err[RL_ERR_LEN], path[128];

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

	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}
