/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usc.h -- the DIMMs (nvdimm "nmemX" devices) behind a region, one by one,
 * for the library's device id and unsafe shutdown count and for tools that
 * show each DIMM (pmem2 info lists the CXL memory devices of a CXL region).
 * Everything is read from world-readable sysfs attributes.
 */
#ifndef PMEM2_USC_H
#define PMEM2_USC_H

#include <stddef.h>
#include <stdint.h>
#include "region.h"

/* Called for each DIMM of a region, in mapping order; nonzero stops. */
typedef int (*pmem2_dimm_cb)(const char *nmem, void *arg);

/*
 * Call cb for each DIMM of the region (regionN/mappingK, K = 0, 1, ...).
 * `what` names the fact asked for, for the messages. Returns 0, what cb
 * returned, PMEM2_E_NOSUPP (with a message) for a region without DIMMs,
 * or another error with a message.
 */
int pmem2_region_for_each_dimm(const struct pmem2_region *r, const char *what,
			       pmem2_dimm_cb cb, void *arg);

/*
 * The unsafe (dirty) shutdown count of one DIMM: nmemX/nfit/dirty_shutdown
 * (ACPI NFIT), nmemX/cxl/dirty_shutdown (CXL, Linux 6.15 and later) or
 * nmemX/papr/dirty_shutdown (IBM POWER). 0 and *usc, or PMEM2_E_NOSUPP
 * with a message saying why there is none, or another error with a message.
 */
int pmem2_dimm_usc(const char *nmem, uint64_t *usc);

/*
 * The CXL memory device behind a DIMM of a CXL bus: nmemX/cxl/provider
 * names the cxl_nvdimm device ("pmemY"), whose parent is the memory device
 * ("memY"), whose "serial" is its PCIe device serial number ("0x1").
 * Returns 0 with memdev and serial filled (serial "" when unreadable), 1
 * when nmem is not a CXL DIMM, or an error with a message.
 */
int pmem2_dimm_cxl_memdev(const char *nmem, char *memdev, size_t mlen,
			  char *serial, size_t slen);

#endif
