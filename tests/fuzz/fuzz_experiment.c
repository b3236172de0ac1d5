/*
 * fuzz_experiment.c — libFuzzer target: experiment_parse() on any text,
 * the whole of experiment_load() after the file is read: strict parse,
 * hardware and models loaded by name from the source tree, sweep variants
 * derived and re-validated, the grid counted, expanded and checked.
 * An accepted experiment has between 1 and EXP_MAX_POINTS points, each
 * with m = batch · q.
 *
 * Inputs naming a path ('/' in any spelling) are skipped: a path may be a
 * device that never ends (/dev/zero) or blocks (/dev/stdin), which would
 * stall the fuzzer, not find a bug; names are looked up as in a run.
 *
 * Seeds: the JSON files in experiments/. Dictionary: tests/fuzz/json.dict.
 */
#include "config.h"

#include <strings.h>

#include "sim/run/experiment.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int names_a_path(const char *t)
{
	if (strchr(t, '/'))
		return 1;
	/* "\/" and "\u002f" spell '/' too */
	for (const char *p = t; (p = strchr(p, '\\')); p++)
		if (p[1] == '/' || (p[1] == 'u' && !strncasecmp(p + 2, "002f", 4)))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[RL_ERR_LEN] = "", *text = fuzz_text(data, size);
	struct experiment *e = NULL;
	int rc;

	if (!text)
		return 0;
	if (names_a_path(text)) {
		free(text);
		return 0;
	}
	rc = experiment_parse(text, "fuzz.json", &e, err);
	fuzz_check_status("experiment_parse", rc, err);
	if (rc == RL_OK) {
		if (e->npoints < 1 || e->npoints > EXP_MAX_POINTS ||
		    e->nspecs > EXP_MAX_SPECS)
			FUZZ_FAIL("accepted %d points on %d specs", e->npoints,
				  e->nspecs);
		for (int i = 0; i < e->npoints; i++)
			if (e->points[i].g.m !=
			    (uint64_t)e->points[i].q * (uint64_t)e->points[i].batch)
				FUZZ_FAIL("point %d: m != batch * q", i);
	}
	experiment_free(e);
	free(text);
	return 0;
}
