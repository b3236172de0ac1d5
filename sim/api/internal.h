/*
 * internal.h — what the ridgeline command needs of the public library
 * beyond ridgeline.h, not installed: the CLI parses and checks --set on
 * the internal spec (with its own messages), then hands the spec over.
 */
#ifndef RL_API_INTERNAL_H
#define RL_API_INTERNAL_H

#include "hw/spec.h"
#include "sim/api/ridgeline.h"

/* Wrap spec (taken: freed by ridgeline_hw_free) as a library spec; NULL
 * when out of memory (spec is then still the caller's). */
ridgeline_hw *rl_api_hw_adopt(struct hw_spec *spec);

#endif
