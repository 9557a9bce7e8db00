/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.c -- struct pmemset_config (what a set is created with: required
 * store granularity, optional reservation, acceptable part states, event
 * callback) and struct pmemset_map_config (which range of a source a map
 * call maps). A set copies its configuration, so a config can be changed or
 * deleted once the set exists.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"
#include "core/granularity_name.h"
#include "core/os.h"
#include "core/util.h"
#include "pmemset_internal.h"

PUBLIC int pmemset_config_new(struct pmemset_config **cfg)
{
	if (!cfg) {
		err_set("pmemset_config_new: cfg is NULL; pass the address of "
			"a struct pmemset_config pointer");
		return -EINVAL;
	}
	*cfg = NULL;
	struct pmemset_config *c = os_zalloc(sizeof(*c));
	if (!c) {
		err_set_errno(errno, "cannot allocate a pmemset config");
		return -ENOMEM;
	}
	c->acceptable_states =
		PMEMSET_PART_STATE_OK | PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN;
	*cfg = c;
	return 0;
}

PUBLIC int pmemset_config_delete(struct pmemset_config **cfg)
{
	if (cfg) {
		os_free(*cfg);
		*cfg = NULL;
	}
	return 0;
}

PUBLIC void pmemset_config_set_reservation(struct pmemset_config *cfg,
					   struct pmem2_vm_reservation *rsv)
{
	if (cfg)
		cfg->rsv = rsv;
}

PUBLIC int pmemset_config_set_acceptable_states(struct pmemset_config *cfg,
						uint64_t states)
{
	if (!cfg) {
		err_set("pmemset_config_set_acceptable_states: cfg is NULL");
		return -EINVAL;
	}
	if (states & ~PMEMSET_ALL_STATES) {
		err_set("acceptable part states 0x%llx contain bits 0x%llx "
			"that are no PMEMSET_PART_STATE_* value; OR together "
			"only PMEMSET_PART_STATE_* values",
			(unsigned long long)states,
			(unsigned long long)(states & ~PMEMSET_ALL_STATES));
		return PMEMSET_E_INVALID_PART_STATES;
	}
	cfg->acceptable_states = states;
	return 0;
}

PUBLIC void pmemset_config_set_event_callback(struct pmemset_config *config,
					      pmemset_event_callback *callback,
					      void *arg)
{
	if (!config)
		return;
	config->callback = callback;
	config->arg = arg;
}

PUBLIC int
pmemset_config_set_required_store_granularity(struct pmemset_config *cfg,
					      enum pmem2_granularity g)
{
	if (!cfg) {
		err_set("pmemset_config_set_required_store_granularity: cfg "
			"is NULL");
		return -EINVAL;
	}
	/* the valid values are the ones granularity_name() has a name for */
	if (strcmp(granularity_name(g), "INVALID") == 0) {
		err_set("required store granularity %d is not one of "
			"PMEM2_GRANULARITY_BYTE (0), _CACHE_LINE (1), "
			"_PAGE (2)",
			(int)g);
		return PMEMSET_E_GRANULARITY_NOT_SUPPORTED;
	}
	cfg->granularity = g;
	cfg->granularity_set = true;
	return 0;
}

/* ---- map configuration ---- */

static int map_config_alloc(struct pmemset_map_config **map_cfg,
			    struct pmemset *set)
{
	if (!map_cfg) {
		err_set("pmemset_map_config_new: map_cfg is NULL; pass the "
			"address of a struct pmemset_map_config pointer");
		return -EINVAL;
	}
	*map_cfg = NULL;
	struct pmemset_map_config *c = os_zalloc(sizeof(*c));
	if (!c) {
		err_set_errno(errno, "cannot allocate a pmemset map config");
		return -ENOMEM;
	}
	c->set = set;
	*map_cfg = c;
	return 0;
}

PUBLIC int pmemset_map_config_new(struct pmemset_map_config **map_cfg)
{
	return map_config_alloc(map_cfg, NULL);
}

/* Older shape: the map config names the set pmemset_map_from_config()
 * will map into. */
PUBLIC int pmemset_map_config_new_for_set(struct pmemset_map_config **map_cfg,
					  struct pmemset *set)
{
	if (!set) {
		if (map_cfg)
			*map_cfg = NULL;
		err_set("pmemset_map_config_new(&cfg, set): set is NULL; "
			"create the set with pmemset_new first");
		return -EINVAL;
	}
	return map_config_alloc(map_cfg, set);
}

PUBLIC int pmemset_map_config_set_offset(struct pmemset_map_config *map_cfg,
					 size_t offset)
{
	if (!map_cfg) {
		err_set("pmemset_map_config_set_offset: map_cfg is NULL");
		return -EINVAL;
	}
	if (offset > (size_t)INT64_MAX) {
		err_set("offset %zu is larger than INT64_MAX, the largest "
			"file offset",
			offset);
		return PMEMSET_E_OFFSET_OUT_OF_RANGE;
	}
	map_cfg->offset = offset;
	return 0;
}

PUBLIC void pmemset_map_config_set_length(struct pmemset_map_config *map_cfg,
					  size_t length)
{
	if (map_cfg)
		map_cfg->length = length;
}

PUBLIC int pmemset_map_config_delete(struct pmemset_map_config **map_cfg)
{
	if (map_cfg) {
		os_free(*map_cfg);
		*map_cfg = NULL;
	}
	return 0;
}
