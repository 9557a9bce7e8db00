/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_log.c -- what libpmem2 logs from inside, white-box: sysfs files
 * that are missing (DEBUG) or unreadable (INFO), once per kind of path and
 * only when the level is let through; a lasting msync failure of a PAGE
 * persist (ERROR, with the failure count), through fault injection; and
 * the persist method a log line names for each granularity.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>
#include <libpmem2.h>
#include "core/log.h"
#include "core/os.h"
#include "core/sysfs.h"
#include "fakesys.h"
#include "logrec.h"
#include "pmem2/log.h"
#include "pmem2/page_sync.h"
#include "pmem2/persist.h"
#include "test.h"

static void rec_fn(enum pmem2_log_level level, const char *file, unsigned line,
		   const char *func, const char *msg)
{
	logrec_add((int)level, file, line, func, msg);
}

static void use(enum pmem2_log_level threshold)
{
	pmem2_log_set_function(rec_fn);
	pmem2_log_set_threshold(PMEM2_LOG_THRESHOLD, threshold);
	logrec_reset();
}

static void defaults(void)
{
	pmem2_log_set_function(NULL);
	pmem2_log_set_threshold(PMEM2_LOG_THRESHOLD, PMEM2_LOG_LEVEL_WARNING);
	logrec_reset();
}

TEST(sysfs_missing)
{
	char root[PATH_MAX], buf[64];
	DIR *d;

	if (fakesys_create(root, sizeof(root)))
		exit(2);
	sysfs_set_root(root);
	use(PMEM2_LOG_LEVEL_DEBUG);

	CHECK_RC(sysfs_read("/sys/bus/nd/devices/region0/persistence_domain",
			    buf, sizeof(buf)),
		 -ENOENT);
	CHECK_EQ(logrec_count(), 1);
	const struct logrec_msg *m = logrec_get(0);
	CHECK_EQ(m->level, PMEM2_LOG_LEVEL_DEBUG);
	CHECK(strstr(m->text, "/sys/bus/nd/devices/region0/persistence_domain "
			      "is missing (open: ") &&
		      strstr(m->text, "regionN/persistence_domain are not "
				      "logged"),
	      "text '%s'", m->text);
	CHECK(strcmp(m->file, "src/core/sysfs.c") == 0, "file '%s'", m->file);
	CHECK(strcmp(m->func, "sysfs_open_read") == 0, "func '%s'", m->func);

	/* the same kind again (another region): not logged */
	CHECK_RC(sysfs_read("/sys/bus/nd/devices/region17/persistence_domain",
			    buf, sizeof(buf)),
		 -ENOENT);
	CHECK_EQ(logrec_count(), 1);
	/* another kind: logged */
	CHECK_RC(sysfs_read("/sys/bus/nd/devices/region0/deep_flush", buf,
			    sizeof(buf)),
		 -ENOENT);
	CHECK_RC(sysfs_opendir("/sys/bus/nd/devices", &d), -ENOENT);
	CHECK_RC(sysfs_access("/sys/bus/nd/devices/ndbus0/badblocks"), -ENOENT);
	CHECK_EQ(logrec_count(), 4);
	CHECK(logrec_find(PMEM2_LOG_LEVEL_DEBUG, "(opendir: ") != NULL,
	      "opendir not logged");
	CHECK(logrec_find(PMEM2_LOG_LEVEL_DEBUG, "(access: ") != NULL,
	      "access not logged");

	/* below the threshold: not logged, and not remembered as logged */
	use(PMEM2_LOG_LEVEL_INFO);
	CHECK_RC(sysfs_read("/sys/class/thing0/attr", buf, sizeof(buf)),
		 -ENOENT);
	CHECK_EQ(logrec_count(), 0);
	use(PMEM2_LOG_LEVEL_DEBUG);
	CHECK_RC(sysfs_read("/sys/class/thing3/attr", buf, sizeof(buf)),
		 -ENOENT);
	CHECK_EQ(logrec_count(), 1);

	/* a file that is there but cannot be read: INFO */
	fakesys_mkdir(root, "bus/nd/devices/region5/persistence_domain");
	use(PMEM2_LOG_LEVEL_INFO);
	CHECK_RC(sysfs_read("/sys/bus/nd/devices/region5/persistence_domain",
			    buf, sizeof(buf)),
		 -EISDIR);
	CHECK_EQ(logrec_count(), 1);
	m = logrec_get(0);
	CHECK_EQ(m->level, PMEM2_LOG_LEVEL_INFO);
	CHECK(strstr(m->text, "region5/persistence_domain cannot be read "
			      "(read: ") != NULL,
	      "text '%s'", m->text);

	/* a successful read logs nothing */
	fakesys_write(root, "bus/nd/devices/region6/numa_node", "1\n");
	use(PMEM2_LOG_LEVEL_DEBUG);
	CHECK_RC(sysfs_read("/sys/bus/nd/devices/region6/numa_node", buf,
			    sizeof(buf)),
		 1);
	CHECK_EQ(logrec_count(), 0);

	defaults();
	sysfs_set_root(NULL);
	fakesys_destroy(root);
}

static struct pmem2_map *page_map(int fd)
{
	struct pmem2_source *src = NULL;
	struct pmem2_config *cfg = NULL;
	struct pmem2_map *map = NULL;
	if (pmem2_source_from_fd(&src, fd) || pmem2_config_new(&cfg))
		exit(2);
	pmem2_config_set_required_store_granularity(cfg,
						    PMEM2_GRANULARITY_PAGE);
	setenv("PMEM2_FORCE_GRANULARITY", "PAGE", 1);
	int ret = pmem2_map_new(&map, cfg, src);
	unsetenv("PMEM2_FORCE_GRANULARITY");
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
	if (ret) {
		printf("pmem2_map_new: %s\n", pmem2_errormsg());
		exit(2);
	}
	return map;
}

static void failing_persist(void *arg)
{
	struct pmem2_map *map = arg;
	os_fault_inject(OS_MSYNC, 1, EIO);
	pmem2_get_persist_fn(map)(pmem2_map_get_address(map), 100);
	os_fault_reset();
}

TEST(msync_failure)
{
	char path[4096], err[4096];
	int fd = test_tmpfile(1 << 20, path, sizeof(path), 0);
	struct pmem2_map *map = page_map(fd);

	use(PMEM2_LOG_LEVEL_WARNING); /* the default threshold */
	unsigned long before = pmem2_persist_msync_failures();
	logrec_capture_stderr(failing_persist, map, err, sizeof(err));
	CHECK_EQ(logrec_count(), 1);
	const struct logrec_msg *m = logrec_get(0);
	char want[64];
	snprintf(want, sizeof(want), "(failure %lu of a PAGE persist",
		 before + 1);
	CHECK(m->level == PMEM2_LOG_LEVEL_ERROR && strstr(m->text, "msync") &&
		      strstr(m->text, strerror(EIO)) && strstr(m->text, want),
	      "level %d text '%s'", m->level, m->text);

	/* every failure is logged, with its number */
	logrec_capture_stderr(failing_persist, map, err, sizeof(err));
	snprintf(want, sizeof(want), "(failure %lu of a PAGE persist",
		 before + 2);
	CHECK(logrec_count() == 2 && strstr(logrec_get(1)->text, want),
	      "second failure: '%s'", logrec_get(1)->text);

	/* FATAL: filtered */
	use(PMEM2_LOG_LEVEL_FATAL);
	logrec_capture_stderr(failing_persist, map, err, sizeof(err));
	CHECK_EQ(logrec_count(), 0);
	CHECK_EQ(pmem2_persist_msync_failures(), before + 3);

	/* and a persist that works logs nothing */
	use(PMEM2_LOG_LEVEL_DEBUG);
	pmem2_get_persist_fn(map)(pmem2_map_get_address(map), 100);
	CHECK_EQ(logrec_count(), 0);

	defaults();
	pmem2_map_delete(&map);
	close(fd);
}

TEST(persist_method)
{
	const struct pmem2_persist_info *pi = pmem2_persist_info();
	char buf[64], want[64];

	pmem2_persist_method(PMEM2_GRANULARITY_PAGE, buf, sizeof(buf));
	CHECK(strcmp(buf, "msync") == 0, "PAGE: '%s'", buf);
	pmem2_persist_method(PMEM2_GRANULARITY_BYTE, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%s (no flush)", pi->fence);
	CHECK(strcmp(buf, want) == 0, "BYTE: '%s'", buf);
	pmem2_persist_method(PMEM2_GRANULARITY_CACHE_LINE, buf, sizeof(buf));
	if (strcmp(pi->flush, "none") == 0)
		snprintf(want, sizeof(want),
			 "msync (no cache-flush instruction known)");
	else
		snprintf(want, sizeof(want), "%s+%s", pi->flush, pi->fence);
	CHECK(strcmp(buf, want) == 0, "CACHE_LINE: '%s', expected '%s'", buf,
	      want);
}

int main(void)
{
	RUN(sysfs_missing);
	RUN(msync_failure);
	RUN(persist_method);
	return test_done();
}
