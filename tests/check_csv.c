/*
 * check_csv.c — sim/run/csv: RFC 4180 records as pandas and spreadsheets
 * write them, each case against the fields read off the text by hand.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run/csv.h"

static char buf[512];
static char *f[8];

static struct csv start(const char *text)
{
	struct csv c;

	snprintf(buf, sizeof buf, "%s", text);
	csv_init(&c, buf);
	return c;
}

START_TEST(test_plain_fields_split_at_commas)
{
	struct csv c = start("m,n,k\n1,2,3\n");

	ck_assert_int_eq(csv_next(&c, f, 8, NULL), 3);
	ck_assert_str_eq(f[0], "m");
	ck_assert_str_eq(f[2], "k");
	ck_assert_int_eq(c.line, 1);
	ck_assert_int_eq(csv_next(&c, f, 8, NULL), 3);
	ck_assert_str_eq(f[1], "2");
	ck_assert_int_eq(c.line, 2);
	ck_assert_int_eq(csv_next(&c, f, 8, NULL), 0);
}
END_TEST

START_TEST(test_quoted_fields_hold_commas_quotes_and_line_breaks)
{
	/* RFC 4180 §2.6-2.7: "a,b" is one field, "" is a quote, a quoted
	 * line break belongs to the field and the record goes on */
	struct csv c = start("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",x\n7,8,9,10\n");

	ck_assert_int_eq(csv_next(&c, f, 8, NULL), 4);
	ck_assert_str_eq(f[0], "a,b");
	ck_assert_str_eq(f[1], "say \"hi\"");
	ck_assert_str_eq(f[2], "two\nlines");
	ck_assert_str_eq(f[3], "x");
	ck_assert_int_eq(c.line, 1);
	ck_assert_int_eq(csv_next(&c, f, 8, NULL), 4);
	ck_assert_str_eq(f[3], "10");
	ck_assert_int_eq(c.line, 3); /* the quoted break was line 1 → 2 */
}
END_TEST

START_TEST(test_crlf_bom_and_a_missing_last_newline)
{
	struct csv c = start("\xEF\xBB\xBFm,\"n\"\r\n1,\"2\"\r\n3,4");

	ck_assert_int_eq(csv_next(&c, f, 8, NULL), 2);
	ck_assert_str_eq(f[0], "m"); /* no BOM in the first name */
	ck_assert_str_eq(f[1], "n");
	ck_assert_int_eq(csv_next(&c, f, 8, NULL), 2);
	ck_assert_str_eq(f[1], "2"); /* no \r kept */
	ck_assert_int_eq(csv_next(&c, f, 8, NULL), 2);
	ck_assert_str_eq(f[1], "4");
	ck_assert_int_eq(c.line, 3);
	ck_assert_int_eq(csv_next(&c, f, 8, NULL), 0);
}
END_TEST

START_TEST(test_empty_fields_and_blank_lines)
{
	struct csv c = start("a,,\"\"\n\n,\n");

	ck_assert_int_eq(csv_next(&c, f, 8, NULL), 3);
	ck_assert_str_eq(f[1], "");
	ck_assert_str_eq(f[2], "");
	ck_assert_int_eq(csv_next(&c, f, 8, NULL), 1); /* blank line */
	ck_assert_str_eq(f[0], "");
	ck_assert_int_eq(csv_next(&c, f, 8, NULL), 2);
	ck_assert_int_eq(c.line, 3);
}
END_TEST

START_TEST(test_malformed_records_are_refused)
{
	struct csv c = start("1,\"open\n2,3\n");
	int more;

	ck_assert_int_eq(csv_next(&c, f, 8, NULL), -1);
	ck_assert_int_eq(c.line, 1);
	c = start("x\n\"closed\"junk,1\n");
	ck_assert_int_eq(csv_next(&c, f, 8, NULL), 1);
	ck_assert_int_eq(csv_next(&c, f, 8, NULL), -1);
	ck_assert_int_eq(c.line, 2);
	/* more fields than room: counted as dropped, not an error */
	c = start("1,2,3\n");
	ck_assert_int_eq(csv_next(&c, f, 2, &more), 2);
	ck_assert_int_eq(more, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("rfc4180");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_plain_fields_split_at_commas);
	tcase_add_test(tc, test_quoted_fields_hold_commas_quotes_and_line_breaks);
	tcase_add_test(tc, test_crlf_bom_and_a_missing_last_newline);
	tcase_add_test(tc, test_empty_fields_and_blank_lines);
	tcase_add_test(tc, test_malformed_records_are_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
