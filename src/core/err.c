/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * err.c -- thread-local last-error message (see err.h).
 */
#define _GNU_SOURCE
#include "core/err.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

static __thread char err_buf[ERR_MSG_MAX];

static void err_vformat(size_t off, const char *fmt, va_list ap)
{
	if (off >= sizeof(err_buf))
		return;
	vsnprintf(err_buf + off, sizeof(err_buf) - off, fmt, ap);
}

void err_set(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	err_vformat(0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void err_set_errno(int errnum, const char *fmt, ...)
{
	int saved = errno;
	char ebuf[128];
	va_list ap;
	va_start(ap, fmt);
	err_vformat(0, fmt, ap);
	va_end(ap);
	size_t off = strlen(err_buf);
	const char *s = strerror_r(errnum, ebuf, sizeof(ebuf));
	snprintf(err_buf + off, sizeof(err_buf) - off, ": %s", s);
	errno = saved;
}

void err_append(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	err_vformat(strlen(err_buf), fmt, ap);
	va_end(ap);
	errno = saved;
}

const char *err_msg(void)
{
	return err_buf;
}

void err_clear(void)
{
	err_buf[0] = '\0';
}

void err_vperror(const char *fmt, va_list ap)
{
	char user[ERR_MSG_MAX];
	vsnprintf(user, sizeof(user), fmt, ap);
	fprintf(stderr, "%s: %s\n", user, err_buf);
}
