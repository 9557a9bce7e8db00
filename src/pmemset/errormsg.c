/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * errormsg.c -- libpmemset's error reporting: the thread-local message of
 * the last failure (libpmemset has its own copy of src/core, so its own
 * buffer, separate from libpmem2's), perror, and the translation of any code
 * a libpmemset function can return -- including libpmem2's -100xxx codes,
 * which some calls pass through -- into an errno value.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "core/err.h"
#include "core/util.h"
#include "pmemset_internal.h"

/*
 * PMDK's shared libpmem2 does not export pmem2_err_to_errno; ours does.
 * Take it when it is there and apply the same rule ourselves otherwise.
 */
#pragma weak pmem2_err_to_errno

PUBLIC const char *pmemset_errormsg(void)
{
	return err_msg();
}

PUBLIC void pmemset_perror(const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	err_vperror(format, ap);
	va_end(ap);
}

static int pmem2_code_to_errno(int err)
{
	if (pmem2_err_to_errno)
		return pmem2_err_to_errno(err);
	return err == PMEM2_E_NOSUPP ? ENOTSUP : EINVAL;
}

/*
 * 0 -> 0; a -errno value -> errno; PMEMSET_E_* -> the closest errno
 * (ENOTSUP for the "not supported" codes, ENOMEM, EIO, else EINVAL);
 * PMEM2_E_* -> what libpmem2 says. A positive value is not an error code of
 * ours: EINVAL (PMDK aborted the process).
 */
PUBLIC int pmemset_err_to_errno(int err)
{
	if (err > 0)
		return EINVAL;
	if (err > PMEM2_E_UNKNOWN) /* 0 or -errno */
		return -err;
	if (err > PMEMSET_E_UNKNOWN) /* -100000 .. -199999: libpmem2 */
		return pmem2_code_to_errno(err);
	switch (err) {
	case PMEMSET_E_NOSUPP:
	case PMEMSET_E_SDS_NOSUPP:
	case PMEMSET_E_BADBLOCK_NOSUPP:
		return ENOTSUP;
	case PMEMSET_E_CANNOT_ALLOCATE_INTERNAL_STRUCTURE:
		return ENOMEM;
	case PMEMSET_E_IO_FAIL:
		return EIO;
	default:
		return EINVAL;
	}
}

void pmemset_err_pmem2(int pmem2_code, const char *fmt, ...)
{
	/* pmem2_errormsg() lives in libpmem2's buffer; copy it first */
	char p2[ERR_MSG_MAX];
	snprintf(p2, sizeof(p2), "%s", pmem2_errormsg());
	va_list ap;
	va_start(ap, fmt);
	char what[ERR_MSG_MAX];
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	err_set("%s: libpmem2 error %d: %s", what, pmem2_code,
		p2[0] ? p2 : "(no message)");
}
