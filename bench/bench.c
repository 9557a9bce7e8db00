/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench.c -- the durability-engine benchmark.
 *
 * One source, built twice by bench/CMakeLists.txt: against this project's
 * libpmem2 (bench-ours, which also gets the libpmemset cases: BENCH_PMEMSET)
 * and against Debian's PMDK 1.12.1 libpmem2 (bench-pmdk). It uses only the
 * public API, so both binaries run exactly the same code around the library
 * calls and the ratio of their times is the ratio of the two libraries.
 *
 * The cases ("bench list"; keys "op/map/bytes/flags/pattern"):
 *  - memcpy/memset through the functions pmem2_get_mem{cpy,set}_fn return,
 *    for every size x flags x mapping, with three destination patterns:
 *    "hot" (the same destination every call), "cold" (a different line
 *    every call, slots of max(size, 4 KiB) visited in a scrambled order over
 *    the 64 MiB map, so neither the caches, the TLB nor a prefetcher has
 *    it) and "append" (each call right after the previous one, as a log
 *    writes). 64 MiB copies are hot only: a 64 MiB destination is twice the
 *    last-level cache, so it is cold on every call anyway;
 *  - persist of stores on a CACHE_LINE map; pmem2_map_new + map_delete;
 *  - threads: one thread per CPU, each appending records (memcpy, flags 0,
 *    so copied and made durable) to its own part of one shared map, against
 *    one thread alone on each CPU;
 *  - bench-ours only ("bench list-own"): pmemset_memcpy into the last part
 *    of sets of 1 to 10 000 parts against pmem2's memcpy on a map of the same
 *    file, and the thread case on a libpmemset set.
 * "bench machine" times what the machine itself can do with no library in
 * the way: glibc memcpy/memset, a plain non-temporal store loop (AVX-512
 * when the CPU and the OS enable it, else AVX2, else SSE2), clwb+sfence of
 * one line, the thread case with its own durable copy (streamed from 256
 * bytes, else copied + clwb + sfence), and raw mmap+munmap of the same
 * files.
 * "bench serve" sets the mappings up once and then runs the cases whose
 * keys it reads on stdin, one by one: run.sh keeps one server per library
 * and alternates them case by case. "bench lib" runs every case once.
 *
 * Each case prints one line
 *   op<TAB>map<TAB>bytes<TAB>flags<TAB>pattern<TAB>ns_per_op
 * plus "<TAB>ref_ns" where the case is paired with a reference timed in
 * alternation with it in the same process: the NT store loop (same sizes,
 * same destination pattern) for copies of 2 MiB and more, clwb+sfence for
 * persist, mmap+munmap for map_new+map_delete, pmem2's memcpy for the
 * pmemset data path, the single-thread time per call for the thread cases
 * (which add "<TAB>threads").
 * Times are medians over many timed batches (CLOCK_MONOTONIC) after a
 * warm-up. After every case one more call is made into a poisoned
 * destination and every byte of it is checked, as are the bytes on both
 * sides (exit status 3 on any difference), so nothing can be optimised away
 * and every case is known to write what it claims. run.sh does the
 * statistics across rounds and the ratios.
 *
 * Environment: BENCH_DIR (where the files are created, default /dev/shm),
 * BENCH_SHARED (a directory on the same file system: the CL, PAGE and BYTE
 * maps, the source and the NT loop's buffer are files of fixed names there,
 * which run.sh hands to both libraries' servers, so both write the same
 * physical memory; the BYTE map is then that file with
 * PMEM2_FORCE_GRANULARITY=BYTE instead of an anonymous map),
 * BENCH_BUDGET_MS (time spent per case, default 30), BENCH_FILTER (only the
 * cases whose key matches this extended regular expression), BENCH_SMOKE=1 (one
 * call per sample, one sample: checks that every case runs and writes what it
 * claims, no meaningful time), BENCH_VERBOSE (print every timed sample on
 * stderr), BENCH_CHECK_SELFTEST=1 (the checking call is left out, so the check
 * must fail: the test suite's proof that it can).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <immintrin.h>
#include <libpmem2.h>
#include <pthread.h>
#include <regex.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef BENCH_PMEMSET
#include <libpmemset.h>
#endif

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define GiB ((size_t)1 << 30)

#define MAP_LEN (64 * MiB)

#define BARRIER() __asm__ __volatile__("" ::: "memory")

static const size_t copy_sizes[] = {
	64, 256, 1 * KiB, 4 * KiB, 64 * KiB, 2 * MiB, 64 * MiB,
};
#define NSIZES (sizeof(copy_sizes) / sizeof(copy_sizes[0]))
/* the largest size with cold and append patterns */
#define PATTERN_MAX (2 * MiB)

static const size_t map_sizes[] = {4 * KiB, 2 * MiB, 1 * GiB};
#define NMAPSIZES (sizeof(map_sizes) / sizeof(map_sizes[0]))

static const struct {
	const char *name;
	unsigned flags;
} flag_cases[] = {
	{"0", 0},
	{"NT", PMEM2_F_MEM_NONTEMPORAL},
	{"T", PMEM2_F_MEM_TEMPORAL},
	{"NOFLUSH", PMEM2_F_MEM_NOFLUSH},
};
#define NFLAGS (sizeof(flag_cases) / sizeof(flag_cases[0]))

/* where successive calls write */
enum pattern { P_HOT, P_COLD, P_APPEND, NPATTERNS };
static const char *const pattern_names[NPATTERNS] = {"hot", "cold", "append"};
/* cold: slots of at least a page, visited in steps of this many slots
 * (odd, so a power-of-two number of slots is visited completely) */
#define COLD_MIN_STRIDE (4 * KiB)
#define COLD_STEP 4099

/* thread cases: the record sizes, and the parts of sets for the pmemset
 * data path */
static const size_t thread_sizes[] = {64, 4 * KiB};
#define NTHRSIZES (sizeof(thread_sizes) / sizeof(thread_sizes[0]))
#ifdef BENCH_PMEMSET
static const int set_parts[] = {1, 10, 100, 1000, 10000};
#define NSETS (sizeof(set_parts) / sizeof(set_parts[0]))
#define SET_PART (4 * KiB)
#endif

enum kind {
	K_MEMCPY,
	K_MEMSET,
	K_PERSIST,
	K_MAP,
	K_GLIBC_MEMCPY,
	K_GLIBC_MEMSET,
	K_NT_COPY,
	K_NT_FILL,
	K_CLWB,
	K_MMAP,
	K_THREADS,
	K_SET_MEMCPY,
	K_CL_LOOP,
};

struct op {
	enum kind kind;
	/* destinations: [base, base + span), the next one at base + pos */
	char *base;
	size_t span;
	size_t pos;
	enum pattern pat;
	size_t stride;	 /* cold: slot size */
	uint64_t slot;	 /* cold: current slot */
	uint64_t mask;	 /* cold: number of slots - 1 */
	const char *src; /* source of copies */
	size_t len;
	unsigned flags;
	int c;
	uint64_t seq; /* value of the last persisted store */
	pmem2_memcpy_fn memcpy_fn;
	pmem2_memset_fn memset_fn;
	pmem2_persist_fn persist_fn;
	const struct pmem2_config *cfg;
	const struct pmem2_source *source;
	int fd;
#ifdef BENCH_PMEMSET
	struct pmemset *set;
#endif
};

static double budget_ns = 30e6;	      /* time spent per case */
static double warm_ns = 3e6;	      /* minimum warm-up per case */
static const double batch_ns = 400e3; /* target length of one batch */
#define MIN_SAMPLES 7
#define MAX_SAMPLES 101
static int smoke;     /* BENCH_SMOKE: one call, one sample */
static int skip_call; /* BENCH_CHECK_SELFTEST: the check must fail */

static const char *dir = "/dev/shm";
static const char *shared; /* BENCH_SHARED */
static const char *filter;
static regex_t filter_re;
static int verbose;
static char *src_buf; /* MAP_LEN bytes of pattern */
static int case_no;

static void die(const char *what)
{
	fprintf(stderr, "bench: %s\n", what);
	exit(2);
}

static void die_pmem2(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, pmem2_errormsg());
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the machine's own loops (no library) ---- */

enum isa { ISA_SSE2, ISA_AVX2, ISA_AVX512 };
static enum isa isa = ISA_SSE2;
static const char *const isa_name[] = {"sse2", "avx2", "avx512f"};
static int have_clwb, have_clflushopt;

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

/* What the CPU has AND the OS saves (XCR0), not the CPUID bits alone. */
static void detect_isa(void)
{
	unsigned a, b, c, d;
	unsigned b7 = 0, c7, d7, a7;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return;
	if (__get_cpuid_count(7, 0, &a7, &b7, &c7, &d7)) {
		have_clwb = !!(b7 & (1u << 24));
		have_clflushopt = !!(b7 & (1u << 23));
	}
	if (!(c & (1u << 27))) /* OSXSAVE */
		return;
	uint64_t xcr0 = xgetbv0();

	if ((xcr0 & 0x6) != 0x6) /* XMM and YMM state */
		return;
	if (b7 & (1u << 5))
		isa = ISA_AVX2;
	if ((b7 & (1u << 16)) && (xcr0 & 0xe6) == 0xe6) /* opmask, ZMM */
		isa = ISA_AVX512;
}

__attribute__((target("avx512f"))) static void
nt_copy_avx512(char *d, const char *s, size_t len)
{
	for (; len >= 256; len -= 256, d += 256, s += 256) {
		__m512i x0 = _mm512_loadu_si512((const void *)(s + 0));
		__m512i x1 = _mm512_loadu_si512((const void *)(s + 64));
		__m512i x2 = _mm512_loadu_si512((const void *)(s + 128));
		__m512i x3 = _mm512_loadu_si512((const void *)(s + 192));

		_mm512_stream_si512((void *)(d + 0), x0);
		_mm512_stream_si512((void *)(d + 64), x1);
		_mm512_stream_si512((void *)(d + 128), x2);
		_mm512_stream_si512((void *)(d + 192), x3);
	}
	for (; len >= 64; len -= 64, d += 64, s += 64)
		_mm512_stream_si512((void *)d,
				    _mm512_loadu_si512((const void *)s));
	_mm_sfence();
}

__attribute__((target("avx512f"))) static void nt_fill_avx512(char *d, int c,
							      size_t len)
{
	__m512i x = _mm512_set1_epi8((char)c);

	for (; len >= 256; len -= 256, d += 256) {
		_mm512_stream_si512((void *)(d + 0), x);
		_mm512_stream_si512((void *)(d + 64), x);
		_mm512_stream_si512((void *)(d + 128), x);
		_mm512_stream_si512((void *)(d + 192), x);
	}
	for (; len >= 64; len -= 64, d += 64)
		_mm512_stream_si512((void *)d, x);
	_mm_sfence();
}

__attribute__((target("avx2"))) static void nt_copy_avx2(char *d, const char *s,
							 size_t len)
{
	for (; len >= 128; len -= 128, d += 128, s += 128) {
		__m256i x0 = _mm256_loadu_si256((const __m256i *)(s + 0));
		__m256i x1 = _mm256_loadu_si256((const __m256i *)(s + 32));
		__m256i x2 = _mm256_loadu_si256((const __m256i *)(s + 64));
		__m256i x3 = _mm256_loadu_si256((const __m256i *)(s + 96));

		_mm256_stream_si256((__m256i *)(d + 0), x0);
		_mm256_stream_si256((__m256i *)(d + 32), x1);
		_mm256_stream_si256((__m256i *)(d + 64), x2);
		_mm256_stream_si256((__m256i *)(d + 96), x3);
	}
	for (; len >= 32; len -= 32, d += 32, s += 32)
		_mm256_stream_si256((__m256i *)d,
				    _mm256_loadu_si256((const __m256i *)s));
	_mm_sfence();
}

__attribute__((target("avx2"))) static void nt_fill_avx2(char *d, int c,
							 size_t len)
{
	__m256i x = _mm256_set1_epi8((char)c);

	for (; len >= 128; len -= 128, d += 128) {
		_mm256_stream_si256((__m256i *)(d + 0), x);
		_mm256_stream_si256((__m256i *)(d + 32), x);
		_mm256_stream_si256((__m256i *)(d + 64), x);
		_mm256_stream_si256((__m256i *)(d + 96), x);
	}
	for (; len >= 32; len -= 32, d += 32)
		_mm256_stream_si256((__m256i *)d, x);
	_mm_sfence();
}

static void nt_copy_sse2(char *d, const char *s, size_t len)
{
	for (; len >= 16; len -= 16, d += 16, s += 16)
		_mm_stream_si128((__m128i *)d,
				 _mm_loadu_si128((const __m128i *)s));
	_mm_sfence();
}

static void nt_fill_sse2(char *d, int c, size_t len)
{
	__m128i x = _mm_set1_epi8((char)c);

	for (; len >= 16; len -= 16, d += 16)
		_mm_stream_si128((__m128i *)d, x);
	_mm_sfence();
}

static void nt_copy(char *d, const char *s, size_t len)
{
	if (isa == ISA_AVX512)
		nt_copy_avx512(d, s, len);
	else if (isa == ISA_AVX2)
		nt_copy_avx2(d, s, len);
	else
		nt_copy_sse2(d, s, len);
}

static void nt_fill(char *d, int c, size_t len)
{
	if (isa == ISA_AVX512)
		nt_fill_avx512(d, c, len);
	else if (isa == ISA_AVX2)
		nt_fill_avx2(d, c, len);
	else
		nt_fill_sse2(d, c, len);
}

__attribute__((target("clwb"))) static void flush_clwb(const void *p)
{
	_mm_clwb((void *)p);
}

__attribute__((target("clflushopt"))) static void
flush_clflushopt(const void *p)
{
	_mm_clflushopt((void *)p);
}

static void flush_line(const void *p)
{
	if (have_clwb)
		flush_clwb(p);
	else if (have_clflushopt)
		flush_clflushopt(p);
	else
		_mm_clflush(p);
}

/* ---- destinations ---- */

/* Make o write [base, base + span) with pattern pat, starting at base. */
static void place(struct op *o, char *base, size_t span, enum pattern pat)
{
	o->base = base;
	o->span = span;
	o->pos = 0;
	o->pat = pat;
	o->slot = 0;
	o->stride = COLD_MIN_STRIDE;
	while (o->stride < o->len)
		o->stride *= 2;
	o->mask = span / o->stride - 1;
	if (pat == P_COLD && (span % o->stride || (o->mask & (o->mask + 1))))
		die("cold pattern: the span is not a power-of-two number of "
		    "slots");
}

/* the destination of this call; moves on to the next one */
static inline char *next_dst(struct op *o)
{
	char *d = o->base + o->pos;

	switch (o->pat) {
	case P_HOT:
	case NPATTERNS:
		break;
	case P_COLD:
		o->slot = (o->slot + COLD_STEP) & o->mask;
		o->pos = o->slot * o->stride;
		break;
	case P_APPEND:
		o->pos += o->len;
		if (o->pos > o->span - o->len)
			o->pos = 0;
		break;
	}
	return d;
}

/* ---- the timed loops ---- */

static void run_batch(struct op *o, uint64_t n)
{
	uint64_t i;
	size_t off;
	char *d;

	switch (o->kind) {
	case K_MEMCPY:
		for (i = 0; i < n; i++) {
			o->memcpy_fn(next_dst(o), o->src, o->len, o->flags);
			BARRIER();
		}
		break;
	case K_MEMSET:
		for (i = 0; i < n; i++) {
			o->memset_fn(next_dst(o), o->c, o->len, o->flags);
			BARRIER();
		}
		break;
#ifdef BENCH_PMEMSET
	case K_SET_MEMCPY:
		for (i = 0; i < n; i++) {
			pmemset_memcpy(o->set, next_dst(o), (void *)o->src,
				       o->len, o->flags);
			BARRIER();
		}
		break;
#else
	case K_SET_MEMCPY:
		die("libpmemset cases need BENCH_PMEMSET");
		break;
#endif
	case K_PERSIST:
		/* dirty one word of every line, then make the range durable */
		for (i = 0; i < n; i++) {
			o->seq++;
			d = next_dst(o);
			for (off = 0; off < o->len; off += 64)
				*(volatile uint64_t *)(d + off) = o->seq;
			o->persist_fn(d, o->len);
			BARRIER();
		}
		break;
	case K_CLWB:
		for (i = 0; i < n; i++) {
			o->seq++;
			d = next_dst(o);
			for (off = 0; off < o->len; off += 64)
				*(volatile uint64_t *)(d + off) = o->seq;
			for (off = 0; off < o->len; off += 64)
				flush_line(d + off);
			_mm_sfence();
			BARRIER();
		}
		break;
	case K_MAP:
		for (i = 0; i < n; i++) {
			struct pmem2_map *map;

			if (pmem2_map_new(&map, o->cfg, o->source))
				die_pmem2("pmem2_map_new");
			if (pmem2_map_delete(&map))
				die_pmem2("pmem2_map_delete");
		}
		break;
	case K_GLIBC_MEMCPY:
		for (i = 0; i < n; i++) {
			memcpy(next_dst(o), o->src, o->len);
			BARRIER();
		}
		break;
	case K_GLIBC_MEMSET:
		for (i = 0; i < n; i++) {
			memset(next_dst(o), o->c, o->len);
			BARRIER();
		}
		break;
	case K_NT_COPY:
		for (i = 0; i < n; i++) {
			nt_copy(next_dst(o), o->src, o->len);
			BARRIER();
		}
		break;
	case K_NT_FILL:
		for (i = 0; i < n; i++) {
			nt_fill(next_dst(o), o->c, o->len);
			BARRIER();
		}
		break;
	case K_MMAP:
		for (i = 0; i < n; i++) {
			void *p = mmap(NULL, o->len, PROT_READ | PROT_WRITE,
				       MAP_SHARED, o->fd, 0);

			if (p == MAP_FAILED)
				die("mmap failed");
			if (munmap(p, o->len))
				die("munmap failed");
		}
		break;
	case K_CL_LOOP:
		/* the machine's own durable copy, as on a CACHE_LINE map:
		 * streamed from 256 bytes, else copied and flushed */
		for (i = 0; i < n; i++) {
			d = next_dst(o);
			if (o->len >= 256) {
				nt_copy(d, o->src, o->len);
			} else {
				memcpy(d, o->src, o->len);
				for (off = 0; off < o->len; off += 64)
					flush_line(d + off);
				_mm_sfence();
			}
			BARRIER();
		}
		break;
	case K_THREADS:
		die("thread cases are not batches");
		break;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n, const char *what)
{
	if (verbose) {
		fprintf(stderr, "%s:", what);
		for (int s = 0; s < n; s++)
			fprintf(stderr, " %.0f", v[s]);
		fprintf(stderr, "\n");
	}
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

/*
 * Warm up, pick a batch size, time batches; return the median ns per op.
 * With a reference op (the machine's own loop on a buffer of its own), the
 * two are timed in alternating batches, so that whatever else the machine
 * is doing at that moment weighs on both alike; its median goes to *ref_ns.
 */
static double measure(struct op *o, struct op *ref, double *ref_ns)
{
	uint64_t calls = 0, n = 1, start = now_ns(), t;
	double samples[MAX_SAMPLES], ref_samples[MAX_SAMPLES];

	do {
		run_batch(o, n);
		if (ref)
			run_batch(ref, n);
		calls += n;
		t = now_ns() - start;
		n *= 2;
	} while (!smoke && (t < warm_ns || calls < 2));

	double per_op = (double)t / (double)calls;
	uint64_t batch = (uint64_t)(batch_ns / per_op);

	if (batch < 1 || smoke)
		batch = 1;
	int nsamples = (int)(budget_ns / ((double)batch * per_op));

	if (nsamples < MIN_SAMPLES)
		nsamples = MIN_SAMPLES;
	if (nsamples > MAX_SAMPLES)
		nsamples = MAX_SAMPLES;
	if (smoke)
		nsamples = 1;

	for (int s = 0; s < nsamples; s++) {
		uint64_t t0, t1, t2;

		if (ref && (s & 1)) {
			t0 = now_ns();
			run_batch(ref, batch);
			t1 = now_ns();
			run_batch(o, batch);
			t2 = now_ns();
			ref_samples[s] = (double)(t1 - t0) / (double)batch;
			samples[s] = (double)(t2 - t1) / (double)batch;
		} else {
			t0 = now_ns();
			run_batch(o, batch);
			t1 = now_ns();
			samples[s] = (double)(t1 - t0) / (double)batch;
			if (ref) {
				run_batch(ref, batch);
				t2 = now_ns();
				ref_samples[s] =
					(double)(t2 - t1) / (double)batch;
			}
		}
	}
	if (ref)
		*ref_ns = median(ref_samples, nsamples, "reference");
	return median(samples, nsamples, "case");
}

/* ---- checks that every case really writes its destination ---- */

static int writes_fill(const struct op *o)
{
	return o->kind == K_MEMSET || o->kind == K_GLIBC_MEMSET ||
	       o->kind == K_NT_FILL;
}

/*
 * One more call of o, into a destination every byte of which was first
 * set to a value the call must overwrite, with a sentinel on each side
 * (where it still lies in o's area): every byte must then hold what the
 * case writes, and the sentinels must be untouched.
 */
static void check_call(struct op *o, const char *key)
{
	/* where this call writes (run_batch moves o on to the next one) */
	size_t pos = o->pos;
	char *d = o->base + pos;
	int before = pos > 0, after = pos + o->len < o->span;
	int fill = writes_fill(o);
	size_t i;

	for (i = 0; i < o->len; i++)
		d[i] = (char)~(fill ? (char)o->c : o->src[i]);
	if (before)
		d[-1] = 0x5a;
	if (after)
		d[o->len] = 0x5a;
	if (!skip_call)
		run_batch(o, 1);
	for (i = 0; i < o->len; i++)
		if (d[i] != (fill ? (char)o->c : o->src[i]))
			break;
	if (i < o->len) {
		fprintf(stderr, "bench: %s: byte %zu of %zu not written\n", key,
			i, o->len);
		exit(3);
	}
	if ((before && d[-1] != 0x5a) || (after && d[o->len] != 0x5a)) {
		fprintf(stderr, "bench: %s: wrote outside its destination\n",
			key);
		exit(3);
	}
}

static int selected(const char *key)
{
	return filter == NULL || regexec(&filter_re, key, 0, NULL, 0) == 0;
}

static void report(const char *op, const char *map, size_t bytes,
		   const char *flags, const char *pat, double ns, double ref_ns,
		   int threads)
{
	printf("%s\t%s\t%zu\t%s\t%s\t%.2f", op, map, bytes, flags, pat, ns);
	if (ref_ns > 0)
		printf("\t%.2f", ref_ns);
	if (threads > 0)
		printf("\t%d", threads);
	printf("\n");
	fflush(stdout);
}

/*
 * Time one copy-like case (library or machine) on a destination area.
 * Library copies of REF_MIN bytes and more are paired with the machine's
 * non-temporal loop of the same length and the same destination pattern,
 * writing the very same memory as the case (through the library's map:
 * the loop is plain stores). Into a buffer of its own, the loop ran on
 * other physical pages, and at 64 MiB where the pages lie moved the ratio
 * between 0.91 and 1.02 for one and the same kernel from run to run.
 */
#define REF_MIN (2 * MiB)
static char *ref_buf; /* plain shared mapping, MAP_LEN */

static void copy_case(struct op *o, const char *op, const char *map,
		      const char *flags)
{
	char key[128];
	double ref_ns = 0;

	snprintf(key, sizeof(key), "%s/%s/%zu/%s/%s", op, map, o->len, flags,
		 pattern_names[o->pat]);
	if (!selected(key))
		return;
	o->c = 0x11 + (case_no++ % 0xe0);

	int lib = o->kind == K_MEMCPY || o->kind == K_MEMSET;
	struct op ref = {.kind = o->kind == K_MEMCPY ? K_NT_COPY : K_NT_FILL,
			 .src = o->src,
			 .len = o->len,
			 .c = o->c};
	place(&ref, o->base, o->span, o->pat);
	double ns = measure(o, lib && o->len >= REF_MIN ? &ref : NULL, &ref_ns);

	check_call(o, key);
	report(op, map, o->len, flags, pattern_names[o->pat], ns, ref_ns, 0);
}

/* ---- files and mappings ---- */

static int make_file(size_t size)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/pmem2-bench.XXXXXX", dir);
	int fd = mkstemp(path);

	if (fd < 0) {
		perror(path);
		exit(2);
	}
	unlink(path);
	if (ftruncate(fd, (off_t)size)) {
		perror("ftruncate");
		exit(2);
	}
	return fd;
}

/*
 * With BENCH_SHARED, the file of that name in that directory (created if
 * needed), which the other library's server maps too: both libraries then
 * write the same physical pages (the kernel's placement of a process's
 * memory moves memory-bound times by up to +-15 %). Else a fresh file.
 */
static int open_file(const char *name, size_t size)
{
	char path[4096];
	struct stat st;

	if (!shared || !name)
		return make_file(size);
	snprintf(path, sizeof(path), "%s/%s", shared, name);
	int fd = open(path, O_RDWR | O_CREAT, 0600);

	if (fd < 0 || fstat(fd, &st)) {
		perror(path);
		exit(2);
	}
	if ((size_t)st.st_size < size && ftruncate(fd, (off_t)size)) {
		perror("ftruncate");
		exit(2);
	}
	return fd;
}

/* A plain shared mapping of a file in BENCH_DIR (see open_file), every
 * page faulted in: where the machine's own loops write. */
static char *map_plain_file(int *fdp, const char *name)
{
	int fd = open_file(name, MAP_LEN);
	char *p =
		mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		die("mmap of a plain file failed");
	memset(p, 0, MAP_LEN);
	*fdp = fd;
	return p;
}

struct lib_map {
	const char *name;
	int fd;
	struct pmem2_source *src;
	struct pmem2_config *cfg;
	struct pmem2_map *map;
};

/* a pmem2 map of fd (or of anonymous memory when fd < 0) */
static struct pmem2_map *map_fd(int fd, size_t len, const char *force,
				struct pmem2_source **srcp,
				struct pmem2_config **cfgp)
{
	struct pmem2_map *map;

	if (fd < 0) {
		if (pmem2_source_from_anon(srcp, len))
			die_pmem2("pmem2_source_from_anon");
	} else if (pmem2_source_from_fd(srcp, fd)) {
		die_pmem2("pmem2_source_from_fd");
	}
	if (pmem2_config_new(cfgp))
		die_pmem2("pmem2_config_new");
	if (pmem2_config_set_required_store_granularity(*cfgp,
							PMEM2_GRANULARITY_PAGE))
		die_pmem2("pmem2_config_set_required_store_granularity");
	if (force)
		setenv("PMEM2_FORCE_GRANULARITY", force, 1);
	if (pmem2_map_new(&map, *cfgp, *srcp))
		die_pmem2("pmem2_map_new");
	unsetenv("PMEM2_FORCE_GRANULARITY");
	if (pmem2_map_get_size(map) < len)
		die("mapping shorter than asked");
	return map;
}

static void lib_map_open(struct lib_map *m, const char *name, int anon,
			 const char *force, enum pmem2_granularity want)
{
	m->name = name;
	/* shared: a BYTE map is the shared file with BYTE forced */
	if (anon && shared)
		force = "BYTE";
	m->fd = anon && !shared ? -1 : open_file(name, MAP_LEN);
	m->map = map_fd(m->fd, MAP_LEN, force, &m->src, &m->cfg);
	if (pmem2_map_get_store_granularity(m->map) != want) {
		fprintf(stderr, "bench: %s map got granularity %d, not %d\n",
			name, pmem2_map_get_store_granularity(m->map), want);
		exit(2);
	}
	/* fault every page in before timing anything */
	memset(pmem2_map_get_address(m->map), 0, MAP_LEN);
}

static void lib_map_close(struct lib_map *m)
{
	pmem2_map_delete(&m->map);
	pmem2_config_delete(&m->cfg);
	pmem2_source_delete(&m->src);
	if (m->fd >= 0)
		close(m->fd);
}

static char *fmt_size(size_t n, char *buf, size_t len)
{
	if (n >= GiB && n % GiB == 0)
		snprintf(buf, len, "%zuGiB", n / GiB);
	else if (n >= MiB && n % MiB == 0)
		snprintf(buf, len, "%zuMiB", n / MiB);
	else if (n >= KiB && n % KiB == 0)
		snprintf(buf, len, "%zuKiB", n / KiB);
	else
		snprintf(buf, len, "%zuB", n);
	return buf;
}

/* ---- threads ---- */

static int ncpus;

struct thr {
	pthread_t t;
	int cpu;
	struct op o;
	pthread_barrier_t *start;
	const int *stop;
	double rate; /* calls per ns */
};

static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		die("cannot pin a thread to its CPU");
}

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	uint64_t calls = 0;

	pin_self(t->cpu);
	run_batch(&t->o, 64); /* warm: the code and this thread's part */
	pthread_barrier_wait(t->start);
	uint64_t t0 = now_ns();
	do {
		run_batch(&t->o, 8);
		calls += 8;
	} while (!__atomic_load_n(t->stop, __ATOMIC_RELAXED));
	t->rate = (double)calls / (double)(now_ns() - t0);
	return NULL;
}

/*
 * Run the threads of thr[0..n) together for ms milliseconds; return their
 * aggregate throughput (calls per ns, each thread over its own interval).
 */
static double run_threads(struct thr *thr, int n, double ms)
{
	pthread_barrier_t start;
	int stop = 0;
	double sum = 0;

	pthread_barrier_init(&start, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++) {
		thr[i].start = &start;
		thr[i].stop = &stop;
		if (pthread_create(&thr[i].t, NULL, thr_main, &thr[i]))
			die("pthread_create");
	}
	pthread_barrier_wait(&start);
	struct timespec ts = {(time_t)(ms / 1000),
			      (long)((ms - 1000 * (long)(ms / 1000)) * 1e6)};
	nanosleep(&ts, NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < n; i++) {
		pthread_join(thr[i].t, NULL);
		sum += thr[i].rate;
	}
	pthread_barrier_destroy(&start);
	return sum;
}

/*
 * The thread case: proto (a memcpy op) is run by one thread per CPU, each
 * appending to its own 4 KiB-aligned part of [base, base + span), and by
 * one thread alone on each CPU in turn, alternately, several times. Prints
 * the time per call of all together (1 / aggregate throughput) and, as the
 * reference, the mean time per call of one thread alone: scaling = ref /
 * (threads x ns).
 */
static void thread_case(const struct op *proto, char *base, size_t span,
			const char *map)
{
	char key[128];
	int n = ncpus;
	size_t part = span / (size_t)n & ~(4 * KiB - 1);
	struct thr *thr = calloc((size_t)n, sizeof(*thr));
	int reps = smoke ? 1 : 5;
	double ms = smoke ? 1 : budget_ns / 1e6 / 4;
	double agg[5], single[5];

	snprintf(key, sizeof(key), "threads/%s/%zu/0/append", map, proto->len);
	if (!thr)
		die("out of memory");
	if (!selected(key)) {
		free(thr);
		return;
	}
	for (int i = 0; i < n; i++) {
		thr[i].cpu = i;
		thr[i].o = *proto;
		place(&thr[i].o, base + (size_t)i * part, part, P_APPEND);
	}
	for (int r = 0; r < reps; r++) {
		double sum = 0;

		for (int i = 0; i < n; i++) {
			/* CPU i alone, then all of them */
			int c = (i + r) % n;

			sum += run_threads(&thr[c], 1, ms) / n;
		}
		single[r] = 1 / sum;
		agg[r] = 1 / run_threads(thr, n, ms);
	}
	for (int i = 0; i < n; i++)
		check_call(&thr[i].o, key);
	free(thr);
	report("threads", map, proto->len, "0", "append",
	       median(agg, reps, "all threads"),
	       median(single, reps, "one thread"), n);
}

/* ---- the library cases ---- */

struct lib_case {
	enum kind kind; /* memcpy, memset, persist, map, threads, set */
	int map;	/* index in maps[] (copies, persist, threads) */
	size_t len;
	int flag; /* index in flag_cases[] (copies) */
	enum pattern pat;
	int parts; /* pmemset data path: parts in the set; threads: on a set */
	int own;   /* bench-ours only (libpmemset) */
	char key[64];
};

static const char *const map_names[] = {"CL", "PAGE", "BYTE"};
#define NMAPS 3
#define MAX_CASES                                                              \
	(2 * NMAPS * NSIZES * NFLAGS * NPATTERNS + 2 + NMAPSIZES +             \
	 4 * NTHRSIZES + 2 * 8)
static struct lib_case lib_cases[MAX_CASES];
static int nlib_cases;
static struct lib_map maps[NMAPS];
static int ref_fd;

static struct lib_case *add_case(enum kind kind, int map, size_t len, int flag,
				 enum pattern pat)
{
	struct lib_case *c = &lib_cases[nlib_cases++];
	const char *op = kind == K_MEMCPY    ? "memcpy"
			 : kind == K_MEMSET  ? "memset"
			 : kind == K_PERSIST ? "persist"
			 : kind == K_THREADS ? "threads"
					     : "map_new+delete";

	if (nlib_cases > (int)MAX_CASES)
		die("too many cases");
	c->kind = kind;
	c->map = map;
	c->len = len;
	c->flag = flag;
	c->pat = pat;
	snprintf(c->key, sizeof(c->key), "%s/%s/%zu/%s/%s", op,
		 map >= 0 ? map_names[map] : "file", len,
		 flag >= 0 ? flag_cases[flag].name : "-",
		 kind == K_MAP ? "-" : pattern_names[pat]);
	return c;
}

static void build_lib_cases(void)
{
	for (int p = 0; p < NPATTERNS; p++)
		for (int m = 0; m < NMAPS; m++)
			for (size_t s = 0; s < NSIZES; s++)
				for (int f = 0; f < (int)NFLAGS; f++) {
					if (p != P_HOT &&
					    copy_sizes[s] > PATTERN_MAX)
						continue;
					add_case(K_MEMCPY, m, copy_sizes[s], f,
						 p);
					add_case(K_MEMSET, m, copy_sizes[s], f,
						 p);
				}
	add_case(K_PERSIST, 0, 64, -1, P_HOT);
	add_case(K_PERSIST, 0, 4 * KiB, -1, P_HOT);
	for (size_t s = 0; s < NMAPSIZES; s++)
		add_case(K_MAP, -1, map_sizes[s], -1, P_HOT);
	for (int m = 0; m < 2; m++) /* CL and PAGE */
		for (size_t s = 0; s < NTHRSIZES; s++)
			add_case(K_THREADS, m, thread_sizes[s], 0, P_APPEND);
#ifdef BENCH_PMEMSET
	for (int m = 0; m < 2; m++)
		for (size_t s = 0; s < NTHRSIZES; s++) {
			struct lib_case *c = add_case(
				K_THREADS, m, thread_sizes[s], 0, P_APPEND);
			c->parts = 1;
			c->own = 1;
			snprintf(c->key, sizeof(c->key),
				 "threads/SET-%s/%zu/0/append", map_names[m],
				 c->len);
		}
	for (size_t n = 0; n < NSETS; n++)
		for (size_t s = 0; s < NTHRSIZES; s++) {
			struct lib_case *c = add_case(
				K_SET_MEMCPY, 0, thread_sizes[s], 0, P_HOT);
			c->parts = set_parts[n];
			c->own = 1;
			snprintf(c->key, sizeof(c->key),
				 "pmemset_memcpy/CLx%d/%zu/0/hot", c->parts,
				 c->len);
		}
#endif
}

#ifdef BENCH_PMEMSET
/* ---- libpmemset (bench-ours only) ---- */

#define SET_FILE_LEN ((size_t)10000 * SET_PART)

static struct {
	int fd;			     /* the file every set maps */
	struct pmemset *sets[NSETS]; /* sets[i]: set_parts[i] parts */
	char *last[NSETS];	     /* their last parts */
	struct pmemset_source *ssrc; /* one source for all parts */
	struct pmem2_source *p2src;  /* of fd */
	struct lib_map pmem2;	     /* pmem2 map of the same file */
	int tfd[2];		     /* files of the thread sets */
	struct pmemset *tset[2];     /* CL, PAGE: one part each */
	char *taddr[2];		     /* where that part is */
	struct pmemset_source *tsrc[2];
	struct pmem2_source *tp2src[2];
	int ready; /* set up (on the first case that needs it) */
} S;

static void die_pmemset(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, pmemset_errormsg());
	exit(2);
}

/*
 * A set whose nparts parts map [0, nparts * part) of the source, in order;
 * *last is the address of the last part.
 */
static struct pmemset *set_open(struct pmemset_source *src, int nparts,
				size_t part, const char *force, char **last)
{
	struct pmemset_config *cfg;
	struct pmemset *set;

	if (pmemset_config_new(&cfg) ||
	    pmemset_config_set_required_store_granularity(
		    cfg, PMEM2_GRANULARITY_PAGE) ||
	    pmemset_new(&set, cfg))
		die_pmemset("pmemset_new");
	pmemset_config_delete(&cfg);
	if (force)
		setenv("PMEM2_FORCE_GRANULARITY", force, 1);
	for (int i = 0; i < nparts; i++) {
		struct pmemset_map_config *mc;

		if (pmemset_map_config_new(&mc) ||
		    pmemset_map_config_set_offset(mc, (size_t)i * part))
			die_pmemset("pmemset_map_config");
		pmemset_map_config_set_length(mc, part);
		struct pmemset_part_descriptor d;

		if (pmemset_map(set, src, mc, &d))
			die_pmemset("pmemset_map");
		*last = d.addr;
		pmemset_map_config_delete(&mc);
	}
	unsetenv("PMEM2_FORCE_GRANULARITY");
	return set;
}

static void set_setup(void)
{
	S.fd = make_file(SET_FILE_LEN);
	if (pmem2_source_from_fd(&S.p2src, S.fd) ||
	    pmemset_source_from_pmem2(&S.ssrc, S.p2src))
		die_pmemset("pmemset_source_from_pmem2");
	for (size_t i = 0; i < NSETS; i++)
		S.sets[i] = set_open(S.ssrc, set_parts[i], SET_PART,
				     "CACHE_LINE", &S.last[i]);
	S.pmem2.fd = -1;
	S.pmem2.map = map_fd(S.fd, SET_FILE_LEN, "CACHE_LINE", &S.pmem2.src,
			     &S.pmem2.cfg);
	memset(pmem2_map_get_address(S.pmem2.map), 0, SET_FILE_LEN);

	static const char *const force[2] = {"CACHE_LINE", NULL};

	for (int m = 0; m < 2; m++) {
		S.tfd[m] = make_file(MAP_LEN);
		if (pmem2_source_from_fd(&S.tp2src[m], S.tfd[m]) ||
		    pmemset_source_from_pmem2(&S.tsrc[m], S.tp2src[m]))
			die_pmemset("pmemset_source_from_pmem2");
		S.tset[m] =
			set_open(S.tsrc[m], 1, MAP_LEN, force[m], &S.taddr[m]);
		memset(S.taddr[m], 0, MAP_LEN);
	}
}

/*
 * The sets (11 111 part mappings, three more files) are set up on the first
 * libpmemset case, which run.sh asks for after every case both libraries
 * run. Set up at start, they made this process's address space, and so the
 * kernel's work in msync, unlike the other library's server's: in a run
 * with PMDK's libpmem2 on both sides, PAGE cases measured 0.72x-0.78x in
 * this binary.
 */
static void set_need(void)
{
	if (!S.ready) {
		set_setup();
		S.ready = 1;
	}
}

static void set_teardown(void)
{
	if (!S.ready)
		return;
	for (int m = 0; m < 2; m++) {
		pmemset_delete(&S.tset[m]);
		pmemset_source_delete(&S.tsrc[m]);
		pmem2_source_delete(&S.tp2src[m]);
		close(S.tfd[m]);
	}
	lib_map_close(&S.pmem2);
	for (size_t i = 0; i < NSETS; i++)
		pmemset_delete(&S.sets[i]);
	pmemset_source_delete(&S.ssrc);
	pmem2_source_delete(&S.p2src);
	close(S.fd);
}

/* pmemset_memcpy into the last part of a set of c->parts parts, paired
 * with pmem2's memcpy into the same page of the file through a pmem2 map */
static void set_memcpy_case(const struct lib_case *c)
{
	size_t i = 0;

	set_need();
	while (set_parts[i] != c->parts)
		i++;
	struct op o = {.kind = K_SET_MEMCPY,
		       .src = src_buf,
		       .len = c->len,
		       .set = S.sets[i]};
	struct op ref = {.kind = K_MEMCPY,
			 .src = src_buf,
			 .len = c->len,
			 .memcpy_fn = pmem2_get_memcpy_fn(S.pmem2.map)};
	char *last = S.last[i];
	char *same = (char *)pmem2_map_get_address(S.pmem2.map) +
		     (size_t)(c->parts - 1) * SET_PART;
	double ref_ns = 0;

	place(&o, last, SET_PART, P_HOT);
	place(&ref, same, SET_PART, P_HOT);
	double ns = measure(&o, &ref, &ref_ns);

	check_call(&o, c->key);
	check_call(&ref, c->key);
	char map[32];

	snprintf(map, sizeof(map), "CLx%d", c->parts);
	report("pmemset_memcpy", map, c->len, "0", "hot", ns, ref_ns, 0);
}
#endif

static void lib_setup(void)
{
	ref_buf = map_plain_file(&ref_fd, "ref");
	lib_map_open(&maps[0], "CL", 0, "CACHE_LINE",
		     PMEM2_GRANULARITY_CACHE_LINE);
	lib_map_open(&maps[1], "PAGE", 0, NULL, PMEM2_GRANULARITY_PAGE);
	lib_map_open(&maps[2], "BYTE", 1, NULL, PMEM2_GRANULARITY_BYTE);
}

static void lib_teardown(void)
{
#ifdef BENCH_PMEMSET
	set_teardown();
#endif
	for (size_t m = 0; m < NMAPS; m++)
		lib_map_close(&maps[m]);
	munmap(ref_buf, MAP_LEN);
	close(ref_fd);
}

/* map_new + map_delete of a whole file (PAGE, in BENCH_DIR), paired with
 * a raw mmap + munmap of the same file */
static void map_case(const struct lib_case *c)
{
	struct op o = {.kind = K_MAP, .len = c->len};
	struct pmem2_source *source;
	struct pmem2_config *cfg;
	struct pmem2_map *pm;
	int fd = make_file(o.len);
	double ns, ref_ns = 0;

	pm = map_fd(fd, o.len, NULL, &source, &cfg);
	if (pmem2_map_get_size(pm) != o.len)
		die("map_new: wrong mapping size");
	pmem2_map_delete(&pm);
	o.cfg = cfg;
	o.source = source;

	struct op ref = {.kind = K_MMAP, .fd = fd, .len = o.len};

	ns = measure(&o, &ref, &ref_ns);
	report("map_new+delete", "file", o.len, "-", "-", ns, ref_ns, 0);
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&source);
	close(fd);
}

static void run_lib_case(const struct lib_case *c)
{
	struct op o = {.kind = c->kind, .len = c->len, .src = src_buf};
	const char *map = c->map >= 0 ? map_names[c->map] : "file";
	double ns, ref_ns = 0;

	switch (c->kind) {
	case K_MEMCPY:
	case K_MEMSET: {
		struct pmem2_map *m = maps[c->map].map;

		o.memcpy_fn = pmem2_get_memcpy_fn(m);
		o.memset_fn = pmem2_get_memset_fn(m);
		o.flags = flag_cases[c->flag].flags;
		place(&o, pmem2_map_get_address(m), MAP_LEN, c->pat);
		copy_case(&o, c->kind == K_MEMCPY ? "memcpy" : "memset", map,
			  flag_cases[c->flag].name);
		return;
	}
	case K_PERSIST: {
		struct pmem2_map *m = maps[c->map].map;
		/* paired with the same stores + clwb of every line +
		 * sfence, on a plain mapping */
		struct op ref = {.kind = K_CLWB, .len = o.len};

		place(&ref, ref_buf + 8 * MiB, o.len, P_HOT);
		place(&o, (char *)pmem2_map_get_address(m) + 8 * MiB, o.len,
		      P_HOT);
		o.persist_fn = pmem2_get_persist_fn(m);
		ns = measure(&o, &ref, &ref_ns);
		if (*(volatile uint64_t *)(o.base + o.len - 64) != o.seq)
			die("persist: store lost");
		report("persist", map, o.len, "-", "hot", ns, ref_ns, 0);
		return;
	}
	case K_MAP:
		map_case(c);
		return;
	case K_THREADS: {
		o.kind = K_MEMCPY;
		if (!c->parts) {
			struct pmem2_map *m = maps[c->map].map;

			o.memcpy_fn = pmem2_get_memcpy_fn(m);
			thread_case(&o, pmem2_map_get_address(m), MAP_LEN, map);
			return;
		}
#ifdef BENCH_PMEMSET
		char name[16];

		set_need();
		o.kind = K_SET_MEMCPY;
		o.set = S.tset[c->map];
		snprintf(name, sizeof(name), "SET-%s", map);
		thread_case(&o, S.taddr[c->map], MAP_LEN, name);
#endif
		return;
	}
	case K_SET_MEMCPY:
#ifdef BENCH_PMEMSET
		set_memcpy_case(c);
#endif
		return;
	default:
		die("not a library case");
	}
}

/* "lib": every (selected) case in order. */
static void bench_lib(void)
{
	lib_setup();
	for (int i = 0; i < nlib_cases; i++)
		if (selected(lib_cases[i].key))
			run_lib_case(&lib_cases[i]);
	lib_teardown();
}

/*
 * "serve": set up once, then run the cases named on stdin, one key a line,
 * answering each with its result line ("unknown <key>" if there is no such
 * case). This lets run.sh alternate the two libraries case by case, so that
 * both sides of a ratio are measured within a fraction of a second.
 */
static void bench_serve(void)
{
	char line[128];

	lib_setup();
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		int i;

		line[strcspn(line, "\r\n")] = 0;
		for (i = 0; i < nlib_cases; i++)
			if (strcmp(lib_cases[i].key, line) == 0)
				break;
		if (i == nlib_cases) {
			printf("unknown %s\n", line);
			fflush(stdout);
			continue;
		}
		run_lib_case(&lib_cases[i]);
	}
	lib_teardown();
}

static void bench_machine(void)
{
	int fd;
	char *dst = map_plain_file(&fd, NULL);

	for (size_t s = 0; s < NSIZES; s++) {
		struct op o = {.src = src_buf, .len = copy_sizes[s]};

		place(&o, dst, MAP_LEN, P_HOT);
		o.kind = K_GLIBC_MEMCPY;
		copy_case(&o, "glibc_memcpy", "shm", "-");
		o.kind = K_GLIBC_MEMSET;
		copy_case(&o, "glibc_memset", "shm", "-");
		o.kind = K_NT_COPY;
		copy_case(&o, "nt_copy", "shm", isa_name[isa]);
		o.kind = K_NT_FILL;
		copy_case(&o, "nt_fill", "shm", isa_name[isa]);
	}

	static const size_t clwb_sizes[] = {64, 4 * KiB};

	for (size_t s = 0; s < 2; s++) {
		struct op o = {.kind = K_CLWB, .len = clwb_sizes[s]};
		const char *fl = have_clwb	   ? "clwb"
				 : have_clflushopt ? "clflushopt"
						   : "clflush";
		char key[64];

		place(&o, dst + 8 * MiB, o.len, P_HOT);
		snprintf(key, sizeof(key), "flush_sfence/shm/%zu/%s/hot", o.len,
			 fl);
		if (!selected(key))
			continue;
		double ns = measure(&o, NULL, NULL);

		if (*(volatile uint64_t *)(o.base + o.len - 64) != o.seq)
			die("flush: store lost");
		report("flush_sfence", "shm", o.len, fl, "hot", ns, 0, 0);
	}
	/* the thread cases' records, by the machine's own loop: how well
	 * the machine itself scales */
	for (size_t s = 0; s < NTHRSIZES; s++) {
		struct op o = {.kind = K_CL_LOOP,
			       .src = src_buf,
			       .len = thread_sizes[s]};

		thread_case(&o, dst, MAP_LEN, "machine");
	}
	munmap(dst, MAP_LEN);
	close(fd);

	for (size_t s = 0; s < NMAPSIZES; s++) {
		struct op o = {.kind = K_MMAP, .len = map_sizes[s]};
		char key[64];

		snprintf(key, sizeof(key), "mmap+munmap/file/%zu/-/-", o.len);
		if (!selected(key))
			continue;
		o.fd = make_file(o.len);
		double ns = measure(&o, NULL, NULL);

		report("mmap+munmap", "file", o.len, "-", "-", ns, 0, 0);
		close(o.fd);
	}
}

int main(int argc, char *argv[])
{
	const char *mode = argc > 1 ? argv[1] : "lib";
	const char *e;
	Dl_info info;
	char buf[32];

	if ((e = getenv("BENCH_DIR")) && *e)
		dir = e;
	if ((e = getenv("BENCH_SHARED")) && *e)
		shared = e;
	if ((e = getenv("BENCH_BUDGET_MS")) && *e)
		budget_ns = atof(e) * 1e6;
	if ((e = getenv("BENCH_FILTER")) && *e) {
		filter = e;
		if (regcomp(&filter_re, e, REG_EXTENDED | REG_NOSUB))
			die("BENCH_FILTER is not an extended regular "
			    "expression");
	}
	if ((e = getenv("BENCH_VERBOSE")) && *e)
		verbose = 1;
	if ((e = getenv("BENCH_CHECK_SELFTEST")) && strcmp(e, "1") == 0)
		skip_call = 1;
	if ((e = getenv("BENCH_SMOKE")) && strcmp(e, "1") == 0) {
		smoke = 1;
		warm_ns = 0;
	}
	ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpus < 1)
		ncpus = 1;
	if (ncpus > 64)
		ncpus = 64;
	detect_isa();
	build_lib_cases();
	if (strcmp(mode, "list") == 0 || strcmp(mode, "list-own") == 0) {
		int own = strcmp(mode, "list-own") == 0;

		for (int i = 0; i < nlib_cases; i++)
			if (lib_cases[i].own == own &&
			    selected(lib_cases[i].key))
				printf("%s\n", lib_cases[i].key);
		return 0;
	}

	if (shared) {
		int fd = open_file("src", MAP_LEN);

		src_buf = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE,
			       MAP_SHARED, fd, 0);
		close(fd);
		if (src_buf == MAP_FAILED)
			die("mmap of the source failed");
	} else {
		src_buf = aligned_alloc(4096, MAP_LEN);
		if (!src_buf)
			die("out of memory");
	}
	for (size_t i = 0; i < MAP_LEN; i++)
		src_buf[i] = (char)(i * 7 + i / 4099 + 1);

	if (dladdr((void *)pmem2_map_new, &info) && info.dli_fname)
		printf("# libpmem2: %s\n", info.dli_fname);
	printf("# mode: %s, dir: %s, budget per case: %.0f ms%s, "
	       "machine loop isa: %s, flush: %s, sizes up to %s, %d CPUs\n",
	       mode, dir, budget_ns / 1e6, smoke ? " (smoke: one call)" : "",
	       isa_name[isa],
	       have_clwb	 ? "clwb"
	       : have_clflushopt ? "clflushopt"
				 : "clflush",
	       fmt_size(MAP_LEN, buf, sizeof(buf)), ncpus);
	fflush(stdout);

	if (strcmp(mode, "lib") == 0) {
		bench_lib();
	} else if (strcmp(mode, "serve") == 0) {
		bench_serve();
	} else if (strcmp(mode, "machine") == 0) {
		bench_machine();
	} else {
		fprintf(stderr, "usage: %s lib|list|list-own|serve|machine\n",
			argv[0]);
		return 2;
	}
	if (shared)
		munmap(src_buf, MAP_LEN);
	else
		free(src_buf);
	if (filter)
		regfree(&filter_re);
	return 0;
}
