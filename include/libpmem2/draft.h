/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libpmem2/draft.h -- the early draft form of libpmem2's mapping API
 * (pmem2_config_set_fd + pmem2_map + pmem2_unmap), kept for programs written
 * against it. The file descriptor lives in the config instead of a separate
 * source object. New code should use pmem2_source_from_fd + pmem2_map_new.
 * These symbols live in their own version node, LIBPMEM2_DRAFT_0.1.
 */
#ifndef LIBPMEM2_DRAFT_H
#define LIBPMEM2_DRAFT_H 1

#include <libpmem2.h>

#ifdef __cplusplus
extern "C" {
#endif

int pmem2_config_set_fd(struct pmem2_config *cfg, int fd);
int pmem2_map(const struct pmem2_config *config, struct pmem2_map **map_ptr);
int pmem2_unmap(struct pmem2_map **map_ptr);

#ifdef __cplusplus
}
#endif
#endif /* LIBPMEM2_DRAFT_H */
