/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * draft.c -- a client of the draft API (<libpmem2/draft.h>, version node
 * LIBPMEM2_DRAFT_0.1), which only this library has: its package
 * dependencies must name libpmem2-ext (tests/pkg/in_root.sh). Exits 0
 * when the library loads and the draft function can be called.
 */
#include <libpmem2.h>

int main(void)
{
	struct pmem2_config *cfg;

	if (pmem2_config_new(&cfg))
		return 1;
	(void)pmem2_config_set_fd(cfg, -1); /* refused: only the call matters */
	pmem2_config_delete(&cfg);
	return 0;
}
