/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine.c -- the interpreter of the fuzz targets: an input is a sequence
 * of operations, each an opcode byte and its arguments, on small tables of
 * handles (libpmem2 configs, sources, maps, reservations, bad-block
 * contexts; libpmemset configs, sets, sources, map configs, parts, part
 * maps). Every public function of both libraries is reachable, including
 * libpmem2's draft calls and libpmemset's older call shapes, plus event
 * callbacks that call back into the sets and data operations inside live
 * mappings.
 *
 * The engine only makes calls the documentation allows: a handle is used
 * only while it is live (its slot is cleared when its delete succeeds),
 * NULL only where a NULL is documented to be refused, data operations only
 * inside mappings that are live and accessible, and nothing is deleted
 * while something documented to keep a pointer to it (a config naming a
 * reservation, a set using one, a pmemset source wrapping a pmem2 source,
 * a map config or part naming a set) still exists. Sizes are kept small
 * (the files never grow beyond 64 MiB: a value that would make a file or a
 * fallocate larger is skipped, unless it is so large that the file system
 * refuses it at once).
 *
 * What it checks beyond crashes and memory errors (ASan, UBSan): the
 * documented results that do not depend on the platform -- output pointers
 * NULL after a failed constructor, data written by the copy functions,
 * map lookups that return what overlaps, event payloads that describe the
 * call, -EDEADLK for calls into a set a callback was fired under the lock
 * of -- and, in fz_end(), that nothing leaked (checks.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpmem2.h>
#include <libpmem2/draft.h>
#include <libpmemset.h>

#include "harness.h"

#define PAGE ((size_t)4096)
#define MiB ((size_t)1 << 20)
/* files and fallocate ranges stay below this, or above HUGE_OK */
#define FILE_MAX (64 * MiB)
#define HUGE_OK ((uint64_t)1 << 50)
#define DATA_MAX ((size_t)256 << 10) /* bytes of one data operation */
#define MAX_OPS 64
#define MAX_DEPTH 3 /* nested callbacks */

int fz_trace;

/* ---------------------------------------------------------------- input */

uint8_t rd_u8(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

uint16_t rd_u16(struct rd *r)
{
	uint16_t v = rd_u8(r);
	return (uint16_t)(v | rd_u8(r) << 8);
}

uint32_t rd_u32(struct rd *r)
{
	uint32_t v = rd_u16(r);
	return v | (uint32_t)rd_u16(r) << 16;
}

uint64_t rd_u64(struct rd *r)
{
	uint64_t v = rd_u32(r);
	return v | (uint64_t)rd_u32(r) << 32;
}

void rd_bytes(struct rd *r, void *buf, size_t len)
{
	uint8_t *b = buf;
	for (size_t i = 0; i < len; i++)
		b[i] = rd_u8(r);
}

size_t rd_size(struct rd *r)
{
	static const uint64_t special[16] = {
		0,
		1,
		PAGE - 1,
		PAGE + 1,
		2 * MiB,
		1UL << 30,
		(uint64_t)INT64_MAX,
		(uint64_t)INT64_MAX + 1,
		SIZE_MAX,
		SIZE_MAX - PAGE + 1,
		(uint64_t)INT64_MAX - PAGE + 1,
		HUGE_OK,
		1UL << 47,
		64,
		512,
		3 * PAGE,
	};
	uint8_t k = rd_u8(r);
	switch (k >> 5) {
	case 0:
	case 1:
		return (size_t)(k & 63) * PAGE;
	case 2:
		return (size_t)((k & 31) + 1) * 65536;
	case 3:
		return (size_t)((k & 31) + 1) * 2 * MiB;
	case 4:
		return (size_t)rd_u16(r) + ((size_t)(k & 31) << 16);
	case 5:
		return special[k & 15];
	case 6:
		return (size_t)rd_u16(r) * PAGE;
	default:
		return rd_u64(r);
	}
}

/* would growing a file to `end` (or fallocating up to it) take real disk
 * space beyond what the harness allows? */
static bool too_big(uint64_t off, uint64_t len)
{
	uint64_t end;
	if (__builtin_add_overflow(off, len, &end))
		return false; /* refused before anything is allocated */
	return end > FILE_MAX && end < HUGE_OK;
}

void fz_tracef(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void fz_fail(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "\n==== fuzz harness: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr,
		"\n     pmem2_errormsg: %s\n     pmemset_errormsg: %s\n",
		pmem2_errormsg(), pmemset_errormsg());
	abort();
}

/* ---------------------------------------------------------------- files */

#define NF 3
static const size_t base_size[NF] = {64 << 10, 2 << 20, 0};

static struct {
	char path[PATH_MAX];
	int rw, ro;
} files[NF];
static char workdir[PATH_MAX], scratch[PATH_MAX + 16], nodir[PATH_MAX + 16];
static int fd_wo, fd_dir, fd_null, fd_zero = -1;
static const struct fz_target *target;

const char *fz_workdir(void)
{
	return workdir;
}

int fz_file_fd(int i)
{
	return files[i].rw;
}

/* the descriptors pmem2_source_from_fd and pmem2_config_set_fd are given */
#define NFDS 12
enum { FDK_FILE, FDK_ZERO, FDK_OTHER };
static int fd_choice(uint8_t b, int *kind, int *file, bool *rw)
{
	unsigned c = b % NFDS;
	*kind = FDK_OTHER;
	*file = -1;
	*rw = false;
	if (c < 3) {
		*kind = FDK_FILE;
		*file = (int)c;
		*rw = true;
		return files[c].rw;
	}
	if (c < 6) {
		*kind = FDK_FILE;
		*file = (int)c - 3;
		return files[c - 3].ro;
	}
	switch (c) {
	case 6:
		return fd_wo;
	case 7:
		return fd_dir;
	case 8:
		return fd_null;
	case 9:
		return -1;
	case 10:
		return 1000; /* not open */
	default:
		if (fd_zero < 0) {
			*kind = FDK_FILE;
			*file = 0;
			*rw = true;
			return files[0].rw;
		}
		*kind = FDK_ZERO;
		*rw = true;
		return fd_zero;
	}
}

static void die_errno(const char *what)
{
	fprintf(stderr, "fuzz harness setup: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void cleanup_workdir(void)
{
	for (int i = 0; i < NF; i++)
		unlink(files[i].path);
	unlink(scratch);
	rmdir(workdir);
}

static void fill_src(uint8_t seed);

void fz_setup(const struct fz_target *t)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[PATH_MAX];

	target = t;
	fz_trace = getenv("FUZZ_TRACE") && atoi(getenv("FUZZ_TRACE"));
	snprintf(tmpl, sizeof(tmpl), "%s/pmem2-fuzz-%s.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp", t->name);
	if (!mkdtemp(tmpl))
		die_errno("mkdtemp");
	if (!realpath(tmpl, workdir))
		die_errno("realpath");
	atexit(cleanup_workdir);
	for (int i = 0; i < NF; i++) {
		snprintf(files[i].path, sizeof(files[i].path), "%s/file%d",
			 workdir, i);
		files[i].rw = open(files[i].path, O_RDWR | O_CREAT, 0600);
		files[i].ro = open(files[i].path, O_RDONLY);
		if (files[i].rw < 0 || files[i].ro < 0)
			die_errno(files[i].path);
	}
	snprintf(scratch, sizeof(scratch), "%s/scratch", workdir);
	snprintf(nodir, sizeof(nodir), "%s/no/such/dir", workdir);
	fd_wo = open(files[0].path, O_WRONLY);
	fd_dir = open(workdir, O_RDONLY | O_DIRECTORY);
	fd_null = open("/dev/null", O_RDWR);
	if (t->devzero)
		fd_zero = open("/dev/zero", O_RDWR);
	fill_src(0x5a);
	if (fd_wo < 0 || fd_dir < 0 || fd_null < 0 ||
	    (t->devzero && fd_zero < 0))
		die_errno("open");
}

/* ---------------------------------------------------------------- tables */

#define NCFG 3
#define NSRC 4
#define NMAP 4
#define NRSV 3
#define NBB 2
#define NOWN 2
#define NSCFG 3
#define NSET 3
#define NSSRC 4
#define NMCFG 3
#define NPART 2
#define NPMAP 4

enum src_kind { SK_FILE, SK_ANON, SK_ZERO };

static struct cfg_slot {
	struct pmem2_config *p;
	int rsv; /* reservation slot named, -1: none */
	unsigned prot;
	int sharing;
	int fdkind, file; /* pmem2_config_set_fd (draft) */
	size_t offset;
} cfg[NCFG];

static struct src_slot {
	struct pmem2_source *p;
	enum src_kind kind;
	int file;
	bool rw;
	int wrapped; /* live pmemset sources wrapping it */
} src[NSRC];

static struct map_slot {
	struct pmem2_map *p;
	char *addr;
	size_t size;
	bool readable, writable;
	int file;     /* harness file mapped, -1: none */
	int own;      /* pmem2_map_from_existing over this own region, or -1 */
	bool foreign; /* from_existing over memory the harness does not own */
	bool draft;
} map[NMAP];

static struct {
	struct pmem2_vm_reservation *p;
} rsv[NRSV];
static void *freed_rsv_addr; /* a range that was reserved and is free */

static struct {
	struct pmem2_badblock_context *p;
} bbc[NBB];

static struct own_slot {
	char *addr;
	size_t len;
	int file; /* -1: anonymous */
	int users;
} own[NOWN];

/* event programs: two actions (and an argument each) per event type */
#define NEV 12
struct cbprog {
	uint8_t act[NEV][4];
};
static struct cbprog progs[NSCFG];

static struct scfg_slot {
	struct pmemset_config *p;
	int rsv;
	bool cb; /* has an event callback */
} scfg[NSCFG];

static struct set_slot {
	struct pmemset *p;
	int rsv;
	bool cb;
} set[NSET];

static struct ssrc_slot {
	struct pmemset_source *p;
	int wraps;		       /* pmem2 source slot, -1 */
	enum pmemset_part_state state; /* pmemset_source_set_sds keeps &state */
} ssrc[NSSRC];

static struct mcfg_slot {
	struct pmemset_map_config *p;
	int set; /* made for this set (older shape), -1 */
	size_t offset, length;
} mcfg[NMCFG];

static struct part_slot {
	struct pmemset_part *p;
	int set;
	size_t offset, length;
} part[NPART];

static struct pmap_slot {
	struct pmemset_part_map *p;
	int set;
} pmap[NPMAP];

static bool in_cleanup;

/*
 * The parts of the sets that have a callback, as PART_ADD reported them
 * (PART_REMOVE must name one of them exactly: the two pair up). A copy is
 * checked byte by byte only inside one part: two parts of the same file
 * range are two views of the same pages.
 */
#define MAX_PARTS 128
static struct {
	const struct pmemset *set;
	uintptr_t lo, hi;
} parts[MAX_PARTS];
static int nparts;
static bool parts_lost; /* more than MAX_PARTS: the list is incomplete */

static void part_added(const struct pmemset *s, void *addr, size_t len)
{
	if (nparts == MAX_PARTS) {
		parts_lost = true;
		return;
	}
	parts[nparts].set = s;
	parts[nparts].lo = (uintptr_t)addr;
	parts[nparts].hi = (uintptr_t)addr + len;
	nparts++;
}

static void part_removed(const struct pmemset *s, void *addr, size_t len)
{
	for (int i = 0; i < nparts; i++)
		if (parts[i].set == s && parts[i].lo == (uintptr_t)addr &&
		    parts[i].hi == (uintptr_t)addr + len) {
			parts[i] = parts[--nparts];
			return;
		}
	FZ_ASSERT(parts_lost,
		  "PART_REMOVE of [%p, +%zu), which no PART_ADD "
		  "of the set reported",
		  addr, len);
}

static void parts_forget(const struct pmemset *s)
{
	for (int i = 0; i < nparts;)
		if (parts[i].set == s)
			parts[i] = parts[--nparts];
		else
			i++;
}

/* [p, p+len) inside one part of set s (known only with a callback) */
static bool in_one_part(const struct pmemset *s, const void *p, size_t len)
{
	uintptr_t lo = (uintptr_t)p;
	for (int i = 0; i < nparts; i++)
		if (parts[i].set == s && lo >= parts[i].lo &&
		    lo + len <= parts[i].hi)
			return true;
	return false;
}
pmemset_event_callback fz_event_cb;
static unsigned cb_writes; /* data operations made by callbacks */

static int slot_of_set(const struct pmemset *s)
{
	for (int i = 0; i < NSET; i++)
		if (set[i].p && set[i].p == s)
			return i;
	return -1;
}

/* ---------------------------------------------------------------- buffers */

static uint8_t srcbuf[DATA_MAX], chkbuf[2 * DATA_MAX], iobuf[DATA_MAX];

static void fill_src(uint8_t seed)
{
	for (size_t i = 0; i < sizeof(srcbuf); i++)
		srcbuf[i] = (uint8_t)(seed + i * 131 + (i >> 9));
}

/* [off, off+len) inside [0, size): offset and length from the input */
static void pick_range(struct rd *r, size_t size, size_t *off, size_t *len)
{
	uint8_t how = rd_u8(r);
	size_t o = 0, l = 0;
	if (size) {
		switch (how & 3) {
		case 0: /* page aligned */
			o = (rd_u32(r) % ((size + PAGE - 1) / PAGE)) * PAGE;
			break;
		case 1: /* anywhere */
			o = rd_u32(r) % size;
			break;
		case 2: /* at the end */
			o = size - 1 -
			    rd_u16(r) % (size < 65536 ? size : 65536);
			break;
		default:
			o = 0;
		}
		size_t room = size - o;
		if (room > DATA_MAX)
			room = DATA_MAX;
		l = (how >> 2) & 1 ? room : (rd_u32(r) % (room + 1));
	}
	*off = o;
	*len = l;
}

/* ---------------------------------------------------------------- pmem2 */

static void chk_ctor(int ret, const void *out, const char *fn)
{
	if (ret) {
		FZ_ASSERT(ret < 0, "%s returned %d, positive", fn, ret);
		FZ_ASSERT(out == NULL, "%s failed (%d) but left its output set",
			  fn, ret);
	} else {
		FZ_ASSERT(out != NULL, "%s succeeded with a NULL output", fn);
	}
}

static bool rsv_in_use(int k)
{
	for (int i = 0; i < NCFG; i++)
		if (cfg[i].p && cfg[i].rsv == k)
			return true;
	for (int i = 0; i < NSCFG; i++)
		if (scfg[i].p && scfg[i].rsv == k)
			return true;
	for (int i = 0; i < NSET; i++)
		if (set[i].p && set[i].rsv == k)
			return true;
	return false;
}

static void op_cfg_new(struct rd *r)
{
	uint8_t b = rd_u8(r);
	int i = b % NCFG;
	if ((b & 0xc0) == 0xc0) {
		int ret = pmem2_config_new(NULL);
		TR("pmem2_config_new(NULL) = %d", ret);
		FZ_ASSERT(ret == -EINVAL, "pmem2_config_new(NULL) = %d", ret);
		return;
	}
	if (cfg[i].p)
		return;
	int ret = pmem2_config_new(&cfg[i].p);
	TR("pmem2_config_new(cfg%d) = %d", i, ret);
	chk_ctor(ret, cfg[i].p, "pmem2_config_new");
	cfg[i].rsv = -1;
	cfg[i].prot = PMEM2_PROT_READ | PMEM2_PROT_WRITE;
	cfg[i].sharing = PMEM2_SHARED;
	cfg[i].fdkind = -1;
	cfg[i].file = -1;
	cfg[i].offset = 0;
}

static void op_cfg_delete(struct rd *r)
{
	int i = rd_u8(r) % NCFG;
	int ret = pmem2_config_delete(&cfg[i].p);
	TR("pmem2_config_delete(cfg%d) = %d", i, ret);
	FZ_ASSERT(ret == 0 && !cfg[i].p, "pmem2_config_delete = %d", ret);
}

static void op_cfg_set(struct rd *r)
{
	uint8_t b = rd_u8(r), what = rd_u8(r);
	int i = b % NCFG;
	struct pmem2_config *c = (b & 0xc0) == 0xc0 ? NULL : cfg[i].p;
	int ret = 0;

	if (!c && (b & 0xc0) != 0xc0)
		return;
	switch (what % 7) {
	case 0: {
		uint8_t g = rd_u8(r);
		int gv = g < 200 ? g % 4 : (int)(int8_t)g;
		ret = pmem2_config_set_required_store_granularity(
			c, (enum pmem2_granularity)gv);
		TR("cfg%d set_required_store_granularity(%d) = %d", i, gv, ret);
		break;
	}
	case 1: {
		size_t o = rd_size(r);
		ret = pmem2_config_set_offset(c, o);
		TR("cfg%d set_offset(%zu) = %d", i, o, ret);
		if (!ret && c)
			cfg[i].offset = o;
		break;
	}
	case 2: {
		size_t l = rd_size(r);
		ret = pmem2_config_set_length(c, l);
		TR("cfg%d set_length(%zu) = %d", i, l, ret);
		break;
	}
	case 3: {
		uint8_t s = rd_u8(r);
		int sv = s < 200 ? s % 3 : (int)(int8_t)s;
		ret = pmem2_config_set_sharing(c, (enum pmem2_sharing_type)sv);
		TR("cfg%d set_sharing(%d) = %d", i, sv, ret);
		if (!ret && c)
			cfg[i].sharing = sv;
		break;
	}
	case 4: {
		uint8_t s = rd_u8(r);
		unsigned p = s < 240 ? (s & 1 ? PMEM2_PROT_READ : 0) |
					       (s & 2 ? PMEM2_PROT_WRITE : 0) |
					       (s & 4 ? PMEM2_PROT_EXEC : 0)
				     : rd_u32(r);
		ret = pmem2_config_set_protection(c, p);
		TR("cfg%d set_protection(0x%x) = %d", i, p, ret);
		if (!ret && c)
			cfg[i].prot = p;
		break;
	}
	case 5: {
		uint8_t s = rd_u8(r);
		int k = s % (NRSV + 1);
		size_t off = rd_size(r);
		if (k < NRSV && !rsv[k].p)
			return;
		struct pmem2_vm_reservation *rp = k < NRSV ? rsv[k].p : NULL;
		ret = pmem2_config_set_vm_reservation(c, rp, off);
		TR("cfg%d set_vm_reservation(rsv%d, %zu) = %d", i, k, off, ret);
		if (!ret && c)
			cfg[i].rsv = k < NRSV ? k : -1;
		break;
	}
	default: {
		int kind, file;
		bool rw;
		int fd = fd_choice(rd_u8(r), &kind, &file, &rw);
		ret = pmem2_config_set_fd(c, fd);
		TR("cfg%d pmem2_config_set_fd(%d) = %d", i, fd, ret);
		if (!ret && c) {
			cfg[i].fdkind = kind;
			cfg[i].file = file;
		}
		break;
	}
	}
	if (!c)
		FZ_ASSERT(ret == -EINVAL,
			  "a pmem2 config setter given NULL "
			  "returned %d, not -EINVAL",
			  ret);
	else
		FZ_ASSERT(ret <= 0, "a pmem2 config setter returned %d", ret);
}

static void op_src_new(struct rd *r)
{
	uint8_t b = rd_u8(r);
	int i = b % NSRC;
	int ret;
	if (src[i].p)
		return;
	if (b & 0x80) {
		size_t sz = rd_size(r);
		if (too_big(0, sz))
			return;
		ret = pmem2_source_from_anon(&src[i].p, sz);
		TR("pmem2_source_from_anon(src%d, %zu) = %d", i, sz, ret);
		chk_ctor(ret, src[i].p, "pmem2_source_from_anon");
		src[i].kind = SK_ANON;
		src[i].file = -1;
		src[i].rw = true;
	} else {
		int kind, file;
		bool rw;
		int fd = fd_choice(rd_u8(r), &kind, &file, &rw);
		ret = pmem2_source_from_fd(&src[i].p, fd);
		TR("pmem2_source_from_fd(src%d, %d) = %d", i, fd, ret);
		chk_ctor(ret, src[i].p, "pmem2_source_from_fd");
		if (!ret)
			FZ_ASSERT(kind != FDK_OTHER || fd == fd_null,
				  "pmem2_source_from_fd accepted fd %d", fd);
		src[i].kind = kind == FDK_ZERO ? SK_ZERO : SK_FILE;
		src[i].file = file;
		src[i].rw = rw;
	}
	src[i].wrapped = 0;
}

static void op_src_delete(struct rd *r)
{
	int i = rd_u8(r) % NSRC;
	if (src[i].wrapped)
		return; /* a pmemset source keeps a pointer to it */
	int ret = pmem2_source_delete(&src[i].p);
	TR("pmem2_source_delete(src%d) = %d", i, ret);
	FZ_ASSERT(ret == 0 && !src[i].p, "pmem2_source_delete = %d", ret);
}

static void query_source(struct pmem2_source *s, uint8_t what, int tag)
{
	int ret;
	switch (what % 6) {
	case 0: {
		int fd = -2;
		ret = pmem2_source_get_fd(s, &fd);
		TR("src%d get_fd = %d (%d)", tag, ret, fd);
		break;
	}
	case 1: {
		size_t sz = 0;
		ret = pmem2_source_size(s, &sz);
		TR("src%d size = %d (%zu)", tag, ret, sz);
		break;
	}
	case 2: {
		size_t a = 0;
		ret = pmem2_source_alignment(s, &a);
		TR("src%d alignment = %d (%zu)", tag, ret, a);
		if (!ret)
			FZ_ASSERT(a && !(a & (a - 1)),
				  "alignment %zu is not a power of two", a);
		break;
	}
	case 3: {
		size_t len = 0;
		ret = pmem2_source_device_id(s, NULL, &len);
		TR("src%d device_id(NULL) = %d (len %zu)", tag, ret, len);
		if (ret)
			break;
		FZ_ASSERT(len >= 1, "device id length %zu", len);
		char *id = malloc(len + 1);
		if (!id)
			break;
		size_t l2 = len;
		ret = pmem2_source_device_id(s, id, &l2);
		TR("src%d device_id(%zu) = %d", tag, len, ret);
		FZ_ASSERT(ret == 0 && strlen(id) == len - 1,
			  "device id: %d, strlen %zu, needed %zu", ret,
			  ret ? 0 : strlen(id), len);
		l2 = len - 1;
		ret = pmem2_source_device_id(s, id, &l2);
		FZ_ASSERT(ret == PMEM2_E_BUFFER_TOO_SMALL && id[0] == '\0',
			  "device id into %zu bytes of %zu: %d", len - 1, len,
			  ret);
		free(id);
		break;
	}
	case 4: {
		uint64_t usc = 0;
		ret = pmem2_source_device_usc(s, &usc);
		TR("src%d usc = %d (%llu)", tag, ret, (unsigned long long)usc);
		break;
	}
	default: {
		int node = -7;
		ret = pmem2_source_numa_node(s, &node);
		TR("src%d numa_node = %d (%d)", tag, ret, node);
		if (!ret)
			FZ_ASSERT(node >= -1, "numa node %d", node);
		break;
	}
	}
	FZ_ASSERT(ret <= 0, "a pmem2 source query returned %d", ret);
}

static void op_src_query(struct rd *r)
{
	int i = rd_u8(r) % NSRC;
	uint8_t what = rd_u8(r);
	if (src[i].p)
		query_source(src[i].p, what, i);
}

static void op_src_mcsafe(struct rd *r)
{
	int i = rd_u8(r) % NSRC;
	uint8_t w = rd_u8(r);
	size_t off = rd_size(r), len = rd_u32(r) % (DATA_MAX + 1);
	if (!src[i].p)
		return;
	int ret;
	if (w & 1) {
		if (too_big(off, len))
			return;
		ret = pmem2_source_pwrite_mcsafe(src[i].p, srcbuf, len, off);
	} else {
		ret = pmem2_source_pread_mcsafe(src[i].p, iobuf, len, off);
	}
	TR("src%d %s_mcsafe(%zu, %zu) = %d", i, w & 1 ? "pwrite" : "pread", len,
	   off, ret);
	FZ_ASSERT(ret <= 0, "mcsafe returned %d", ret);
}

/* one live map of map slot i was made: fill in what the harness knows */
static void map_made(int i, int c, int s, int fdkind, int file)
{
	struct map_slot *m = &map[i];
	m->addr = pmem2_map_get_address(m->p);
	m->size = pmem2_map_get_size(m->p);
	FZ_ASSERT(m->addr && m->size, "a new map at %p of %zu bytes",
		  (void *)m->addr, m->size);
	chk_note_range(m->addr, m->size);
	unsigned prot = cfg[c].prot;
	m->readable = prot & (PMEM2_PROT_READ | PMEM2_PROT_WRITE);
	m->writable = prot & PMEM2_PROT_WRITE;
	m->own = -1;
	m->foreign = false;
	m->file = -1;
	if (s >= 0) {
		fdkind = src[s].kind == SK_FILE	  ? FDK_FILE
			 : src[s].kind == SK_ZERO ? FDK_ZERO
						  : FDK_OTHER;
		file = src[s].file;
	}
	if (fdkind == FDK_FILE)
		m->file = file;
	/*
	 * /dev/zero poses as a Device DAX in the sysfs target, but a shared
	 * mapping of it at a non-zero offset has no pages there (SIGBUS):
	 * the harness does not touch such a mapping.
	 */
	if (fdkind == FDK_ZERO && cfg[c].offset)
		m->readable = m->writable = false;
	enum pmem2_granularity g = pmem2_map_get_store_granularity(m->p);
	FZ_ASSERT(g <= PMEM2_GRANULARITY_PAGE, "map granularity %d", (int)g);
}

static void op_map_new(struct rd *r)
{
	uint8_t b = rd_u8(r), cb = rd_u8(r), sb = rd_u8(r);
	int i = b % NMAP, c = cb % NCFG, s = sb % NSRC;
	int ret;

	if ((b & 0xc0) == 0xc0) {
		/* documented refusals of NULL */
		struct pmem2_map *m = (void *)1;
		switch (b % 3) {
		case 0:
			ret = pmem2_map_new(NULL, cfg[c].p, src[s].p);
			break;
		case 1:
			ret = pmem2_map_new(&m, NULL, src[s].p);
			break;
		default:
			if (!cfg[c].p)
				return;
			ret = pmem2_map_new(&m, cfg[c].p, NULL);
			break;
		}
		TR("pmem2_map_new(NULL args) = %d", ret);
		FZ_ASSERT(ret == -EINVAL, "pmem2_map_new with a NULL = %d",
			  ret);
		return;
	}
	if (map[i].p || !cfg[c].p)
		return;
	if (cb & 0x80) {
		/* the draft call: the descriptor is in the config */
		ret = pmem2_map(cfg[c].p, &map[i].p);
		TR("pmem2_map(map%d, cfg%d) = %d", i, c, ret);
		chk_ctor(ret, map[i].p, "pmem2_map");
		if (ret)
			return;
		map[i].draft = true;
		map_made(i, c, -1, cfg[c].fdkind, cfg[c].file);
		return;
	}
	if (!src[s].p)
		return;
	ret = pmem2_map_new(&map[i].p, cfg[c].p, src[s].p);
	TR("pmem2_map_new(map%d, cfg%d, src%d) = %d", i, c, s, ret);
	chk_ctor(ret, map[i].p, "pmem2_map_new");
	if (ret)
		return;
	map[i].draft = false;
	map_made(i, c, s, 0, 0);
}

static void op_own_map(struct rd *r)
{
	uint8_t b = rd_u8(r);
	int k = b % NOWN;
	size_t len = ((rd_u8(r) % 16) + 1) * PAGE;
	if (own[k].addr)
		return;
	int f = (b >> 4) % (NF + 1);
	void *a;
	if (f < NF) {
		struct stat st;
		if (fstat(files[f].rw, &st) || (size_t)st.st_size < len)
			return;
		a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 files[f].rw, 0);
	} else {
		f = -1;
		a = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	TR("own%d = mmap(file %d, %zu) = %p", k, f, len, a);
	if (a == MAP_FAILED)
		return;
	own[k].addr = a;
	own[k].len = len;
	own[k].file = f;
	own[k].users = 0;
}

static void op_own_unmap(struct rd *r)
{
	int k = rd_u8(r) % NOWN;
	if (!own[k].addr || own[k].users)
		return;
	TR("munmap(own%d)", k);
	munmap(own[k].addr, own[k].len);
	own[k].addr = NULL;
}

static void op_map_existing(struct rd *r)
{
	uint8_t b = rd_u8(r), sb = rd_u8(r), how = rd_u8(r), g = rd_u8(r);
	int i = b % NMAP, s = sb % NSRC;
	enum pmem2_granularity gran =
		g < 240 ? (enum pmem2_granularity)(g % 3)
			: (enum pmem2_granularity)(int8_t)g;
	char *addr = NULL;
	size_t len = 0;
	int k = -1;
	bool foreign = true;

	if (map[i].p || !src[s].p)
		return;
	switch (how % 6) {
	case 0:
	case 1: /* inside an own region (the documented use) */
		k = (how >> 4) % NOWN;
		if (!own[k].addr)
			return;
		size_t o = (rd_u8(r) % (own[k].len / PAGE)) * PAGE;
		len = own[k].len - o;
		if (how & 8)
			len = (rd_u8(r) % (len / PAGE) + 1) * PAGE;
		addr = own[k].addr + o;
		foreign = false;
		if (!((own[k].file < 0 && src[s].kind == SK_ANON) ||
		      (own[k].file >= 0 && src[s].kind == SK_FILE &&
		       src[s].file == own[k].file)))
			return; /* mapped from another source */
		break;
	case 2: { /* over a live map: refused, the range is registered */
		int j = (how >> 4) % NMAP;
		if (!map[j].p)
			return;
		addr = map[j].addr + (rd_u8(r) % 4) * PAGE % map[j].size;
		len = PAGE;
		break;
	}
	case 3:
		addr = NULL;
		len = PAGE;
		break;
	case 4:
		addr = (char *)own;
		len = 0;
		break;
	default:
		addr = (char *)(uintptr_t)(UINTPTR_MAX - PAGE + 1);
		len = 2 * PAGE;
		break;
	}
	int ret = pmem2_map_from_existing(&map[i].p, src[s].p, addr, len, gran);
	TR("pmem2_map_from_existing(map%d, src%d, %p, %zu, %d) = %d", i, s,
	   (void *)addr, len, (int)gran, ret);
	chk_ctor(ret, map[i].p, "pmem2_map_from_existing");
	if (ret)
		return;
	FZ_ASSERT(!foreign, "pmem2_map_from_existing accepted [%p, +%zu)",
		  (void *)addr, len);
	struct map_slot *m = &map[i];
	m->addr = pmem2_map_get_address(m->p);
	m->size = pmem2_map_get_size(m->p);
	FZ_ASSERT(m->addr == addr && m->size == len,
		  "map_from_existing: map %p+%zu, asked %p+%zu",
		  (void *)m->addr, m->size, (void *)addr, len);
	FZ_ASSERT(pmem2_map_get_store_granularity(m->p) == gran,
		  "map_from_existing granularity %d, asked %d",
		  (int)pmem2_map_get_store_granularity(m->p), (int)gran);
	m->readable = m->writable = true;
	m->own = k;
	m->foreign = false;
	m->file = own[k].file;
	m->draft = false;
	own[k].users++;
}

static void map_forget(int i)
{
	if (map[i].own >= 0)
		own[map[i].own].users--;
	memset(&map[i], 0, sizeof(map[i]));
	map[i].own = -1;
}

static void op_map_delete(struct rd *r)
{
	uint8_t b = rd_u8(r);
	int i = b % NMAP;
	int ret;
	if ((b & 0xc0) == 0xc0) {
		ret = pmem2_map_delete(NULL);
		FZ_ASSERT(ret == -EINVAL, "pmem2_map_delete(NULL) = %d", ret);
		return;
	}
	if (!map[i].p) {
		ret = pmem2_map_delete(&map[i].p);
		TR("pmem2_map_delete(&NULL) = %d", ret);
		FZ_ASSERT(ret == PMEM2_E_MAPPING_NOT_FOUND,
			  "pmem2_map_delete(&NULL) = %d", ret);
		return;
	}
	ret = (b & 0x40) ? pmem2_unmap(&map[i].p) : pmem2_map_delete(&map[i].p);
	TR("pmem2_%s(map%d) = %d", b & 0x40 ? "unmap" : "map_delete", i, ret);
	FZ_ASSERT(ret <= 0, "map delete returned %d", ret);
	if (ret)
		FZ_ASSERT(map[i].p, "a failed map delete cleared the pointer");
	else
		map_forget(i);
}

static void op_map_get(struct rd *r)
{
	int i = rd_u8(r) % NMAP;
	struct pmem2_map *m = map[i].p;
	FZ_ASSERT(pmem2_map_get_address(NULL) == NULL &&
			  pmem2_map_get_size(NULL) == 0,
		  "map getters of NULL");
	if (!m)
		return;
	FZ_ASSERT(pmem2_map_get_address(m) == map[i].addr &&
			  pmem2_map_get_size(m) == map[i].size,
		  "map%d moved or changed size", i);
	FZ_ASSERT(pmem2_get_persist_fn(m) && pmem2_get_flush_fn(m) &&
			  pmem2_get_drain_fn(m) && pmem2_get_memmove_fn(m) &&
			  pmem2_get_memcpy_fn(m) && pmem2_get_memset_fn(m),
		  "a map without one of its functions");
}

/* compare [dst, +len) with what it must hold */
static void expect_bytes(const void *dst, const void *want, size_t len,
			 const char *what)
{
	if (memcmp(dst, want, len) == 0)
		return;
	size_t at = 0;
	while (((const uint8_t *)dst)[at] == ((const uint8_t *)want)[at])
		at++;
	fz_fail("%s of %zu bytes to %p: byte %zu differs", what, len, dst, at);
}

static void expect_fill(const void *dst, int c, size_t len, const char *what)
{
	memset(chkbuf, c, len);
	expect_bytes(dst, chkbuf, len, what);
}

static void op_map_data(struct rd *r)
{
	int i = rd_u8(r) % NMAP;
	uint8_t kind = rd_u8(r);
	unsigned flags = rd_u8(r) & PMEM2_F_MEM_VALID_FLAGS;
	size_t off, len;
	struct map_slot *m = &map[i];

	pick_range(r, m->p ? m->size : 0, &off, &len);
	if (!m->p || !m->readable)
		return;
	char *p = m->addr + off;
	switch (kind % 7) {
	case 0:
		if (!m->writable)
			return;
		TR("map%d memcpy(+%zu, %zu, 0x%x)", i, off, len, flags);
		pmem2_get_memcpy_fn(m->p)(p, srcbuf, len, flags);
		expect_bytes(p, srcbuf, len, "pmem2 memcpy");
		break;
	case 1: {
		if (!m->writable)
			return;
		/* overlapping move inside the map */
		size_t o2 = rd_u32(r) % (m->size - len + 1);
		char *s = m->addr + o2;
		TR("map%d memmove(+%zu, +%zu, %zu, 0x%x)", i, off, o2, len,
		   flags);
		memcpy(chkbuf, s, len);
		pmem2_get_memmove_fn(m->p)(p, s, len, flags);
		expect_bytes(p, chkbuf, len, "pmem2 memmove");
		break;
	}
	case 2: {
		if (!m->writable)
			return;
		int c = rd_u8(r);
		TR("map%d memset(+%zu, %d, %zu, 0x%x)", i, off, c, len, flags);
		pmem2_get_memset_fn(m->p)(p, c, len, flags);
		expect_fill(p, c, len, "pmem2 memset");
		break;
	}
	case 3:
		TR("map%d persist(+%zu, %zu)", i, off, len);
		pmem2_get_persist_fn(m->p)(p, len);
		break;
	case 4:
		TR("map%d flush(+%zu, %zu) + drain", i, off, len);
		pmem2_get_flush_fn(m->p)(p, len);
		pmem2_get_drain_fn(m->p)();
		break;
	case 5: {
		/* any range: refused unless inside the map */
		size_t o = rd_size(r), l = rd_size(r);
		/* integer arithmetic: the address may be anywhere */
		char *q = (char *)((rd_u8(r) & 1) ? (uintptr_t)m->addr + off
						  : (uintptr_t)m->addr + o);
		size_t n = (o & 1) ? len : l;
		int ret = pmem2_deep_flush(m->p, q, n);
		TR("map%d deep_flush(%p, %zu) = %d", i, (void *)q, n, ret);
		FZ_ASSERT(ret <= 0, "deep flush returned %d", ret);
		break;
	}
	default:
		if (!m->writable)
			return;
		TR("map%d plain store + persist (+%zu, %zu)", i, off, len);
		memcpy(p, srcbuf, len);
		pmem2_get_persist_fn(m->p)(p, len);
		break;
	}
}

static void op_rsv_new(struct rd *r)
{
	uint8_t b = rd_u8(r), how = rd_u8(r);
	int i = b % NRSV;
	size_t size = rd_size(r);
	void *addr = NULL;
	int ret;

	if ((b & 0xc0) == 0xc0) {
		ret = pmem2_vm_reservation_new(NULL, NULL, size);
		FZ_ASSERT(ret == -EINVAL, "pmem2_vm_reservation_new(NULL) = %d",
			  ret);
		return;
	}
	if (rsv[i].p)
		return;
	switch (how % 6) {
	case 0:
	case 1:
		break;
	case 2:
		addr = freed_rsv_addr;
		break;
	case 3: { /* over something that exists */
		int j = (how >> 3) % NRSV;
		if (rsv[j].p)
			addr = (char *)pmem2_vm_reservation_get_address(
				       rsv[j].p) +
			       (rd_u8(r) % 8) * PAGE;
		else if (map[j].p)
			addr = map[j].addr;
		break;
	}
	case 4:
		addr = (void *)((uintptr_t)freed_rsv_addr + 1 + rd_u8(r));
		break;
	default:
		addr = (void *)(uintptr_t)(rd_u64(r) & ~(uint64_t)(PAGE - 1));
		break;
	}
	ret = pmem2_vm_reservation_new(&rsv[i].p, addr, size);
	TR("pmem2_vm_reservation_new(rsv%d, %p, %zu) = %d", i, addr, size, ret);
	chk_ctor(ret, rsv[i].p, "pmem2_vm_reservation_new");
	if (ret)
		return;
	void *a = pmem2_vm_reservation_get_address(rsv[i].p);
	size_t sz = pmem2_vm_reservation_get_size(rsv[i].p);
	FZ_ASSERT(a && sz == size && (!addr || a == addr),
		  "reservation %p+%zu, asked %p+%zu", a, sz, addr, size);
	chk_note_range(a, sz);
}

static void op_rsv_delete(struct rd *r)
{
	uint8_t b = rd_u8(r);
	int i = b % NRSV;
	if (!rsv[i].p) {
		int ret = pmem2_vm_reservation_delete(&rsv[i].p);
		FZ_ASSERT(ret == -EINVAL, "reservation_delete(&NULL) = %d",
			  ret);
		return;
	}
	/* configs forget it first (documented: a config keeps a pointer) */
	for (int c = 0; c < NCFG; c++)
		if (cfg[c].p && cfg[c].rsv == i && (b & 0x40)) {
			pmem2_config_set_vm_reservation(cfg[c].p, NULL, 0);
			cfg[c].rsv = -1;
		}
	for (int c = 0; c < NSCFG; c++)
		if (scfg[c].p && scfg[c].rsv == i && (b & 0x40)) {
			pmemset_config_set_reservation(scfg[c].p, NULL);
			scfg[c].rsv = -1;
		}
	if (rsv_in_use(i))
		return;
	void *a = pmem2_vm_reservation_get_address(rsv[i].p);
	int ret = pmem2_vm_reservation_delete(&rsv[i].p);
	TR("pmem2_vm_reservation_delete(rsv%d) = %d", i, ret);
	FZ_ASSERT(ret <= 0, "reservation delete = %d", ret);
	if (ret)
		FZ_ASSERT(rsv[i].p, "failed reservation delete cleared it");
	else
		freed_rsv_addr = a;
}

static void op_rsv_resize(struct rd *r)
{
	uint8_t b = rd_u8(r);
	int i = b % NRSV;
	size_t off = rd_size(r), size = rd_size(r);
	if (!rsv[i].p)
		return;
	void *a0 = pmem2_vm_reservation_get_address(rsv[i].p);
	size_t s0 = pmem2_vm_reservation_get_size(rsv[i].p);
	int ret;
	if (b & 0x80) {
		ret = pmem2_vm_reservation_extend(rsv[i].p, size);
		TR("rsv%d extend(%zu) = %d", i, size, ret);
	} else {
		if (b & 0x40) /* at the end */
			off = s0 - (size < s0 ? size : s0);
		ret = pmem2_vm_reservation_shrink(rsv[i].p, off, size);
		TR("rsv%d shrink(%zu, %zu) = %d", i, off, size, ret);
	}
	FZ_ASSERT(ret <= 0, "reservation resize = %d", ret);
	void *a = pmem2_vm_reservation_get_address(rsv[i].p);
	size_t s = pmem2_vm_reservation_get_size(rsv[i].p);
	if (ret)
		FZ_ASSERT(a == a0 && s == s0, "a failed resize changed the "
					      "reservation");
	else if (b & 0x80)
		FZ_ASSERT(a == a0 && s == s0 + size, "extend: %p+%zu", a, s);
	else
		FZ_ASSERT(s == s0 - size, "shrink: %zu -> %zu", s0, s);
	chk_note_range(a, s);
}

static void check_found(struct pmem2_vm_reservation *rv, struct pmem2_map *m,
			uintptr_t lo, uintptr_t hi, const char *what)
{
	uintptr_t ra = (uintptr_t)pmem2_vm_reservation_get_address(rv);
	uintptr_t rs = pmem2_vm_reservation_get_size(rv);
	uintptr_t a = (uintptr_t)pmem2_map_get_address(m);
	size_t s = pmem2_map_get_size(m);
	FZ_ASSERT(a >= ra && a + s <= ra + rs,
		  "%s: map %#lx+%zu not inside the reservation %#lx+%lu", what,
		  (unsigned long)a, s, (unsigned long)ra, (unsigned long)rs);
	FZ_ASSERT(a < hi && lo < a + ((s + PAGE - 1) & ~(PAGE - 1)),
		  "%s: map %#lx+%zu does not overlap [%#lx, %#lx)", what,
		  (unsigned long)a, s, (unsigned long)lo, (unsigned long)hi);
}

static void op_rsv_find(struct rd *r)
{
	uint8_t b = rd_u8(r);
	int i = b % NRSV;
	size_t off = rd_size(r), len = rd_size(r);
	struct pmem2_map *m = (void *)1;
	int ret;
	if ((b & 0xc0) == 0xc0) {
		ret = pmem2_vm_reservation_map_find(NULL, 0, 0, &m);
		FZ_ASSERT(ret == -EINVAL && !m, "map_find(NULL) = %d", ret);
		return;
	}
	if (!rsv[i].p)
		return;
	struct pmem2_vm_reservation *rv = rsv[i].p;
	uintptr_t ra = (uintptr_t)pmem2_vm_reservation_get_address(rv);
	ret = pmem2_vm_reservation_map_find(rv, off, len, &m);
	TR("rsv%d map_find(%zu, %zu) = %d", i, off, len, ret);
	FZ_ASSERT(ret == 0 || ret == PMEM2_E_MAPPING_NOT_FOUND, "map_find = %d",
		  ret);
	chk_ctor(ret, m, "pmem2_vm_reservation_map_find");
	if (!ret && off < UINTPTR_MAX - ra) {
		uintptr_t lo = ra + off, hi;
		if (__builtin_add_overflow(lo, len ? len : 1, &hi))
			hi = UINTPTR_MAX;
		check_found(rv, m, lo, hi, "map_find");
	}
	/* walk the whole reservation both ways: addresses must be ordered */
	struct pmem2_map *cur = NULL, *next = NULL;
	unsigned n = 0;
	ret = pmem2_vm_reservation_map_find_first(rv, &cur);
	FZ_ASSERT(ret == 0 || ret == PMEM2_E_MAPPING_NOT_FOUND,
		  "map_find_first = %d", ret);
	while (!ret && n++ < 64) {
		check_found(rv, cur, 0, UINTPTR_MAX, "map_find_first/next");
		ret = pmem2_vm_reservation_map_find_next(rv, cur, &next);
		FZ_ASSERT(ret == 0 || ret == PMEM2_E_MAPPING_NOT_FOUND,
			  "map_find_next = %d", ret);
		if (!ret)
			FZ_ASSERT((char *)pmem2_map_get_address(next) >=
					  (char *)pmem2_map_get_address(cur) +
						  pmem2_map_get_size(cur),
				  "map_find_next went backwards");
		cur = next;
	}
	ret = pmem2_vm_reservation_map_find_last(rv, &cur);
	FZ_ASSERT(ret == 0 || ret == PMEM2_E_MAPPING_NOT_FOUND,
		  "map_find_last = %d", ret);
	while (!ret && n-- > 0) {
		ret = pmem2_vm_reservation_map_find_prev(rv, cur, &next);
		FZ_ASSERT(ret == 0 || ret == PMEM2_E_MAPPING_NOT_FOUND,
			  "map_find_prev = %d", ret);
		if (!ret)
			FZ_ASSERT((char *)pmem2_map_get_address(next) <
					  (char *)pmem2_map_get_address(cur),
				  "map_find_prev went forwards");
		cur = next;
	}
	/* a map of another reservation (or none) is not found from here */
	for (int j = 0; j < NMAP; j++)
		if (map[j].p &&
		    ((uintptr_t)map[j].addr < ra ||
		     (uintptr_t)map[j].addr >=
			     ra + pmem2_vm_reservation_get_size(rv))) {
			ret = pmem2_vm_reservation_map_find_next(rv, map[j].p,
								 &next);
			FZ_ASSERT(ret == PMEM2_E_MAPPING_NOT_FOUND && !next,
				  "map_find_next of a foreign map = %d", ret);
			break;
		}
}

static void op_bb(struct rd *r)
{
	uint8_t b = rd_u8(r), what = rd_u8(r);
	int i = b % NBB;
	int ret;
	switch (what % 4) {
	case 0: {
		int s = (what >> 2) % NSRC;
		if (bbc[i].p || !src[s].p)
			return;
		ret = pmem2_badblock_context_new(&bbc[i].p, src[s].p);
		TR("pmem2_badblock_context_new(bb%d, src%d) = %d", i, s, ret);
		chk_ctor(ret, bbc[i].p, "pmem2_badblock_context_new");
		break;
	}
	case 1: {
		if (!bbc[i].p)
			return;
		struct pmem2_badblock bb, prev = {0, 0};
		unsigned n = 0, max = rd_u8(r) % 64 + 1;
		while (n < max && !(ret = pmem2_badblock_next(bbc[i].p, &bb))) {
			TR("bb%d next = {%zu, %zu}", i, bb.offset, bb.length);
			FZ_ASSERT(bb.length > 0, "an empty bad block");
			FZ_ASSERT(!n || bb.offset > prev.offset + prev.length,
				  "bad blocks not sorted and merged: {%zu, "
				  "%zu} after {%zu, %zu}",
				  bb.offset, bb.length, prev.offset,
				  prev.length);
			prev = bb;
			n++;
			if (what & 0x80 && !too_big(bb.offset, bb.length)) {
				ret = pmem2_badblock_clear(bbc[i].p, &bb);
				TR("bb%d clear = %d", i, ret);
				FZ_ASSERT(ret <= 0, "badblock_clear = %d", ret);
			}
		}
		if (n < max)
			FZ_ASSERT(ret == PMEM2_E_NO_BAD_BLOCK_FOUND &&
					  !bb.offset && !bb.length,
				  "badblock_next at the end = %d", ret);
		break;
	}
	case 2: {
		if (!bbc[i].p)
			return;
		struct pmem2_badblock bb = {rd_size(r), rd_size(r)};
		if (too_big(bb.offset, bb.length))
			return;
		ret = pmem2_badblock_clear(bbc[i].p, &bb);
		TR("bb%d clear(%zu, %zu) = %d", i, bb.offset, bb.length, ret);
		FZ_ASSERT(ret <= 0, "badblock_clear = %d", ret);
		break;
	}
	default:
		TR("pmem2_badblock_context_delete(bb%d)", i);
		pmem2_badblock_context_delete(&bbc[i].p);
		FZ_ASSERT(!bbc[i].p,
			  "badblock_context_delete left the pointer");
		pmem2_badblock_context_delete(NULL);
		break;
	}
}

/* Nothing mapped from the harness files anywhere? Then they may be
 * resized or truncated. */
static bool pmemset_set_empty(int s);
static bool nothing_mapped(void)
{
	for (int i = 0; i < NMAP; i++)
		if (map[i].p)
			return false;
	for (int i = 0; i < NOWN; i++)
		if (own[i].addr)
			return false;
	for (int i = 0; i < NSET; i++)
		if (set[i].p && !pmemset_set_empty(i))
			return false;
	return true;
}

static void op_file_resize(struct rd *r)
{
	int f = rd_u8(r) % NF;
	size_t sz = rd_size(r) % (FILE_MAX + 1);
	if (!nothing_mapped())
		return;
	TR("ftruncate(file%d, %zu)", f, sz);
	if (ftruncate(files[f].rw, (off_t)sz))
		fz_fail("ftruncate: %s", strerror(errno));
}

static void op_env(struct rd *r)
{
	static const char *vals[] = {NULL,   "BYTE",	  "CACHE_LINE",
				     "PAGE", "cacheline", "bogus"};
	const char *v = vals[rd_u8(r) % 6];
	TR("PMEM2_FORCE_GRANULARITY=%s", v ? v : "(unset)");
	if (v)
		setenv("PMEM2_FORCE_GRANULARITY", v, 1);
	else
		unsetenv("PMEM2_FORCE_GRANULARITY");
}

static void op_errors(struct rd *r)
{
	int code = (int)rd_u32(r);
	uint8_t w = rd_u8(r);
	switch (w % 4) {
	case 0: {
		static const int codes[] = {0,
					    -1,
					    -EINVAL,
					    -ENOMEM,
					    PMEM2_E_NOSUPP,
					    PMEM2_E_IO_FAIL,
					    PMEM2_E_UNKNOWN,
					    1};
		if (w & 0x80)
			code = codes[(w >> 2) % 8];
		int e = pmem2_err_to_errno(code);
		TR("pmem2_err_to_errno(%d) = %d", code, e);
		FZ_ASSERT(e >= 0, "pmem2_err_to_errno(%d) = %d", code, e);
		break;
	}
	case 1: {
		static const int codes[] = {0,
					    -EINVAL,
					    PMEMSET_E_IO_FAIL,
					    PMEMSET_E_SDS_NOSUPP,
					    PMEM2_E_NOSUPP,
					    7,
					    INT_MIN,
					    -200034};
		if (w & 0x80)
			code = codes[(w >> 2) % 8];
		int e = pmemset_err_to_errno(code);
		TR("pmemset_err_to_errno(%d) = %d", code, e);
		FZ_ASSERT(e >= 0, "pmemset_err_to_errno(%d) = %d", code, e);
		break;
	}
	case 2:
		FZ_ASSERT(pmem2_errormsg() && pmemset_errormsg(),
			  "errormsg returned NULL");
		break;
	default: {
		/* perror writes to stderr: send it to /dev/null */
		fflush(stderr);
		int save = dup(2);
		if (save < 0)
			return;
		dup2(fd_null, 2);
		pmem2_perror("fuzz %d", code);
		pmemset_perror("fuzz %s", "x");
		fflush(stderr);
		dup2(save, 2);
		close(save);
		break;
	}
	}
}

/* ---------------------------------------------------------------- pmemset */

/*
 * The calls in progress on sets, outermost first. A set is locked for
 * change while a removal or delete of it is in progress further up: then
 * callbacks must get -EDEADLK from set-changing calls, lookups and
 * iteration of it (doc/pmemset.md, Events).
 */
struct frame {
	struct pmemset *set;
	bool locked;
	int op; /* 0: other, 1: copy/move, 2: set, 3: flush/persist */
	void *addr;
	size_t len;
	int cleared_ret; /* what the BADBLOCKS_CLEARED callback returned */
	bool cleared_fired;
	void *added;
	size_t added_len;
};
#define MAX_FRAMES 16
static struct frame frames[MAX_FRAMES];
static int nframes;

static struct frame *push(struct pmemset *s, bool locked)
{
	if (nframes == MAX_FRAMES)
		fz_fail("frames overflow");
	struct frame *f = &frames[nframes++];
	memset(f, 0, sizeof(*f));
	f->set = s;
	f->locked = locked;
	return f;
}

static void pop(void)
{
	nframes--;
}

static bool is_locked(const struct pmemset *s)
{
	for (int i = 0; i < nframes; i++)
		if (frames[i].set == s && frames[i].locked)
			return true;
	return false;
}

static bool in_progress(const struct pmemset *s)
{
	for (int i = 0; i < nframes; i++)
		if (frames[i].set == s)
			return true;
	return false;
}

static struct frame *top_frame_of(const struct pmemset *s)
{
	for (int i = nframes - 1; i >= 0; i--)
		if (frames[i].set == s)
			return &frames[i];
	return NULL;
}

/* up to max part maps of set s as {addr, size}; false when s is locked */
#define MAX_PM 16
static int part_maps(struct pmemset *s, struct pmemset_part_descriptor *d,
		     int max)
{
	struct pmemset_part_map *pm = NULL, *next = NULL;
	int n = 0;
	pmemset_first_part_map(s, &pm);
	while (pm) {
		if (n < max) {
			d[n] = pmemset_descriptor_part_map(pm);
			FZ_ASSERT(d[n].addr && d[n].size,
				  "part map descriptor {%p, %zu}", d[n].addr,
				  d[n].size);
			FZ_ASSERT(!n || (char *)d[n].addr >=
						  (char *)d[n - 1].addr +
							  d[n - 1].size,
				  "part maps not in address order");
			chk_note_range(d[n].addr, d[n].size);
		}
		n++;
		pmemset_next_part_map(s, pm, &next);
		pmemset_part_map_drop(&pm);
		FZ_ASSERT(!pm, "pmemset_part_map_drop left the pointer");
		pm = next;
		next = NULL;
		FZ_ASSERT(n < 4096, "part map iteration does not end");
	}
	return n < max ? n : max;
}

static bool pmemset_set_empty(int s)
{
	struct pmemset_part_map *pm = NULL;
	pmemset_first_part_map(set[s].p, &pm);
	if (!pm)
		return true;
	pmemset_part_map_drop(&pm);
	return false;
}

static void op_scfg(struct rd *r)
{
	uint8_t b = rd_u8(r), what = rd_u8(r);
	int i = b % NSCFG;
	bool null = (b & 0xc0) == 0xc0;
	struct pmemset_config *c = null ? NULL : scfg[i].p;
	int ret = 0;

	switch (what % 7) {
	case 0:
		if (null) {
			ret = pmemset_config_new(NULL);
			FZ_ASSERT(ret == -EINVAL,
				  "pmemset_config_new(NULL) = %d", ret);
			return;
		}
		if (scfg[i].p)
			return;
		ret = pmemset_config_new(&scfg[i].p);
		TR("pmemset_config_new(scfg%d) = %d", i, ret);
		chk_ctor(ret, scfg[i].p, "pmemset_config_new");
		scfg[i].rsv = -1;
		scfg[i].cb = false;
		return;
	case 1:
		if (null)
			return;
		ret = pmemset_config_delete(&scfg[i].p);
		TR("pmemset_config_delete(scfg%d) = %d", i, ret);
		FZ_ASSERT(!ret && !scfg[i].p, "pmemset_config_delete = %d",
			  ret);
		return;
	case 2: {
		uint8_t g = rd_u8(r);
		int gv = g < 200 ? g % 4 : (int)(int8_t)g;
		if (!c && !null)
			return;
		ret = pmemset_config_set_required_store_granularity(
			c, (enum pmem2_granularity)gv);
		TR("scfg%d set_required_store_granularity(%d) = %d", i, gv,
		   ret);
		break;
	}
	case 3: {
		int k = rd_u8(r) % (NRSV + 1);
		if (!c || (k < NRSV && !rsv[k].p))
			return;
		pmemset_config_set_reservation(c, k < NRSV ? rsv[k].p : NULL);
		TR("scfg%d set_reservation(rsv%d)", i, k);
		scfg[i].rsv = k < NRSV ? k : -1;
		return;
	}
	case 4: {
		uint8_t s = rd_u8(r);
		uint64_t st = s < 224 ? s & 0x1f : rd_u64(r);
		if (!c && !null)
			return;
		ret = pmemset_config_set_acceptable_states(c, st);
		TR("scfg%d set_acceptable_states(0x%llx) = %d", i,
		   (unsigned long long)st, ret);
		break;
	}
	case 5:
	case 6: {
		if (!c)
			return;
		uint8_t how = rd_u8(r);
		struct cbprog *pg = &progs[i];
		rd_bytes(r, pg, sizeof(*pg));
		if (how % 5 == 0) {
			pmemset_config_set_event_callback(c, NULL, NULL);
			TR("scfg%d set_event_callback(NULL)", i);
			scfg[i].cb = false;
		} else {
			pmemset_config_set_event_callback(c, fz_event_cb, pg);
			TR("scfg%d set_event_callback(prog%d)", i, i);
			scfg[i].cb = true;
		}
		return;
	}
	}
	if (null)
		FZ_ASSERT(ret == -EINVAL,
			  "a pmemset config setter given NULL "
			  "= %d",
			  ret);
	FZ_ASSERT(ret <= 0, "a pmemset config setter = %d", ret);
}

static void op_set_new(struct rd *r)
{
	uint8_t b = rd_u8(r), cb = rd_u8(r);
	int i = b % NSET, c = cb % NSCFG;
	int ret;
	if ((b & 0xc0) == 0xc0) {
		struct pmemset *s = (void *)1;
		ret = pmemset_new(&s, NULL);
		FZ_ASSERT(ret == -EINVAL && !s, "pmemset_new(cfg NULL) = %d",
			  ret);
		return;
	}
	if (set[i].p || !scfg[c].p)
		return;
	ret = pmemset_new(&set[i].p, scfg[c].p);
	TR("pmemset_new(set%d, scfg%d) = %d", i, c, ret);
	chk_ctor(ret, set[i].p, "pmemset_new");
	set[i].rsv = scfg[c].rsv;
	set[i].cb = scfg[c].cb;
	if (cb & 0x80) {
		/* the set copied the config: deleting it changes nothing */
		pmemset_config_delete(&scfg[c].p);
		TR("pmemset_config_delete(scfg%d)", c);
	}
}

/* what must go before a set can be deleted: its parts, its map configs,
 * the harness's references to its part maps */
static void set_dependents_delete(int s)
{
	for (int k = 0; k < NPART; k++)
		if (part[k].p && part[k].set == s)
			pmemset_part_delete(&part[k].p);
	for (int k = 0; k < NMCFG; k++)
		if (mcfg[k].p && mcfg[k].set == s)
			pmemset_map_config_delete(&mcfg[k].p);
	for (int k = 0; k < NPMAP; k++)
		if (pmap[k].p && pmap[k].set == s)
			pmemset_part_map_drop(&pmap[k].p);
}

static int set_delete(int s)
{
	const struct pmemset *f_set = set[s].p;
	set_dependents_delete(s);
	push(set[s].p, true);
	int ret = pmemset_delete(&set[s].p);
	pop();
	TR("pmemset_delete(set%d) = %d", s, ret);
	FZ_ASSERT(ret <= 0, "pmemset_delete = %d", ret);
	if (ret)
		FZ_ASSERT(set[s].p, "a failed pmemset_delete cleared the "
				    "pointer");
	else
		parts_forget(f_set);
	return ret;
}

static void op_set_misc(struct rd *r)
{
	uint8_t b = rd_u8(r), what = rd_u8(r);
	int i = b % NSET;
	struct pmemset *s = set[i].p;
	int ret;

	if ((b & 0xc0) == 0xc0) {
		enum pmem2_granularity g;
		struct pmemset_part_map *pm = (void *)1;
		FZ_ASSERT(pmemset_delete(NULL) == 0, "pmemset_delete(NULL)");
		FZ_ASSERT(pmemset_get_store_granularity(NULL, &g) == -EINVAL,
			  "get_store_granularity(NULL)");
		FZ_ASSERT(pmemset_part_map_by_address(NULL, &pm, NULL) ==
				  -EINVAL,
			  "part_map_by_address(NULL)");
		FZ_ASSERT(pmemset_remove_range(NULL, NULL, 1) == -EINVAL,
			  "remove_range(NULL)");
		FZ_ASSERT(pmemset_set_contiguous_part_coalescing(NULL, 0) ==
				  -EINVAL,
			  "set_contiguous_part_coalescing(NULL)");
		FZ_ASSERT(pmemset_deep_flush(NULL, NULL, 1) == -EINVAL,
			  "deep_flush(NULL)");
		FZ_ASSERT(pmemset_persist(NULL, NULL, 0) < 0 &&
				  pmemset_flush(NULL, NULL, 0) < 0 &&
				  pmemset_drain(NULL) < 0 &&
				  !pmemset_memcpy(NULL, NULL, NULL, 0, 0),
			  "data operations on a NULL set");
		return;
	}
	if (!s)
		return;
	switch (what % 4) {
	case 0:
		set_delete(i);
		return;
	case 1: {
		uint8_t v = rd_u8(r);
		int cv = v < 200 ? v % 4 : (int)(int8_t)v;
		ret = pmemset_set_contiguous_part_coalescing(
			s, (enum pmemset_coalescing)cv);
		TR("set%d coalescing(%d) = %d", i, cv, ret);
		FZ_ASSERT(cv < 0 || cv > 2
				  ? ret == PMEMSET_E_INVALID_COALESCING_VALUE
				  : ret == 0,
			  "coalescing(%d) = %d", cv, ret);
		return;
	}
	case 2: {
		enum pmem2_granularity g = (enum pmem2_granularity) - 1;
		ret = pmemset_get_store_granularity(s, &g);
		TR("set%d get_store_granularity = %d (%d)", i, ret, (int)g);
		FZ_ASSERT(ret == 0 ? g <= PMEM2_GRANULARITY_PAGE
				   : ret == PMEMSET_E_NO_PART_MAPPED,
			  "get_store_granularity = %d (%d)", ret, (int)g);
		if (ret)
			FZ_ASSERT(pmemset_set_empty(i), "a set with parts has "
							"no granularity");
		return;
	}
	default: {
		struct pmemset_part_descriptor d[MAX_PM];
		int n = part_maps(s, d, MAX_PM);
		TR("set%d: %d part maps", i, n);
		return;
	}
	}
}

static void op_mcfg(struct rd *r)
{
	uint8_t b = rd_u8(r), what = rd_u8(r);
	int i = b % NMCFG;
	int ret;
	switch (what % 4) {
	case 0: {
		int s = (what >> 2) % (NSET + 1);
		if (mcfg[i].p)
			return;
		if (s == NSET) {
			/* the final shape */
			ret = pmemset_map_config_new(&mcfg[i].p);
			TR("pmemset_map_config_new(mcfg%d) = %d", i, ret);
			s = -1;
		} else {
			if (!set[s].p)
				return;
			/* the 2021 shape: the config names the set */
			ret = pmemset_map_config_new(&mcfg[i].p, set[s].p);
			TR("pmemset_map_config_new(mcfg%d, set%d) = %d", i, s,
			   ret);
		}
		chk_ctor(ret, mcfg[i].p, "pmemset_map_config_new");
		mcfg[i].set = s;
		mcfg[i].offset = mcfg[i].length = 0;
		return;
	}
	case 1: {
		size_t o = rd_size(r);
		if (!mcfg[i].p)
			return;
		ret = pmemset_map_config_set_offset(mcfg[i].p, o);
		TR("mcfg%d set_offset(%zu) = %d", i, o, ret);
		FZ_ASSERT(o > (size_t)INT64_MAX
				  ? ret == PMEMSET_E_OFFSET_OUT_OF_RANGE
				  : ret == 0,
			  "map_config_set_offset(%zu) = %d", o, ret);
		if (!ret)
			mcfg[i].offset = o;
		return;
	}
	case 2: {
		size_t l = rd_size(r);
		if (!mcfg[i].p)
			return;
		pmemset_map_config_set_length(mcfg[i].p, l);
		TR("mcfg%d set_length(%zu)", i, l);
		mcfg[i].length = l;
		return;
	}
	default:
		ret = pmemset_map_config_delete(&mcfg[i].p);
		TR("pmemset_map_config_delete(mcfg%d) = %d", i, ret);
		FZ_ASSERT(!ret && !mcfg[i].p, "map_config_delete = %d", ret);
		return;
	}
}

static const char *path_choice(uint8_t c)
{
	switch (c % 8) {
	case 0:
	case 1:
	case 2:
		return files[c % 8].path;
	case 3:
	case 4:
		return scratch;
	case 5:
		return nodir;
	case 6:
		return workdir; /* a directory */
	default:
		return NULL;
	}
}

static void op_ssrc_new(struct rd *r)
{
	uint8_t b = rd_u8(r), how = rd_u8(r), pc = rd_u8(r);
	int i = b % NSSRC;
	int ret;
	if (ssrc[i].p)
		return;
	ssrc[i].wraps = -1;
	ssrc[i].state = 0;
	switch (how % 4) {
	case 0: {
		int s = pc % (NSRC + 1);
		if (s < NSRC && !src[s].p)
			return;
		ret = pmemset_source_from_pmem2(&ssrc[i].p,
						s < NSRC ? src[s].p : NULL);
		TR("pmemset_source_from_pmem2(ssrc%d, src%d) = %d", i, s, ret);
		if (s == NSRC)
			FZ_ASSERT(ret == PMEMSET_E_INVALID_PMEM2_SOURCE,
				  "source_from_pmem2(NULL) = %d", ret);
		if (!ret) {
			ssrc[i].wraps = s;
			src[s].wrapped++;
		}
		break;
	}
	case 1: {
		const char *p = path_choice(pc);
		ret = pmemset_source_from_file(&ssrc[i].p, p);
		TR("pmemset_source_from_file(ssrc%d, %s) = %d", i,
		   p ? p : "NULL", ret);
		break;
	}
	case 2: {
		const char *p = path_choice(pc);
		uint8_t fb = rd_u8(r);
		uint64_t flags =
			fb < 200 ? (fb & 7) | PMEMSET_SOURCE_FILE_CREATE_MODE(
						      (fb & 8) ? 0600 : 0)
				 : rd_u64(r);
		if ((flags & PMEMSET_SOURCE_FILE_CREATE_ALWAYS) &&
		    !(flags & ~PMEMSET_SOURCE_FILE_CREATE_VALID_FLAGS) &&
		    !nothing_mapped())
			return; /* it would truncate a mapped file */
		ret = pmemset_xsource_from_file(&ssrc[i].p, p, flags);
		TR("pmemset_xsource_from_file(ssrc%d, %s, 0x%llx) = %d", i,
		   p ? p : "NULL", (unsigned long long)flags, ret);
		break;
	}
	default: {
		const char *d = pc % 4 == 0   ? NULL
				: pc % 4 == 1 ? nodir
				: pc % 4 == 2 ? files[0].path
					      : workdir;
		ret = pmemset_source_from_temporary(&ssrc[i].p, d);
		TR("pmemset_source_from_temporary(ssrc%d, %s) = %d", i,
		   d ? d : "NULL", ret);
		if (d == workdir)
			FZ_ASSERT(ret == 0, "source_from_temporary(%s) = %d", d,
				  ret);
		break;
	}
	}
	chk_ctor(ret, ssrc[i].p, "pmemset source constructor");
}

static void ssrc_delete(int i)
{
	int ret = pmemset_source_delete(&ssrc[i].p);
	TR("pmemset_source_delete(ssrc%d) = %d", i, ret);
	FZ_ASSERT(!ret && !ssrc[i].p, "pmemset_source_delete = %d", ret);
	if (ssrc[i].wraps >= 0)
		src[ssrc[i].wraps].wrapped--;
	ssrc[i].wraps = -1;
}

/* a shutdown-state record from the input, sometimes matching the device */
static void make_sds(struct rd *r, struct pmemset_sds *sds)
{
	uint8_t k = rd_u8(r);
	memset(sds, 0, sizeof(*sds));
	const char *known = target->known_id ? target->known_id() : NULL;
	switch (k % 4) {
	case 0:
		break;
	case 1:
		if (known)
			snprintf(sds->id, sizeof(sds->id), "%s", known);
		break;
	case 2: { /* a few printable bytes */
		size_t n = rd_u8(r) % 24;
		for (size_t j = 0; j < n; j++)
			sds->id[j] = (char)(' ' + rd_u8(r) % 95);
		break;
	}
	default: /* the whole array, maybe without a terminator */
		memset(sds->id, 'A' + rd_u8(r) % 26, sizeof(sds->id));
		break;
	}
	uint64_t usc = target->known_usc ? target->known_usc() : 0;
	switch ((k >> 2) % 4) {
	case 0:
		sds->usc = usc;
		break;
	case 1:
		sds->usc = usc + 1;
		break;
	case 2:
		sds->usc = usc - 1;
		break;
	default:
		sds->usc = rd_u64(r);
		break;
	}
	switch ((k >> 4) % 4) {
	case 0:
		sds->refcount = 0;
		break;
	case 1:
		sds->refcount = 1;
		break;
	case 2:
		sds->refcount = (int)(rd_u8(r) % 5) - 1;
		break;
	default:
		sds->refcount = (int)rd_u32(r);
		break;
	}
}

static void op_ssrc_misc(struct rd *r)
{
	uint8_t b = rd_u8(r), what = rd_u8(r);
	int i = b % NSSRC;
	struct pmemset_source *s = ssrc[i].p;
	int ret;
	if (!s)
		return;
	switch (what % 6) {
	case 0:
		ssrc_delete(i);
		return;
	case 1: {
		struct pmemset_sds sds;
		make_sds(r, &sds);
		ret = pmemset_source_set_sds(
			s, &sds, (what & 0x80) ? NULL : &ssrc[i].state);
		TR("ssrc%d set_sds(usc %llu, ref %d) = %d", i,
		   (unsigned long long)sds.usc, sds.refcount, ret);
		FZ_ASSERT(ret == 0 || ret == PMEMSET_E_SDS_ALREADY_SET,
			  "set_sds = %d", ret);
		return;
	}
	case 2:
		pmemset_source_set_badblock_detection(s, what & 0x80);
		TR("ssrc%d set_badblock_detection(%d)", i, !!(what & 0x80));
		return;
	case 3: {
		size_t off = rd_size(r), len = rd_u32(r) % (DATA_MAX + 1);
		if (what & 0x80) {
			if (too_big(off, len))
				return;
			ret = pmemset_source_pwrite_mcsafe(s, srcbuf, len, off);
		} else {
			ret = pmemset_source_pread_mcsafe(s, iobuf, len, off);
		}
		TR("ssrc%d %s_mcsafe(%zu, %zu) = %d", i,
		   what & 0x80 ? "pwrite" : "pread", len, off, ret);
		FZ_ASSERT(ret <= 0, "pmemset mcsafe = %d", ret);
		return;
	}
	case 4: {
		size_t a = 0;
		ret = pmemset_source_alignment(s, &a);
		TR("ssrc%d alignment = %d (%zu)", i, ret, a);
		FZ_ASSERT(ret <= 0, "pmemset_source_alignment = %d", ret);
		return;
	}
	default: {
		struct pmemset_badblock bb = {rd_size(r), rd_size(r)};
		if (too_big(bb.offset, bb.length))
			return;
		ret = pmemset_badblock_clear(&bb, s);
		TR("ssrc%d badblock_clear(%zu, %zu) = %d", i, bb.offset,
		   bb.length, ret);
		FZ_ASSERT(ret <= 0, "pmemset_badblock_clear = %d", ret);
		return;
	}
	}
}

/* would mapping [off, off+len) of pmemset source s grow a file too far
 * (len 0: the source's size, which never grows anything), or map /dev/zero
 * at an offset (see map_made)? */
static bool map_unwanted(int s, size_t off, size_t len)
{
	int w = ssrc[s].wraps;
	if (off && w >= 0 && src[w].kind == SK_ZERO)
		return true;
	return too_big(off, len);
}

/* the record the old shapes' extras carry */
static struct pmemset_part_shutdown_state_data sds_in, sds_out;
static enum pmemset_part_state extras_state;

static struct pmemset_extras *make_extras(struct rd *r,
					  struct pmemset_extras *x)
{
	uint8_t k = rd_u8(r);
	if (k % 4 == 0)
		return NULL;
	memset(x, 0, sizeof(*x));
	if (k & 4) {
		struct pmemset_sds sds;
		make_sds(r, &sds);
		memcpy(sds_in.id, sds.id, sizeof(sds_in.id));
		sds_in.usc = sds.usc;
		sds_in.refcount = sds.refcount;
		x->sds_in = &sds_in;
	}
	if (k & 8)
		x->sds_out = &sds_out;
	if (k & 16)
		x->state = &extras_state;
	return x;
}

/* after a successful map: the descriptor covers the part PART_ADD named */
static void map_done(struct frame *f, int ret,
		     struct pmemset_part_descriptor *d, const char *fn)
{
	int si = slot_of_set(f->set);
	bool cb = si >= 0 && set[si].cb;
	FZ_ASSERT(ret <= 0 || f->cleared_fired, "%s returned %d, positive", fn,
		  ret);
	if (f->cleared_fired && f->cleared_ret)
		FZ_ASSERT(ret == f->cleared_ret,
			  "%s: the BADBLOCKS_CLEARED callback returned %d, "
			  "the map %d",
			  fn, f->cleared_ret, ret);
	if (ret)
		return;
	if (d) {
		FZ_ASSERT(d->addr && d->size, "%s: descriptor {%p, %zu}", fn,
			  d->addr, d->size);
		chk_note_range(d->addr, d->size);
		if (f->added)
			FZ_ASSERT((char *)f->added >= (char *)d->addr &&
					  (char *)f->added + f->added_len <=
						  (char *)d->addr + d->size,
				  "%s: part [%p, +%zu) outside its part map "
				  "[%p, +%zu)",
				  fn, f->added, f->added_len, d->addr, d->size);
	}
	if (cb)
		FZ_ASSERT(f->added, "%s succeeded without PART_ADD", fn);
}

static void op_smap(struct rd *r)
{
	uint8_t b = rd_u8(r), sb = rd_u8(r), mb = rd_u8(r);
	int i = b % NSET, s = sb % NSSRC, m = mb % (NMCFG + 1);
	struct pmemset_part_descriptor d = {NULL, 0},
				       *dp = (b & 0x40) ? NULL : &d;
	int ret;

	if (!ssrc[s].p)
		return;
	if (b & 0x80) {
		/* older shape: pmemset_map(src, map_cfg, extras, desc) with a
		 * map config made for a set */
		if (m == NMCFG || !mcfg[m].p || mcfg[m].set < 0 ||
		    map_unwanted(s, mcfg[m].offset, mcfg[m].length))
			return;
		struct pmemset_extras x, *xp = make_extras(r, &x);
		struct pmemset *sp = set[mcfg[m].set].p;
		struct frame *f = push(sp, false);
		ret = pmemset_map(ssrc[s].p, mcfg[m].p, xp, dp);
		TR("pmemset_map(ssrc%d, mcfg%d, extras %p) = %d", s, m,
		   (void *)xp, ret);
		map_done(f, ret, dp, "pmemset_map (older shape)");
		pop();
		return;
	}
	if (!set[i].p)
		return;
	struct pmemset_map_config *mc = m < NMCFG ? mcfg[m].p : NULL;
	if (m < NMCFG && !mc)
		return;
	if (mc && map_unwanted(s, mcfg[m].offset, mcfg[m].length))
		return;
	struct frame *f = push(set[i].p, false);
	ret = pmemset_map(set[i].p, ssrc[s].p, mc, dp);
	TR("pmemset_map(set%d, ssrc%d, mcfg%d) = %d", i, s, m, ret);
	if (mc && mcfg[m].set >= 0 && mcfg[m].set != i)
		FZ_ASSERT(ret == -EINVAL,
			  "a map config of set%d used with "
			  "set%d: %d",
			  mcfg[m].set, i, ret);
	map_done(f, ret, dp, "pmemset_map");
	pop();
}

static void op_part(struct rd *r)
{
	uint8_t b = rd_u8(r), what = rd_u8(r);
	int k = b % NPART;
	int ret;
	switch (what % 3) {
	case 0: {
		int i = (what >> 2) % NSET, s = rd_u8(r) % NSSRC;
		size_t off = rd_size(r), len = rd_size(r);
		if (part[k].p || !set[i].p || !ssrc[s].p ||
		    map_unwanted(s, off, len))
			return;
		ret = pmemset_part_new(&part[k].p, set[i].p, ssrc[s].p, off,
				       len);
		TR("pmemset_part_new(part%d, set%d, ssrc%d, %zu, %zu) = %d", k,
		   i, s, off, len, ret);
		chk_ctor(ret, part[k].p, "pmemset_part_new");
		part[k].set = i;
		part[k].offset = off;
		part[k].length = len;
		return;
	}
	case 1: {
		if (!part[k].p)
			return;
		struct pmemset_extras x, *xp = make_extras(r, &x);
		struct pmemset_part_descriptor d = {NULL, 0};
		struct frame *f = push(set[part[k].set].p, false);
		ret = pmemset_part_map(&part[k].p, xp,
				       (what & 0x80) ? NULL : &d);
		TR("pmemset_part_map(part%d) = %d", k, ret);
		map_done(f, ret, (what & 0x80) ? NULL : &d, "pmemset_part_map");
		pop();
		if (ret)
			FZ_ASSERT(part[k].p, "a failed part map consumed the "
					     "part");
		else
			FZ_ASSERT(!part[k].p, "part_map left the part");
		return;
	}
	default:
		ret = pmemset_part_delete(&part[k].p);
		TR("pmemset_part_delete(part%d) = %d", k, ret);
		FZ_ASSERT(!ret && !part[k].p, "part_delete = %d", ret);
		return;
	}
}

/* an address near set s's part maps, from the input */
static void *pick_addr(struct rd *r, int s)
{
	uint8_t how = rd_u8(r);
	struct pmemset_part_descriptor d[MAX_PM];
	int n = set[s].p ? part_maps(set[s].p, d, MAX_PM) : 0;
	switch (how % 4) {
	case 0:
	case 1:
		if (!n)
			return NULL;
		return (void *)((uintptr_t)d[(how >> 2) % n].addr +
				(rd_u32(r) %
				 (d[(how >> 2) % n].size + 2 * PAGE)) -
				PAGE);
	case 2: {
		int j = (how >> 2) % NMAP;
		return map[j].p ? map[j].addr : (void *)own;
	}
	default:
		return (void *)(uintptr_t)rd_u64(r);
	}
}

static void op_pmap(struct rd *r)
{
	uint8_t b = rd_u8(r), what = rd_u8(r);
	int k = b % NPMAP, i = (what >> 3) % NSET;
	struct pmemset *s = set[i].p;
	int ret;
	switch (what % 6) {
	case 0: {
		if (pmap[k].p || !s)
			return;
		void *a = pick_addr(r, i);
		ret = pmemset_part_map_by_address(s, &pmap[k].p, a);
		TR("set%d part_map_by_address(pmap%d, %p) = %d", i, k, a, ret);
		FZ_ASSERT(ret == 0 || ret == PMEMSET_E_CANNOT_FIND_PART_MAP,
			  "part_map_by_address = %d", ret);
		chk_ctor(ret, pmap[k].p, "pmemset_part_map_by_address");
		if (!ret) {
			struct pmemset_part_descriptor d =
				pmemset_descriptor_part_map(pmap[k].p);
			FZ_ASSERT((char *)a >= (char *)d.addr &&
					  (char *)a < (char *)d.addr + d.size,
				  "part map {%p, %zu} does not hold %p", d.addr,
				  d.size, a);
			pmap[k].set = i;
		}
		return;
	}
	case 1:
		if (pmap[k].p || !s)
			return;
		pmemset_first_part_map(s, &pmap[k].p);
		TR("set%d first_part_map(pmap%d) = %p", i, k,
		   (void *)pmap[k].p);
		pmap[k].set = i;
		return;
	case 2: {
		/* the next part map after the one in slot k, into slot k2 */
		int k2 = rd_u8(r) % NPMAP;
		if (!pmap[k].p || pmap[k2].p)
			return;
		int si = (what & 0x80) ? i : pmap[k].set;
		if (!set[si].p)
			return;
		pmemset_next_part_map(set[si].p, pmap[k].p, &pmap[k2].p);
		TR("set%d next_part_map(pmap%d) -> pmap%d = %p", si, k, k2,
		   (void *)pmap[k2].p);
		if (si != pmap[k].set)
			FZ_ASSERT(!pmap[k2].p, "next_part_map of another set's "
					       "part map");
		pmap[k2].set = si;
		if (pmap[k2].p) {
			struct pmemset_part_descriptor a =
				pmemset_descriptor_part_map(pmap[k].p);
			struct pmemset_part_descriptor c =
				pmemset_descriptor_part_map(pmap[k2].p);
			FZ_ASSERT((char *)c.addr >= (char *)a.addr + a.size,
				  "next_part_map went backwards");
		}
		return;
	}
	case 3:
		TR("pmemset_part_map_drop(pmap%d)", k);
		pmemset_part_map_drop(&pmap[k].p);
		FZ_ASSERT(!pmap[k].p, "drop left the pointer");
		return;
	case 4: {
		if (!pmap[k].p)
			return;
		int si = (what & 0x80) ? i : pmap[k].set;
		if (!set[si].p)
			return;
		/* the harness's reference is the only one it holds */
		for (int j = 0; j < NPMAP; j++)
			if (j != k && pmap[j].p == pmap[k].p)
				pmemset_part_map_drop(&pmap[j].p);
		push(set[si].p, true);
		ret = pmemset_remove_part_map(set[si].p, &pmap[k].p);
		pop();
		TR("set%d remove_part_map(pmap%d) = %d", si, k, ret);
		if (si != pmap[k].set)
			FZ_ASSERT(ret == PMEMSET_E_PART_NOT_FOUND,
				  "remove_part_map of another set's part map "
				  "= %d",
				  ret);
		FZ_ASSERT(ret <= 0, "remove_part_map = %d", ret);
		FZ_ASSERT(ret ? pmap[k].p != NULL : pmap[k].p == NULL,
			  "remove_part_map %d and the pointer", ret);
		return;
	}
	default: {
		if (!s)
			return;
		void *a = pick_addr(r, i);
		size_t len = rd_size(r);
		struct frame *f = push(s, true);
		f->addr = a;
		f->len = len;
		ret = pmemset_remove_range(s, a, len);
		pop();
		TR("set%d remove_range(%p, %zu) = %d", i, a, len, ret);
		FZ_ASSERT(ret <= 0, "remove_range = %d", ret);
		if (ret == 0 && len) {
			struct pmemset_part_map *pm = (void *)1;
			int r2 = pmemset_part_map_by_address(s, &pm, a);
			FZ_ASSERT(r2 == PMEMSET_E_CANNOT_FIND_PART_MAP && !pm,
				  "a part map at %p after removing "
				  "[%p, +%zu): %d",
				  a, a, len, r2);
		}
		return;
	}
	}
}

/*
 * A data operation of set s inside one of its live part maps (or, in a
 * callback, inside the range the event names). Returns false when there
 * is nothing to operate on.
 */
static bool set_data(struct rd *r, struct pmemset *s, uint8_t kind, char *base,
		     size_t size)
{
	size_t off, len;
	unsigned flags;
	uint8_t fb = rd_u8(r);
	flags = fb < 240 ? fb & PMEMSET_F_MEM_VALID_FLAGS : fb;
	pick_range(r, size, &off, &len);
	if (!base || !size)
		return false;
	char *p = base + off;
	struct frame *f = push(s, false);
	unsigned w0 = cb_writes;
	bool valid = !(flags & ~PMEMSET_F_MEM_VALID_FLAGS);
	bool one = in_one_part(s, p, len);
	switch (kind % 7) {
	case 0: {
		f->op = 1;
		f->addr = p;
		f->len = len;
		void *ret = pmemset_memcpy(s, p, srcbuf, len, flags);
		TR("pmemset_memcpy(%p, %zu, 0x%x) = %p", (void *)p, len, flags,
		   ret);
		FZ_ASSERT(valid ? ret == p : ret == NULL,
			  "pmemset_memcpy returned %p", ret);
		if (valid && one && cb_writes == w0)
			expect_bytes(p, srcbuf, len, "pmemset_memcpy");
		break;
	}
	case 1: {
		f->op = 1;
		size_t o2 = rd_u32(r) % (size - len + 1);
		f->addr = p;
		f->len = len;
		memcpy(chkbuf, base + o2, len);
		/* source and destination in one part */
		char *lo = base + (o2 < off ? o2 : off);
		one = in_one_part(s, lo,
				  (o2 < off ? off : o2) + len -
					  (size_t)(lo - base));
		void *ret = pmemset_memmove(s, p, base + o2, len, flags);
		TR("pmemset_memmove(%p, %p, %zu, 0x%x) = %p", (void *)p,
		   (void *)(base + o2), len, flags, ret);
		FZ_ASSERT(valid ? ret == p : ret == NULL,
			  "pmemset_memmove returned %p", ret);
		if (valid && one && cb_writes == w0)
			expect_bytes(p, chkbuf, len, "pmemset_memmove");
		break;
	}
	case 2: {
		int c = rd_u8(r);
		f->op = 2;
		f->addr = p;
		f->len = len;
		void *ret = pmemset_memset(s, p, c, len, flags);
		TR("pmemset_memset(%p, %d, %zu, 0x%x) = %p", (void *)p, c, len,
		   flags, ret);
		FZ_ASSERT(valid ? ret == p : ret == NULL,
			  "pmemset_memset returned %p", ret);
		if (valid && one && cb_writes == w0)
			expect_fill(p, c, len, "pmemset_memset");
		break;
	}
	case 3: {
		f->op = 3;
		f->addr = p;
		f->len = len;
		int ret = pmemset_persist(s, p, len);
		TR("pmemset_persist(%p, %zu) = %d", (void *)p, len, ret);
		FZ_ASSERT(ret == 0, "pmemset_persist = %d", ret);
		break;
	}
	case 4: {
		f->op = 3;
		f->addr = p;
		f->len = len;
		int ret = pmemset_flush(s, p, len);
		TR("pmemset_flush(%p, %zu) = %d", (void *)p, len, ret);
		FZ_ASSERT(ret == 0, "pmemset_flush = %d", ret);
		ret = pmemset_drain(s);
		FZ_ASSERT(ret == 0, "pmemset_drain = %d", ret);
		break;
	}
	case 5: {
		/* any range: parts outside it are ignored */
		size_t l = (fb & 1) ? len : rd_size(r);
		char *q = (fb & 2) ? p : (char *)((uintptr_t)p - rd_u16(r));
		int ret = pmemset_deep_flush(s, q, l);
		TR("pmemset_deep_flush(%p, %zu) = %d", (void *)q, l, ret);
		FZ_ASSERT(ret == 0 || ret == PMEMSET_E_DEEP_FLUSH_FAIL,
			  "pmemset_deep_flush = %d", ret);
		break;
	}
	default: {
		int ret = pmemset_drain(s);
		TR("pmemset_drain = %d", ret);
		FZ_ASSERT(ret == 0, "pmemset_drain = %d", ret);
		break;
	}
	}
	pop();
	return true;
}

static void op_sdata(struct rd *r)
{
	uint8_t b = rd_u8(r), kind = rd_u8(r), pick = rd_u8(r);
	int i = b % NSET;
	if (!set[i].p)
		return;
	struct pmemset_part_descriptor d[MAX_PM];
	int n = part_maps(set[i].p, d, MAX_PM);
	if (!n) {
		/* before the first part: documented refusals */
		struct frame *f = push(set[i].p, false);
		f->op = 3;
		int ret = pmemset_persist(set[i].p, NULL, 0);
		pop();
		if (ret)
			FZ_ASSERT(ret == PMEMSET_E_NO_PART_MAPPED,
				  "persist before the first part = %d", ret);
		return;
	}
	int j = pick % n;
	set_data(r, set[i].p, kind, d[j].addr, d[j].size);
}

/* ---------------------------------------------------------------- events */

static int depth;

/* the range an event names that is mapped while the callback runs */
static bool event_range(struct pmemset_event_context *ctx, char **a, size_t *l)
{
	switch (ctx->type) {
	case PMEMSET_EVENT_PART_ADD:
		*a = ctx->data.part_add.addr;
		*l = ctx->data.part_add.len;
		return true;
	case PMEMSET_EVENT_PART_REMOVE:
		*a = ctx->data.part_remove.addr;
		*l = ctx->data.part_remove.len;
		return true;
	case PMEMSET_EVENT_COPY:
		*a = ctx->data.copy.dest;
		*l = ctx->data.copy.len;
		return true;
	case PMEMSET_EVENT_MOVE:
		*a = ctx->data.move.dest;
		*l = ctx->data.move.len;
		return true;
	case PMEMSET_EVENT_SET:
		*a = ctx->data.set.dest;
		*l = ctx->data.set.len;
		return true;
	case PMEMSET_EVENT_FLUSH:
		*a = ctx->data.flush.addr;
		*l = ctx->data.flush.len;
		return true;
	case PMEMSET_EVENT_PERSIST:
		*a = ctx->data.persist.addr;
		*l = ctx->data.persist.len;
		return true;
	default:
		return false;
	}
}

/* the payload describes the call that fired it */
static void check_payload(struct pmemset *s, struct pmemset_event_context *ctx)
{
	struct frame *f = top_frame_of(s);
	FZ_ASSERT(f, "event %d of a set with no call in progress on it",
		  (int)ctx->type);
	switch (ctx->type) {
	case PMEMSET_EVENT_COPY:
	case PMEMSET_EVENT_MOVE:
		if (f->op == 1)
			FZ_ASSERT(ctx->data.copy.dest == f->addr &&
					  ctx->data.copy.len == f->len,
				  "COPY/MOVE payload {%p, %zu}, call {%p, %zu}",
				  ctx->data.copy.dest, ctx->data.copy.len,
				  f->addr, f->len);
		break;
	case PMEMSET_EVENT_SET:
		if (f->op == 2)
			FZ_ASSERT(ctx->data.set.dest == f->addr &&
					  ctx->data.set.len == f->len,
				  "SET payload {%p, %zu}, call {%p, %zu}",
				  ctx->data.set.dest, ctx->data.set.len,
				  f->addr, f->len);
		break;
	case PMEMSET_EVENT_PERSIST:
		/* pmemset_persist fires FLUSH and then DRAIN, as PMDK's
		 * pmemset_config_set_event_callback(3) documents */
		FZ_ASSERT(0, "PERSIST fired; nothing fires it");
		break;
	case PMEMSET_EVENT_FLUSH:
		if (f->op == 3)
			FZ_ASSERT(ctx->data.flush.addr == f->addr &&
					  ctx->data.flush.len == f->len,
				  "FLUSH payload {%p, %zu}, call {%p, %zu}",
				  ctx->data.flush.addr, ctx->data.flush.len,
				  f->addr, f->len);
		break;
	case PMEMSET_EVENT_REMOVE_RANGE:
		FZ_ASSERT(f->locked, "REMOVE_RANGE outside a removal");
		if (f->len)
			FZ_ASSERT(ctx->data.remove_range.addr == f->addr &&
					  ctx->data.remove_range.len == f->len,
				  "REMOVE_RANGE payload {%p, %zu}, call {%p, "
				  "%zu}",
				  ctx->data.remove_range.addr,
				  ctx->data.remove_range.len, f->addr, f->len);
		break;
	case PMEMSET_EVENT_PART_REMOVE:
		FZ_ASSERT(f->locked, "PART_REMOVE outside a removal");
		FZ_ASSERT(ctx->data.part_remove.addr &&
				  ctx->data.part_remove.len,
			  "PART_REMOVE {%p, %zu}", ctx->data.part_remove.addr,
			  ctx->data.part_remove.len);
		part_removed(s, ctx->data.part_remove.addr,
			     ctx->data.part_remove.len);
		break;
	case PMEMSET_EVENT_PART_ADD:
		FZ_ASSERT(!f->locked && ctx->data.part_add.addr &&
				  ctx->data.part_add.len &&
				  ctx->data.part_add.src,
			  "PART_ADD {%p, %zu, %p}", ctx->data.part_add.addr,
			  ctx->data.part_add.len,
			  (void *)ctx->data.part_add.src);
		f->added = ctx->data.part_add.addr;
		f->added_len = ctx->data.part_add.len;
		chk_note_range(f->added, f->added_len);
		part_added(s, f->added, f->added_len);
		break;
	case PMEMSET_EVENT_SDS_UPDATE:
		FZ_ASSERT(ctx->data.sds_update.sds && ctx->data.sds_update.src,
			  "SDS_UPDATE without a record or source");
		FZ_ASSERT(ctx->data.sds_update.sds->refcount >= 0,
			  "SDS_UPDATE refcount %d",
			  ctx->data.sds_update.sds->refcount);
		break;
	case PMEMSET_EVENT_BADBLOCK:
		FZ_ASSERT(ctx->data.badblock.bb && ctx->data.badblock.src,
			  "BADBLOCK without a block or source");
		break;
	default:
		break;
	}
}

/* a call into a locked set from a callback: -EDEADLK, nothing changes */
static void expect_deadlock(struct pmemset *s, uint8_t which)
{
	int ret;
	switch (which % 5) {
	case 0: {
		for (int k = 0; k < NSSRC; k++) {
			if (!ssrc[k].p)
				continue;
			ret = pmemset_map(s, ssrc[k].p, NULL, NULL);
			FZ_ASSERT(ret == -EDEADLK,
				  "pmemset_map of a locked set = %d", ret);
			break;
		}
		break;
	}
	case 1: {
		struct pmemset_part_map *pm = (void *)1;
		ret = pmemset_part_map_by_address(s, &pm, NULL);
		FZ_ASSERT(ret == -EDEADLK && !pm,
			  "part_map_by_address of a locked set = %d", ret);
		pm = (void *)1;
		pmemset_first_part_map(s, &pm);
		FZ_ASSERT(!pm, "first_part_map of a locked set gave %p",
			  (void *)pm);
		break;
	}
	case 2:
		ret = pmemset_remove_range(s, NULL, SIZE_MAX);
		FZ_ASSERT(ret == -EDEADLK, "remove_range of a locked set = %d",
			  ret);
		break;
	case 3: {
		struct pmemset *copy = s;
		ret = pmemset_delete(&copy);
		FZ_ASSERT(ret == -EDEADLK && copy == s,
			  "pmemset_delete of a locked set = %d", ret);
		break;
	}
	default:
		for (int k = 0; k < NPMAP; k++) {
			if (!pmap[k].p || set[pmap[k].set].p != s)
				continue;
			struct pmemset_part_map *pm = pmap[k].p;
			ret = pmemset_remove_part_map(s, &pm);
			FZ_ASSERT(ret == -EDEADLK && pm == pmap[k].p,
				  "remove_part_map of a locked set = %d", ret);
			break;
		}
		break;
	}
}

/* one action of an event program */
static int cb_action(struct pmemset *s, struct pmemset_event_context *ctx,
		     uint8_t act, uint8_t arg)
{
	bool locked = is_locked(s);
	char *a = NULL;
	size_t l = 0;
	bool ranged = event_range(ctx, &a, &l);
	int ret;

	switch (act % 12) {
	case 0:
		return 0;
	case 1: { /* data operation on the event's range */
		if (!ranged || !l)
			return 0;
		uint8_t bytes[8] = {arg,
				    (uint8_t)(arg * 7),
				    (uint8_t)(arg >> 3),
				    5,
				    1,
				    0,
				    3,
				    9};
		struct rd r = {bytes, sizeof(bytes)};
		if (set_data(&r, s, arg % 6, a, l))
			cb_writes++;
		return 0;
	}
	case 2: { /* lookup */
		if (locked) {
			expect_deadlock(s, 1);
			return 0;
		}
		struct pmemset_part_map *pm = NULL;
		ret = pmemset_part_map_by_address(s, &pm, ranged ? a : NULL);
		FZ_ASSERT(ret == 0 || ret == PMEMSET_E_CANNOT_FIND_PART_MAP,
			  "part_map_by_address in a callback = %d", ret);
		if (pm) {
			pmemset_descriptor_part_map(pm);
			pmemset_part_map_drop(&pm);
		}
		return 0;
	}
	case 3: { /* iterate */
		struct pmemset_part_descriptor d[MAX_PM];
		if (locked)
			expect_deadlock(s, 1);
		else
			part_maps(s, d, MAX_PM);
		return 0;
	}
	case 4: { /* map a part into this set */
		if (locked) {
			expect_deadlock(s, 0);
			return 0;
		}
		int k = arg % NSSRC;
		if (!ssrc[k].p)
			return 0;
		struct frame *f = push(s, false);
		struct pmemset_part_descriptor d;
		ret = pmemset_map(s, ssrc[k].p, NULL, &d);
		TR("  cb: pmemset_map(ssrc%d) = %d", k, ret);
		map_done(f, ret, &d, "pmemset_map in a callback");
		pop();
		return 0;
	}
	case 5: /* removals and delete: only where they must be refused */
		if (locked)
			expect_deadlock(s, 2 + arg % 3);
		return 0;
	case 6: { /* map into another set */
		int t = arg % NSET;
		if (!set[t].p || set[t].p == s)
			return 0;
		int k = (arg >> 2) % NSSRC;
		if (!ssrc[k].p)
			return 0;
		if (is_locked(set[t].p)) {
			expect_deadlock(set[t].p, 0);
			return 0;
		}
		struct frame *f = push(set[t].p, false);
		struct pmemset_part_descriptor d;
		ret = pmemset_map(set[t].p, ssrc[k].p, NULL, &d);
		TR("  cb: pmemset_map(set%d, ssrc%d) = %d", t, k, ret);
		map_done(f, ret, &d,
			 "pmemset_map of another set in a callback");
		pop();
		return 0;
	}
	case 7: { /* source functions on the event's source */
		struct pmemset_source *es = NULL;
		if (ctx->type == PMEMSET_EVENT_SDS_UPDATE)
			es = ctx->data.sds_update.src;
		else if (ctx->type == PMEMSET_EVENT_BADBLOCK)
			es = ctx->data.badblock.src;
		else if (ctx->type == PMEMSET_EVENT_BADBLOCKS_CLEARED)
			es = ctx->data.badblocks_cleared.src;
		if (!es)
			return 0;
		size_t al;
		ret = pmemset_source_alignment(es, &al);
		FZ_ASSERT(ret <= 0, "source_alignment in a callback = %d", ret);
		ret = pmemset_source_pread_mcsafe(es, iobuf, arg, 0);
		FZ_ASSERT(ret <= 0, "pread in a callback = %d", ret);
		return 0;
	}
	case 8: /* repair the bad block */
		if (ctx->type != PMEMSET_EVENT_BADBLOCK)
			return 0;
		ret = pmemset_badblock_clear(ctx->data.badblock.bb,
					     ctx->data.badblock.src);
		TR("  cb: pmemset_badblock_clear({%zu, %zu}) = %d",
		   ctx->data.badblock.bb->offset, ctx->data.badblock.bb->length,
		   ret);
		FZ_ASSERT(ret <= 0, "badblock_clear in a callback = %d", ret);
		if (!ret && target->bb_cleared)
			target->bb_cleared();
		return 0;
	case 9: /* the pmem2 source of PART_ADD */
		if (ctx->type != PMEMSET_EVENT_PART_ADD)
			return 0;
		query_source(ctx->data.part_add.src, arg % 3, -1);
		return 0;
	case 10: { /* granularity and deep flush */
		enum pmem2_granularity g;
		ret = pmemset_get_store_granularity(s, &g);
		FZ_ASSERT(ret == 0 || ret == PMEMSET_E_NO_PART_MAPPED,
			  "get_store_granularity in a callback = %d", ret);
		if (ranged && l) {
			ret = pmemset_deep_flush(s, a, l);
			FZ_ASSERT(ret == 0 || ret == PMEMSET_E_DEEP_FLUSH_FAIL,
				  "deep_flush in a callback = %d", ret);
		}
		return 0;
	}
	default: /* a return value (counts for BADBLOCKS_CLEARED only) */
		return arg % 4 == 0   ? 0
		       : arg % 4 == 1 ? -1
		       : arg % 4 == 2 ? 1
				      : -EIO;
	}
}

int fz_event_cb(struct pmemset *s, struct pmemset_event_context *ctx, void *arg)
{
	struct cbprog *pg = arg;
	FZ_ASSERT(s && ctx, "callback without a set or context");
	FZ_ASSERT((unsigned)ctx->type < NEV, "event type %d", (int)ctx->type);
	FZ_ASSERT(slot_of_set(s) >= 0 || in_progress(s),
		  "an event of a set that does not exist");
	if (fz_trace)
		fz_tracef("  event %d of set%d (depth %d%s)", (int)ctx->type,
			  slot_of_set(s), depth,
			  is_locked(s) ? ", locked" : "");
	check_payload(s, ctx);
	if (in_cleanup || depth >= MAX_DEPTH)
		return 0;
	depth++;
	const uint8_t *a = pg->act[ctx->type];
	int ret = cb_action(s, ctx, a[0], a[1]);
	int ret2 = cb_action(s, ctx, a[2], a[3]);
	depth--;
	if (!ret)
		ret = ret2;
	if (ctx->type == PMEMSET_EVENT_BADBLOCKS_CLEARED) {
		struct frame *f = top_frame_of(s);
		f->cleared_fired = true;
		f->cleared_ret = ret;
	}
	return ret;
}

/* ---------------------------------------------------------------- driver */

enum op {
	OP_CFG_NEW,
	OP_CFG_DELETE,
	OP_CFG_SET,
	OP_SRC_NEW,
	OP_SRC_DELETE,
	OP_SRC_QUERY,
	OP_SRC_MCSAFE,
	OP_MAP_NEW,
	OP_MAP_EXISTING,
	OP_MAP_DELETE,
	OP_MAP_GET,
	OP_MAP_DATA,
	OP_RSV_NEW,
	OP_RSV_DELETE,
	OP_RSV_RESIZE,
	OP_RSV_FIND,
	OP_BB,
	OP_OWN_MAP,
	OP_OWN_UNMAP,
	OP_FILE_RESIZE,
	OP_ENV,
	OP_ERRORS,
	OP_SCFG,
	OP_SET_NEW,
	OP_SET_MISC,
	OP_MCFG,
	OP_SSRC_NEW,
	OP_SSRC_MISC,
	OP_SMAP,
	OP_PART,
	OP_PMAP,
	OP_SDATA,
	OP_EXTRA,
	NOPS
};

static void (*const ops[NOPS])(struct rd *) = {
	[OP_CFG_NEW] = op_cfg_new,
	[OP_CFG_DELETE] = op_cfg_delete,
	[OP_CFG_SET] = op_cfg_set,
	[OP_SRC_NEW] = op_src_new,
	[OP_SRC_DELETE] = op_src_delete,
	[OP_SRC_QUERY] = op_src_query,
	[OP_SRC_MCSAFE] = op_src_mcsafe,
	[OP_MAP_NEW] = op_map_new,
	[OP_MAP_EXISTING] = op_map_existing,
	[OP_MAP_DELETE] = op_map_delete,
	[OP_MAP_GET] = op_map_get,
	[OP_MAP_DATA] = op_map_data,
	[OP_RSV_NEW] = op_rsv_new,
	[OP_RSV_DELETE] = op_rsv_delete,
	[OP_RSV_RESIZE] = op_rsv_resize,
	[OP_RSV_FIND] = op_rsv_find,
	[OP_BB] = op_bb,
	[OP_OWN_MAP] = op_own_map,
	[OP_OWN_UNMAP] = op_own_unmap,
	[OP_FILE_RESIZE] = op_file_resize,
	[OP_ENV] = op_env,
	[OP_ERRORS] = op_errors,
	[OP_SCFG] = op_scfg,
	[OP_SET_NEW] = op_set_new,
	[OP_SET_MISC] = op_set_misc,
	[OP_MCFG] = op_mcfg,
	[OP_SSRC_NEW] = op_ssrc_new,
	[OP_SSRC_MISC] = op_ssrc_misc,
	[OP_SMAP] = op_smap,
	[OP_PART] = op_part,
	[OP_PMAP] = op_pmap,
	[OP_SDATA] = op_sdata,
};

static unsigned nops_done;

/* the stack frame that held the only pointer is gone after this */
__attribute__((noinline)) static void leak_config(void)
{
	struct pmem2_config *c = NULL;
	if (pmem2_config_new(&c))
		fz_fail("selftest: pmem2_config_new");
	memset(&c, 0, sizeof(c));
}

/*
 * FUZZ_SELFTEST=fd|map|file|heap: leak one thing through the libraries (or
 * as a library would) after the cleanup, to show that the checks catch it
 * (scripts/fuzz.sh runs these and expects each to fail).
 */
static void selftest_leak(const char *what)
{
	if (!strcmp(what, "fd")) {
		struct pmemset_source *s = NULL;
		if (pmemset_source_from_file(&s, files[0].path))
			fz_fail("selftest: pmemset_source_from_file");
		/* dropped without pmemset_source_delete: its fd stays open */
	} else if (!strcmp(what, "map")) {
		struct pmem2_vm_reservation *v = NULL;
		if (pmem2_vm_reservation_new(&v, NULL, 4 * PAGE))
			fz_fail("selftest: pmem2_vm_reservation_new");
		chk_note_range(pmem2_vm_reservation_get_address(v), 4 * PAGE);
		/* not deleted: its placeholder stays mapped */
	} else if (!strcmp(what, "file")) {
		void *a =
			mmap(NULL, PAGE, PROT_READ, MAP_SHARED, files[0].rw, 0);
		if (a == MAP_FAILED)
			fz_fail("selftest: mmap");
	} else if (!strcmp(what, "heap")) {
		leak_config();
	}
}

void fz_begin(void)
{
	unsetenv("PMEM2_FORCE_GRANULARITY");
	/* the files' blocks are allocated (extents a fake bad block can
	 * name), the same size at the start of every input */
	for (int f = 0; f < NF; f++)
		if (ftruncate(files[f].rw, (off_t)base_size[f]) ||
		    (base_size[f] &&
		     fallocate(files[f].rw, 0, 0, (off_t)base_size[f])))
			fz_fail("resetting file%d: %s", f, strerror(errno));
	unlink(scratch);
	freed_rsv_addr = NULL;
	nops_done = 0;
	nparts = 0;
	parts_lost = false;
	for (int i = 0; i < NMAP; i++)
		map[i].own = -1;
	chk_begin();
}

void fz_ops(struct rd *r)
{
	while (r->n && nops_done < MAX_OPS) {
		uint8_t op = rd_u8(r) % NOPS;
		nops_done++;
		if (op == OP_EXTRA) {
			if (target->extra_op)
				target->extra_op(r);
			continue;
		}
		ops[op](r);
		FZ_ASSERT(nframes == 0 && depth == 0, "call stack not unwound");
	}
}

void fz_end(void)
{
	in_cleanup = true;
	/* pmemset first: references, parts, map configs, then the sets */
	for (int i = 0; i < NPMAP; i++)
		pmemset_part_map_drop(&pmap[i].p);
	for (int i = 0; i < NSET; i++)
		if (set[i].p && set_delete(i))
			fz_fail("cleanup: pmemset_delete(set%d) failed", i);
	for (int i = 0; i < NPART; i++)
		pmemset_part_delete(&part[i].p);
	for (int i = 0; i < NMCFG; i++)
		pmemset_map_config_delete(&mcfg[i].p);
	for (int i = 0; i < NSSRC; i++)
		if (ssrc[i].p)
			ssrc_delete(i);
	for (int i = 0; i < NSCFG; i++)
		pmemset_config_delete(&scfg[i].p);
	/* libpmem2 */
	for (int i = 0; i < NBB; i++)
		pmem2_badblock_context_delete(&bbc[i].p);
	for (int i = 0; i < NMAP; i++) {
		if (!map[i].p)
			continue;
		int ret = pmem2_map_delete(&map[i].p);
		if (ret)
			fz_fail("cleanup: pmem2_map_delete(map%d) = %d", i,
				ret);
		map_forget(i);
	}
	for (int i = 0; i < NOWN; i++)
		if (own[i].addr) {
			munmap(own[i].addr, own[i].len);
			own[i].addr = NULL;
		}
	for (int i = 0; i < NSRC; i++) {
		FZ_ASSERT(!src[i].wrapped, "src%d still wrapped", i);
		pmem2_source_delete(&src[i].p);
	}
	for (int i = 0; i < NCFG; i++)
		pmem2_config_delete(&cfg[i].p);
	for (int i = 0; i < NRSV; i++) {
		if (!rsv[i].p)
			continue;
		int ret = pmem2_vm_reservation_delete(&rsv[i].p);
		if (ret)
			fz_fail("cleanup: pmem2_vm_reservation_delete(rsv%d) = "
				"%d: a mapping is left in it",
				i, ret);
	}
	unlink(scratch);
	unsetenv("PMEM2_FORCE_GRANULARITY");
	in_cleanup = false;
	if (getenv("FUZZ_SELFTEST"))
		selftest_leak(getenv("FUZZ_SELFTEST"));
	chk_end(workdir);
}
