/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * map_persist.c -- the smallest complete libpmem2 program: map a file,
 * store a string in it, make the store durable, and read it back.
 *
 *   example_map_persist [FILE]
 *
 * FILE must exist and be at least 4 KiB (on a DAX filesystem such as
 * /mnt/pmem the stores reach persistent memory; anywhere else the library
 * falls back to msync and the program works just the same). Without FILE a
 * 2 MiB temporary file is created in $TMPDIR (or /tmp) and removed at the
 * end. The program uses the public API only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpmem2.h>
/* granularity_name(): the tree's one granularity-name helper, header-only
 * on <libpmem2.h>; copy it when building this example outside the tree */
#include "../src/core/granularity_name.h"

#define TMP_SIZE ((off_t)2 << 20)

static const char message[] = "Hello, persistent memory";

/* what each store granularity means for the program */
static const char *const gran_meaning[] = {
	[PMEM2_GRANULARITY_BYTE] = "stores are durable once they leave the CPU",
	[PMEM2_GRANULARITY_CACHE_LINE] = "CPU caches are flushed",
	[PMEM2_GRANULARITY_PAGE] = "pages are written back with msync",
};

/* Open argv[1], or create a temporary file (its name goes to tmp). */
static int open_file(int argc, char *argv[], char *tmp, size_t tmplen)
{
	int fd;

	if (argc > 1) {
		fd = open(argv[1], O_RDWR);
		if (fd < 0)
			fprintf(stderr, "open %s: %s\n", argv[1],
				strerror(errno));
		return fd;
	}
	const char *dir = getenv("TMPDIR");
	snprintf(tmp, tmplen, "%s/map_persist.XXXXXX",
		 dir && *dir ? dir : "/tmp");
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "mkstemp %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if (ftruncate(fd, TMP_SIZE)) {
		fprintf(stderr, "ftruncate %s: %s\n", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	printf("created temporary file %s (%lld bytes)\n", tmp,
	       (long long)TMP_SIZE);
	return fd;
}

int main(int argc, char *argv[])
{
	char tmp[4096] = "";
	struct pmem2_source *src = NULL;
	struct pmem2_config *cfg = NULL;
	struct pmem2_map *map = NULL;
	int ret = 1;

	int fd = open_file(argc, argv, tmp, sizeof(tmp));
	if (fd < 0)
		return 1;
	const char *name = argc > 1 ? argv[1] : tmp;

	/* 1. A source describes what will be mapped: here, an open file. */
	if (pmem2_source_from_fd(&src, fd)) {
		pmem2_perror("pmem2_source_from_fd");
		goto out;
	}

	/* 2. A config says how to map it. The granularity is the coarsest
	 * the program can live with: PAGE means "I will call persist for
	 * every store I need durable", which works on any file. A program
	 * that wanted to avoid msync would require CACHE_LINE, and the map
	 * would then fail on a file that is not on a DAX filesystem. */
	if (pmem2_config_new(&cfg)) {
		pmem2_perror("pmem2_config_new");
		goto out;
	}
	if (pmem2_config_set_required_store_granularity(
		    cfg, PMEM2_GRANULARITY_PAGE)) {
		pmem2_perror("pmem2_config_set_required_store_granularity");
		goto out;
	}

	/* 3. Map the whole file (offset 0, length 0 = to the end). */
	if (pmem2_map_new(&map, cfg, src)) {
		pmem2_perror("pmem2_map_new(%s)", name);
		goto out;
	}
	char *addr = pmem2_map_get_address(map);
	size_t size = pmem2_map_get_size(map);
	printf("mapped %s: %zu bytes at %p\n", name, size, (void *)addr);
	enum pmem2_granularity g = pmem2_map_get_store_granularity(map);
	printf("store granularity: %s (%s)\n", granularity_name(g),
	       gran_meaning[g]);

	if (size < sizeof(message) + 1) {
		fprintf(stderr, "%s is too small (%zu bytes) for the message\n",
			name, size);
		goto out;
	}

	/* 4. Store the string. The map's memcpy copies AND makes the copy
	 * durable (flags 0: no PMEM2_F_MEM_NODRAIN), using whatever this
	 * mapping needs: nothing extra, cache flushes, or msync. */
	pmem2_memcpy_fn memcpy_fn = pmem2_get_memcpy_fn(map);
	size_t len = strlen(message);
	memcpy_fn(addr, message, len, 0);
	printf("wrote \"%s\" (%zu bytes) with the map's memcpy function\n",
	       message, len);

	/* 5. Plain CPU stores work too; they become durable once the map's
	 * persist function has been called on them. */
	pmem2_persist_fn persist_fn = pmem2_get_persist_fn(map);
	addr[len] = '!';
	addr[len + 1] = '\0';
	persist_fn(addr + len, 2);
	printf("stored \"!\" and a terminating NUL at offset %zu with plain "
	       "stores and persisted them\n",
	       len);

	printf("the file now starts with: \"%s\"\n", addr);
	ret = 0;
out:
	if (map && pmem2_map_delete(&map)) {
		pmem2_perror("pmem2_map_delete");
		ret = 1;
	}
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
	close(fd);
	if (tmp[0]) {
		unlink(tmp);
		printf("removed %s\n", tmp);
	}
	return ret;
}
