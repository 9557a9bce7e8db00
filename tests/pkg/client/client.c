/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * client.c -- the smallest real client of an installed libpmem2 (and, with
 * WITH_PMEMSET, libpmemset), built by the install and package tests
 * (tests/scripts/test_install.sh, tests/pkg/in_root.sh) through
 * pkg-config, find_package and pkg_check_modules. It maps FILE, copies a
 * string into it durably and, with WITH_PMEMSET, makes and deletes a set.
 * Uses only functions PMDK 1.12.1 has, so a build against ours must also
 * run on Debian's PMDK. Prints "client ok" and exits 0 on success.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#ifdef WITH_PMEMSET
#include <libpmemset.h>
#else
#include <libpmem2.h>
#endif

static int map_and_copy(const char *path)
{
	struct pmem2_config *cfg = NULL;
	struct pmem2_source *src = NULL;
	struct pmem2_map *map = NULL;
	int ret = 1;
	int fd = open(path, O_RDWR);

	if (fd < 0) {
		perror(path);
		return 1;
	}
	if (pmem2_config_new(&cfg) ||
	    pmem2_config_set_required_store_granularity(
		    cfg, PMEM2_GRANULARITY_PAGE) ||
	    pmem2_source_from_fd(&src, fd) || pmem2_map_new(&map, cfg, src)) {
		pmem2_perror("client");
		goto out;
	}
	pmem2_get_memcpy_fn(map)(pmem2_map_get_address(map), "durable", 8, 0);
	ret = 0;
	pmem2_map_delete(&map);
out:
	pmem2_source_delete(&src);
	pmem2_config_delete(&cfg);
	close(fd);
	return ret;
}

#ifdef WITH_PMEMSET
static int make_set(void)
{
	struct pmemset_config *cfg = NULL;
	struct pmemset *set = NULL;
	int ret = 1;

	if (pmemset_config_new(&cfg) ||
	    pmemset_config_set_required_store_granularity(
		    cfg, PMEM2_GRANULARITY_PAGE) ||
	    pmemset_new(&set, cfg)) {
		pmemset_perror("client");
		goto out;
	}
	ret = 0;
	pmemset_delete(&set);
out:
	pmemset_config_delete(&cfg);
	return ret;
}
#endif

int main(int argc, char *argv[])
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	if (map_and_copy(argv[1]))
		return 1;
#ifdef WITH_PMEMSET
	if (make_set())
		return 1;
#endif
	printf("client ok\n");
	return 0;
}
