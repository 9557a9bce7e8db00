/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sds_sysfs.c -- unsafe shutdown detection end to end, public API
 * only: a file in TMPDIR is made to look like it lives on an NVDIMM region
 * with one DIMM (a fake sysfs tree, tests/common/fakesys.h), libpmem2 is
 * pointed at the tree with PMEM2_SYSFS_ROOT (the program re-executes itself
 * with it set, so libpmem2 sees it from its first sysfs access), and the
 * DIMM's dirty-shutdown count is changed between "runs". Skips when the
 * libpmem2 in use does not read the tree (e.g. PMDK's, which uses ndctl).
 */
#include <sys/stat.h>

#include "pmemset_test.h"
#include "fakesys.h"

#define DIMM_ID "8089-a2-1837-00000bb3"
#define DIRTY FAKESYS_NDBUS "/nmem0/nfit/dirty_shutdown"

static const char *root, *path;
static struct recorder rec;

static struct pmemset *sds_set(uint64_t acceptable)
{
	return mkset_states(PMEM2_GRANULARITY_PAGE, NULL, acceptable,
			    record_cb, &rec);
}

/* One "run" of an application: open the file with its stored record,
 * map it, optionally unmap cleanly. Returns the map result. */
static int run(struct pmemset_sds *stored, bool clean_exit,
	       enum pmemset_part_state *state, uint64_t acceptable)
{
	struct pmemset_source *src = NULL;
	CHECK_RC(pmemset_source_from_file(&src, path), 0);
	CHECK_RC(pmemset_source_set_sds(src, stored, state), 0);
	struct pmemset *set = sds_set(acceptable);
	rec_reset(&rec);
	int r = pmemset_map(set, src, NULL, NULL);
	if (r == 0)
		*stored = rec.last_sds; /* the application persists it */
	/* unmap; a "crash" does not get to persist the final record */
	pmemset_delete(&set);
	if (clean_exit && r == 0)
		*stored = rec.last_sds;
	pmemset_source_delete(&src);
	return r;
}

TEST(lifecycle)
{
	/* does this libpmem2 read the fake tree? */
	struct pmem2_source *p2;
	int fd = open(path, O_RDWR);
	pmem2_source_from_fd(&p2, fd);
	uint64_t usc = 0;
	int r = pmem2_source_device_usc(p2, &usc);
	pmem2_source_delete(&p2);
	close(fd);
	if (r)
		SKIP("libpmem2 does not read PMEM2_SYSFS_ROOT (%d: %s)", r,
		     pmem2_errormsg());
	CHECK_EQ(usc, 3);

	struct pmemset_sds stored = PMEMSET_SDS_INITIALIZE();
	enum pmemset_part_state st = 0;

	/* first run: the record takes the DIMM's id and count */
	CHECK_RC(run(&stored, true, &st, 0), 0);
	CHECK_EQ(st, PMEMSET_PART_STATE_OK);
	CHECK(strcmp(stored.id, DIMM_ID) == 0, "id %s", stored.id);
	CHECK_EQ(stored.usc, 3);
	CHECK_EQ(stored.refcount, 0);

	/* a power failure while nothing was mapped: fine */
	fakesys_write(root, DIRTY, "4\n");
	CHECK_RC(run(&stored, true, &st, 0), 0);
	CHECK_EQ(st, PMEMSET_PART_STATE_OK);
	CHECK_EQ(stored.usc, 4);

	/* a crash with the part mapped, no unsafe shutdown: interrupted */
	CHECK_RC(run(&stored, false, &st, 0), 0);
	CHECK_EQ(stored.refcount, 1); /* as persisted right after the map */
	struct pmemset_sds crashed = stored;
	CHECK_RC(run(&stored, true, &st, 0), PMEMSET_E_UNDESIRABLE_PART_STATE);
	CHECK_EQ(st, PMEMSET_PART_STATE_OK_BUT_INTERRUPTED);

	/* ... plus an unsafe shutdown: corrupted */
	fakesys_write(root, DIRTY, "5\n");
	stored = crashed;
	CHECK_RC(run(&stored, true, &st, 0), PMEMSET_E_UNDESIRABLE_PART_STATE);
	CHECK_EQ(st, PMEMSET_PART_STATE_CORRUPTED);
	/* the application checks its data and accepts */
	stored = crashed;
	CHECK_RC(run(&stored, true, &st,
		     PMEMSET_PART_STATE_OK | PMEMSET_PART_STATE_CORRUPTED),
		 0);
	CHECK_EQ(st, PMEMSET_PART_STATE_CORRUPTED);
	CHECK_EQ(stored.usc, 5);
	CHECK_EQ(stored.refcount, 0);
	/* and from then on it is clean */
	CHECK_RC(run(&stored, true, &st, 0), 0);
	CHECK_EQ(st, PMEMSET_PART_STATE_OK);

	/* no dirty_shutdown attribute (emulated NVDIMM): not supported */
	fakesys_remove(root, DIRTY);
	CHECK_RC(run(&stored, true, &st, 0), PMEMSET_E_SDS_NOSUPP);
}

int main(int argc, char *argv[])
{
	(void)argc;
	root = getenv("PMEMSET_TEST_FAKE_ROOT");
	path = getenv("PMEMSET_TEST_FAKE_FILE");
	if (!root || !path) {
		static char r[4096], p[512];
		tmppath(p, sizeof(p), "sds");
		int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
		struct stat st;
		if (fd < 0 || ftruncate(fd, 4 * 4096) || fstat(fd, &st) ||
		    fakesys_create(r, sizeof(r))) {
			printf("cannot set up the test\n");
			return 2;
		}
		close(fd);
		fakesys_region(r, 1, "memory_controller");
		fakesys_fsdax(r, 1, 0, "pmem1", st.st_dev, NULL, 0);
		fakesys_dimm(r, 1, 0, 0, DIMM_ID, "3");
		setenv("PMEMSET_TEST_FAKE_ROOT", r, 1);
		setenv("PMEMSET_TEST_FAKE_FILE", p, 1);
		setenv("PMEM2_SYSFS_ROOT", r, 1);
		execv(argv[0], argv); /* argv[0]: also right under valgrind */
		execv("/proc/self/exe", argv);
		printf("cannot re-execute: %s\n", strerror(errno));
		fakesys_destroy(r);
		unlink(p);
		return 2;
	}
	RUN(lifecycle);
	fakesys_destroy(root);
	unlink(path);
	return test_done();
}
