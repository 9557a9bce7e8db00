/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_sysfs.c -- libFuzzer target 2: the call sequences of engine.c over a
 * fake NVDIMM platform. A sysfs tree (tests/common/fakesys.h) is built once
 * and PMEM2_SYSFS_ROOT points libpmem2 at it before its first sysfs access;
 * the harness files (in $TMPDIR) look like they live on the fsdax disk
 * pmem1 of region1 (their file system's device number is linked to it), and
 * /dev/zero looks like the Device DAX dax1.1 of the same region.
 *
 * Each input starts with a description of what the platform reports, written
 * into the tree before the calls: the regions' persistence_domain,
 * numa_node, deep_flush and badblocks, the DIMMs behind region1 (mappingK,
 * nfit/id or id, nfit/dirty_shutdown), the disk's bad sectors (placed near
 * the sectors the harness files really occupy, found with FS_IOC_FIEMAP, so
 * that they land in the files), a partition, the Device DAX's size, align
 * and resource, and where the disk's device link points (the disk, the
 * partition, a disk on no region, a region whose sysfs path is over 300
 * bytes long, nowhere). Everything may be malformed. During the calls, the
 * extra operation changes one of these (an unsafe shutdown between two
 * maps, new bad blocks, poison cleared by the "kernel").
 *
 * On top of engine.c's checks: with well-formed DIMM attributes, the device
 * id and unsafe shutdown count of a file source must be the documented
 * join and sum of the DIMMs' values.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libpmem2.h>

#include "fakesys.h"
#include "harness.h"

#define NDIMM 4
#define R1 FAKESYS_NDBUS "/region1"
#define R2 FAKESYS_NDBUS "/region2"
/* a region deep in the device tree: its disk's sysfs path is > 300 bytes */
#define DEEP                                                                   \
	"devices/pci0000:00/0000:00:1f.0/0000:01:00.0/0000:02:00.0/"           \
	"0000:03:00.0/0000:04:00.0/0000:05:00.0/0000:06:00.0/0000:07:00.0/"    \
	"0000:08:00.0/0000:09:00.0/0000:0a:00.0/0000:0b:00.0/0000:0c:00.0/"    \
	"0000:0d:00.0/cxl_port_fuzz/ndbus1/region3"

static char root[PATH_MAX];
static char disk[PATH_MAX], dax[PATH_MAX], part[PATH_MAX + 16];
static char deepdisk[PATH_MAX];
static char devlink[64];
static dev_t fsdev;

/* what the well-formed DIMM attributes add up to (for the oracle) */
static char known_id[4096];
static uint64_t known_usc;
static bool known_valid;
static bool kernel_clears; /* a cleared bad block disappears from sysfs */
static int linkchoice;	   /* 0: the disk, 1: its partition, 2: elsewhere */
static unsigned long long pstart;  /* the fake partition's start sector */
static unsigned long long dax_sec; /* the Device DAX's data in region1 */

static const char *get_known_id(void)
{
	return known_id;
}

static uint64_t get_known_usc(void)
{
	return known_usc;
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_sysfs setup: %s failed\n", what);
	exit(2);
}

/* root/rel := bytes */
static void put(const char *rel, const char *buf, size_t len)
{
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(p);
	if (len && write(fd, buf, len) != (ssize_t)len)
		die(p);
	close(fd);
}

static void putf(const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void putf(const char *rel, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put(rel, buf,
	    n < 0		      ? 0
	    : (size_t)n < sizeof(buf) ? (size_t)n
				      : sizeof(buf) - 1);
}

static void drop(const char *rel)
{
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	unlink(p);
}

static void remove_tree(void)
{
	fakesys_destroy(root);
}

/* ---- values from the input ---- */

/* a number as sysfs prints it, or something that is not */
static void put_num(struct rd *r, const char *rel, uint64_t typical)
{
	uint8_t k = rd_u8(r);
	char raw[24];
	switch (k % 8) {
	case 0:
	case 1:
		putf(rel, "%llu\n", (unsigned long long)typical);
		return;
	case 2:
		putf(rel, "%llu\n", (unsigned long long)rd_u64(r));
		return;
	case 3:
		putf(rel, "0x%llx\n", (unsigned long long)rd_u32(r));
		return;
	case 4:
		putf(rel, "-%u\n", rd_u8(r));
		return;
	case 5:
		rd_bytes(r, raw, k >> 3 & 15);
		put(rel, raw, k >> 3 & 15);
		return;
	case 6:
		drop(rel);
		return;
	default:
		putf(rel, "%u", rd_u16(r)); /* no newline */
		return;
	}
}

/* where the first extent of harness file f starts, in 512-byte sectors */
static unsigned long long file_sector(int f)
{
	union {
		struct fiemap fm;
		char space[sizeof(struct fiemap) +
			   sizeof(struct fiemap_extent)];
	} u;
	memset(&u, 0, sizeof(u));
	u.fm.fm_length = FIEMAP_MAX_OFFSET;
	u.fm.fm_extent_count = 1;
	if (ioctl(fz_file_fd(f), FS_IOC_FIEMAP, &u.fm) ||
	    !u.fm.fm_mapped_extents)
		return 0;
	return u.fm.fm_extents[0].fe_physical / 512;
}

/* "sector count" lines near where the harness files are */
static void put_badblocks(struct rd *r, const char *rel, bool region)
{
	char buf[2048];
	size_t n = 0;
	uint8_t lines = rd_u8(r);
	if (lines == 255) {
		drop(rel);
		return;
	}
	for (int i = 0; i < lines % 8 && n < sizeof(buf) - 64; i++) {
		uint8_t k = rd_u8(r);
		unsigned long long base, sec, cnt;
		switch (k % 5) {
		case 0:
		case 1:
			/* where a file is, in the disk's sectors */
			base = region ? dax_sec
				      : file_sector(k % 2) +
						(linkchoice == 1 ? pstart : 0);
			break;
		case 2:
			base = region ? dax_sec + 4096 : pstart;
			break;
		case 3:
			base = 0;
			break;
		default:
			base = rd_u64(r);
			break;
		}
		sec = base + (unsigned long long)(int16_t)rd_u16(r);
		cnt = (k >> 3) % 4 == 3 ? rd_u64(r) : rd_u8(r) % 64 + 1;
		if ((k >> 5) == 7) { /* a malformed line */
			char raw[12];
			rd_bytes(r, raw, sizeof(raw));
			for (size_t j = 0; j < sizeof(raw); j++)
				buf[n++] = raw[j] == '\n' ? ' ' : raw[j];
			buf[n++] = '\n';
			continue;
		}
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%llu %llu\n",
				      sec, cnt);
	}
	put(rel, buf, n);
}

/* one of five texts (k % 7 < 5), no such file, or a malformed number */
static void put_choice(struct rd *r, const char *rel, uint8_t k,
		       const char *text)
{
	if (k % 7 == 5)
		drop(rel);
	else if (k % 7 == 6)
		put_num(r, rel, 4096);
	else
		putf(rel, "%s", text);
}

static void put_domain(struct rd *r, const char *rel)
{
	static const char *d[] = {"cpu_cache\n", "memory_controller\n", "\n",
				  "cpu_cache", "unknown\n"};
	uint8_t k = rd_u8(r);
	put_choice(r, rel, k, d[k % 7 % 5]);
}

/* the DIMMs of region1: mapping0..K-1 and each nmem's id and count */
static void put_dimms(struct rd *r)
{
	uint8_t k = rd_u8(r);
	int nmap = k % (NDIMM + 1);
	char rel[PATH_MAX];
	size_t idl = 0;

	known_valid = true;
	known_usc = 0;
	known_id[0] = '\0';
	for (int i = 0; i < NDIMM; i++) {
		snprintf(rel, sizeof(rel), R1 "/mapping%d", i);
		if (i >= nmap) {
			drop(rel);
			continue;
		}
		uint8_t m = rd_u8(r);
		int n = (i + (m >> 6)) % NDIMM; /* which nmem, maybe twice */
		if (m % 8 == 7) {
			char raw[16];
			rd_bytes(r, raw, sizeof(raw));
			put(rel, raw, m >> 3 & 15);
			known_valid = false;
		} else {
			putf(rel, "nmem%d,%u,1073741824,%d\n", n, rd_u8(r), i);
		}
		/* its id */
		uint8_t idk = rd_u8(r);
		char id[700];
		snprintf(id, sizeof(id), "8089-a2-1837-%08x", rd_u32(r));
		switch (idk % 6) {
		case 0:
		case 1:
			break;
		case 2: { /* long: the SDS record holds at most 512 bytes */
			size_t l = 200 + rd_u16(r) % 400;
			memset(id, 'i', l);
			id[l] = '\0';
			break;
		}
		case 3:
			id[0] = '\0';
			known_valid = false;
			break;
		case 4: /* no nfit: nmemX/id */
			break;
		default:
			known_valid = false;
			break;
		}
		snprintf(rel, sizeof(rel), FAKESYS_NDBUS "/nmem%d/nfit/id", n);
		if (idk % 6 == 4 || idk % 6 == 5)
			drop(rel);
		else
			putf(rel, "%s\n", id);
		snprintf(rel, sizeof(rel), FAKESYS_NDBUS "/nmem%d/id", n);
		if (idk % 6 == 4)
			putf(rel, "%s\n", id);
		else
			drop(rel);
		if (known_valid) {
			int w = snprintf(known_id + idl, sizeof(known_id) - idl,
					 "%s%s", idl ? "," : "", id);
			if (w > 0 && (size_t)w < sizeof(known_id) - idl)
				idl += (size_t)w;
			else
				known_valid = false;
		}
		/* its unsafe shutdown count */
		uint8_t dk = rd_u8(r);
		snprintf(rel, sizeof(rel),
			 FAKESYS_NDBUS "/nmem%d/nfit/dirty_shutdown", n);
		if (dk % 4 == 3) {
			put_num(r, rel, 0);
			known_valid = false;
		} else {
			uint32_t v =
				rd_u32(r) % (dk % 4 == 0 ? 1000 : UINT32_MAX);
			putf(rel, "%u\n", v);
			known_usc += v;
		}
	}
	if (nmap == 0)
		known_valid = false;
	/* a DIMM listed twice gets its id and count rewritten: only the
	 * last write counts, so the expected values are unknown */
	for (int i = 0; i < nmap && known_valid; i++)
		for (int j = 0; j < i; j++) {
			char a[64], b[64];
			snprintf(rel, sizeof(rel), "%s/" R1 "/mapping%d", root,
				 i);
			FILE *f = fopen(rel, "r");
			if (!f || !fgets(a, sizeof(a), f))
				a[0] = 0;
			if (f)
				fclose(f);
			snprintf(rel, sizeof(rel), "%s/" R1 "/mapping%d", root,
				 j);
			f = fopen(rel, "r");
			if (!f || !fgets(b, sizeof(b), f))
				b[0] = 0;
			if (f)
				fclose(f);
			if (strcspn(a, ",") == strcspn(b, ",") &&
			    !strncmp(a, b, strcspn(a, ",")))
				known_valid = false;
		}
}

/* where /sys/dev/block/M:m of the harness files' file system points */
static void put_link(struct rd *r)
{
	uint8_t k = rd_u8(r);
	char t[PATH_MAX + 32];
	linkchoice = k % 6 < 2 ? 0 : k % 6 == 2 ? 1 : 2;
	switch (k % 6) {
	case 0:
	case 1:
		snprintf(t, sizeof(t), "/%s", disk);
		fakesys_symlink(root, devlink, t);
		break;
	case 2:
		snprintf(t, sizeof(t), "/%s", part);
		fakesys_symlink(root, devlink, t);
		break;
	case 3: /* a disk on no region */
		fakesys_symlink(root, devlink, "/devices/virtual/block/vdz");
		break;
	case 4:
		snprintf(t, sizeof(t), "/%s", deepdisk);
		fakesys_symlink(root, devlink, t);
		break;
	default:
		fakesys_remove(root, devlink);
		break;
	}
}

static void put_partition(struct rd *r)
{
	char rel[PATH_MAX + 32];
	pstart = rd_u8(r) % 3 == 0 ? rd_u64(r) : rd_u16(r);
	snprintf(rel, sizeof(rel), "%s/start", part);
	if (rd_u8(r) % 8 == 0)
		put_num(r, rel, pstart);
	else
		putf(rel, "%llu\n", pstart);
	snprintf(rel, sizeof(rel), "%s/size", part);
	put_num(r, rel, 1ULL << 30);
	snprintf(rel, sizeof(rel), "%s/partition", part);
	putf(rel, "1\n");
}

static void put_devdax(struct rd *r)
{
	static const unsigned long long aligns[] = {4096, 2 << 20, 1 << 30, 3,
						    8192};
	char rel[PATH_MAX + 32];
	uint8_t k = rd_u8(r);
	unsigned long long size = (unsigned long long)(k % 16 + 1) << 21;
	snprintf(rel, sizeof(rel), "%s/size", dax);
	if (k >> 4 == 15)
		put_num(r, rel, size);
	else
		putf(rel, "%llu\n", size);
	uint8_t a = rd_u8(r);
	char text[32];
	snprintf(text, sizeof(text), "%llu\n", aligns[a % 7 % 5]);
	snprintf(rel, sizeof(rel), "%s/align", dax);
	put_choice(r, rel, a, text);
	/* physical placement of the region and of the device's data */
	unsigned long long rs = (unsigned long long)rd_u16(r) << 30;
	unsigned long long off = (unsigned long long)rd_u8(r) << 21;
	dax_sec = off / 512;
	put_num(r, R1 "/resource", rs);
	snprintf(rel, sizeof(rel), "%s/resource", dax);
	put_num(r, rel, rs + off);
}

static void build(struct rd *r)
{
	put_domain(r, R1 "/persistence_domain");
	put_domain(r, R2 "/persistence_domain");
	put_num(r, R1 "/numa_node", 0);
	put_num(r, R1 "/deep_flush", 1);
	put_dimms(r);
	put_link(r);
	put_partition(r);
	put_devdax(r);
	char rel[PATH_MAX + 32];
	snprintf(rel, sizeof(rel), "%s/badblocks", disk);
	put_badblocks(r, rel, false);
	put_badblocks(r, R1 "/badblocks", true);
	kernel_clears = rd_u8(r) & 1;
}

/* a "kernel" that clears poison when the file's blocks are rewritten */
static void bb_cleared(void)
{
	char rel[PATH_MAX + 32];
	if (!kernel_clears)
		return;
	snprintf(rel, sizeof(rel), "%s/badblocks", disk);
	put(rel, "", 0);
	put(R1 "/badblocks", "", 0);
}

/* with well-formed DIMMs behind a file's region: the documented values */
static void ras_oracle(void)
{
	struct pmem2_source *s = NULL;
	/* FUZZ_SKIP_KNOWN=1 would skip here the findings of fuzz/README.md
	 * that are still open (none is: finding 1, ids cut at 255 bytes, is
	 * fixed and its input kept as a regression test) */
	if (pmem2_source_from_fd(&s, fz_file_fd(0)))
		fz_fail("pmem2_source_from_fd of a harness file");
	uint64_t usc = 0;
	size_t len = 0;
	int r1 = pmem2_source_device_usc(s, &usc);
	int r2 = pmem2_source_device_id(s, NULL, &len);
	char *id = r2 ? NULL : malloc(len);
	int r3 = id ? pmem2_source_device_id(s, id, &len) : -1;
	TR("oracle: usc %d (%llu, want %llu), id %d/%d (%s, want %s)", r1,
	   (unsigned long long)usc, (unsigned long long)known_usc, r2, r3,
	   id && !r3 ? id : "-", known_id);
	FZ_ASSERT(r1 == 0 && usc == known_usc,
		  "device_usc = %d (%llu), the DIMMs add up to %llu", r1,
		  (unsigned long long)usc, (unsigned long long)known_usc);
	if (r2 || r3 || strcmp(id, known_id)) {
		size_t at = 0;
		while (id && id[at] && id[at] == known_id[at])
			at++;
		fz_fail("device_id = %d/%d, %zu bytes; the DIMMs' ids joined "
			"are %zu bytes; they differ from byte %zu on",
			r2, r3, id && !r3 ? strlen(id) : 0, strlen(known_id),
			at);
	}
	free(id);
	pmem2_source_delete(&s);
}

static void extra_op(struct rd *r)
{
	uint8_t k = rd_u8(r);
	char rel[PATH_MAX + 32];
	switch (k % 6) {
	case 0: /* an unsafe shutdown: one DIMM counts one more */
		snprintf(rel, sizeof(rel),
			 FAKESYS_NDBUS "/nmem%d/nfit/dirty_shutdown",
			 (k >> 3) % NDIMM);
		put_num(r, rel, rd_u8(r));
		known_valid = false;
		break;
	case 1:
		snprintf(rel, sizeof(rel), "%s/badblocks", disk);
		put_badblocks(r, rel, false);
		break;
	case 2:
		put_badblocks(r, R1 "/badblocks", true);
		break;
	case 3:
		put_domain(r, R1 "/persistence_domain");
		break;
	case 4:
		put_devdax(r);
		break;
	default:
		if (known_valid && linkchoice < 2)
			ras_oracle();
		break;
	}
}

static const struct fz_target sysfs = {
	.name = "sysfs",
	.devzero = true,
	.extra_op = extra_op,
	.known_id = get_known_id,
	.known_usc = get_known_usc,
	.bb_cleared = bb_cleared,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct stat st;
	(void)argc;
	(void)argv;

	fz_setup(&sysfs);
	if (stat(fz_workdir(), &st))
		die("stat of the work directory");
	fsdev = st.st_dev;
	/* the tree is rewritten for every input: on tmpfs if there is one
	 * (ext4 writes a truncated file back at once); FUZZ_TREE_DIR says
	 * where (scripts/fuzz.sh gives a directory it removes afterwards) */
	const char *tmp = getenv("TMPDIR"), *td = getenv("FUZZ_TREE_DIR");
	char *save = tmp ? strdup(tmp) : NULL;
	if (!td || !*td)
		td = "/dev/shm";
	if (access(td, W_OK) == 0)
		setenv("TMPDIR", td, 1);
	int ret = fakesys_create(root, sizeof(root));
	if (save)
		setenv("TMPDIR", save, 1);
	else
		unsetenv("TMPDIR");
	free(save);
	if (ret)
		die("fakesys_create");
	atexit(remove_tree);
	if (fakesys_region(root, 1, "memory_controller") ||
	    fakesys_region(root, 2, "cpu_cache") ||
	    fakesys_fsdax(root, 1, 0, "pmem1", fsdev, disk, sizeof(disk)) ||
	    fakesys_devdax(root, 1, 1, makedev(1, 5), 1 << 21, 4096, dax,
			   sizeof(dax)))
		die("fake topology");
	for (int n = 0; n < NDIMM; n++)
		if (fakesys_dimm(root, 1, n, n, "x", "0"))
			die("fake DIMM");
	snprintf(part, sizeof(part), "%s/pmem1p1", disk);
	if (fakesys_mkdir(root, part))
		die("partition");
	/* the deep region (region3) and its disk */
	snprintf(deepdisk, sizeof(deepdisk), DEEP "/namespace3.0/block/pmem3");
	if (fakesys_mkdir(root, deepdisk) ||
	    fakesys_write(root, DEEP "/persistence_domain", "cpu_cache\n") ||
	    fakesys_symlink(root, "bus/nd/devices/region3", "../../../" DEEP) ||
	    fakesys_mkdir(root, "devices/virtual/block/vdz"))
		die("deep region");
	char rel[PATH_MAX + 32];
	snprintf(rel, sizeof(rel), "%s/badblocks", deepdisk);
	put(rel, "", 0);
	snprintf(devlink, sizeof(devlink), "dev/block/%u:%u", major(fsdev),
		 minor(fsdev));
	/* before libpmem2's first sysfs access */
	setenv("PMEM2_SYSFS_ROOT", root, 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = {data, size};
	fz_begin();
	build(&r);
	fz_ops(&r);
	fz_end();
	return 0;
}
