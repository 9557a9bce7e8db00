/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_api.c -- libFuzzer target 1: an input is a sequence of libpmem2 and
 * libpmemset calls (engine.c) on the real platform, with harness files in
 * $TMPDIR, anonymous sources and temporary pmemset sources. After every
 * input everything is deleted and the process must be as before (no file
 * descriptor, mapping or heap block left).
 */
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

static const struct fz_target api = {
	.name = "api",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup(&api);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = {data, size};
	fz_begin();
	fz_ops(&r);
	fz_end();
	return 0;
}
