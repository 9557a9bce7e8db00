/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pinned.c -- our answers where PMDK 1.12.1 crashes, hangs or leaks.
 *
 * The differential program (diff_api.c) cannot make these calls, because
 * PMDK would take the whole run down with it, so this program runs only
 * against our library and pins what we do instead:
 *  - deleting a map twice (through a stale copy of the pointer, or through
 *    the pointer the first delete cleared) is PMEM2_E_MAPPING_NOT_FOUND,
 *    not a crash;
 *  - PAGE-granularity persist (and memcpy) on a map_from_existing map,
 *    starting at its first page, returns (PMDK loops forever); an alarm()
 *    watchdog turns a hang into a failure;
 *  - a reservation's alignment padding is given back: /proc/self/maps is
 *    the same before a new+delete and after it (PMDK leaks the padding);
 *  - the intended differences of expected-differences.txt, asserted
 *    directly: zero-size reservation refused, offset == file size is
 *    PMEM2_E_MAP_RANGE, mcsafe I/O past the end is refused and does not
 *    grow the file, failed map_from_existing clears *map.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpmem2.h>

#include "compat.h"
#include "test.h"

#define MiB ((size_t)1 << 20)
#define GiB ((size_t)1 << 30)
#define PAGE ((size_t)4096)

static void on_alarm(int sig)
{
	(void)sig;
	static const char m[] = "FAIL: a call did not return within the "
				"watchdog time (hang)\n";
	if (write(1, m, sizeof(m) - 1) < 0)
		_exit(1);
	_exit(1);
}

static struct pmem2_config *page_config(void)
{
	struct pmem2_config *cfg = NULL;
	if (pmem2_config_new(&cfg) ||
	    pmem2_config_set_required_store_granularity(cfg,
		    PMEM2_GRANULARITY_PAGE)) {
		printf("cannot make a config: %s\n", pmem2_errormsg());
		exit(1);
	}
	return cfg;
}

static int msg_set(void)
{
	return pmem2_errormsg()[0] != '\0';
}

static void clear_msg(void)
{
	((char *)pmem2_errormsg())[0] = '\0';
}

TEST(second_delete)
{
	int fd = test_tmpfile(MiB, NULL, 0, 0);
	struct pmem2_source *src = NULL;
	struct pmem2_config *cfg = page_config();
	struct pmem2_map *map = NULL, *stale;

	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	CHECK_RC(pmem2_map_new(&map, cfg, src), 0);
	if (!map)
		goto out;
	stale = map;
	CHECK_RC(pmem2_map_delete(&map), 0);
	CHECK(map == NULL, "map not cleared");
	clear_msg();
	CHECK_RC(pmem2_map_delete(&stale), PMEM2_E_MAPPING_NOT_FOUND);
	CHECK(msg_set(), "no message for a stale map");
	CHECK(stale != NULL, "a failed delete must leave *map_ptr alone");
	clear_msg();
	CHECK_RC(pmem2_map_delete(&map), PMEM2_E_MAPPING_NOT_FOUND);
	CHECK(msg_set(), "no message for a NULL map");

	/* the same for a wrapped mapping */
	char *p = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "mmap");
	if (p == MAP_FAILED)
		goto out;
	CHECK_RC(pmem2_map_from_existing(&map, src, p, MiB,
		PMEM2_GRANULARITY_PAGE), 0);
	stale = map;
	CHECK_RC(pmem2_map_delete(&map), 0);
	CHECK_RC(pmem2_map_delete(&stale), PMEM2_E_MAPPING_NOT_FOUND);
	CHECK(compat_range_mapped(p, MiB), "wrapped mapping was unmapped");
	munmap(p, MiB);
out:
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
	close(fd);
}

TEST(existing_persist_first_page)
{
	int fd = test_tmpfile(4 * MiB, NULL, 0, 0);
	struct pmem2_source *src = NULL;
	struct pmem2_map *map = NULL;
	char back[64];

	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	char *p = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       0);
	if (!src || p == MAP_FAILED)
		return;
	CHECK_RC(pmem2_map_from_existing(&map, src, p, 4 * MiB,
		PMEM2_GRANULARITY_PAGE), 0);
	if (!map)
		goto out;

	alarm(10);
	memset(p, 0x21, 64);
	pmem2_get_persist_fn(map)(p, 64);
	pmem2_get_persist_fn(map)(p, 4 * MiB);
	pmem2_get_flush_fn(map)(p, PAGE);
	pmem2_get_drain_fn(map)();
	CHECK(pread(fd, back, 64, 0) == 64 && back[0] == 0x21 &&
	      back[63] == 0x21, "persisted data not in the file");
	void *r = pmem2_get_memcpy_fn(map)(p, "first page", 11, 0);
	CHECK(r == p, "memcpy return");
	pmem2_get_memset_fn(map)(p + 4 * MiB - 100, 0x33, 100, 0);
	CHECK(pread(fd, back, 11, 0) == 11 &&
	      memcmp(back, "first page", 11) == 0,
	      "memcpy data not in the file");
	CHECK(pread(fd, back, 1, 4 * MiB - 1) == 1 && back[0] == 0x33,
	      "memset data not in the file");
	/* a range that goes past the wrapped map: persisted up to its end */
	pmem2_get_persist_fn(map)(p + 4 * MiB - PAGE, 2 * PAGE);
	alarm(0);

	CHECK_RC(pmem2_map_delete(&map), 0);
out:
	munmap(p, 4 * MiB);
	pmem2_source_delete(&src);
	close(fd);
}

/* ---- /proc/self/maps snapshots */

/*
 * The mappings of the process, parsed. Static storage, so that taking a
 * snapshot does not itself grow the heap between two snapshots. Only the
 * window around the object under test is compared: a tool like valgrind
 * moves its own mappings around meanwhile, elsewhere.
 */
struct range {
	uintptr_t lo, hi;
	char perms[8];
};

struct snapshot {
	struct range r[16384];
	size_t n;
};

static struct snapshot snap_a, snap_b;

static void snap(struct snapshot *s)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];

	s->n = 0;
	while (f && s->n < ARRAY_N(s->r) && fgets(line, sizeof(line), f)) {
		struct range *r = &s->r[s->n];
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, r->perms) != 3)
			continue;
		r->lo = lo;
		r->hi = hi;
		s->n++;
	}
	if (f)
		fclose(f);
}

static void print_window(const struct snapshot *s, uintptr_t lo, uintptr_t hi)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->r[i].hi > lo && s->r[i].lo < hi)
			printf("    %lx-%lx %s\n", (unsigned long)s->r[i].lo,
			       (unsigned long)s->r[i].hi, s->r[i].perms);
}

/* do a and b show the same mappings where they touch [lo, hi) */
static int same_in(const struct snapshot *a, const struct snapshot *b,
		   uintptr_t lo, uintptr_t hi)
{
	size_t i = 0, j = 0;
	int eq = 1;

	for (;;) {
		while (i < a->n && !(a->r[i].hi > lo && a->r[i].lo < hi))
			i++;
		while (j < b->n && !(b->r[j].hi > lo && b->r[j].lo < hi))
			j++;
		if (i == a->n || j == b->n) {
			eq = i == a->n && j == b->n;
			break;
		}
		if (a->r[i].lo != b->r[j].lo || a->r[i].hi != b->r[j].hi ||
		    strcmp(a->r[i].perms, b->r[j].perms) != 0) {
			eq = 0;
			break;
		}
		i++;
		j++;
	}
	if (!eq) {
		printf("  mappings around %lx-%lx before:\n", (unsigned long)lo,
		       (unsigned long)hi);
		print_window(a, lo, hi);
		printf("  after:\n");
		print_window(b, lo, hi);
	}
	return eq;
}

/*
 * new + optional extend/shrink + delete of a reservation; the window
 * [lo, hi) covers it and any alignment padding a reservation could have
 * (up to its alignment, 1 GiB for big ones, on each side).
 */
static void rsv_cycle(void *addr, size_t size, size_t extend, size_t shrink,
		      uintptr_t *lo, uintptr_t *hi)
{
	struct pmem2_vm_reservation *rsv = NULL;
	size_t pad = size >= 2 * GiB ? GiB + 2 * MiB : 4 * MiB;

	*lo = *hi = 0;
	int rc = pmem2_vm_reservation_new(&rsv, addr, size);
	CHECK(rc == 0, "reservation_new(%zu): %d %s", size, rc,
	      pmem2_errormsg());
	if (rc)
		return;
	uintptr_t a = (uintptr_t)pmem2_vm_reservation_get_address(rsv);
	*lo = a > pad ? a - pad : 0;
	*hi = a + size + extend + pad;
	if (extend)
		CHECK_RC(pmem2_vm_reservation_extend(rsv, extend), 0);
	if (shrink)
		CHECK_RC(pmem2_vm_reservation_shrink(rsv,
			pmem2_vm_reservation_get_size(rsv) - shrink, shrink),
			0);
	CHECK_RC(pmem2_vm_reservation_delete(&rsv), 0);
}

/* a 2 MiB aligned address with len free bytes after it (right now) */
static char *free_addr(size_t len)
{
	char *p = mmap(NULL, len + 2 * MiB, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	munmap(p, len + 2 * MiB);
	return (char *)(((uintptr_t)p + 2 * MiB - 1) &
			~(uintptr_t)(2 * MiB - 1));
}

TEST(reservation_padding_not_leaked)
{
	static const struct {
		const char *what;
		int fixed;
		size_t size, extend, shrink;
	} c[] = {
		{ "1 page", 0, PAGE, 0, 0 },
		{ "3 MiB", 0, 3 * MiB, 0, 0 },
		{ "16 MiB", 0, 16 * MiB, 0, 0 },
		{ "2 GiB + 1 page", 0, 2 * GiB + PAGE, 0, 0 },
		{ "extended", 1, 4 * MiB, 2 * MiB + PAGE, 0 },
		{ "shrunk", 0, 8 * MiB, 0, 3 * MiB },
		{ "fixed, not 2 MiB aligned", 2, 5 * MiB, 0, 0 },
	};
	uintptr_t lo, hi;

	/* warm up whatever the library and libc set up lazily */
	rsv_cycle(NULL, 2 * MiB, 0, 0, &lo, &hi);
	snap(&snap_a);

	for (size_t i = 0; i < ARRAY_N(c); i++) {
		char *at = NULL;
		/* extend needs free room after the reservation: place it */
		if (c[i].fixed) {
			at = free_addr(32 * MiB);
			CHECK(at != NULL, "no free address range");
			if (!at)
				continue;
			at += c[i].fixed == 2 ? PAGE : 0;
		}
		snap(&snap_a);
		rsv_cycle(at, c[i].size, c[i].extend, c[i].shrink, &lo, &hi);
		snap(&snap_b);
		CHECK(hi && same_in(&snap_a, &snap_b, lo, hi),
		      "reservation (%s) left mappings", c[i].what);
	}
}

TEST(map_padding_not_leaked)
{
	int fd = test_tmpfile(3 * MiB + PAGE, NULL, 0, 0);
	struct pmem2_source *src = NULL;
	struct pmem2_config *cfg = page_config();
	struct pmem2_map *map = NULL;

	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	CHECK_RC(pmem2_map_new(&map, cfg, src), 0);
	pmem2_map_delete(&map);
	snap(&snap_a);
	CHECK_RC(pmem2_map_new(&map, cfg, src), 0);
	if (map) {
		uintptr_t a = (uintptr_t)pmem2_map_get_address(map);
		CHECK_RC(pmem2_map_delete(&map), 0);
		snap(&snap_b);
		CHECK(same_in(&snap_a, &snap_b, a - 4 * MiB, a + 8 * MiB),
		      "map_new+delete left mappings");
	}
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
	close(fd);
}

TEST(intended_differences)
{
	int fd = test_tmpfile(MiB, NULL, 0, 0);
	struct pmem2_source *src = NULL;
	struct pmem2_config *cfg = page_config();
	struct pmem2_map *map = (struct pmem2_map *)&map;
	struct pmem2_vm_reservation *rsv = (struct pmem2_vm_reservation *)&rsv;
	struct stat st;
	char buf[16] = "";

	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	if (!src)
		return;

	clear_msg();
	int rc = pmem2_vm_reservation_new(&rsv, NULL, 0);
	CHECK_RC(rc, PMEM2_E_LENGTH_UNALIGNED);
	CHECK(rsv == NULL, "rsv not cleared");
	CHECK(msg_set(), "no message");
	if (rc == 0)
		pmem2_vm_reservation_delete(&rsv);

	CHECK_RC(pmem2_config_set_offset(cfg, MiB), 0);
	CHECK_RC(pmem2_map_new(&map, cfg, src), PMEM2_E_MAP_RANGE);
	CHECK(map == NULL, "map not cleared");

	CHECK_RC(pmem2_source_pread_mcsafe(src, buf, 10, MiB + PAGE),
		 PMEM2_E_LENGTH_OUT_OF_RANGE);
	CHECK_RC(pmem2_source_pwrite_mcsafe(src, buf, 10, MiB + PAGE),
		 PMEM2_E_LENGTH_OUT_OF_RANGE);
	CHECK_RC(pmem2_source_pwrite_mcsafe(src, buf, 10, SIZE_MAX - 5),
		 PMEM2_E_LENGTH_OUT_OF_RANGE);
	CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t)MiB,
	      "the file grew to %lld", (long long)st.st_size);

	char *p = mmap(NULL, MiB, PROT_READ, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED) {
		struct pmem2_map *a = NULL;
		CHECK_RC(pmem2_map_from_existing(&a, src, p, MiB,
			PMEM2_GRANULARITY_PAGE), 0);
		map = (struct pmem2_map *)&map;
		CHECK_RC(pmem2_map_from_existing(&map, src, p + PAGE, PAGE,
			PMEM2_GRANULARITY_PAGE), PMEM2_E_MAP_EXISTS);
		CHECK(map == NULL, "map not cleared after MAP_EXISTS");
		pmem2_map_delete(&a);
		munmap(p, MiB);
	}
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
	close(fd);
}

int main(void)
{
	signal(SIGALRM, on_alarm);
	RUN(second_delete);
	RUN(existing_persist_first_page);
	RUN(reservation_padding_not_leaked);
	RUN(map_padding_not_leaked);
	RUN(intended_differences);
	return test_done();
}
