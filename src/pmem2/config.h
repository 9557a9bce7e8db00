/* SPDX-License-Identifier: BSD-3-Clause */
/* config.h -- struct pmem2_config: what a caller asks of a mapping. */
#ifndef PMEM2_CONFIG_H
#define PMEM2_CONFIG_H

#include <libpmem2.h>

/* "not set" value of a fresh config's granularity */
#define PMEM2_GRANULARITY_INVALID ((enum pmem2_granularity)(-1))

struct pmem2_config {
	size_t offset;
	size_t length; /* 0: to the end of the source */
	enum pmem2_granularity requested_max_granularity;
	enum pmem2_sharing_type sharing;
	unsigned protection; /* PMEM2_PROT_* */
	struct pmem2_vm_reservation *reserv;
	size_t reserv_offset;
	int draft_fd;	    /* draft API (libpmem2/draft.h): set_fd's fd */
	int draft_fd_set;   /* 0 until pmem2_config_set_fd is called */
};

void pmem2_config_init(struct pmem2_config *cfg);

#endif
