/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_map_reuse.c -- address space recycling in pmem2_map_new: the range
 * the last pmem2_map_delete gave back is tried first (the file is mapped
 * with that range as the address hint, no placeholder), which saves
 * reserving, trimming and replacing a placeholder. Checked: the map lands
 * there and is aligned, in two mmap calls and no munmap; a range taken
 * meanwhile by someone else is left alone and the map goes elsewhere; a
 * failing mmap or a refused granularity at the recycled range leaves
 * nothing mapped; and MAP_SYNC is always asked of the kernel (never assumed
 * refused) on both paths, so the reason a map reports is what the kernel
 * said.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "test.h"
#include "core/os.h"
#include "pmem2/map.h"

#define MB ((size_t)1 << 20)
#define LEN (64 * 1024)

static struct pmem2_source *src;
static struct pmem2_config *cfg;
static int fd;

static struct pmem2_map *map_one(void)
{
	struct pmem2_map *m = NULL;
	int ret = pmem2_map_new(&m, cfg, src);
	CHECK(ret == 0, "map_new: %d %s", ret, pmem2_errormsg());
	return m;
}

/*
 * Does the kernel place a file mapping at a free hinted range, asked the
 * way the library asks (MAP_SYNC first, then plain)? Linux does; QEMU 7.2's
 * user mode refuses the MAP_SYNC attempt itself and then puts the plain
 * mapping 2 MiB away from the free hint.
 */
static bool hint_honoured(void)
{
	struct pmem2_map *m = map_one();
	if (!m)
		return false;
	void *a = pmem2_map_get_address(m);
	if (pmem2_map_delete(&m))
		return false;
	void *b = mmap(a, LEN, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, fd,
		       0);
	if (b == MAP_FAILED)
		b = mmap(a, LEN, PROT_READ, MAP_SHARED, fd, 0);
	if (b == MAP_FAILED)
		return false;
	munmap(b, LEN);
	return b == a;
}

TEST(recycled_range)
{
	if (!hint_honoured())
		SKIP("mmap address hints of file mappings are not honoured "
		     "here (an emulator): no recycling to check");
	struct pmem2_map *m = map_one();
	if (!m)
		return;
	void *first = pmem2_map_get_address(m);
	CHECK_RC(pmem2_map_delete(&m), 0);

	os_fault_reset();
	m = map_one();
	if (!m)
		return;
	CHECK(pmem2_map_get_address(m) == first, "recycled: %p, first %p",
	      pmem2_map_get_address(m), first);
	CHECK((uintptr_t)pmem2_map_get_address(m) % (2 * MB) == 0, "aligned");
	/* MAP_SYNC attempt (refused: not DAX) + plain shared map at the
	 * hint; no placeholder, no trimming */
	CHECK(os_fault_calls(OS_MMAP) == (m->gran.map_sync ? 1u : 2u) &&
		      os_fault_calls(OS_MUNMAP) == 0,
	      "%lu mmap, %lu munmap", os_fault_calls(OS_MMAP),
	      os_fault_calls(OS_MUNMAP));
	memset(pmem2_map_get_address(m), 7, LEN);
	CHECK_RC(pmem2_map_delete(&m), 0);
}

TEST(range_taken_meanwhile)
{
	struct pmem2_map *m = map_one();
	if (!m)
		return;
	char *first = pmem2_map_get_address(m);
	CHECK_RC(pmem2_map_delete(&m), 0);

	/* someone else maps there */
	char *other =
		mmap(first, 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (other != first) {
		if (other != MAP_FAILED)
			munmap(other, 4096);
		SKIP("could not occupy the freed range");
	}
	other[0] = 42;
	m = map_one();
	if (m) {
		CHECK(pmem2_map_get_address(m) != first, "went elsewhere");
		CHECK((uintptr_t)pmem2_map_get_address(m) % (2 * MB) == 0,
		      "aligned");
		CHECK_RC(pmem2_map_delete(&m), 0);
	}
	CHECK(other[0] == 42, "the other mapping untouched");
	munmap(other, 4096);
}

TEST(failure_at_recycled_range)
{
	struct pmem2_map *m = map_one();
	if (!m)
		return;
	CHECK_RC(pmem2_map_delete(&m), 0);
	int lines = test_count_maps();

	/* the mmap at the recycled range fails for real: reported */
	os_fault_inject(OS_MMAP, 1, ENOMEM);
	m = (void *)1;
	CHECK_RC(pmem2_map_new(&m, cfg, src), -ENOMEM);
	os_fault_reset();
	CHECK(m == NULL, "NULL on failure");
	CHECK_EQ(test_count_maps(), lines);

	/* a refused granularity at the recycled range unmaps it */
	m = map_one();
	if (!m)
		return;
	bool sync = m->gran.map_sync;
	CHECK_RC(pmem2_map_delete(&m), 0);
	if (sync)
		SKIP("the file is on DAX: CACHE_LINE would be granted");
	lines = test_count_maps();
	struct pmem2_config *strict;
	CHECK_RC(pmem2_config_new(&strict), 0);
	pmem2_config_set_required_store_granularity(
		strict, PMEM2_GRANULARITY_CACHE_LINE);
	unsetenv("PMEM2_FORCE_GRANULARITY");
	m = (void *)1;
	CHECK_RC(pmem2_map_new(&m, strict, src),
		 PMEM2_E_GRANULARITY_NOT_SUPPORTED);
	CHECK(m == NULL, "NULL on failure");
	CHECK_EQ(test_count_maps(), lines);
	pmem2_config_delete(&strict);
	/* and the next map still works */
	m = map_one();
	if (m)
		CHECK_RC(pmem2_map_delete(&m), 0);
}

/* map a memfd (tmpfs: no MAP_SYNC) and check that the kernel was asked
 * and its answer reported, in exactly want_mmaps mmap calls */
static void memfd_map_asks(int sfd, unsigned long want_mmaps)
{
	struct pmem2_source *s;
	struct pmem2_map *m = NULL;

	CHECK_RC(pmem2_source_from_fd(&s, sfd), 0);
	os_fault_reset();
	CHECK_RC(pmem2_map_new(&m, cfg, s), 0);
	unsigned long mmaps = os_fault_calls(OS_MMAP);
	const char *emu = getenv("PMEM2_TEST_EMULATOR");
	if (emu && m && m->gran.map_sync_errno == EINVAL) {
		/* QEMU 7.2's user mode refuses MAP_SYNC itself */
		printf("SKIP map_sync_asked_of_the_kernel: the emulator %s "
		       "answers MAP_SHARED_VALIDATE|MAP_SYNC with EINVAL "
		       "without asking the kernel\n",
		       emu);
		test_skipped++;
	} else {
		CHECK(m && !m->gran.map_sync &&
			      m->gran.map_sync_errno == EOPNOTSUPP,
		      "refused by the kernel with EOPNOTSUPP");
	}
	CHECK_EQ(pmem2_map_get_store_granularity(m), PMEM2_GRANULARITY_PAGE);
	CHECK_EQ(mmaps, want_mmaps);
	CHECK_RC(pmem2_map_delete(&m), 0);
	pmem2_source_delete(&s);
}

/* tmpfs cannot do MAP_SYNC, but the library asks anyway and reports the
 * kernel's answer: on the recycling path and on the ordinary one */
TEST(map_sync_asked_of_the_kernel)
{
	int sfd = memfd_create("test_map_reuse", MFD_CLOEXEC);
	struct stat st;

	if (sfd < 0 || ftruncate(sfd, LEN) || fstat(sfd, &st))
		SKIP("no memfd");
	CHECK_EQ(major(st.st_dev), 0);

	/* recycled: a map just deleted left its range; MAP_SYNC attempt
	 * at the hint + plain shared map */
	bool honoured = hint_honoured();
	struct pmem2_map *m = map_one();
	if (!m)
		return;
	CHECK_RC(pmem2_map_delete(&m), 0);
	if (honoured)
		memfd_map_asks(sfd, 2);
	else {
		printf("SKIP map_sync_asked_of_the_kernel (recycled): mmap "
		       "address hints of file mappings are not honoured "
		       "here (an emulator)\n");
		test_skipped++;
	}

	/* ordinary: the recycled range is held by another map; placeholder
	 * + MAP_SYNC probe + plain shared map over the placeholder */
	struct pmem2_map *hold = map_one();
	if (!hold)
		return;
	memfd_map_asks(sfd, 3);
	CHECK_RC(pmem2_map_delete(&hold), 0);
	close(sfd);
}

int main(void)
{
	fd = test_tmpfile(LEN, NULL, 0, 0);
	if (pmem2_source_from_fd(&src, fd) || pmem2_config_new(&cfg)) {
		printf("setup: %s\n", pmem2_errormsg());
		return 2;
	}
	pmem2_config_set_required_store_granularity(cfg,
						    PMEM2_GRANULARITY_PAGE);
	RUN(recycled_range);
	RUN(range_taken_meanwhile);
	RUN(failure_at_recycled_range);
	RUN(map_sync_asked_of_the_kernel);
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
	close(fd);
	return test_done();
}
