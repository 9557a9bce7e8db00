/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_durability.c -- the durability proof of every copy kernel.
 *
 * Byte comparisons cannot see a missing flush or fence (PMDK shipped such a
 * data-loss bug: its non-temporal memcpy lacked the final sfence, fixed in
 * 1.9.3, 1.10.1 and 1.11.1): the bytes are right in the cache either way.
 * This program is linked with the instrumented library (pmem2_instrumented,
 * built with PMEM2_INSTRUMENT), whose kernels report every ordinary store,
 * streaming store, cache-line clean, fence and msync, in order, to a hook;
 * cleans and fences say which instruction ran. The hook runs a model of
 * each cache line of the memory under test -- lines of the size the
 * hardware has (64 bytes on x86-64; CTR_EL0 on aarch64, AT_DCACHEBSIZE on
 * ppc64, the Zicbom block on riscv64, read here independently of the
 * library), so a clean loop with the wrong stride is caught:
 *
 *   ordinary store   the line is dirty in the cache and not yet visible;
 *   clean            a dirty line is written back, pending until a fence
 *                    that completes that clean: SFENCE for CLFLUSH,
 *                    CLFLUSHOPT, CLWB; DSB SY for DC CVAC/CVAP/CVADP;
 *                    phwsync for dcbstps, hwsync or phwsync for dcbf;
 *                    "fence ow,ow" for cbo.clean. A barrier that only
 *                    orders (LFENCE, DMB ISHST, lwsync, "fence r,r")
 *                    completes nothing. A clean by another instruction
 *                    than the one the map was built for is a bug (e.g.
 *                    DC CVAC where DC CVAP exists);
 *   streaming store  the line is in a write-combining buffer, pending
 *                    until a fence -- and invisible to msync until then;
 *   fence            nothing it completes is pending any more;
 *   msync            dirty lines of those pages are written back; a line
 *                    still pending from a streaming store is a bug.
 *
 * "Durable" then means, per granularity: CACHE_LINE -- not dirty, nothing
 * pending; BYTE (eADR: the caches are persistent) -- nothing pending;
 * PAGE -- not dirty since the last msync, and no streaming store was
 * behind an msync.
 *
 * For every engine (generic, libc, SSE2, AVX, AVX-512F, each with
 * MOVDIR64B) and flush instruction this processor can run -- forced with
 * pmem2_persist_force, whatever the environment says -- and for every
 * granularity x flag combination (all 64, plus an unknown bit) x size class
 * (0, 1, 7, 63, 64, 65, 255, 256, 257, 4 KiB, 1 MiB + 13) x source and
 * destination misalignment, memcpy, memset and overlapping memmove (both
 * directions, and dst == src) are checked for:
 *   - the bytes: destination right, source and guard bytes around both
 *     untouched;
 *   - no store, streaming store or flush outside the destination lines;
 *   - no line flushed twice, no cache flush at all on BYTE and PAGE maps,
 *     nothing at all with NOFLUSH;
 *   - when the function returns: every written line durable; with NODRAIN
 *     every line flushed or streamed (and durable after the map's drain);
 *     with NOFLUSH durable after the map's persist.
 * The persist, flush and drain functions are checked the same way.
 * Kernels this processor cannot run are reported with SKIP.
 *
 * The model must also reject deliberately broken primitives: the library
 * built for this test can drop its fences, fence with an ordering-only
 * barrier (DMB ISHST instead of DSB SY on arm64), or fence before the
 * last clean of a range (pmem2_instr_set_broken); each variant runs
 * through the matrix and must be caught.
 *
 * Under valgrind (PMEM2_TEST_VALGRIND=1), with PMEM2_TEST_QUICK=1 or in a
 * sanitizer build the matrix is reduced, and the program says so.
 * PMEM2_TEST_QUICK=sizes (for emulated processors, scripts/cross.sh) keeps
 * every engine, clean instruction, granularity and flag combination and
 * reduces only the sizes and alignments (listed when it starts).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "test.h"
#include "core/err.h"
#include "core/granularity_name.h"
#include "core/util.h"
#include "pmem2/map.h"
#include "pmem2/persist.h"
#include "pmem2/registry.h"

#ifndef PMEM2_INSTRUMENT
#error "link with pmem2_instrumented (PMEM2_INSTRUMENT)"
#endif

#define NODRAIN PMEM2_F_MEM_NODRAIN
#define NT PMEM2_F_MEM_NONTEMPORAL
#define TEMP PMEM2_F_MEM_TEMPORAL
#define WC PMEM2_F_MEM_WC
#define WB PMEM2_F_MEM_WB
#define NOFLUSH PMEM2_F_MEM_NOFLUSH
#define UNKNOWN (1U << 6)

#define BIG ((size_t)(1 << 20) + 13)
#define PAD ((size_t)8192)
#define ARENA (2 * (BIG + 2 * PAD))
#define POOL ((size_t)4 << 20)
#define MAX_REPORTS 30

/* the hardware's cache line (the model's unit), found by line_size() */
static size_t LS = 64;
#define LMASK ((uintptr_t)LS - 1)

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* how much of the matrix runs: 0 full, 1 reduced (sanitizers), 2 quick,
 * 3 every flag combination with fewer sizes (emulation) */
static int level;

/* a broken variant is running: problems are counted, not failures */
static bool expect_broken;
static unsigned long caught, broken_calls;
static char first_caught[300];

/* ------------------------------------------------------------------ */
/* the line model                                                      */

struct line {
	uint32_t op;	   /* the case that last reset this line */
	uint32_t st_epoch; /* ordinary store, not yet fenced */
	uint32_t fl_snap;  /* completions(fl_insn) when it was cleaned */
	uint32_t nt_epoch; /* streaming store, not yet fenced */
	uint8_t fl_insn;   /* the clean instruction, 0 if none pending */
	uint8_t dirty;	   /* stored since the last flush / msync */
	uint8_t written;   /* stored (either way) in this case */
	uint8_t flushes;   /* flushed in this case */
};

static struct {
	char *buf; /* ARENA bytes under test */
	char *shadow;
	struct line *lines;
	uint32_t op;
	uint32_t epoch; /* bumped by every fence that completes stores */
	/* fences seen, per instruction */
	uint32_t fcount[PMEM2_INSN_COUNT];
	enum pmem2_instr_insn want_flush; /* what the map's cleans must be */
	enum pmem2_instr_insn last_fence; /* the last fence of the case */
	/* where this case may store and flush */
	uintptr_t wlo, whi;
	uintptr_t flo, fhi;
	/* what happened */
	unsigned long stores, nts, flushes, fences, msyncs;
	unsigned long stray_stores, stray_flushes, dup_flushes;
	unsigned long wrong_flushes; /* cleans by another instruction */
	enum pmem2_instr_insn wrong_insn;
	unsigned long msync_nt_pending; /* msync of unfenced streamed lines */
	uintptr_t msync_addr;
	size_t msync_len;
	char problem[200];
} M;

/* ------------------------------------------------------------------ */
/* what each instruction does, per the architecture manuals            */

static bool is_clean(enum pmem2_instr_insn i)
{
	switch (i) {
	case PMEM2_INSN_CLFLUSH:
	case PMEM2_INSN_CLFLUSHOPT:
	case PMEM2_INSN_CLWB:
	case PMEM2_INSN_DC_CVAC:
	case PMEM2_INSN_DC_CVAP:
	case PMEM2_INSN_DC_CVADP:
	case PMEM2_INSN_DCBF:
	case PMEM2_INSN_DCBSTPS:
	case PMEM2_INSN_CBO_CLEAN:
		return true;
	default:
		return false;
	}
}

/* does fence f wait for clean c to complete (and order it before later
 * stores)? */
static bool completes(enum pmem2_instr_insn f, enum pmem2_instr_insn c)
{
	switch (f) {
	case PMEM2_INSN_SFENCE:
		return c == PMEM2_INSN_CLFLUSH || c == PMEM2_INSN_CLFLUSHOPT ||
		       c == PMEM2_INSN_CLWB;
	case PMEM2_INSN_DSB_SY:
		return c == PMEM2_INSN_DC_CVAC || c == PMEM2_INSN_DC_CVAP ||
		       c == PMEM2_INSN_DC_CVADP;
	case PMEM2_INSN_PHWSYNC:
		return c == PMEM2_INSN_DCBSTPS || c == PMEM2_INSN_DCBF;
	case PMEM2_INSN_HWSYNC: /* not a persistent-storage sync */
		return c == PMEM2_INSN_DCBF;
	case PMEM2_INSN_FENCE_OW_OW:
		return c == PMEM2_INSN_CBO_CLEAN;
	default: /* LFENCE, DMB ISHST, lwsync, fence r,r: order only */
		return false;
	}
}

/* does fence f complete ordinary and streaming stores? */
static bool completes_stores(enum pmem2_instr_insn f)
{
	switch (f) {
	case PMEM2_INSN_SFENCE:
	case PMEM2_INSN_DSB_SY:
	case PMEM2_INSN_PHWSYNC:
	case PMEM2_INSN_HWSYNC:
	case PMEM2_INSN_FENCE_OW_OW:
	case PMEM2_INSN_SEQ_CST:
		return true;
	default:
		return false;
	}
}

/* how many fences so far complete clean c */
static uint32_t completions(enum pmem2_instr_insn c)
{
	uint32_t n = 0;
	for (int f = 0; f < PMEM2_INSN_COUNT; f++)
		if (M.fcount[f] && completes((enum pmem2_instr_insn)f, c))
			n += M.fcount[f];
	return n;
}

static enum pmem2_instr_insn insn_by_name(const char *name)
{
	for (int i = 0; i < PMEM2_INSN_COUNT; i++)
		if (!strcmp(pmem2_instr_insn_name((enum pmem2_instr_insn)i),
			    name))
			return (enum pmem2_instr_insn)i;
	return PMEM2_INSN_NONE;
}

static struct line *line_of(uintptr_t a)
{
	struct line *l = &M.lines[(a - (uintptr_t)M.buf) / LS];
	if (l->op != M.op) {
		memset(l, 0, sizeof(*l));
		l->op = M.op;
	}
	return l;
}

static bool in_arena(uintptr_t a)
{
	return a >= (uintptr_t)M.buf && a < (uintptr_t)M.buf + ARENA;
}

static void hook(enum pmem2_instr_event ev, enum pmem2_instr_insn insn,
		 const void *addr, size_t len, void *arg)
{
	uintptr_t a = (uintptr_t)addr;
	(void)arg;

	switch (ev) {
	case PMEM2_INSTR_STORE:
	case PMEM2_INSTR_NT:
		if (ev == PMEM2_INSTR_STORE)
			M.stores++;
		else
			M.nts++;
		if (!len)
			return;
		if (a < M.wlo || a + len > M.whi || !in_arena(a)) {
			M.stray_stores++;
			return;
		}
		for (uintptr_t p = a & ~LMASK; p < a + len; p += LS) {
			struct line *l = line_of(p);
			l->written = 1;
			if (ev == PMEM2_INSTR_STORE) {
				l->dirty = 1;
				l->st_epoch = M.epoch;
			} else {
				l->nt_epoch = M.epoch;
			}
		}
		return;
	case PMEM2_INSTR_FLUSH:
		M.flushes++;
		if (!is_clean(insn) || insn != M.want_flush) {
			M.wrong_flushes++;
			M.wrong_insn = insn;
		}
		a &= ~LMASK; /* the hardware cleans the line holding a */
		if (a < M.flo || a >= M.fhi || !in_arena(a)) {
			M.stray_flushes++;
			return;
		}
		{
			struct line *l = line_of(a);
			if (l->flushes++)
				M.dup_flushes++;
			if (l->dirty) {
				l->dirty = 0;
				l->fl_insn = (uint8_t)insn;
				l->fl_snap = completions(insn);
			}
		}
		return;
	case PMEM2_INSTR_FENCE:
		M.fences++;
		if ((unsigned)insn < PMEM2_INSN_COUNT)
			M.fcount[insn]++;
		if (completes_stores(insn))
			M.epoch++;
		M.last_fence = insn;
		return;
	case PMEM2_INSTR_MSYNC:
		M.msyncs++;
		M.msync_addr = a;
		M.msync_len = len;
		if (!len)
			return;
		for (uintptr_t p = align_down(a, 4096);
		     p < align_up(a + len, 4096); p += LS) {
			if (!in_arena(p))
				continue;
			struct line *l = line_of(p);
			if (l->nt_epoch == M.epoch)
				M.msync_nt_pending++;
			l->dirty = 0;
		}
		return;
	}
}

/* a store made by the test itself (before persist/flush) */
static void user_store(char *p, size_t n)
{
	memset(p, 0x5a, n);
	uintptr_t lo = M.wlo, hi = M.whi;
	M.wlo = (uintptr_t)p;
	M.whi = (uintptr_t)p + n;
	hook(PMEM2_INSTR_STORE, PMEM2_INSN_NONE, p, n, NULL);
	M.wlo = lo;
	M.whi = hi;
}

static void model_reset(uintptr_t wlo, uintptr_t whi)
{
	M.op++;
	M.epoch += 2;
	M.wlo = wlo;
	M.whi = whi;
	M.flo = wlo & ~LMASK;
	M.fhi = align_up(whi, LS);
	M.stores = M.nts = M.flushes = M.fences = M.msyncs = 0;
	M.stray_stores = M.stray_flushes = M.dup_flushes = 0;
	M.wrong_flushes = 0;
	M.last_fence = PMEM2_INSN_NONE;
	M.msync_nt_pending = 0;
	M.msync_addr = 0;
	M.msync_len = 0;
	M.problem[0] = '\0';
}

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...)
{
	if (M.problem[0])
		return; /* the first one says enough */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(M.problem, sizeof(M.problem), fmt, ap);
	va_end(ap);
}

enum state { DURABLE, FLUSHED };

/* every line written in [lo, hi) is in state s for granularity g */
static void check_lines(enum pmem2_granularity g, uintptr_t lo, uintptr_t hi,
			enum state s, const char *when)
{
	uint32_t now[PMEM2_INSN_COUNT];
	char why[96] = "";
	const char *lf = pmem2_instr_insn_name(M.last_fence);

	if (lo >= hi)
		return;
	for (int i = 0; i < PMEM2_INSN_COUNT; i++)
		now[i] = is_clean((enum pmem2_instr_insn)i)
				 ? completions((enum pmem2_instr_insn)i)
				 : 0;
	for (uintptr_t p = lo & ~LMASK; p < hi; p += LS) {
		struct line *l = line_of(p);
		if (!l->written)
			continue;
		size_t off = (p - (lo & ~LMASK)) / LS;
		bool nt_pend = l->nt_epoch == M.epoch;
		bool st_pend = l->st_epoch == M.epoch;
		bool fl_pend = l->fl_insn && now[l->fl_insn] == l->fl_snap;
		switch (g) {
		case PMEM2_GRANULARITY_CACHE_LINE:
			if (l->dirty)
				problem("%s: line %zu written but never "
					"flushed",
					when, off);
			else if (s == DURABLE && (fl_pend || nt_pend)) {
				if (M.last_fence && !nt_pend &&
				    completes(M.last_fence, l->fl_insn))
					snprintf(why, sizeof(why),
						 " (cleaned after the last "
						 "fence)");
				else if (M.last_fence && !nt_pend)
					snprintf(why, sizeof(why),
						 " (%s does not complete %s)",
						 lf,
						 pmem2_instr_insn_name(
							 l->fl_insn));
				problem("%s: line %zu %s but not fenced%s",
					when, off,
					nt_pend ? "streamed" : "flushed", why);
			}
			break;
		case PMEM2_GRANULARITY_BYTE:
			if (s == DURABLE && (st_pend || nt_pend)) {
				if (M.last_fence &&
				    !completes_stores(M.last_fence))
					snprintf(why, sizeof(why),
						 " (%s does not complete "
						 "stores)",
						 lf);
				problem("%s: line %zu %s but not fenced%s",
					when, off,
					nt_pend ? "streamed" : "stored", why);
			}
			break;
		default:
			if (l->dirty)
				problem("%s: line %zu written after the last "
					"msync (or never synced)",
					when, off);
			break;
		}
	}
	if (g == PMEM2_GRANULARITY_PAGE && M.msync_nt_pending)
		problem("%s: msync while %lu streamed lines were not fenced",
			when, M.msync_nt_pending);
}

/* ------------------------------------------------------------------ */
/* the memory under test                                               */

static struct pmem2_map page_map;
static char *pool;
static size_t pool_off;
static int memfd = -1;

static void arena_init(void)
{
	/* a shared file mapping, so PAGE msync has something to do */
	memfd = memfd_create("test_durability", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, ARENA)) {
		perror("memfd");
		exit(2);
	}
	M.buf = mmap(NULL, ARENA, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	M.shadow = malloc(ARENA);
	M.lines = calloc(ARENA / LS, sizeof(*M.lines));
	pool = malloc(POOL);
	if (M.buf == MAP_FAILED || !M.shadow || !M.lines || !pool) {
		perror("arena");
		exit(2);
	}
	uint64_t x = 88172645463325252ULL;
	for (size_t i = 0; i < POOL; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(pool + i, &x, 8);
	}
	page_map.addr = M.buf;
	page_map.reserved_length = page_map.content_length = ARENA;
	page_map.effective_granularity = PMEM2_GRANULARITY_PAGE;
	page_map.source.type = PMEM2_SOURCE_FD;
	page_map.source.ftype = PMEM2_FTYPE_REG;
	if (pmem2_registry_insert(&page_map)) {
		printf("registry insert: %s\n", err_msg());
		exit(2);
	}
	M.epoch = 1;
}

static void arena_fini(void)
{
	pmem2_registry_remove(&page_map);
	munmap(M.buf, ARENA);
	close(memfd);
	free(M.shadow);
	free(M.lines);
	free(pool);
}

static char *shadow_of(const char *p)
{
	return M.shadow + (p - M.buf);
}

/* noise in [p - 64, p + n + 64), mirrored in the shadow */
static void prepare(char *p, size_t n)
{
	char *lo = p - 64;
	size_t len = n + 128;
	if (pool_off + len > POOL)
		pool_off = 0;
	memcpy(lo, pool + pool_off, len);
	memcpy(shadow_of(lo), lo, len);
	pool_off += 4099;
}

static bool same(const char *p, size_t n)
{
	return memcmp(p - 64, shadow_of(p) - 64, n + 128) == 0;
}

static char *src_base(void)
{
	return M.buf + PAD;
}

static char *dst_base(void)
{
	return M.buf + PAD + BIG + PAD;
}

/* ------------------------------------------------------------------ */
/* one case                                                            */

struct config {
	char name[96];
	enum pmem2_granularity g;
	struct pmem2_mem_ops ops;
	unsigned long cases;
};

enum op { OP_COPY, OP_SET, OP_MOVE };

static unsigned long reports;

static void report(struct config *cfg, const char *what)
{
	if (expect_broken) {
		if (!caught++)
			snprintf(first_caught, sizeof(first_caught),
				 "%s: %s: %s", cfg->name, what, M.problem);
		return;
	}
	test_failed++;
	if (reports++ < MAX_REPORTS)
		printf("FAIL %s: %s: %s\n", cfg->name, what, M.problem);
}

/* the checks every case and persist/flush call share */
static void check_cleans(void)
{
	if (M.stray_flushes)
		problem("%lu flushes outside the destination lines",
			M.stray_flushes);
	if (M.dup_flushes)
		problem("%lu lines flushed twice", M.dup_flushes);
	if (M.wrong_flushes)
		problem("%lu lines cleaned with %s, not %s", M.wrong_flushes,
			pmem2_instr_insn_name(M.wrong_insn),
			pmem2_instr_insn_name(M.want_flush));
}

static void passed(void)
{
	if (!expect_broken)
		test_passed++;
}

static void one_case(struct config *cfg, enum op op, unsigned flags, size_t len,
		     size_t doff, size_t soff, long delta)
{
	char *src, *dst;
	int c = (int)(len * 7 + doff + flags) & 0xff;
	void *ret = NULL;
	char what[128];

	if (op == OP_MOVE) {
		src = src_base() + soff + 512;
		dst = src + delta;
		prepare(MIN(src, dst), len + (size_t)labs(delta));
	} else {
		src = src_base() + soff;
		dst = dst_base() + doff;
		prepare(dst, len);
		if (op == OP_COPY)
			prepare(src, len);
	}
	if (op == OP_SET)
		memset(shadow_of(dst), c, len);
	else
		memmove(shadow_of(dst), shadow_of(src), len);

	model_reset((uintptr_t)dst, (uintptr_t)dst + len);
	switch (op) {
	case OP_COPY:
		ret = cfg->ops.memcpy(dst, src, len, flags);
		break;
	case OP_MOVE:
		ret = cfg->ops.memmove(dst, src, len, flags);
		break;
	case OP_SET:
		ret = cfg->ops.memset(dst, c, len, flags);
		break;
	}
	cfg->cases++;

	enum pmem2_granularity g = cfg->g;
	uintptr_t lo = (uintptr_t)dst, hi = lo + len;
	if (ret != dst)
		problem("returned %p, not the destination %p", ret,
			(void *)dst);
	if (op == OP_MOVE) {
		if (!same(MIN(src, dst), len + (size_t)labs(delta)))
			problem("wrong bytes");
	} else {
		if (!same(dst, len))
			problem("wrong bytes in or around the destination");
		if (op == OP_COPY && !same(src, len))
			problem("source or its guard bytes modified");
	}
	if (M.stray_stores)
		problem("%lu stores outside the destination", M.stray_stores);
	check_cleans();
	if (g != PMEM2_GRANULARITY_CACHE_LINE && M.flushes)
		problem("%lu cache flushes on a %s map (wasted)", M.flushes,
			granularity_name(g));

	if (flags & NOFLUSH) {
		if (M.flushes || M.nts || M.fences || M.msyncs)
			problem("NOFLUSH, yet %lu flushes, %lu streaming "
				"stores, %lu fences, %lu msyncs",
				M.flushes, M.nts, M.fences, M.msyncs);
		/* the protocol: NOFLUSH, then persist */
		cfg->ops.persist(dst, len);
		check_lines(g, lo, hi, DURABLE, "NOFLUSH + persist");
	} else {
		if (g == PMEM2_GRANULARITY_PAGE) {
			unsigned long want = len ? 1 : 0;
			if (M.msyncs != want)
				problem("%lu msync calls, expected %lu",
					M.msyncs, want);
			else if (len &&
				 (M.msync_addr != lo || M.msync_len != len))
				problem("msync of [%#lx, +%zu), not of the "
					"destination",
					(unsigned long)M.msync_addr,
					M.msync_len);
		} else if (M.msyncs) {
			problem("msync on a non-PAGE map");
		}
		if ((flags & NODRAIN) && g != PMEM2_GRANULARITY_PAGE) {
			check_lines(g, lo, hi, FLUSHED, "NODRAIN");
			cfg->ops.drain();
			check_lines(g, lo, hi, DURABLE, "NODRAIN + drain");
		} else {
			if (g != PMEM2_GRANULARITY_PAGE && !M.fences)
				problem("no fence");
			check_lines(g, lo, hi, DURABLE, "on return");
		}
	}
	/* every byte of a real copy was written by the library */
	if (len && !(op == OP_MOVE && delta == 0)) {
		for (uintptr_t p = lo & ~LMASK; p < hi; p += LS)
			if (!line_of(p)->written) {
				problem("line %zu of the destination never "
					"stored (uninstrumented store?)",
					(size_t)(p - (lo & ~LMASK)) / LS);
				break;
			}
	}

	if (M.problem[0]) {
		snprintf(what, sizeof(what),
			 "%s flags 0x%x len %zu dst+%zu src+%zu delta %ld",
			 op == OP_COPY	? "memcpy"
			 : op == OP_SET ? "memset"
					: "memmove",
			 flags, len, doff, soff, delta);
		report(cfg, what);
	} else {
		passed();
	}
	if (expect_broken)
		broken_calls++;
}

/* persist / flush / drain of ranges the test itself wrote */
static void pfd_case(struct config *cfg, size_t len, size_t off)
{
	char *p = dst_base() + off;
	uintptr_t lo = (uintptr_t)p, hi = lo + len;
	char what[96];
	enum pmem2_granularity g = cfg->g;

	/* persist */
	model_reset(lo, hi);
	user_store(p, len);
	cfg->ops.persist(p, len);
	check_lines(g, lo, hi, DURABLE, "persist");
	if (g != PMEM2_GRANULARITY_CACHE_LINE && M.flushes)
		problem("persist flushed %lu lines on a non-CACHE_LINE map",
			M.flushes);
	check_cleans();
	/* flush, then drain */
	model_reset(lo, hi);
	user_store(p, len);
	cfg->ops.flush(p, len);
	check_lines(g, lo, hi, FLUSHED, "flush");
	cfg->ops.drain();
	check_lines(g, lo, hi, DURABLE, "flush + drain");
	check_cleans();
	cfg->cases++;
	if (M.problem[0]) {
		snprintf(what, sizeof(what), "persist/flush len %zu off %zu",
			 len, off);
		report(cfg, what);
	} else {
		passed();
	}
	if (expect_broken)
		broken_calls++;
}

/* ------------------------------------------------------------------ */
/* the matrix                                                          */

/*
 * Sizes, alignments and overlap distances around the 64-byte line; with
 * another line size the same around it too (make_sizes). Emulation
 * (level 3) keeps the ones that cross a line boundary in each way.
 */
static const size_t base_sizes[] = {0, 1, 7, 63, 64, 65, 255, 256, 257, 4096};
static const size_t emu_sizes[] = {0, 1, 63, 65, 257, 4096};
static const size_t base_offs[] = {0, 1, 8, 63};
static const long deltas[] = {1, 8, 63, 64, 65, 300};
static size_t sizes[16], nsizes;
static size_t offs[8], noffs_all;

static void add_unique(size_t *list, size_t *n, size_t v)
{
	for (size_t i = 0; i < *n; i++)
		if (list[i] == v)
			return;
	list[(*n)++] = v;
}

static void make_sizes(void)
{
	const size_t *b = level == 3 ? emu_sizes : base_sizes;
	size_t nb = level == 3 ? ARRAY_SIZE(emu_sizes) : ARRAY_SIZE(base_sizes);

	for (size_t i = 0; i < nb; i++)
		add_unique(sizes, &nsizes, b[i]);
	for (size_t i = 0; i < (level == 3 ? 2 : ARRAY_SIZE(base_offs)); i++)
		add_unique(offs, &noffs_all, base_offs[i]);
	if (LS != 64) {
		add_unique(sizes, &nsizes, LS - 1);
		add_unique(sizes, &nsizes, LS + 1);
		if (level != 3)
			add_unique(sizes, &nsizes, LS);
		add_unique(offs, &noffs_all, LS - 1);
	}
}

static unsigned flag_list[70];
static size_t nflags;

/* quick mode: one of each way the flags can decide */
static const unsigned quick_flags[] = {
	0,
	NODRAIN,
	NT,
	TEMP,
	WC,
	WB,
	NOFLUSH,
	NT | TEMP,
	WC | WB,
	NODRAIN | TEMP,
	NODRAIN | NT,
	NOFLUSH | NT | NODRAIN,
	UNKNOWN | NT | NODRAIN,
};

static void make_flags(void)
{
	if (level == 2) {
		for (size_t i = 0; i < ARRAY_SIZE(quick_flags); i++)
			flag_list[nflags++] = quick_flags[i];
		return;
	}
	for (unsigned f = 0; f <= PMEM2_F_MEM_VALID_FLAGS; f++)
		flag_list[nflags++] = f;
	flag_list[nflags++] = UNKNOWN | NT | NODRAIN;
}

/* min_len: only sizes from this length up (for the tuning variants) */
static void matrix(struct config *cfg, size_t min_len)
{
	size_t noffs = level == 2 ? 2 : noffs_all;
	size_t ndeltas = level >= 2 ? 2 : ARRAY_SIZE(deltas);
	unsigned long before = test_failed;

	for (size_t fi = 0; fi < nflags; fi++) {
		unsigned f = flag_list[fi];
		for (size_t si = 0; si < nsizes; si++) {
			size_t len = sizes[si];
			if (len < min_len)
				continue;
			for (size_t i = 0; i < noffs; i++) {
				for (size_t j = 0; j < noffs; j++)
					one_case(cfg, OP_COPY, f, len, offs[i],
						 offs[j], 0);
				one_case(cfg, OP_SET, f, len, offs[i], 0, 0);
			}
			for (size_t i = 0; i < 2; i++) {
				one_case(cfg, OP_MOVE, f, len, 0, offs[i], 0);
				for (size_t k = 0; k < ndeltas; k++) {
					one_case(cfg, OP_MOVE, f, len, 0,
						 offs[i], deltas[k]);
					one_case(cfg, OP_MOVE, f, len, 0,
						 offs[i], -deltas[k]);
				}
			}
		}
		/* one mebibyte and a bit: every flag, one layout of each
		 * kind (a different one per flag) */
		if (level == 0 || (fi % 3 == 0 && level != 2) ||
		    (level == 2 && fi <= 6 && fi % 3 == 0)) {
			size_t a = offs[fi % noffs_all];
			size_t b = offs[(fi / 4) % noffs_all];
			one_case(cfg, OP_COPY, f, BIG, a, b, 0);
			one_case(cfg, OP_SET, f, BIG, b, 0, 0);
			one_case(cfg, OP_MOVE, f, BIG, 0, a, fi & 1 ? 65 : -65);
			if (level == 0 && fi % 4 == 0)
				one_case(cfg, OP_MOVE, f, BIG, 0, b,
					 fi & 8 ? -1 : 4097);
		}
		if (test_failed - before > MAX_REPORTS)
			return; /* this configuration is broken enough */
	}
	if (min_len)
		return;
	for (size_t si = 0; si < nsizes; si++)
		for (size_t i = 0; i < noffs_all; i++)
			pfd_case(cfg, sizes[si], offs[i]);
	pfd_case(cfg, BIG, 5);
}

static unsigned long total_cases;
static char ran[1024], not_run[2048];

static void run_config(const char *engine, enum pmem2_granularity g,
		       const char *flush, const struct pmem2_persist_forced *t,
		       const char *variant, size_t min_len)
{
	struct config cfg;
	struct pmem2_persist_forced f = {
		.engine = engine,
		.flush = flush,
		.wc_workaround = 0,
		.movnt_threshold = SIZE_MAX,
		.page_movnt_threshold = SIZE_MAX,
		.big_move_threshold = SIZE_MAX,
		.big_set_threshold = SIZE_MAX,
	};
	if (t) {
		f.wc_workaround = t->wc_workaround;
		f.movnt_threshold = t->movnt_threshold;
		f.page_movnt_threshold = t->page_movnt_threshold;
		f.big_move_threshold = t->big_move_threshold;
		f.big_set_threshold = t->big_set_threshold;
	}
	pmem2_persist_unforce();
	CHECK_RC(pmem2_persist_force(&f), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.g = g;
	/* the cleans of a CACHE_LINE map must be the forced (or chosen) one */
	M.want_flush =
		insn_by_name(flush ? flush : pmem2_persist_info()->flush);
	int len = snprintf(cfg.name, sizeof(cfg.name), "%s %s%s%s%s", engine,
			   granularity_name(g), flush ? "/" : "",
			   flush ? flush : "", variant);
	CHECK(len >= 0 && (size_t)len < sizeof(cfg.name),
	      "case name of %d bytes fits in %zu", len, sizeof(cfg.name));
	pmem2_mem_ops_get(g, &cfg.ops);
	matrix(&cfg, min_len);
	if (!expect_broken)
		total_cases += cfg.cases;
	pmem2_persist_unforce();
}

static void note(char *list, size_t size, const char *what)
{
	size_t n = strlen(list);
	snprintf(list + n, size - n, "%s%s", n ? ", " : "", what);
}

TEST(every_kernel)
{
	/* the clean instructions of this architecture (after "none") */
	const char *const *flushes = pmem2_persist_flushes + 1;
	size_t nfl = 0;
	while (flushes[nfl])
		nfl++;
	/* a processor without any usable clean: CACHE_LINE uses PAGE */
	bool clean = strcmp(pmem2_persist_info()->flush, "none") != 0;

	for (const char *const *e = pmem2_persist_engines; *e; e++) {
		struct pmem2_persist_forced probe = {
			*e, NULL, -1, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX};
		pmem2_persist_unforce();
		if (pmem2_persist_force(&probe)) {
			printf("SKIP kernel %s: %s\n", *e, err_msg());
			char buf[160];
			snprintf(buf, sizeof(buf), "%s (%s)", *e, err_msg());
			note(not_run, sizeof(not_run), buf);
			test_skipped++;
			continue;
		}
		note(ran, sizeof(ran), *e);
		if (clean) {
			for (size_t i = 0; i < nfl; i++) {
				struct pmem2_persist_forced pf = {
					NULL,	  flushes[i], -1,      SIZE_MAX,
					SIZE_MAX, SIZE_MAX,   SIZE_MAX};
				if (pmem2_persist_force(&pf)) {
					printf("SKIP kernel %s "
					       "CACHE_LINE/%s: %s\n",
					       *e, flushes[i], err_msg());
					char buf[200];
					snprintf(buf, sizeof(buf),
						 "%s CACHE_LINE/%s (%s)", *e,
						 flushes[i], err_msg());
					note(not_run, sizeof(not_run), buf);
					test_skipped++;
					continue;
				}
				run_config(*e, PMEM2_GRANULARITY_CACHE_LINE,
					   flushes[i], NULL, "", 0);
			}
		} else {
			/* CACHE_LINE maps get the PAGE functions, proven
			 * below */
			struct pmem2_mem_ops cl, page;
			pmem2_mem_ops_get(PMEM2_GRANULARITY_CACHE_LINE, &cl);
			pmem2_mem_ops_get(PMEM2_GRANULARITY_PAGE, &page);
			CHECK(cl.memmove == page.memmove &&
				      cl.persist == page.persist,
			      "no flush instruction: CACHE_LINE must msync");
			printf("SKIP kernel %s CACHE_LINE: no cache-clean "
			       "instruction usable on this processor (%s); "
			       "CACHE_LINE maps use the PAGE (msync) "
			       "functions\n",
			       *e, pmem2_persist_info()->cpu_note);
			test_skipped++;
		}
		run_config(*e, PMEM2_GRANULARITY_BYTE, NULL, NULL, "", 0);
		run_config(*e, PMEM2_GRANULARITY_PAGE, NULL, NULL, "", 0);
	}
	pmem2_persist_unforce();
}

/*
 * The paths the default thresholds keep out of reach of a 1 MiB test:
 * flag-less BYTE and PAGE copies that stream because they outgrow the
 * cache, every flag-less CACHE_LINE copy streamed (threshold 0), and the
 * write-combining workaround's intermediate fences (SSE2, AVX).
 */
TEST(tuning_variants)
{
	struct pmem2_persist_forced lowt = {NULL, NULL, 0, 0, 256, 4096, 4096};
	struct pmem2_persist_forced wc = {NULL,	    NULL,     1,       SIZE_MAX,
					  SIZE_MAX, SIZE_MAX, SIZE_MAX};
	static const char *const engines[] = {"sse2", "avx", "avx512f",
					      "generic"};
	const char *fl = NULL; /* the flush instruction chosen at start */

	for (size_t i = 0; i < ARRAY_SIZE(engines); i++) {
		struct pmem2_persist_forced probe = {
			engines[i], NULL,     -1,      SIZE_MAX,
			SIZE_MAX,   SIZE_MAX, SIZE_MAX};
		pmem2_persist_unforce();
		if (pmem2_persist_force(&probe))
			continue; /* reported by every_kernel */
		run_config(engines[i], PMEM2_GRANULARITY_BYTE, NULL, &lowt,
			   " (low thresholds)", 255);
		run_config(engines[i], PMEM2_GRANULARITY_PAGE, NULL, &lowt,
			   " (low thresholds)", 255);
		if (strcmp(pmem2_persist_info()->flush, "none") != 0)
			run_config(engines[i], PMEM2_GRANULARITY_CACHE_LINE, fl,
				   &lowt, " (threshold 0)", 0);
		if (i < 2) {
			run_config(engines[i], PMEM2_GRANULARITY_CACHE_LINE, fl,
				   &wc, " (wc workaround)", 4096);
			run_config(engines[i], PMEM2_GRANULARITY_BYTE, NULL,
				   &wc, " (wc workaround)", 4096);
			run_config(engines[i], PMEM2_GRANULARITY_PAGE, NULL,
				   &wc, " (wc workaround)", 4096);
		}
	}
	pmem2_persist_unforce();
}

/* synthetic events for the model tests */
static void ev_store(char *p, size_t n)
{
	hook(PMEM2_INSTR_STORE, PMEM2_INSN_NONE, p, n, NULL);
}

static void ev_clean(enum pmem2_instr_insn c, uintptr_t lo, uintptr_t hi)
{
	for (uintptr_t a = lo & ~LMASK; a < hi; a += LS)
		hook(PMEM2_INSTR_FLUSH, c, (void *)a, LS, NULL);
}

static void ev_fence(enum pmem2_instr_insn f)
{
	hook(PMEM2_INSTR_FENCE, f, NULL, 0, NULL);
}

/* run check_lines on CACHE_LINE and say whether it found a problem
 * containing want (NULL: whether it found none) */
static bool verdict(uintptr_t lo, uintptr_t hi, const char *want)
{
	check_cleans();
	check_lines(PMEM2_GRANULARITY_CACHE_LINE, lo, hi, DURABLE, "t");
	if (!want)
		return M.problem[0] == '\0';
	return strstr(M.problem, want) != NULL;
}

/* the model itself catches what it must: a broken "kernel" fails */
TEST(model_catches_bugs)
{
	char *p = dst_base() + 3;
	uintptr_t lo = (uintptr_t)p, hi = lo + 200;

	M.want_flush = PMEM2_INSN_CLWB;
	/* a store after the flush of its line */
	model_reset(lo, hi);
	ev_store(p, 200);
	ev_clean(PMEM2_INSN_CLWB, lo, hi);
	ev_store(p + 100, 8);
	ev_fence(PMEM2_INSN_SFENCE);
	CHECK(verdict(lo, hi, "never flushed"), "late store: %s", M.problem);

	/* streaming stores without the final fence (PMDK's data-loss bug) */
	model_reset(lo, hi);
	hook(PMEM2_INSTR_NT, PMEM2_INSN_NONE, p, 200, NULL);
	CHECK(verdict(lo, hi, "streamed but not fenced"), "missing fence: %s",
	      M.problem);
	model_reset(lo, hi);
	hook(PMEM2_INSTR_NT, PMEM2_INSN_NONE, p, 200, NULL);
	check_lines(PMEM2_GRANULARITY_BYTE, lo, hi, DURABLE, "t");
	CHECK(strstr(M.problem, "not fenced") != NULL, "eADR: %s", M.problem);

	/* msync before the streamed lines were fenced */
	model_reset(lo, hi);
	hook(PMEM2_INSTR_NT, PMEM2_INSN_NONE, p, 200, NULL);
	hook(PMEM2_INSTR_MSYNC, PMEM2_INSN_NONE, p, 200, NULL);
	ev_fence(PMEM2_INSN_SFENCE);
	check_lines(PMEM2_GRANULARITY_PAGE, lo, hi, DURABLE, "t");
	CHECK(strstr(M.problem, "msync while") != NULL, "msync: %s", M.problem);

	/* a store outside the destination, a flush outside its lines */
	model_reset(lo, hi);
	ev_store(p + 200, 1);
	hook(PMEM2_INSTR_FLUSH, PMEM2_INSN_CLWB,
	     (void *)(align_up(hi, LS) + LS), LS, NULL);
	CHECK(M.stray_stores == 1 && M.stray_flushes == 1, "stray");

	/* a clean loop whose stride is twice the line skips lines */
	uintptr_t hi3 = lo + 3 * LS; /* three lines or more, any line size */
	model_reset(lo, hi3);
	ev_store(p, 3 * LS);
	for (uintptr_t a = lo & ~LMASK; a < hi3; a += 2 * LS)
		hook(PMEM2_INSTR_FLUSH, PMEM2_INSN_CLWB, (void *)a, 2 * LS,
		     NULL);
	ev_fence(PMEM2_INSN_SFENCE);
	CHECK(verdict(lo, hi3, "never flushed"), "stride: %s", M.problem);

	/*
	 * Every architecture's pair, whatever the host (the model is
	 * pure): the right clean then the right fence passes; no fence, a
	 * fence before the last clean, an ordering-only barrier, or another
	 * clean instruction than the map's fail.
	 */
	static const struct {
		const char *arch;
		enum pmem2_instr_insn clean, fence, weak, other;
	} pairs[] = {
		{"x86-64", PMEM2_INSN_CLWB, PMEM2_INSN_SFENCE,
		 PMEM2_INSN_LFENCE, PMEM2_INSN_CLFLUSH},
		{"aarch64", PMEM2_INSN_DC_CVAP, PMEM2_INSN_DSB_SY,
		 PMEM2_INSN_DMB_ISHST, PMEM2_INSN_DC_CVAC},
		{"aarch64 (no DCPoP)", PMEM2_INSN_DC_CVAC, PMEM2_INSN_DSB_SY,
		 PMEM2_INSN_DMB_ISHST, PMEM2_INSN_DC_CVAP},
		{"ppc64 (Power10)", PMEM2_INSN_DCBSTPS, PMEM2_INSN_PHWSYNC,
		 PMEM2_INSN_HWSYNC, PMEM2_INSN_DCBF},
		{"ppc64", PMEM2_INSN_DCBF, PMEM2_INSN_HWSYNC, PMEM2_INSN_LWSYNC,
		 PMEM2_INSN_DCBSTPS},
		{"riscv64", PMEM2_INSN_CBO_CLEAN, PMEM2_INSN_FENCE_OW_OW,
		 PMEM2_INSN_FENCE_R_R, PMEM2_INSN_CLWB},
	};
	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
		const char *a = pairs[i].arch;
		M.want_flush = pairs[i].clean;

		model_reset(lo, hi);
		ev_store(p, 200);
		ev_clean(pairs[i].clean, lo, hi);
		ev_fence(pairs[i].fence);
		CHECK(verdict(lo, hi, NULL), "%s: correct sequence: %s", a,
		      M.problem);

		model_reset(lo, hi);
		ev_store(p, 200);
		ev_clean(pairs[i].clean, lo, hi);
		CHECK(verdict(lo, hi, "flushed but not fenced"),
		      "%s: no fence: %s", a, M.problem);

		model_reset(lo, hi);
		ev_store(p, 200);
		ev_clean(pairs[i].clean, lo, hi - 1 - ((hi - 1) & LMASK));
		ev_fence(pairs[i].fence);
		ev_clean(pairs[i].clean, (hi - 1) & ~LMASK, hi);
		CHECK(verdict(lo, hi, "flushed but not fenced"),
		      "%s: fence before the last clean: %s", a, M.problem);

		model_reset(lo, hi);
		ev_store(p, 200);
		ev_clean(pairs[i].clean, lo, hi);
		ev_fence(pairs[i].weak);
		CHECK(verdict(lo, hi, "does not complete"),
		      "%s: %s instead of %s: %s", a,
		      pmem2_instr_insn_name(pairs[i].weak),
		      pmem2_instr_insn_name(pairs[i].fence), M.problem);

		model_reset(lo, hi);
		ev_store(p, 200);
		ev_clean(pairs[i].other, lo, hi);
		ev_fence(pairs[i].fence);
		CHECK(verdict(lo, hi, "cleaned with"), "%s: %s cleans: %s", a,
		      pmem2_instr_insn_name(pairs[i].other), M.problem);
	}
}

/*
 * The library's own kernels, deliberately broken (pmem2_instr_set_broken),
 * must fail the proof: every engine's CACHE_LINE entry points with the
 * processor's clean (or BYTE where there is none), each variant through
 * the quick flag set.
 */
TEST(broken_variants_fail)
{
	static const struct {
		enum pmem2_broken b;
		const char *what;
		bool needs_clean;
	} variants[] = {
		{PMEM2_BROKEN_NO_FENCE, "no fence", false},
		{PMEM2_BROKEN_WEAK_FENCE, "ordering-only barrier", false},
		{PMEM2_BROKEN_EARLY_FENCE, "fence before the last clean", true},
	};
	const char *fl = pmem2_persist_info()->flush;
	bool clean = strcmp(fl, "none") != 0;
	int saved = level;
	size_t saved_nflags = nflags;
	char name[160];

	/* the quick flag set: one of each way the flags can decide */
	level = 2;
	nflags = 0;
	make_flags();
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		if (variants[i].needs_clean && !clean) {
			printf("SKIP broken variant \"%s\": no clean "
			       "instruction on this processor (%s)\n",
			       variants[i].what,
			       pmem2_persist_info()->cpu_note);
			test_skipped++;
			continue;
		}
		caught = broken_calls = 0;
		first_caught[0] = '\0';
		expect_broken = true;
		pmem2_instr_set_broken(variants[i].b);
		snprintf(name, sizeof(name), " (broken: %s)", variants[i].what);
		run_config("generic",
			   clean ? PMEM2_GRANULARITY_CACHE_LINE
				 : PMEM2_GRANULARITY_BYTE,
			   clean ? fl : NULL, NULL, name, 0);
		pmem2_instr_set_broken(PMEM2_BROKEN_NONE);
		expect_broken = false;
		printf("broken variant \"%s\"%s: %lu of %lu calls caught; "
		       "first: %s\n",
		       variants[i].what,
		       variants[i].b == PMEM2_BROKEN_WEAK_FENCE
			       ? (clean ? "" : " on BYTE")
			       : "",
		       caught, broken_calls, first_caught);
		CHECK(caught > 0, "broken variant \"%s\" passed the proof",
		      variants[i].what);
	}
	level = saved;
	nflags = 0;
	make_flags();
	CHECK_EQ(nflags, saved_nflags);
}

/* the line size the hardware has, found without asking the library */
static size_t line_size(void)
{
#if defined(__x86_64__)
	return 64;
#elif defined(__aarch64__)
	uint64_t ctr;
	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	return (size_t)4 << ((ctr >> 16) & 0xf);
#elif defined(__powerpc64__)
	unsigned long b = getauxval(AT_DCACHEBSIZE);
	return b ? b : 128;
#else
	/* riscv64: the Zicbom block, which under emulation only the test
	 * setting gives; a port without a clean: any size will do */
	const char *f = getenv("PMEM2_TEST_ZICBOM_BLOCK_SIZE");
	size_t b = pmem2_persist_info()->line_size;
	return f && atoi(f) > 0 ? (size_t)atoi(f) : b;
#endif
}

/* the library steps its clean loop by the hardware's line */
TEST(clean_stride)
{
	const struct pmem2_persist_info *pi = pmem2_persist_info();

	printf("cache line %zu bytes (the library: %zu); clean %s, fence "
	       "%s%s%s\n",
	       LS, pi->line_size, pi->flush, pi->fence,
	       pi->clean_to_pop ? "" : "; ", pi->cpu_note);
	if (!strcmp(pi->flush, "none"))
		SKIP("no clean instruction: %s", pi->cpu_note);
	CHECK_EQ(pi->line_size, LS);
}

int main(void)
{
	const char *q = getenv("PMEM2_TEST_QUICK");
	const char *vg = getenv("PMEM2_TEST_VALGRIND");
	const char *pre = getenv("LD_PRELOAD");
	struct timespec t0, t1;

	if (q && !strcmp(q, "sizes")) {
		level = 3;
	} else if ((q && !strcmp(q, "1")) || (vg && !strcmp(vg, "1")) ||
		   (pre && strstr(pre, "vgpreload"))) {
		level = 2;
		printf("quick mode (valgrind or PMEM2_TEST_QUICK=1): %zu "
		       "representative flag combinations (3 for 1 MiB), 2 "
		       "alignments, 2 overlap distances\n",
		       ARRAY_SIZE(quick_flags));
	} else if (SANITIZED) {
		level = 1;
		printf("sanitizer build: the 1 MiB cases for every 3rd flag "
		       "combination only\n");
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	LS = line_size();
	make_flags();
	make_sizes();
	if (level == 3) {
		printf("emulation mode (PMEM2_TEST_QUICK=sizes): every engine, "
		       "clean, granularity and flag combination; sizes");
		for (size_t i = 0; i < nsizes; i++)
			printf(" %zu", sizes[i]);
		printf(" (of 0 1 7 63 64 65 255 256 257 4096 and the line "
		       "size +-1), alignments");
		for (size_t i = 0; i < noffs_all; i++)
			printf(" %zu", offs[i]);
		printf(", overlap distances 1 8 (of 1 8 63 64 65 300), the "
		       "1 MiB case for every 3rd flag combination\n");
	}
	arena_init();
	pmem2_instr_set_hook(hook, NULL);

	RUN(clean_stride);
	RUN(model_catches_bugs);
	RUN(every_kernel);
	RUN(tuning_variants);
	RUN(broken_variants_fail);

	pmem2_instr_set_hook(NULL, NULL);
	arena_fini();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("durability proof: %lu calls checked in %.1f s; kernels run: "
	       "%s; not run: %s\n",
	       total_cases,
	       (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       ran, not_run[0] ? not_run : "none");
	return test_done();
}
