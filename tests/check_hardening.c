/*
 * check_hardening.c — the library side of issue 16's fixes: messages that
 * stay one printable line whatever the input holds, strings that are UTF-8
 * without NUL, files that are not JSON never echoed, journal records
 * range-checked and checksummed, output temporaries that are fresh and
 * exclusive, the output-directory lock and the clean-up it licenses, and
 * grid limits checked before anything is built. tests/hardening.sh covers
 * the same ground end to end through the ridgeline command.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "hw/common.h"
#include "hw/data.h"
#include "hw/jsonv.h"
#include "sim/run/experiment.h"
#include "sim/run/journal.h"
#include "sim/run/output.h"
#include "sim/run/runner.h"

static char err[RL_ERR_LEN];
static const struct jsonv V = {"t.json", err};

#define ck_assert_has(hay, needle)                                          \
	ck_assert_msg(strstr((hay), (needle)) != NULL,                      \
		      "expected \"%s\" in message \"%s\"", (needle), (hay))

/* One line of printable text: no C0 control byte, no DEL, no C1 control
 * (U+0080–U+009F as UTF-8). */
static void ck_assert_printable(const char *msg)
{
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		ck_assert_msg(*p >= 0x20 && *p != 0x7f,
			      "control byte 0x%02x in \"%s\"", *p, msg);
		ck_assert_msg(!(p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F),
			      "C1 control in \"%s\"", msg);
	}
}

static void tmpdir(char *out, size_t len)
{
	snprintf(out, len, "%s/check_hardening.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(out));
}

static void rmtree(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* ---- messages ------------------------------------------------------------ */

START_TEST(test_unknown_key_with_newline_and_ansi_escape_is_one_printable_line)
{
	static const char *const allowed[] = {"name", NULL};
	cJSON *root;

	ck_assert_int_eq(jsonv_parse(&V, "{\"a\\nb\\u001b[2J\": 1}", &root), RL_OK);
	ck_assert_int_eq(jsonv_object(&V, root, "$", allowed), RL_EINPUT);
	ck_assert_printable(err);
	ck_assert_has(err, "unknown key \"a\\nb\\u001B[2J\"");
	ck_assert_has(err, "$[\"a\\nb\\u001B[2J\"]");
	cJSON_Delete(root);
}
END_TEST

START_TEST(test_duplicate_key_with_control_bytes_is_one_printable_line)
{
	/* a key list that allows an odd key reaches the duplicate branch */
	static const char *const allowed[] = {"\x1b[2J\x7f", NULL};
	cJSON *root;

	ck_assert_int_eq(jsonv_parse(&V, "{\"\\u001b[2J\\u007f\": 1, "
				      "\"\\u001b[2J\\u007f\": 2}", &root), RL_OK);
	ck_assert_int_eq(jsonv_object(&V, root, "$", allowed), RL_EINPUT);
	ck_assert_printable(err);
	ck_assert_has(err, "expected each key once, found \"\\u001B[2J\\u007F\" again");
	cJSON_Delete(root);
}
END_TEST

START_TEST(test_found_value_with_del_and_c1_controls_is_escaped)
{
	cJSON *s = cJSON_CreateString("x\x7fy\xc2\x9b" "z");
	char buf[64];

	jsonv_describe(s, buf, sizeof buf);
	ck_assert_printable(buf);
	ck_assert_str_eq(buf, "\"x\\u007Fy\\u009Bz\"");
	cJSON_Delete(s);
}
END_TEST

START_TEST(test_long_key_is_clipped_between_characters)
{
	static const char *const allowed[] = {"name", NULL};
	char text[1024];
	cJSON *root;
	int n = snprintf(text, sizeof text, "{\"");

	for (int i = 0; i < 100; i++)
		n += snprintf(text + n, sizeof text - (size_t)n, "\\u00e9");
	snprintf(text + n, sizeof text - (size_t)n, "\": 1}");
	ck_assert_int_eq(jsonv_parse(&V, text, &root), RL_OK);
	ck_assert_int_eq(jsonv_object(&V, root, "$", allowed), RL_EINPUT);
	ck_assert_printable(err);
	/* é is two bytes: a clip never cuts one in half */
	ck_assert_has(err, "\xc3\xa9...\"");
	cJSON_Delete(root);
}
END_TEST

/* ---- UTF-8 and NUL --------------------------------------------------------- */

START_TEST(test_strings_that_are_not_utf8_are_refused_naming_the_byte)
{
	static const struct {
		const char *text, *needle;
	} bad[] = {
		{"{\"a\": \"caf\xe9\"}", "found byte 0xE9"},          /* Latin-1 */
		{"{\"a\": \"\xc0\xaf\"}", "found byte 0xC0"},         /* overlong '/' */
		{"{\"a\": \"\xed\xa0\x80\"}", "found byte 0xED"},     /* UTF-8 surrogate */
		{"{\"a\": \"\xf4\x90\x80\x80\"}", "found byte 0xF4"}, /* > U+10FFFF */
		{"{\"a\": \"\xe2\x82\"}", "found byte 0xE2"},         /* cut short */
		{"{\"\x80\": 1}", "found byte 0x80"},                 /* in a key */
	};
	cJSON *root;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(jsonv_parse(&V, bad[i].text, &root), RL_EINPUT);
		ck_assert_has(err, "expected UTF-8 text");
		ck_assert_has(err, bad[i].needle);
		ck_assert_printable(err);
	}
	ck_assert_int_eq(jsonv_parse(&V, "{\"a\": \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
				     &root), RL_OK);
	cJSON_Delete(root);
}
END_TEST

START_TEST(test_u0000_and_lone_surrogates_are_refused)
{
	cJSON *root;

	ck_assert_int_eq(jsonv_parse(&V, "{\"a\": \"x\\u0000y\"}", &root), RL_EINPUT);
	ck_assert_has(err, "line 1, column 9 (byte 8): expected a string without \\u0000 (NUL), found \\u0000");
	ck_assert_int_eq(jsonv_parse(&V, "{\"a\": \"\\ud800\"}", &root), RL_EINPUT);
	ck_assert_has(err, "lone UTF-16 surrogate");
	ck_assert_int_eq(jsonv_parse(&V, "{\"a\": \"\\udc00\\ud800\"}", &root), RL_EINPUT);
	ck_assert_has(err, "lone UTF-16 surrogate");
	/* a pair is one character (U+1F600) */
	ck_assert_int_eq(jsonv_parse(&V, "{\"a\": \"\\ud83d\\ude00\"}", &root), RL_OK);
	ck_assert_str_eq(cJSON_GetObjectItem(root, "a")->valuestring, "\xf0\x9f\x98\x80");
	cJSON_Delete(root);
}
END_TEST

START_TEST(test_c1_control_in_a_string_value_is_refused)
{
	char buf[32];
	cJSON *s = cJSON_CreateString("a\xc2\x85" "b"); /* U+0085 NEL */

	ck_assert_int_eq(jsonv_string(&V, s, "$.x", buf, sizeof buf), RL_EINPUT);
	ck_assert_has(err, "without control characters");
	ck_assert_printable(err);
	cJSON_Delete(s);
}
END_TEST

START_TEST(test_a_file_that_is_not_json_is_not_echoed)
{
	cJSON *root;

	ck_assert_int_eq(jsonv_parse(&V, "root:x:0:0:root:/root:/bin/bash\n", &root),
			 RL_EINPUT);
	ck_assert_str_eq(err, "t.json: not a JSON file (expected a JSON object, starting with '{')");
	ck_assert_int_eq(jsonv_parse(&V, "[section]\npassword=hunter2\n", &root),
			 RL_EINPUT);
	ck_assert_has(err, "not a JSON file");
	ck_assert_ptr_null(strstr(err, "hunter2"));
	/* a JSON file with a typo still shows where */
	ck_assert_int_eq(jsonv_parse(&V, "{\"a\": \x01}", &root), RL_EINPUT);
	ck_assert_has(err, "found \"\\u0001}\"");
}
END_TEST

START_TEST(test_read_file_refuses_a_nul_byte_naming_the_line)
{
	char dir[128], path[160];

	tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/x.csv", dir);
	write_file(path, "m,n\n1,2\n3\0004\n5,6\n", 16);
	ck_assert_ptr_null(rl_read_file(path, NULL, err));
	ck_assert_has(err, "x.csv:3: expected text, found a NUL byte (byte 9)");
	rmtree(dir);
}
END_TEST

/* ---- journal records ------------------------------------------------------- */

static void fake_result(struct gpu_result *r)
{
	memset(r, 0, sizeof *r);
	r->time_us = 123.5;
	r->flops = 1e12;
	r->bytes_min = 1e9;
	r->bytes_hbm_read = 1e9;
	r->bytes_hbm = 1e9;
	r->tflops = 8.1;
	r->hbm_gbps = 1500;
	r->l2_hit_rate = 0.25;
	r->tensor_util = 0.5;
	r->hbm_util = 0.75;
	r->l2_util = 0.1;
	r->waves = 1.5;
	r->split_k = 2;
	r->ctas = 216;
	r->events = 4096;
	snprintf(r->tile, sizeof r->tile, "128x128x32/s4");
	snprintf(r->bound, sizeof r->bound, "memory");
}

/* journal_result_parse() of the fake result with one field replaced. */
static int parse_with(const char *field, const char *json_value)
{
	struct gpu_result a, b;
	char *text;
	cJSON *j, *v;
	int rc;

	fake_result(&a);
	text = journal_result_text(&a);
	j = cJSON_Parse(text);
	free(text);
	ck_assert_ptr_nonnull(j);
	v = cJSON_Parse(json_value);
	ck_assert_ptr_nonnull(v);
	cJSON_ReplaceItemInObjectCaseSensitive(j, field, v);
	rc = journal_result_parse(j, &b);
	cJSON_Delete(j);
	return rc;
}

START_TEST(test_journal_fields_out_of_range_are_refused_not_cast)
{
	/* a double outside int range cast to int is undefined behaviour */
	ck_assert_int_eq(parse_with("split_k", "1e12"), RL_EINPUT);
	ck_assert_int_eq(parse_with("split_k", "0"), RL_EINPUT);
	ck_assert_int_eq(parse_with("split_k", "2.5"), RL_EINPUT);
	ck_assert_int_eq(parse_with("ctas", "-1"), RL_EINPUT);
	ck_assert_int_eq(parse_with("ctas", "1e300"), RL_EINPUT);
	ck_assert_int_eq(parse_with("events", "-5"), RL_EINPUT);
	ck_assert_int_eq(parse_with("events", "1e30"), RL_EINPUT);
	ck_assert_int_eq(parse_with("time_us", "-1"), RL_EINPUT);
	ck_assert_int_eq(parse_with("time_us", "0"), RL_EINPUT);
	ck_assert_int_eq(parse_with("l2_hit_rate", "1.5"), RL_EINPUT);
	ck_assert_int_eq(parse_with("flops", "-1e9"), RL_EINPUT);
	ck_assert_int_eq(parse_with("tile", "\"a\\u001bb\""), RL_EINPUT);
	ck_assert_int_eq(parse_with("tile", "\"\""), RL_EINPUT);
	ck_assert_int_eq(parse_with("bound", "\"0123456789abcdefgh\""), RL_EINPUT);
	/* in range */
	ck_assert_int_eq(parse_with("split_k", "16"), RL_OK);
	ck_assert_int_eq(parse_with("events", "9007199254740992"), RL_OK);
	ck_assert_int_eq(parse_with("l2_hit_rate", "null"), RL_OK);
}
END_TEST

#define EXP(extra)                                                          \
	"{\"name\": \"t\", \"hardware\": [\"a100-80gb-pcie\"], "             \
	"\"model\": \"llama-33b\", " extra "}"

/* Journal two points, damage the record of the first (the 2nd line), and
 * reopen: the damaged one is pending again, the other kept, and the
 * journal rewritten without the damage. */
static void damaged_record_case(const char *from, const char *to)
{
	struct experiment *e;
	struct run_opts o = {NULL, 0, 0};
	struct gpu_result res;
	struct runner *r;
	char dir[128], path[192], *text, *hit;
	size_t len;

	/* one record per point: with the result cache, completing up would
	 * journal gate (the same GEMM) too */
	setenv("RIDGELINE_NO_RESULT_CACHE", "1", 1);
	ck_assert_int_eq(experiment_parse(EXP("\"workload\": {\"q\": [1], \"batch\": [1, 2]}"),
					  "t.json", &e, err), RL_OK);
	tmpdir(dir, sizeof dir);
	o.dir = dir;
	ck_assert_int_eq(runner_open(e, &o, &r, err), RL_OK);
	fake_result(&res);
	ck_assert_int_eq(runner_complete(r, runner_next(r), &res, err), RL_OK);
	ck_assert_int_eq(runner_complete(r, runner_next(r), &res, err), RL_OK);
	runner_close(r);

	snprintf(path, sizeof path, "%s/%s", dir, JOURNAL_NAME);
	ck_assert_ptr_nonnull(text = rl_read_file(path, &len, err));
	hit = strstr(strchr(text, '\n') + 1, from);
	ck_assert_ptr_nonnull(hit);
	ck_assert_uint_eq(strlen(from), strlen(to));
	memcpy(hit, to, strlen(to));
	write_file(path, text, len);
	free(text);

	ck_assert_int_eq(runner_open(e, &o, &r, err), RL_OK);
	ck_assert_int_eq(runner_done(r), 1);
	ck_assert_int_eq(runner_pending(r), 6 - 1);
	runner_close(r);
	ck_assert_ptr_nonnull(text = rl_read_file(path, &len, err));
	ck_assert_ptr_null(strstr(text, to));
	free(text);
	experiment_free(e);
	rmtree(dir);
	unsetenv("RIDGELINE_NO_RESULT_CACHE");
}

START_TEST(test_an_edited_value_fails_the_checksum_and_is_recomputed)
{
	/* 6 points (1 q × 2 batch × 3 ops), 2 journaled: the edit of the
	 * first one's time_us passes every range check */
	damaged_record_case("\"time_us\":123.5", "\"time_us\":100.5");
}
END_TEST

START_TEST(test_swapped_keys_fail_the_checksum)
{
	struct experiment *e;
	struct run_opts o = {NULL, 0, 0};
	struct gpu_result res;
	struct runner *r;
	char dir[128], path[192], *text, *k1, *k2, tmp[JOURNAL_KEY_LEN];
	size_t len;

	/* two journaled points with different results trade keys: each
	 * record is whole and in range, but would now claim the other's
	 * point (one record per point: see damaged_record_case) */
	setenv("RIDGELINE_NO_RESULT_CACHE", "1", 1);
	ck_assert_int_eq(experiment_parse(EXP("\"workload\": {\"q\": [1], \"batch\": [1, 2]}"),
					  "t.json", &e, err), RL_OK);
	tmpdir(dir, sizeof dir);
	o.dir = dir;
	ck_assert_int_eq(runner_open(e, &o, &r, err), RL_OK);
	fake_result(&res);
	ck_assert_int_eq(runner_complete(r, runner_next(r), &res, err), RL_OK);
	res.time_us = 200;
	ck_assert_int_eq(runner_complete(r, runner_next(r), &res, err), RL_OK);
	runner_close(r);
	snprintf(path, sizeof path, "%s/%s", dir, JOURNAL_NAME);
	ck_assert_ptr_nonnull(text = rl_read_file(path, &len, err));
	k1 = strstr(text, "\"key\":\"") + 7;
	k2 = strstr(k1, "\"key\":\"") + 7;
	memcpy(tmp, k1, JOURNAL_KEY_LEN - 1);
	memcpy(k1, k2, JOURNAL_KEY_LEN - 1);
	memcpy(k2, tmp, JOURNAL_KEY_LEN - 1);
	write_file(path, text, len);
	free(text);
	ck_assert_int_eq(runner_open(e, &o, &r, err), RL_OK);
	ck_assert_int_eq(runner_done(r), 0);
	ck_assert_int_eq(runner_pending(r), 6);
	runner_close(r);
	experiment_free(e);
	rmtree(dir);
	unsetenv("RIDGELINE_NO_RESULT_CACHE");
}
END_TEST

static int no_record(void *ctx, const char *key, const struct gpu_result *r,
		     char *err)
{
	(void)ctx, (void)key, (void)r, (void)err;
	return RL_OK;
}

START_TEST(test_a_foreign_journal_header_is_quoted_escaped)
{
	/* found by tests/fuzz/fuzz_journal: the header's experiment name was
	 * echoed raw in the "--fresh" message */
	static const char hdr[] = "{\"journal\":\"ridgeline\",\"version\":\"0.1.0\\u0085\","
		"\"experiment\":\"a\\u001b[2J\\nb\",\"fingerprint\":\"x\"}\n";
	char dir[128], path[192];
	struct journal *j;

	tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, JOURNAL_NAME);
	write_file(path, hdr, sizeof hdr - 1);
	ck_assert_int_eq(journal_open(dir, "t", "0123456789abcdef0123456789abcdef", 0,
				      no_record, NULL, &j, err), RL_EINPUT);
	ck_assert_printable(err);
	ck_assert_has(err, "it holds experiment 'a\\u001B[2J\\nb', ridgeline 0.1.0\\u0085");
	rmtree(dir);
}
END_TEST

/* ---- output files -------------------------------------------------------- */

START_TEST(test_temporaries_are_fresh_exclusive_and_recognisable)
{
	char dir[128], a[PATH_MAX], b[PATH_MAX], link[PATH_MAX + 16];
	int fa, fb;

	tmpdir(dir, sizeof dir);
	fa = out_tmp_create(a, sizeof a, dir, "results.csv", err);
	fb = out_tmp_create(b, sizeof b, dir, "results.csv", err);
	ck_assert_int_ge(fa, 0);
	ck_assert_int_ge(fb, 0);
	ck_assert_str_ne(a, b);
	ck_assert(out_tmp_is_ours(strrchr(a, '/') + 1));
	ck_assert(!out_tmp_is_ours("results.csv"));
	ck_assert(!out_tmp_is_ours(".results.csv.tmp.1234"));
	ck_assert(!out_tmp_is_ours(".ridgeline-AAAAAAAAAAAA.tmp"));
	ck_assert(!out_tmp_is_ours(".x.ridgeline-AAAAAAAAAA!A.tmp"));
	close(fa);
	close(fb);
	/* a link planted at the very name is never opened through */
	unlink(a);
	snprintf(link, sizeof link, "%s/victim", dir);
	write_file(link, "v", 1);
	ck_assert_int_eq(symlink(link, a), 0);
	ck_assert_int_eq(open(a, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0666), -1);
	rmtree(dir);
}
END_TEST

START_TEST(test_lock_is_exclusive_and_licenses_only_our_clean_up)
{
	char dir[128], t[PATH_MAX], p[PATH_MAX + 64], q[PATH_MAX + 64];
	struct stat st;
	int first, second, fd;

	tmpdir(dir, sizeof dir);
	first = out_dir_lock(dir, err);
	ck_assert_int_ge(first, 0);
	/* a second holder (another open file description) is refused */
	ck_assert_int_eq(out_dir_lock(dir, err), -1);
	ck_assert_has(err, "another ridgeline (pid ");
	ck_assert_has(err, "is writing into this directory");
	/* the first holder dies mid-write, leaving its temporary */
	fd = out_tmp_create(t, sizeof t, dir, "results.json", err);
	ck_assert_int_ge(fd, 0);
	close(fd);
	out_dir_unlock(first);
	/* others' files, and a link of our pattern, stay */
	snprintf(p, sizeof p, "%s/.notes.tmp.1", dir);
	write_file(p, "x", 1);
	snprintf(q, sizeof q, "%s/.x.ridgeline-abcdefABCDEF.tmp", dir);
	ck_assert_int_eq(symlink(p, q), 0);

	second = out_dir_lock(dir, err);
	ck_assert_int_ge(second, 0);
	ck_assert_int_eq(out_clean_stale(dir), 1);
	ck_assert_int_ne(stat(t, &st), 0);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(lstat(q, &st), 0);
	out_dir_unlock(second);
	rmtree(dir);
}
END_TEST

START_TEST(test_lock_file_that_is_a_link_is_not_followed)
{
	char dir[128], lock[192], victim[192];

	tmpdir(dir, sizeof dir);
	snprintf(lock, sizeof lock, "%s/" OUT_LOCK_NAME, dir);
	snprintf(victim, sizeof victim, "%s/victim", dir);
	write_file(victim, "v", 1);
	ck_assert_int_eq(symlink(victim, lock), 0);
	ck_assert_int_eq(out_dir_lock(dir, err), -1);
	ck_assert_has(err, "symbolic link");
	rmtree(dir);
}
END_TEST

/* ---- grid limits --------------------------------------------------------- */

static char *list(int first, int n)
{
	char *s = malloc((size_t)n * 8 + 8);
	size_t used = 0;

	s[used++] = '[';
	for (int i = 0; i < n; i++)
		used += (size_t)sprintf(s + used, "%s%d", i ? "," : "", first + i);
	s[used++] = ']';
	s[used] = 0;
	return s;
}

START_TEST(test_sweep_variants_are_counted_before_specs_are_built)
{
	char *a = list(1001, 200), *b = list(1, 200), *c = list(801, 200);
	char *text = malloc(8192);
	struct experiment *e;

	snprintf(text, 8192, EXP("\"workload\": {\"q\": [1], \"batch\": [1]}, "
		 "\"sweep\": {\"hbm.bandwidth_gbps\": %s, \"sm.count\": %s, "
		 "\"clock.sustained_mhz\": %s}"), a, b, c);
	ck_assert_int_eq(experiment_parse(text, "t.json", &e, err), RL_EINPUT);
	ck_assert_str_eq(err, "t.json: $.sweep: expected at most 10000 hardware variants (hardware × sweep values), found 8000000 (1 hardware × 200 × 200 × 200)");
	/* 1,000 variants × 3 ops × 20 q × 20 batch = 1.2 M points */
	free(a);
	free(b);
	a = list(1001, 1000);
	b = list(1, 20);
	snprintf(text, 8192, EXP("\"workload\": {\"q\": %s, \"batch\": %s}, "
		 "\"sweep\": {\"hbm.bandwidth_gbps\": %s}"), b, b, a);
	ck_assert_int_eq(experiment_parse(text, "t.json", &e, err), RL_EINPUT);
	ck_assert_has(err, "t.json: $: expected at most 1000000 points (GEMMs), found 1200000 (1000 hardware variants × 3 ops × 20 q × 20 batch)");
	free(a);
	free(b);
	free(c);
	free(text);
}
END_TEST

static Suite *hardening_suite(void)
{
	Suite *s = suite_create("hardening");
	TCase *m = tcase_create("messages"), *j = tcase_create("journal"),
	      *o = tcase_create("output"), *g = tcase_create("limits");

	tcase_add_test(m, test_unknown_key_with_newline_and_ansi_escape_is_one_printable_line);
	tcase_add_test(m, test_duplicate_key_with_control_bytes_is_one_printable_line);
	tcase_add_test(m, test_found_value_with_del_and_c1_controls_is_escaped);
	tcase_add_test(m, test_long_key_is_clipped_between_characters);
	tcase_add_test(m, test_strings_that_are_not_utf8_are_refused_naming_the_byte);
	tcase_add_test(m, test_u0000_and_lone_surrogates_are_refused);
	tcase_add_test(m, test_c1_control_in_a_string_value_is_refused);
	tcase_add_test(m, test_a_file_that_is_not_json_is_not_echoed);
	tcase_add_test(m, test_read_file_refuses_a_nul_byte_naming_the_line);
	tcase_add_test(j, test_journal_fields_out_of_range_are_refused_not_cast);
	tcase_add_test(j, test_an_edited_value_fails_the_checksum_and_is_recomputed);
	tcase_add_test(j, test_swapped_keys_fail_the_checksum);
	tcase_add_test(j, test_a_foreign_journal_header_is_quoted_escaped);
	tcase_add_test(o, test_temporaries_are_fresh_exclusive_and_recognisable);
	tcase_add_test(o, test_lock_is_exclusive_and_licenses_only_our_clean_up);
	tcase_add_test(o, test_lock_file_that_is_a_link_is_not_followed);
	tcase_add_test(g, test_sweep_variants_are_counted_before_specs_are_built);
	suite_add_tcase(s, m);
	suite_add_tcase(s, j);
	suite_add_tcase(s, o);
	suite_add_tcase(s, g);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hardening_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
