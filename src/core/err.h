/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * err.h -- the thread-local "last error" message of a library.
 *
 * Each library (libpmem2, libpmemset) links its own copy of src/core, so
 * each has its own buffer; pmem2_errormsg()/pmemset_errormsg() return it.
 * A message is written on every failure path, and says what was wrong and
 * what the caller can do about it.
 */
#ifndef CORE_ERR_H
#define CORE_ERR_H

#include <stdarg.h>

#define ERR_MSG_MAX 1024

/* Set the message (printf format). Does not modify errno. */
void err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, with ": <strerror(errnum)>" appended. */
void err_set_errno(int errnum, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append to the current message (for adding context: "...; hint"). */
void err_append(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *err_msg(void);
void err_clear(void);
/* Print "<user text>: <message>\n" to stderr. */
void err_vperror(const char *fmt, va_list ap);

#endif
