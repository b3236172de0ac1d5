/*
 * csv.h — reading CSV text as RFC 4180 records, in place.
 *
 * What spreadsheets and pandas write: fields separated by commas; a field
 * may be quoted ("..."), and then holds commas, line breaks and quotes
 * written twice (""); records end with LF or CRLF; a UTF-8 byte-order mark
 * before the first record is skipped. Unquoted fields are taken as they are
 * (spaces included), as the RFC says.
 *
 * The reader splits the caller's buffer in place: the field pointers point
 * into it, unquoted, NUL-terminated, valid until the buffer is freed. It
 * allocates nothing.
 */
#ifndef RL_RUN_CSV_H
#define RL_RUN_CSV_H

struct csv {
	char *p;   /* next unread byte of the text (NUL-terminated, caller's) */
	int line;  /* line on which the record returned last starts (1-based) */
	int next;  /* line on which the next record starts */
};

/* Start reading text (modified in place by csv_next). */
void csv_init(struct csv *c, char *text);

/* The next record: up to max fields into f (further fields are dropped,
 * *more set if given). Returns the field count (>= 1), 0 at the end of the
 * text, or -1 for a malformed record (a quote left open, or characters after
 * a closing quote), c->line naming where it starts. A blank line is a
 * record of one empty field. */
int csv_next(struct csv *c, char **f, int max, int *more);

#endif
