/* SPDX-License-Identifier: BSD-3-Clause */
/* test.c -- the harness behind test.h. */
#define _GNU_SOURCE
#include "test.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

unsigned test_passed, test_failed, test_skipped;
const char *test_current = "";

void test_report_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	test_failed++;
	fprintf(stdout, "FAIL %s (%s:%d): ", test_current, file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

int test_done(void)
{
	if (test_skipped)
		printf("%u passed, %u failed, %u skipped\n", test_passed,
		       test_failed, test_skipped);
	else
		printf("%u passed, %u failed\n", test_passed, test_failed);
	return test_failed ? 1 : 0;
}

const char *tmpdir(void)
{
	const char *d = getenv("TMPDIR");
	return d && *d ? d : "/tmp";
}

void tmppath(char *buf, size_t len, const char *tag)
{
	static int seq;
	snprintf(buf, len, "%s/pmem2-test-%s-%d-%d", tmpdir(), tag,
		 (int)getpid(), seq++);
}

int test_tmpfile(size_t size, char *path, size_t pathlen, int keep)
{
	char buf[4096];
	if (!path) {
		path = buf;
		pathlen = sizeof(buf);
	}
	snprintf(path, pathlen, "%s/pmem2-test.XXXXXX", tmpdir());
	int fd = mkstemp(path);
	if (fd < 0) {
		perror("mkstemp");
		exit(2);
	}
	if (size && ftruncate(fd, (off_t)size)) {
		perror("ftruncate");
		exit(2);
	}
	if (!keep)
		unlink(path);
	return fd;
}

long long file_size(const char *path)
{
	struct stat st;
	if (stat(path, &st))
		return -1;
	return (long long)st.st_size;
}

int test_count_entries(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

int test_dev_region(dev_t dev, char *region, size_t len)
{
	char link[64], real[PATH_MAX];
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(dev),
		 minor(dev));
	const char *r = realpath(link, real) ? strstr(real, "/region") : NULL;
	if (!r)
		return 0;
	if (region)
		snprintf(region, len, "%.*s", (int)strcspn(r + 1, "/"), r + 1);
	return 1;
}

int test_count_fds(void)
{
	int n = test_count_entries("/proc/self/fd");
	return n < 0 ? -1 : n - 1; /* the DIR's own fd */
}

int test_count_maps(void)
{
	int n = 0, c;
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	return n;
}
