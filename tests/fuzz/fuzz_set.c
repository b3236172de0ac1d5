/*
 * fuzz_set.c — libFuzzer target: the --set PATH=VALUE overrides of gemm
 * and validate (cli_parse with CLI_OPT_SET, then cli_apply_sets, in
 * sim/cli/cli.c, linked here with main renamed) on the shipped
 * a100-80gb-pcie spec. The input is lines, one override each (past
 * CLI_MAX_SETS the parser refuses them, with one line). Properties: a refusal
 * prints exactly one line on stderr and an acceptance prints nothing; an
 * accepted spec still passes hw_spec_check() and every field stays inside
 * its table range (no NaN, no infinity slips through strtod).
 *
 * Seeds: the .set files in tests/fuzz/seeds/. Dictionary: tests/fuzz/set.dict.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/spec.h"
#include "sim/cli/cli.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* arguments at most: past CLI_MAX_SETS --set the parser refuses */
#define FUZZ_ARGS (CLI_MAX_SETS + 2)

static struct hw_spec *base;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[RL_ERR_LEN], *text = fuzz_text(data, size), *save = NULL;
	char *out = NULL;
	size_t outlen = 0, nf;
	struct cli_sets sets = {.n = 0};
	const struct cli_opt opts[] = {CLI_OPT_SET(&sets), CLI_OPT_END};
	char *argv[FUZZ_ARGS + 1] = {(char *)"fuzz"};
	int argc = 1;
	struct hw_spec *s;
	const struct hw_field *f;
	FILE *saved, *mem;
	int rc = 0, lines = 0;

	if (!text)
		return 0;
	if (!base && hw_spec_load("a100-80gb-pcie", &base, err) != RL_OK)
		FUZZ_FAIL("cannot load the seed spec: %s", err);
	if (!(s = hw_spec_clone(base)))
		FUZZ_FAIL("out of memory");
	/* the CLI prints on stderr: catch it to count its lines */
	saved = stderr;
	if (!(mem = open_memstream(&out, &outlen)))
		FUZZ_FAIL("open_memstream");
	stderr = mem;
	/* each line as one "--set=LINE" argument, as a shell would pass it */
	for (char *l = strtok_r(text, "\n", &save); l && argc < FUZZ_ARGS;
	     l = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(l) + sizeof "--set=";

		if (!(argv[argc] = malloc(n)))
			FUZZ_FAIL("out of memory");
		snprintf(argv[argc++], n, "--set=%s", l);
	}
	argv[argc] = NULL;
	rc = cli_parse("fuzz", "usage: fuzz", opts, argc, argv, NULL);
	rc = rc == -1 ? 0 : rc == 0 ? 2 : rc;
	if (rc == 0)
		rc = cli_apply_sets("fuzz", s, &sets);
	for (int i = 1; i < argc; i++)
		free(argv[i]);
	fflush(mem);
	stderr = saved;
	fclose(mem);
	for (size_t i = 0; i < outlen; i++)
		lines += out[i] == '\n';
	if (rc != 0 && (lines != 1 || outlen == 0 || out[outlen - 1] != '\n'))
		FUZZ_FAIL("a refused --set printed %d lines: %s", lines, out);
	if (rc == 0 && outlen)
		FUZZ_FAIL("an accepted --set printed: %s", out);
	if (rc == 0) {
		if (hw_spec_check(s, err) != RL_OK)
			FUZZ_FAIL("accepted overrides fail hw_spec_check: %s", err);
		f = hw_spec_fields(&nf);
		for (size_t i = 0; i < nf; i++) {
			double x;

			hw_spec_get(s, f[i].path, &x);
			if (!isfinite(x) || ((x < f[i].min || x > f[i].max) &&
					     !(f[i].optional && x == 0)))
				FUZZ_FAIL("%s = %g after accepted overrides", f[i].path, x);
		}
	}
	free(out);
	hw_spec_free(s);
	free(text);
	return 0;
}
