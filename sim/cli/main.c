/*
 * main.c — ridgeline's entry point: dispatch to a subcommand.
 * Each subcommand lives in its own cmd_*.c; add it to the table below.
 * The helpers the subcommands share are in cli.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	/* CLI-TABLE: one line per subcommand */
	{"run", cmd_run, "run an experiment file: table, results.csv/json, figures"},
	{"layer", cmd_layer, "one decoding step of one layer: every op, its time and share"},
	{"hw", cmd_hw, "list hardware specs or show one"},
	{"models", cmd_models, "list model specs or show one"},
	{"roofline", cmd_roofline, "analytic roofline of a model's MLP GEMMs"},
	{"gemm", cmd_gemm, "simulate one GEMM and print its result row"},
	{"validate", cmd_validate, "compare the simulator with measured latencies"},
	{"calibrate", cmd_calibrate, "fit hardware fields to measured latencies; plan measurements"},
	{NULL, NULL, NULL}
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ridgeline COMMAND [ARGS]\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->help);
	fprintf(f, "\n'ridgeline COMMAND --help' (or 'ridgeline help COMMAND') "
		   "describes a command.\n"
		   "exit status: 0 success, 1 simulation/IO failure, "
		   "2 bad input\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "help") && argc > 2) {
		/* `ridgeline help CMD` is `ridgeline CMD --help` */
		char *hv[] = {argv[2], "--help", NULL};

		if (argc > 3) {
			fprintf(stderr, "ridgeline help: expected one COMMAND, "
					"found also '%s'\n", argv[3]);
			return 2;
		}
		for (const struct command *c = commands; c->name; c++)
			if (!strcmp(argv[2], c->name))
				return c->fn(2, hv);
		fprintf(stderr, "ridgeline help: unknown command '%s' (try "
				"ridgeline --help)\n", argv[2]);
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
