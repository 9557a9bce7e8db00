/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.h -- the logging behind pmem2_log_* and pmemset_log_*.
 *
 * A library logs what it decides on its own and a user cannot otherwise
 * see. Each library links its own copy of src/core, so each has its own
 * logging function, thresholds and output; the library describes itself
 * in core_log_lib (its message prefix, its environment variables, how to
 * call a user function of its public type).
 *
 * Cost when nothing is logged: CORE_LOG is one relaxed atomic load and a
 * compare; the message is formatted only when its level passes the main
 * threshold. Nothing here is ever called from the functions a map hands
 * out (persist, flush, drain, memmove, memcpy, memset): the library logs at
 * map creation, at initialisation and on failure paths only.
 *
 * Thread safety: the user function and both thresholds are atomics, read
 * without a lock on every message; a change is seen by the messages that
 * start after it. A message goes to the function that was current when it
 * was emitted, even if another thread changes it meanwhile.
 */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stdbool.h>

/* The numbers are those of enum pmem2_log_level / pmemset_log_level. */
enum core_log_level {
	CORE_LOG_LEVEL_HARK,
	CORE_LOG_LEVEL_FATAL,
	CORE_LOG_LEVEL_ERROR,
	CORE_LOG_LEVEL_WARNING,
	CORE_LOG_LEVEL_NOTICE,
	CORE_LOG_LEVEL_INFO,
	CORE_LOG_LEVEL_DEBUG,
	CORE_LOG_LEVEL_MAX /* not a level */
};

enum core_log_threshold {
	CORE_LOG_THRESHOLD,
	CORE_LOG_THRESHOLD_AUX,
	CORE_LOG_THRESHOLD_MAX /* not a threshold */
};

/* A user's logging function, of the library's public type; deliver()
 * converts it back before calling it. */
typedef void (*core_log_user_fn)(void);

struct core_log_lib {
	const char *prefix;    /* "libpmem2": starts each default line */
	const char *api;       /* "PMEM2": of the names in messages */
	const char *api_lower; /* "pmem2" */
	const char *level_var; /* "PMEM2_LOG_LEVEL" */
	const char *file_var;  /* "PMEM2_LOG_FILE" */
	/* call fn, a function of the library's public type */
	void (*deliver)(core_log_user_fn fn, enum core_log_level level,
			const char *file, unsigned line, const char *func,
			const char *msg);
	/* emit the HARK lines a newly set function receives (may be NULL) */
	void (*hark)(void);
};
/* Defined by each library (src/pmem2/log.c, src/pmemset/log.c). */
extern const struct core_log_lib core_log_lib;

/* The main threshold, for CORE_LOG's inline test only. */
extern int core_log_threshold_main;

static inline bool core_log_enabled(enum core_log_level level)
{
	return (int)level <=
	       __atomic_load_n(&core_log_threshold_main, __ATOMIC_RELAXED);
}

/* Deliver a message (printf format) at level, from file:line func. Keeps
 * errno and the thread's error message. */
void core_log(enum core_log_level level, const char *file, unsigned line,
	      const char *func, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#define CORE_LOG(level, ...)                                                   \
	do {                                                                   \
		if (core_log_enabled(CORE_LOG_LEVEL_##level))                  \
			core_log(CORE_LOG_LEVEL_##level, __FILE__, __LINE__,   \
				 __func__, __VA_ARGS__);                       \
	} while (0)

/*
 * A sysfs access of op ("open", "read", "opendir", ...) on path failed with
 * ret (-errno): logged at DEBUG when the file is missing (ENOENT, ENOTDIR),
 * at INFO when it is there but unreadable. Only the first failure of each
 * path kind (the path with every run of digits as "N": region0 and region7
 * are one kind) is logged, so a scan of many devices logs a few lines.
 * Returns ret.
 */
int core_log_sysfs(const char *file, unsigned line, const char *func,
		   const char *op, const char *path, int ret);
#define CORE_LOG_SYSFS(op, path, ret)                                          \
	core_log_sysfs(__FILE__, __LINE__, __func__, op, path, ret)

/*
 * The public functions' work. set_threshold and get_threshold return 0, or
 * -EINVAL (with errno EINVAL and the thread's error message set) for a
 * threshold or level that does not exist or a NULL value pointer.
 */
int core_log_set_function(core_log_user_fn fn);
int core_log_set_threshold(int threshold, int value);
int core_log_get_threshold(int threshold, int *value);

/* "HARK", "FATAL", ... "DEBUG"; "?" for anything else. */
const char *core_log_level_name(int level);

/* Read the library's environment variables again (tests; the library's
 * constructor does it once). */
void core_log_init(void);

/*
 * CORE_LOG_API(p, P, hark): in one file of library lib<p>, its public
 * logging API -- p_log_set_function, p_log_set_threshold and
 * p_log_get_threshold on top of this file's functions -- and its
 * core_log_lib (prefix "lib<p>", variables P_LOG_LEVEL and P_LOG_FILE,
 * HARK lines from hark()). Written once for both libraries, whose APIs
 * differ only in the prefix; the header of the library (with enum
 * p_log_level, enum p_log_threshold, p_log_function) and core/util.h
 * (PUBLIC) must be included first.
 */
#define CORE_LOG_API(p, P, hark_fn)                                            \
	_Static_assert(                                                        \
		(int)P##_LOG_LEVEL_HARK == CORE_LOG_LEVEL_HARK &&              \
			(int)P##_LOG_LEVEL_FATAL == CORE_LOG_LEVEL_FATAL &&    \
			(int)P##_LOG_LEVEL_ERROR == CORE_LOG_LEVEL_ERROR &&    \
			(int)P##_LOG_LEVEL_WARNING ==                          \
				CORE_LOG_LEVEL_WARNING &&                      \
			(int)P##_LOG_LEVEL_NOTICE == CORE_LOG_LEVEL_NOTICE &&  \
			(int)P##_LOG_LEVEL_INFO == CORE_LOG_LEVEL_INFO &&      \
			(int)P##_LOG_LEVEL_DEBUG == CORE_LOG_LEVEL_DEBUG &&    \
			(int)P##_LOG_THRESHOLD == CORE_LOG_THRESHOLD &&        \
			(int)P##_LOG_THRESHOLD_AUX == CORE_LOG_THRESHOLD_AUX,  \
		"the public levels and thresholds are core's");                \
	static void p##_log_deliver(core_log_user_fn fn,                       \
				    enum core_log_level level,                 \
				    const char *file, unsigned line,           \
				    const char *func, const char *msg)         \
	{                                                                      \
		((p##_log_function *)fn)((enum p##_log_level)level, file,      \
					 line, func, msg);                     \
	}                                                                      \
	const struct core_log_lib core_log_lib = {                             \
		.prefix = "lib" #p,                                            \
		.api = #P,                                                     \
		.api_lower = #p,                                               \
		.level_var = #P "_LOG_LEVEL",                                  \
		.file_var = #P "_LOG_FILE",                                    \
		.deliver = p##_log_deliver,                                    \
		.hark = hark_fn,                                               \
	};                                                                     \
	PUBLIC int p##_log_set_function(p##_log_function *log_function)        \
	{                                                                      \
		return core_log_set_function((core_log_user_fn)log_function);  \
	}                                                                      \
	PUBLIC int p##_log_set_threshold(enum p##_log_threshold threshold,     \
					 enum p##_log_level value)             \
	{                                                                      \
		return core_log_set_threshold((int)threshold, (int)value);     \
	}                                                                      \
	PUBLIC int p##_log_get_threshold(enum p##_log_threshold threshold,     \
					 enum p##_log_level *value)            \
	{                                                                      \
		int v;                                                         \
		int ret = core_log_get_threshold((int)threshold,               \
						 value ? &v : NULL);           \
		if (!ret)                                                      \
			*value = (enum p##_log_level)v;                        \
		return ret;                                                    \
	}

#endif
