/* common.c — dtype names and the error-buffer helper (see common.h). */
#include "hw/common.h"

#include <stdarg.h>
#include <stdio.h>
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
