/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.c -- thresholds, the user's logging function, the default function
 * and the legacy environment variables (see log.h).
 *
 * Defaults, as PMDK 2.1's libpmem: the main threshold is WARNING (a user
 * function gets warnings and errors without further setup), the auxiliary
 * one HARK. The default function prints a message on stderr (or in the
 * file <LIB>_LOG_FILE names) when its level is at or above the auxiliary
 * threshold and is not HARK; so by default nothing is printed. Unlike
 * PMDK's, the default function never writes to syslog: a library that
 * writes to the system log of a program that did not ask for it is a
 * surprise, and the program can install a function that does.
 *
 * <LIB>_LOG_LEVEL (0-4, the levels of PMDK's debug builds, read once at
 * load time) sets both thresholds: 0 HARK (nothing), 1 WARNING (errors and
 * warnings), 2 NOTICE (decisions), 3 INFO, 4 and above DEBUG.
 * <LIB>_LOG_FILE is opened for appending (a trailing '-' gets the process
 * id appended, as in PMDK). Both are read with secure_getenv: never for
 * set-user-id programs.
 *
 * Output is written with write(2), one call per line, so that lines of
 * concurrent threads (and processes appending to one file) do not mix.
 * This file deliberately calls the C library directly instead of the OS
 * seam (os.h): logging must not count as, or fail by, an injected fault.
 */
#define _GNU_SOURCE
#include "core/log.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/err.h"
#include "core/util.h"

#define MSG_MAX 1024
#define KIND_SLOTS 128

int core_log_threshold_main = CORE_LOG_LEVEL_WARNING;
static int Threshold_aux = CORE_LOG_LEVEL_HARK;
static core_log_user_fn Log_fn; /* NULL: the default function */
static int Log_fd = STDERR_FILENO;
/* a message being delivered on this thread: drop nested ones (a user
 * function that calls back into the library) */
static __thread int In_log;

static const char *const Level_names[CORE_LOG_LEVEL_MAX] = {
	[CORE_LOG_LEVEL_HARK] = "HARK",
	[CORE_LOG_LEVEL_FATAL] = "FATAL",
	[CORE_LOG_LEVEL_ERROR] = "ERROR",
	[CORE_LOG_LEVEL_WARNING] = "WARNING",
	[CORE_LOG_LEVEL_NOTICE] = "NOTICE",
	[CORE_LOG_LEVEL_INFO] = "INFO",
	[CORE_LOG_LEVEL_DEBUG] = "DEBUG",
};

const char *core_log_level_name(int level)
{
	if (level < 0 || level >= CORE_LOG_LEVEL_MAX)
		return "?";
	return Level_names[level];
}

/* "src/pmem2/map.c" out of the absolute __FILE__ (the basename when the
 * tree has no "src" directory) */
static const char *short_file(const char *file)
{
	const char *s = NULL, *p = file;

	if (!file)
		return NULL;
	while ((p = strstr(p, "/src/")) != NULL)
		s = ++p;
	if (s)
		return s;
	p = strrchr(file, '/');
	return p ? p + 1 : file;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static void default_function(enum core_log_level level, const char *file,
			     unsigned line, const char *func, const char *msg)
{
	char buf[MSG_MAX + 512];

	if (level == CORE_LOG_LEVEL_HARK ||
	    (int)level > __atomic_load_n(&Threshold_aux, __ATOMIC_RELAXED))
		return;
	int n = snprintf(buf, sizeof(buf), "%s %s [%s:%u %s]: %s\n",
			 core_log_lib.prefix, core_log_level_name(level),
			 file ? file : "?", line, func ? func : "?", msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf)) { /* truncated: still one line */
		n = (int)sizeof(buf) - 1;
		buf[n - 1] = '\n';
	}
	write_all(__atomic_load_n(&Log_fd, __ATOMIC_RELAXED), buf, (size_t)n);
}

void core_log(enum core_log_level level, const char *file, unsigned line,
	      const char *func, const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;

	if (In_log)
		return;
	int saved = errno;
	In_log = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	file = short_file(file);
	core_log_user_fn fn = __atomic_load_n(&Log_fn, __ATOMIC_ACQUIRE);
	if (fn)
		core_log_lib.deliver(fn, level, file, line, func, msg);
	else
		default_function(level, file, line, func, msg);
	In_log = 0;
	errno = saved;
}

/* ---- once per path kind ---- */

static uint64_t Kinds[KIND_SLOTS]; /* FNV-1a hashes, 0 = free */

/* The hash of path with digit runs folded to 'N', with tag mixed in. */
static uint64_t kind_hash(const char *path, const char *tag)
{
	uint64_t h = 14695981039346656037ull;
	bool digits = false;

	for (const char *p = path; *p; p++) {
		bool d = *p >= '0' && *p <= '9';
		if (d && digits)
			continue;
		digits = d;
		h = (h ^ (unsigned char)(d ? 'N' : *p)) * 1099511628211ull;
	}
	for (const char *p = tag; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h ? h : 1;
}

/* True the first time this hash is seen; false after, or when the table is
 * full (then nothing new is logged: a bound on what a scan can log). */
static bool first_of_kind(uint64_t h)
{
	for (unsigned i = 0; i < KIND_SLOTS; i++) {
		uint64_t v = __atomic_load_n(&Kinds[i], __ATOMIC_RELAXED);
		if (v == h)
			return false;
		if (v)
			continue;
		if (__atomic_compare_exchange_n(&Kinds[i], &v, h, false,
						__ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return true;
		if (v == h) /* another thread took the slot for this kind */
			return false;
	}
	return false;
}

/* path with digit runs as "N", for the message */
static void kind_text(const char *path, char *out, size_t len)
{
	size_t o = 0;
	bool digits = false;

	for (const char *p = path; *p && o + 1 < len; p++) {
		bool d = *p >= '0' && *p <= '9';
		if (d && digits)
			continue;
		digits = d;
		out[o++] = d ? 'N' : *p;
	}
	out[o] = '\0';
}

int core_log_sysfs(const char *file, unsigned line, const char *func,
		   const char *op, const char *path, int ret)
{
	int e = -ret;
	bool missing = e == ENOENT || e == ENOTDIR;
	enum core_log_level level =
		missing ? CORE_LOG_LEVEL_DEBUG : CORE_LOG_LEVEL_INFO;
	char kind[256], eb[128];

	if (ret >= 0 || !core_log_enabled(level))
		return ret;
	if (!first_of_kind(kind_hash(path, missing ? "m" : "u")))
		return ret;
	kind_text(path, kind, sizeof(kind));
	core_log(level, file, line, func,
		 "%s %s (%s: %s); further failures on %s are not logged", path,
		 missing ? "is missing" : "cannot be read", op,
		 strerror_r(e, eb, sizeof(eb)), kind);
	return ret;
}

/* ---- the public functions' work ---- */

/* -EINVAL with errno EINVAL: PMDK's callers test errno, ours the code */
static int einval(void)
{
	errno = EINVAL;
	return -EINVAL;
}

static int bad_threshold(int threshold)
{
	const char *p = core_log_lib.api;
	err_set("log threshold %d does not exist; use %s_LOG_THRESHOLD or "
		"%s_LOG_THRESHOLD_AUX",
		threshold, p, p);
	return einval();
}

int core_log_set_function(core_log_user_fn fn)
{
	__atomic_store_n(&Log_fn, fn, __ATOMIC_RELEASE);
	if (core_log_lib.hark)
		core_log_lib.hark();
	return 0;
}

int core_log_set_threshold(int threshold, int value)
{
	if (threshold < 0 || threshold >= CORE_LOG_THRESHOLD_MAX)
		return bad_threshold(threshold);
	if (value < CORE_LOG_LEVEL_HARK || value > CORE_LOG_LEVEL_DEBUG) {
		err_set("log level %d does not exist; use a level from "
			"%s_LOG_LEVEL_HARK (0) to %s_LOG_LEVEL_DEBUG (6)",
			value, core_log_lib.api, core_log_lib.api);
		return einval();
	}
	if (threshold == CORE_LOG_THRESHOLD)
		__atomic_store_n(&core_log_threshold_main, value,
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(&Threshold_aux, value, __ATOMIC_RELAXED);
	return 0;
}

int core_log_get_threshold(int threshold, int *value)
{
	if (threshold < 0 || threshold >= CORE_LOG_THRESHOLD_MAX)
		return bad_threshold(threshold);
	if (!value) {
		err_set("%s_log_get_threshold: the value pointer is NULL",
			core_log_lib.api_lower);
		return einval();
	}
	*value = __atomic_load_n(threshold == CORE_LOG_THRESHOLD
					 ? &core_log_threshold_main
					 : &Threshold_aux,
				 __ATOMIC_RELAXED);
	return 0;
}

/* ---- the legacy environment variables ---- */

/* PMDK's debug-build levels 0-4 as thresholds; -1 when not a level */
static int legacy_level(const char *v)
{
	static const int map[] = {
		CORE_LOG_LEVEL_HARK,   CORE_LOG_LEVEL_WARNING,
		CORE_LOG_LEVEL_NOTICE, CORE_LOG_LEVEL_INFO,
		CORE_LOG_LEVEL_DEBUG,
	};
	char *end;

	if (!v || !*v)
		return -1;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end || n < 0)
		return -1;
	return n >= 4 ? CORE_LOG_LEVEL_DEBUG : map[n];
}

static void open_log_file(const char *name)
{
	char path[4096];
	size_t len = strlen(name);
	int n;

	if (name[len - 1] == '-')
		n = snprintf(path, sizeof(path), "%s%d", name, (int)getpid());
	else
		n = snprintf(path, sizeof(path), "%s", name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
	} else {
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			      0644);
		if (fd >= 0) {
			int old = __atomic_exchange_n(&Log_fd, fd,
						      __ATOMIC_RELAXED);
			if (old != STDERR_FILENO)
				close(old);
			return;
		}
	}
	char msg[MSG_MAX], eb[128];
	n = snprintf(msg, sizeof(msg),
		     "%s: cannot open %s=%s for logging (%s); logging to "
		     "stderr\n",
		     core_log_lib.prefix, core_log_lib.file_var, name,
		     strerror_r(errno, eb, sizeof(eb)));
	if (n > 0)
		write_all(STDERR_FILENO, msg, MIN((size_t)n, sizeof(msg) - 1));
}

void core_log_init(void)
{
	int saved = errno;
	int level = legacy_level(secure_getenv(core_log_lib.level_var));
	if (level >= 0) {
		__atomic_store_n(&core_log_threshold_main, level,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&Threshold_aux, level, __ATOMIC_RELAXED);
	}
	const char *file = secure_getenv(core_log_lib.file_var);
	if (file && *file)
		open_log_file(file);
	errno = saved;
}

/* before the library's own constructor, which may already log */
__attribute__((constructor(101))) static void core_log_ctor(void)
{
	core_log_init();
}
