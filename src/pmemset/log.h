/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.h -- what libpmemset logs about its own decisions, as functions the
 * decision points call with one line each.
 */
#ifndef PMEMSET_LOG_H
#define PMEMSET_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include "core/log.h"
#include "pmemset_internal.h"

/* NOTICE, after a map (no lock held): where part e of src went, whether it
 * was coalesced into the previous part map, and the set's granularity. */
void pmemset_log_part_mapped(struct pmemset *set, struct pmemset_source *src,
			     size_t offset, const struct pmemset_part_entry *e,
			     bool coalesced);

/* INFO: coalescing (mode) was tried and failed, the thread's error message
 * says why; FULL fails the map, OPPORTUNISTIC maps elsewhere. */
void pmemset_log_not_coalesced(int mode);

#endif
