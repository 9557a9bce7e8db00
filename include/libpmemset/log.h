/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libpmemset/log.h -- logging of the decisions libpmemset makes on its own:
 * where a part is mapped (a new part map or coalesced with the previous
 * one, and why not), the shutdown state a source was classified in, and
 * what is decided about the set's store granularity.
 *
 * The shape is PMDK 2.1's pmem_log_* API (libpmem, libpmemobj), prefixed
 * pmemset_; PMDK never had it for libpmemset. Silent by default. The
 * messages of libpmem2 underneath (the granularity of each map and why)
 * are libpmem2's: see pmem2_log_set_function(3). Included by
 * <libpmemset.h>; the symbols live in version node LIBPMEMSET_LOG_1.0.
 */
#ifndef LIBPMEMSET_LOG_H
#define LIBPMEMSET_LOG_H 1

#include <stddef.h> /* NULL */

#ifdef __cplusplus
extern "C" {
#endif

/* Severity, from the most severe; a threshold lets through its level and
 * every more severe one. */
enum pmemset_log_level {
	PMEMSET_LOG_LEVEL_HARK,	   /* library identification only */
	PMEMSET_LOG_LEVEL_FATAL,   /* the program cannot go on */
	PMEMSET_LOG_LEVEL_ERROR,   /* the current operation fails */
	PMEMSET_LOG_LEVEL_WARNING, /* unexpected, the operation goes on */
	PMEMSET_LOG_LEVEL_NOTICE,  /* decisions, once per part */
	PMEMSET_LOG_LEVEL_INFO,	   /* why a decision went the way it did */
	PMEMSET_LOG_LEVEL_DEBUG	   /* details */
};

enum pmemset_log_threshold {
	PMEMSET_LOG_THRESHOLD,	  /* what reaches the logging function */
	PMEMSET_LOG_THRESHOLD_AUX /* what the default function prints */
};

typedef void pmemset_log_function(enum pmemset_log_level level,
				  const char *file_name, unsigned line_no,
				  const char *function_name,
				  const char *message);

#define PMEMSET_LOG_USE_DEFAULT_FUNCTION (NULL)

int pmemset_log_set_function(pmemset_log_function *log_function);
int pmemset_log_set_threshold(enum pmemset_log_threshold threshold,
			      enum pmemset_log_level value);
int pmemset_log_get_threshold(enum pmemset_log_threshold threshold,
			      enum pmemset_log_level *value);

#ifdef __cplusplus
}
#endif
#endif /* LIBPMEMSET_LOG_H */
