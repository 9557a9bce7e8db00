/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * map.c -- the public ways to map a part, old and new:
 *   pmemset_map(set, src, map_cfg, desc)            PMDK's final shape;
 *   pmemset_map_from_config(src, map_cfg, extras, desc)
 *                                                   the 2021 shape whose map
 *                                                   config names the set;
 *   pmemset_part_new / pmemset_part_map / pmemset_part_delete
 *                                                   the earlier part objects.
 * All end in pmemset_map_internal (set.c). The header's call-shape macros
 * let the old shapes be spelled "pmemset_map" and
 * "pmemset_map_config_new" too.
 */
#include <errno.h>

#include "core/err.h"
#include "core/os.h"
#include "core/util.h"
#include "pmemset_internal.h"

PUBLIC int pmemset_map(struct pmemset *set, struct pmemset_source *src,
		       struct pmemset_map_config *map_cfg,
		       struct pmemset_part_descriptor *desc)
{
	size_t offset = 0, length = 0;
	if (map_cfg) {
		if (map_cfg->set && map_cfg->set != set) {
			err_set("the map config was made for another set "
				"(pmemset_map_config_new(&cfg, set)); use a "
				"config of this set or one made without a set");
			return -EINVAL;
		}
		offset = map_cfg->offset;
		length = map_cfg->length;
	}
	return pmemset_map_internal(set, src, offset, length, NULL, desc);
}

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
