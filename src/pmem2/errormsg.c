/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * errormsg.c -- pmem2_errormsg, pmem2_perror and pmem2_err_to_errno.
 *
 * The message is thread-local and written by every failing call. Unlike
 * PMDK, pmem2_err_to_errno is exported, and it never aborts: a positive
 * argument (not an error code) yields EINVAL.
 */
#include <errno.h>
#include <stdarg.h>

#include <libpmem2.h>
#include "core/err.h"
#include "core/util.h"

const char *pmem2_errormsg(void)
{
	return err_msg();
}
EXPORT_V1_V2(pmem2_errormsg);

void pmem2_perror(const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	err_vperror(format, ap);
	va_end(ap);
}
EXPORT_V1_V2(pmem2_perror);

int pmem2_err_to_errno(int err)
{
	if (err == 0)
		return 0;
	if (err > 0)
		return EINVAL;
	if (err == PMEM2_E_NOSUPP)
		return ENOTSUP;
	if (err <= PMEM2_E_UNKNOWN)
		return EINVAL;
	return -err;
}
EXPORT_V1_V2(pmem2_err_to_errno);
