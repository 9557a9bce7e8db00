/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fakesys.c -- fake sysfs trees for tests (see fakesys.h). Plain libc, so
 * it can be used by white-box and black-box tests alike.
 */
#define _GNU_SOURCE
#include "fakesys.h"
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int fail(const char *what, const char *path)
{
	int e = errno;
	printf("fakesys: %s %s: %s\n", what, path, strerror(e));
	errno = e;
	return -1;
}

static int join(char *out, size_t len, const char *root, const char *rel)
{
	while (*rel == '/')
		rel++;
	if ((size_t)snprintf(out, len, "%s/%s", root, rel) >= len) {
		errno = ENAMETOOLONG;
		return fail("path too long:", rel);
	}
	return 0;
}

/* mkdir -p of an absolute path */
static int mkdirs(const char *abs)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", abs);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			return fail("mkdir", p);
		*s = '/';
	}
	if (mkdir(p, 0755) && errno != EEXIST)
		return fail("mkdir", p);
	return 0;
}

static int mkparent(const char *abs)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", abs);
	char *slash = strrchr(p, '/');
	if (!slash || slash == p)
		return 0;
	*slash = '\0';
	return mkdirs(p);
}

int fakesys_create(char *root, size_t len)
{
	const char *dir = getenv("TMPDIR");
	char tmpl[PATH_MAX], real[PATH_MAX];

	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(tmpl, sizeof(tmpl), "%s/fakesys.XXXXXX", dir);
	if (!mkdtemp(tmpl))
		return fail("mkdtemp", tmpl);
	if (!realpath(tmpl, real))
		return fail("realpath", tmpl);
	if ((size_t)snprintf(root, len, "%s", real) >= len) {
		rmdir(real);
		errno = ENAMETOOLONG;
		return fail("root buffer too small for", real);
	}
	return 0;
}

int fakesys_mkdir(const char *root, const char *rel)
{
	char p[PATH_MAX];
	if (join(p, sizeof(p), root, rel))
		return -1;
	return mkdirs(p);
}

int fakesys_write(const char *root, const char *rel, const char *fmt, ...)
{
	char p[PATH_MAX];
	va_list ap;

	if (join(p, sizeof(p), root, rel) || mkparent(p))
		return -1;
	FILE *f = fopen(p, "w");
	if (!f)
		return fail("fopen", p);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (fclose(f))
		return fail("write", p);
	return 0;
}

int fakesys_symlink(const char *root, const char *rel, const char *target)
{
	char p[PATH_MAX], t[PATH_MAX];

	if (join(p, sizeof(p), root, rel) || mkparent(p))
		return -1;
	if (target[0] == '/') {
		if (join(t, sizeof(t), root, target))
			return -1;
	} else {
		snprintf(t, sizeof(t), "%s", target);
	}
	if (unlink(p) && errno != ENOENT)
		return fail("unlink", p);
	if (symlink(t, p))
		return fail("symlink", p);
	return 0;
}

int fakesys_realpath(const char *root, const char *rel, char *out, size_t len)
{
	char p[PATH_MAX], r[PATH_MAX];
	size_t rl = strlen(root);

	if (join(p, sizeof(p), root, rel))
		return -1;
	if (!realpath(p, r))
		return fail("realpath", p);
	if (strncmp(r, root, rl) != 0 || r[rl] != '/') {
		errno = EXDEV;
		return fail("resolves outside the tree:", p);
	}
	if ((size_t)snprintf(out, len, "/sys%s", r + rl) >= len) {
		errno = ENAMETOOLONG;
		return fail("buffer too small for", r);
	}
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP ? rmdir(path) : unlink(path))
		return fail("remove", path);
	return 0;
}

static int rm_tree(const char *abs)
{
	struct stat st;
	if (lstat(abs, &st))
		return errno == ENOENT ? 0 : fail("lstat", abs);
	if (!S_ISDIR(st.st_mode))
		return unlink(abs) ? fail("unlink", abs) : 0;
	return nftw(abs, rm_one, 16, FTW_DEPTH | FTW_PHYS) ? -1 : 0;
}

int fakesys_remove(const char *root, const char *rel)
{
	char p[PATH_MAX];
	if (join(p, sizeof(p), root, rel))
		return -1;
	return rm_tree(p);
}

int fakesys_destroy(const char *root)
{
	if (!strstr(root, "/fakesys.")) {
		errno = EINVAL;
		return fail("refusing to remove a tree not made by "
			    "fakesys_create:",
			    root);
	}
	return rm_tree(root);
}

/* ---- topology ---- */

int fakesys_deep_bus(const char *root, size_t bytes)
{
	char deep[PATH_MAX], target[PATH_MAX + 16];
	size_t n = (size_t)snprintf(deep, sizeof(deep), "devices/pci0000:00");

	for (unsigned i = 1; n < bytes; i++) {
		if (n + 16 >= sizeof(deep)) {
			errno = ENAMETOOLONG;
			return fail("deep bus longer than PATH_MAX:", deep);
		}
		n += (size_t)snprintf(deep + n, sizeof(deep) - n,
				      "/0000:%02x:00.0", i % 256);
	}
	snprintf(target, sizeof(target), "/%s/LNXSYSTM:00", deep);
	if (fakesys_mkdir(root, target))
		return -1;
	return fakesys_symlink(root, "devices/LNXSYSTM:00", target);
}

/* /sys/bus/nd/devices/<name> -> the device at rel */
static int nd_device_link(const char *root, const char *name, const char *rel)
{
	char link[64], target[PATH_MAX + 16];

	snprintf(link, sizeof(link), "bus/nd/devices/%s", name);
	snprintf(target, sizeof(target), "../../../%s", rel);
	return fakesys_symlink(root, link, target);
}

int fakesys_ndbus(const char *root, const char *rel, const char *provider)
{
	char f[PATH_MAX + 16];
	const char *name = strrchr(rel, '/');

	name = name ? name + 1 : rel;
	snprintf(f, sizeof(f), "%s/provider", rel);
	if (fakesys_write(root, f, "%s\n", provider))
		return -1;
	return nd_device_link(root, name, rel);
}

/* region<r> under the bus at busrel; the bus made with provider first */
static int region_on(const char *root, const char *busrel, const char *provider,
		     int r, const char *persistence_domain)
{
	char rel[PATH_MAX], name[32];
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/provider", busrel);
	if (join(rel, sizeof(rel), root, p))
		return -1;
	if (access(rel, F_OK) && fakesys_ndbus(root, busrel, provider))
		return -1;
	snprintf(rel, sizeof(rel), "%s/region%d", busrel, r);
	if (fakesys_mkdir(root, rel))
		return -1;
	if (persistence_domain) {
		char f[PATH_MAX + 32];
		snprintf(f, sizeof(f), "%s/persistence_domain", rel);
		if (fakesys_write(root, f, "%s\n", persistence_domain))
			return -1;
	}
	snprintf(name, sizeof(name), "region%d", r);
	return nd_device_link(root, name, rel);
}

int fakesys_region(const char *root, int r, const char *persistence_domain)
{
	return region_on(root, FAKESYS_NDBUS, "ACPI.NFIT", r,
			 persistence_domain);
}

int fakesys_cxl_region(const char *root, int r, const char *persistence_domain)
{
	return region_on(root, FAKESYS_CXL_NDBUS, "CXL", r, persistence_domain);
}

/* the directory of region<r>, relative to root: where its link
 * bus/nd/devices/region<r> points ("../../../<rel>"), else the NFIT bus */
static void region_rel(const char *root, int r, char *out, size_t len)
{
	char link[64], p[PATH_MAX], t[PATH_MAX];

	snprintf(link, sizeof(link), "bus/nd/devices/region%d", r);
	ssize_t n = join(p, sizeof(p), root, link)
			    ? -1
			    : readlink(p, t, sizeof(t) - 1);
	if (n > 9 && strncmp(t, "../../../", 9) == 0) {
		t[n] = '\0';
		snprintf(out, len, "%s", t + 9);
	} else {
		snprintf(out, len, FAKESYS_NDBUS "/region%d", r);
	}
}

static void put_path(char *path, size_t len, const char *rel)
{
	if (path && len)
		snprintf(path, len, "%s", rel);
}

int fakesys_fsdax(const char *root, int r, int ns, const char *disk, dev_t dev,
		  char *path, size_t pathlen)
{
	char nsrel[PATH_MAX + 32], rel[PATH_MAX + 64], f[PATH_MAX + 128];
	char link[128], target[PATH_MAX + 128], reg[PATH_MAX];

	region_rel(root, r, reg, sizeof(reg));
	snprintf(nsrel, sizeof(nsrel), "%s/namespace%d.%d", reg, r, ns);
	snprintf(rel, sizeof(rel), "%s/block/%s", nsrel, disk);
	snprintf(f, sizeof(f), "%s/dev", rel);
	if (fakesys_write(root, f, "%u:%u\n", major(dev), minor(dev)))
		return -1;
	snprintf(f, sizeof(f), "%s/badblocks", rel);
	if (fakesys_write(root, f, "%s", ""))
		return -1;

	snprintf(link, sizeof(link), "dev/block/%u:%u", major(dev), minor(dev));
	snprintf(target, sizeof(target), "../../%s", rel);
	if (fakesys_symlink(root, link, target))
		return -1;
	snprintf(link, sizeof(link), "block/%s", disk);
	snprintf(target, sizeof(target), "../%s", rel);
	if (fakesys_symlink(root, link, target))
		return -1;
	snprintf(link, sizeof(link), "bus/nd/devices/namespace%d.%d", r, ns);
	snprintf(target, sizeof(target), "../../../%s", nsrel);
	if (fakesys_symlink(root, link, target))
		return -1;
	put_path(path, pathlen, rel);
	return 0;
}

/* the dax bus device at rel: size, align (0: none), dev, numa_node,
 * target_node, subsystem -> bus/dax; links dev/char/M:m and
 * bus/dax/devices/<name> */
static int dax_device(const char *root, const char *rel, dev_t rdev,
		      unsigned long long size, unsigned long long align,
		      int numa_node)
{
	char f[PATH_MAX + 128], link[128], target[PATH_MAX + 128];
	const char *name = strrchr(rel, '/') + 1;

	snprintf(f, sizeof(f), "%s/size", rel);
	if (fakesys_write(root, f, "%llu\n", size))
		return -1;
	if (align) {
		snprintf(f, sizeof(f), "%s/align", rel);
		if (fakesys_write(root, f, "%llu\n", align))
			return -1;
	}
	snprintf(f, sizeof(f), "%s/dev", rel);
	if (fakesys_write(root, f, "%u:%u\n", major(rdev), minor(rdev)))
		return -1;
	snprintf(f, sizeof(f), "%s/numa_node", rel);
	if (fakesys_write(root, f, "%d\n", numa_node))
		return -1;
	snprintf(f, sizeof(f), "%s/target_node", rel);
	if (fakesys_write(root, f, "%d\n", numa_node + 1))
		return -1;
	if (fakesys_mkdir(root, "bus/dax/devices"))
		return -1;
	snprintf(f, sizeof(f), "%s/subsystem", rel);
	if (fakesys_symlink(root, f, "/bus/dax"))
		return -1;
	snprintf(link, sizeof(link), "dev/char/%u:%u", major(rdev),
		 minor(rdev));
	snprintf(target, sizeof(target), "../../%s", rel);
	if (fakesys_symlink(root, link, target))
		return -1;
	snprintf(link, sizeof(link), "bus/dax/devices/%s", name);
	snprintf(target, sizeof(target), "../../../%s", rel);
	return fakesys_symlink(root, link, target);
}

/* the dax_region/ attribute group of the device at rel */
static int dax_region_attrs(const char *root, const char *rel, int id,
			    unsigned long long size, unsigned long long align)
{
	char f[PATH_MAX + 64];

	snprintf(f, sizeof(f), "%s/dax_region/id", rel);
	if (fakesys_write(root, f, "%d\n", id))
		return -1;
	snprintf(f, sizeof(f), "%s/dax_region/size", rel);
	if (fakesys_write(root, f, "%llu\n", size))
		return -1;
	snprintf(f, sizeof(f), "%s/dax_region/align", rel);
	return fakesys_write(root, f, "%llu\n", align ? align : 4096);
}

int fakesys_devdax(const char *root, int r, int ns, dev_t rdev,
		   unsigned long long size, unsigned long long align,
		   char *path, size_t pathlen)
{
	char ndrel[PATH_MAX + 32], rel[PATH_MAX + 64], f[PATH_MAX + 128];
	char link[128], target[PATH_MAX + 128], reg[PATH_MAX];

	region_rel(root, r, reg, sizeof(reg));
	snprintf(ndrel, sizeof(ndrel), "%s/dax%d.%d", reg, r, ns);
	snprintf(f, sizeof(f), "%s/namespace", ndrel);
	if (fakesys_write(root, f, "namespace%d.%d\n", r, ns))
		return -1;

	snprintf(rel, sizeof(rel), "%s/dax%d.%d", ndrel, r, ns);
	if (dax_device(root, rel, rdev, size, align, 0))
		return -1;
	snprintf(f, sizeof(f), "%s/device", rel);
	if (fakesys_symlink(root, f, ".."))
		return -1;
	snprintf(link, sizeof(link), "bus/nd/devices/dax%d.%d", r, ns);
	snprintf(target, sizeof(target), "../../../%s", ndrel);
	if (fakesys_symlink(root, link, target))
		return -1;
	put_path(path, pathlen, rel);
	return 0;
}

int fakesys_dimm(const char *root, int r, int k, int n, const char *id,
		 const char *dirty_shutdown)
{
	char rel[PATH_MAX + 16], f[PATH_MAX + 64], link[64];
	char target[PATH_MAX + 32], reg[PATH_MAX];

	region_rel(root, r, reg, sizeof(reg));
	snprintf(f, sizeof(f), "%s/mapping%d", reg, k);
	if (fakesys_write(root, f, "nmem%d,0,1073741824,%d\n", n, k))
		return -1;
	*strrchr(reg, '/') = '\0'; /* the bus */
	snprintf(rel, sizeof(rel), "%s/nmem%d", reg, n);
	if (fakesys_mkdir(root, rel))
		return -1;
	if (id) {
		snprintf(f, sizeof(f), "%s/nfit/id", rel);
		if (fakesys_write(root, f, "%s\n", id))
			return -1;
	}
	if (dirty_shutdown) {
		snprintf(f, sizeof(f), "%s/nfit/dirty_shutdown", rel);
		if (fakesys_write(root, f, "%s\n", dirty_shutdown))
			return -1;
	}
	snprintf(link, sizeof(link), "bus/nd/devices/nmem%d", n);
	snprintf(target, sizeof(target), "../../../%s", rel);
	return fakesys_symlink(root, link, target);
}

/* ---- CXL and hmem ---- */

/* the dax region <id> on the device at parent (its dax_region/ group) and
 * its device DAX dax<id>.0 below it; the device's path goes to path */
static int dax_under(const char *root, const char *parent, int id, dev_t rdev,
		     unsigned long long size, unsigned long long align,
		     int numa_node, char *path, size_t pathlen)
{
	char rel[PATH_MAX + 64];

	if (dax_region_attrs(root, parent, id, size, align))
		return -1;
	snprintf(rel, sizeof(rel), "%s/dax%d.0", parent, id);
	if (dax_device(root, rel, rdev, size, align, numa_node))
		return -1;
	put_path(path, pathlen, rel);
	return 0;
}

int fakesys_cxl_memdev(const char *root, int r, int k, int n, int m,
		       unsigned long long serial, const char *dirty_shutdown)
{
	char md[PATH_MAX], f[PATH_MAX + 64], link[64], target[PATH_MAX + 32];
	char nmem[64];

	/* the memory device and its cxl_nvdimm */
	snprintf(md, sizeof(md), FAKESYS_CXL_PCI "/mem%d", m);
	snprintf(f, sizeof(f), "%s/serial", md);
	if (fakesys_write(root, f, "%#llx\n", serial))
		return -1;
	snprintf(f, sizeof(f), "%s/pmem%d", md, m);
	if (fakesys_mkdir(root, f))
		return -1;
	snprintf(link, sizeof(link), "bus/cxl/devices/mem%d", m);
	snprintf(target, sizeof(target), "../../../%s", md);
	if (fakesys_symlink(root, link, target))
		return -1;
	snprintf(link, sizeof(link), "bus/cxl/devices/pmem%d", m);
	snprintf(target, sizeof(target), "../../../%s/pmem%d", md, m);
	if (fakesys_symlink(root, link, target))
		return -1;

	/* the DIMM: no nfit/ group, the cxl/ one instead */
	if (fakesys_dimm(root, r, k, n, NULL, NULL))
		return -1;
	snprintf(nmem, sizeof(nmem), "bus/nd/devices/nmem%d", n);
	snprintf(f, sizeof(f), "%s/cxl/id", nmem);
	if (fakesys_write(root, f, "%lld\n", (long long)serial))
		return -1;
	snprintf(f, sizeof(f), "%s/cxl/provider", nmem);
	if (fakesys_write(root, f, "pmem%d\n", m))
		return -1;
	snprintf(f, sizeof(f), "%s/cxl/dirty_shutdown", nmem);
	if (dirty_shutdown)
		return fakesys_write(root, f, "%s\n", dirty_shutdown);
	return fakesys_remove(root, f);
}

int fakesys_cxl_ram_devdax(const char *root, int z, const char *mode,
			   dev_t rdev, unsigned long long size,
			   unsigned long long align, int numa_node, char *path,
			   size_t pathlen)
{
	char reg[PATH_MAX], dr[PATH_MAX + 32];
	char f[PATH_MAX + 32], link[64], target[PATH_MAX + 32];

	snprintf(reg, sizeof(reg), FAKESYS_CXL_ROOT "/decoder0.0/region%d", z);
	snprintf(f, sizeof(f), "%s/size", reg);
	if (fakesys_write(root, f, "%llu\n", size))
		return -1;
	snprintf(f, sizeof(f), "%s/mode", reg);
	if (mode ? fakesys_write(root, f, "%s\n", mode)
		 : fakesys_remove(root, f))
		return -1;
	snprintf(link, sizeof(link), "bus/cxl/devices/region%d", z);
	snprintf(target, sizeof(target), "../../../%s", reg);
	if (fakesys_symlink(root, link, target))
		return -1;
	snprintf(dr, sizeof(dr), "%s/dax_region%d", reg, z);
	return dax_under(root, dr, z, rdev, size, align, numa_node, path,
			 pathlen);
}

int fakesys_hmem_devdax(const char *root, int id, dev_t rdev,
			unsigned long long size, unsigned long long align,
			int numa_node, char *path, size_t pathlen)
{
	char pd[64];

	snprintf(pd, sizeof(pd), "devices/platform/hmem.%d", id);
	return dax_under(root, pd, id, rdev, size, align, numa_node, path,
			 pathlen);
}
