/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test.h -- the tiny harness every test program uses.
 *
 *   CHECK(cond, fmt, ...)      one assertion; failure prints file:line
 *   CHECK_EQ(a, b)             integers, prints both values on failure
 *   CHECK_RC(call, expected)   an int-returning call and the code it must give
 *   TEST(name) { ... }         a test case; RUN(name) runs it
 *   SKIP(fmt, ...)             skip the current case, printing why
 *   return test_done();        prints "N passed, N failed", exit status
 *
 * and the helpers every kind of test needs: temporary files and paths,
 * counts of directory entries, descriptors and mappings (procmaps.h has
 * the finer /proc/self/maps readers).
 *
 * Each case runs in-process; a case's checks count individually.
 */
#ifndef TEST_H
#define TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/types.h>

extern unsigned test_passed, test_failed, test_skipped;
extern const char *test_current;

void test_report_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int test_done(void);
/* the directory for temporary files: $TMPDIR, or /tmp */
const char *tmpdir(void);
/* a path for a new file in tmpdir() (not created), unique in this run:
 * <tmpdir>/pmem2-test-<tag>-<pid>-<sequence> */
void tmppath(char *buf, size_t len, const char *tag);
/* a fresh temporary file of the given size under tmpdir(); returns an fd
 * opened O_RDWR; the path (already unlinked unless keep) in path. */
int test_tmpfile(size_t size, char *path, size_t pathlen, int keep);
/* size of the file at path, -1 when it cannot be stat'ed */
long long file_size(const char *path);
/* entries of a directory, "." and ".." not counted; -1 when unreadable */
int test_count_entries(const char *dir);
/* Is the block device dev (a file's st_dev) on an NVDIMM region, as the
 * real /sys says (its device path passes a "regionN" directory)? 1 and the
 * name in region (if not NULL), or 0: for tests whose answer depends on
 * where TMPDIR lives. */
int test_dev_region(dev_t dev, char *region, size_t len);
/* count open file descriptors of this process */
int test_count_fds(void);
/* count mappings (lines of /proc/self/maps) */
int test_count_maps(void);

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (cond) {                                                  \
			test_passed++;                                       \
		} else {                                                     \
			test_report_fail(__FILE__, __LINE__, __VA_ARGS__);   \
		}                                                            \
	} while (0)

#define CHECK_EQ(a, b)                                                       \
	do {                                                                 \
		long long _a = (long long)(a), _b = (long long)(b);          \
		CHECK(_a == _b, "%s == %s: %lld != %lld", #a, #b, _a, _b);   \
	} while (0)

#define CHECK_RC(call, expected)                                             \
	do {                                                                 \
		int _rc = (call);                                            \
		CHECK(_rc == (expected), "%s returned %d, expected %s (%d)", \
		      #call, _rc, #expected, (int)(expected));               \
	} while (0)

#define TEST(name) static void name(void)
#define RUN(name)                                                            \
	do {                                                                 \
		test_current = #name;                                        \
		name();                                                      \
	} while (0)
#define SKIP(...)                                                            \
	do {                                                                 \
		printf("SKIP %s: ", test_current);                           \
		printf(__VA_ARGS__);                                         \
		printf("\n");                                                \
		test_skipped++;                                              \
		return;                                                      \
	} while (0)

#endif
