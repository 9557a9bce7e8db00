/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_faults.c -- every failure path unwinds, white-box.
 *
 * 1. libpmemset's own system calls and allocations (its copy of the OS
 *    seam, src/core/os.h): a whole life cycle -- configs, file, created
 *    and temporary sources, maps with growth and coalescing, a split by
 *    remove_range, removals, deletes -- is run once per call, making the
 *    nth call of one kind fail, for every n until the run no longer
 *    reaches n. Each failing run must return a negative code with a
 *    message and leave no descriptor, no mapping (/proc/self/maps) and,
 *    under ASan, no memory behind.
 * 2. libpmem2 failing under libpmemset: this program wraps libpmem2's
 *    functions (its definitions win over the shared library's for the
 *    static libpmemset archive; the real ones are reached with
 *    dlsym(RTLD_NEXT)) and makes them fail one at a time, checking the
 *    code libpmemset returns, that libpmem2's code is in the message, and
 *    that a set stays consistent when an unmap fails half way; also a
 *    source claiming a larger alignment (coalescing must respect it) and
 *    a failed map of a file it grew (shrunk back).
 * 3. The set's lock failing (glibc: EDEADLK) is reported, not ignored.
 * 4. munmap failing inside libpmem2 (this program's munmap comes first in
 *    symbol lookup, for libpmem2.so too): a reservation of a removed part
 *    map that cannot be released makes the removal fail, stays described
 *    by the set, and the same call again releases it. A failed map whose
 *    part (or new reservation) cannot be released leaves it to the set,
 *    and a removal over it or pmemset_delete releases it.
 */
#include <dlfcn.h>
#include <sys/syscall.h>

#include "../pmemset_test.h"
#include "core/os.h"
#include "core/util.h"
#include "pmemset/pmemset_internal.h"
#include "procmaps.h"

/* ---- wrappers around libpmem2 ---- */

enum fn {
	F_CONFIG_NEW,
	F_CONFIG_SET_OFFSET,
	F_CONFIG_SET_GRAN,
	F_RSV_NEW,
	F_RSV_EXTEND,
	F_MAP_NEW,
	F_MAP_DELETE,
	F_SOURCE_FROM_FD,
	F_SOURCE_SIZE,
	F_SOURCE_ALIGNMENT,
	F_DEEP_FLUSH,
	F_MAX
};
static int fail_nth[F_MAX], fail_code[F_MAX], ncalls[F_MAX];

static void fail_call(enum fn f, int nth, int code)
{
	ncalls[f] = 0;
	fail_nth[f] = nth;
	fail_code[f] = code;
}

static int failing(enum fn f)
{
	return fail_nth[f] && ++ncalls[f] == fail_nth[f];
}

#define REAL(name) ((__typeof__(name) *)dlsym(RTLD_NEXT, #name))

/* munmap: the nth call from now fails with ENOMEM (0: none) */
static int munmap_fail_nth, munmap_calls;
/* ... and the first one after a failing pmem2_map_new */
static bool munmap_after_map_fails;

static void fail_munmap(int nth)
{
	munmap_calls = 0;
	munmap_fail_nth = nth;
}

int munmap(void *addr, size_t len)
{
	if (munmap_fail_nth && ++munmap_calls == munmap_fail_nth) {
		errno = ENOMEM;
		return -1;
	}
	return (int)syscall(SYS_munmap, addr, len);
}

int pmem2_config_new(struct pmem2_config **cfg)
{
	if (failing(F_CONFIG_NEW))
		return fail_code[F_CONFIG_NEW];
	return REAL(pmem2_config_new)(cfg);
}

int pmem2_config_set_offset(struct pmem2_config *cfg, size_t offset)
{
	if (failing(F_CONFIG_SET_OFFSET))
		return fail_code[F_CONFIG_SET_OFFSET];
	return REAL(pmem2_config_set_offset)(cfg, offset);
}

int pmem2_config_set_required_store_granularity(struct pmem2_config *cfg,
						enum pmem2_granularity g)
{
	if (failing(F_CONFIG_SET_GRAN))
		return fail_code[F_CONFIG_SET_GRAN];
	return REAL(pmem2_config_set_required_store_granularity)(cfg, g);
}

/* where the last reservation and map went */
static void *last_rsv_addr, *last_map_addr;

int pmem2_vm_reservation_new(struct pmem2_vm_reservation **rsv, void *addr,
			     size_t size)
{
	if (failing(F_RSV_NEW))
		return fail_code[F_RSV_NEW];
	int ret = REAL(pmem2_vm_reservation_new)(rsv, addr, size);
	if (!ret)
		last_rsv_addr = pmem2_vm_reservation_get_address(*rsv);
	return ret;
}

int pmem2_vm_reservation_extend(struct pmem2_vm_reservation *rsv, size_t size)
{
	if (failing(F_RSV_EXTEND))
		return fail_code[F_RSV_EXTEND];
	return REAL(pmem2_vm_reservation_extend)(rsv, size);
}

int pmem2_map_new(struct pmem2_map **map, const struct pmem2_config *cfg,
		  const struct pmem2_source *src)
{
	if (failing(F_MAP_NEW)) {
		if (munmap_after_map_fails)
			fail_munmap(1);
		return fail_code[F_MAP_NEW];
	}
	int ret = REAL(pmem2_map_new)(map, cfg, src);
	if (!ret)
		last_map_addr = pmem2_map_get_address(*map);
	return ret;
}

/* the granularity the next map reports, if fake_gran >= 0 */
static int fake_gran = -1;

enum pmem2_granularity pmem2_map_get_store_granularity(struct pmem2_map *map)
{
	if (fake_gran >= 0) {
		enum pmem2_granularity g = (enum pmem2_granularity)fake_gran;
		fake_gran = -1;
		return g;
	}
	return REAL(pmem2_map_get_store_granularity)(map);
}

int pmem2_map_delete(struct pmem2_map **map)
{
	if (failing(F_MAP_DELETE))
		return fail_code[F_MAP_DELETE];
	return REAL(pmem2_map_delete)(map);
}

int pmem2_source_from_fd(struct pmem2_source **src, int fd)
{
	if (failing(F_SOURCE_FROM_FD))
		return fail_code[F_SOURCE_FROM_FD];
	return REAL(pmem2_source_from_fd)(src, fd);
}

int pmem2_source_size(const struct pmem2_source *src, size_t *size)
{
	if (failing(F_SOURCE_SIZE))
		return fail_code[F_SOURCE_SIZE];
	return REAL(pmem2_source_size)(src, size);
}

/* this source claims a larger alignment (as a Device DAX would) */
static const struct pmem2_source *big_align_src;
#define BIG_ALIGN ((size_t)2 << 20)

int pmem2_source_alignment(const struct pmem2_source *src, size_t *al)
{
	if (failing(F_SOURCE_ALIGNMENT))
		return fail_code[F_SOURCE_ALIGNMENT];
	if (src && src == big_align_src) {
		*al = BIG_ALIGN;
		return 0;
	}
	return REAL(pmem2_source_alignment)(src, al);
}

int pmem2_deep_flush(struct pmem2_map *map, void *ptr, size_t size)
{
	if (failing(F_DEEP_FLUSH))
		return fail_code[F_DEEP_FLUSH];
	return REAL(pmem2_deep_flush)(map, ptr, size);
}

/* ---- 1. the OS seam ---- */

static char dir[256], fpath[300];

#define STEP(call)                                                             \
	do {                                                                   \
		rc = (call);                                                   \
		if (rc)                                                        \
			goto out;                                              \
	} while (0)

/* One life cycle. Returns 0 or the first failure's code. */
static int life_cycle(void)
{
	struct pmemset_config *cfg = NULL;
	struct pmemset *set = NULL;
	struct pmemset_map_config *mc = NULL;
	struct pmemset_source *fsrc = NULL, *tsrc = NULL;
	struct pmemset_part *part = NULL;
	struct pmemset_part_map *pm = NULL;
	struct pmemset_part_descriptor d;
	int rc;

	unlink(fpath);
	STEP(pmemset_config_new(&cfg));
	STEP(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_PAGE));
	STEP(pmemset_new(&set, cfg));
	STEP(pmemset_map_config_new(&mc));
	STEP(pmemset_xsource_from_file(&fsrc, fpath,
				       PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED));
	STEP(pmemset_source_from_temporary(&tsrc, dir));
	pmemset_map_config_set_length(mc, KB4);
	STEP(pmemset_set_contiguous_part_coalescing(set,
						    PMEMSET_COALESCING_FULL));
	/* four parts back to back (the file grows each time) */
	for (int i = 0; i < 4; i++) {
		STEP(pmemset_map_config_set_offset(mc, (size_t)i * KB4));
		STEP(pmemset_map(set, i % 2 ? tsrc : fsrc, mc, &d));
	}
	/* split in the middle, then a separate part via the old API */
	STEP(pmemset_remove_range(set, (char *)d.addr + KB4, 2 * KB4));
	STEP(pmemset_set_contiguous_part_coalescing(set,
						    PMEMSET_COALESCING_NONE));
	STEP(pmemset_part_new(&part, set, tsrc, 0, KB4));
	STEP(pmemset_part_map(&part, NULL, &d));
	STEP(pmemset_part_map_by_address(set, &pm, d.addr));
	STEP(pmemset_remove_part_map(set, &pm));
out:
	pmemset_part_map_drop(&pm);
	pmemset_part_delete(&part);
	int r2 = pmemset_delete(&set);
	if (r2 && !rc)
		rc = r2;
	if (set) { /* a failed unmap left the set: try again, unfaulted */
		os_fault_reset();
		pmemset_delete(&set);
	}
	pmemset_source_delete(&fsrc);
	pmemset_source_delete(&tsrc);
	pmemset_map_config_delete(&mc);
	pmemset_config_delete(&cfg);
	return rc;
}

static void sweep(enum os_call kind, int err)
{
	int fds = test_count_fds(), maps = test_count_maps();
	int failures = 0;
	for (unsigned long nth = 1; nth < 1000; nth++) {
		os_fault_reset();
		os_fault_inject(kind, nth, err);
		pmemset_errormsg(); /* nothing */
		int rc = life_cycle();
		unsigned long calls = os_fault_calls(kind);
		os_fault_inject(kind, 0, 0);
		if (calls < nth) { /* the fault never fired: done */
			CHECK(rc == 0, "%s: clean run failed: %d %s",
			      os_call_names[kind], rc, pmemset_errormsg());
			break;
		}
		if (rc == 0)
			continue; /* a fault the library tolerates */
		failures++;
		CHECK(rc < 0, "%s #%lu: code %d", os_call_names[kind], nth, rc);
		CHECK(pmemset_errormsg()[0] != '\0', "%s #%lu: no message",
		      os_call_names[kind], nth);
		CHECK(test_count_fds() == fds, "%s #%lu: fds %d, were %d",
		      os_call_names[kind], nth, test_count_fds(), fds);
		CHECK(!maps_meaningful() || test_count_maps() == maps,
		      "%s #%lu: maps %d, were %d", os_call_names[kind], nth,
		      test_count_maps(), maps);
	}
	printf("%s: %d failing runs\n", os_call_names[kind], failures);
}

TEST(os_seam)
{
	snprintf(dir, sizeof(dir), "%s/pmemset-faults-%d", tmpdir(),
		 (int)getpid());
	mkdir(dir, 0700);
	snprintf(fpath, sizeof(fpath), "%s/file", dir);
	CHECK_RC(life_cycle(), 0); /* warm up */
	sweep(OS_MALLOC, ENOMEM);
	sweep(OS_OPEN, EMFILE);
	sweep(OS_FSTAT, EIO);
	sweep(OS_FALLOCATE, ENOSPC);
	/* fallocate unsupported, then ftruncate fails too */
	os_fault_reset();
	os_fault_inject(OS_FALLOCATE, 1, EOPNOTSUPP);
	os_fault_inject(OS_FTRUNCATE, 1, EFBIG);
	CHECK_RC(life_cycle(), PMEMSET_E_CANNOT_GROW_SOURCE_FILE);
	/* fallocate unsupported: ftruncate grows the file */
	os_fault_reset();
	os_fault_inject(OS_FALLOCATE, 1, EOPNOTSUPP);
	CHECK_RC(life_cycle(), 0);
	CHECK_EQ(os_fault_calls(OS_FTRUNCATE), 1);
	os_fault_reset();
	unlink(fpath);
	rmdir(dir);
}

/* ---- 2. libpmem2 failing ---- */

static struct pmem2_source *p2;

static bool msg_has_code(int code)
{
	char want[32];
	snprintf(want, sizeof(want), "%d", code);
	return strstr(pmemset_errormsg(), want) != NULL;
}

TEST(pmem2_failures)
{
	struct pmemset_source *src;
	pmemset_source_from_pmem2(&src, p2);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	int maps = test_count_maps();

	fail_call(F_CONFIG_NEW, 1, -ENOMEM);
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_CANNOT_ALLOCATE_INTERNAL_STRUCTURE);
	fail_call(F_CONFIG_SET_OFFSET, 1, PMEM2_E_OFFSET_OUT_OF_RANGE);
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_INVALID_OFFSET_VALUE);
	fail_call(F_CONFIG_SET_GRAN, 1, PMEM2_E_GRANULARITY_NOT_SUPPORTED);
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_GRANULARITY_NOT_SUPPORTED);
	fail_call(F_SOURCE_SIZE, 1, -EIO);
	CHECK_RC(pmemset_map(set, src, NULL, NULL), -EIO);
	fail_call(F_SOURCE_ALIGNMENT, 1, PMEM2_E_INVALID_ALIGNMENT_VALUE);
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_INVALID_ALIGNMENT_VALUE);
	size_t al;
	fail_call(F_SOURCE_ALIGNMENT, 1, PMEM2_E_INVALID_ALIGNMENT_VALUE);
	CHECK_RC(pmemset_source_alignment(src, &al),
		 PMEMSET_E_INVALID_ALIGNMENT_VALUE);
	fail_call(F_RSV_NEW, 1, PMEM2_E_LENGTH_UNALIGNED);
	CHECK_RC(pmemset_map(set, src, NULL, NULL), PMEMSET_E_LENGTH_UNALIGNED);
	fail_call(F_RSV_NEW, 1, -ENOMEM);
	CHECK_RC(pmemset_map(set, src, NULL, NULL), -ENOMEM);
	/* libpmem2's own error is not hidden */
	fail_call(F_MAP_NEW, 1, PMEM2_E_MAPPING_EXISTS);
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_INVALID_PMEM2_MAP);
	CHECK(msg_has_code(PMEM2_E_MAPPING_EXISTS), "message: %s",
	      pmemset_errormsg());
	CHECK_MAPS(maps); /* the reservation went too */

	/* coalescing: extension refused */
	struct pmemset_part_descriptor d;
	CHECK_RC(pmemset_map(set, src, NULL, &d), 0);
	pmemset_set_contiguous_part_coalescing(set, PMEMSET_COALESCING_FULL);
	fail_call(F_RSV_EXTEND, 1, PMEM2_E_MAPPING_EXISTS);
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_CANNOT_COALESCE_PARTS);
	CHECK(msg_has_code(PMEM2_E_MAPPING_EXISTS), "message: %s",
	      pmemset_errormsg());
	/* map failing after the extension: the reservation shrinks back */
	maps = test_count_maps();
	fail_call(F_MAP_NEW, 1, -ENOMEM);
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_INVALID_PMEM2_MAP);
	CHECK_MAPS(maps);
	CHECK_RC(pmemset_map(set, src, NULL, NULL), 0); /* now it fits */

	/* four parts in one part map; an unmap fails half way */
	CHECK_RC(pmemset_map(set, src, NULL, NULL), 0);
	CHECK_RC(pmemset_map(set, src, NULL, &d), 0);
	CHECK_EQ(d.size, 4 * KB4);
	char *a = d.addr;
	fail_call(F_MAP_DELETE, 2, PMEM2_E_MAPPING_NOT_FOUND);
	CHECK_RC(pmemset_remove_range(set, a + KB4, 2 * KB4),
		 PMEM2_E_MAPPING_NOT_FOUND);
	struct pmemset_part_map *pm;
	/* part 1 went; parts 2 and 3 form their own part map */
	CHECK_RC(pmemset_part_map_by_address(set, &pm, a + KB4),
		 PMEMSET_E_CANNOT_FIND_PART_MAP);
	CHECK_RC(pmemset_part_map_by_address(set, &pm, a + 2 * KB4), 0);
	d = pmemset_descriptor_part_map(pm);
	CHECK(d.addr == a + 2 * KB4 && d.size == 2 * KB4, "right piece");
	pmemset_part_map_drop(&pm);
	CHECK_RC(pmemset_part_map_by_address(set, &pm, a), 0);
	CHECK_EQ(pmemset_descriptor_part_map(pm).size, KB4);
	/* deep flush refused: nothing removed */
	fail_call(F_DEEP_FLUSH, 1, -EIO);
	CHECK_RC(pmemset_remove_part_map(set, &pm), PMEMSET_E_DEEP_FLUSH_FAIL);
	CHECK(pm != NULL, "still there");
	fail_call(F_DEEP_FLUSH, 1, -EIO);
	CHECK_RC(pmemset_deep_flush(set, a, KB4), PMEMSET_E_DEEP_FLUSH_FAIL);
	/* the first unmap fails: nothing changes */
	fail_call(F_MAP_DELETE, 1, -ENOMEM);
	CHECK_RC(pmemset_remove_part_map(set, &pm), -ENOMEM);
	CHECK_EQ(pmemset_descriptor_part_map(pm).size, KB4);
	CHECK_RC(pmemset_remove_part_map(set, &pm), 0);
	/* retry the rest */
	CHECK_RC(pmemset_remove_range(set, a + 2 * KB4, KB4), 0);
	CHECK_RC(pmemset_part_map_by_address(set, &pm, a + 3 * KB4), 0);
	pmemset_part_map_drop(&pm);
	/* delete failing half way keeps the set */
	fail_call(F_MAP_DELETE, 1, -ENOMEM);
	CHECK_RC(pmemset_delete(&set), -ENOMEM);
	CHECK(set != NULL, "the set stays");
	CHECK_RC(pmemset_delete(&set), 0);

	/* sources */
	pmemset_source_delete(&src);
	char path[256];
	tmppath(path, sizeof(path), "f");
	int fds = test_count_fds();
	fail_call(F_SOURCE_FROM_FD, 1, PMEM2_E_INVALID_FILE_TYPE);
	CHECK_RC(pmemset_xsource_from_file(&src, path,
					   PMEMSET_SOURCE_FILE_CREATE_ALWAYS),
		 PMEM2_E_INVALID_FILE_TYPE);
	CHECK(src == NULL, "NULLed");
	CHECK_EQ(test_count_fds(), fds);
	unlink(path);
	for (int f = 0; f < F_MAX; f++)
		fail_nth[f] = 0;
}

/* A map that fails after growing its file shrinks it back, unless another
 * map of the file, through any source, asked for a size meanwhile. */
TEST(failed_map_shrinks_file)
{
	char path[256];
	struct pmemset_source *src = file_source(path, sizeof(path), KB4, 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_map_config *mc = NULL;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_length(mc, 8 * KB4);
	fail_call(F_MAP_NEW, 1, -ENOMEM);
	CHECK_RC(pmemset_map(set, src, mc, NULL), PMEMSET_E_INVALID_PMEM2_MAP);
	CHECK_EQ(file_size(path), KB4);
	/* another map of the source asked for a size meanwhile (it may have
	 * mapped the grown range): the file stays grown */
	struct pmemset_growth g, other;
	CHECK_RC(pmemset_source_ensure_size(src, 8 * KB4, &g), 0);
	CHECK(g.old_size == KB4 && g.new_size == 8 * KB4, "grown");
	CHECK_RC(pmemset_source_ensure_size(src, 6 * KB4, &other), 0);
	CHECK(other.old_size == other.new_size, "not grown");
	pmemset_source_undo_growth(src, &g);
	CHECK_EQ(file_size(path), 8 * KB4);
	CHECK_RC(pmemset_source_ensure_size(src, 12 * KB4, &g), 0);
	pmemset_source_undo_growth(src, &g);
	CHECK_EQ(file_size(path), 8 * KB4);
	fail_call(F_MAP_NEW, 0, 0);
	/* the same when the other map goes through another source of the
	 * file (the growth is the file's): it maps part of the grown range,
	 * which must stay in the file */
	struct pmemset_source *src2;
	CHECK_RC(pmemset_source_from_file(&src2, path), 0);
	CHECK_RC(pmemset_source_ensure_size(src, 16 * KB4, &g), 0);
	CHECK(g.old_size == 8 * KB4 && g.new_size == 16 * KB4, "grown");
	struct pmemset_part_descriptor d;
	pmemset_map_config_set_offset(mc, 12 * KB4);
	pmemset_map_config_set_length(mc, 4 * KB4);
	CHECK_RC(pmemset_map(set, src2, mc, &d), 0);
	pmemset_source_undo_growth(src, &g);
	CHECK_EQ(file_size(path), 16 * KB4);
	if (file_size(path) == 16 * KB4) /* else: SIGBUS */
		memset(d.addr, 1, KB4);
	pmemset_map_config_delete(&mc);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	pmemset_source_delete(&src2);
	unlink(path);
}

/* Coalescing never places a part at an address its source's alignment
 * forbids: OPPORTUNISTIC falls back, FULL fails. */
TEST(coalescing_respects_alignment)
{
	struct pmem2_source *big;
	CHECK_RC(pmem2_source_from_anon(&big, BIG_ALIGN), 0);
	big_align_src = big;
	struct pmemset_source *small_src, *big_src;
	pmemset_source_from_pmem2(&small_src, p2);
	pmemset_source_from_pmem2(&big_src, big);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	pmemset_set_contiguous_part_coalescing(set, PMEMSET_COALESCING_FULL);
	struct pmemset_part_descriptor d1, d2;
	CHECK_RC(pmemset_map(set, small_src, NULL, &d1), 0);
	CHECK_RC(pmemset_map(set, big_src, NULL, &d2),
		 PMEMSET_E_CANNOT_COALESCE_PARTS);
	CHECK(strstr(pmemset_errormsg(), "alignment") != NULL, "message: %s",
	      pmemset_errormsg());
	pmemset_set_contiguous_part_coalescing(
		set, PMEMSET_COALESCING_OPPORTUNISTIC);
	CHECK_RC(pmemset_map(set, big_src, NULL, &d2), 0);
	CHECK(d2.size == BIG_ALIGN && (uintptr_t)d2.addr % BIG_ALIGN == 0,
	      "a part map of its own, aligned: %p %zu", d2.addr, d2.size);
	CHECK_EQ(d1.size, KB4);
	pmemset_delete(&set);
	pmemset_source_delete(&small_src);
	pmemset_source_delete(&big_src);
	big_align_src = NULL;
	pmem2_source_delete(&big);
}

/* A lock the set cannot take is an error, not ignored (glibc reports a
 * thread locking what it already holds as EDEADLK; ThreadSanitizer would
 * report the attempt itself). */
#if defined(__SANITIZE_THREAD__)
#define TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TEST_TSAN 1
#endif
#endif
TEST(lock_errors)
{
#if defined(__GLIBC__) && !defined(TEST_TSAN)
	struct pmemset_source *src;
	pmemset_source_from_pmem2(&src, p2);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_part_descriptor d;
	CHECK_RC(pmemset_map(set, src, NULL, &d), 0);
	CHECK_EQ(pthread_rwlock_wrlock(&set->lock), 0);
	CHECK_RC(pmemset_map(set, src, NULL, NULL), -EDEADLK);
	CHECK(strstr(pmemset_errormsg(), "lock") != NULL, "message: %s",
	      pmemset_errormsg());
	struct pmemset_part_map *pm = NULL;
	CHECK_RC(pmemset_part_map_by_address(set, &pm, d.addr), -EDEADLK);
	CHECK_RC(pmemset_deep_flush(set, d.addr, 1), -EDEADLK);
	CHECK_RC(pmemset_remove_range(set, d.addr, 1), -EDEADLK);
	CHECK_RC(pmemset_delete(&set), -EDEADLK);
	CHECK(set != NULL, "set kept");
	CHECK_EQ(pthread_rwlock_unlock(&set->lock), 0);
	/* the set is intact */
	CHECK_RC(pmemset_part_map_by_address(set, &pm, d.addr), 0);
	pmemset_part_map_drop(&pm);
	CHECK_RC(pmemset_delete(&set), 0);
	pmemset_source_delete(&src);
#else
	SKIP("needs glibc's EDEADLK detection, without ThreadSanitizer");
#endif
}

/* ---- 4. a reservation that cannot be released ---- */

/* The page at addr: "---p" (reserved address space) or "" (nothing). */
static bool prot_is(const void *addr, const char *want)
{
	char prot[5];
	proc_page_prot(addr, prot);
	return strcmp(prot, want) == 0;
}

/* Map a part (with coalescing on, its reservation has 1 GiB of room after
 * it); *d is its part map. */
static struct pmemset *set_with_part(struct pmemset_source *src,
				     enum pmemset_coalescing c,
				     struct pmemset_part_descriptor *d)
{
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	pmemset_set_contiguous_part_coalescing(set, c);
	CHECK_RC(pmemset_map(set, src, NULL, d), 0);
	return set;
}

TEST(reservation_release_fails)
{
	struct pmemset_source *src;
	pmemset_source_from_pmem2(&src, p2);
	struct pmemset_part_descriptor d, d2;
	struct pmemset_part_map *pm, *other;
	int maps = test_count_maps();

	/* pmemset_remove_part_map, the 1 GiB of coalescing room after it */
	struct pmemset *set = set_with_part(src, PMEMSET_COALESCING_FULL, &d);
	char *room = (char *)d.addr + d.size;
	CHECK(prot_is(room, "---p"), "room reserved");
	CHECK_RC(pmemset_part_map_by_address(set, &pm, d.addr), 0);
	fail_munmap(1);
	CHECK_RC(pmemset_remove_part_map(set, &pm), -ENOMEM);
	fail_munmap(0);
	CHECK(strstr(pmemset_errormsg(), "libpmem2 error -12") != NULL,
	      "message: %s", pmemset_errormsg());
	CHECK(pm != NULL, "the caller's part map stays");
	CHECK(prot_is(d.addr, "---p") && prot_is(room, "---p"),
	      "the reservation is still there");
	/* nothing of it can be used */
	CHECK_RC(pmemset_part_map_by_address(set, &other, d.addr),
		 PMEMSET_E_CANNOT_FIND_PART_MAP);
	pmemset_first_part_map(set, &other);
	CHECK(other == NULL, "no part map");
	CHECK(pmemset_descriptor_part_map(pm).size == 0, "empty");
	/* the same call again releases it */
	CHECK_RC(pmemset_remove_part_map(set, &pm), 0);
	CHECK(pm == NULL, "NULLed");
	CHECK(prot_is(d.addr, "") && prot_is(room, ""), "released");
	CHECK_RC(pmemset_delete(&set), 0);
	CHECK_MAPS(maps);

	/* pmemset_remove_range */
	set = set_with_part(src, PMEMSET_COALESCING_NONE, &d);
	fail_munmap(1);
	CHECK_RC(pmemset_remove_range(set, d.addr, d.size), -ENOMEM);
	fail_munmap(0);
	CHECK(prot_is(d.addr, "---p"), "the reservation is still there");
	CHECK_RC(pmemset_part_map_by_address(set, &other, d.addr),
		 PMEMSET_E_CANNOT_FIND_PART_MAP);
	/* failing again: still there */
	fail_munmap(1);
	CHECK_RC(pmemset_remove_range(set, d.addr, 1), -ENOMEM);
	fail_munmap(0);
	CHECK(prot_is(d.addr, "---p"), "the reservation is still there");
	CHECK_RC(pmemset_remove_range(set, d.addr, d.size), 0);
	CHECK(prot_is(d.addr, ""), "released");
	CHECK_RC(pmemset_delete(&set), 0);
	CHECK_MAPS(maps);

	/* a removal elsewhere leaves it alone; pmemset_delete releases it,
	 * also after the caller dropped the part map */
	set = set_with_part(src, PMEMSET_COALESCING_NONE, &d);
	CHECK_RC(pmemset_map(set, src, NULL, &d2), 0);
	CHECK_RC(pmemset_part_map_by_address(set, &pm, d.addr), 0);
	fail_munmap(1);
	CHECK_RC(pmemset_remove_part_map(set, &pm), -ENOMEM);
	fail_munmap(0);
	pmemset_part_map_drop(&pm);
	CHECK_RC(pmemset_remove_range(set, d2.addr, d2.size), 0);
	CHECK(prot_is(d2.addr, "") && prot_is(d.addr, "---p"), "one left");
	CHECK_RC(pmemset_delete(&set), 0);
	CHECK(prot_is(d.addr, ""), "released");
	CHECK_MAPS(maps);

	/* pmemset_delete failing: the set stays with its reservations */
	set = set_with_part(src, PMEMSET_COALESCING_NONE, &d);
	CHECK_RC(pmemset_map(set, src, NULL, &d2), 0);
	fail_munmap(1);
	CHECK_RC(pmemset_delete(&set), -ENOMEM);
	fail_munmap(0);
	CHECK(set != NULL, "the set stays");
	/* the lower part map went first: its reservation failed */
	char *lo = MIN((char *)d.addr, (char *)d2.addr);
	char *hi = MAX((char *)d.addr, (char *)d2.addr);
	CHECK(prot_is(lo, "---p"), "the failed reservation is still there");
	CHECK_RC(pmemset_part_map_by_address(set, &pm, hi), 0);
	pmemset_part_map_drop(&pm);
	CHECK_RC(pmemset_delete(&set), 0);
	CHECK(set == NULL, "deleted");
	CHECK(prot_is(d.addr, "") && prot_is(d2.addr, ""), "released");
	CHECK_MAPS(maps);
	pmemset_source_delete(&src);
}

/* A failed map whose part (or new reservation) libpmem2 cannot release:
 * the map's error, the set keeps what is left, and a removal over it or
 * pmemset_delete releases it. */
TEST(failed_map_release_fails)
{
	struct pmemset_source *src;
	pmemset_source_from_pmem2(&src, p2);
	struct pmemset_part_descriptor d;
	struct pmemset_part_map *pm;
	int maps = test_count_maps();

	/* a part of another granularity, and its unmap fails */
	struct pmemset *set = set_with_part(src, PMEMSET_COALESCING_NONE, &d);
	fake_gran = PMEM2_GRANULARITY_PAGE; /* the anonymous parts: BYTE */
	fail_call(F_MAP_DELETE, 1, -ENOMEM);
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_GRANULARITY_MISMATCH);
	fail_call(F_MAP_DELETE, 0, 0);
	CHECK(strstr(pmemset_errormsg(), "could not unmap") != NULL,
	      "message: %s", pmemset_errormsg());
	char *left = last_map_addr;
	CHECK(prot_is(left, "rw-s"), "the part is still mapped");
	CHECK_RC(pmemset_part_map_by_address(set, &pm, left),
		 PMEMSET_E_CANNOT_FIND_PART_MAP);
	/* a removal elsewhere leaves it; one over it releases it, and its
	 * reservation */
	CHECK_RC(pmemset_remove_range(set, d.addr, 1), 0);
	CHECK(prot_is(left, "rw-s"), "the part is still mapped");
	CHECK_RC(pmemset_remove_range(set, left, 1), 0);
	CHECK(prot_is(left, ""), "released");
	CHECK_MAPS(maps);

	/* the same in the reservation of a coalesced part map: it counts
	 * there, so the reservation outlives the part map */
	pmemset_set_contiguous_part_coalescing(set, PMEMSET_COALESCING_FULL);
	CHECK_RC(pmemset_map(set, src, NULL, &d), 0);
	fake_gran = PMEM2_GRANULARITY_PAGE;
	fail_call(F_MAP_DELETE, 1, -ENOMEM);
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_GRANULARITY_MISMATCH);
	fail_call(F_MAP_DELETE, 0, 0);
	left = last_map_addr;
	CHECK(left == (char *)d.addr + d.size, "placed after the part map");
	/* the place stays taken */
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_CANNOT_COALESCE_PARTS);
	CHECK_RC(pmemset_part_map_by_address(set, &pm, d.addr), 0);
	CHECK_RC(pmemset_remove_part_map(set, &pm), 0);
	CHECK(prot_is(left, "rw-s") && prot_is(d.addr, ""),
	      "the part stays, its reservation trimmed to it");
	CHECK_RC(pmemset_delete(&set), 0);
	CHECK(prot_is(left, "") && prot_is(d.addr, ""), "released");
	CHECK_MAPS(maps);

	/* the map fails and its new reservation cannot be deleted */
	set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	fail_call(F_MAP_NEW, 1, -ENOMEM);
	munmap_after_map_fails = true;
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_INVALID_PMEM2_MAP);
	munmap_after_map_fails = false;
	fail_munmap(0);
	CHECK(strstr(pmemset_errormsg(), "could not release") != NULL,
	      "message: %s", pmemset_errormsg());
	left = last_rsv_addr;
	CHECK(prot_is(left, "---p"), "the reservation is still there");
	fail_munmap(1);
	CHECK_RC(pmemset_delete(&set), -ENOMEM);
	fail_munmap(0);
	CHECK(prot_is(left, "---p"), "the reservation is still there");
	CHECK_RC(pmemset_delete(&set), 0);
	CHECK(prot_is(left, ""), "released");
	CHECK_MAPS(maps);
	pmemset_source_delete(&src);
}

int main(void)
{
	pmem2_source_from_anon(&p2, KB4);
	RUN(os_seam);
	RUN(pmem2_failures);
	RUN(failed_map_shrinks_file);
	RUN(coalescing_respects_alignment);
	RUN(lock_errors);
	RUN(reservation_release_fails);
	RUN(failed_map_release_fails);
	pmem2_source_delete(&p2);
	return test_done();
}
