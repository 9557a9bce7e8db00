/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * errcheck.h -- assertions about a library's error message, for white-box
 * tests (they clear the message through src/core/err.h first, so a message
 * left by an earlier call cannot pass for a new one).
 *
 *   CHECK_ERR(call, code)  call returns code and leaves a non-empty message
 *   CHECK_MSG(text)        the current message contains text
 */
#ifndef ERRCHECK_H
#define ERRCHECK_H

#include <string.h>
#include "core/err.h"
#include "test.h"

#define CHECK_ERR(call, code)                                                  \
	do {                                                                   \
		err_clear();                                                   \
		CHECK_RC(call, code);                                          \
		CHECK(err_msg()[0] != '\0', "no error message from %s",        \
		      #call);                                                  \
	} while (0)
#define CHECK_MSG(text)                                                        \
	CHECK(strstr(err_msg(), text) != NULL, "message \"%s\" lacks \"%s\"",  \
	      err_msg(), text)

#endif
