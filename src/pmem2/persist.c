/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * persist.c -- the process-wide CPU dispatch and the persist, flush and
 * drain functions a map hands out; the copy kernels live in the engines
 * (memops_*.c, x86_64/memcpy_*.c, x86_64/memset_*.c).
 *
 * Two levels of choice:
 *
 *  1. Once per process (pmem2_persist_init, from the library constructor):
 *     the cache-clean instruction and its fence (choose_flush: on x86-64
 *     CLWB > CLFLUSHOPT > CLFLUSH, unless PMEM_NO_CLWB=1 /
 *     PMEM_NO_CLFLUSHOPT=1, with SFENCE; on aarch64 DC CVAP, or DC CVAC
 *     without HWCAP_DCPOP, with DSB SY; on ppc64 dcbstps + phwsync on
 *     Power10, dcbf + hwsync before; on riscv64 cbo.clean + fence ow,ow
 *     when riscv_hwprobe reports Zicbom, else none -- see each
 *     src/pmem2/<arch>/flush.h for why), and the copy engine: SSE2,
 *     then AVX and AVX-512F when CPUID has them AND the operating system
 *     saves their register state (XCR0) and PMEM_AVX / PMEM_AVX512F are not
 *     "0"; MOVDIR64B for the streaming part where the tuning table says
 *     it wins or on request (PMEM_MOVDIR64B); with PMEM_NO_MOVNT=1 the
 *     portable engine, or libc with PMEM_NO_GENERIC_MEMCPY. Also the
 *     thresholds the kernels read: the tuning table's entry for this
 *     processor family (memops_tune.c), then PMEM_MOVNT_THRESHOLD.
 *
 *  2. Once per map (pmem2_mem_ops_get), by effective granularity: the
 *     engine's entry points for that granularity (for CACHE_LINE, for the
 *     chosen flush instruction), so a call runs straight into its kernel:
 *       CACHE_LINE  persist = flush lines + sfence, flush = flush lines,
 *                   drain = sfence;
 *       BYTE        nothing is ever flushed (eADR, private, anonymous):
 *                   persist = drain = sfence, flush = nothing;
 *       PAGE        persist = flush = msync of the page-aligned range
 *                   clipped to registered maps, drain = nothing; no cache
 *                   flush ever (msync writes the pages back anyway).
 *     (The fence is the architecture's: sfence is x86-64's.) Where no
 *     clean instruction is usable (riscv64 without Zicbom, architectures
 *     without a port), CACHE_LINE maps get the PAGE functions: msync of a
 *     DAX mapping makes the kernel write the CPU cache lines back. The
 *     granularity decision (granularity.c) reads clean_to_pop from here.
 *
 * The PAGE persist step and its msync failure policy are in page_sync.c.
 * The tunables the engines read, and (with PMEM2_INSTRUMENT) the hook to
 * which every flush, fence, streaming and ordinary store and msync of the
 * kernels is reported, are in memops.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/log.h"
#include "core/os.h"
#include "core/util.h"
#include "cpu.h"
#include "memops.h"
#include "page_sync.h"
#include "persist.h"

#if (defined(__aarch64__) || defined(__powerpc64__) ||                         \
     (defined(__riscv) && __riscv_xlen == 64)) &&                              \
	!defined(PMEM2_ARCH_PROBE)
#error "this architecture's probe (src/pmem2/<arch>/probe.c) is not in the build: CMAKE_SYSTEM_PROCESSOR did not select it"
#endif

/* ------------------------------------------------------------------ */
/* engines                                                             */

enum isa { ISA_NONE, ISA_SSE2, ISA_AVX, ISA_AVX512F };

struct engine {
	const char *name;
	const struct pmem2_memmove_set *move;
	const struct pmem2_memset_set *set;
	enum isa isa;
	bool movdir64b;
	bool nt; /* has streaming stores */
};

#define ENGINE(n, str, i, md, has_nt)                                          \
	{                                                                      \
		.name = str, .move = &pmem2_memmove_##n,                       \
		.set = &pmem2_memset_##n, .isa = i, .movdir64b = md,           \
		.nt = has_nt,                                                  \
	}

static const struct engine Engines[] = {
	ENGINE(generic, "generic", ISA_NONE, false, false),
	ENGINE(libc, "libc", ISA_NONE, false, false),
#ifdef __x86_64__
	ENGINE(sse2, "sse2", ISA_SSE2, false, true),
	ENGINE(avx, "avx", ISA_AVX, false, true),
	ENGINE(avx512f, "avx512f", ISA_AVX512F, false, true),
	ENGINE(sse2_movdir64b, "sse2+movdir64b", ISA_SSE2, true, true),
	ENGINE(avx_movdir64b, "avx+movdir64b", ISA_AVX, true, true),
	ENGINE(avx512f_movdir64b, "avx512f+movdir64b", ISA_AVX512F, true, true),
#endif
};

const char *const pmem2_persist_engines[] = {
	"generic",
	"libc",
#ifdef __x86_64__
	"sse2",
	"avx",
	"avx512f",
	"sse2+movdir64b",
	"avx+movdir64b",
	"avx512f+movdir64b",
#endif
	NULL,
};

#define FLUSH_NAME(a, b, fkn, fk, str, insn) [fk] = str,
static const char *const Flush_names[PMEM2_FK_COUNT] = {
	PMEM2_FLUSH_KINDS(FLUSH_NAME, 0, 0)};

/* the clean instructions of this build, "none" first */
#define FLUSH_LIST(a, b, fkn, fk, str, insn) str,
const char *const pmem2_persist_flushes[] = {PMEM2_FLUSH_KINDS(FLUSH_LIST, 0, 0)
						     NULL};

static const struct engine *engine_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(Engines); i++)
		if (strcmp(Engines[i].name, name) == 0)
			return &Engines[i];
	return NULL;
}

/* NULL when this processor can run e, else why not */
static const char *engine_unusable(const struct pmem2_cpu *cpu,
				   const struct engine *e)
{
	switch (e->isa) {
	case ISA_NONE:
		break;
	case ISA_SSE2:
		if (!cpu->sse2)
			return "the CPU lacks SSE2";
		break;
	case ISA_AVX:
		if (!cpu->avx)
			return "the CPU lacks AVX";
		if (!cpu->avx_usable)
			return "the OS does not enable the AVX register state "
			       "(XCR0)";
		break;
	case ISA_AVX512F:
		if (!cpu->avx512f)
			return "the CPU lacks AVX-512F";
		if (!cpu->avx512f_usable)
			return "the OS does not enable the AVX-512 register "
			       "state (XCR0)";
		break;
	}
	if (e->movdir64b && !cpu->movdir64b)
		return "the CPU lacks MOVDIR64B";
	return NULL;
}

static const char *flush_unusable(const struct pmem2_cpu *cpu, int fk)
{
	switch (fk) {
	case PMEM2_FK_NONE:
		return cpu->x86 ? "x86-64 CACHE_LINE maps must flush; "
				  "\"none\" is for other architectures"
				: NULL;
#if defined(__x86_64__)
	case PMEM2_FK_CLFLUSH:
		return cpu->clflush ? NULL : "the CPU lacks CLFLUSH";
	case PMEM2_FK_CLFLUSHOPT:
		return cpu->clflushopt ? NULL : "the CPU lacks CLFLUSHOPT";
	case PMEM2_FK_CLWB:
		return cpu->clwb ? NULL : "the CPU lacks CLWB";
#elif defined(__aarch64__)
	case PMEM2_FK_DC_CVAC:
		return NULL; /* ARMv8.0 */
	case PMEM2_FK_DC_CVAP:
		return cpu->dcpop ? NULL
				  : "the CPU lacks DC CVAP (HWCAP_DCPOP)";
#elif defined(__powerpc64__)
	case PMEM2_FK_DCBF:
		return NULL;
	case PMEM2_FK_DCBSTPS:
		return cpu->isa31 ? NULL
				  : "the CPU lacks dcbstps (ISA 3.1, Power10)";
#elif defined(__riscv) && __riscv_xlen == 64
	case PMEM2_FK_CBO_CLEAN:
		return cpu->zicbom ? NULL
				   : "user space may not run cbo.clean here "
				     "(riscv_hwprobe reports no Zicbom)";
#endif
	}
	return "unknown flush instruction";
}

/* ------------------------------------------------------------------ */
/* persist / flush / drain                                             */

#define GEN_CL(a, b, fkn, fk, str, insn)                                       \
	static void persist_cl_##fkn(const void *addr, size_t len)             \
	{                                                                      \
		flush_range(fk, addr, len);                                    \
		fence();                                                       \
	}                                                                      \
	static void flush_cl_##fkn(const void *addr, size_t len)               \
	{                                                                      \
		flush_range(fk, addr, len);                                    \
	}

PMEM2_FLUSH_KINDS(GEN_CL, 0, 0)

#define PERSIST_CL(a, b, fkn, fk, str, insn) [fk] = persist_cl_##fkn,
#define FLUSH_CL(a, b, fkn, fk, str, insn) [fk] = flush_cl_##fkn,
static const pmem2_persist_fn Persist_cl[PMEM2_FK_COUNT] = {
	PMEM2_FLUSH_KINDS(PERSIST_CL, 0, 0)};
static const pmem2_flush_fn Flush_cl[PMEM2_FK_COUNT] = {
	PMEM2_FLUSH_KINDS(FLUSH_CL, 0, 0)};

static void drain_fence(void)
{
	fence();
}

static void persist_byte(const void *addr, size_t len)
{
	(void)addr;
	(void)len;
	fence();
}

static void flush_byte(const void *addr, size_t len)
{
	(void)addr;
	(void)len;
}

/* ------------------------------------------------------------------ */
/* process-wide dispatch                                               */

static struct {
	struct pmem2_cpu cpu;
	/* what pmem2_persist_init chose */
	const struct pmem2_tuning *tuning;
	const struct engine *engine;
	int fk;
	struct pmem2_memops_tun tun;
	/* what the maps get now (differs only under pmem2_persist_force) */
	const struct engine *cur_engine;
	int cur_fk;
	struct pmem2_persist_info info;
	const char *cpu_note; /* what choose_flush said */
	char describe[768];
} Arch;

static pthread_once_t Arch_once = PTHREAD_ONCE_INIT;

#ifdef __powerpc64__
/* which fence ppc64/flush.h issues: phwsync (ISA 3.1) or hwsync */
MEMOPS_HIDDEN bool pmem2_ppc_isa31;
#endif

/* "exactly 1", the only value PMDK's boolean PMEM_NO_* variables honour */
static bool env_is_one(const char *name)
{
	const char *v = os_getenv(name);
	return v && strcmp(v, "1") == 0;
}

static bool env_is_zero(const char *name)
{
	const char *v = os_getenv(name);
	return v && strcmp(v, "0") == 0;
}

/*
 * A decimal number; *ok is false when the variable is unset or not a
 * well-formed number (PMDK's atoll() would read garbage as 0, i.e. "always
 * non-temporal"; we ignore it instead).
 */
static long long env_number(const char *name, bool *ok)
{
	const char *v = os_getenv(name);
	char *end;

	*ok = false;
	if (!v || !*v)
		return 0;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno || *end)
		return 0;
	*ok = true;
	return n;
}

/* the non-x86 ports: their features, the stride, and what is missing */
static void describe_port(void)
{
	const struct pmem2_cpu *cpu = &Arch.cpu;
	const struct pmem2_persist_info *info = &Arch.info;

	bool none = !cpu->dcpop && !cpu->isa31 && !cpu->zicbom;

	snprintf(Arch.describe, sizeof(Arch.describe),
		 "%s+%s, %s copies (non-temporal: not available), cpu %s:%s%s%s"
		 "%s%s%s, clean stride %zu bytes%s%s%s%s",
		 info->flush, info->fence, info->engine, cpu->arch,
		 cpu->dcpop ? " dcpop" : "", cpu->dcpodp ? " dcpodp" : "",
		 cpu->isa31 ? " isa3.1" : "", cpu->zicbom ? " zicbom" : "",
		 cpu->zicbom_forced ? "(forced by "
				      "PMEM2_TEST_ZICBOM_BLOCK_SIZE)"
				    : "",
		 none ? " none of dcpop, isa3.1, zicbom" : "", info->line_size,
		 info->deep_clean ? ", deep flush " : "",
		 info->deep_clean ? info->deep_clean : "",
		 info->clean_to_pop ? "" : "; ", info->cpu_note);
}

static void describe(void)
{
	const struct pmem2_cpu *cpu = &Arch.cpu;
	const struct pmem2_persist_info *info = &Arch.info;

	if (!cpu->x86 && cpu->arch) {
		describe_port();
		return;
	}
	snprintf(Arch.describe, sizeof(Arch.describe),
		 "%s+%s, %s copies (non-temporal from %zu bytes%s; into a "
		 "destination not written lately from %zu (PAGE) / %zu (BYTE) "
		 "bytes, or above %zu), tuning \"%s\", "
		 "cpu %s family %u model %u:%s%s%s%s%s%s%s%s%s",
		 info->flush, info->fence, info->engine, info->movnt_threshold,
		 Arch.engine->nt ? "" : ": not available",
		 info->page_movnt_threshold, info->big_move_threshold,
		 info->hot_max, info->tuning,
		 cpu->vendor[0] ? cpu->vendor : "unknown", info->family,
		 info->model, cpu->clflush ? " clflush" : "",
		 cpu->clflushopt ? " clflushopt" : "", cpu->clwb ? " clwb" : "",
		 cpu->sse2 ? " sse2" : "",
		 cpu->avx ? (cpu->avx_usable ? " avx" : " avx(os-disabled)")
			  : "",
		 cpu->avx512f ? (cpu->avx512f_usable ? " avx512f"
						     : " avx512f(os-disabled)")
			      : "",
		 cpu->movdir64b ? " movdir64b" : "",
		 info->wc_workaround ? ", wc-workaround" : "",
		 cpu->x86 ? "" : " (no cache-flush instruction known)");
}

/*
 * The clean instruction of this processor, the fence that completes it,
 * and, where the clean does not reach the point of persistence, why.
 */
static int choose_flush(struct pmem2_cpu *cpu, struct pmem2_persist_info *info)
{
	int fk = PMEM2_FK_NONE;

	info->cpu_note = "";
	info->deep_clean = NULL;
	if (cpu->x86) {
		cpu->arch = "x86_64";
		cpu->line_size = 64;
		cpu->clean_to_pop = cpu->clflush;
	} else if (!cpu->arch) {
		cpu->arch = "unknown";
		cpu->line_size = 64;
	}
#if defined(__x86_64__)
	if (cpu->clflush)
		fk = PMEM2_FK_CLFLUSH;
	if (cpu->clflushopt && !env_is_one("PMEM_NO_CLFLUSHOPT"))
		fk = PMEM2_FK_CLFLUSHOPT;
	if (cpu->clwb && !env_is_one("PMEM_NO_CLWB"))
		fk = PMEM2_FK_CLWB;
	/* sfence exists wherever SSE does, i.e. on every x86-64 */
	info->fence = "sfence";
#elif defined(__aarch64__)
	fk = cpu->dcpop ? PMEM2_FK_DC_CVAP : PMEM2_FK_DC_CVAC;
	info->fence = "dsb sy";
	if (cpu->dcpodp)
		info->deep_clean = "dc cvadp";
	if (!cpu->dcpop)
		info->cpu_note =
			"this CPU cannot clean to the point of persistence "
			"(no DC CVAP: HWCAP_DCPOP is not set), only to the "
			"point of coherency (DC CVAC): MAP_SYNC files get "
			"PAGE granularity (msync), device DAX is cleaned "
			"with DC CVAC";
#elif defined(__powerpc64__)
	fk = cpu->isa31 ? PMEM2_FK_DCBSTPS : PMEM2_FK_DCBF;
	pmem2_ppc_isa31 = cpu->isa31;
	info->fence = cpu->isa31 ? "phwsync" : "hwsync";
#elif defined(__riscv) && __riscv_xlen == 64
	fk = cpu->zicbom ? PMEM2_FK_CBO_CLEAN : PMEM2_FK_NONE;
	info->fence = "fence ow,ow";
	if (!cpu->zicbom)
		info->cpu_note =
			cpu->hwprobe_errno == ENOSYS
				? "no cache-block clean is available to user "
				  "space (riscv_hwprobe: ENOSYS, the kernel -- "
				  "or emulator -- predates it): CACHE_LINE "
				  "maps persist with msync"
				: "no cache-block clean is available to user "
				  "space (riscv_hwprobe reports no Zicbom; "
				  "user-mode cbo.clean needs Linux 6.15): "
				  "CACHE_LINE maps persist with msync";
#else
	info->fence = "full-barrier";
	info->cpu_note = "no cache-clean instruction is known for this "
			 "architecture: CACHE_LINE maps persist with msync";
#endif
	return fk;
}

static void persist_init_once(void)
{
	struct pmem2_cpu *cpu = &Arch.cpu;
	struct pmem2_persist_info *info = &Arch.info;
	struct pmem2_memops_tun *tun = &Arch.tun;
	bool ok;

	pmem2_cpu_probe(cpu);

	/* clean instruction and fence */
	Arch.fk = choose_flush(cpu, info);
	info->flush = Flush_names[Arch.fk];
	Arch.cpu_note = info->cpu_note;
	info->line_size = cpu->line_size;
	info->clean_to_pop = cpu->clean_to_pop;
#ifndef __x86_64__
	pmem2_line_size = cpu->line_size;
#endif

	/* wishes, recorded whether or not an engine honours them */
	info->avx = cpu->avx_usable && !env_is_zero("PMEM_AVX");
	info->avx512f = cpu->avx512f_usable && !env_is_zero("PMEM_AVX512F");
	Arch.tuning =
		pmem2_tuning_probe(cpu->vendor, &info->family, &info->model);
	info->tuning = Arch.tuning->name;
	/* MOVDIR64B where the tuning table says it wins, else on request */
	const char *md = os_getenv("PMEM_MOVDIR64B");
	info->movdir64b = cpu->movdir64b &&
			  (md ? strcmp(md, "0") != 0 : Arch.tuning->movdir64b);
	const char *wc = os_getenv("PMEM_WC_WORKAROUND");
	if (wc && strcmp(wc, "1") == 0)
		info->wc_workaround = true;
	else if (wc && strcmp(wc, "0") == 0)
		info->wc_workaround = false;
	else
		info->wc_workaround = cpu->intel;

	/* engine */
	const char *name = "generic";
	if (cpu->sse2 && !env_is_one("PMEM_NO_MOVNT")) {
		name = "sse2";
		if (info->avx)
			name = "avx";
		if (info->avx512f)
			name = "avx512f";
		if (info->movdir64b) {
			static char md_name[32];
			snprintf(md_name, sizeof(md_name), "%s+movdir64b",
				 name);
			name = md_name;
		}
	} else {
		long long n = env_number("PMEM_NO_GENERIC_MEMCPY", &ok);
		if (ok && n != 0)
			name = "libc";
	}
	Arch.engine = engine_by_name(name);
	info->engine = Arch.engine->name;

	/* thresholds: the tuning table's entry for this processor, then the
	 * environment (PMEM_MOVNT_THRESHOLD applies to CACHE_LINE and PAGE
	 * maps exactly as in PMDK: no guess about the cache on PAGE maps) */
	const struct pmem2_tuning *tn = Arch.tuning;
	tun->movnt_threshold = tn->movnt_threshold;
	tun->page_movnt_threshold = tn->page_movnt_threshold;
	tun->big_move_threshold = tn->byte_movnt_threshold;
	tun->big_set_threshold = tn->byte_set_movnt_threshold;
	tun->hot_max = pmem2_tuning_hot_max(tn, cpu->llc_size);
	tun->byte_seq_move_max = tn->byte_seq_move_max;
	tun->byte_seq_set_max = tn->byte_seq_set_max;
	long long t = env_number("PMEM_MOVNT_THRESHOLD", &ok);
	info->movnt_threshold_env = ok && t >= 0;
	tun->page_hot_max = tun->hot_max;
	if (info->movnt_threshold_env) {
		tun->movnt_threshold = (size_t)t;
		tun->page_movnt_threshold = (size_t)t;
		tun->page_hot_max = 0;
	}
	tun->wc_workaround = info->wc_workaround;
	info->llc_size = cpu->llc_size;
	info->movnt_threshold = tun->movnt_threshold;
	info->page_movnt_threshold = tun->page_movnt_threshold;
	info->big_move_threshold = tun->big_move_threshold;
	info->big_set_threshold = tun->big_set_threshold;
	info->hot_max = tun->hot_max;
	info->page_hot_max = tun->page_hot_max;

	Arch.cur_engine = Arch.engine;
	Arch.cur_fk = Arch.fk;
	pmem2_tun = *tun;
	describe();
	CORE_LOG(INFO, "CPU dispatch: %s", Arch.describe);
}

void pmem2_persist_init(void)
{
	pthread_once(&Arch_once, persist_init_once);
}

const char *pmem2_persist_describe(void)
{
	pmem2_persist_init();
	return Arch.describe;
}

const struct pmem2_persist_info *pmem2_persist_info(void)
{
	pmem2_persist_init();
	return &Arch.info;
}

void pmem2_flush_cpu_caches(const void *addr, size_t len)
{
	pmem2_persist_init();
	Flush_cl[Arch.cur_fk](addr, len);
}

void pmem2_fence(void)
{
	fence();
}

bool pmem2_deep_clean(const void *addr, size_t len)
{
	pmem2_persist_init();
#ifdef __aarch64__
	if (Arch.cpu.dcpodp) {
		if (len) {
			const size_t ls = PMEM2_LINE_SIZE;
			uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(ls - 1);
			uintptr_t end = (uintptr_t)addr + len;
			for (; p < end; p += ls)
				deep_clean_line((const void *)p);
		}
		fence();
		return true;
	}
#endif
	Flush_cl[Arch.cur_fk](addr, len);
	fence();
	return false;
}

size_t pmem2_cpu_line_size(uint64_t reported, size_t fallback)
{
	if (reported < 4 || (reported & (reported - 1)))
		return fallback;
	return reported > 4096 ? 4096 : (size_t)reported;
}

int pmem2_persist_force(const struct pmem2_persist_forced *f)
{
	const struct engine *e;
	const char *why;
	int fk;

	pmem2_persist_init();
	e = Arch.cur_engine;
	fk = Arch.cur_fk;
	if (f->engine) {
		e = engine_by_name(f->engine);
		if (!e) {
			err_set("unknown copy engine \"%s\"", f->engine);
			return -EINVAL;
		}
		why = engine_unusable(&Arch.cpu, e);
		if (why) {
			err_set("engine %s cannot run here: %s", e->name, why);
			return PMEM2_E_NOSUPP;
		}
	}
	if (f->flush) {
		for (fk = 0; fk < PMEM2_FK_COUNT; fk++)
			if (strcmp(Flush_names[fk], f->flush) == 0)
				break;
		if (fk == PMEM2_FK_COUNT) {
			err_set("unknown flush instruction \"%s\"", f->flush);
			return -EINVAL;
		}
		why = flush_unusable(&Arch.cpu, fk);
		if (why) {
			err_set("flush %s cannot be used here: %s", f->flush,
				why);
			return PMEM2_E_NOSUPP;
		}
	}
	Arch.cur_engine = e;
	Arch.cur_fk = fk;
	if (f->clean_to_pop) {
		Arch.info.clean_to_pop = f->clean_to_pop == 1;
		if (f->clean_to_pop == 2 && !Arch.info.cpu_note[0])
			Arch.info.cpu_note = "the clean does not reach the "
					     "point of persistence (forced by "
					     "a test)";
	}
	if (f->wc_workaround >= 0)
		pmem2_tun.wc_workaround = f->wc_workaround;
	if (f->movnt_threshold != SIZE_MAX)
		pmem2_tun.movnt_threshold = f->movnt_threshold;
	if (f->page_movnt_threshold != SIZE_MAX)
		pmem2_tun.page_movnt_threshold = f->page_movnt_threshold;
	if (f->big_move_threshold != SIZE_MAX)
		pmem2_tun.big_move_threshold = f->big_move_threshold;
	if (f->big_set_threshold != SIZE_MAX)
		pmem2_tun.big_set_threshold = f->big_set_threshold;
	return 0;
}

void pmem2_persist_unforce(void)
{
	pmem2_persist_init();
	Arch.cur_engine = Arch.engine;
	Arch.cur_fk = Arch.fk;
	Arch.info.clean_to_pop = Arch.cpu.clean_to_pop;
	Arch.info.cpu_note = Arch.cpu_note;
	pmem2_tun = Arch.tun;
}

/* ------------------------------------------------------------------ */
/* PAGE                                                                */

static void persist_page(const void *addr, size_t len)
{
	pmem2_page_sync(addr, len);
}

static void drain_page(void)
{
}

/* ------------------------------------------------------------------ */

void pmem2_mem_ops_get(enum pmem2_granularity g, struct pmem2_mem_ops *ops)
{
	pmem2_persist_init();
	const struct engine *e = Arch.cur_engine;
	int fk = Arch.cur_fk;

	switch (g) {
	case PMEM2_GRANULARITY_BYTE:
		ops->persist = persist_byte;
		ops->flush = flush_byte;
		ops->drain = drain_fence;
		ops->memmove = e->move->byte;
		ops->memcpy = e->move->byte;
		ops->memset = e->set->byte;
		break;
	case PMEM2_GRANULARITY_CACHE_LINE:
		if (fk == PMEM2_FK_NONE) {
			/*
			 * No cache-flush instruction is known for this
			 * processor: let the kernel write the lines back
			 * (msync of a DAX mapping flushes the CPU caches).
			 */
			pmem2_mem_ops_get(PMEM2_GRANULARITY_PAGE, ops);
			break;
		}
		ops->persist = Persist_cl[fk];
		ops->flush = Flush_cl[fk];
		ops->drain = drain_fence;
		ops->memmove = e->move->cl[fk];
		ops->memcpy = e->move->cl[fk];
		ops->memset = e->set->cl[fk];
		break;
	case PMEM2_GRANULARITY_PAGE:
	default: /* the safest choice for a value we do not know */
		ops->persist = persist_page;
		ops->flush = persist_page;
		ops->drain = drain_page;
		ops->memmove = e->move->page;
		ops->memcpy = e->move->page;
		ops->memset = e->set->page;
		break;
	}
}
