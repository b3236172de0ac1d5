/*
 * internal.h — what the ridgeline command needs of the public library
 * beyond ridgeline.h, not installed: the CLI parses and checks --set on
 * the internal spec (with its own messages), then hands the spec over;
 * validate and calibrate print their tables from the measured rows.
 */
#ifndef RL_API_INTERNAL_H
#define RL_API_INTERNAL_H

#include "hw/spec.h"
#include "sim/api/ridgeline.h"
#include "sim/run/validate.h"

/* Wrap spec (taken: freed by ridgeline_hw_free) as a library spec; NULL
 * when out of memory (spec is then still the caller's). */
ridgeline_hw *rl_api_hw_adopt(struct hw_spec *spec);

/* The measured rows of a validation (borrowed: valid while v is), for the
 * CLI's table and validation.csv. */
const struct validate_set *rl_api_validation_set(const ridgeline_validation *v);

/* Summarise the rows of v named by `rows` (ridgeline_validation_summary()
 * lists the names): the one selection of the CLI's table and the library.
 * RL_EINPUT for an unknown name. */
int rl_api_summary(const struct validate_set *v, const char *rows,
		   struct validate_summary *s);

#endif
