/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_tmpfile.c -- pmemset_source_from_temporary where the file system has
 * no O_TMPFILE: the fallback makes a named file with mkstemp and unlinks it
 * at once, so the directory is left as it was and the file is gone with the
 * source; if the unlink fails, the error names the file left behind.
 * O_TMPFILE's refusal is simulated through the OS seam.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpmemset.h>
#include "core/os.h"
#include "test.h"

static char dir[] = "/tmp/pmemset-tmpfile.XXXXXX";

static int entries(void)
{
	return test_count_entries(dir);
}

static void map_and_write(struct pmemset_source *src)
{
	struct pmemset_config *cfg;
	struct pmemset *set;
	struct pmemset_map_config *mc;
	struct pmemset_part_descriptor desc;

	CHECK_RC(pmemset_config_new(&cfg), 0);
	CHECK_RC(pmemset_config_set_required_store_granularity(
			 cfg, PMEM2_GRANULARITY_PAGE),
		 0);
	CHECK_RC(pmemset_new(&set, cfg), 0);
	CHECK_RC(pmemset_map_config_new(&mc), 0);
	pmemset_map_config_set_length(mc, 65536);
	CHECK_RC(pmemset_map(set, src, mc, &desc), 0);
	if (desc.addr) {
		pmemset_memset(set, desc.addr, 0x5a, 65536, 0);
		CHECK(((unsigned char *)desc.addr)[65535] == 0x5a, "written");
	}
	CHECK_RC(pmemset_delete(&set), 0);
	pmemset_map_config_delete(&mc);
	pmemset_config_delete(&cfg);
}

TEST(fallback_without_o_tmpfile)
{
	struct pmemset_source *src = NULL;
	int fds = test_count_fds();

	os_fault_reset();
	os_fault_inject(OS_OPEN, 1, EOPNOTSUPP); /* the O_TMPFILE open */
	CHECK_RC(pmemset_source_from_temporary(&src, dir), 0);
	CHECK(os_fault_calls(OS_OPEN) == 2, "O_TMPFILE refused, then mkstemp");
	CHECK_EQ(os_fault_calls(OS_UNLINK), 1);
	os_fault_reset();
	CHECK_EQ(entries(), 0); /* unlinked at once */
	if (src) {
		map_and_write(src);
		CHECK_RC(pmemset_source_delete(&src), 0);
	}
	CHECK_EQ(test_count_fds(), fds);
	CHECK_EQ(entries(), 0);
}

TEST(unlink_fails)
{
	struct pmemset_source *src = (void *)1;
	int fds = test_count_fds();

	os_fault_reset();
	os_fault_inject(OS_OPEN, 1, EOPNOTSUPP);
	os_fault_inject(OS_UNLINK, 1, EIO);
	CHECK_RC(pmemset_source_from_temporary(&src, dir),
		 PMEMSET_E_CANNOT_CREATE_TEMP_FILE);
	os_fault_reset();
	CHECK(src == NULL, "no source on failure");
	CHECK(strstr(pmemset_errormsg(), "pmemset.") &&
		      strstr(pmemset_errormsg(), "remove it by hand"),
	      "the message names the file left behind: %s",
	      pmemset_errormsg());
	CHECK_EQ(test_count_fds(), fds);
	/* the file the message names is there; clean it up */
	CHECK_EQ(entries(), 1);
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			char p[512];
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
}

TEST(other_open_errors_are_not_retried)
{
	struct pmemset_source *src = NULL;
	os_fault_reset();
	os_fault_inject(OS_OPEN, 1, EACCES);
	CHECK_RC(pmemset_source_from_temporary(&src, dir),
		 PMEMSET_E_CANNOT_CREATE_TEMP_FILE);
	CHECK(os_fault_calls(OS_OPEN) == 1, "no mkstemp after EACCES");
	os_fault_reset();
	CHECK(strstr(pmemset_errormsg(), "Permission denied") != NULL,
	      "errno in the message: %s", pmemset_errormsg());
	CHECK_EQ(entries(), 0);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	RUN(fallback_without_o_tmpfile);
	RUN(unlink_fails);
	RUN(other_open_errors_are_not_retried);
	rmdir(dir);
	return test_done();
}
