/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * call_shapes.c -- the entry points of the older ways to map a part, kept
 * for programs written to libpmemset's 2021 drafts (the header side is
 * include/libpmemset/call_shapes.h, which also lets them be spelled
 * "pmemset_map" and "pmemset_map_config_new"):
 *   pmemset_map_from_config(src, map_cfg, extras, desc)
 *       the draft in which the map config names the set
 *       (pmemset_map_config_new_for_set, in config.c, makes such a config);
 *   pmemset_part_new / pmemset_part_map / pmemset_part_delete
 *       the earlier part objects: record what to map, then map it.
 * Each ends in pmemset_map_internal (map.c), like PMDK's final pmemset_map.
 */
#include <errno.h>

#include "core/err.h"
#include "core/os.h"
#include "core/util.h"
#include "map.h"

PUBLIC int pmemset_map_from_config(struct pmemset_source *src,
				   struct pmemset_map_config *map_cfg,
				   struct pmemset_extras *extra,
				   struct pmemset_part_descriptor *desc)
{
	if (!map_cfg || !map_cfg->set) {
		err_set("pmemset_map(src, map_cfg, extras, desc) takes the set "
			"from the map config, and %s; make the config with "
			"pmemset_map_config_new(&cfg, set)",
			!map_cfg ? "the map config is NULL"
				 : "this config names no set");
		return -EINVAL;
	}
	return pmemset_map_internal(map_cfg->set, src, map_cfg->offset,
				    map_cfg->length, extra, desc);
}

PUBLIC int pmemset_part_new(struct pmemset_part **part, struct pmemset *set,
			    struct pmemset_source *src, size_t offset,
			    size_t length)
{
	if (!part) {
		err_set("pmemset_part_new: part is NULL; pass the address of "
			"a struct pmemset_part pointer");
		return -EINVAL;
	}
	*part = NULL;
	if (!set) {
		err_set("pmemset_part_new: set is NULL");
		return -EINVAL;
	}
	if (!src || !src->pmem2) {
		err_set("the source is %s; make one with "
			"pmemset_source_from_file, _from_temporary or "
			"_from_pmem2",
			!src ? "NULL" : "deleted");
		return PMEMSET_E_INVALID_SOURCE_TYPE;
	}
	struct pmemset_part *p = os_zalloc(sizeof(*p));
	if (!p) {
		err_set_errno(ENOMEM, "cannot allocate a part");
		return -ENOMEM;
	}
	pmemset_source_get(src);
	p->set = set;
	p->src = src;
	p->offset = offset;
	p->length = length;
	*part = p;
	return 0;
}

PUBLIC int pmemset_part_map(struct pmemset_part **part_ptr,
			    struct pmemset_extras *extra,
			    struct pmemset_part_descriptor *desc)
{
	if (!part_ptr || !*part_ptr) {
		err_set("pmemset_part_map: %s is NULL; make the part with "
			"pmemset_part_new",
			!part_ptr ? "part_ptr" : "*part_ptr");
		return -EINVAL;
	}
	struct pmemset_part *p = *part_ptr;
	int ret = pmemset_map_internal(p->set, p->src, p->offset, p->length,
				       extra, desc);
	if (ret)
		return ret;
	pmemset_part_delete(part_ptr); /* mapped: the part is used up */
	return 0;
}

PUBLIC int pmemset_part_delete(struct pmemset_part **part)
{
	if (!part || !*part)
		return 0;
	pmemset_source_put((*part)->src);
	os_free(*part);
	*part = NULL;
	return 0;
}
