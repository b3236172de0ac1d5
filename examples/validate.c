/*
 * validate.c — embedding ridgeline: compare a spec with measured GEMM
 * latencies, print the error table of `ridgeline validate` and the worst
 * row; with fields to fit, fit them to the rows and validate again.
 *
 *   cc validate.c -o validate $(pkg-config --cflags --libs ridgeline)
 *   ./validate a100-80gb-sxm measured.csv [FIELD,FIELD...]
 */
#include <math.h>
#include <stdio.h>

#include <ridgeline.h>

static const char *const sets[] = {"all", "small", "memory", "compute",
				   "b>=32mb"};

/* The table of `ridgeline validate`; 0 or a ridgeline error code. */
static int table(ridgeline_validation *v, char *err)
{
	struct ridgeline_summary s;
	size_t worst = 0;
	double w = -1;
	int rc;

	printf("%-8s %6s %8s %8s %8s %8s\n", "rows", "n", "MAPE%", "median%",
	       "max%", "bias%");
	for (size_t i = 0; i < sizeof sets / sizeof *sets; i++) {
		if ((rc = ridgeline_validation_summary(v, sets[i], &s, err)))
			return rc;
		if (s.n)
			printf("%-8s %6zu %8.2f %8.2f %8.2f %+8.2f\n", sets[i],
			       s.n, s.mape, s.median_ape, s.max_ape,
			       s.mean_error);
	}
	for (size_t i = 0; i < ridgeline_validation_rows(v); i++) {
		ridgeline_result *r;
		double e;

		if ((rc = ridgeline_validation_row(v, i, &r, err)))
			return rc;
		e = fabs(ridgeline_result_number(
			r, (size_t)ridgeline_result_find(r, "error_pct")));
		if (e > w) {
			w = e;
			worst = i;
		}
		ridgeline_result_free(r);
	}
	printf("worst row %zu: %.2f %%\n", worst, w);
	return 0;
}

int main(int argc, char **argv)
{
	char err[RIDGELINE_ERR_LEN];
	ridgeline_hw *hw = NULL, *fitted = NULL;
	ridgeline_validation *v = NULL, *v2 = NULL;
	int rc;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s HW MEASURED.csv [FIELDS]\n", argv[0]);
		return 2;
	}
	if ((rc = ridgeline_hw_load(argv[1], &hw, err)) ||
	    (rc = ridgeline_validation_load(hw, argv[2], NULL, NULL, &v, err)) ||
	    (rc = ridgeline_validation_run(v, 2, err)) || (rc = table(v, err)))
		goto out;
	if (argc == 4) {
		double value;

		if ((rc = ridgeline_calibrate(v, argv[3], 2, &fitted, err)) ||
		    (rc = ridgeline_validation_load(fitted, argv[2], NULL, NULL,
						    &v2, err)) ||
		    (rc = ridgeline_validation_run(v2, 2, err)))
			goto out;
		printf("fitted %s\n", ridgeline_hw_name(fitted));
		/* the first field fitted, by its path */
		for (char *p = argv[3]; *p; p++)
			if (*p == ',')
				*p = 0;
		if ((rc = ridgeline_hw_get(fitted, argv[3], &value, err)))
			goto out;
		printf("%s %.6g\n", argv[3], value);
		rc = table(v2, err);
	}
out:
	if (rc)
		fprintf(stderr, "%s: %s\n", argv[0], err);
	ridgeline_validation_free(v2);
	ridgeline_validation_free(v);
	ridgeline_hw_free(fitted);
	ridgeline_hw_free(hw);
	return rc == RIDGELINE_EINPUT ? 2 : rc ? 1 : 0;
}
