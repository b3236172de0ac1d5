/*
 * fuzz_measured_csv.c — libFuzzer target: validate_load(), the reader of
 * measured GEMM latencies (validate, calibrate), on any bytes written to
 * a file — NUL bytes included, as rl_read_file() sees them. An accepted
 * set has at least one row, and every row positive dimensions within the
 * reader's bounds and a latency in (0, 1e6] ms.
 *
 * GEMM rows only: ridgeline has no reader of the attention CSV
 * (shared/data's decode-attention file) to fuzz yet.
 *
 * Seeds: the .csv files in tests/fuzz/seeds/. Dictionary: tests/fuzz/csv.dict.
 */
#include "config.h"

#include <math.h>
#include <unistd.h>

#include "sim/run/validate.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[RL_ERR_LEN] = "";
	struct validate_set *v = NULL;
	FILE *f;
	int rc;

	if (!path[0])
		snprintf(path, sizeof path, "%s/ridgeline-fuzz-csv.%ld",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
			 (long)getpid());
	if (!(f = fopen(path, "wb")))
		FUZZ_FAIL("cannot write %s", path);
	if (size && fwrite(data, 1, size, f) != size)
		FUZZ_FAIL("cannot write %s", path);
	fclose(f);
	rc = validate_load(path, &v, err);
	fuzz_check_status("validate_load", rc, err);
	if (rc == RL_OK) {
		if (v->n == 0)
			FUZZ_FAIL("accepted a set without rows");
		for (size_t i = 0; i < v->n; i++) {
			const struct validate_row *r = &v->rows[i];

			if (!r->g.m || !r->g.n || !r->g.k ||
			    r->g.m > (1u << 20) || r->g.n > (1u << 20) ||
			    r->g.k > (1u << 20) || !(r->measured_ms > 0) ||
			    r->measured_ms > 1e6 || r->line < 2)
				FUZZ_FAIL("row %zu (line %d) out of bounds", i, r->line);
		}
	}
	validate_free(v);
	return 0;
}
