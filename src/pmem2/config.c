/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.c -- struct pmem2_config and its setters.
 *
 * A config records what the caller asks of a mapping (range, granularity it
 * can live with, sharing, protection, placement). Setters validate what can
 * be validated alone; everything that depends on the source (alignment,
 * size) is checked by pmem2_map_new.
 */
#include <errno.h>
#include <stdint.h>

#include "config.h"
#include "core/err.h"
#include "core/os.h"
#include "core/util.h"

void pmem2_config_init(struct pmem2_config *cfg)
{
	cfg->offset = 0;
	cfg->length = 0;
	cfg->requested_max_granularity = PMEM2_GRANULARITY_INVALID;
	cfg->sharing = PMEM2_SHARED;
	cfg->protection = PMEM2_PROT_READ | PMEM2_PROT_WRITE;
	cfg->reserv = NULL;
	cfg->reserv_offset = 0;
	cfg->draft_fd = -1;
	cfg->draft_fd_set = 0;
}

#define CHECK_CFG(cfg)                                                        \
	do {                                                                  \
		if (!(cfg)) {                                                 \
			err_set("%s: config is NULL; create one with "        \
				"pmem2_config_new()",                         \
				__func__);                                    \
			return -EINVAL;                                       \
		}                                                             \
	} while (0)

int pmem2_config_new(struct pmem2_config **cfg)
{
	if (!cfg) {
		err_set("pmem2_config_new: cfg is NULL; pass the address of "
			"a struct pmem2_config pointer");
		return -EINVAL;
	}
	*cfg = os_malloc(sizeof(**cfg));
	if (!*cfg) {
		err_set_errno(ENOMEM, "pmem2_config_new: cannot allocate a "
				      "config");
		return -ENOMEM;
	}
	pmem2_config_init(*cfg);
	return 0;
}
EXPORT_V1_V2(pmem2_config_new);

int pmem2_config_delete(struct pmem2_config **cfg)
{
	if (cfg) {
		os_free(*cfg);
		*cfg = NULL;
	}
	return 0;
}
EXPORT_V1_V2(pmem2_config_delete);

int pmem2_config_set_required_store_granularity(struct pmem2_config *cfg,
						enum pmem2_granularity g)
{
	CHECK_CFG(cfg);
	switch (g) {
	case PMEM2_GRANULARITY_BYTE:
	case PMEM2_GRANULARITY_CACHE_LINE:
	case PMEM2_GRANULARITY_PAGE:
		cfg->requested_max_granularity = g;
		return 0;
	}
	err_set("invalid granularity value %d; use PMEM2_GRANULARITY_BYTE, "
		"PMEM2_GRANULARITY_CACHE_LINE or PMEM2_GRANULARITY_PAGE",
		(int)g);
	return PMEM2_E_GRANULARITY_NOT_SUPPORTED;
}
EXPORT_V1_V2(pmem2_config_set_required_store_granularity);

int pmem2_config_set_offset(struct pmem2_config *cfg, size_t offset)
{
	CHECK_CFG(cfg);
	if (offset > (size_t)INT64_MAX) {
		err_set("offset %zu is larger than INT64_MAX and cannot be "
			"passed to mmap",
			offset);
		return PMEM2_E_OFFSET_OUT_OF_RANGE;
	}
	cfg->offset = offset;
	return 0;
}
EXPORT_V1_V2(pmem2_config_set_offset);

int pmem2_config_set_length(struct pmem2_config *cfg, size_t length)
{
	CHECK_CFG(cfg);
	cfg->length = length;
	return 0;
}
EXPORT_V1_V2(pmem2_config_set_length);

int pmem2_config_set_sharing(struct pmem2_config *cfg,
			     enum pmem2_sharing_type type)
{
	CHECK_CFG(cfg);
	switch (type) {
	case PMEM2_SHARED:
	case PMEM2_PRIVATE:
		cfg->sharing = type;
		return 0;
	}
	err_set("invalid sharing value %d; use PMEM2_SHARED or "
		"PMEM2_PRIVATE",
		(int)type);
	return PMEM2_E_INVALID_SHARING_VALUE;
}
EXPORT_V1_V2(pmem2_config_set_sharing);

int pmem2_config_set_protection(struct pmem2_config *cfg, unsigned prot)
{
	CHECK_CFG(cfg);
	unsigned valid = PMEM2_PROT_READ | PMEM2_PROT_WRITE | PMEM2_PROT_EXEC;
	if (prot & ~valid) {
		err_set("invalid protection flags 0x%x (unknown bits 0x%x); "
			"combine PMEM2_PROT_READ, PMEM2_PROT_WRITE, "
			"PMEM2_PROT_EXEC or use PMEM2_PROT_NONE",
			prot, prot & ~valid);
		return PMEM2_E_INVALID_PROT_FLAG;
	}
	cfg->protection = prot;
	return 0;
}
EXPORT_V1_V2(pmem2_config_set_protection);

int pmem2_config_set_vm_reservation(struct pmem2_config *cfg,
				    struct pmem2_vm_reservation *rsv,
				    size_t offset)
{
	CHECK_CFG(cfg);
	cfg->reserv = rsv;
	cfg->reserv_offset = rsv ? offset : 0;
	return 0;
}
EXPORT_V1_V2(pmem2_config_set_vm_reservation);
