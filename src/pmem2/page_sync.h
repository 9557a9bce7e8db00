/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * page_sync.h -- the persist step of PAGE-granularity maps (msync of the
 * registered parts of a range), called by the PAGE entry points of every
 * copy engine; a failure is recorded, never returned (see page_sync.c).
 */
#ifndef PMEM2_PAGE_SYNC_H
#define PMEM2_PAGE_SYNC_H

#include <stddef.h>
#include "core/util.h"

/* hidden: the engines reach them without going through the PLT */
HIDDEN void pmem2_page_sync(const void *addr, size_t len);
/* the same, returning addr (lets an entry point end in a tail call) */
HIDDEN void *pmem2_page_sync_ret(void *addr, size_t len);

/* For tests: msync failures recorded in this process, and the errno of
 * the last one. */
unsigned long pmem2_persist_msync_failures(void);
int pmem2_persist_msync_last_errno(void);

#endif
