/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * qemu_isa_shim.c -- preloaded (LD_PRELOAD) into test programs that run
 * under QEMU 7.2's user-mode emulator (scripts/cross.sh), to stand in for
 * the few instructions that emulator does not implement although the
 * processor model it emulates has them:
 *
 *   aarch64  DC CVAP and DC CVADP: QEMU 7.2 defines them for system mode
 *            only, so "-cpu max" reports HWCAP_DCPOP/HWCAP2_DCPODP and
 *            still raises SIGILL on them;
 *   ppc64    dcbstps and phwsync (ISA 3.1): QEMU 7.2 decodes the older L
 *            field only, so "-cpu power10" raises SIGILL on them;
 *   riscv64  cbo.clean: QEMU 7.2 has no Zicbom (nor riscv_hwprobe), so the
 *            library is told to use it by PMEM2_TEST_ZICBOM_BLOCK_SIZE,
 *            and this shim plays the processor that has it.
 *
 * It installs a SIGILL handler that recognises exactly those encodings --
 * only when the emulated processor claims the feature (HWCAP, HWCAP2, or
 * the riscv test setting), so a library that used one without the feature
 * still dies as it would on real hardware -- touches the addressed byte
 * (an unmapped address faults as the real instruction would), runs the
 * nearest instruction QEMU has (DC CVAC, dcbst, sync; nothing for
 * cbo.clean: QEMU models no caches), and steps over it. Anything else
 * restores the default action, so the instruction kills the process as
 * usual. At exit it reports how many of each it emulated, the proof that
 * the library ran the real encodings: appended as one line to the file
 * that QEMU_ISA_SHIM_REPORT names (scripts/cross.sh reads them there), or
 * to stderr without it. Not to stderr in cross.sh's runs: the tests that
 * prove the library prints nothing by default read a program's stderr.
 *
 * One more thing the emulator lacks: running a program of the emulated
 * architecture from inside it (the kernel has no binfmt_misc entry here),
 * which tests that re-execute themselves need. execve/execv/execl are
 * wrapped: when the kernel answers ENOEXEC and PMEM2_TEST_EMULATOR names
 * the emulator, the program is started through it instead (the emulator
 * reads the same QEMU_* settings from the environment).
 *
 * The library's own instrumentation (the durability model) sees these
 * instructions as the library reports them; this shim only lets the
 * emulated process survive them. Built by scripts/cross.sh with the cross
 * compiler; not part of the library or of native builds.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <ucontext.h>
#include <unistd.h>

static unsigned long counts[4];
#ifdef __riscv
static const char *const names[4] = {"cbo.clean", "", "", ""};
#else
static const char *const names[4] = {"dc_cvap", "dc_cvadp", "dcbstps",
				     "phwsync"};
#endif
static bool feat[4];

static void touch(uintptr_t a)
{
	(void)*(volatile const char *)a;
}

static void unhandled(void)
{
	signal(SIGILL, SIG_DFL); /* returning re-executes it: it kills */
}

static void on_sigill(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	(void)sig;
	(void)si;

#if defined(__aarch64__)
	uint32_t insn = *(const uint32_t *)uc->uc_mcontext.pc;
	unsigned rt = insn & 31;
	uintptr_t a = rt == 31 ? 0 : uc->uc_mcontext.regs[rt];
	int k = (insn & ~31U) == 0xd50b7c20U   ? 0 /* sys #3,c7,c12,#1 */
		: (insn & ~31U) == 0xd50b7d20U ? 1 /* sys #3,c7,c13,#1 */
					       : -1;
	if (k < 0 || !feat[k])
		return unhandled();
	touch(a);
	__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	counts[k]++;
	uc->uc_mcontext.pc += 4;
#elif defined(__powerpc64__)
	uint32_t insn = *(const uint32_t *)uc->uc_mcontext.gp_regs[PT_NIP];
	uint32_t ops = insn & ~((31U << 16) | (31U << 11));
	int k = ops == 0x7cc000acU    ? 2 /* dcbf L=6: dcbstps */
		: insn == 0x7c8004acU ? 3 /* sync L=4: phwsync */
				      : -1;
	if (k < 0 || !feat[k])
		return unhandled();
	if (k == 2) {
		unsigned ra = (insn >> 16) & 31, rb = (insn >> 11) & 31;
		uintptr_t a = (ra ? uc->uc_mcontext.gp_regs[ra] : 0) +
			      uc->uc_mcontext.gp_regs[rb];
		touch(a);
		__asm__ volatile("dcbst 0, %0" : : "r"(a) : "memory");
	} else {
		__asm__ volatile("sync" : : : "memory");
	}
	counts[k]++;
	uc->uc_mcontext.gp_regs[PT_NIP] += 4;
#elif defined(__riscv)
	uint32_t insn = *(const uint32_t *)uc->uc_mcontext.__gregs[REG_PC];
	unsigned rs1 = (insn >> 15) & 31;
	if ((insn & 0xfff07fffU) != 0x0010200fU || !feat[0])
		return unhandled();
	touch(rs1 ? uc->uc_mcontext.__gregs[rs1] : 0);
	counts[0]++;
	uc->uc_mcontext.__gregs[REG_PC] += 4;
#else
	(void)uc;
	unhandled();
#endif
}

static void report(void)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "qemu-isa-shim: emulated");
	for (int k = 0; k < 4; k++)
		if (feat[k])
			n += snprintf(buf + n, sizeof(buf) - (size_t)n,
				      " %s=%lu", names[k], counts[k]);
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "\n");
	const char *file = getenv("QEMU_ISA_SHIM_REPORT");
	int fd = 2;
	if (file && *file) {
		fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return;
	}
	if (write(fd, buf, (size_t)n) < 0)
		n = 0;
	if (fd != 2)
		close(fd);
}

/* ---- exec through the emulator ---- */

extern char **environ;

int execve(const char *path, char *const argv[], char *const envp[])
{
	int (*real)(const char *, char *const[], char *const[]) =
		(int (*)(const char *, char *const[], char *const[]))dlsym(
			RTLD_NEXT, "execve");
	const char *emu = getenv("PMEM2_TEST_EMULATOR");
	size_t n = 0;

	real(path, argv, envp);
	if (errno != ENOEXEC || !emu || !*emu)
		return -1;
	while (argv[n])
		n++;
	char **v = calloc(n + 2, sizeof(*v));
	if (!v)
		return -1;
	v[0] = (char *)emu;
	v[1] = (char *)path;
	for (size_t i = 1; i <= n; i++)
		v[i + 1] = argv[i];
	/* the emulator itself runs without the guest's LD_PRELOAD (it
	 * could not load it); QEMU_SET_ENV hands it to the guest again */
	size_t ne = 0;
	while (envp[ne])
		ne++;
	char **e = calloc(ne + 1, sizeof(*e));
	if (e) {
		size_t j = 0;
		for (size_t i = 0; i < ne; i++)
			if (strncmp(envp[i], "LD_PRELOAD=", 11) != 0)
				e[j++] = envp[i];
		real(emu, v, e);
		free(e);
	}
	free(v);
	return -1;
}

int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

int execl(const char *path, const char *arg, ...)
{
	char *v[64];
	size_t n = 0;
	va_list ap;

	v[n++] = (char *)arg;
	va_start(ap, arg);
	while (n < 63 && (v[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	v[n] = NULL;
	return execve(path, v, environ);
}

__attribute__((constructor)) static void shim_init(void)
{
	struct sigaction sa;

#if defined(__aarch64__)
	feat[0] = getauxval(AT_HWCAP) & (1UL << 16); /* HWCAP_DCPOP */
	feat[1] = getauxval(AT_HWCAP2) & (1UL << 0); /* HWCAP2_DCPODP */
#elif defined(__powerpc64__)
	feat[2] = feat[3] = getauxval(AT_HWCAP2) & 0x00040000UL; /* 3.1 */
#elif defined(__riscv)
	const char *b = getenv("PMEM2_TEST_ZICBOM_BLOCK_SIZE");
	feat[0] = b && *b;
#endif
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigill;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGILL, &sa, NULL);
	if (feat[0] || feat[1] || feat[2] || feat[3])
		atexit(report);
}
