/* common.c — dtype names, the error-buffer helper and the escaping of
 * input text for messages (see common.h). */
#include "hw/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const dtype_names[RL_NDTYPES] = {"fp16", "bf16", "fp8"};

const char *rl_dtype_name(enum rl_dtype d)
{
	return (unsigned)d < RL_NDTYPES ? dtype_names[d] : "?";
}

int rl_dtype_parse(const char *s, enum rl_dtype *out)
{
	for (int i = 0; i < RL_NDTYPES; i++)
		if (s && strcmp(s, dtype_names[i]) == 0) {
			*out = (enum rl_dtype)i;
			return RL_OK;
		}
	return RL_EINPUT;
}

void rl_errf(char *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err, RL_ERR_LEN, fmt, ap);
	va_end(ap);
}

/* Length (1–4) of the UTF-8 sequence at s and its code point in *cp, or 0
 * when the bytes there are not UTF-8 (a stray continuation byte, an
 * overlong form, a UTF-16 surrogate, beyond U+10FFFF, cut short). */
int rl_utf8_seq(const unsigned char *s, unsigned *cp)
{
	unsigned c = s[0], min;
	int n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		c &= 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		c &= 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

/* The escaped form of one character for a message, into out (≥ 8 bytes);
 * returns the bytes of s it stands for. Control characters (C0, DEL, C1,
 * U+2028/2029) become \n, \t, \r or \uXXXX, a byte that is not UTF-8
 * \xNN; with quotes, '"' and '\\' are escaped too. */
int rl_escape_char(const char *s, int quotes, char *out)
{
	unsigned cp;
	int n = rl_utf8_seq((const unsigned char *)s, &cp);

	if (n == 0) {
		snprintf(out, 8, "\\x%02X", (unsigned char)s[0]);
		return 1;
	}
	if (cp == '\n' || cp == '\t' || cp == '\r')
		snprintf(out, 8, "\\%c", cp == '\n' ? 'n' : cp == '\t' ? 't' : 'r');
	else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 ||
		 cp == 0x2029)
		snprintf(out, 8, "\\u%04X", cp);
	else if (quotes && (cp == '"' || cp == '\\'))
		snprintf(out, 8, "\\%c", (char)cp);
	else {
		memcpy(out, s, (size_t)n);
		out[n] = 0;
	}
	return n;
}

/* s made safe for a one-line message (see rl_escape_char()), clipped to len
 * (≥ 8) bytes with "..." between characters when it does not fit. */
void rl_escape(const char *s, char *buf, size_t len, int quotes)
{
	char piece[8];
	size_t used = 0, full = 0, room;

	for (const char *p = s; *p; ) {
		p += rl_escape_char(p, quotes, piece);
		full += strlen(piece);
	}
	room = full < len ? len - 1 : len - 4; /* "..." needs 3 */
	for (const char *p = s; *p; ) {
		size_t k;

		p += rl_escape_char(p, quotes, piece);
		k = strlen(piece);
		if (used + k > room)
			break;
		memcpy(buf + used, piece, k);
		used += k;
	}
	if (full >= len)
		memcpy(buf + used, "...", 3), used += 3;
	buf[used] = 0;
}

void rl_hash_init(struct rl_hash *h)
{
	h->a = 1469598103934665603ULL;
	h->b = 0x84222325cbf29ce4ULL;
}

void rl_hash_bytes(struct rl_hash *h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h->a = (h->a ^ s[i]) * 1099511628211ULL;
		h->b = (h->b ^ s[i]) * 0x100000001b3ULL ^ (h->b >> 29);
	}
}

uint64_t rl_hash_mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

void rl_strings_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
