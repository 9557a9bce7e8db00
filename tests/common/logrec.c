/* SPDX-License-Identifier: BSD-3-Clause */
/* logrec.c -- the logging tests' helpers (see logrec.h). */
#define _GNU_SOURCE
#include "logrec.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct logrec_msg msgs[LOGREC_MAX];
static unsigned count;

void logrec_reset(void)
{
	pthread_mutex_lock(&lock);
	count = 0;
	pthread_mutex_unlock(&lock);
}

void logrec_add(int level, const char *file, unsigned line, const char *func,
		const char *msg)
{
	pthread_mutex_lock(&lock);
	if (count < LOGREC_MAX) {
		struct logrec_msg *m = &msgs[count];
		m->level = level;
		snprintf(m->file, sizeof(m->file), "%s", file ? file : "");
		m->line = line;
		snprintf(m->func, sizeof(m->func), "%s", func ? func : "");
		snprintf(m->text, sizeof(m->text), "%s", msg ? msg : "");
	}
	count++;
	pthread_mutex_unlock(&lock);
}

unsigned logrec_count(void)
{
	pthread_mutex_lock(&lock);
	unsigned n = count;
	pthread_mutex_unlock(&lock);
	return n;
}

const struct logrec_msg *logrec_get(unsigned i)
{
	return i < LOGREC_MAX ? &msgs[i] : NULL;
}

const struct logrec_msg *logrec_find(int level, const char *text)
{
	unsigned n = logrec_count();
	for (unsigned i = 0; i < n && i < LOGREC_MAX; i++)
		if (msgs[i].level == level &&
		    (!text || strstr(msgs[i].text, text)))
			return &msgs[i];
	return NULL;
}

unsigned logrec_count_level(int level)
{
	unsigned n = logrec_count(), k = 0;
	for (unsigned i = 0; i < n && i < LOGREC_MAX; i++)
		k += msgs[i].level == level;
	return k;
}

static void read_fd(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

int logrec_run_self(const char *argv0, const char *mode, const char *arg,
		    const char *const *env, char *out, size_t outlen, char *err,
		    size_t errlen)
{
	int ofd = memfd_create("child-stdout", MFD_CLOEXEC);
	int efd = memfd_create("child-stderr", MFD_CLOEXEC);
	int status = -1;

	if (ofd < 0 || efd < 0)
		goto end;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		goto end;
	if (pid == 0) {
		for (const char *const *e = env; e && *e; e++) {
			const char *eq = strchr(*e, '=');
			if (!eq) {
				unsetenv(*e);
				continue;
			}
			char name[128];
			snprintf(name, sizeof(name), "%.*s", (int)(eq - *e),
				 *e);
			setenv(name, eq + 1, 1);
		}
		dup2(ofd, 1);
		dup2(efd, 2);
		char *const argv[] = {(char *)argv0, (char *)mode, (char *)arg,
				      NULL};
		execv(argv0, argv);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	read_fd(ofd, out, outlen);
	read_fd(efd, err, errlen);
end:
	if (ofd >= 0)
		close(ofd);
	if (efd >= 0)
		close(efd);
	return status;
}

int logrec_without(char *argv[], const char *const *vars)
{
	bool set = false;
	for (const char *const *v = vars; *v; v++)
		set |= getenv(*v) != NULL;
	if (!set)
		return 0;
	for (const char *const *v = vars; *v; v++)
		unsetenv(*v);
	execv(argv[0], argv); /* argv[0]: also right under valgrind */
	execv("/proc/self/exe", argv);
	printf("cannot re-execute: %s\n", strerror(errno));
	return 2;
}

void logrec_capture_stderr(void (*fn)(void *ctx), void *ctx, char *buf,
			   size_t len)
{
	fflush(stderr);
	int saved = dup(2);
	int fd = memfd_create("stderr", MFD_CLOEXEC);
	dup2(fd, 2);
	fn(ctx);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	read_fd(fd, buf, len);
	close(fd);
}
