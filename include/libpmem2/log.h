/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libpmem2/log.h -- logging of the decisions libpmem2 makes on its own: the
 * store granularity of a map and why, the CPU flush and copy routines it
 * chose, sysfs files it could not read, msync failures.
 *
 * The shape is PMDK 2.1's pmem_log_* API (libpmem, libpmemobj), prefixed
 * pmem2_; PMDK never had it for libpmem2. Silent by default: messages go
 * to a user function set with pmem2_log_set_function(), or to stderr (or
 * the file PMEM2_LOG_FILE names) once the auxiliary threshold is lowered.
 * See pmem2_log_set_function(3) and pmem2_log_set_threshold(3). These
 * symbols live in their own version node, LIBPMEM2_LOG_1.0.
 */
#ifndef LIBPMEM2_LOG_H
#define LIBPMEM2_LOG_H 1

#include <stddef.h> /* NULL */

#ifdef __cplusplus
extern "C" {
#endif

/* Severity, from the most severe; a threshold lets through its level and
 * every more severe one. */
enum pmem2_log_level {
	PMEM2_LOG_LEVEL_HARK,	 /* library identification only */
	PMEM2_LOG_LEVEL_FATAL,	 /* the program cannot go on */
	PMEM2_LOG_LEVEL_ERROR,	 /* the current operation fails */
	PMEM2_LOG_LEVEL_WARNING, /* unexpected, the operation goes on */
	PMEM2_LOG_LEVEL_NOTICE,	 /* decisions, once per map */
	PMEM2_LOG_LEVEL_INFO,	 /* process-wide choices, unreadable files */
	PMEM2_LOG_LEVEL_DEBUG	 /* missing files and other details */
};

enum pmem2_log_threshold {
	PMEM2_LOG_THRESHOLD,	/* what reaches the logging function */
	PMEM2_LOG_THRESHOLD_AUX /* what the default function prints */
};

typedef void pmem2_log_function(enum pmem2_log_level level,
				const char *file_name, unsigned line_no,
				const char *function_name, const char *message);

#define PMEM2_LOG_USE_DEFAULT_FUNCTION (NULL)

int pmem2_log_set_function(pmem2_log_function *log_function);
int pmem2_log_set_threshold(enum pmem2_log_threshold threshold,
			    enum pmem2_log_level value);
int pmem2_log_get_threshold(enum pmem2_log_threshold threshold,
			    enum pmem2_log_level *value);

#ifdef __cplusplus
}
#endif
#endif /* LIBPMEM2_LOG_H */
