/*
 * csv.c — RFC 4180 records (see csv.h).
 *
 * One pass over the text per record: a quoted field is copied down over
 * its own quotes (the write pointer never passes the read pointer), so the
 * buffer is both input and output. O(bytes).
 */
#include "sim/run/csv.h"

#include <string.h>

void csv_init(struct csv *c, char *text)
{
	c->p = text;
	if (!strncmp(text, "\xEF\xBB\xBF", 3))
		c->p += 3;
	c->line = 0;
	c->next = 1;
}

/* At a record end: LF, CRLF or the end of the text. */
static int at_eol(const char *p)
{
	return *p == '\n' || *p == 0 || (p[0] == '\r' && p[1] == '\n') ||
	       (p[0] == '\r' && p[1] == 0);
}

int csv_next(struct csv *c, char **f, int max, int *more)
{
	char *p = c->p;
	int n = 0;

	if (more)
		*more = 0;
	if (!*p)
		return 0;
	c->line = c->next;
	for (;;) {
		char *start = p, *w = p;

		if (*p == '"') {
			/* quoted: until a quote not followed by another */
			p++;
			for (;;) {
				if (!*p) {
					c->p = p;
					return -1; /* the quote is never closed */
				}
				if (*p == '"') {
					if (p[1] != '"')
						break;
					p++;
				} else if (*p == '\n') {
					c->next++;
				}
				*w++ = *p++;
			}
			p++; /* the closing quote */
			if (*p != ',' && !at_eol(p)) {
				c->p = p;
				return -1; /* "abc"x */
			}
		} else {
			while (*p != ',' && !at_eol(p))
				p++;
			w = p;
		}
		if (n < max)
			f[n++] = start;
		else if (more)
			*more = 1;
		if (*p == ',') {
			*w = 0;
			p++;
			continue;
		}
		/* the record ends */
		if (*p == '\r')
			*p++ = 0;
		if (*p == '\n') {
			*p++ = 0;
			c->next++;
		}
		*w = 0;
		break;
	}
	c->p = p;
	return n;
}
