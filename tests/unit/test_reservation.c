/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_reservation.c -- virtual memory reservations: alignment of the
 * start, exact size with nothing leaked, fixed addresses (including right
 * next to another reservation, where PMDK fails), extend, shrink, the
 * map_find family, every error code with its message, and fault injection
 * of each mmap/munmap/malloc with no mapping or memory left behind.
 *
 * "Nothing leaked" is measured as the total size of the process mappings
 * (/proc/self/maps, without the brk heap) and the number of lines there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <libpmem2.h>
#include "test.h"
#include "procmaps.h"
#include "core/err.h"
#include "core/os.h"
#include "pmem2/map.h"
#include "pmem2/reservation.h"

#define PS ((size_t)4096)
#define MB (1024 * 1024ul)

/* Is [addr, addr+len) entirely free? (probe with MAP_FIXED_NOREPLACE) */
static int range_free(void *addr, size_t len)
{
	void *p =
		mmap(addr, len, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	munmap(p, len);
	return p == addr;
}

static int msg_has(const char *s)
{
	return strstr(pmem2_errormsg(), s) != NULL;
}

TEST(new_aligned_and_exact)
{
	static const size_t sizes[] = {
		PS, 5 * PS, 2 * MB, 3 * MB + PS, 2048 * MB, 2048 * MB + 2 * MB};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct pmem2_vm_reservation *rsv = (void *)1;
		size_t before = proc_mapped_bytes();
		int lines = proc_map_lines();

		CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, sizes[i]), 0);
		if (!rsv)
			continue;
		void *a = pmem2_vm_reservation_get_address(rsv);
		size_t align = sizes[i] >= 2048 * MB ? 1024 * MB : 2 * MB;
		CHECK((uintptr_t)a % align == 0,
		      "size %zu: %p not aligned to "
		      "%zu",
		      sizes[i], a, align);
		CHECK_EQ(pmem2_vm_reservation_get_size(rsv), sizes[i]);
		/* exactly the size is held: the padding was given back */
		CHECK_VM_EQ(proc_mapped_bytes() - before, sizes[i]);
		char prot[5];
		proc_page_prot(a, prot);
		CHECK(strcmp(prot, "---p") == 0, "placeholder prot '%s'", prot);
		proc_page_prot((char *)a + sizes[i] - 1, prot);
		CHECK(strcmp(prot, "---p") == 0, "last page prot '%s'", prot);

		CHECK_RC(pmem2_vm_reservation_delete(&rsv), 0);
		CHECK(rsv == NULL, "delete must clear the pointer");
		CHECK_VM_EQ(proc_mapped_bytes(), before);
		CHECK_VM_EQ(proc_map_lines(), lines);
	}
}

TEST(new_errors)
{
	struct pmem2_vm_reservation *rsv = (void *)1;

	CHECK_RC(pmem2_vm_reservation_new(&rsv, (void *)(64 * MB + 1), PS),
		 PMEM2_E_ADDRESS_UNALIGNED);
	CHECK(rsv == NULL, "output must be NULL on failure");
	CHECK(msg_has("not a multiple of the page size"), "msg: %s",
	      pmem2_errormsg());

	rsv = (void *)1;
	CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, PS + 1),
		 PMEM2_E_LENGTH_UNALIGNED);
	CHECK(rsv == NULL, "output must be NULL on failure");
	CHECK(msg_has("8192"), "msg suggests the rounded size: %s",
	      pmem2_errormsg());

	/* PMDK accepts 0 and then cannot delete it; we refuse it */
	CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, 0),
		 PMEM2_E_LENGTH_UNALIGNED);
	CHECK(msg_has("size is 0"), "msg: %s", pmem2_errormsg());

	CHECK_RC(pmem2_vm_reservation_new(NULL, NULL, PS), -EINVAL);
	CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, SIZE_MAX & ~(PS - 1)),
		 -ENOMEM);
	CHECK(rsv == NULL, "output must be NULL on failure");

	CHECK_RC(pmem2_vm_reservation_delete(NULL), -EINVAL);
	rsv = NULL;
	CHECK_RC(pmem2_vm_reservation_delete(&rsv), -EINVAL);
	CHECK(pmem2_vm_reservation_get_address(NULL) == NULL, "NULL rsv");
	CHECK_EQ(pmem2_vm_reservation_get_size(NULL), 0);
}

TEST(new_fixed_address)
{
	struct pmem2_vm_reservation *a, *b, *c;
	size_t before = proc_mapped_bytes();

	/* find 8 MiB of free address space, then give it back */
	CHECK_RC(pmem2_vm_reservation_new(&a, NULL, 8 * MB), 0);
	char *base = pmem2_vm_reservation_get_address(a);
	CHECK_RC(pmem2_vm_reservation_delete(&a), 0);

	CHECK_RC(pmem2_vm_reservation_new(&a, base, 2 * MB), 0);
	CHECK(pmem2_vm_reservation_get_address(a) == base, "exact address");
	CHECK_VM_EQ(proc_mapped_bytes() - before, 2 * MB);

	/* right next to it: PMDK over-reserves here and fails */
	CHECK_RC(pmem2_vm_reservation_new(&b, base + 2 * MB, 4 * MB), 0);
	CHECK(pmem2_vm_reservation_get_address(b) == base + 2 * MB, "exact");
	/* a non-2MiB-aligned fixed address, right after b */
	CHECK_RC(pmem2_vm_reservation_new(&c, base + 6 * MB, PS), 0);
	CHECK(pmem2_vm_reservation_get_address(c) == base + 6 * MB, "exact");
	CHECK_VM_EQ(proc_mapped_bytes() - before, 6 * MB + PS);

	/* overlapping */
	struct pmem2_vm_reservation *d = (void *)1;
	CHECK_RC(pmem2_vm_reservation_new(&d, base + 1 * MB, 2 * MB),
		 PMEM2_E_MAPPING_EXISTS);
	CHECK(d == NULL, "output must be NULL on failure");
	CHECK(msg_has("overlaps an existing mapping"), "msg: %s",
	      pmem2_errormsg());
	CHECK_RC(pmem2_vm_reservation_new(&d, base + 6 * MB, 2 * PS),
		 PMEM2_E_MAPPING_EXISTS);
	CHECK_VM_EQ(proc_mapped_bytes() - before, 6 * MB + PS);

	CHECK_RC(pmem2_vm_reservation_delete(&c), 0);
	CHECK_RC(pmem2_vm_reservation_delete(&b), 0);
	CHECK_RC(pmem2_vm_reservation_delete(&a), 0);
	CHECK_VM_EQ(proc_mapped_bytes(), before);
	CHECK(range_free(base, 8 * MB), "everything released");
}

TEST(extend)
{
	struct pmem2_vm_reservation *a, *blocker;
	size_t before = proc_mapped_bytes();

	CHECK_RC(pmem2_vm_reservation_new(&a, NULL, 16 * MB), 0);
	char *base = pmem2_vm_reservation_get_address(a);
	CHECK_RC(pmem2_vm_reservation_delete(&a), 0);

	CHECK_RC(pmem2_vm_reservation_new(&a, base, 2 * MB), 0);
	CHECK_RC(pmem2_vm_reservation_extend(a, PS + 1),
		 PMEM2_E_LENGTH_UNALIGNED);
	CHECK_RC(pmem2_vm_reservation_extend(a, 0), 0);
	CHECK_RC(pmem2_vm_reservation_extend(a, 2 * MB), 0);
	CHECK_EQ(pmem2_vm_reservation_get_size(a), 4 * MB);
	CHECK(pmem2_vm_reservation_get_address(a) == base, "start stays");
	CHECK_VM_EQ(proc_mapped_bytes() - before, 4 * MB);

	/* something right after: extend must fail and change nothing */
	CHECK_RC(pmem2_vm_reservation_new(&blocker, base + 6 * MB, PS), 0);
	CHECK_RC(pmem2_vm_reservation_extend(a, 4 * MB),
		 PMEM2_E_MAPPING_EXISTS);
	CHECK(msg_has("pmem2_vm_reservation_extend"), "msg: %s",
	      pmem2_errormsg());
	CHECK_EQ(pmem2_vm_reservation_get_size(a), 4 * MB);
	CHECK(range_free(base + 4 * MB, 2 * MB), "failed extend leaked");
	CHECK_RC(pmem2_vm_reservation_extend(a, 2 * MB), 0);
	CHECK_EQ(pmem2_vm_reservation_get_size(a), 6 * MB);

	/* fault injection */
	CHECK_RC(pmem2_vm_reservation_delete(&blocker), 0);
	os_fault_inject(OS_MMAP, 1, ENOMEM);
	CHECK_RC(pmem2_vm_reservation_extend(a, PS), -ENOMEM);
	os_fault_reset();
	CHECK_EQ(pmem2_vm_reservation_get_size(a), 6 * MB);

	CHECK_RC(pmem2_vm_reservation_extend(NULL, PS), -EINVAL);
	CHECK_RC(pmem2_vm_reservation_delete(&a), 0);
	CHECK_VM_EQ(proc_mapped_bytes(), before);
}

TEST(shrink)
{
	struct pmem2_vm_reservation *a;
	size_t before = proc_mapped_bytes();

	CHECK_RC(pmem2_vm_reservation_new(&a, NULL, 8 * MB), 0);
	char *base = pmem2_vm_reservation_get_address(a);

	CHECK_RC(pmem2_vm_reservation_shrink(a, 1, PS),
		 PMEM2_E_OFFSET_UNALIGNED);
	CHECK_RC(pmem2_vm_reservation_shrink(a, 0, PS + 1),
		 PMEM2_E_LENGTH_UNALIGNED);
	CHECK_RC(pmem2_vm_reservation_shrink(a, 8 * MB, PS),
		 PMEM2_E_OFFSET_OUT_OF_RANGE);
	CHECK_RC(pmem2_vm_reservation_shrink(a, 0, 0),
		 PMEM2_E_LENGTH_OUT_OF_RANGE);
	CHECK_RC(pmem2_vm_reservation_shrink(a, 7 * MB, 2 * MB),
		 PMEM2_E_LENGTH_OUT_OF_RANGE);
	CHECK_RC(pmem2_vm_reservation_shrink(a, PS, SIZE_MAX & ~(PS - 1)),
		 PMEM2_E_LENGTH_OUT_OF_RANGE);
	CHECK_RC(pmem2_vm_reservation_shrink(a, 0, 8 * MB), PMEM2_E_NOSUPP);
	CHECK(msg_has("pmem2_vm_reservation_delete"), "msg: %s",
	      pmem2_errormsg());
	CHECK_RC(pmem2_vm_reservation_shrink(a, MB, MB), PMEM2_E_NOSUPP);
	CHECK(msg_has("middle"), "msg: %s", pmem2_errormsg());
	CHECK_EQ(pmem2_vm_reservation_get_size(a), 8 * MB);
	CHECK_VM_EQ(proc_mapped_bytes() - before, 8 * MB);

	/* from the end */
	CHECK_RC(pmem2_vm_reservation_shrink(a, 6 * MB, 2 * MB), 0);
	CHECK_EQ(pmem2_vm_reservation_get_size(a), 6 * MB);
	CHECK(pmem2_vm_reservation_get_address(a) == base, "start stays");
	CHECK(range_free(base + 6 * MB, 2 * MB), "tail released");
	/* from the start */
	CHECK_RC(pmem2_vm_reservation_shrink(a, 0, MB), 0);
	CHECK(pmem2_vm_reservation_get_address(a) == base + MB, "new start");
	CHECK_EQ(pmem2_vm_reservation_get_size(a), 5 * MB);
	CHECK(range_free(base, MB), "head released");
	CHECK_VM_EQ(proc_mapped_bytes() - before, 5 * MB);

	/* munmap failure changes nothing */
	os_fault_inject(OS_MUNMAP, 1, EINVAL);
	CHECK_RC(pmem2_vm_reservation_shrink(a, 0, MB), -EINVAL);
	os_fault_reset();
	CHECK(pmem2_vm_reservation_get_address(a) == base + MB, "unchanged");
	CHECK_EQ(pmem2_vm_reservation_get_size(a), 5 * MB);

	CHECK_RC(pmem2_vm_reservation_shrink(NULL, 0, PS), -EINVAL);
	CHECK_RC(pmem2_vm_reservation_delete(&a), 0);
	CHECK_VM_EQ(proc_mapped_bytes(), before);
}

/* an anonymous map of len bytes at rsv offset off */
static int map_at(struct pmem2_vm_reservation *rsv, size_t off, size_t len,
		  struct pmem2_map **map)
{
	struct pmem2_source *src;
	struct pmem2_config *cfg;
	int ret;

	if (pmem2_source_from_anon(&src, len) || pmem2_config_new(&cfg))
		return -1;
	pmem2_config_set_required_store_granularity(cfg,
						    PMEM2_GRANULARITY_PAGE);
	pmem2_config_set_vm_reservation(cfg, rsv, off);
	ret = pmem2_map_new(map, cfg, src);
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
	return ret;
}

TEST(maps_inside)
{
	struct pmem2_vm_reservation *rsv;
	struct pmem2_map *m1, *m2, *m3, *found, *stray;
	size_t before = proc_mapped_bytes();
	int lines = proc_map_lines();

	CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, 16 * MB), 0);
	char *base = pmem2_vm_reservation_get_address(rsv);

	found = (void *)1;
	CHECK_RC(pmem2_vm_reservation_map_find_first(rsv, &found),
		 PMEM2_E_MAPPING_NOT_FOUND);
	CHECK(found == NULL, "NULL when not found");
	CHECK_RC(pmem2_vm_reservation_map_find_last(rsv, &found),
		 PMEM2_E_MAPPING_NOT_FOUND);

	CHECK_RC(map_at(rsv, 4 * MB, 2 * MB, &m2), 0);
	CHECK_RC(map_at(rsv, 0, PS, &m1), 0);
	CHECK_RC(map_at(rsv, 12 * MB, 4 * MB, &m3), 0);
	CHECK(pmem2_map_get_address(m1) == base, "m1 at the start");
	CHECK(pmem2_map_get_address(m2) == base + 4 * MB, "m2 at 4M");
	CHECK(pmem2_map_get_address(m3) == base + 12 * MB, "m3 at 12M");
	/* maps inside a reservation do not add address space */
	CHECK_VM_EQ(proc_mapped_bytes() - before, 16 * MB);

	/* overlapping / out of range placement */
	stray = (void *)1;
	CHECK_RC(map_at(rsv, 5 * MB, 2 * MB, &stray), PMEM2_E_MAPPING_EXISTS);
	CHECK(stray == NULL, "NULL on failure");
	CHECK_RC(map_at(rsv, 15 * MB, 2 * MB, &stray),
		 PMEM2_E_LENGTH_OUT_OF_RANGE);
	CHECK_RC(map_at(rsv, PS + 1, PS, &stray), PMEM2_E_OFFSET_UNALIGNED);

	CHECK_RC(pmem2_vm_reservation_map_find(rsv, 0, 16 * MB, &found), 0);
	CHECK(found == m1, "find: lowest overlapping");
	CHECK_RC(pmem2_vm_reservation_map_find(rsv, PS, 4 * MB - PS, &found),
		 PMEM2_E_MAPPING_NOT_FOUND);
	CHECK(found == NULL, "gap");
	CHECK_RC(
		pmem2_vm_reservation_map_find(rsv, PS, 4 * MB - PS + 1, &found),
		0);
	CHECK(found == m2, "one byte into m2");
	CHECK_RC(pmem2_vm_reservation_map_find(rsv, 13 * MB, 1, &found), 0);
	CHECK(found == m3, "inside m3");
	CHECK_RC(pmem2_vm_reservation_map_find(rsv, SIZE_MAX - 5, 100, &found),
		 PMEM2_E_MAPPING_NOT_FOUND);
	/* length 0: the map holding that offset, as in PMDK */
	CHECK_RC(pmem2_vm_reservation_map_find(rsv, 0, 0, &found), 0);
	CHECK(found == m1, "len 0 at m1");
	CHECK_RC(pmem2_vm_reservation_map_find(rsv, 4 * MB + 5, 0, &found), 0);
	CHECK(found == m2, "len 0 inside m2");
	CHECK_RC(pmem2_vm_reservation_map_find(rsv, PS, 0, &found),
		 PMEM2_E_MAPPING_NOT_FOUND);
	CHECK_RC(pmem2_vm_reservation_map_find(rsv, 0, PS, NULL), -EINVAL);

	CHECK_RC(pmem2_vm_reservation_map_find_first(rsv, &found), 0);
	CHECK(found == m1, "first");
	CHECK_RC(pmem2_vm_reservation_map_find_last(rsv, &found), 0);
	CHECK(found == m3, "last");
	CHECK_RC(pmem2_vm_reservation_map_find_next(rsv, m1, &found), 0);
	CHECK(found == m2, "next of m1");
	CHECK_RC(pmem2_vm_reservation_map_find_next(rsv, m2, &found), 0);
	CHECK(found == m3, "next of m2");
	CHECK_RC(pmem2_vm_reservation_map_find_next(rsv, m3, &found),
		 PMEM2_E_MAPPING_NOT_FOUND);
	CHECK(found == NULL, "no next of last");
	CHECK_RC(pmem2_vm_reservation_map_find_prev(rsv, m3, &found), 0);
	CHECK(found == m2, "prev of m3");
	CHECK_RC(pmem2_vm_reservation_map_find_prev(rsv, m1, &found),
		 PMEM2_E_MAPPING_NOT_FOUND);

	/* a map of another reservation is not found here */
	struct pmem2_vm_reservation *other;
	struct pmem2_map *om;
	CHECK_RC(pmem2_vm_reservation_new(&other, NULL, 2 * MB), 0);
	CHECK_RC(map_at(other, 0, PS, &om), 0);
	CHECK_RC(pmem2_vm_reservation_map_find_next(rsv, om, &found),
		 PMEM2_E_MAPPING_NOT_FOUND);
	CHECK(msg_has("not in this reservation"), "msg: %s", pmem2_errormsg());
	CHECK_RC(pmem2_map_delete(&om), 0);
	CHECK_RC(pmem2_vm_reservation_delete(&other), 0);

	/* not empty: cannot delete, cannot shrink over a map */
	CHECK_RC(pmem2_vm_reservation_delete(&rsv),
		 PMEM2_E_VM_RESERVATION_NOT_EMPTY);
	CHECK(rsv != NULL, "kept on failure");
	CHECK(msg_has("3 mappings"), "msg: %s", pmem2_errormsg());
	CHECK_RC(pmem2_vm_reservation_shrink(rsv, 0, 8 * MB),
		 PMEM2_E_VM_RESERVATION_NOT_EMPTY);
	CHECK_RC(pmem2_vm_reservation_shrink(rsv, 13 * MB, 3 * MB),
		 PMEM2_E_VM_RESERVATION_NOT_EMPTY);

	/* deleting a map puts the PROT_NONE placeholder back */
	CHECK_RC(pmem2_map_delete(&m1), 0);
	char prot[5];
	proc_page_prot(base, prot);
	CHECK(strcmp(prot, "---p") == 0, "placeholder back: '%s'", prot);
	CHECK(!range_free(base, PS), "still reserved");
	CHECK_VM_EQ(proc_mapped_bytes() - before, 16 * MB);

	/* shrinking the start keeps the maps' reservation offsets right */
	CHECK_RC(pmem2_vm_reservation_shrink(rsv, 0, 2 * MB), 0);
	CHECK(m2->reserv_offset == 2 * MB, "offset of m2 now %zu",
	      m2->reserv_offset);
	CHECK_RC(pmem2_vm_reservation_map_find(rsv, 2 * MB, 1, &found), 0);
	CHECK(found == m2, "m2 at its new offset");

	CHECK_RC(pmem2_map_delete(&m2), 0);
	CHECK_RC(pmem2_map_delete(&m3), 0);
	CHECK_RC(pmem2_vm_reservation_delete(&rsv), 0);
	CHECK_VM_EQ(proc_mapped_bytes(), before);
	CHECK_VM_EQ(proc_map_lines(), lines);
}

/*
 * Make call number 1, 2, 3, ... of `kind` fail until the fault no longer
 * fires: that run is clean and must succeed (a sweep that never gets
 * there fails at SWEEP_CAP). After each failure nothing may be left
 * mapped or allocated (checked by mapping totals; memory by ASan /
 * valgrind).
 */
#define SWEEP_CAP 1000

TEST(new_fault_injection)
{
	static const enum os_call kinds[] = {OS_MMAP, OS_MUNMAP, OS_MALLOC};
	size_t before = proc_mapped_bytes();
	int lines = proc_map_lines();

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		bool clean = false;
		for (unsigned long nth = 1; nth <= SWEEP_CAP && !clean; nth++) {
			struct pmem2_vm_reservation *rsv = (void *)1;
			os_fault_inject(kinds[k], nth, ENOMEM);
			int ret = pmem2_vm_reservation_new(&rsv, NULL, 3 * MB);
			unsigned long calls = os_fault_calls(kinds[k]);
			os_fault_reset();
			clean = calls < nth;
			if (ret == 0) {
				CHECK(clean,
				      "%s #%lu: success although "
				      "the fault was hit",
				      os_call_names[kinds[k]], nth);
				CHECK_RC(pmem2_vm_reservation_delete(&rsv), 0);
				continue;
			}
			CHECK(!clean, "%s #%lu: the clean run failed: %d",
			      os_call_names[kinds[k]], nth, ret);
			CHECK_RC(ret, -ENOMEM);
			CHECK(rsv == NULL, "NULL on failure");
			CHECK(strlen(pmem2_errormsg()) > 0, "message set");
			CHECK_VM_EQ(proc_mapped_bytes(), before);
			CHECK_VM_EQ(proc_map_lines(), lines);
		}
		CHECK(clean, "%s: the fault still fired at call %d",
		      os_call_names[kinds[k]], SWEEP_CAP);
	}

	/* fixed address */
	struct pmem2_vm_reservation *rsv;
	CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, 4 * MB), 0);
	void *base = pmem2_vm_reservation_get_address(rsv);
	CHECK_RC(pmem2_vm_reservation_delete(&rsv), 0);
	os_fault_inject(OS_MALLOC, 1, ENOMEM);
	CHECK_RC(pmem2_vm_reservation_new(&rsv, base, 4 * MB), -ENOMEM);
	os_fault_reset();
	os_fault_inject(OS_MMAP, 1, ENOMEM);
	CHECK_RC(pmem2_vm_reservation_new(&rsv, base, 4 * MB), -ENOMEM);
	os_fault_reset();
	CHECK_VM_EQ(proc_mapped_bytes(), before);

	/* delete: munmap failure keeps the reservation usable */
	CHECK_RC(pmem2_vm_reservation_new(&rsv, base, 4 * MB), 0);
	os_fault_inject(OS_MUNMAP, 1, EINVAL);
	CHECK_RC(pmem2_vm_reservation_delete(&rsv), -EINVAL);
	os_fault_reset();
	CHECK(rsv != NULL, "kept");
	CHECK(msg_has("cannot release"), "msg: %s", pmem2_errormsg());
	CHECK_EQ(pmem2_vm_reservation_get_size(rsv), 4 * MB);
	CHECK_RC(pmem2_vm_reservation_delete(&rsv), 0);
	CHECK_VM_EQ(proc_mapped_bytes(), before);
	CHECK_VM_EQ(proc_map_lines(), lines);
}

int main(void)
{
	RUN(new_aligned_and_exact);
	RUN(new_errors);
	RUN(new_fixed_address);
	RUN(extend);
	RUN(shrink);
	RUN(maps_inside);
	RUN(new_fault_injection);
	return test_done();
}
