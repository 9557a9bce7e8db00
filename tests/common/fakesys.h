/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fakesys.h -- build fake sysfs trees in a temporary directory, so tests
 * can show the library any NVDIMM topology (regions, namespaces, fsdax
 * disks, Device DAX, DIMMs, bad blocks) without the hardware.
 *
 * The layouts follow the kernel's sysfs ABI documents (sysfs-bus-nfit,
 * sysfs-bus-nvdimm, sysfs-bus-cxl, sysfs-bus-dax) and the device tree the
 * drivers build: an NFIT bus (ACPI0012), a CXL bus (the nvdimm bridge of
 * the CXL root ACPI0017, its DIMMs backed by CXL memory devices memX),
 * device DAX on an NVDIMM namespace, on a CXL RAM region and on hmem.
 *
 * A white-box test points the library at the tree with
 * sysfs_set_root(root) (src/core/sysfs.h) and restores it with
 * sysfs_set_root(NULL). This file does not depend on the library.
 *
 *	char root[PATH_MAX];
 *	fakesys_create(root, sizeof(root));
 *	fakesys_region(root, 1, "cpu_cache");
 *	fakesys_fsdax(root, 1, 0, "pmem1", st.st_dev, NULL, 0);
 *	sysfs_set_root(root);
 *	... the file with st_dev now looks like it is on region1 ...
 *	sysfs_set_root(NULL);
 *	fakesys_destroy(root);
 *
 * `rel` paths are relative to the root, i.e. what follows "/sys/" in a real
 * path ("bus/nd/devices/region1/numa_node"). Missing parent directories
 * are created. Every function returns 0, or -1 after printing what failed
 * (to stdout, prefixed "fakesys:").
 */
#ifndef FAKESYS_H
#define FAKESYS_H

#include <stddef.h>
#include <sys/types.h>

/* Where the topology helpers put the NVDIMM bus (ACPI NFIT layout). */
#define FAKESYS_NDBUS "devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00/ndbus0"
/* The CXL root (the ACPI0017 platform device's port) and the nvdimm bus
 * of its nvdimm bridge (drivers/cxl/pmem.c, provider "CXL"). */
#define FAKESYS_CXL_ROOT "devices/platform/ACPI0017:00/root0"
#define FAKESYS_CXL_NDBUS FAKESYS_CXL_ROOT "/nvdimm-bridge0/ndbus1"
/* Where the CXL memory devices (memX) sit: a PCIe endpoint. */
#define FAKESYS_CXL_PCI "devices/pci0000:34/0000:34:00.0"

/* ---- primitives ---- */

/* Make an empty tree "<TMPDIR or /tmp>/fakesys.XXXXXX"; its canonical
 * (symlink-free) path goes to root. */
int fakesys_create(char *root, size_t len);
/* mkdir -p root/rel */
int fakesys_mkdir(const char *root, const char *rel);
/* Create or replace the file root/rel with printf-formatted content (the
 * kernel ends attributes with "\n": include it for realism). */
int fakesys_write(const char *root, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Make root/rel a symlink to target (replacing what was there). A target
 * starting with '/' means a path inside the tree ("/bus/dax" ->
 * "<root>/bus/dax"); any other target is stored as it is (relative). */
int fakesys_symlink(const char *root, const char *rel, const char *target);
/* root/rel with every symlink resolved, as the library sees it: a
 * "/sys/..." path. */
int fakesys_realpath(const char *root, const char *rel, char *out, size_t len);
/* Remove root/rel: a file, a symlink or a whole directory tree. */
int fakesys_remove(const char *root, const char *rel);
/* Remove the whole tree (only paths made by fakesys_create). */
int fakesys_destroy(const char *root);

/* ---- topology helpers (real-looking layout under FAKESYS_NDBUS) ---- */

/*
 * Put the NVDIMM bus deep in a PCI-like hierarchy, as deep PCI/CXL
 * topologies do: "devices/LNXSYSTM:00" becomes a link into a directory at
 * least `bytes` long (devices/pci0000:00/0000:01:00.0/0000:02:00.0/...), so
 * every device the helpers below create resolves to a long
 * /sys/devices/... path. Call it on a fresh tree, before the helpers.
 */
int fakesys_deep_bus(const char *root, size_t bytes);

/* FAKESYS_NDBUS/region<r>/ with persistence_domain (NULL: no such file,
 * as on virtio-pmem), and the link bus/nd/devices/region<r>; the bus (see
 * fakesys_ndbus) with provider "ACPI.NFIT" if it is not there yet. */
int fakesys_region(const char *root, int r, const char *persistence_domain);

/* The nvdimm bus at `rel` (a path ending in "ndbus<N>") with its
 * "provider" attribute, and the link bus/nd/devices/ndbus<N>. */
int fakesys_ndbus(const char *root, const char *rel, const char *provider);

/*
 * The helpers below find region<r> through its link bus/nd/devices/region<r>
 * (made by fakesys_region or fakesys_cxl_region), so they work on either
 * bus.
 *
 * An fsdax disk on region<r>: region<r>/namespace<r>.<ns>/block/<disk>/
 * with "dev" and an empty "badblocks"; links dev/block/M:m (for `dev`),
 * block/<disk> and bus/nd/devices/namespace<r>.<ns>. The disk's path
 * (relative to root) goes to path unless it is NULL. Pass the st_dev of a
 * real file to make that file look like it lives on this disk.
 */
int fakesys_fsdax(const char *root, int r, int ns, const char *disk, dev_t dev,
		  char *path, size_t pathlen);

/*
 * A Device DAX on region<r> (dax bus layout): the nd device
 * region<r>/dax<r>.<ns>/ (with "namespace" = namespace<r>.<ns>) and the dax
 * device dax<r>.<ns>/dax<r>.<ns>/ with "size", "align", "dev" and
 * "subsystem" -> bus/dax; links dev/char/M:m and bus/nd/devices/dax<r>.<ns>.
 * align 0 writes no align file. The dax device's path goes to path.
 * Pass the st_rdev of a real character device (/dev/zero is 1:5) to make
 * it look like a Device DAX.
 */
int fakesys_devdax(const char *root, int r, int ns, dev_t rdev,
		   unsigned long long size, unsigned long long align,
		   char *path, size_t pathlen);

/*
 * DIMM nmem<n> as mapping<k> of region<r>: region<r>/mapping<k> =
 * "nmem<n>,0,<size>,<k>", nmem<n>/nfit/{id,dirty_shutdown} next to the
 * region on its bus (each written only if not NULL) and the link
 * bus/nd/devices/nmem<n>.
 */
int fakesys_dimm(const char *root, int r, int k, int n, const char *id,
		 const char *dirty_shutdown);

/* ---- CXL (drivers/cxl) and other device DAX ---- */

/* region<r> on the CXL nvdimm bus FAKESYS_CXL_NDBUS (made, with provider
 * "CXL", on first use), as fakesys_region. */
int fakesys_cxl_region(const char *root, int r, const char *persistence_domain);

/*
 * CXL memory device mem<m> as DIMM nmem<n> = mapping<k> of the CXL region
 * <r>: FAKESYS_CXL_PCI/mem<m>/ with "serial" ("%#llx", sysfs-bus-cxl),
 * its cxl_nvdimm child pmem<m> (links bus/cxl/devices/{mem,pmem}<m>), and
 * nmem<n> on the CXL bus with cxl/id (the serial as the kernel prints it:
 * "%lld", so a serial with bit 63 set is negative), cxl/provider
 * ("pmem<m>") and, unless dirty_shutdown is NULL (kernels before 6.15, or
 * a device without GPF support), cxl/dirty_shutdown.
 */
int fakesys_cxl_memdev(const char *root, int r, int k, int n, int m,
		       unsigned long long serial, const char *dirty_shutdown);

/*
 * A device DAX of CXL RAM region <z> (drivers/cxl/core/region.c +
 * drivers/dax/cxl.c): FAKESYS_CXL_ROOT/decoder0.0/region<z>/ with "mode"
 * (not written when NULL: kernels before 6.3), its dax_region<z>/ with
 * dax_region/{id,size,align}, and the dax device dax<z>.0/ below it with
 * size, align (0: none), dev, numa_node, target_node, subsystem -> bus/dax;
 * links dev/char/M:m, bus/dax/devices/dax<z>.0, bus/cxl/devices/region<z>.
 * The dax device's path goes to path.
 */
int fakesys_cxl_ram_devdax(const char *root, int z, const char *mode,
			   dev_t rdev, unsigned long long size,
			   unsigned long long align, int numa_node, char *path,
			   size_t pathlen);

/*
 * A device DAX of hmem (drivers/dax/hmem: soft-reserved memory): the
 * platform device devices/platform/hmem.<id>/ with dax_region/, and the dax
 * device dax<id>.0/ below it, attributes and links as above.
 */
int fakesys_hmem_devdax(const char *root, int id, dev_t rdev,
			unsigned long long size, unsigned long long align,
			int numa_node, char *path, size_t pathlen);

#endif
