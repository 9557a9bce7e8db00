/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * probe.c -- ask the kernel (riscv_hwprobe, Linux 6.4) whether user space
 * may run cbo.clean and with which block size, for the riscv64 decoder
 * (cpu.c). The system call is made by number: the C library headers of
 * Debian 12 predate it. Compiled only for riscv64 (CMakeLists.txt).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "core/os.h"
#include "pmem2/cpu.h"

#ifndef __NR_riscv_hwprobe
#define __NR_riscv_hwprobe 258 /* __NR_arch_specific_syscall + 14 */
#endif
#define KEY_IMA_EXT_0 4
#define KEY_ZICBOM_BLOCK_SIZE 12

struct hwprobe_pair {
	int64_t key;
	uint64_t value;
};

void pmem2_cpu_probe(struct pmem2_cpu *cpu)
{
	struct pmem2_cpu_raw_riscv64 raw = {0};
	struct hwprobe_pair p[2] = {{KEY_IMA_EXT_0, 0},
				    {KEY_ZICBOM_BLOCK_SIZE, 0}};

	/* all online processors (cpusetsize 0, cpus NULL), no flags */
	if (syscall(__NR_riscv_hwprobe, p, 2, 0, NULL, 0) != 0) {
		raw.hwprobe_errno = errno;
	} else {
		/* a key the kernel does not know comes back as -1 */
		raw.ima_ext_0 = p[0].key == KEY_IMA_EXT_0 ? p[0].value : 0;
		raw.zicbom_block =
			p[1].key == KEY_ZICBOM_BLOCK_SIZE ? p[1].value : 0;
	}
	raw.force_block = os_getenv("PMEM2_TEST_ZICBOM_BLOCK_SIZE");
	pmem2_cpu_decode_riscv64(&raw, cpu);
}
