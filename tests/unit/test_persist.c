/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_persist.c -- the functions a map hands out, per granularity.
 *
 * For BYTE, CACHE_LINE and PAGE the memmove/memcpy/memset functions are
 * run over every flag combination (plus unknown bits), lengths around the
 * cache-line and non-temporal-threshold boundaries, misaligned sources and
 * destinations and overlapping moves in both directions; the result is
 * compared byte for byte with libc, including guard bytes on both sides.
 *
 * What each call flushed, fenced and streamed -- the durability proof,
 * for every engine and flush instruction -- is checked by
 * tests/durability/test_durability.c on the instrumented library; this
 * program checks the bytes, the msync calls of PAGE maps, the msync
 * failure policy and the CPU dispatch.
 *
 * The PMEM_* environment variables are read once per process, so the
 * test re-executes itself with each setting ("--child") and the child
 * checks the choices and runs a reduced matrix under them.
 *
 * Under valgrind (or with PMEM2_TEST_QUICK=1) the matrix is reduced.
 */
#define _GNU_SOURCE
#include <sys/auxv.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test.h"
#include "core/err.h"
#include "core/granularity_name.h"
#include "core/os.h"
#include "core/util.h"
#include "pmem2/cpu.h"
#include "pmem2/map.h"
#include "pmem2/memops.h"
#include "pmem2/page_sync.h"
#include "pmem2/persist.h"
#include "pmem2/registry.h"

#define NODRAIN PMEM2_F_MEM_NODRAIN
#define NT PMEM2_F_MEM_NONTEMPORAL
#define TEMP PMEM2_F_MEM_TEMPORAL
#define WC PMEM2_F_MEM_WC
#define WB PMEM2_F_MEM_WB
#define NOFLUSH PMEM2_F_MEM_NOFLUSH
#define VALID PMEM2_F_MEM_VALID_FLAGS
#define UNKNOWN (1U << 6)

#define BIG ((size_t)(1 << 20) + 13)
#define PAD ((size_t)8192)
#define ARENA (2 * (BIG + 2 * PAD))
#define MAX_FAILS 40

static bool quick;

/* ------------------------------------------------------------------ */
/* arenas                                                              */

struct arena {
	enum pmem2_granularity g;
	struct pmem2_mem_ops ops;
	char *buf;	/* ARENA bytes, the memory under test */
	char *shadow;	/* same layout, expected contents */
	struct pmem2_map *map; /* PAGE: registered map over buf */
	int fd;
};

static void arena_open(struct arena *a, enum pmem2_granularity g)
{
	memset(a, 0, sizeof(*a));
	a->g = g;
	a->fd = -1;
	if (g == PMEM2_GRANULARITY_PAGE) {
		/* a shared file mapping, so msync has something to do; a
		 * memfd keeps it fast */
		a->fd = memfd_create("test_persist", MFD_CLOEXEC);
		if (a->fd < 0 || ftruncate(a->fd, ARENA)) {
			perror("memfd");
			exit(2);
		}
		a->buf = mmap(NULL, ARENA, PROT_READ | PROT_WRITE, MAP_SHARED,
			      a->fd, 0);
	} else {
		a->buf = mmap(NULL, ARENA, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (a->buf == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	a->shadow = malloc(ARENA);
	if (!a->shadow)
		exit(2);
	if (g == PMEM2_GRANULARITY_PAGE) {
		a->map = calloc(1, sizeof(*a->map));
		a->map->addr = a->buf;
		a->map->reserved_length = ARENA;
		a->map->content_length = ARENA;
		a->map->effective_granularity = g;
		a->map->source.type = PMEM2_SOURCE_FD;
		a->map->source.ftype = PMEM2_FTYPE_REG;
		if (pmem2_registry_insert(a->map)) {
			printf("registry insert: %s\n", err_msg());
			exit(2);
		}
	}
	pmem2_mem_ops_get(g, &a->ops);
}

static void arena_close(struct arena *a)
{
	if (a->map) {
		pmem2_registry_remove(a->map);
		free(a->map);
	}
	munmap(a->buf, ARENA);
	free(a->shadow);
	if (a->fd >= 0)
		close(a->fd);
}

static inline char *shadow_of(struct arena *a, const char *p)
{
	return a->shadow + (p - a->buf);
}

static uint64_t rng = 88172645463325252ULL;

static void fill(char *p, size_t n)
{
	while (n >= 8) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		memcpy(p, &rng, 8);
		p += 8;
		n -= 8;
	}
	while (n--)
		*p++ = (char)(rng >> (n * 8));
}

/* fill [p-guard, p+n+guard) with noise, mirrored in the shadow */
static void prepare(struct arena *a, char *p, size_t n)
{
	char *lo = p - 64;
	size_t len = n + 128;
	fill(lo, len);
	memcpy(shadow_of(a, lo), lo, len);
}

static bool verify(struct arena *a, char *p, size_t n)
{
	char *lo = p - 64;
	return memcmp(lo, shadow_of(a, lo), n + 128) == 0;
}

static void instr_reset(void)
{
}

enum op { OP_MOVE, OP_COPY, OP_SET, OP_OVERLAP, OP_PERSIST, OP_FLUSH };

static const struct pmem2_persist_info *info;

/* PAGE: one msync per call that copied or persisted anything, unless
 * NOFLUSH (the rest of the proof is in tests/durability) */
static void check_durability(struct arena *a, enum op op, unsigned flags,
			     char *dst, const char *src, size_t len,
			     unsigned long msyncs, const char *what)
{
	bool noflush = flags & NOFLUSH;
	bool memop = op != OP_PERSIST && op != OP_FLUSH;

	if (a->g == PMEM2_GRANULARITY_PAGE) {
		unsigned long want = (len && !(memop && noflush)) ? 1 : 0;
		CHECK(msyncs == want, "%s: %lu msync calls, expected %lu",
		      what, msyncs, want);
	}
	(void)dst;
	(void)src;
}

/* ------------------------------------------------------------------ */
/* one case                                                            */

static char *src_base(struct arena *a)
{
	return a->buf + PAD;
}

static char *dst_base(struct arena *a)
{
	return a->buf + PAD + BIG + PAD;
}

/*
 * op on len bytes: MOVE/COPY/SET with dst at dst_base+doff and src at
 * src_base+soff; OVERLAP: src at src_base+soff+512, dst = src + delta.
 */
static void one_case(struct arena *a, enum op op, unsigned flags, size_t len,
		     size_t doff, size_t soff, long delta)
{
	char *src, *dst;
	char what[160];
	int c = (int)(len * 7 + doff);
	void *ret = NULL;

	if (op == OP_OVERLAP) {
		src = src_base(a) + soff + 512;
		dst = src + delta;
	} else {
		src = src_base(a) + soff;
		dst = dst_base(a) + doff;
	}
	snprintf(what, sizeof(what),
		 "%s op %d flags 0x%x len %zu doff %zu soff %zu delta %ld",
		 granularity_name(a->g), (int)op, flags, len, doff, soff,
		 delta);

	if (op == OP_OVERLAP) {
		char *lo = MIN(src, dst);
		prepare(a, lo, len + (size_t)labs(delta));
	} else {
		prepare(a, dst, len);
		if (op != OP_SET)
			prepare(a, src, len);
	}

	switch (op) {
	case OP_SET:
		memset(shadow_of(a, dst), c, len);
		break;
	default:
		memmove(shadow_of(a, dst), shadow_of(a, src), len);
		break;
	}

	instr_reset();
	os_fault_reset();
	switch (op) {
	case OP_MOVE:
	case OP_OVERLAP:
		ret = a->ops.memmove(dst, src, len, flags);
		break;
	case OP_COPY:
		ret = a->ops.memcpy(dst, src, len, flags);
		break;
	case OP_SET:
		ret = a->ops.memset(dst, c, len, flags);
		break;
	default:
		break;
	}
	unsigned long msyncs = os_fault_calls(OS_MSYNC);

	CHECK(ret == dst, "%s: returned %p, expected %p", what, ret,
	      (void *)dst);
	if (op == OP_OVERLAP) {
		char *lo = MIN(src, dst);
		CHECK(verify(a, lo, len + (size_t)labs(delta)),
		      "%s: wrong bytes", what);
	} else {
		CHECK(verify(a, dst, len), "%s: wrong bytes", what);
		if (op != OP_SET)
			CHECK(verify(a, src, len), "%s: source modified",
			      what);
	}
	check_durability(a, op, flags, dst, src, len, msyncs, what);
}

/* ------------------------------------------------------------------ */
/* the matrix                                                          */

static const size_t sizes[] = {0, 1, 7, 63, 64, 65, 255, 256, 257, 4096};
static const size_t offs[] = {0, 1, 7, 8, 63};
static const long deltas[] = {1, 7, 8, 63, 64, 65, 300};

static void all_flags(unsigned *out, size_t *n)
{
	size_t k = 0;
	for (unsigned f = 0; f <= VALID; f++)
		out[k++] = f;
	out[k++] = UNKNOWN;
	out[k++] = UNKNOWN | NT;
	out[k++] = ~0U & ~NOFLUSH;
	*n = k;
}

static const unsigned big_flags[] = {
	0,	   NODRAIN, NT,	       TEMP,	 WC,	    WB,
	NOFLUSH,   NT | TEMP, WC | WB, NODRAIN | NT, VALID, UNKNOWN,
};

static void matrix(enum pmem2_granularity g)
{
	struct arena a;
	unsigned flags[80];
	size_t nflags;
	size_t start_fail = test_failed;

	arena_open(&a, g);
	all_flags(flags, &nflags);

	size_t noffs = quick ? 2 : ARRAY_SIZE(offs);
	size_t ndeltas = quick ? 3 : ARRAY_SIZE(deltas);
	size_t fstep = quick ? 5 : 1;
	if (g == PMEM2_GRANULARITY_PAGE && !quick) {
		noffs = 3;
		ndeltas = 4;
	}

	for (size_t fi = 0; fi < nflags; fi += fstep) {
		unsigned f = flags[fi];
		for (size_t si = 0; si < ARRAY_SIZE(sizes); si++) {
			size_t len = sizes[si];
			for (size_t i = 0; i < noffs; i++)
				for (size_t j = 0; j < noffs; j++) {
					one_case(&a, OP_MOVE, f, len, offs[i],
						 offs[j], 0);
					if (i == j || !quick)
						one_case(&a, OP_COPY, f, len,
							 offs[i], offs[j], 0);
				}
			for (size_t i = 0; i < noffs; i++)
				one_case(&a, OP_SET, f, len, offs[i], 0, 0);
			for (size_t i = 0; i < 2; i++) {
				one_case(&a, OP_OVERLAP, f, len, 0, offs[i],
					 0);
				for (size_t k = 0; k < ndeltas; k++) {
					one_case(&a, OP_OVERLAP, f, len, 0,
						 offs[i], deltas[k]);
					one_case(&a, OP_OVERLAP, f, len, 0,
						 offs[i], -deltas[k]);
				}
			}
			if (test_failed - start_fail > MAX_FAILS)
				goto out;
		}
	}

	/* one mebibyte and a bit */
	for (size_t fi = 0; fi < ARRAY_SIZE(big_flags); fi++) {
		unsigned f = big_flags[fi];
		if (quick && fi % 3)
			continue;
		if (g == PMEM2_GRANULARITY_PAGE && f != 0 && f != NOFLUSH &&
		    f != NT)
			continue;
		one_case(&a, OP_MOVE, f, BIG, 0, 0, 0);
		one_case(&a, OP_MOVE, f, BIG, 1, 7, 0);
		one_case(&a, OP_COPY, f, BIG, 63, 8, 0);
		one_case(&a, OP_SET, f, BIG, 13, 0, 0);
		one_case(&a, OP_OVERLAP, f, BIG, 0, 3, 65);
		one_case(&a, OP_OVERLAP, f, BIG, 0, 3, -65);
		one_case(&a, OP_OVERLAP, f, BIG, 0, 0, -1);
		one_case(&a, OP_OVERLAP, f, BIG, 0, 0, 4097);
		one_case(&a, OP_OVERLAP, f, BIG, 0, 0, 0);
		if (test_failed - start_fail > MAX_FAILS)
			goto out;
	}
out:
	arena_close(&a);
}

TEST(matrix_byte)
{
	matrix(PMEM2_GRANULARITY_BYTE);
}

TEST(matrix_cache_line)
{
	matrix(PMEM2_GRANULARITY_CACHE_LINE);
}

TEST(matrix_page)
{
	matrix(PMEM2_GRANULARITY_PAGE);
}

/* persist / flush / drain */
static void pfd_case(struct arena *a, enum op op, char *p, size_t len)
{
	char what[96];
	snprintf(what, sizeof(what), "%s %s len %zu off %zu",
		 granularity_name(a->g), op == OP_PERSIST ? "persist" : "flush",
		 len, (size_t)((uintptr_t)p & 63));
	instr_reset();
	os_fault_reset();
	if (op == OP_PERSIST)
		a->ops.persist(p, len);
	else
		a->ops.flush(p, len);
	check_durability(a, op, 0, p, p, len, os_fault_calls(OS_MSYNC),
			 what);
}

TEST(persist_flush_drain)
{
	enum pmem2_granularity gs[] = {PMEM2_GRANULARITY_BYTE,
				       PMEM2_GRANULARITY_CACHE_LINE,
				       PMEM2_GRANULARITY_PAGE};
	for (size_t i = 0; i < ARRAY_SIZE(gs); i++) {
		struct arena a;
		arena_open(&a, gs[i]);
		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++)
			for (size_t o = 0; o < ARRAY_SIZE(offs); o++) {
				char *p = dst_base(&a) + offs[o];
				memset(p, 1, sizes[s]);
				pfd_case(&a, OP_PERSIST, p, sizes[s]);
				pfd_case(&a, OP_FLUSH, p, sizes[s]);
			}
		instr_reset();
		os_fault_reset();
		a.ops.drain();
		CHECK_EQ(os_fault_calls(OS_MSYNC), 0);
		/* memcpy is the overlap-safe memmove, as in PMDK */
		CHECK(a.ops.memcpy == a.ops.memmove, "%s: memcpy != memmove",
		      granularity_name(gs[i]));
		arena_close(&a);
	}
}

TEST(ops_never_null)
{
	struct pmem2_mem_ops ops;
	int gs[] = {PMEM2_GRANULARITY_BYTE, PMEM2_GRANULARITY_CACHE_LINE,
		    PMEM2_GRANULARITY_PAGE, 42};
	for (size_t i = 0; i < ARRAY_SIZE(gs); i++) {
		memset(&ops, 0, sizeof(ops));
		pmem2_mem_ops_get((enum pmem2_granularity)gs[i], &ops);
		CHECK(ops.persist && ops.flush && ops.drain && ops.memmove &&
			      ops.memcpy && ops.memset,
		      "granularity %d: a NULL function", gs[i]);
	}
	/* an unknown granularity gets the safest (PAGE) functions */
	struct pmem2_mem_ops page;
	pmem2_mem_ops_get(PMEM2_GRANULARITY_PAGE, &page);
	CHECK(ops.persist == page.persist, "unknown granularity not PAGE");
}

/* ------------------------------------------------------------------ */
/* msync failures (PAGE)                                               */

static char stderr_buf[4096];

/* run fn with stderr captured into stderr_buf */
static void capture_stderr(void (*fn)(void *), void *arg)
{
	fflush(stderr);
	int saved = dup(2);
	int fd = memfd_create("stderr", MFD_CLOEXEC);
	dup2(fd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ssize_t n = pread(fd, stderr_buf, sizeof(stderr_buf) - 1, 0);
	stderr_buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void two_failures(void *arg)
{
	struct arena *a = arg;
	char *p = dst_base(a);

	os_fault_inject(OS_MSYNC, 1, EIO);
	a->ops.persist(p, 100);
	os_fault_inject(OS_MSYNC, 1, ENOSPC);
	a->ops.memmove(p, p + 4096, 100, 0);
	os_fault_reset();
}

TEST(page_msync_failure)
{
	struct arena a;
	arena_open(&a, PMEM2_GRANULARITY_PAGE);
	char *p = dst_base(&a);
	unsigned long before = pmem2_persist_msync_failures();

	/* EINTR and EAGAIN are retried: no failure recorded */
	os_fault_inject(OS_MSYNC, 1, EINTR);
	a.ops.persist(p, 100);
	CHECK_EQ(os_fault_calls(OS_MSYNC), 2);
	os_fault_inject(OS_MSYNC, 1, EAGAIN);
	a.ops.flush(p, 100);
	CHECK_EQ(os_fault_calls(OS_MSYNC), 2);
	CHECK_EQ(pmem2_persist_msync_failures(), before);

	/* lasting errors: counted, message set, one line on stderr */
	err_clear();
	capture_stderr(two_failures, &a);
	CHECK_EQ(pmem2_persist_msync_failures(), before + 2);
	CHECK_EQ(pmem2_persist_msync_last_errno(), ENOSPC);
	CHECK(strstr(err_msg(), "msync") &&
		      strstr(err_msg(), strerror(ENOSPC)),
	      "message: %s", err_msg());
	size_t lines = 0;
	for (char *s = stderr_buf; *s; s++)
		lines += *s == '\n';
	CHECK(lines == 1 && strstr(stderr_buf, "libpmem2") &&
		      strstr(stderr_buf, strerror(EIO)),
	      "stderr: '%s'", stderr_buf);

	/* the process survives and the data was still copied */
	CHECK(memcmp(p, p + 4096, 100) == 0, "memmove copied");

	/* later failures are counted but not printed again */
	capture_stderr(two_failures, &a);
	CHECK_EQ(pmem2_persist_msync_failures(), before + 4);
	CHECK(stderr_buf[0] == '\0', "printed again: '%s'", stderr_buf);
	arena_close(&a);
}

/* PAGE persist msyncs only registered maps: an unregistered range is a
 * no-op, a range straddling into a registered map is clipped */
TEST(page_unregistered)
{
	struct pmem2_mem_ops ops;
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pmem2_mem_ops_get(PMEM2_GRANULARITY_PAGE, &ops);
	os_fault_reset();
	ops.persist(p, 8192);
	ops.memset(p, 3, 8192, 0);
	CHECK_EQ(os_fault_calls(OS_MSYNC), 0);
	CHECK(p[0] == 3 && p[8191] == 3, "memset on an unregistered range");
	munmap(p, 8192);
}

/* a real file on a real file system, not only a memfd */
TEST(page_real_file)
{
	char path[256];
	int fd = test_tmpfile(65536, path, sizeof(path), 0);
	char *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       0);
	struct pmem2_map *m = calloc(1, sizeof(*m));
	m->addr = p;
	m->reserved_length = m->content_length = 65536;
	m->effective_granularity = PMEM2_GRANULARITY_PAGE;
	CHECK_RC(pmem2_registry_insert(m), 0);
	pmem2_mem_ops_get(PMEM2_GRANULARITY_PAGE, &m->ops);
	unsigned long before = pmem2_persist_msync_failures();
	m->ops.memset(p + 100, 0x5a, 5000, 0);
	m->ops.persist(p + 100, 5000);
	CHECK_EQ(pmem2_persist_msync_failures(), before);
	char buf[5000];
	CHECK_EQ(pread(fd, buf, sizeof(buf), 100), 5000);
	CHECK(buf[0] == 0x5a && buf[4999] == 0x5a, "file content");
	CHECK_RC(pmem2_registry_remove(m), 0);
	free(m);
	munmap(p, 65536);
	close(fd);
}

/* ------------------------------------------------------------------ */
/* CPU probe and dispatch choice                                       */

TEST(cpu_decode)
{
	struct pmem2_cpuid_raw r;
	struct pmem2_cpu c;

	memset(&r, 0, sizeof(r));
	pmem2_cpu_decode(&r, ~0ULL, &c);
	CHECK(!c.clflush && !c.clwb && !c.avx && !c.avx_usable && !c.xcr0,
	      "no leaves, no features");

	memcpy(r.vendor, "GenuineIntel", 12);
	r.max_leaf = 7;
	r.leaf1_edx = (1U << 19) | (1U << 26);
	r.leaf1_ecx = (1U << 27) | (1U << 28);
	r.leaf7_ebx = (1U << 16) | (1U << 23) | (1U << 24);
	r.leaf7_ecx = 1U << 28;
	pmem2_cpu_decode(&r, 0xe7, &c);
	CHECK(c.intel && !strcmp(c.vendor, "GenuineIntel"), "vendor %s",
	      c.vendor);
	CHECK(c.clflush && c.sse2 && c.osxsave && c.avx && c.avx512f &&
		      c.clflushopt && c.clwb && c.movdir64b,
	      "all features");
	CHECK(c.avx_usable && c.avx512f_usable, "OS enables AVX, AVX-512");

	/* the OS does not save YMM state: neither AVX nor AVX-512 */
	pmem2_cpu_decode(&r, 0x3, &c);
	CHECK(c.avx && !c.avx_usable && !c.avx512f_usable, "xcr0 0x3");
	/* YMM but no ZMM/opmask state */
	pmem2_cpu_decode(&r, 0x7, &c);
	CHECK(c.avx_usable && !c.avx512f_usable, "xcr0 0x7");
	pmem2_cpu_decode(&r, 0x67, &c);
	CHECK(c.avx_usable && !c.avx512f_usable, "xcr0 0x67 (no Hi16_ZMM)");
	/* without OSXSAVE, XCR0 cannot be trusted (XGETBV would fault) */
	r.leaf1_ecx &= ~(1U << 27);
	pmem2_cpu_decode(&r, 0xe7, &c);
	CHECK(!c.avx_usable && !c.avx512f_usable && c.xcr0 == 0,
	      "no OSXSAVE");
	/* leaf 7 not supported: its bits are ignored */
	r.max_leaf = 1;
	pmem2_cpu_decode(&r, 0, &c);
	CHECK(c.clflush && !c.clwb && !c.clflushopt && !c.avx512f,
	      "max leaf 1");
	memcpy(r.vendor, "AuthenticAMD", 12);
	pmem2_cpu_decode(&r, 0, &c);
	CHECK(!c.intel, "AMD is not Intel");
}

/* the probe agrees with the kernel's view (a subset: valgrind's CPU) */
TEST(cpu_probe)
{
	struct pmem2_cpu c;
	pmem2_cpu_probe(&c);
#ifdef __x86_64__
	CHECK(c.x86 && c.sse2 && c.clflush, "x86-64 has SSE2 and CLFLUSH");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		SKIP("no /proc/cpuinfo");
	char line[8192];
	char flags[sizeof(line) + 2] = "";
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			snprintf(flags, sizeof(flags), "%s ", line);
			break;
		}
	fclose(f);
	struct {
		bool has;
		const char *name;
	} fl[] = {{c.clwb, " clwb "},
		  {c.clflushopt, " clflushopt "},
		  {c.avx512f, " avx512f "},
		  {c.avx, " avx "},
		  {c.movdir64b, " movdir64b "}};
	for (size_t i = 0; i < ARRAY_SIZE(fl); i++)
		CHECK(!fl[i].has || strstr(flags, fl[i].name),
		      "probe says%sbut /proc/cpuinfo does not", fl[i].name);
	/* the kernel lists avx only when it enabled the state */
	if (c.avx_usable)
		CHECK(strstr(flags, " avx ") != NULL, "avx usable");
#elif defined(__aarch64__)
	CHECK(!c.x86 && !c.clflush, "no x86 features off x86");
	CHECK_EQ(c.dcpop, (getauxval(AT_HWCAP) & (1UL << 16)) != 0);
	CHECK_EQ(c.dcpodp, c.dcpop && (getauxval(AT_HWCAP2) & 1) != 0);
	uint64_t ctr;
	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	CHECK_EQ(c.line_size, (size_t)4 << ((ctr >> 16) & 15));
#elif defined(__powerpc64__)
	CHECK(!c.x86 && !c.clflush, "no x86 features off x86");
	CHECK_EQ(c.isa31, (getauxval(AT_HWCAP2) & 0x00040000UL) != 0);
	CHECK_EQ(c.line_size, getauxval(AT_DCACHEBSIZE));
#else
	CHECK(!c.x86 && !c.clflush, "no x86 features off x86");
#endif
}

static bool env1(const char *n)
{
	const char *v = getenv(n);
	return v && !strcmp(v, "1");
}

/* the choices match the CPU and the environment of this process */
TEST(dispatch_choice)
{
	struct pmem2_cpu c;
	pmem2_cpu_probe(&c);
	info = pmem2_persist_info();

	const char *want = "none", *wfence = "full-barrier";
#if defined(__x86_64__)
	if (c.clflush)
		want = "clflush";
	if (c.clflushopt && !env1("PMEM_NO_CLFLUSHOPT"))
		want = "clflushopt";
	if (c.clwb && !env1("PMEM_NO_CLWB"))
		want = "clwb";
	wfence = "sfence";
#elif defined(__aarch64__)
	/* read here, not through the library's probe */
	want = getauxval(AT_HWCAP) & (1UL << 16) ? "dc cvap" : "dc cvac";
	wfence = "dsb sy";
#elif defined(__powerpc64__)
	bool p10 = getauxval(AT_HWCAP2) & 0x00040000UL;
	want = p10 ? "dcbstps" : "dcbf";
	wfence = p10 ? "phwsync" : "hwsync";
#elif defined(__riscv)
	want = c.zicbom ? "cbo.clean" : "none";
	wfence = "fence ow,ow";
#endif
	CHECK(!strcmp(info->flush, want), "flush %s, expected %s", info->flush,
	      want);
	CHECK(!strcmp(info->fence, wfence), "fence %s, expected %s",
	      info->fence, wfence);

	unsigned fam, mod;
	const struct pmem2_tuning *tn =
		pmem2_tuning_probe(c.vendor, &fam, &mod);
	CHECK(!strcmp(info->tuning, tn->name), "tuning %s, expected %s",
	      info->tuning, tn->name);
	CHECK_EQ(info->family, fam);
	CHECK_EQ(info->model, mod);

	const char *g = getenv("PMEM_NO_GENERIC_MEMCPY");
	const char *avx = getenv("PMEM_AVX");
	const char *a5 = getenv("PMEM_AVX512F");
	const char *md = getenv("PMEM_MOVDIR64B");
	char eng[64];
	snprintf(eng, sizeof(eng), "%s", (g && atoll(g)) ? "libc" : "generic");
	if (c.sse2 && !env1("PMEM_NO_MOVNT")) {
		snprintf(eng, sizeof(eng), "sse2");
		if (c.avx_usable && !(avx && !strcmp(avx, "0")))
			snprintf(eng, sizeof(eng), "avx");
		if (c.avx512f_usable && !(a5 && !strcmp(a5, "0")))
			snprintf(eng, sizeof(eng), "avx512f");
		/* MOVDIR64B: PMEM_MOVDIR64B, else the tuning table */
		if (c.movdir64b && (md ? strcmp(md, "0") != 0 : tn->movdir64b))
			strcat(eng, "+movdir64b");
	}
	CHECK(!strcmp(info->engine, eng), "engine %s, expected %s",
	      info->engine, eng);

	size_t thr = tn->movnt_threshold;
	bool thr_set = false;
	const char *t = getenv("PMEM_MOVNT_THRESHOLD");
	char *end;
	if (t && *t) {
		long long v = strtoll(t, &end, 10);
		if (!*end && v >= 0) {
			thr = (size_t)v;
			thr_set = true;
		}
	}
	CHECK_EQ(info->movnt_threshold_env, thr_set);
	CHECK_EQ(info->movnt_threshold, thr);
	/* PAGE maps: the table's threshold for a cold destination, or
	 * PMEM_MOVNT_THRESHOLD for every destination, as in PMDK */
	CHECK_EQ(info->page_movnt_threshold,
		 thr_set ? thr : tn->page_movnt_threshold);
	/* BYTE maps: the table's threshold, whatever the environment */
	CHECK_EQ(info->big_move_threshold, tn->byte_movnt_threshold);
	CHECK_EQ(info->big_set_threshold, tn->byte_set_movnt_threshold);
	CHECK_EQ(info->llc_size, c.llc_size);
	CHECK_EQ(info->hot_max, pmem2_tuning_hot_max(tn, c.llc_size));
	CHECK_EQ(info->page_hot_max, thr_set ? 0 : info->hot_max);

	CHECK_EQ(info->avx, c.avx_usable && !(avx && !strcmp(avx, "0")));
	CHECK_EQ(info->avx512f, c.avx512f_usable && !(a5 && !strcmp(a5, "0")));
	CHECK_EQ(info->movdir64b,
		 c.movdir64b && (md ? strcmp(md, "0") != 0 : tn->movdir64b));
	const char *wc = getenv("PMEM_WC_WORKAROUND");
	bool wcw = wc && !strcmp(wc, "1")   ? true
		   : wc && !strcmp(wc, "0") ? false
					    : c.intel;
	CHECK_EQ(info->wc_workaround, wcw);

	const char *d = pmem2_persist_describe();
	CHECK(strstr(d, info->flush) && strstr(d, info->engine),
	      "describe: %s", d);
}

/* the tuning table: the entry a processor gets, and what it implies */
TEST(tuning_table)
{
	unsigned f, m;
	/* CPUID leaf 1 EAX -> the family and model lscpu shows */
	pmem2_cpu_family_model(0x00a10f11, &f, &m); /* EPYC 9004, Zen 4 */
	CHECK(f == 25 && m == 17, "Zen 4: family %u model %u", f, m);
	pmem2_cpu_family_model(0x000806f8, &f, &m); /* Sapphire Rapids */
	CHECK(f == 6 && m == 143, "SPR: family %u model %u", f, m);
	pmem2_cpu_family_model(0x00050654, &f, &m); /* Skylake-SP */
	CHECK(f == 6 && m == 85, "SKX: family %u model %u", f, m);
	pmem2_cpu_family_model(0x00000f41, &f, &m); /* Pentium 4 */
	CHECK(f == 15 && m == 4, "P4: family %u model %u", f, m);

	const struct pmem2_tuning *amd =
		pmem2_tuning_lookup("AuthenticAMD", 25, 17);
	const struct pmem2_tuning *intel =
		pmem2_tuning_lookup("GenuineIntel", 6, 143);
	const struct pmem2_tuning *dflt = pmem2_tuning_lookup(NULL, 0, 0);
	CHECK(!strcmp(amd->name, "AMD family 25 (Zen 3/4)"), "%s", amd->name);
	CHECK(!strcmp(intel->name, "Intel (not measured in this tree)"), "%s",
	      intel->name);
	CHECK(!strcmp(dflt->name, "default"), "%s", dflt->name);
	/* an unmeasured family of a known vendor, another vendor */
	CHECK(pmem2_tuning_lookup("AuthenticAMD", 26, 2) == dflt, "Zen 5");
	CHECK(pmem2_tuning_lookup("HygonGenuine", 24, 0) == dflt, "Hygon");
	CHECK(pmem2_tuning_lookup("GenuineIntel", 6, 85) == intel, "SKX");
	/* what this file says it measured */
	CHECK_EQ(amd->movnt_threshold, (size_t)256);
	CHECK_EQ(amd->page_movnt_threshold, (size_t)256);
	CHECK_EQ(amd->byte_movnt_threshold, (size_t)2048);
	CHECK_EQ(amd->byte_seq_move_max, (size_t)4096);
	CHECK_EQ(amd->byte_set_movnt_threshold, (size_t)64 << 10);
	CHECK_EQ(amd->byte_seq_set_max, (size_t)0);
	CHECK(!amd->movdir64b && !intel->movdir64b && !dflt->movdir64b,
	      "MOVDIR64B stays opt-in everywhere until measured");
	/* hot_max: a quarter of the last-level cache, capped */
	CHECK_EQ(pmem2_tuning_hot_max(amd, 32 << 20), (size_t)8 << 20);
	CHECK_EQ(pmem2_tuning_hot_max(intel, 60 << 20), (size_t)256 << 10);
	CHECK_EQ(pmem2_tuning_hot_max(dflt, 32 << 20), (size_t)1 << 20);
	CHECK_EQ(pmem2_tuning_hot_max(dflt, 2 << 20), (size_t)512 << 10);
	CHECK_EQ(pmem2_tuning_hot_max(amd, 0), (size_t)2 << 20);
}

/* memops_cold: this thread's recent destinations are hot, others cold */
static void *other_thread_cold(void *p)
{
	return (void *)(uintptr_t)memops_cold(p, 4096, 1 << 20, 0);
}

TEST(destination_guess)
{
	static char buf[8 << 20];
	const size_t max = 1 << 20;
	char *x = buf + 4096;

	memset(&pmem2_hot, 0, sizeof(pmem2_hot));
	CHECK(memops_cold(x, 4096, max, 0), "never written: cold");
	CHECK(!memops_cold(x, 4096, max, 0), "written just now: hot");
	CHECK(!memops_cold(x + 64, 1024, max, 0), "inside it: hot");
	CHECK(memops_cold(x + 64, 4096, max, 0), "beyond its end: cold");
	CHECK(memops_cold(x - 64, 128, max, 0), "before its start: cold");
	CHECK(!memops_cold(x - 64, 128, max, 0), "now written: hot");
	CHECK(memops_cold(buf, max + 1, max, 0), "larger than max: cold");
	CHECK(memops_cold(buf, max + 1, max, 0), "and never recorded");
	CHECK(memops_cold(x, 4096, 0, 0), "max 0: always cold");

	/* a hot range goes cold once max bytes were written since */
	memset(&pmem2_hot, 0, sizeof(pmem2_hot));
	CHECK(memops_cold(x, 4096, max, 0), "x cold");
	CHECK(memops_cold(buf + (4 << 20), max - 4096, max, 0), "y cold");
	CHECK(!memops_cold(x, 4096, max, 0), "x: max bytes since, still hot");
	CHECK(memops_cold(buf + (6 << 20), max - 4095, max, 0), "z cold");
	CHECK(memops_cold(x, 4096, max, 0), "x: max + 1 bytes since, cold");

	/* PMEM2_HOT_SLOTS ranges are remembered, the oldest is replaced */
	memset(&pmem2_hot, 0, sizeof(pmem2_hot));
	for (int i = 0; i <= PMEM2_HOT_SLOTS; i++)
		CHECK(memops_cold(buf + i * 8192, 4096, max, 0), "%d cold", i);
	CHECK(memops_cold(buf, 4096, max, 0), "the first one was replaced");
	for (int i = 2; i <= PMEM2_HOT_SLOTS; i++)
		CHECK(!memops_cold(buf + i * 8192, 4096, max, 0), "%d hot", i);

	/* a destination right after the previous one, up to seq_max */
	memset(&pmem2_hot, 0, sizeof(pmem2_hot));
	CHECK(memops_cold(x, 4096, max, 8192), "a first write: cold");
	CHECK(!memops_cold(x + 4096, 8192, max, 8192), "the next one: hot");
	CHECK(memops_cold(x + 12288, 8193, max, 8192),
	      "the next one, larger than seq_max: cold");
	CHECK(memops_cold(x + 65536, 64, max, 8192), "a gap: cold");
	CHECK(memops_cold(x + 65600, 64, max, 0), "seq_max 0: cold");

	/* another thread has its own record */
	pthread_t t;
	void *r;
	CHECK(pthread_create(&t, NULL, other_thread_cold, x) == 0, "thread");
	pthread_join(t, &r);
	CHECK(r != NULL, "what this thread wrote is cold in another one");
	memset(&pmem2_hot, 0, sizeof(pmem2_hot));
}

TEST(flush_cpu_caches_and_fence)
{
	char buf[300];
	memset(buf, 1, sizeof(buf));
	instr_reset();
	pmem2_flush_cpu_caches(buf + 3, 200);
	pmem2_flush_cpu_caches(buf, 0);
	pmem2_fence();
	CHECK(buf[0] == 1, "flush keeps the data");
}

/* ------------------------------------------------------------------ */
/* environment variables: re-run this program                          */

static char self[4096];

static int run_child(const char *const *env)
{
	int pfd[2];
	if (pipe(pfd))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		static const char *const clear[] = {
			"PMEM_NO_CLWB",		  "PMEM_NO_CLFLUSHOPT",
			"PMEM_NO_MOVNT",	  "PMEM_NO_GENERIC_MEMCPY",
			"PMEM_MOVNT_THRESHOLD", "PMEM_AVX",
			"PMEM_AVX512F",		  "PMEM_MOVDIR64B",
			"PMEM_WC_WORKAROUND"};
		for (size_t i = 0; i < ARRAY_SIZE(clear); i++)
			unsetenv(clear[i]);
		for (; *env; env += 2)
			setenv(env[0], env[1], 1);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execl(self, self, "--child", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	char out[65536];
	size_t n = 0;
	ssize_t r;
	while ((r = read(pfd[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(pfd[0]);
	int st;
	waitpid(pid, &st, 0);
	int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (!ok)
		printf("child output:\n%s", out);
	return ok ? 0 : 1;
}

TEST(environment)
{
	static const char *const sets[][9] = {
		{NULL},
		{"PMEM_NO_CLWB", "1", NULL},
		{"PMEM_NO_CLWB", "1", "PMEM_NO_CLFLUSHOPT", "1", NULL},
		{"PMEM_NO_CLFLUSHOPT", "1", NULL},
		{"PMEM_NO_CLWB", "yes", "PMEM_NO_CLFLUSHOPT", "11", NULL},
		{"PMEM_NO_MOVNT", "1", NULL},
		{"PMEM_NO_MOVNT", "1", "PMEM_NO_GENERIC_MEMCPY", "1", NULL},
		{"PMEM_NO_MOVNT", "0", "PMEM_NO_GENERIC_MEMCPY", "1", NULL},
		{"PMEM_MOVNT_THRESHOLD", "0", NULL},
		{"PMEM_MOVNT_THRESHOLD", "1000", NULL},
		{"PMEM_MOVNT_THRESHOLD", "-5", NULL},
		{"PMEM_MOVNT_THRESHOLD", "12abc", NULL},
		{"PMEM_AVX", "0", "PMEM_AVX512F", "0", NULL},
		{"PMEM_AVX512F", "0", NULL},
		{"PMEM_AVX", "0", NULL},
		{"PMEM_AVX512F", "1", "PMEM_MOVDIR64B", "0", NULL},
		{"PMEM_MOVDIR64B", "1", "PMEM_WC_WORKAROUND", "1", NULL},
		{"PMEM_WC_WORKAROUND", "0", NULL},
	};
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		SKIP("cannot find this program");
	self[n] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
		char desc[256] = "";
		for (const char *const *e = sets[i]; *e; e += 2)
			snprintf(desc + strlen(desc),
				 sizeof(desc) - strlen(desc), "%s=%s ", e[0],
				 e[1]);
		CHECK(run_child(sets[i]) == 0, "child with %s failed", desc);
	}
}

static bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");
	return p && strstr(p, "vgpreload");
}

int main(int argc, char **argv)
{
	bool child = argc > 1 && !strcmp(argv[1], "--child");
	const char *q = getenv("PMEM2_TEST_QUICK");

	/* "sizes": under an emulator (scripts/cross.sh), where the
	 * durability proof keeps every flag combination */
	quick = child || under_valgrind() ||
		(q && (!strcmp(q, "1") || !strcmp(q, "sizes")));
	info = pmem2_persist_info();
	RUN(cpu_decode);
	RUN(cpu_probe);
	RUN(dispatch_choice);
	RUN(tuning_table);
	RUN(destination_guess);
	RUN(ops_never_null);
	RUN(flush_cpu_caches_and_fence);
	RUN(persist_flush_drain);
	RUN(matrix_byte);
	RUN(matrix_cache_line);
	RUN(matrix_page);
	if (!child) {
		RUN(page_msync_failure);
		RUN(page_unregistered);
		RUN(page_real_file);
		RUN(environment);
	}
	return test_done();
}
