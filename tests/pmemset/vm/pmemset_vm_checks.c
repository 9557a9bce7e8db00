/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmemset_vm_checks.c -- libpmemset on a real DAX file system, run inside
 * the pmem-vm guest (QEMU with emulated NVDIMMs; the host has no DAX).
 *
 *   pmemset_vm_checks [CACHE_LINE|BYTE]
 *
 * The argument is the granularity parts on $PMEM_VM_FSDAX_DIR (default
 * /mnt/pmem) must get: CACHE_LINE on the default (ADR) VM, BYTE with
 * --persistence cpu. Checked: named, created and temporary sources there
 * map with that granularity; files on /tmp (no MAP_SYNC: PAGE) cannot join
 * such a set in either order (PMEMSET_E_GRANULARITY_MISMATCH) nor a set
 * that requires CACHE_LINE (PMEMSET_E_GRANULARITY_NOT_SUPPORTED); two DAX
 * files coalesce into one range whose stores reach the files; growing a
 * DAX file allocates its blocks; deep flush works; unsafe shutdown
 * detection either works or says it is not supported. Prints
 * "N passed, N failed".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpmem2.h>
#include <libpmemset.h>
#include "test.h"
/* the tree's one granularity-name helper (header-only, public API only) */
#include "../../../src/core/granularity_name.h"

#define MB ((size_t)1 << 20)

static const char *fsdax, *nosync = "/tmp";
static enum pmem2_granularity want = PMEM2_GRANULARITY_CACHE_LINE;

static struct pmemset *mkset(enum pmem2_granularity req)
{
	struct pmemset_config *cfg;
	struct pmemset *set = NULL;
	pmemset_config_new(&cfg);
	pmemset_config_set_required_store_granularity(cfg, req);
	if (pmemset_new(&set, cfg))
		printf("pmemset_new: %s\n", pmemset_errormsg());
	pmemset_config_delete(&cfg);
	return set;
}

static struct pmemset_source *file_src(const char *dir, const char *name,
				       char *path, size_t len)
{
	struct pmemset_source *src = NULL;
	snprintf(path, len, "%s/%s", dir, name);
	unlink(path);
	int r = pmemset_xsource_from_file(
		&src, path,
		PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED |
			PMEMSET_SOURCE_FILE_CREATE_MODE(0600));
	if (r)
		printf("source %s: %d %s\n", path, r, pmemset_errormsg());
	return src;
}

static int map_len(struct pmemset *set, struct pmemset_source *src, size_t len,
		   struct pmemset_part_descriptor *d)
{
	struct pmemset_map_config *mc;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_length(mc, len);
	int r = pmemset_map(set, src, mc, d);
	pmemset_map_config_delete(&mc);
	return r;
}

TEST(fsdax_granularity)
{
	char path[512];
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE);
	struct pmemset_source *src =
		file_src(fsdax, "set-a", path, sizeof(path));
	struct pmemset_part_descriptor d;
	CHECK_RC(map_len(set, src, 2 * MB, &d), 0);
	enum pmem2_granularity g = PMEM2_GRANULARITY_PAGE;
	CHECK_RC(pmemset_get_store_granularity(set, &g), 0);
	CHECK(g == want, "fsdax part granularity %s, want %s",
	      granularity_name(g), granularity_name(want));
	/* growth allocated the blocks */
	struct stat st;
	stat(path, &st);
	CHECK((size_t)st.st_size == 2 * MB &&
		      (size_t)st.st_blocks * 512 >= 2 * MB,
	      "grown and allocated: size %lld blocks %lld",
	      (long long)st.st_size, (long long)st.st_blocks);
	memset(d.addr, 0xab, 4096);
	CHECK_RC(pmemset_persist(set, d.addr, 4096), 0);
	CHECK_RC(pmemset_deep_flush(set, d.addr, 4096), 0);

	/* a temporary file on the DAX file system: same granularity */
	struct pmemset_source *tmp = NULL;
	CHECK_RC(pmemset_source_from_temporary(&tmp, fsdax), 0);
	CHECK_RC(map_len(set, tmp, 2 * MB, NULL), 0);
	pmemset_delete(&set);
	pmemset_source_delete(&tmp);
	pmemset_source_delete(&src);
	unlink(path);
}

TEST(mixed_set)
{
	char p1[512], p2[512];
	struct pmemset_source *dax = file_src(fsdax, "mix-dax", p1, sizeof(p1));
	struct pmemset_source *plain =
		file_src(nosync, "mix-plain", p2, sizeof(p2));

	/* DAX first, then /tmp */
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE);
	CHECK_RC(map_len(set, dax, 2 * MB, NULL), 0);
	CHECK_RC(map_len(set, plain, 2 * MB, NULL),
		 PMEMSET_E_GRANULARITY_MISMATCH);
	printf("  (%s)\n", pmemset_errormsg());
	pmemset_delete(&set);

	/* /tmp first, then DAX */
	set = mkset(PMEM2_GRANULARITY_PAGE);
	CHECK_RC(map_len(set, plain, 2 * MB, NULL), 0);
	enum pmem2_granularity g;
	CHECK_RC(pmemset_get_store_granularity(set, &g), 0);
	CHECK_EQ(g, PMEM2_GRANULARITY_PAGE);
	CHECK_RC(map_len(set, dax, 2 * MB, NULL),
		 PMEMSET_E_GRANULARITY_MISMATCH);
	pmemset_delete(&set);

	/* a set that needs CACHE_LINE cannot take the /tmp file at all */
	set = mkset(PMEM2_GRANULARITY_CACHE_LINE);
	CHECK_RC(map_len(set, plain, 2 * MB, NULL),
		 PMEMSET_E_GRANULARITY_NOT_SUPPORTED);
	printf("  (%s)\n", pmemset_errormsg());
	CHECK_RC(map_len(set, dax, 2 * MB, NULL), 0);
	pmemset_delete(&set);

	pmemset_source_delete(&dax);
	pmemset_source_delete(&plain);
	unlink(p1);
	unlink(p2);
}

TEST(coalesced_files)
{
	char p1[512], p2[512];
	struct pmemset_source *a = file_src(fsdax, "co-a", p1, sizeof(p1));
	struct pmemset_source *b = file_src(fsdax, "co-b", p2, sizeof(p2));
	struct pmemset *set = mkset(want);
	CHECK_RC(pmemset_set_contiguous_part_coalescing(
			 set, PMEMSET_COALESCING_FULL),
		 0);
	struct pmemset_part_descriptor d;
	CHECK_RC(map_len(set, a, 2 * MB, &d), 0);
	int r = map_len(set, b, 2 * MB, &d);
	if (r == PMEMSET_E_CANNOT_COALESCE_PARTS) {
		/* the range after the first part was taken: not an error of
		 * the library, but nothing to check here then */
		printf("  (range after the first part is taken)\n");
	} else {
		CHECK_RC(r, 0);
		CHECK_EQ(d.size, 4 * MB);
		char *base = d.addr;
		/* one store across the file boundary */
		static const char msg[] = "across two DAX files";
		char *at = base + 2 * MB - 8;
		CHECK(pmemset_memcpy(set, at, (void *)msg, sizeof(msg), 0) ==
			      at,
		      "memcpy");
		CHECK_RC(pmemset_deep_flush(set, at, sizeof(msg)), 0);
		pmemset_delete(&set);
		char buf[sizeof(msg)] = {0};
		int fa = open(p1, O_RDONLY), fb = open(p2, O_RDONLY);
		CHECK(pread(fa, buf, 8, (off_t)(2 * MB - 8)) == 8 &&
			      pread(fb, buf + 8, sizeof(msg) - 8, 0) ==
				      (ssize_t)(sizeof(msg) - 8),
		      "read back");
		CHECK(memcmp(buf, msg, sizeof(msg)) == 0, "files hold it");
		close(fa);
		close(fb);
	}
	pmemset_delete(&set);
	pmemset_source_delete(&a);
	pmemset_source_delete(&b);
	unlink(p1);
	unlink(p2);
}

TEST(sds)
{
	char p[512];
	struct pmemset_source *src = file_src(fsdax, "sds", p, sizeof(p));
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	enum pmemset_part_state st = 0;
	CHECK_RC(pmemset_source_set_sds(src, &sds, &st), 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE);
	int r = map_len(set, src, 2 * MB, NULL);
	if (r == PMEMSET_E_SDS_NOSUPP) {
		printf("  (unsafe shutdown count not available: %s)\n",
		       pmemset_errormsg());
		CHECK(strlen(pmemset_errormsg()) > 0, "explained");
	} else {
		CHECK_RC(r, 0);
		CHECK_EQ(st, PMEMSET_PART_STATE_OK);
	}
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	unlink(p);
}

int main(int argc, char *argv[])
{
	fsdax = getenv("PMEM_VM_FSDAX_DIR");
	if (!fsdax || !*fsdax)
		fsdax = "/mnt/pmem";
	if (argc > 1) {
		if (strcmp(argv[1], "BYTE") == 0)
			want = PMEM2_GRANULARITY_BYTE;
		else if (strcmp(argv[1], "CACHE_LINE") == 0)
			want = PMEM2_GRANULARITY_CACHE_LINE;
		else {
			printf("usage: %s [CACHE_LINE|BYTE]\n", argv[0]);
			return 2;
		}
	}
	printf("pmemset_vm_checks: DAX dir %s (want %s), plain dir %s\n", fsdax,
	       granularity_name(want), nosync);
	RUN(fsdax_granularity);
	RUN(mixed_set);
	RUN(coalesced_files);
	RUN(sds);
	return test_done();
}
