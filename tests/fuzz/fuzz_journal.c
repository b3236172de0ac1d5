/*
 * fuzz_journal.c — libFuzzer target: journal replay (journal_open on an
 * existing DIR/journal.jsonl) on any bytes. The header must carry
 * FUZZ_FINGERPRINT for records to be read at all; the seed journals do.
 * Properties: every record handed to the replay callback is whole and in
 * range (the checks of journal.h: finite or null values inside their
 * bounds, split_k ≥ 1, a 32-hex-digit key); a refusal is one printable
 * line; and replay is idempotent — reopening what the first open left
 * (corrupt records dropped, torn tail cut) replays the same records and
 * drops nothing more.
 *
 * Seeds: the .jsonl files in tests/fuzz/seeds/. Dictionary: tests/fuzz/journal.dict.
 */
#include "config.h"

#include <math.h>
#include <unistd.h>

#include "sim/run/journal.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FINGERPRINT "0123456789abcdef0123456789abcdef"

static char dir[64], path[96];

struct seen {
	int n;
	uint64_t sum; /* order-sensitive digest of keys and times */
};

static int on_record(void *ctx, const char *key, const struct gpu_result *r,
		     char *err)
{
	struct seen *s = ctx;

	(void)err;
	if (strlen(key) != JOURNAL_KEY_LEN - 1 || key[strspn(key, "0123456789abcdef")])
		FUZZ_FAIL("replayed a record with key \"%s\"", key);
	if (!(r->time_us > 0) || r->split_k < 1 || r->ctas < 0 ||
	    !r->tile[0] || !r->bound[0])
		FUZZ_FAIL("replayed an out-of-range record (time_us %g, split_k %d, ctas %d)",
			  r->time_us, r->split_k, r->ctas);
	s->n++;
	for (const char *p = key; *p; p++)
		s->sum = (s->sum ^ (unsigned char)*p) * 1099511628211ULL;
	s->sum ^= (uint64_t)(r->time_us * 1e6);
	return RL_OK;
}

/* Open and close DIR's journal, counting records; stderr (the dropped-
 * record lines) is caught and its line count returned in *dropped. */
static int replay(struct seen *s, int *dropped, char *err)
{
	struct journal *j = NULL;
	char *out = NULL;
	size_t outlen = 0;
	FILE *saved = stderr, *mem = open_memstream(&out, &outlen);
	int rc;

	if (!mem)
		FUZZ_FAIL("open_memstream");
	stderr = mem;
	memset(s, 0, sizeof *s);
	rc = journal_open(dir, "fuzz", FUZZ_FINGERPRINT, 0, on_record, s, &j, err);
	fflush(mem);
	stderr = saved;
	fclose(mem);
	*dropped = 0;
	for (size_t i = 0; i < outlen; i++)
		*dropped += out[i] == '\n';
	free(out);
	journal_close(j);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[RL_ERR_LEN] = "", err2[RL_ERR_LEN] = "";
	struct seen a, b;
	int rc, rc2, dropped, dropped2;
	FILE *f;

	if (!dir[0]) {
		snprintf(dir, sizeof dir, "%s/ridgeline-fuzz-journal.XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(dir))
			FUZZ_FAIL("mkdtemp");
		snprintf(path, sizeof path, "%s/%s", dir, JOURNAL_NAME);
	}
	unlink(path);
	if (!(f = fopen(path, "wb")))
		FUZZ_FAIL("cannot write %s", path);
	if (size && fwrite(data, 1, size, f) != size)
		FUZZ_FAIL("cannot write %s", path);
	fclose(f);

	rc = replay(&a, &dropped, err);
	fuzz_check_status("journal_open", rc, err);
	if (rc != RL_OK)
		return 0;
	rc2 = replay(&b, &dropped2, err2);
	if (rc2 != RL_OK)
		FUZZ_FAIL("a journal accepted once is refused when reopened: %s", err2);
	if (dropped2 || b.n != a.n || b.sum != a.sum)
		FUZZ_FAIL("replay is not idempotent: %d then %d records, %d dropped on reopening",
			  a.n, b.n, dropped2);
	return 0;
}
