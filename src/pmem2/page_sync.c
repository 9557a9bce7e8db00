/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * page_sync.c -- how a PAGE-granularity map persists: msync of the
 * registered parts of the range, and what happens when msync fails.
 *
 * PMDK abort()s the process. A library should not kill its host for an
 * I/O error the application might handle, and the persist, flush, memmove,
 * memcpy and memset functions a map hands out have no way to return one.
 * So instead:
 *  - EINTR is restarted by pmem2_registry_msync; EINTR/EAGAIN that still
 *    come back are retried a few times here;
 *  - a lasting failure (EIO, ENOSPC on a thin-provisioned file, ENOMEM...)
 *    is recorded: the calling thread's error message says which range
 *    failed and why, and the first failure in the process is reported with
 *    one line on stderr ("libpmem2: msync of ... (reported once)"), so it
 *    is not lost when nobody looks. A process-wide count and the last
 *    errno are kept too, for the library's own tests; they are not part
 *    of the API;
 *  - the data is then NOT known to be durable. pmem2_errormsg() names the
 *    failed range, but it is not cleared by a later success, so it cannot
 *    tell an application whether a given persist worked: an application
 *    that needs certainty calls pmem2_deep_flush on the range, which
 *    writes it back again and returns any error, before declaring a
 *    transaction committed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include "core/err.h"
#include "core/util.h"
#include "log.h"
#include "memops.h"
#include "page_sync.h"
#include "registry.h"

#define MSYNC_RETRIES 3

static unsigned long Msync_failures;
static int Msync_last_errno;
static int Msync_reported;

unsigned long pmem2_persist_msync_failures(void)
{
	return __atomic_load_n(&Msync_failures, __ATOMIC_RELAXED);
}

int pmem2_persist_msync_last_errno(void)
{
	return __atomic_load_n(&Msync_last_errno, __ATOMIC_RELAXED);
}

HIDDEN void pmem2_page_sync(const void *addr, size_t len)
{
	int ret;

	if (!len)
		return;
	INSTR(MSYNC, addr, len);
	for (int i = 0;; i++) {
		ret = pmem2_registry_msync(addr, len);
		if ((ret != -EINTR && ret != -EAGAIN) || i == MSYNC_RETRIES)
			break;
	}
	if (likely(ret == 0))
		return;

	int e = -ret;
	__atomic_add_fetch(&Msync_failures, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&Msync_last_errno, e, __ATOMIC_RELAXED);
	err_set_errno(e,
		      "msync of [%p, +%zu) failed while persisting a "
		      "PAGE-granularity map; the data may not be durable, "
		      "check the file system and device",
		      addr, len);
	pmem2_log_msync_failure(pmem2_persist_msync_failures());
	if (!__atomic_exchange_n(&Msync_reported, 1, __ATOMIC_RELAXED))
		fprintf(stderr, "libpmem2: %s (reported once)\n", err_msg());
}

HIDDEN void *pmem2_page_sync_ret(void *addr, size_t len)
{
	pmem2_page_sync(addr, len);
	return addr;
}
