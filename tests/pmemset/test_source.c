/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_source.c -- the sources: from a file (must exist), from a file with
 * create flags and mode bits, temporary files (no name ever; the file and
 * its descriptor are gone after delete), wrapped pmem2 sources, alignment,
 * machine-check-safe reads and writes, the shutdown-state record and
 * bad-block switch, deleting a source whose parts are still mapped, and
 * the errors of each.
 */
#include <sys/stat.h>

#include "pmemset_test.h"

TEST(from_file)
{
	struct pmemset_source *src = (void *)1;
	char path[256];
	tmppath(path, sizeof(path), "src");
	CHECK_RC(pmemset_source_from_file(&src, NULL),
		 PMEMSET_E_INVALID_SOURCE_PATH);
	CHECK(src == NULL, "NULLed on failure");
	CHECK_RC(pmemset_source_from_file(&src, path),
		 PMEMSET_E_INVALID_SOURCE_PATH);
	CHECK(strstr(pmemset_errormsg(), path) != NULL, "message: %s",
	      pmemset_errormsg());
	CHECK_RC(pmemset_source_from_file(NULL, path), -EINVAL);
	/* a directory cannot be opened for writing */
	CHECK_RC(pmemset_source_from_file(&src, tmpdir()), -EISDIR);

	int fd = open(path, O_CREAT | O_RDWR, 0600);
	close(fd);
	int fds = test_count_fds();
	CHECK_RC(pmemset_source_from_file(&src, path), 0);
	CHECK_EQ(test_count_fds(), fds + 1); /* opened at once */
	size_t al = 0;
	CHECK_RC(pmemset_source_alignment(src, &al), 0);
	CHECK_EQ(al, (size_t)sysconf(_SC_PAGESIZE));
	CHECK_RC(pmemset_source_alignment(src, NULL), -EINVAL);
	CHECK_RC(pmemset_source_alignment(NULL, &al), -EINVAL);
	CHECK_RC(pmemset_source_delete(&src), 0);
	CHECK_EQ(test_count_fds(), fds);
	CHECK_RC(pmemset_source_delete(&src), 0);
	CHECK_RC(pmemset_source_delete(NULL), 0);

	/* a read-only file: opening for writing fails with -EACCES */
	if (geteuid() != 0) {
		chmod(path, 0400);
		CHECK_RC(pmemset_source_from_file(&src, path), -EACCES);
	}
	unlink(path);
}

TEST(xsource_flags)
{
	struct pmemset_source *src = NULL;
	char path[256];
	tmppath(path, sizeof(path), "x");
	mode_t old = umask(0);

	CHECK_RC(pmemset_xsource_from_file(&src, path, 1ULL << 3),
		 PMEMSET_E_INVALID_SOURCE_FILE_CREATE_FLAGS);
	CHECK_RC(pmemset_xsource_from_file(&src, path, 1ULL << 41),
		 PMEMSET_E_INVALID_SOURCE_FILE_CREATE_FLAGS);
	CHECK_RC(pmemset_xsource_from_file(&src, path, 0),
		 PMEMSET_E_INVALID_SOURCE_PATH);
	CHECK_RC(pmemset_xsource_from_file(&src, path,
					   PMEMSET_SOURCE_FILE_DO_NOT_GROW),
		 PMEMSET_E_INVALID_SOURCE_PATH);
	/* the old "truncate if needed" is accepted and does nothing */
	CHECK_RC(pmemset_xsource_from_file(
			 &src, path, PMEMSET_SOURCE_FILE_TRUNCATE_IF_NEEDED),
		 PMEMSET_E_INVALID_SOURCE_PATH);

	/* create with a mode */
	CHECK_RC(pmemset_xsource_from_file(
			 &src, path,
			 PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED |
				 PMEMSET_SOURCE_FILE_CREATE_MODE(
					 PMEMSET_SOURCE_FILE_RWU_MODE |
					 PMEMSET_SOURCE_FILE_RGRP_MODE)),
		 0);
	struct stat st;
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0640);
	pmemset_source_delete(&src);

	/* default mode 0644 */
	unlink(path);
	CHECK_RC(pmemset_xsource_from_file(
			 &src, path, PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED),
		 0);
	stat(path, &st);
	CHECK_EQ(st.st_mode & 0777, 0644);
	pmemset_source_delete(&src);

	/* CREATE_IF_NEEDED keeps an existing file, CREATE_ALWAYS empties it */
	CHECK_EQ(truncate(path, 3 * KB4), 0);
	CHECK_RC(pmemset_xsource_from_file(
			 &src, path, PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED),
		 0);
	CHECK_EQ(file_size(path), 3 * KB4);
	pmemset_source_delete(&src);
	CHECK_RC(pmemset_xsource_from_file(
			 &src, path,
			 PMEMSET_SOURCE_FILE_CREATE_ALWAYS_MODE(
				 PMEMSET_SOURCE_FILE_RWXU_MODE)),
		 0);
	CHECK_EQ(file_size(path), 0);
	pmemset_source_delete(&src);
	CHECK_EQ(PMEMSET_SOURCE_FILE_CREATE_MODE_FROM_FLAG(
			 PMEMSET_SOURCE_FILE_CREATE_ALWAYS_MODE(0751)),
		 0751);
	umask(old);
	unlink(path);
}

TEST(temporary)
{
	struct pmemset_source *src = (void *)1;
	CHECK_RC(pmemset_source_from_temporary(&src, NULL),
		 PMEMSET_E_INVALID_SOURCE_PATH);
	CHECK(src == NULL, "NULLed");
	CHECK_RC(pmemset_source_from_temporary(&src, "/nonexistent-dir-xyz"),
		 PMEMSET_E_INVALID_SOURCE_PATH);
	CHECK(src == NULL, "NULLed");
	CHECK(strstr(pmemset_errormsg(), "does not exist") != NULL,
	      "message: %s", pmemset_errormsg());
	/* a file where the directory should be: cannot create */
	char file[256];
	tmppath(file, sizeof(file), "notdir");
	close(open(file, O_CREAT | O_WRONLY, 0600));
	CHECK_RC(pmemset_source_from_temporary(&src, file),
		 PMEMSET_E_CANNOT_CREATE_TEMP_FILE);
	unlink(file);

	char dir[256];
	tmppath(dir, sizeof(dir), "tmpdir");
	CHECK_EQ(mkdir(dir, 0700), 0);
	int entries = test_count_entries(dir);
	int fds = test_count_fds();
	int maps = test_count_maps();

	CHECK_RC(pmemset_source_from_temporary(&src, dir), 0);
	CHECK_EQ(test_count_entries(dir), entries); /* never has a name */
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_map_config *mc;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_length(mc, 4 * KB4);
	struct pmemset_part_descriptor d;
	CHECK_RC(pmemset_map(set, src, mc, &d), 0); /* grows from 0 */
	memset(d.addr, 9, 4 * KB4);
	CHECK_RC(pmemset_persist(set, d.addr, 4 * KB4), 0);
	pmemset_map_config_delete(&mc);
	CHECK_EQ(test_count_fds(), fds + 1);

	/* deleting the source closes the file; the part stays usable */
	CHECK_RC(pmemset_source_delete(&src), 0);
	CHECK_EQ(test_count_fds(), fds);
	CHECK(((char *)d.addr)[4 * KB4 - 1] == 9, "part still mapped");
	CHECK_RC(pmemset_delete(&set), 0);
	CHECK_MAPS(maps);
	CHECK_EQ(test_count_entries(dir), entries);
	rmdir(dir);
}

TEST(from_pmem2)
{
	struct pmemset_source *src = (void *)1;
	CHECK_RC(pmemset_source_from_pmem2(&src, NULL),
		 PMEMSET_E_INVALID_PMEM2_SOURCE);
	CHECK(src == NULL, "NULLed");
	CHECK_RC(pmemset_source_from_pmem2(NULL, NULL), -EINVAL);
	struct pmem2_source *p2;
	src = anon_source(2 * KB4, &p2);
	size_t al;
	CHECK_RC(pmemset_source_alignment(src, &al), 0);
	pmemset_source_delete(&src);
	/* the caller's pmem2 source is still good */
	size_t size = 0;
	CHECK_RC(pmem2_source_size(p2, &size), 0);
	CHECK_EQ(size, 2 * KB4);
	pmem2_source_delete(&p2);
}

TEST(mcsafe)
{
	char path[256];
	struct pmemset_source *src =
		file_source(path, sizeof(path), 2 * KB4, 0);
	char out[16] = "mcsafe-write", in[16] = {0};
	CHECK_RC(pmemset_source_pwrite_mcsafe(src, out, sizeof(out), 100), 0);
	CHECK_RC(pmemset_source_pread_mcsafe(src, in, sizeof(in), 100), 0);
	CHECK(memcmp(in, out, sizeof(in)) == 0, "read back");
	CHECK_RC(pmemset_source_pread_mcsafe(src, in, sizeof(in), 2 * KB4 - 8),
		 PMEMSET_E_LENGTH_OUT_OF_RANGE);
	CHECK_RC(pmemset_source_pwrite_mcsafe(src, out, sizeof(out),
					      2 * KB4 - 8),
		 PMEMSET_E_LENGTH_OUT_OF_RANGE);
	CHECK_RC(pmemset_source_pread_mcsafe(NULL, in, 1, 0), -EINVAL);
	CHECK_RC(pmemset_source_pwrite_mcsafe(NULL, in, 1, 0), -EINVAL);
	pmemset_source_delete(&src);
	unlink(path);
}

TEST(sds_and_badblock_switches)
{
	struct pmem2_source *p2;
	struct pmemset_source *src = anon_source(KB4, &p2);
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	enum pmemset_part_state state;
	CHECK_RC(pmemset_source_set_sds(src, &sds, &state), 0);
	CHECK_RC(pmemset_source_set_sds(src, &sds, &state),
		 PMEMSET_E_SDS_ALREADY_SET);
	CHECK_RC(pmemset_source_set_sds(NULL, &sds, NULL), -EINVAL);
	CHECK_RC(pmemset_source_set_sds(src, NULL, NULL), -EINVAL);
	/* anonymous memory counts no unsafe shutdowns */
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	CHECK_RC(pmemset_map(set, src, NULL, NULL), PMEMSET_E_SDS_NOSUPP);
	pmemset_source_delete(&src);
	pmem2_source_delete(&p2);

	src = anon_source(KB4, &p2);
	pmemset_source_set_badblock_detection(src, true);
	/* libpmem2 cannot look for bad blocks in anonymous memory
	 * (pmem2_badblock_context_new: PMEM2_E_NOSUPP), so the map fails */
	CHECK_RC(pmemset_map(set, src, NULL, NULL), PMEMSET_E_BADBLOCK_NOSUPP);
	CHECK(strstr(pmemset_errormsg(), "anonymous") != NULL, "message: %s",
	      pmemset_errormsg());
	pmemset_source_set_badblock_detection(src, false);
	CHECK_RC(pmemset_map(set, src, NULL, NULL), 0);
	pmemset_source_set_badblock_detection(NULL, true); /* no crash */
	struct pmemset_badblock bb = {0, 512};
	CHECK_RC(pmemset_badblock_clear(&bb, src), PMEMSET_E_BADBLOCK_NOSUPP);
	CHECK_RC(pmemset_badblock_clear(NULL, src), -EINVAL);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	pmem2_source_delete(&p2);
}

int main(void)
{
	int fds = test_count_fds();
	RUN(from_file);
	RUN(xsource_flags);
	RUN(temporary);
	RUN(from_pmem2);
	RUN(mcsafe);
	RUN(sds_and_badblock_switches);
	test_current = "leaks";
	CHECK_EQ(test_count_fds(), fds);
	return test_done();
}
