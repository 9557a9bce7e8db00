/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench.c -- the durability-engine benchmark.
 *
 * One source, compiled twice by bench/run.sh: once against this project's
 * libpmem2 and once against Debian's PMDK 1.12.1 libpmem2. It uses only the
 * public API, so both binaries run exactly the same code around the library
 * calls and the ratio of their times is the ratio of the two libraries.
 *
 * "bench lib" times memcpy/memset through the functions returned by
 * pmem2_get_mem{cpy,set}_fn for every (size x flags x mapping) case, persist
 * on a CACHE_LINE mapping, and pmem2_map_new + pmem2_map_delete of files of
 * several sizes. "bench machine" times what the machine itself can do with
 * no library in the way: glibc memcpy/memset, a plain non-temporal store
 * loop (AVX-512 when the CPU and the OS enable it, else AVX2, else SSE2),
 * clwb+sfence of one line, and raw mmap+munmap of the same files.
 *
 * "bench list" prints the keys ("op/map/bytes/flags") of the library cases;
 * "bench serve" sets the mappings up once and then runs the cases whose
 * keys it reads on stdin, one by one: run.sh keeps one server per library
 * and alternates them case by case.
 *
 * Each case prints one line "op<TAB>map<TAB>bytes<TAB>flags<TAB>ns_per_op",
 * plus "<TAB>ref_ns" where the case is paired with the machine's own loop,
 * timed in alternation with it: the NT store loop for copies of 2 MiB and
 * more, clwb+sfence for persist, mmap+munmap for map_new+map_delete.
 * Times are medians over many timed batches (CLOCK_MONOTONIC) after a
 * warm-up. Every case checks afterwards that the destination really holds
 * what was written (and nothing past its end), so nothing can be optimised
 * away. run.sh does the statistics across rounds and the ratios.
 *
 * Environment: BENCH_DIR (where the files are created, default /dev/shm),
 * BENCH_BUDGET_MS (time spent per case, default 60), BENCH_FILTER (only the
 * cases whose "op/map/bytes/flags" key contains this string), BENCH_VERBOSE
 * (print every timed sample on stderr).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <immintrin.h>
#include <libpmem2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define GiB ((size_t)1 << 30)

#define MAP_LEN (64 * MiB)

#define BARRIER() __asm__ __volatile__("" ::: "memory")

static const size_t copy_sizes[] = {
	64, 256, 1 * KiB, 4 * KiB, 64 * KiB, 2 * MiB, 64 * MiB,
};
#define NSIZES (sizeof(copy_sizes) / sizeof(copy_sizes[0]))

static const size_t map_sizes[] = { 4 * KiB, 2 * MiB, 1 * GiB };
#define NMAPSIZES (sizeof(map_sizes) / sizeof(map_sizes[0]))

static const struct {
	const char *name;
	unsigned flags;
} flag_cases[] = {
	{ "0", 0 },
	{ "NT", PMEM2_F_MEM_NONTEMPORAL },
	{ "T", PMEM2_F_MEM_TEMPORAL },
	{ "NOFLUSH", PMEM2_F_MEM_NOFLUSH },
};
#define NFLAGS (sizeof(flag_cases) / sizeof(flag_cases[0]))

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
};

struct op {
	enum kind kind;
	char *dst;
	const char *src;
	size_t len;
	unsigned flags;
	int c;
	uint64_t seq;		/* value of the last persisted store */
	pmem2_memcpy_fn memcpy_fn;
	pmem2_memset_fn memset_fn;
	pmem2_persist_fn persist_fn;
	const struct pmem2_config *cfg;
	const struct pmem2_source *source;
	int fd;
};

static double budget_ns = 60e6;		/* time spent per case */
static const double warm_ns = 3e6;	/* minimum warm-up per case */
static const double batch_ns = 400e3;	/* target length of one batch */
#define MIN_SAMPLES 7
#define MAX_SAMPLES 101

static const char *dir = "/dev/shm";
static const char *filter;
static int verbose;
static char *src_buf;			/* MAP_LEN bytes of pattern */
static int case_no;

static void
die(const char *what)
{
	fprintf(stderr, "bench: %s\n", what);
	exit(2);
}

static void
die_pmem2(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, pmem2_errormsg());
	exit(2);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the machine's own loops (no library) ---- */

enum isa { ISA_SSE2, ISA_AVX2, ISA_AVX512 };
static enum isa isa = ISA_SSE2;
static const char *const isa_name[] = { "sse2", "avx2", "avx512f" };
static int have_clwb, have_clflushopt;

static uint64_t
xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

/* What the CPU has AND the OS saves (XCR0), not the CPUID bits alone. */
static void
detect_isa(void)
{
	unsigned a, b, c, d;
	unsigned b7 = 0, c7, d7, a7;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return;
	if (__get_cpuid_count(7, 0, &a7, &b7, &c7, &d7)) {
		have_clwb = !!(b7 & (1u << 24));
		have_clflushopt = !!(b7 & (1u << 23));
	}
	if (!(c & (1u << 27)))		/* OSXSAVE */
		return;
	uint64_t xcr0 = xgetbv0();

	if ((xcr0 & 0x6) != 0x6)	/* XMM and YMM state */
		return;
	if (b7 & (1u << 5))
		isa = ISA_AVX2;
	if ((b7 & (1u << 16)) && (xcr0 & 0xe6) == 0xe6)	/* opmask, ZMM */
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

__attribute__((target("avx512f"))) static void
nt_fill_avx512(char *d, int c, size_t len)
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

__attribute__((target("avx2"))) static void
nt_copy_avx2(char *d, const char *s, size_t len)
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

__attribute__((target("avx2"))) static void
nt_fill_avx2(char *d, int c, size_t len)
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

static void
nt_copy_sse2(char *d, const char *s, size_t len)
{
	for (; len >= 16; len -= 16, d += 16, s += 16)
		_mm_stream_si128((__m128i *)d,
				 _mm_loadu_si128((const __m128i *)s));
	_mm_sfence();
}

static void
nt_fill_sse2(char *d, int c, size_t len)
{
	__m128i x = _mm_set1_epi8((char)c);

	for (; len >= 16; len -= 16, d += 16)
		_mm_stream_si128((__m128i *)d, x);
	_mm_sfence();
}

static void
nt_copy(char *d, const char *s, size_t len)
{
	if (isa == ISA_AVX512)
		nt_copy_avx512(d, s, len);
	else if (isa == ISA_AVX2)
		nt_copy_avx2(d, s, len);
	else
		nt_copy_sse2(d, s, len);
}

static void
nt_fill(char *d, int c, size_t len)
{
	if (isa == ISA_AVX512)
		nt_fill_avx512(d, c, len);
	else if (isa == ISA_AVX2)
		nt_fill_avx2(d, c, len);
	else
		nt_fill_sse2(d, c, len);
}

__attribute__((target("clwb"))) static void
flush_clwb(const void *p)
{
	_mm_clwb((void *)p);
}

__attribute__((target("clflushopt"))) static void
flush_clflushopt(const void *p)
{
	_mm_clflushopt((void *)p);
}

static void
flush_line(const void *p)
{
	if (have_clwb)
		flush_clwb(p);
	else if (have_clflushopt)
		flush_clflushopt(p);
	else
		_mm_clflush(p);
}

/* ---- the timed loops ---- */

static void
run_batch(struct op *o, uint64_t n)
{
	uint64_t i;
	size_t off;

	switch (o->kind) {
	case K_MEMCPY:
		for (i = 0; i < n; i++) {
			o->memcpy_fn(o->dst, o->src, o->len, o->flags);
			BARRIER();
		}
		break;
	case K_MEMSET:
		for (i = 0; i < n; i++) {
			o->memset_fn(o->dst, o->c, o->len, o->flags);
			BARRIER();
		}
		break;
	case K_PERSIST:
		/* dirty one word of every line, then make the range durable */
		for (i = 0; i < n; i++) {
			o->seq++;
			for (off = 0; off < o->len; off += 64)
				*(volatile uint64_t *)(o->dst + off) = o->seq;
			o->persist_fn(o->dst, o->len);
			BARRIER();
		}
		break;
	case K_CLWB:
		for (i = 0; i < n; i++) {
			o->seq++;
			for (off = 0; off < o->len; off += 64)
				*(volatile uint64_t *)(o->dst + off) = o->seq;
			for (off = 0; off < o->len; off += 64)
				flush_line(o->dst + off);
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
			memcpy(o->dst, o->src, o->len);
			BARRIER();
		}
		break;
	case K_GLIBC_MEMSET:
		for (i = 0; i < n; i++) {
			memset(o->dst, o->c, o->len);
			BARRIER();
		}
		break;
	case K_NT_COPY:
		for (i = 0; i < n; i++) {
			nt_copy(o->dst, o->src, o->len);
			BARRIER();
		}
		break;
	case K_NT_FILL:
		for (i = 0; i < n; i++) {
			nt_fill(o->dst, o->c, o->len);
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
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n, const char *what)
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
static double
measure(struct op *o, struct op *ref, double *ref_ns)
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
	} while (t < warm_ns || calls < 2);

	double per_op = (double)t / (double)calls;
	uint64_t batch = (uint64_t)(batch_ns / per_op);

	if (batch < 1)
		batch = 1;
	int nsamples = (int)(budget_ns / ((double)batch * per_op));

	if (nsamples < MIN_SAMPLES)
		nsamples = MIN_SAMPLES;
	if (nsamples > MAX_SAMPLES)
		nsamples = MAX_SAMPLES;

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
				ref_samples[s] = (double)(t2 - t1) /
						 (double)batch;
			}
		}
	}
	if (ref)
		*ref_ns = median(ref_samples, nsamples, "reference");
	return median(samples, nsamples, "case");
}

/* ---- checks that every case really wrote its destination ---- */

/* Put values the operation must overwrite at the probe positions and a
 * sentinel right after the destination. */
static void
poison(struct op *o, size_t room)
{
	size_t pos[] = { 0, o->len / 2, o->len - 1 };

	for (size_t i = 0; i < 3; i++) {
		char want = o->kind == K_MEMSET || o->kind == K_GLIBC_MEMSET ||
				o->kind == K_NT_FILL ? (char)o->c :
				o->src[pos[i]];
		o->dst[pos[i]] = (char)~want;
	}
	if (o->len < room)
		o->dst[o->len] = 0x5a;
}

static void
verify(struct op *o, size_t room, const char *key)
{
	size_t pos[] = { 0, o->len / 2, o->len - 1 };

	for (size_t i = 0; i < 3; i++) {
		char want = o->kind == K_MEMSET || o->kind == K_GLIBC_MEMSET ||
				o->kind == K_NT_FILL ? (char)o->c :
				o->src[pos[i]];
		if (o->dst[pos[i]] != want) {
			fprintf(stderr, "bench: %s: byte %zu not written\n",
				key, pos[i]);
			exit(3);
		}
	}
	if (o->len < room && o->dst[o->len] != 0x5a) {
		fprintf(stderr, "bench: %s: wrote past the end\n", key);
		exit(3);
	}
}

static int
selected(const char *key)
{
	return filter == NULL || strstr(key, filter) != NULL;
}

static void
report(const char *op, const char *map, size_t bytes, const char *flags,
       double ns, double ref_ns)
{
	printf("%s\t%s\t%zu\t%s\t%.2f", op, map, bytes, flags, ns);
	if (ref_ns > 0)
		printf("\t%.2f", ref_ns);
	printf("\n");
	fflush(stdout);
}

/*
 * Time one copy-like case (library or machine) on a destination buffer.
 * Library copies of REF_MIN bytes and more are paired with the machine's
 * non-temporal loop of the same length into ref_buf.
 */
#define REF_MIN (2 * MiB)
static char *ref_buf;			/* plain shared mapping, MAP_LEN */

static void
copy_case(struct op *o, const char *op, const char *map, const char *flags,
	  size_t room)
{
	char key[128];
	double ref_ns = 0;

	snprintf(key, sizeof(key), "%s/%s/%zu/%s", op, map, o->len, flags);
	if (!selected(key))
		return;
	o->c = 0x11 + (case_no++ % 0xe0);
	poison(o, room);

	int lib = o->kind == K_MEMCPY || o->kind == K_MEMSET;
	struct op ref = { .kind = o->kind == K_MEMCPY ? K_NT_COPY : K_NT_FILL,
			  .dst = ref_buf, .src = o->src, .len = o->len,
			  .c = o->c };
	double ns = measure(o, lib && o->len >= REF_MIN ? &ref : NULL,
			    &ref_ns);

	verify(o, room, key);
	report(op, map, o->len, flags, ns, ref_ns);
}

/* ---- files and mappings ---- */

static int
make_file(size_t size)
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

/* A plain shared mapping of a fresh file in BENCH_DIR, every page faulted
 * in: where the machine's own loops write. */
static char *
map_plain_file(int *fdp)
{
	int fd = make_file(MAP_LEN);
	char *p = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);

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

static void
lib_map_open(struct lib_map *m, const char *name, int anon, const char *force,
	     enum pmem2_granularity want)
{
	m->name = name;
	m->fd = -1;
	if (anon) {
		if (pmem2_source_from_anon(&m->src, MAP_LEN))
			die_pmem2("pmem2_source_from_anon");
	} else {
		m->fd = make_file(MAP_LEN);
		if (pmem2_source_from_fd(&m->src, m->fd))
			die_pmem2("pmem2_source_from_fd");
	}
	if (pmem2_config_new(&m->cfg))
		die_pmem2("pmem2_config_new");
	if (pmem2_config_set_required_store_granularity(m->cfg,
							PMEM2_GRANULARITY_PAGE))
		die_pmem2("pmem2_config_set_required_store_granularity");
	if (force)
		setenv("PMEM2_FORCE_GRANULARITY", force, 1);
	if (pmem2_map_new(&m->map, m->cfg, m->src))
		die_pmem2("pmem2_map_new");
	unsetenv("PMEM2_FORCE_GRANULARITY");
	if (pmem2_map_get_store_granularity(m->map) != want) {
		fprintf(stderr, "bench: %s map got granularity %d, not %d\n",
			name, pmem2_map_get_store_granularity(m->map), want);
		exit(2);
	}
	if (pmem2_map_get_size(m->map) < MAP_LEN)
		die("mapping shorter than asked");
	/* fault every page in before timing anything */
	memset(pmem2_map_get_address(m->map), 0, MAP_LEN);
}

static void
lib_map_close(struct lib_map *m)
{
	pmem2_map_delete(&m->map);
	pmem2_config_delete(&m->cfg);
	pmem2_source_delete(&m->src);
	if (m->fd >= 0)
		close(m->fd);
}

static char *
fmt_size(size_t n, char *buf, size_t len)
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

/* ---- the library cases ---- */

struct lib_case {
	enum kind kind;		/* memcpy, memset, persist or map */
	int map;		/* index in maps[] (copies, persist) */
	size_t len;
	int flag;		/* index in flag_cases[] (copies) */
	char key[64];		/* "op/map/bytes/flags" */
};

static const char *const map_names[] = { "CL", "PAGE", "BYTE" };
static struct lib_case lib_cases[2 * 3 * NSIZES * NFLAGS + 2 + NMAPSIZES];
static int nlib_cases;
static struct lib_map maps[3];
static int ref_fd;

static void
add_case(enum kind kind, int map, size_t len, int flag)
{
	struct lib_case *c = &lib_cases[nlib_cases++];
	const char *op = kind == K_MEMCPY ? "memcpy" :
			 kind == K_MEMSET ? "memset" :
			 kind == K_PERSIST ? "persist" : "map_new+delete";

	c->kind = kind;
	c->map = map;
	c->len = len;
	c->flag = flag;
	snprintf(c->key, sizeof(c->key), "%s/%s/%zu/%s", op,
		 map >= 0 ? map_names[map] : "file", len,
		 flag >= 0 ? flag_cases[flag].name : "-");
}

static void
build_lib_cases(void)
{
	for (int m = 0; m < 3; m++)
		for (size_t s = 0; s < NSIZES; s++)
			for (int f = 0; f < (int)NFLAGS; f++) {
				add_case(K_MEMCPY, m, copy_sizes[s], f);
				add_case(K_MEMSET, m, copy_sizes[s], f);
			}
	add_case(K_PERSIST, 0, 64, -1);
	add_case(K_PERSIST, 0, 4 * KiB, -1);
	for (size_t s = 0; s < NMAPSIZES; s++)
		add_case(K_MAP, -1, map_sizes[s], -1);
}

static void
lib_setup(void)
{
	ref_buf = map_plain_file(&ref_fd);
	lib_map_open(&maps[0], "CL", 0, "CACHE_LINE",
		     PMEM2_GRANULARITY_CACHE_LINE);
	lib_map_open(&maps[1], "PAGE", 0, NULL, PMEM2_GRANULARITY_PAGE);
	lib_map_open(&maps[2], "BYTE", 1, NULL, PMEM2_GRANULARITY_BYTE);
}

static void
lib_teardown(void)
{
	for (size_t m = 0; m < 3; m++)
		lib_map_close(&maps[m]);
	munmap(ref_buf, MAP_LEN);
	close(ref_fd);
}

/* memcpy/memset through the map's functions, persist of stores on the CL
 * map, or map_new + map_delete of a whole file (PAGE, in BENCH_DIR). */
static void
run_lib_case(const struct lib_case *c)
{
	struct op o = { .kind = c->kind, .len = c->len, .src = src_buf };
	const char *map = c->map >= 0 ? map_names[c->map] : "file";
	double ns, ref_ns = 0;

	if (c->kind == K_MEMCPY || c->kind == K_MEMSET) {
		struct pmem2_map *m = maps[c->map].map;

		o.dst = pmem2_map_get_address(m);
		o.memcpy_fn = pmem2_get_memcpy_fn(m);
		o.memset_fn = pmem2_get_memset_fn(m);
		o.flags = flag_cases[c->flag].flags;
		copy_case(&o, c->kind == K_MEMCPY ? "memcpy" : "memset", map,
			  flag_cases[c->flag].name, MAP_LEN);
		return;
	}
	if (c->kind == K_PERSIST) {
		struct pmem2_map *m = maps[c->map].map;

		/* paired with the same stores + clwb of every line +
		 * sfence, on a plain mapping */
		struct op ref = { .kind = K_CLWB, .dst = ref_buf + 8 * MiB,
				  .len = o.len };

		o.dst = (char *)pmem2_map_get_address(m) + 8 * MiB;
		o.persist_fn = pmem2_get_persist_fn(m);
		ns = measure(&o, &ref, &ref_ns);
		if (*(volatile uint64_t *)(o.dst + o.len - 64) != o.seq)
			die("persist: store lost");
		report("persist", map, o.len, "-", ns, ref_ns);
		return;
	}

	struct pmem2_source *source;
	struct pmem2_config *cfg;
	struct pmem2_map *pm;
	int fd = make_file(o.len);

	if (pmem2_source_from_fd(&source, fd))
		die_pmem2("pmem2_source_from_fd");
	if (pmem2_config_new(&cfg))
		die_pmem2("pmem2_config_new");
	if (pmem2_config_set_required_store_granularity(cfg,
			PMEM2_GRANULARITY_PAGE))
		die_pmem2("set_required_store_granularity");
	if (pmem2_map_new(&pm, cfg, source))
		die_pmem2("pmem2_map_new");
	if (pmem2_map_get_size(pm) != o.len)
		die("map_new: wrong mapping size");
	pmem2_map_delete(&pm);
	o.cfg = cfg;
	o.source = source;

	/* paired with a raw mmap + munmap of the same file */
	struct op ref = { .kind = K_MMAP, .fd = fd, .len = o.len };

	ns = measure(&o, &ref, &ref_ns);
	report("map_new+delete", map, o.len, "-", ns, ref_ns);
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&source);
	close(fd);
}

/* "lib": every (selected) case in order. */
static void
bench_lib(void)
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
static void
bench_serve(void)
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

static void
bench_machine(void)
{
	int fd;
	char *dst = map_plain_file(&fd);

	for (size_t s = 0; s < NSIZES; s++) {
		struct op o = { .dst = dst, .src = src_buf,
				.len = copy_sizes[s] };

		o.kind = K_GLIBC_MEMCPY;
		copy_case(&o, "glibc_memcpy", "shm", "-", MAP_LEN);
		o.kind = K_GLIBC_MEMSET;
		copy_case(&o, "glibc_memset", "shm", "-", MAP_LEN);
		o.kind = K_NT_COPY;
		copy_case(&o, "nt_copy", "shm", isa_name[isa], MAP_LEN);
		o.kind = K_NT_FILL;
		copy_case(&o, "nt_fill", "shm", isa_name[isa], MAP_LEN);
	}

	static const size_t clwb_sizes[] = { 64, 4 * KiB };

	for (size_t s = 0; s < 2; s++) {
		struct op o = { .kind = K_CLWB, .dst = dst + 8 * MiB,
				.len = clwb_sizes[s] };
		const char *fl = have_clwb ? "clwb" :
				 have_clflushopt ? "clflushopt" : "clflush";
		char key[64];

		snprintf(key, sizeof(key), "flush_sfence/shm/%zu/%s", o.len,
			 fl);
		if (!selected(key))
			continue;
		double ns = measure(&o, NULL, NULL);

		if (*(volatile uint64_t *)(o.dst + o.len - 64) != o.seq)
			die("flush: store lost");
		report("flush_sfence", "shm", o.len, fl, ns, 0);
	}
	munmap(dst, MAP_LEN);
	close(fd);

	for (size_t s = 0; s < NMAPSIZES; s++) {
		struct op o = { .kind = K_MMAP, .len = map_sizes[s] };
		char key[64];

		snprintf(key, sizeof(key), "mmap+munmap/file/%zu/-", o.len);
		if (!selected(key))
			continue;
		o.fd = make_file(o.len);
		double ns = measure(&o, NULL, NULL);

		report("mmap+munmap", "file", o.len, "-", ns, 0);
		close(o.fd);
	}
}

int
main(int argc, char *argv[])
{
	const char *mode = argc > 1 ? argv[1] : "lib";
	const char *e;
	Dl_info info;
	char buf[32];

	if ((e = getenv("BENCH_DIR")) && *e)
		dir = e;
	if ((e = getenv("BENCH_BUDGET_MS")) && *e)
		budget_ns = atof(e) * 1e6;
	if ((e = getenv("BENCH_FILTER")) && *e)
		filter = e;
	if ((e = getenv("BENCH_VERBOSE")) && *e)
		verbose = 1;
	detect_isa();
	build_lib_cases();
	if (strcmp(mode, "list") == 0) {
		for (int i = 0; i < nlib_cases; i++)
			if (selected(lib_cases[i].key))
				printf("%s\n", lib_cases[i].key);
		return 0;
	}

	src_buf = aligned_alloc(4096, MAP_LEN);
	if (!src_buf)
		die("out of memory");
	for (size_t i = 0; i < MAP_LEN; i++)
		src_buf[i] = (char)(i * 7 + i / 4099 + 1);

	if (dladdr((void *)pmem2_map_new, &info) && info.dli_fname)
		printf("# libpmem2: %s\n", info.dli_fname);
	printf("# mode: %s, dir: %s, budget per case: %.0f ms, "
	       "machine loop isa: %s, flush: %s, sizes up to %s\n",
	       mode, dir, budget_ns / 1e6, isa_name[isa],
	       have_clwb ? "clwb" : have_clflushopt ? "clflushopt" : "clflush",
	       fmt_size(MAP_LEN, buf, sizeof(buf)));
	fflush(stdout);

	if (strcmp(mode, "lib") == 0) {
		bench_lib();
	} else if (strcmp(mode, "serve") == 0) {
		bench_serve();
	} else if (strcmp(mode, "machine") == 0) {
		bench_machine();
	} else {
		fprintf(stderr, "usage: %s lib|list|serve|machine\n", argv[0]);
		return 2;
	}
	free(src_buf);
	return 0;
}
