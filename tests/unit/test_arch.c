/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_arch.c -- the architecture ports, on any host: the CPU decoders of
 * aarch64, ppc64 and riscv64 fed with synthetic values (hardware
 * capabilities, CTR_EL0, riscv_hwprobe answers, the riscv test setting),
 * the clean-stride rule, and the granularity decision on a processor
 * whose clean does not reach the point of persistence (aarch64 without DC
 * CVAP, riscv64 without Zicbom): a MAP_SYNC file is PAGE, a device DAX
 * keeps CACHE_LINE where a clean exists, and the messages say why.
 *
 * The real probes run on their own architecture under QEMU
 * (scripts/cross.sh; test_persist.c checks them against the auxiliary
 * vector).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <libpmem2.h>
#include "test.h"
#include "fakesys.h"
#include "core/err.h"
#include "core/sysfs.h"
#include "core/util.h"
#include "pmem2/cpu.h"
#include "pmem2/granularity.h"
#include "pmem2/persist.h"
#include "pmem2/source.h"

TEST(line_size_rule)
{
	CHECK_EQ(pmem2_cpu_line_size(64, 7), 64);
	CHECK_EQ(pmem2_cpu_line_size(32, 7), 32);
	CHECK_EQ(pmem2_cpu_line_size(4, 7), 4);
	CHECK_EQ(pmem2_cpu_line_size(8192, 7), 4096); /* clamped down */
	CHECK_EQ(pmem2_cpu_line_size(0, 7), 7);
	CHECK_EQ(pmem2_cpu_line_size(2, 7), 7);
	CHECK_EQ(pmem2_cpu_line_size(96, 7), 7); /* not a power of two */
}

TEST(aarch64_decode)
{
	struct pmem2_cpu c;
	/* Neoverse-N1-like: DCPoP, no DPB2; CTR_EL0 DminLine 4 (64 bytes) */
	struct pmem2_cpu_raw_aarch64 r = {PMEM2_HWCAP_DCPOP, 0, 0x8444c004};

	pmem2_cpu_decode_aarch64(&r, &c);
	CHECK(c.dcpop && !c.dcpodp && c.clean_to_pop, "dcpop");
	CHECK(!strcmp(c.arch, "aarch64") && !c.x86, "arch %s", c.arch);
	CHECK_EQ(c.line_size, 64);

	/* QEMU "max": DPB2 too, DminLine 3 (32 bytes) */
	r.hwcap2 = PMEM2_HWCAP2_DCPODP;
	r.ctr_el0 = 0x80038003;
	pmem2_cpu_decode_aarch64(&r, &c);
	CHECK(c.dcpop && c.dcpodp, "dcpodp");
	CHECK_EQ(c.line_size, 32);

	/* A64FX: 256-byte lines */
	r.ctr_el0 = 0x86668006;
	pmem2_cpu_decode_aarch64(&r, &c);
	CHECK_EQ(c.line_size, 256);

	/* ARMv8.0 (Cortex-A57): no DC CVAP -- and a DPB2 bit without DPB
	 * is not believed */
	r.hwcap = 0x8fb;
	r.hwcap2 = PMEM2_HWCAP2_DCPODP;
	r.ctr_el0 = 0x8444c004;
	pmem2_cpu_decode_aarch64(&r, &c);
	CHECK(!c.dcpop && !c.dcpodp && !c.clean_to_pop, "no dcpop");
	CHECK_EQ(c.line_size, 64);

	/* CTR_EL0 not read: the smallest stride */
	r.ctr_el0 = 0;
	pmem2_cpu_decode_aarch64(&r, &c);
	CHECK_EQ(c.line_size, 16);
}

TEST(ppc64_decode)
{
	struct pmem2_cpu c;
	struct pmem2_cpu_raw_ppc64 r = {0x8ee60000, 128}; /* QEMU power10 */

	pmem2_cpu_decode_ppc64(&r, &c);
	CHECK(c.isa31 && c.clean_to_pop, "power10");
	CHECK(!strcmp(c.arch, "ppc64"), "arch %s", c.arch);
	CHECK_EQ(c.line_size, 128);

	r.hwcap2 = 0x8ee00000; /* QEMU power9 */
	pmem2_cpu_decode_ppc64(&r, &c);
	CHECK(!c.isa31 && c.clean_to_pop, "power9: dcbf reaches it too");

	r.dcache_bsize = 0; /* not said: the smallest block of any ppc64 */
	pmem2_cpu_decode_ppc64(&r, &c);
	CHECK_EQ(c.line_size, 32);
}

TEST(riscv64_decode)
{
	struct pmem2_cpu c;
	struct pmem2_cpu_raw_riscv64 r = {0, PMEM2_RISCV_HWPROBE_EXT_ZICBOM, 64,
					  NULL};

	pmem2_cpu_decode_riscv64(&r, &c);
	CHECK(c.zicbom && !c.zicbom_forced && c.clean_to_pop, "zicbom");
	CHECK_EQ(c.line_size, 64);

	/* reported, but with a block size that is no size */
	r.zicbom_block = 48;
	pmem2_cpu_decode_riscv64(&r, &c);
	CHECK(!c.zicbom && !c.clean_to_pop, "bad block size");

	/* a kernel before riscv_hwprobe (or QEMU 7.2): no clean at all */
	r = (struct pmem2_cpu_raw_riscv64){ENOSYS, 0, 0, NULL};
	pmem2_cpu_decode_riscv64(&r, &c);
	CHECK(!c.zicbom && !c.clean_to_pop, "ENOSYS");
	CHECK_EQ(c.hwprobe_errno, ENOSYS);

	/* the kernel answers, without Zicbom */
	r = (struct pmem2_cpu_raw_riscv64){0, 1 /* IMA_FD */, 0, NULL};
	pmem2_cpu_decode_riscv64(&r, &c);
	CHECK(!c.zicbom, "no zicbom");

	/* the test setting stands in for the kernel's answer */
	r = (struct pmem2_cpu_raw_riscv64){ENOSYS, 0, 0, "128"};
	pmem2_cpu_decode_riscv64(&r, &c);
	CHECK(c.zicbom && c.zicbom_forced && c.clean_to_pop, "forced");
	CHECK_EQ(c.line_size, 128);
	const char *bad[] = {"", "0", "100", "64k", "-64"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		r.force_block = bad[i];
		pmem2_cpu_decode_riscv64(&r, &c);
		CHECK(!c.zicbom, "forced with \"%s\"", bad[i]);
	}
	/* but never over the kernel's own answer */
	r = (struct pmem2_cpu_raw_riscv64){0, PMEM2_RISCV_HWPROBE_EXT_ZICBOM,
					   64, "128"};
	pmem2_cpu_decode_riscv64(&r, &c);
	CHECK(c.zicbom && !c.zicbom_forced, "kernel's answer");
	CHECK_EQ(c.line_size, 64);
}

static char root[PATH_MAX];

/* a MAP_SYNC file and a device DAX on an ADR region, with a CPU whose
 * clean does not reach the point of persistence */
TEST(no_clean_to_persistence)
{
	struct gran_decision d;
	struct pmem2_source file = {.type = PMEM2_SOURCE_FD,
				    .ftype = PMEM2_FTYPE_REG,
				    .fd = -1,
				    .st_dev = makedev(259, 1)};
	struct pmem2_source dax = {.type = PMEM2_SOURCE_FD,
				   .ftype = PMEM2_FTYPE_DEVDAX,
				   .fd = -1,
				   .st_rdev = makedev(1, 5)};
	struct pmem2_persist_forced nopop = {
		NULL, NULL, -1, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, 2};
	char buf[1024];
	int r = 0;

	unsetenv("PMEM2_FORCE_GRANULARITY");
	r |= fakesys_create(root, sizeof(root));
	r |= fakesys_region(root, 2, "memory_controller");
	r |= fakesys_region(root, 1, "cpu_cache");
	r |= fakesys_fsdax(root, 2, 0, "pmem2", makedev(259, 1), NULL, 0);
	r |= fakesys_devdax(root, 2, 1, makedev(1, 5), 1 << 30, 2 << 20, NULL,
			    0);
	r |= fakesys_fsdax(root, 1, 0, "pmem1", makedev(259, 0), NULL, 0);
	if (r)
		SKIP("cannot build the fake sysfs tree");
	sysfs_set_root(root);
	CHECK_RC(pmem2_persist_force(&nopop), 0);
	const struct pmem2_persist_info *pi = pmem2_persist_info();
	CHECK(!pi->clean_to_pop && pi->cpu_note[0], "forced: %s", pi->cpu_note);

	/* the file: PAGE, msync */
	pmem2_granularity_decide(&file, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_PAGE);
	CHECK_EQ(d.reason, GRAN_WHY_CPU_NO_CLEAN);
	pmem2_granularity_explain(&d, buf, sizeof(buf));
	char want[1024];
	snprintf(want, sizeof(want),
		 "PAGE: MAP_SYNC accepted and region2 persistence_domain is "
		 "memory_controller (ADR), but %s; stores become durable only "
		 "with msync",
		 pi->cpu_note);
	CHECK(!strcmp(buf, want), "%s", buf);
	pmem2_granularity_error(&d, PMEM2_GRANULARITY_CACHE_LINE);
	snprintf(want, sizeof(want),
		 "required CACHE_LINE but only PAGE is available: %s; require "
		 "PAGE and persist with pmem2_get_persist_fn (msync)",
		 pi->cpu_note);
	CHECK(!strcmp(err_msg(), want), "%s", err_msg());

	/* eADR needs no clean: still BYTE */
	struct pmem2_source eadr = file;
	eadr.st_dev = makedev(259, 0);
	pmem2_granularity_decide(&eadr, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_BYTE);

	/* the device DAX has no msync: CACHE_LINE with the best clean there
	 * is, saying so -- unless there is no clean at all */
	pmem2_granularity_decide(&dax, false, false, true, 0, &d);
	if (strcmp(pi->flush, "none") != 0) {
		CHECK_EQ(d.available, PMEM2_GRANULARITY_CACHE_LINE);
		CHECK_EQ(d.reason, GRAN_WHY_ADR);
		pmem2_granularity_explain(&d, buf, sizeof(buf));
		CHECK(strstr(buf, "stores must be flushed from CPU caches; "
				  "but ") &&
			      strstr(buf, pi->cpu_note),
		      "%s", buf);
	} else {
		CHECK_EQ(d.available, PMEM2_GRANULARITY_PAGE);
		CHECK_EQ(d.reason, GRAN_WHY_CPU_NO_CLEAN);
	}

	/* a CPU that can: back to CACHE_LINE, no note */
	pmem2_persist_unforce();
	struct pmem2_persist_forced pop = nopop;
	pop.clean_to_pop = 1;
	CHECK_RC(pmem2_persist_force(&pop), 0);
	pmem2_granularity_decide(&file, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_CACHE_LINE);
	CHECK(d.cpu_note == NULL, "no note");

	pmem2_persist_unforce();
	sysfs_set_root(NULL);
	fakesys_destroy(root);
}

int main(void)
{
	RUN(line_size_rule);
	RUN(aarch64_decode);
	RUN(ppc64_decode);
	RUN(riscv64_decode);
	RUN(no_clean_to_persistence);
	return test_done();
}
