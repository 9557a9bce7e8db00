/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * logrec.h -- helpers for the logging tests of both libraries: a recorder
 * of the messages a logging function receives, and a way to run the test
 * program again in a child with a changed environment (the libraries read
 * PMEM2_LOG_* / PMEMSET_LOG_* once, when they are loaded) and its stdout
 * and stderr captured.
 *
 * The recorder is thread-safe: each library's callback type differs only
 * in its enum, so a test's callback forwards to logrec_add().
 */
#ifndef LOGREC_H
#define LOGREC_H

#include <stddef.h>

#define LOGREC_MAX 256
#define LOGREC_TEXT 1024

struct logrec_msg {
	int level;
	char file[128]; /* "" when the library passed NULL */
	unsigned line;
	char func[64];
	char text[LOGREC_TEXT];
};

void logrec_reset(void);
void logrec_add(int level, const char *file, unsigned line, const char *func,
		const char *msg);
/* messages received since the reset (also those past LOGREC_MAX) */
unsigned logrec_count(void);
/* the i-th kept message (i < min(count, LOGREC_MAX)) */
const struct logrec_msg *logrec_get(unsigned i);
/* the first kept message at level whose text contains text (NULL: any),
 * or NULL */
const struct logrec_msg *logrec_find(int level, const char *text);
/* how many kept messages are at level */
unsigned logrec_count_level(int level);

/*
 * Run argv0 again as `argv0 mode [arg]` with the environment changed by
 * env ("NAME=value" sets, "NAME" unsets; NULL-terminated, may be NULL)
 * and the child's stdout and stderr read into out and err (NUL-terminated,
 * truncated to their sizes). Returns the child's exit status, or -1.
 */
int logrec_run_self(const char *argv0, const char *mode, const char *arg,
		    const char *const *env, char *out, size_t outlen, char *err,
		    size_t errlen);

/*
 * The program as started, without the variables vars (NULL-terminated):
 * when any of them is set, unset them all and execute argv[0] again (the
 * libraries read them when they are loaded). Returns 0 when none was set;
 * 2 after printing why it could not re-execute.
 */
int logrec_without(char *argv[], const char *const *vars);

/* Run fn(ctx) with file descriptor 2 going into buf (NUL-terminated). */
void logrec_capture_stderr(void (*fn)(void *ctx), void *ctx, char *buf,
			   size_t len);

#endif
