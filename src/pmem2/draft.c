/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * draft.c -- the early draft of libpmem2's mapping API, from before PMDK
 * 1.10 renamed pmem2_map to pmem2_map_new (and pmem2_unmap to
 * pmem2_map_delete): pmem2_config_set_fd + pmem2_map + pmem2_unmap, built
 * on the 1.0 API.
 *
 * In the draft the file descriptor lives in the config and there is no
 * separate source object; a map made this way is an ordinary map (it holds
 * its own copy of the source), so pmem2_unmap is pmem2_map_delete. When the
 * config has no required granularity, the draft maps with PAGE (the draft
 * had no such setting: any granularity the platform offers is accepted).
 */
#include <errno.h>

#include <libpmem2/draft.h>
#include "config.h"
#include "core/err.h"
#include "core/util.h"

PUBLIC int pmem2_config_set_fd(struct pmem2_config *cfg, int fd)
{
	if (!cfg) {
		err_set("pmem2_config_set_fd: config is NULL; create one with "
			"pmem2_config_new()");
		return -EINVAL;
	}
	cfg->draft_fd = fd;
	cfg->draft_fd_set = 1;
	return 0;
}

PUBLIC int pmem2_map(const struct pmem2_config *config, struct pmem2_map **map_ptr)
{
	struct pmem2_source *src;
	int ret;

	if (!map_ptr) {
		err_set("pmem2_map: map_ptr is NULL");
		return -EINVAL;
	}
	*map_ptr = NULL;
	if (!config) {
		err_set("pmem2_map: config is NULL; create one with "
			"pmem2_config_new() and set a file descriptor with "
			"pmem2_config_set_fd()");
		return -EINVAL;
	}
	if (!config->draft_fd_set) {
		err_set("pmem2_map: the config has no file descriptor; set one "
			"with pmem2_config_set_fd()");
		return PMEM2_E_FILE_HANDLE_NOT_SET;
	}

	ret = pmem2_source_from_fd(&src, config->draft_fd);
	if (ret)
		return ret; /* PMEM2_E_INVALID_FILE_HANDLE etc., message set */

	struct pmem2_config cfg = *config;
	if (cfg.requested_max_granularity == PMEM2_GRANULARITY_INVALID)
		cfg.requested_max_granularity = PMEM2_GRANULARITY_PAGE;

	ret = pmem2_map_new(map_ptr, &cfg, src);
	pmem2_source_delete(&src);
	return ret;
}

PUBLIC int pmem2_unmap(struct pmem2_map **map_ptr)
{
	return pmem2_map_delete(map_ptr);
}
