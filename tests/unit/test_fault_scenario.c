/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_fault_scenario.c -- every OS call of a whole libpmem2 session fails
 * in turn, and nothing leaks.
 *
 * One scenario exercises the library the way a program does: a source from
 * a file that sits (per a fake sysfs tree) on an fsdax NVDIMM region with a
 * DIMM, its size/alignment/RAS facts, bad-block iteration, a map in its own
 * range, a reservation with maps placed in it, extend/shrink/find, copies
 * and persists, deep flush, mcsafe I/O, and teardown. A clean run counts the
 * calls of each kind (mmap, munmap, open, fstat, malloc, sysfs, ...); then,
 * for every kind and every n up to that count, the scenario runs again with
 * the n-th call of that kind failing. Each run must either succeed (the
 * failure was absorbed, e.g. an optional sysfs attribute) or return a
 * negative code with a non-empty message, and afterwards the process must
 * hold exactly the file descriptors and mappings it held before. Memory
 * leaks are caught by running this under ASan and valgrind (scripts/test.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpmem2.h>
#include "core/os.h"
#include "core/sysfs.h"
#include "fakesys.h"
#include "test.h"

#define FILE_SIZE (4u << 20)

static int file_fd = -1;
static char root[PATH_MAX];

/* A failure must come with a message. */
static int failed(int rc, const char *what)
{
	if (rc < 0 && pmem2_errormsg()[0] == '\0')
		CHECK(0, "%s failed with %d but left no message", what, rc);
	return rc;
}

#define STEP(call)                                                            \
	do {                                                                  \
		rc = failed((call), #call);                                   \
		if (rc < 0)                                                   \
			goto out;                                             \
	} while (0)

/*
 * Returns 0 or the first error. Whatever it made is released, with
 * injection still armed: a failing release is retried once, disarmed, so
 * that cleanup is not the thing under test twice.
 */
static int scenario(void)
{
	struct pmem2_source *src = NULL, *anon = NULL;
	struct pmem2_config *cfg = NULL;
	struct pmem2_map *m1 = NULL, *m2 = NULL, *m3 = NULL, *found = NULL;
	struct pmem2_vm_reservation *rsv = NULL;
	struct pmem2_badblock_context *bbctx = NULL;
	struct pmem2_badblock bb;
	size_t size, align, len;
	uint64_t usc;
	int numa, rc;
	char id[256], buf[4096];

	memset(buf, 0xa5, sizeof(buf));

	pmem2_errormsg(); /* keep the TLS buffer out of the counts */
	STEP(pmem2_config_new(&cfg));
	STEP(pmem2_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_PAGE));
	STEP(pmem2_source_from_fd(&src, file_fd));
	STEP(pmem2_source_size(src, &size));
	STEP(pmem2_source_alignment(src, &align));

	/* RAS facts: optional, so NOSUPP is an answer, not a failure */
	len = 0;
	rc = pmem2_source_device_id(src, NULL, &len);
	if (rc == 0 && len <= sizeof(id))
		rc = pmem2_source_device_id(src, id, &len);
	if (rc < 0 && rc != PMEM2_E_NOSUPP)
		goto out;
	rc = pmem2_source_device_usc(src, &usc);
	if (rc < 0 && rc != PMEM2_E_NOSUPP)
		goto out;
	rc = pmem2_source_numa_node(src, &numa);
	if (rc < 0 && rc != PMEM2_E_NOSUPP &&
	    rc != PMEM2_E_DAX_REGION_NOT_FOUND)
		goto out;
	rc = failed(pmem2_badblock_context_new(&bbctx, src),
		    "badblock_context_new");
	if (rc < 0 && rc != PMEM2_E_NOSUPP)
		goto out;
	while (bbctx && (rc = pmem2_badblock_next(bbctx, &bb)) == 0)
		;
	if (rc < 0 && rc != PMEM2_E_NO_BAD_BLOCK_FOUND &&
	    rc != PMEM2_E_NOSUPP)
		goto out;

	/* a map in its own range */
	STEP(pmem2_config_set_length(cfg, 1u << 20));
	STEP(pmem2_map_new(&m1, cfg, src));
	pmem2_get_memset_fn(m1)(pmem2_map_get_address(m1), 0x5a, 8192, 0);
	pmem2_get_persist_fn(m1)(pmem2_map_get_address(m1), 100);
	STEP(pmem2_deep_flush(m1, pmem2_map_get_address(m1), 4096));

	/* two maps placed in a reservation, found, moved between */
	STEP(pmem2_vm_reservation_new(&rsv, NULL, 2u << 20));
	STEP(pmem2_vm_reservation_extend(rsv, 2u << 20));
	STEP(pmem2_config_set_vm_reservation(cfg, rsv, 0));
	STEP(pmem2_map_new(&m2, cfg, src));
	STEP(pmem2_config_set_vm_reservation(cfg, rsv, 1u << 20));
	STEP(pmem2_config_set_offset(cfg, 1u << 20));
	STEP(pmem2_map_new(&m3, cfg, src));
	STEP(pmem2_vm_reservation_map_find(rsv, 0, 4096, &found));
	STEP(pmem2_vm_reservation_map_find_next(rsv, found, &found));
	pmem2_get_memcpy_fn(m3)(pmem2_map_get_address(m3),
				pmem2_map_get_address(m1), 65536, 0);
	STEP(pmem2_map_delete(&m3));
	STEP(pmem2_vm_reservation_shrink(rsv, 2u << 20, 2u << 20));

	/* an anonymous source */
	STEP(pmem2_source_from_anon(&anon, 1u << 20));
	STEP(pmem2_config_set_vm_reservation(cfg, NULL, 0));
	STEP(pmem2_config_set_offset(cfg, 0));
	STEP(pmem2_map_new(&m3, cfg, anon));
	rc = pmem2_deep_flush(m3, pmem2_map_get_address(m3), 64);
	if (rc != PMEM2_E_NOSUPP) {
		CHECK(0, "deep flush of an anonymous map gave %d", rc);
		goto out;
	}

	/* machine-check-safe I/O */
	STEP(pmem2_source_pwrite_mcsafe(src, buf, sizeof(buf), 8192));
	STEP(pmem2_source_pread_mcsafe(src, buf, sizeof(buf), 8192));
	rc = 0;
out:
#define RELEASE(call, ptr)                                                   \
	do {                                                                 \
		if ((ptr) && (call) != 0) {                                  \
			os_fault_reset();                                    \
			CHECK((call) == 0, "retry of %s", #call);            \
		}                                                            \
	} while (0)
	RELEASE(pmem2_map_delete(&m3), m3);
	RELEASE(pmem2_map_delete(&m2), m2);
	RELEASE(pmem2_map_delete(&m1), m1);
	RELEASE(pmem2_vm_reservation_delete(&rsv), rsv);
	pmem2_badblock_context_delete(&bbctx);
	pmem2_source_delete(&anon);
	pmem2_source_delete(&src);
	pmem2_config_delete(&cfg);
	return rc;
}

/* the tmp file looks like it is on fsdax disk pmem1 in region1 (ADR) with
 * one DIMM, and its first 4 KiB block is listed as bad */
static int build_platform(void)
{
	struct stat st;
	if (fstat(file_fd, &st))
		return -1;
	if (fakesys_create(root, sizeof(root)) ||
	    fakesys_region(root, 1, "memory_controller") ||
	    fakesys_fsdax(root, 1, 0, "pmem1", st.st_dev, NULL, 0) ||
	    fakesys_dimm(root, 1, 0, 0, "8089-a2-1740-00000001", "3") ||
	    fakesys_write(root, "bus/nd/devices/region1/numa_node", "0\n"))
		return -1;
	sysfs_set_root(root);
	return 0;
}

TEST(every_call_fails_in_turn)
{
	static const enum os_call kinds[] = {
		OS_MMAP,  OS_MUNMAP, OS_MSYNC,	OS_OPEN,  OS_CLOSE,
		OS_FSTAT, OS_FCNTL,  OS_PREAD,	OS_PWRITE, OS_MALLOC,
		OS_SYSFS, OS_IOCTL,  OS_FALLOCATE,
	};
	unsigned long clean[OS_CALL_MAX];
	unsigned injected = 0, absorbed = 0;

	os_fault_reset();
	CHECK_RC(scenario(), 0);
	for (int k = 0; k < OS_CALL_MAX; k++)
		clean[k] = os_fault_calls((enum os_call)k);
	CHECK(clean[OS_MMAP] > 0 && clean[OS_MALLOC] > 0 &&
		      clean[OS_SYSFS] > 0 && clean[OS_FSTAT] > 0,
	      "the scenario makes mmap, malloc, sysfs and fstat calls");

	int fds = test_count_fds();
	int maps = test_count_maps();

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		enum os_call k = kinds[i];
		for (unsigned long n = 1; n <= clean[k]; n++) {
			os_fault_reset();
			os_fault_inject(k, n, k == OS_MALLOC ? ENOMEM : EIO);
			int rc = scenario();
			os_fault_reset();
			injected++;
			if (rc == 0)
				absorbed++;
			else
				CHECK(rc < 0, "%s #%lu: rc %d", os_call_names[k],
				      n, rc);
			CHECK(test_count_fds() == fds,
			      "%s #%lu failing leaked a descriptor (%d -> %d)",
			      os_call_names[k], n, fds, test_count_fds());
			if (!getenv("PMEM2_TEST_VALGRIND"))
				CHECK(test_count_maps() == maps,
				      "%s #%lu failing leaked a mapping "
				      "(%d -> %d lines in /proc/self/maps)",
				      os_call_names[k], n, maps,
				      test_count_maps());
		}
	}
	printf("injected %u failures (%lu mmap, %lu munmap, %lu malloc, "
	       "%lu sysfs, %lu fstat, ...); %u absorbed by design\n",
	       injected, clean[OS_MMAP], clean[OS_MUNMAP], clean[OS_MALLOC],
	       clean[OS_SYSFS], clean[OS_FSTAT], absorbed);
	CHECK(absorbed < injected, "most failures must surface");

	/* and the library still works afterwards */
	CHECK_RC(scenario(), 0);
}

int main(void)
{
	file_fd = test_tmpfile(FILE_SIZE, NULL, 0, 0);
	if (build_platform()) {
		printf("cannot build the fake sysfs tree\n");
		return 2;
	}
	RUN(every_call_fails_in_turn);
	sysfs_set_root(NULL);
	fakesys_destroy(root);
	close(file_fd);
	return test_done();
}
