/*
 * main.c — ridgeline's entry point: dispatch to a subcommand.
 * Each subcommand lives in its own cmd_*.c; add it to the table below.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hw/common.h"
#include "sim/cli/cli.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	/* CLI-TABLE: one line per subcommand */
	{NULL, NULL, NULL}
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ridgeline COMMAND [ARGS]\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->help);
	fprintf(f, "\n'ridgeline COMMAND --help' describes a command.\n"
		   "exit status: 0 success, 1 simulation/IO failure, "
		   "2 bad input\n");
}

int cli_exit_code(int status)
{
	if (status == RL_OK)
		return 0;
	return status == RL_EINPUT ? 2 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("ridgeline %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "ridgeline: unknown command '%s' (try ridgeline --help)\n",
		argv[1]);
	return 2;
}
