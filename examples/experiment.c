/*
 * experiment.c — embedding ridgeline: simulate every point of an
 * experiment on threads and print the rows as results.csv holds them
 * (header, then one line per point), with no files written.
 *
 *   cc experiment.c -o experiment $(pkg-config --cflags --libs ridgeline)
 *   ./experiment medusa-llama33b-a100-pcie [JOBS]
 */
#include <stdio.h>
#include <stdlib.h>

#include <ridgeline.h>

int main(int argc, char **argv)
{
	char err[RIDGELINE_ERR_LEN];
	ridgeline_experiment *e = NULL;
	ridgeline_result **rows = NULL;
	size_t n;
	int rc;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s EXPERIMENT [JOBS]\n", argv[0]);
		return 2;
	}
	if ((rc = ridgeline_experiment_load(argv[1], &e, err)) ||
	    (rc = ridgeline_experiment_run(e, argc > 2 ? atoi(argv[2]) : 1,
					   &rows, err))) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		ridgeline_experiment_free(e);
		return rc == RIDGELINE_EINPUT ? 2 : 1;
	}
	n = ridgeline_experiment_points(e);
	for (size_t i = 0; n && i < ridgeline_result_fields(rows[0]); i++)
		printf("%s%s", i ? "," : "", ridgeline_result_name(rows[0], i));
	putchar('\n');
	for (size_t p = 0; p < n; p++) {
		for (size_t i = 0; i < ridgeline_result_fields(rows[p]); i++)
			printf("%s%s", i ? "," : "",
			       ridgeline_result_text(rows[p], i));
		putchar('\n');
	}
	ridgeline_results_free(rows, n);
	ridgeline_experiment_free(e);
	return 0;
}
