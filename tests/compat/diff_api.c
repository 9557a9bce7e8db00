/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * diff_api.c -- the differential test: one program, built twice.
 *
 * Built against PMDK's installed header and library, and against ours, it
 * runs the same sequence of public-API calls on both and prints one line
 * per check:
 *
 *	<name>: rc=<code> value=<properties>[ msg=set|empty]
 *
 * rc is symbolic (0, PMEM2_E_..., -EINVAL); value holds only properties
 * that do not depend on where things landed (sizes, granularities, whether
 * an address is 2 MiB aligned, page protections from /proc/self/maps,
 * whether written data reached the file); msg says, after a failed call,
 * whether the call left a message in pmem2_errormsg() (the buffer is
 * emptied before each call). run_diff.sh diffs the two outputs, allowing
 * only the differences listed in expected-differences.txt.
 *
 * Calls that crash or hang PMDK 1.12.1 are not made here (see pinned.c).
 * pmem2_err_to_errno is not called: PMDK does not export it. A watchdog
 * ends the run if a call hangs.
 *
 * Files live in /tmp (or $COMPAT_DIR): not DAX, so file maps are PAGE.
 * With COMPAT_EXPECT_LIB set, the program first checks that the libpmem2
 * the loader mapped is that file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpmem2.h>
/* the tree's one granularity-name helper (header-only, public API only) */
#include "../../src/core/granularity_name.h"

#include "compat.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define GiB ((size_t)1 << 30)
#define PAGE ((size_t)4096)
#define FSIZE (8 * MiB)
#define GRAN_UNSET (-1)

static int rc_;			 /* result of the last CALL */
static int msg_;		 /* did it leave a message */
static const char *current = ""; /* name of the check in progress */
static char dir[1024];		 /* where the files go */
static char path_rw[1100];	 /* the main FSIZE file */

/* ---- reporting */

static void clear_msg(void)
{
	/* both libraries return their thread-local buffer: empty it so that
	 * a stale message of an earlier call is not taken for a new one */
	char *m = (char *)pmem2_errormsg();
	if (m)
		m[0] = '\0';
}

#define CALL(e)                                                              \
	do {                                                                 \
		clear_msg();                                                 \
		rc_ = (e);                                                   \
		msg_ = pmem2_errormsg() != NULL &&                           \
		       pmem2_errormsg()[0] != '\0';                          \
	} while (0)

static const char *rc_name(int rc)
{
	static char buf[64];
	static const struct {
		int v;
		const char *n;
	} codes[] = {
#define C(x) { PMEM2_E_##x, "PMEM2_E_" #x }
		C(UNKNOWN), C(NOSUPP), C(FILE_HANDLE_NOT_SET),
		C(INVALID_FILE_HANDLE), C(INVALID_FILE_TYPE), C(MAP_RANGE),
		C(MAPPING_EXISTS), C(GRANULARITY_NOT_SET),
		C(GRANULARITY_NOT_SUPPORTED), C(OFFSET_OUT_OF_RANGE),
		C(OFFSET_UNALIGNED), C(INVALID_ALIGNMENT_FORMAT),
		C(INVALID_ALIGNMENT_VALUE), C(INVALID_SIZE_FORMAT),
		C(LENGTH_UNALIGNED), C(MAPPING_NOT_FOUND), C(BUFFER_TOO_SMALL),
		C(SOURCE_EMPTY), C(INVALID_SHARING_VALUE),
		C(SRC_DEVDAX_PRIVATE), C(INVALID_ADDRESS_REQUEST_TYPE),
		C(ADDRESS_UNALIGNED), C(ADDRESS_NULL), C(DEEP_FLUSH_RANGE),
		C(INVALID_REGION_FORMAT), C(DAX_REGION_NOT_FOUND),
		C(INVALID_DEV_FORMAT), C(CANNOT_READ_BOUNDS),
		C(NO_BAD_BLOCK_FOUND), C(LENGTH_OUT_OF_RANGE),
		C(INVALID_PROT_FLAG), C(NO_ACCESS), C(VM_RESERVATION_NOT_EMPTY),
		C(MAP_EXISTS), C(FILE_DESCRIPTOR_NOT_SET),
		C(SOURCE_TYPE_NOT_SUPPORTED), C(IO_FAIL),
#undef C
	};

	if (rc == 0)
		return "0";
	for (size_t i = 0; i < ARRAY_N(codes); i++)
		if (codes[i].v == rc)
			return codes[i].n;
	if (rc < 0 && rc > -4096 && strerrorname_np(-rc))
		snprintf(buf, sizeof(buf), "-%s", strerrorname_np(-rc));
	else
		snprintf(buf, sizeof(buf), "%d", rc);
	return buf;
}

/* "<name>: rc=<rc_> value=<fmt...>[ msg=...]" */
__attribute__((format(printf, 2, 3))) static void out(const char *name,
						     const char *fmt, ...)
{
	va_list ap;

	printf("%s: rc=%s value=", name, rc_name(rc_));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (rc_ != 0)
		printf(" msg=%s", msg_ ? "set" : "empty");
	printf("\n");
	fflush(stdout);
}

/* a line for something that has no return code (memcpy, persist...) */
__attribute__((format(printf, 2, 3))) static void outv(const char *name,
						      const char *fmt, ...)
{
	va_list ap;

	printf("%s: rc=none value=", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char m[] = "TIMEOUT: a call did not return in ";
	if (write(1, m, sizeof(m) - 1) < 0 ||
	    write(1, current, strlen(current)) < 0 || write(1, "\n", 1) < 0)
		_exit(3);
	_exit(3);
}

static void die(const char *what)
{
	printf("SETUP FAILED: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int aligned(const void *p, size_t a)
{
	return ((uintptr_t)p % a) == 0;
}

/* properties of a live map */
static const char *describe(struct pmem2_map *map)
{
	static char buf[256];
	char perms[16];
	void *a = pmem2_map_get_address(map);

	snprintf(buf, sizeof(buf), "size=%zu gran=%s aligned2m=%d perms=%s",
		 pmem2_map_get_size(map),
		 granularity_name(pmem2_map_get_store_granularity(map)),
		 aligned(a, 2 * MiB), compat_perms(a, perms));
	return buf;
}

static int open_file(size_t size, int flags)
{
	char p[1100];
	snprintf(p, sizeof(p), "%s/pmem2-diff.XXXXXX", dir);
	int fd = mkostemp(p, flags & O_APPEND);
	if (fd < 0)
		die("mkostemp");
	if (size && ftruncate(fd, (off_t)size))
		die("ftruncate");
	unlink(p);
	return fd;
}

/* ---- config */

static void config_setters(void)
{
	struct pmem2_config *cfg = NULL;

	current = "cfg";
	CALL(pmem2_config_new(&cfg));
	out("cfg_new", "nonnull=%d", cfg != NULL);
	if (!cfg)
		exit(2);

	static const struct {
		const char *n;
		int g;
	} grans[] = { { "cfg_gran_byte", PMEM2_GRANULARITY_BYTE },
		      { "cfg_gran_cache_line", PMEM2_GRANULARITY_CACHE_LINE },
		      { "cfg_gran_page", PMEM2_GRANULARITY_PAGE },
		      { "cfg_gran_3", 3 },
		      { "cfg_gran_minus1", -1 },
		      { "cfg_gran_1000", 1000 } };
	for (size_t i = 0; i < ARRAY_N(grans); i++) {
		CALL(pmem2_config_set_required_store_granularity(cfg,
			(enum pmem2_granularity)grans[i].g));
		out(grans[i].n, "-");
	}

	static const struct {
		const char *n;
		size_t v;
	} offs[] = { { "cfg_offset_0", 0 },
		     { "cfg_offset_4097", 4097 },
		     { "cfg_offset_int64max", (size_t)INT64_MAX },
		     { "cfg_offset_int64max_plus1", (size_t)INT64_MAX + 1 },
		     { "cfg_offset_sizemax", SIZE_MAX } };
	for (size_t i = 0; i < ARRAY_N(offs); i++) {
		CALL(pmem2_config_set_offset(cfg, offs[i].v));
		out(offs[i].n, "-");
	}

	static const struct {
		const char *n;
		size_t v;
	} lens[] = { { "cfg_length_0", 0 },
		     { "cfg_length_1", 1 },
		     { "cfg_length_sizemax", SIZE_MAX } };
	for (size_t i = 0; i < ARRAY_N(lens); i++) {
		CALL(pmem2_config_set_length(cfg, lens[i].v));
		out(lens[i].n, "-");
	}

	static const struct {
		const char *n;
		int v;
	} shr[] = { { "cfg_sharing_shared", PMEM2_SHARED },
		    { "cfg_sharing_private", PMEM2_PRIVATE },
		    { "cfg_sharing_2", 2 },
		    { "cfg_sharing_minus1", -1 } };
	for (size_t i = 0; i < ARRAY_N(shr); i++) {
		CALL(pmem2_config_set_sharing(cfg,
			(enum pmem2_sharing_type)shr[i].v));
		out(shr[i].n, "-");
	}

	static const struct {
		const char *n;
		unsigned v;
	} prot[] = {
		{ "cfg_prot_none", PMEM2_PROT_NONE },
		{ "cfg_prot_read", PMEM2_PROT_READ },
		{ "cfg_prot_write", PMEM2_PROT_WRITE },
		{ "cfg_prot_exec", PMEM2_PROT_EXEC },
		{ "cfg_prot_rw", PMEM2_PROT_READ | PMEM2_PROT_WRITE },
		{ "cfg_prot_rwx",
		  PMEM2_PROT_READ | PMEM2_PROT_WRITE | PMEM2_PROT_EXEC },
		{ "cfg_prot_mman_read", PROT_READ },
		{ "cfg_prot_bit28", 1U << 28 },
		{ "cfg_prot_read_bit0", PMEM2_PROT_READ | 1U },
		{ "cfg_prot_all_ones", ~0U },
	};
	for (size_t i = 0; i < ARRAY_N(prot); i++) {
		CALL(pmem2_config_set_protection(cfg, prot[i].v));
		out(prot[i].n, "-");
	}

	CALL(pmem2_config_set_vm_reservation(cfg, NULL, 0));
	out("cfg_rsv_null", "-");
	CALL(pmem2_config_set_vm_reservation(cfg, NULL, 12345));
	out("cfg_rsv_null_offset", "-");

	CALL(pmem2_config_delete(&cfg));
	out("cfg_delete", "cleared=%d", cfg == NULL);
	CALL(pmem2_config_delete(&cfg));
	out("cfg_delete_null", "cleared=%d", cfg == NULL);
}

/* ---- sources */

static void source_from(const char *name, int fd)
{
	struct pmem2_source *src = (struct pmem2_source *)&src;

	current = name;
	CALL(pmem2_source_from_fd(&src, fd));
	if (rc_ == 0) {
		out(name, "-");
		pmem2_source_delete(&src);
	} else {
		out(name, "src_null=%d", src == NULL);
	}
}

static void sources(void)
{
	int fd, pfd[2];
	struct pmem2_source *src = NULL;
	size_t sz;

	source_from("src_fd_minus1", -1);
	source_from("src_fd_closed", 98765);

	fd = open(path_rw, O_WRONLY);
	source_from("src_fd_wronly", fd);
	close(fd);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	source_from("src_fd_dir", fd);
	close(fd);
	if (pipe(pfd))
		die("pipe");
	source_from("src_fd_pipe", pfd[0]);
	close(pfd[0]);
	close(pfd[1]);
	fd = open("/dev/null", O_RDWR);
	source_from("src_fd_devnull", fd);
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	source_from("src_fd_socket", fd);
	close(fd);
	fd = open(path_rw, O_RDONLY);
	source_from("src_fd_rdonly", fd);
	close(fd);
	fd = open(path_rw, O_RDWR);
	source_from("src_fd_rdwr", fd);
	close(fd);
	fd = open(path_rw, O_RDWR | O_APPEND);
	source_from("src_fd_append", fd);
	close(fd);
	fd = open(path_rw, O_PATH);
	source_from("src_fd_opath", fd);
	close(fd);

	static const struct {
		const char *n;
		size_t v;
	} anon[] = { { "src_anon_0", 0 },
		     { "src_anon_4096", 4096 },
		     { "src_anon_4097", 4097 },
		     { "src_anon_sizemax", SIZE_MAX } };
	for (size_t i = 0; i < ARRAY_N(anon); i++) {
		current = anon[i].n;
		CALL(pmem2_source_from_anon(&src, anon[i].v));
		if (rc_ == 0) {
			sz = 0;
			pmem2_source_size(src, &sz);
			out(anon[i].n, "size_ok=%d", sz == anon[i].v);
			pmem2_source_delete(&src);
		} else {
			out(anon[i].n, "src_null=%d", src == NULL);
		}
	}

	/* getters on a file source and an anonymous one */
	int fds[2];
	const char *kind[2] = { "file", "anon" };
	struct pmem2_source *srcs[2] = { NULL, NULL };
	fds[0] = open(path_rw, O_RDWR);
	pmem2_source_from_fd(&srcs[0], fds[0]);
	pmem2_source_from_anon(&srcs[1], 3 * MiB + 5);
	for (int i = 0; i < 2; i++) {
		char n[64];
		int got = -7;
		size_t v = 7;

		current = kind[i];
		snprintf(n, sizeof(n), "src_get_fd_%s", kind[i]);
		CALL(pmem2_source_get_fd(srcs[i], &got));
		out(n, "same=%d untouched=%d", i == 0 && got == fds[0],
		    got == -7);
		snprintf(n, sizeof(n), "src_size_%s", kind[i]);
		CALL(pmem2_source_size(srcs[i], &v));
		out(n, "%zu", v);
		v = 7;
		snprintf(n, sizeof(n), "src_alignment_%s", kind[i]);
		CALL(pmem2_source_alignment(srcs[i], &v));
		out(n, "%zu", v);
	}
	CALL(pmem2_source_delete(&srcs[0]));
	out("src_delete_file", "cleared=%d", srcs[0] == NULL);
	CALL(pmem2_source_delete(&srcs[1]));
	out("src_delete_anon", "cleared=%d", srcs[1] == NULL);
	CALL(pmem2_source_delete(&srcs[1]));
	out("src_delete_null", "cleared=%d", srcs[1] == NULL);
	close(fds[0]);

	/* sizes of odd files */
	static const struct {
		const char *n;
		size_t v;
	} files[] = { { "src_size_empty", 0 },
		      { "src_size_unaligned", MiB + 123 } };
	for (size_t i = 0; i < ARRAY_N(files); i++) {
		fd = open_file(files[i].v, 0);
		pmem2_source_from_fd(&src, fd);
		sz = 7;
		current = files[i].n;
		CALL(pmem2_source_size(src, &sz));
		out(files[i].n, "%zu", sz);
		pmem2_source_delete(&src);
		close(fd);
	}
	fd = open(path_rw, O_PATH);
	CALL(pmem2_source_from_fd(&src, fd));
	if (rc_ == 0) {
		sz = 7;
		CALL(pmem2_source_size(src, &sz));
		out("src_size_opath", "%zu", sz);
		pmem2_source_delete(&src);
	} else {
		out("src_size_opath", "source_refused");
	}
	close(fd);
}

/* ---- pmem2_map_new */

struct params {
	int gran; /* GRAN_UNSET: not set */
	size_t offset;
	size_t length;
	int sharing;
	unsigned prot;
	struct pmem2_vm_reservation *rsv;
	size_t rsv_offset;
};

static const struct params DEFAULTS = {
	.gran = PMEM2_GRANULARITY_PAGE,
	.sharing = PMEM2_SHARED,
	.prot = PMEM2_PROT_READ | PMEM2_PROT_WRITE,
};

/* map src with p; prints the line; returns the map (or NULL) if keep,
 * else deletes it */
static struct pmem2_map *try_map(const char *name,
				 struct pmem2_source *src,
				 const struct params *p, int keep)
{
	struct pmem2_config *cfg = NULL;
	struct pmem2_map *map = (struct pmem2_map *)&cfg;

	current = name;
	if (pmem2_config_new(&cfg))
		die("pmem2_config_new");
	if (p->gran != GRAN_UNSET)
		pmem2_config_set_required_store_granularity(cfg,
			(enum pmem2_granularity)p->gran);
	pmem2_config_set_offset(cfg, p->offset);
	pmem2_config_set_length(cfg, p->length);
	pmem2_config_set_sharing(cfg, (enum pmem2_sharing_type)p->sharing);
	pmem2_config_set_protection(cfg, p->prot);
	if (p->rsv)
		pmem2_config_set_vm_reservation(cfg, p->rsv, p->rsv_offset);
	CALL(pmem2_map_new(&map, cfg, src));
	pmem2_config_delete(&cfg);
	if (rc_ != 0) {
		out(name, "map_null=%d", map == NULL);
		return NULL;
	}
	if (p->rsv)
		out(name, "%s at_offset=%d", describe(map),
		    (char *)pmem2_map_get_address(map) ==
			    (char *)pmem2_vm_reservation_get_address(p->rsv) +
				    p->rsv_offset);
	else
		out(name, "%s", describe(map));
	if (keep)
		return map;
	pmem2_map_delete(&map);
	return NULL;
}

static struct pmem2_source *file_source(int fd)
{
	struct pmem2_source *src = NULL;
	if (pmem2_source_from_fd(&src, fd))
		die("pmem2_source_from_fd");
	return src;
}

static void map_file_cases(void)
{
	int fd = open(path_rw, O_RDWR);
	struct pmem2_source *src = file_source(fd);
	struct params p;

	p = DEFAULTS;
	p.gran = GRAN_UNSET;
	try_map("map_gran_unset", src, &p, 0);
	p = DEFAULTS;
	p.gran = PMEM2_GRANULARITY_BYTE;
	try_map("map_gran_byte", src, &p, 0);
	p.gran = PMEM2_GRANULARITY_CACHE_LINE;
	try_map("map_gran_cache_line", src, &p, 0);
	p.gran = PMEM2_GRANULARITY_PAGE;
	try_map("map_gran_page", src, &p, 0);

	static const struct {
		const char *n;
		size_t off, len;
	} ranges[] = {
		{ "map_off_4096", 4096, 0 },
		{ "map_off_4097", 4097, 0 },
		{ "map_off_fsize_minus_page", FSIZE - PAGE, 0 },
		{ "map_off_fsize", FSIZE, 0 },
		{ "map_off_fsize_plus_page", FSIZE + PAGE, 0 },
		{ "map_off_huge", (size_t)INT64_MAX & ~(PAGE - 1), 0 },
		{ "map_len_4096", 0, 4096 },
		{ "map_len_4095", 0, 4095 },
		{ "map_len_4097", 0, 4097 },
		{ "map_len_fsize", 0, FSIZE },
		{ "map_len_fsize_plus_page", 0, FSIZE + PAGE },
		{ "map_len_huge", 0, SIZE_MAX & ~(PAGE - 1) },
		{ "map_off_len_mid", MiB, 2 * MiB },
		{ "map_off_len_to_end", MiB, FSIZE - MiB },
		{ "map_off_len_past_end", MiB, FSIZE },
		{ "map_off_len_overflow", (size_t)INT64_MAX & ~(PAGE - 1),
		  SIZE_MAX & ~(PAGE - 1) },
		{ "map_off_unaligned_len_unaligned", 100, 100 },
	};
	for (size_t i = 0; i < ARRAY_N(ranges); i++) {
		p = DEFAULTS;
		p.offset = ranges[i].off;
		p.length = ranges[i].len;
		try_map(ranges[i].n, src, &p, 0);
	}

	static const struct {
		const char *n;
		int sharing;
		unsigned prot;
	} modes[] = {
		{ "map_private", PMEM2_PRIVATE,
		  PMEM2_PROT_READ | PMEM2_PROT_WRITE },
		{ "map_prot_read", PMEM2_SHARED, PMEM2_PROT_READ },
		{ "map_prot_write", PMEM2_SHARED, PMEM2_PROT_WRITE },
		{ "map_prot_none", PMEM2_SHARED, PMEM2_PROT_NONE },
		{ "map_prot_read_exec", PMEM2_SHARED,
		  PMEM2_PROT_READ | PMEM2_PROT_EXEC },
		{ "map_private_prot_read", PMEM2_PRIVATE, PMEM2_PROT_READ },
		{ "map_private_prot_none", PMEM2_PRIVATE, PMEM2_PROT_NONE },
	};
	for (size_t i = 0; i < ARRAY_N(modes); i++) {
		p = DEFAULTS;
		p.sharing = modes[i].sharing;
		p.prot = modes[i].prot;
		try_map(modes[i].n, src, &p, 0);
	}
	p = DEFAULTS;
	p.sharing = PMEM2_PRIVATE;
	p.gran = PMEM2_GRANULARITY_BYTE;
	try_map("map_private_gran_byte", src, &p, 0);

	/* the same config twice: two maps */
	p = DEFAULTS;
	struct pmem2_map *a = try_map("map_twice_1", src, &p, 1);
	struct pmem2_map *b = try_map("map_twice_2", src, &p, 1);
	if (a && b) {
		rc_ = 0;
		out("map_twice_distinct", "%d",
		    pmem2_map_get_address(a) != pmem2_map_get_address(b));
	}
	if (a) {
		void *addr = pmem2_map_get_address(a);
		CALL(pmem2_map_delete(&a));
		out("map_delete", "cleared=%d unmapped=%d", a == NULL,
		    !compat_range_mapped(addr, PAGE));
	}
	if (b)
		pmem2_map_delete(&b);
	pmem2_source_delete(&src);
	close(fd);

	/* other ways of opening the file */
	static const struct {
		const char *n;
		int flags;
		int sharing;
		unsigned prot;
	} opens[] = {
		{ "map_rdonly_rw", O_RDONLY, PMEM2_SHARED,
		  PMEM2_PROT_READ | PMEM2_PROT_WRITE },
		{ "map_rdonly_read", O_RDONLY, PMEM2_SHARED, PMEM2_PROT_READ },
		{ "map_rdonly_private_rw", O_RDONLY, PMEM2_PRIVATE,
		  PMEM2_PROT_READ | PMEM2_PROT_WRITE },
		{ "map_append_rw", O_RDWR | O_APPEND, PMEM2_SHARED,
		  PMEM2_PROT_READ | PMEM2_PROT_WRITE },
		{ "map_append_read", O_RDWR | O_APPEND, PMEM2_SHARED,
		  PMEM2_PROT_READ },
		{ "map_opath", O_PATH, PMEM2_SHARED,
		  PMEM2_PROT_READ | PMEM2_PROT_WRITE },
	};
	for (size_t i = 0; i < ARRAY_N(opens); i++) {
		fd = open(path_rw, opens[i].flags);
		if (fd < 0)
			die("open");
		src = NULL;
		CALL(pmem2_source_from_fd(&src, fd));
		if (rc_ == 0) {
			p = DEFAULTS;
			p.sharing = opens[i].sharing;
			p.prot = opens[i].prot;
			try_map(opens[i].n, src, &p, 0);
			pmem2_source_delete(&src);
		} else {
			out(opens[i].n, "source_refused");
		}
		close(fd);
	}

	/* odd file sizes */
	static const struct {
		const char *n;
		size_t size, off;
	} odd[] = {
		{ "map_empty_file", 0, 0 },
		{ "map_unaligned_file", MiB + 123, 0 },
		{ "map_unaligned_file_off", MiB + 123, MiB },
		{ "map_unaligned_file_off_past", MiB + 123, MiB + PAGE },
		{ "map_small_file", 100, 0 },
	};
	for (size_t i = 0; i < ARRAY_N(odd); i++) {
		fd = open_file(odd[i].size, 0);
		src = file_source(fd);
		p = DEFAULTS;
		p.offset = odd[i].off;
		try_map(odd[i].n, src, &p, 0);
		pmem2_source_delete(&src);
		close(fd);
	}

	/* a source whose descriptor was closed after the source was made
	 * (PMDK's pmem2_map test_map_invalid_fd): both libraries document
	 * PMEM2_E_INVALID_FILE_HANDLE */
	fd = open(path_rw, O_RDWR);
	src = file_source(fd);
	close(fd);
	size_t sz = 7;
	current = "src_size_closed_fd";
	CALL(pmem2_source_size(src, &sz));
	out("src_size_closed_fd", "size_untouched=%d", sz == 7);
	p = DEFAULTS;
	try_map("map_closed_fd", src, &p, 0);
	pmem2_source_delete(&src);
}

static void map_anon_cases(void)
{
	static const struct {
		const char *n;
		size_t size;
		int gran;
		size_t off, len;
		int sharing;
		unsigned prot;
	} c[] = {
		{ "map_anon_1m", MiB, PMEM2_GRANULARITY_BYTE, 0, 0 },
		{ "map_anon_gran_page", MiB, PMEM2_GRANULARITY_PAGE, 0, 0 },
		{ "map_anon_gran_unset", MiB, GRAN_UNSET, 0, 0 },
		{ "map_anon_off", MiB, PMEM2_GRANULARITY_BYTE, 4 * PAGE, 0 },
		{ "map_anon_off_unaligned", MiB, PMEM2_GRANULARITY_BYTE, 100,
		  0 },
		{ "map_anon_off_past", MiB, PMEM2_GRANULARITY_BYTE, 2 * MiB,
		  0 },
		{ "map_anon_off_at_end", MiB, PMEM2_GRANULARITY_BYTE, MiB, 0 },
		{ "map_anon_off_at_end_len", MiB, PMEM2_GRANULARITY_BYTE, MiB,
		  4 * KiB },
		{ "map_anon_off_len_over", MiB, PMEM2_GRANULARITY_BYTE,
		  512 * KiB, 768 * KiB },
		{ "map_anon_len", MiB, PMEM2_GRANULARITY_BYTE, 0, 64 * KiB },
		{ "map_anon_len_over", MiB, PMEM2_GRANULARITY_BYTE, 0,
		  2 * MiB },
		{ "map_anon_len_unaligned", MiB, PMEM2_GRANULARITY_BYTE, 0,
		  5000 },
		{ "map_anon_size_4097", 4097, PMEM2_GRANULARITY_BYTE, 0, 0 },
		{ "map_anon_size_0", 0, PMEM2_GRANULARITY_BYTE, 0, 0 },
		{ "map_anon_private", MiB, PMEM2_GRANULARITY_BYTE, 0, 0,
		  PMEM2_PRIVATE, PMEM2_PROT_READ | PMEM2_PROT_WRITE },
		{ "map_anon_prot_read", MiB, PMEM2_GRANULARITY_BYTE, 0, 0,
		  PMEM2_SHARED, PMEM2_PROT_READ },
		{ "map_anon_2g", 2 * GiB, PMEM2_GRANULARITY_BYTE, 0, 0 },
	};
	for (size_t i = 0; i < ARRAY_N(c); i++) {
		struct pmem2_source *src = NULL;
		struct params p = DEFAULTS;

		if (pmem2_source_from_anon(&src, c[i].size))
			die("pmem2_source_from_anon");
		p.gran = c[i].gran;
		p.offset = c[i].off;
		p.length = c[i].len;
		if (c[i].prot) {
			p.sharing = c[i].sharing;
			p.prot = c[i].prot;
		}
		struct pmem2_map *m = try_map(c[i].n, src, &p, 1);
		if (m && c[i].size >= GiB) {
			rc_ = 0;
			out("map_anon_2g_aligned1g", "%d",
			    aligned(pmem2_map_get_address(m), GiB));
		}
		if (m)
			pmem2_map_delete(&m);
		pmem2_source_delete(&src);
	}
}

/* ---- data through the map's functions */

static void fill(char *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)((i * 31 + seed * 7 + 1) & 0xff);
}

/* does [off, off+len) of fd hold exactly buf */
static int file_has(int fd, size_t off, const char *buf, size_t len)
{
	char *back = malloc(len);
	int ok = back && pread(fd, back, len, (off_t)off) == (ssize_t)len &&
		 memcmp(back, buf, len) == 0;
	free(back);
	return ok;
}

static void data_file(void)
{
	int fd = open(path_rw, O_RDWR);
	struct pmem2_source *src = file_source(fd);
	struct params p = DEFAULTS;
	struct pmem2_map *map = try_map("data_map", src, &p, 1);
	if (!map)
		exit(2);
	char *addr = pmem2_map_get_address(map);
	pmem2_memcpy_fn mcpy = pmem2_get_memcpy_fn(map);
	pmem2_memmove_fn mmov = pmem2_get_memmove_fn(map);
	pmem2_memset_fn mset = pmem2_get_memset_fn(map);
	pmem2_persist_fn persist = pmem2_get_persist_fn(map);
	pmem2_flush_fn flush = pmem2_get_flush_fn(map);
	pmem2_drain_fn drain = pmem2_get_drain_fn(map);
	outv("data_fns", "nonnull=%d", mcpy && mmov && mset && persist &&
					       flush && drain);

	static const unsigned flags[] = {
		0,
		PMEM2_F_MEM_NODRAIN,
		PMEM2_F_MEM_NONTEMPORAL,
		PMEM2_F_MEM_TEMPORAL,
		PMEM2_F_MEM_NONTEMPORAL | PMEM2_F_MEM_TEMPORAL,
		PMEM2_F_MEM_WC,
		PMEM2_F_MEM_WB,
		PMEM2_F_MEM_NOFLUSH,
		PMEM2_F_MEM_VALID_FLAGS,
	};
	static const size_t sizes[] = { 1, 7, 63, 64, 255, 256, 4097,
					MiB + 13 };
	static const size_t offs[] = { 0, 1, 4093 };
	size_t maxlen = MiB + 13 + 4096;
	char *buf = malloc(maxlen);
	char name[96];
	unsigned seed = 1;

	for (size_t f = 0; f < ARRAY_N(flags); f++) {
		for (size_t s = 0; s < ARRAY_N(sizes); s++) {
			size_t off = 2 * MiB + offs[(f + s) % ARRAY_N(offs)];
			fill(buf, sizes[s], seed++);
			snprintf(name, sizeof(name), "data_memcpy_f%02x_n%zu",
				 flags[f], sizes[s]);
			current = name;
			void *r = mcpy(addr + off, buf, sizes[s], flags[f]);
			if (flags[f] & PMEM2_F_MEM_NOFLUSH)
				persist(addr + off, sizes[s]);
			outv(name, "ret_ok=%d file=%d", r == addr + off,
			     file_has(fd, off, buf, sizes[s]));

			memset(buf, (int)(seed & 0xff), sizes[s]);
			snprintf(name, sizeof(name), "data_memset_f%02x_n%zu",
				 flags[f], sizes[s]);
			current = name;
			r = mset(addr + off, (int)(seed & 0xff), sizes[s],
				 flags[f]);
			if (flags[f] & PMEM2_F_MEM_NOFLUSH)
				persist(addr + off, sizes[s]);
			outv(name, "ret_ok=%d file=%d", r == addr + off,
			     file_has(fd, off, buf, sizes[s]));
			seed++;
		}
	}

	/* overlapping moves, both directions */
	static const struct {
		const char *n;
		size_t dst, src, len;
	} mv[] = {
		{ "data_memmove_fwd_overlap", 3 * MiB + 100, 3 * MiB, 10000 },
		{ "data_memmove_bwd_overlap", 3 * MiB, 3 * MiB + 100, 10000 },
		{ "data_memmove_fwd_1byte", 3 * MiB + 1, 3 * MiB, 300 },
		{ "data_memmove_same", 3 * MiB, 3 * MiB, 300 },
		{ "data_memmove_len0", 3 * MiB, 4 * MiB, 0 },
	};
	for (size_t i = 0; i < ARRAY_N(mv); i++) {
		char *expect = malloc(mv[i].len + 20000);
		current = mv[i].n;
		fill(buf, 20000, seed++);
		memcpy(addr + 3 * MiB, buf, 20000);
		persist(addr + 3 * MiB, 20000);
		memcpy(expect, buf, 20000);
		memmove(expect + (mv[i].dst - 3 * MiB),
			expect + (mv[i].src - 3 * MiB), mv[i].len);
		void *r = mmov(addr + mv[i].dst, addr + mv[i].src, mv[i].len,
			       0);
		outv(mv[i].n, "ret_ok=%d file=%d", r == addr + mv[i].dst,
		     file_has(fd, 3 * MiB, expect, 20000));
		free(expect);
	}

	/* plain stores + persist / flush+drain */
	current = "data_persist";
	fill(buf, 8192, seed++);
	memcpy(addr + 5 * MiB + 10, buf, 8192);
	persist(addr + 5 * MiB + 10, 8192);
	outv("data_persist", "file=%d", file_has(fd, 5 * MiB + 10, buf, 8192));
	current = "data_flush_drain";
	fill(buf, 8192, seed++);
	memcpy(addr + 6 * MiB + 10, buf, 8192);
	flush(addr + 6 * MiB + 10, 8192);
	drain();
	outv("data_flush_drain", "file=%d",
	     file_has(fd, 6 * MiB + 10, buf, 8192));
	current = "data_persist_len0";
	persist(addr, 0);
	flush(addr, 0);
	outv("data_persist_len0", "returned=1");

	/* deep flush */
	static const struct {
		const char *n;
		long off;
		size_t len;
	} df[] = {
		{ "deep_flush_all", 0, FSIZE },
		{ "deep_flush_part", 4096 + 5, 100 },
		{ "deep_flush_len0", 0, 0 },
		{ "deep_flush_before", -1, 10 },
		{ "deep_flush_after", FSIZE - 10, 20 },
		{ "deep_flush_past_end", FSIZE, 1 },
	};
	for (size_t i = 0; i < ARRAY_N(df); i++) {
		current = df[i].n;
		CALL(pmem2_deep_flush(map, addr + df[i].off, df[i].len));
		out(df[i].n, "-");
	}

	pmem2_map_delete(&map);
	pmem2_source_delete(&src);

	/* a PRIVATE map: the data must not reach the file */
	src = file_source(fd);
	p = DEFAULTS;
	p.sharing = PMEM2_PRIVATE;
	map = try_map("data_private_map", src, &p, 1);
	if (map) {
		addr = pmem2_map_get_address(map);
		char before[4096];
		if (pread(fd, before, sizeof(before), 0) != sizeof(before))
			die("pread");
		current = "data_private";
		pmem2_get_memset_fn(map)(addr, 0x3c, 4096, 0);
		pmem2_get_persist_fn(map)(addr, 4096);
		outv("data_private", "mem=%d file_unchanged=%d",
		     addr[0] == 0x3c && addr[4095] == 0x3c,
		     file_has(fd, 0, before, sizeof(before)));
		CALL(pmem2_deep_flush(map, addr, 4096));
		out("deep_flush_private", "-");
		pmem2_map_delete(&map);
	}
	pmem2_source_delete(&src);
	close(fd);
	free(buf);
}

static void data_anon(void)
{
	struct pmem2_source *src = NULL;
	struct params p = DEFAULTS;

	if (pmem2_source_from_anon(&src, 2 * MiB))
		die("pmem2_source_from_anon");
	p.gran = PMEM2_GRANULARITY_BYTE;
	struct pmem2_map *map = try_map("data_anon_map", src, &p, 1);
	if (!map)
		exit(2);
	char *addr = pmem2_map_get_address(map);
	char *buf = malloc(MiB);
	fill(buf, MiB, 99);
	current = "data_anon";
	void *r = pmem2_get_memcpy_fn(map)(addr + 3, buf, MiB,
					   PMEM2_F_MEM_NONTEMPORAL);
	pmem2_get_persist_fn(map)(addr, MiB + 3);
	pmem2_get_memset_fn(map)(addr + MiB + 3, 0x42, 1000, 0);
	pmem2_get_drain_fn(map)();
	pmem2_get_flush_fn(map)(addr, 10);
	outv("data_anon", "ret_ok=%d mem=%d set=%d", r == addr + 3,
	     memcmp(addr + 3, buf, MiB) == 0,
	     addr[MiB + 3] == 0x42 && addr[MiB + 1002] == 0x42);
	CALL(pmem2_deep_flush(map, addr, 4096));
	out("deep_flush_anon", "-");
	pmem2_map_delete(&map);
	pmem2_source_delete(&src);
	free(buf);
}

/* ---- reservations */

static const char *which(struct pmem2_map *m, struct pmem2_map **known,
			 int n)
{
	static char buf[16];
	if (m == NULL)
		return "null";
	for (int i = 0; i < n; i++)
		if (m == known[i]) {
			snprintf(buf, sizeof(buf), "m%d", i);
			return buf;
		}
	return "other";
}

/* an address range of len bytes, aligned to align, that is free now */
static char *free_range(size_t len, size_t align)
{
	char *p = mmap(NULL, len + align, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	munmap(p, len + align);
	return (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
}

static void reservation_new_cases(void)
{
	struct pmem2_vm_reservation *rsv = NULL;
	char perms[16];

	current = "rsv_new_zero";
	CALL(pmem2_vm_reservation_new(&rsv, NULL, 0));
	out("rsv_new_zero", "rsv_null=%d", rsv == NULL);
	if (rsv) {
		CALL(pmem2_vm_reservation_delete(&rsv));
		out("rsv_delete_zero", "rsv_null=%d", rsv == NULL);
	} else {
		rc_ = 0;
		out("rsv_delete_zero", "skipped");
	}
	rsv = NULL;

	CALL(pmem2_vm_reservation_new(&rsv, NULL, 4097));
	out("rsv_new_size_unaligned", "rsv_null=%d", rsv == NULL);
	CALL(pmem2_vm_reservation_new(&rsv, (void *)(uintptr_t)0x7f0000000100,
				      4096));
	out("rsv_new_addr_unaligned", "rsv_null=%d", rsv == NULL);

	CALL(pmem2_vm_reservation_new(&rsv, NULL, 16 * MiB));
	if (rsv) {
		char *a = pmem2_vm_reservation_get_address(rsv);
		out("rsv_new_16m", "size=%zu aligned2m=%d perms=%s whole=%d",
		    pmem2_vm_reservation_get_size(rsv), aligned(a, 2 * MiB),
		    compat_perms(a, perms), compat_range_mapped(a, 16 * MiB));
		CALL(pmem2_vm_reservation_delete(&rsv));
		out("rsv_delete_16m", "rsv_null=%d unmapped=%d", rsv == NULL,
		    !compat_range_mapped(a, PAGE) &&
			    !compat_range_mapped(a + 16 * MiB - PAGE, PAGE));
	} else {
		out("rsv_new_16m", "-");
	}

	CALL(pmem2_vm_reservation_new(&rsv, NULL, 3 * GiB));
	if (rsv) {
		out("rsv_new_3g", "size=%zu aligned1g=%d",
		    pmem2_vm_reservation_get_size(rsv),
		    aligned(pmem2_vm_reservation_get_address(rsv), GiB));
		pmem2_vm_reservation_delete(&rsv);
	} else {
		out("rsv_new_3g", "-");
	}

	/* at a fixed, free address */
	char *want = free_range(16 * MiB, 2 * MiB);
	CALL(pmem2_vm_reservation_new(&rsv, want, 4 * MiB));
	out("rsv_new_fixed", "at=%d size=%zu",
	    rsv && pmem2_vm_reservation_get_address(rsv) == want,
	    rsv ? pmem2_vm_reservation_get_size(rsv) : 0);
	if (rsv)
		pmem2_vm_reservation_delete(&rsv);

	/* at a fixed address that is taken */
	char *busy = mmap(want, 4 * MiB, PROT_READ,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			  -1, 0);
	if (busy != want)
		die("mmap busy");
	CALL(pmem2_vm_reservation_new(&rsv, want + MiB, 2 * MiB));
	out("rsv_new_fixed_busy", "rsv_null=%d", rsv == NULL);
	if (rsv)
		pmem2_vm_reservation_delete(&rsv);
	/* the range right before a taken one: [want-4M, want) is free */
	CALL(pmem2_vm_reservation_new(&rsv, want - 4 * MiB, 4 * MiB));
	out("rsv_new_fixed_before_busy", "at=%d",
	    rsv && pmem2_vm_reservation_get_address(rsv) == want - 4 * MiB);
	if (rsv)
		pmem2_vm_reservation_delete(&rsv);
	/* a small one right before a taken one */
	CALL(pmem2_vm_reservation_new(&rsv, want - 2 * PAGE, 2 * PAGE));
	out("rsv_new_fixed_small_before_busy", "at=%d",
	    rsv && pmem2_vm_reservation_get_address(rsv) == want - 2 * PAGE);
	if (rsv)
		pmem2_vm_reservation_delete(&rsv);
	munmap(busy, 4 * MiB);
}

static void reservation_map_cases(void)
{
	int fd = open(path_rw, O_RDWR);
	struct pmem2_source *src = file_source(fd);
	struct pmem2_source *anon = NULL;
	struct pmem2_vm_reservation *rsv = NULL;
	struct pmem2_map *m[4] = { NULL, NULL, NULL, NULL };
	struct pmem2_map *found;
	struct params p;
	char perms[16];

	if (pmem2_source_from_anon(&anon, MiB))
		die("pmem2_source_from_anon");
	if (pmem2_vm_reservation_new(&rsv, NULL, 16 * MiB))
		die("pmem2_vm_reservation_new");
	char *base = pmem2_vm_reservation_get_address(rsv);

	p = DEFAULTS;
	p.rsv = rsv;
	p.length = MiB;
	p.rsv_offset = 0;
	m[0] = try_map("rsv_map_0", src, &p, 1);
	try_map("rsv_map_0_again", src, &p, 0);
	p.rsv_offset = PAGE;
	try_map("rsv_map_overlap", src, &p, 0);
	p.rsv_offset = MiB;
	m[1] = try_map("rsv_map_1m", src, &p, 1);
	p.rsv_offset = 100;
	try_map("rsv_map_off_unaligned", src, &p, 0);
	p.rsv_offset = 15 * MiB + PAGE;
	try_map("rsv_map_past_end", src, &p, 0);
	p.rsv_offset = 16 * MiB;
	try_map("rsv_map_at_end", src, &p, 0);
	p.rsv_offset = SIZE_MAX & ~(PAGE - 1);
	try_map("rsv_map_off_huge", src, &p, 0);
	p.rsv_offset = 8 * MiB;
	p.length = 0; /* the whole 8 MiB file: fits exactly */
	m[2] = try_map("rsv_map_whole_file_8m", src, &p, 1);
	p.rsv_offset = 4 * MiB;
	p.length = 0;
	try_map("rsv_map_whole_file_overlap", src, &p, 0);
	p.rsv_offset = 4 * MiB;
	p.gran = PMEM2_GRANULARITY_BYTE;
	m[3] = try_map("rsv_map_anon_4m", anon, &p, 1);
	p.gran = PMEM2_GRANULARITY_PAGE;
	p.rsv_offset = 6 * MiB;
	p.sharing = PMEM2_PRIVATE;
	p.length = MiB;
	struct pmem2_map *priv = try_map("rsv_map_private", src, &p, 1);
	if (priv) {
		CALL(pmem2_map_delete(&priv));
		out("rsv_map_private_delete", "perms=%s",
		    compat_perms(base + 6 * MiB, perms));
	}

	/* lookups */
	static const struct {
		const char *n;
		size_t off, len;
	} finds[] = {
		{ "rsv_find_0", 0, PAGE },
		{ "rsv_find_1m", MiB, 1 },
		{ "rsv_find_span", MiB - 1, 2 },
		{ "rsv_find_gap", 2 * MiB, MiB },
		{ "rsv_find_all", 0, 16 * MiB },
		{ "rsv_find_len0", 0, 0 },
		{ "rsv_find_len0_inside_m1", MiB + 5, 0 },
		{ "rsv_find_len0_gap", 2 * MiB, 0 },
		{ "rsv_find_last_byte", 16 * MiB - 1, 1 },
		{ "rsv_find_past_end", 16 * MiB, PAGE },
	};
	for (size_t i = 0; i < ARRAY_N(finds); i++) {
		found = (struct pmem2_map *)&found;
		current = finds[i].n;
		CALL(pmem2_vm_reservation_map_find(rsv, finds[i].off,
						   finds[i].len, &found));
		out(finds[i].n, "%s", which(found, m, 4));
	}
	found = (struct pmem2_map *)&found;
	CALL(pmem2_vm_reservation_map_find_first(rsv, &found));
	out("rsv_find_first", "%s", which(found, m, 4));
	found = (struct pmem2_map *)&found;
	CALL(pmem2_vm_reservation_map_find_last(rsv, &found));
	out("rsv_find_last", "%s", which(found, m, 4));
	for (int i = 0; i < 4; i++) {
		char n[64];
		if (!m[i])
			continue;
		found = (struct pmem2_map *)&found;
		snprintf(n, sizeof(n), "rsv_find_next_m%d", i);
		CALL(pmem2_vm_reservation_map_find_next(rsv, m[i], &found));
		out(n, "%s", which(found, m, 4));
		found = (struct pmem2_map *)&found;
		snprintf(n, sizeof(n), "rsv_find_prev_m%d", i);
		CALL(pmem2_vm_reservation_map_find_prev(rsv, m[i], &found));
		out(n, "%s", which(found, m, 4));
	}

	CALL(pmem2_vm_reservation_delete(&rsv));
	out("rsv_delete_not_empty", "rsv_kept=%d", rsv != NULL);

	/* shrink */
	static const struct {
		const char *n;
		size_t off, len;
	} shrinks[] = {
		{ "rsv_shrink_off_unaligned", PAGE + 1, PAGE },
		{ "rsv_shrink_len_unaligned", PAGE, PAGE + 1 },
		{ "rsv_shrink_off_at_end", 16 * MiB, PAGE },
		{ "rsv_shrink_len0", 0, 0 },
		{ "rsv_shrink_past_end", 12 * MiB, 8 * MiB },
		{ "rsv_shrink_middle", 2 * MiB, MiB },
		{ "rsv_shrink_whole", 0, 16 * MiB },
		{ "rsv_shrink_start_busy", 0, 2 * MiB },
		{ "rsv_shrink_end_busy", 8 * MiB, 8 * MiB },
		{ "rsv_shrink_huge", SIZE_MAX & ~(PAGE - 1), PAGE },
	};
	for (size_t i = 0; i < ARRAY_N(shrinks); i++) {
		current = shrinks[i].n;
		CALL(pmem2_vm_reservation_shrink(rsv, shrinks[i].off,
						 shrinks[i].len));
		out(shrinks[i].n, "size=%zu same_addr=%d",
		    pmem2_vm_reservation_get_size(rsv),
		    (char *)pmem2_vm_reservation_get_address(rsv) == base);
	}

	/* free the end, then shrink it away */
	if (m[2]) {
		CALL(pmem2_map_delete(&m[2]));
		out("rsv_unmap_8m", "cleared=%d perms=%s", m[2] == NULL,
		    compat_perms(base + 8 * MiB, perms));
	}
	CALL(pmem2_vm_reservation_shrink(rsv, 8 * MiB, 8 * MiB));
	out("rsv_shrink_end", "size=%zu same_addr=%d end_unmapped=%d",
	    pmem2_vm_reservation_get_size(rsv),
	    (char *)pmem2_vm_reservation_get_address(rsv) == base,
	    !compat_range_mapped(base + 8 * MiB, PAGE));

	/* extend */
	CALL(pmem2_vm_reservation_extend(rsv, PAGE + 1));
	out("rsv_extend_unaligned", "size=%zu",
	    pmem2_vm_reservation_get_size(rsv));
	CALL(pmem2_vm_reservation_extend(rsv, 0));
	out("rsv_extend_0", "size=%zu", pmem2_vm_reservation_get_size(rsv));
	char *after = base + pmem2_vm_reservation_get_size(rsv);
	char *blk = mmap(after + MiB, PAGE, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0);
	CALL(pmem2_vm_reservation_extend(rsv, 2 * MiB));
	out("rsv_extend_busy", "size=%zu blocker=%d",
	    pmem2_vm_reservation_get_size(rsv), blk == after + MiB);
	if (blk != MAP_FAILED)
		munmap(blk, PAGE);
	CALL(pmem2_vm_reservation_extend(rsv, 2 * MiB));
	out("rsv_extend", "size=%zu same_addr=%d perms=%s",
	    pmem2_vm_reservation_get_size(rsv),
	    (char *)pmem2_vm_reservation_get_address(rsv) == base,
	    compat_perms(after + MiB, perms));
	/* a map in the extension */
	p = DEFAULTS;
	p.rsv = rsv;
	p.length = MiB;
	p.rsv_offset = 9 * MiB;
	struct pmem2_map *ext = try_map("rsv_map_in_extension", src, &p, 1);
	if (ext)
		pmem2_map_delete(&ext);

	/* free the start, then shrink it away */
	if (m[0]) {
		CALL(pmem2_map_delete(&m[0]));
		out("rsv_unmap_0", "cleared=%d perms=%s", m[0] == NULL,
		    compat_perms(base, perms));
	}
	CALL(pmem2_vm_reservation_shrink(rsv, 0, MiB));
	out("rsv_shrink_start", "size=%zu moved_1m=%d start_unmapped=%d",
	    pmem2_vm_reservation_get_size(rsv),
	    (char *)pmem2_vm_reservation_get_address(rsv) == base + MiB,
	    !compat_range_mapped(base, PAGE));
	/* m1 now lies at offset 0 of the reservation */
	found = NULL;
	CALL(pmem2_vm_reservation_map_find(rsv, 0, PAGE, &found));
	out("rsv_find_after_shrink", "%s", which(found, m, 4));

	if (m[1])
		pmem2_map_delete(&m[1]);
	if (m[3])
		pmem2_map_delete(&m[3]);
	found = (struct pmem2_map *)&found;
	CALL(pmem2_vm_reservation_map_find_first(rsv, &found));
	out("rsv_find_first_empty", "%s", which(found, m, 4));
	found = (struct pmem2_map *)&found;
	CALL(pmem2_vm_reservation_map_find_last(rsv, &found));
	out("rsv_find_last_empty", "%s", which(found, m, 4));
	found = (struct pmem2_map *)&found;
	CALL(pmem2_vm_reservation_map_find(rsv, 0, PAGE, &found));
	out("rsv_find_empty", "%s", which(found, m, 4));

	char *b2 = pmem2_vm_reservation_get_address(rsv);
	size_t s2 = pmem2_vm_reservation_get_size(rsv);
	CALL(pmem2_vm_reservation_delete(&rsv));
	out("rsv_delete", "rsv_null=%d unmapped=%d", rsv == NULL,
	    !compat_range_mapped(b2, PAGE) &&
		    !compat_range_mapped(b2 + s2 - PAGE, PAGE));

	pmem2_source_delete(&anon);
	pmem2_source_delete(&src);
	close(fd);
}

/* ---- pmem2_map_from_existing */

static void from_existing(void)
{
	int fd = open(path_rw, O_RDWR);
	struct pmem2_source *src = file_source(fd);
	struct pmem2_map *map = NULL, *other;
	char perms[16];

	char *p = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       0);
	if (p == MAP_FAILED)
		die("mmap");
	current = "mfe";
	CALL(pmem2_map_from_existing(&map, src, p, 4 * MiB,
				     PMEM2_GRANULARITY_PAGE));
	out("mfe_page", "at=%d size=%zu gran=%s",
	    map && pmem2_map_get_address(map) == p,
	    map ? pmem2_map_get_size(map) : 0,
	    map ? granularity_name(pmem2_map_get_store_granularity(map)) : "-");

	other = (struct pmem2_map *)&other;
	CALL(pmem2_map_from_existing(&other, src, p + MiB, PAGE,
				     PMEM2_GRANULARITY_PAGE));
	out("mfe_overlap_inside", "map_null=%d", other == NULL);
	other = (struct pmem2_map *)&other;
	CALL(pmem2_map_from_existing(&other, src, p - PAGE, 2 * PAGE,
				     PMEM2_GRANULARITY_PAGE));
	out("mfe_overlap_start", "map_null=%d", other == NULL);
	other = (struct pmem2_map *)&other;
	CALL(pmem2_map_from_existing(&other, src, p, 4 * MiB,
				     PMEM2_GRANULARITY_PAGE));
	out("mfe_same", "map_null=%d", other == NULL);

	/* over a map of pmem2_map_new */
	struct params prm = DEFAULTS;
	struct pmem2_map *mn = try_map("mfe_mapnew", src, &prm, 1);
	if (mn) {
		other = (struct pmem2_map *)&other;
		CALL(pmem2_map_from_existing(&other, src,
					     pmem2_map_get_address(mn), PAGE,
					     PMEM2_GRANULARITY_PAGE));
		out("mfe_over_map_new", "map_null=%d", other == NULL);
		if (rc_ == 0)
			pmem2_map_delete(&other);
		pmem2_map_delete(&mn);
	}

	if (map) {
		/* data, never from the first page (PMDK hangs there) */
		char buf[10000];
		fill(buf, sizeof(buf), 5);
		current = "mfe_data";
		void *r = pmem2_get_memcpy_fn(map)(p + PAGE + 1, buf,
						   sizeof(buf), 0);
		outv("mfe_memcpy", "ret_ok=%d file=%d", r == p + PAGE + 1,
		     file_has(fd, PAGE + 1, buf, sizeof(buf)));
		memset(p + MiB, 0x6e, 5000);
		pmem2_get_persist_fn(map)(p + MiB, 5000);
		memset(buf, 0x6e, 5000);
		outv("mfe_persist", "file=%d", file_has(fd, MiB, buf, 5000));
		CALL(pmem2_deep_flush(map, p + PAGE, PAGE));
		out("mfe_deep_flush", "-");
		CALL(pmem2_deep_flush(map, p + 4 * MiB, PAGE));
		out("mfe_deep_flush_outside", "-");
		CALL(pmem2_map_delete(&map));
		out("mfe_delete", "cleared=%d still_mapped=%d perms=%s",
		    map == NULL, compat_range_mapped(p, 4 * MiB),
		    compat_perms(p, perms));
	}

	/* after the delete the range can be wrapped again */
	CALL(pmem2_map_from_existing(&map, src, p, MiB,
				     PMEM2_GRANULARITY_BYTE));
	out("mfe_again_byte", "gran=%s",
	    map ? granularity_name(pmem2_map_get_store_granularity(map)) : "-");
	if (map)
		pmem2_map_delete(&map);
	CALL(pmem2_map_from_existing(&map, src, p, MiB,
				     PMEM2_GRANULARITY_CACHE_LINE));
	out("mfe_again_cache_line", "gran=%s",
	    map ? granularity_name(pmem2_map_get_store_granularity(map)) : "-");
	if (map)
		pmem2_map_delete(&map);

	struct pmem2_source *anon = NULL;
	pmem2_source_from_anon(&anon, 4 * MiB);
	CALL(pmem2_map_from_existing(&map, anon, p, 2 * MiB,
				     PMEM2_GRANULARITY_BYTE));
	out("mfe_anon_source", "map_null=%d", map == NULL);
	if (map)
		pmem2_map_delete(&map);
	pmem2_source_delete(&anon);

	munmap(p, 4 * MiB);
	pmem2_source_delete(&src);
	close(fd);
}

/* ---- pread/pwrite_mcsafe */

static void mcsafe(void)
{
	int fd = open_file(FSIZE, 0);
	struct pmem2_source *src = file_source(fd);
	char out1[100], in[100];
	struct stat st;

	memset(out1, 0x77, sizeof(out1));
	current = "mcsafe";
	CALL(pmem2_source_pwrite_mcsafe(src, out1, sizeof(out1), 4000));
	out("pwrite_ok", "-");
	memset(in, 0, sizeof(in));
	CALL(pmem2_source_pread_mcsafe(src, in, sizeof(in), 4000));
	out("pread_ok", "data=%d", memcmp(in, out1, sizeof(in)) == 0);
	CALL(pmem2_source_pread_mcsafe(src, in, sizeof(in), FSIZE - 100));
	out("pread_to_end", "data=%d", in[0] == 0);
	CALL(pmem2_source_pread_mcsafe(src, in, sizeof(in), FSIZE - 50));
	out("pread_len_over", "-");
	CALL(pmem2_source_pwrite_mcsafe(src, out1, sizeof(out1), FSIZE - 50));
	out("pwrite_len_over", "-");
	CALL(pmem2_source_pread_mcsafe(src, in, 0, 0));
	out("pread_size0", "-");
	CALL(pmem2_source_pread_mcsafe(src, in, 0, FSIZE));
	out("pread_size0_at_end", "-");
	CALL(pmem2_source_pread_mcsafe(src, in, 10, FSIZE + PAGE));
	out("pread_beyond_end", "-");
	CALL(pmem2_source_pwrite_mcsafe(src, out1, 10, FSIZE + PAGE));
	fstat(fd, &st);
	out("pwrite_beyond_end", "file_size=%lld", (long long)st.st_size);
	pmem2_source_delete(&src);
	close(fd);

	fd = open(path_rw, O_RDONLY);
	src = file_source(fd);
	CALL(pmem2_source_pwrite_mcsafe(src, out1, 10, 0));
	out("pwrite_rdonly", "-");
	CALL(pmem2_source_pread_mcsafe(src, in, 10, 0));
	out("pread_rdonly", "-");
	pmem2_source_delete(&src);
	close(fd);

	pmem2_source_from_anon(&src, MiB);
	CALL(pmem2_source_pread_mcsafe(src, in, 10, 0));
	out("pread_anon", "-");
	CALL(pmem2_source_pwrite_mcsafe(src, out1, 10, 0));
	out("pwrite_anon", "-");
	pmem2_source_delete(&src);
}

/* ---- RAS queries on a file that is not on an NVDIMM, and on anon */

static void ras(void)
{
	int fd = open(path_rw, O_RDWR);
	struct pmem2_source *srcs[2] = { file_source(fd), NULL };
	const char *kind[2] = { "file", "anon" };
	char n[64];

	pmem2_source_from_anon(&srcs[1], MiB);
	for (int i = 0; i < 2; i++) {
		int node = -7;
		uint64_t usc = 7;
		size_t len = 0;
		struct pmem2_badblock_context *bb = NULL;
		struct pmem2_badblock b;

		current = kind[i];
		snprintf(n, sizeof(n), "ras_numa_%s", kind[i]);
		CALL(pmem2_source_numa_node(srcs[i], &node));
		out(n, "-");
		snprintf(n, sizeof(n), "ras_usc_%s", kind[i]);
		CALL(pmem2_source_device_usc(srcs[i], &usc));
		out(n, "-");
		snprintf(n, sizeof(n), "ras_device_id_len_%s", kind[i]);
		CALL(pmem2_source_device_id(srcs[i], NULL, &len));
		out(n, "-");
		snprintf(n, sizeof(n), "ras_badblock_ctx_%s", kind[i]);
		CALL(pmem2_badblock_context_new(&bb, srcs[i]));
		out(n, "ctx_null=%d", bb == NULL);
		if (bb) {
			snprintf(n, sizeof(n), "ras_badblock_next_%s",
				 kind[i]);
			CALL(pmem2_badblock_next(bb, &b));
			out(n, "-");
			pmem2_badblock_context_delete(&bb);
			rc_ = 0;
			snprintf(n, sizeof(n), "ras_badblock_delete_%s",
				 kind[i]);
			out(n, "cleared=%d", bb == NULL);
		}
		pmem2_source_delete(&srcs[i]);
	}
	close(fd);
}

int main(void)
{
	const char *d = getenv("COMPAT_DIR");
	const char *lib = getenv("COMPAT_EXPECT_LIB");

	/* the loader must have picked the library the script meant */
	if (lib && *lib && !compat_lib_is(lib)) {
		printf("WRONG LIBRARY\n");
		return 2;
	}

	snprintf(dir, sizeof(dir), "%s", d && *d ? d : "/tmp");
	snprintf(path_rw, sizeof(path_rw), "%s/pmem2-diff-main.XXXXXX", dir);
	int fd = mkstemp(path_rw);
	if (fd < 0 || ftruncate(fd, (off_t)FSIZE))
		die("main file");
	close(fd);

	signal(SIGALRM, on_alarm);
	alarm(120);

	config_setters();
	sources();
	map_file_cases();
	map_anon_cases();
	data_file();
	data_anon();
	reservation_new_cases();
	reservation_map_cases();
	from_existing();
	mcsafe();
	ras();

	unlink(path_rw);
	printf("END\n");
	return 0;
}
