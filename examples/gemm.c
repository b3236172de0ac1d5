/*
 * gemm.c — embedding ridgeline: simulate one GEMM, optionally on a changed
 * spec, and print every result field, one "NAME VALUE" per line.
 *
 *   cc gemm.c -o gemm $(pkg-config --cflags --libs ridgeline)
 *   ./gemm h100-sxm 4096 8192 8192 [PATH=VALUE ...]
 *
 * A test suite of an analytic model would instead compare its own
 * prediction with ridgeline_result_number(r, ridgeline_result_find(r,
 * "time_us")).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ridgeline.h>

int main(int argc, char **argv)
{
	char err[RIDGELINE_ERR_LEN];
	ridgeline_hw *hw = NULL;
	ridgeline_result *r = NULL;
	int rc;

	if (argc < 5) {
		fprintf(stderr, "usage: %s HW M N K [PATH=VALUE ...]\n", argv[0]);
		return 2;
	}
	if ((rc = ridgeline_hw_load(argv[1], &hw, err)))
		goto fail;
	for (int i = 5; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq) {
			fprintf(stderr, "%s: expected PATH=VALUE, found '%s'\n",
				argv[0], argv[i]);
			ridgeline_hw_free(hw);
			return 2;
		}
		*eq = 0;
		if ((rc = ridgeline_hw_set(hw, argv[i], atof(eq + 1), err)))
			goto fail;
	}
	if ((rc = ridgeline_gemm(hw, strtoull(argv[2], NULL, 10),
				 strtoull(argv[3], NULL, 10),
				 strtoull(argv[4], NULL, 10), "bf16", 0, &r, err)))
		goto fail;
	for (size_t i = 0; i < ridgeline_result_fields(r); i++) {
		if (ridgeline_result_is_number(r, i))
			printf("%s %.17g\n", ridgeline_result_name(r, i),
			       ridgeline_result_number(r, i));
		else
			printf("%s %s\n", ridgeline_result_name(r, i),
			       ridgeline_result_string(r, i));
	}
	ridgeline_result_free(r);
	ridgeline_hw_free(hw);
	return 0;
fail:
	fprintf(stderr, "%s: %s\n", argv[0], err);
	ridgeline_hw_free(hw);
	return rc == RIDGELINE_EINPUT ? 2 : 1;
}
