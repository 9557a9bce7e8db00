/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * map_multiple_files.c -- map several files back to back into one range of
 * address space, so that they can be used as if they were one region.
 *
 *   example_map_multiple_files [FILE...]
 *
 * A virtual memory reservation (pmem2_vm_reservation) holds a range of
 * address space without backing it; each file is then mapped into the
 * reservation at the offset where the previous one ended. The program writes
 * a line into each file through its own map, reads all of them back through
 * the one base address of the reservation, and walks the maps in address
 * order with pmem2_vm_reservation_map_find_first/next.
 *
 * Each FILE must exist and be at least as large as its alignment (4 KiB for
 * files, e.g. 2 MiB for a device DAX); its size is rounded down to the
 * alignment. Without FILEs three temporary files (64 KiB, 128 KiB and
 * 64 KiB) are created in $TMPDIR (or /tmp) and removed at the end.
 * The program uses the public API only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpmem2.h>

#define MAX_FILES 16

struct part {
	const char *name;
	char tmp[4096]; /* temporary file's path, "" for a user's file */
	int fd;
	struct pmem2_source *src;
	struct pmem2_map *map;
	size_t len;	/* bytes mapped */
	size_t offset;	/* where in the reservation */
};

static struct part parts[MAX_FILES];
static unsigned nparts;

static size_t align_up(size_t x, size_t a)
{
	return (x + a - 1) / a * a;
}

static int make_tmp(struct part *p, size_t size)
{
	const char *dir = getenv("TMPDIR");

	snprintf(p->tmp, sizeof(p->tmp), "%s/map_multiple.XXXXXX",
		 dir && *dir ? dir : "/tmp");
	p->fd = mkstemp(p->tmp);
	if (p->fd < 0) {
		fprintf(stderr, "mkstemp %s: %s\n", p->tmp, strerror(errno));
		p->tmp[0] = '\0';
		return -1;
	}
	if (ftruncate(p->fd, (off_t)size)) {
		fprintf(stderr, "ftruncate %s: %s\n", p->tmp, strerror(errno));
		return -1;
	}
	p->name = p->tmp;
	printf("created temporary file %s (%zu bytes)\n", p->tmp, size);
	return 0;
}

/* Map one part at its offset inside the reservation. */
static int map_part(struct part *p, struct pmem2_vm_reservation *rsv)
{
	struct pmem2_config *cfg = NULL;
	int ret = -1;

	if (pmem2_config_new(&cfg)) {
		pmem2_perror("pmem2_config_new");
		return -1;
	}
	/* PAGE: works on any file; persist makes stores durable */
	if (pmem2_config_set_required_store_granularity(
		    cfg, PMEM2_GRANULARITY_PAGE) ||
	    pmem2_config_set_length(cfg, p->len) ||
	    /* the one line that makes this map land inside the
	     * reservation, at the given offset */
	    pmem2_config_set_vm_reservation(cfg, rsv, p->offset)) {
		pmem2_perror("pmem2_config_set_*");
		goto out;
	}
	if (pmem2_map_new(&p->map, cfg, p->src)) {
		pmem2_perror("pmem2_map_new(%s)", p->name);
		goto out;
	}
	ret = 0;
out:
	pmem2_config_delete(&cfg);
	return ret;
}

int main(int argc, char *argv[])
{
	static const size_t tmp_sizes[] = {64 << 10, 128 << 10, 64 << 10};
	struct pmem2_vm_reservation *rsv = NULL;
	size_t total = 0;
	int ret = 1;

	if (argc - 1 > MAX_FILES) {
		fprintf(stderr, "at most %d files\n", MAX_FILES);
		return 1;
	}

	/* 1. Open the files (or make temporary ones) and make sources. */
	nparts = argc > 1 ? (unsigned)argc - 1 : 3;
	for (unsigned i = 0; i < nparts; i++) {
		struct part *p = &parts[i];
		p->fd = -1;
		if (argc > 1) {
			p->name = argv[i + 1];
			p->fd = open(p->name, O_RDWR);
			if (p->fd < 0) {
				fprintf(stderr, "open %s: %s\n", p->name,
					strerror(errno));
				goto out;
			}
		} else if (make_tmp(p, tmp_sizes[i])) {
			goto out;
		}
		if (pmem2_source_from_fd(&p->src, p->fd)) {
			pmem2_perror("pmem2_source_from_fd(%s)", p->name);
			goto out;
		}
	}

	/* 2. Lay the parts out one after another. A map must start at a
	 * multiple of its source's alignment and cover a multiple of it. */
	for (unsigned i = 0; i < nparts; i++) {
		struct part *p = &parts[i];
		size_t size, align;
		if (pmem2_source_size(p->src, &size) ||
		    pmem2_source_alignment(p->src, &align)) {
			pmem2_perror("%s", p->name);
			goto out;
		}
		p->len = size / align * align;
		if (p->len == 0) {
			fprintf(stderr, "%s: %zu bytes is less than its "
					"alignment %zu\n",
				p->name, size, align);
			goto out;
		}
		p->offset = align_up(total, align);
		total = p->offset + p->len;
	}

	/* 3. Reserve the address space for all of them at once. */
	if (pmem2_vm_reservation_new(&rsv, NULL, total)) {
		pmem2_perror("pmem2_vm_reservation_new(%zu bytes)", total);
		goto out;
	}
	char *base = pmem2_vm_reservation_get_address(rsv);
	printf("reserved %zu bytes of address space at %p\n",
	       pmem2_vm_reservation_get_size(rsv), (void *)base);

	/* 4. Map every file into it and write a line through its own map. */
	for (unsigned i = 0; i < nparts; i++) {
		struct part *p = &parts[i];
		char line[128];
		if (map_part(p, rsv))
			goto out;
		char *addr = pmem2_map_get_address(p->map);
		printf("mapped %s: %zu bytes at %p (reservation offset %zu)\n",
		       p->name, p->len, (void *)addr, p->offset);
		if (addr != base + p->offset) {
			fprintf(stderr, "map is not where it was put\n");
			goto out;
		}
		int n = snprintf(line, sizeof(line), "part %u of %u", i + 1,
				 nparts);
		pmem2_memcpy_fn memcpy_fn = pmem2_get_memcpy_fn(p->map);
		memcpy_fn(addr, line, (size_t)n + 1, 0); /* copy + persist */
	}

	/* 5. The maps are contiguous: one pointer reaches every file. */
	for (unsigned i = 0; i + 1 < nparts; i++) {
		char *end = (char *)pmem2_map_get_address(parts[i].map) +
			pmem2_map_get_size(parts[i].map);
		char *next = pmem2_map_get_address(parts[i + 1].map);
		printf("part %u ends at %p, part %u starts at %p: %s\n", i + 1,
		       (void *)end, i + 2, (void *)next,
		       end == next ? "contiguous" : "gap (alignment)");
	}
	for (unsigned i = 0; i < nparts; i++)
		printf("base + %zu reads \"%s\"\n", parts[i].offset,
		       base + parts[i].offset);

	/* 6. The reservation knows its maps, in address order. */
	struct pmem2_map *m = NULL;
	unsigned found = 0;
	int r = pmem2_vm_reservation_map_find_first(rsv, &m);
	while (r == 0) {
		found++;
		r = pmem2_vm_reservation_map_find_next(rsv, m, &m);
	}
	if (r != PMEM2_E_MAPPING_NOT_FOUND) {
		pmem2_perror("pmem2_vm_reservation_map_find_next");
		goto out;
	}
	printf("the reservation holds %u maps\n", found);
	if (found != nparts)
		goto out;
	ret = 0;
out:
	/* 7. Unmap everything, then release the (now empty) reservation. */
	for (unsigned i = 0; i < nparts; i++) {
		struct part *p = &parts[i];
		if (p->map && pmem2_map_delete(&p->map)) {
			pmem2_perror("pmem2_map_delete");
			ret = 1;
		}
		pmem2_source_delete(&p->src);
		if (p->fd >= 0)
			close(p->fd);
		if (p->tmp[0]) {
			unlink(p->tmp);
			printf("removed %s\n", p->tmp);
		}
	}
	if (rsv && pmem2_vm_reservation_delete(&rsv)) {
		pmem2_perror("pmem2_vm_reservation_delete");
		ret = 1;
	}
	if (ret == 0)
		printf("done: %u files mapped contiguously, written and "
		       "unmapped\n",
		       nparts);
	return ret;
}
