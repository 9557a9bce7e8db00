/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmem2.c -- the `pmem2` command-line tool.
 *
 * "Why did my mapping get PAGE granularity?" is the first question almost
 * every user of the library asks. `pmem2 info PATH` answers it by asking the
 * library itself: it maps the file or device the way an application would
 * (SHARED, requiring only PAGE so the map cannot be refused for granularity),
 * then prints the decision the library recorded in the map (struct
 * gran_decision) with the same renderer the library's error messages use.
 * Around that it reports what the library can find out about the backing
 * hardware (region, persistence domain, NUMA node, device id, unsafe
 * shutdown count, bad blocks) and which CPU flush instructions it picked,
 * each either with a value or with "not available: <reason>".
 *
 * The tool links the static internal archive so that it can read the
 * recorded decision; everything it reports comes from library code, so the
 * tool and the library cannot disagree.
 *
 * Output: one "key: value" line per item, values aligned in one column, keys
 * stable (documented in doc/pmem2-tool.md); --json prints the same items as
 * one JSON object.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpmem2.h>
#include "core/granularity_name.h"
#include "pmem2/config.h"
#include "pmem2/granularity.h"
#include "pmem2/map.h"
#include "pmem2/persist.h"
#include "pmem2/region.h"
#include "pmem2/source.h"

#define TOOL_NAME "pmem2"
#ifndef PMEM2_TOOL_VERSION
#define PMEM2_TOOL_VERSION "1.0.0"
#endif
#define TMP_FILE_SIZE ((size_t)2 << 20)
#define MAX_ITEMS 40
#define VAL_MAX 1280
#define BB_SHOW 4 /* bad blocks listed one by one, the rest counted */

/* ---- the report: a list of items printed as text or JSON ---- */

struct item {
	const char *key;
	char text[VAL_MAX]; /* value as shown in text mode */
	char json[VAL_MAX]; /* value as a JSON token (quoted string/number) */
};

static struct item items[MAX_ITEMS];
static unsigned nitems;

static void json_quote(char *out, size_t outlen, const char *s)
{
	size_t o = 0;

	if (outlen < 3)
		return;
	out[o++] = '"';
	for (; *s && o + 8 < outlen; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, outlen - o, "\\u%04x",
					      c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
}

static struct item *item_new(const char *key)
{
	if (nitems == MAX_ITEMS) {
		fprintf(stderr, "%s: internal error: too many report items\n",
			TOOL_NAME);
		exit(2);
	}
	struct item *it = &items[nitems++];
	it->key = key;
	return it;
}

/* a string value */
__attribute__((format(printf, 2, 3))) static void add_str(const char *key,
							 const char *fmt, ...)
{
	struct item *it = item_new(key);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(it->text, sizeof(it->text), fmt, ap);
	va_end(ap);
	json_quote(it->json, sizeof(it->json), it->text);
}

/* a number: JSON gets the bare number, text gets it with a human hint */
static void add_num(const char *key, uint64_t n, bool bytes)
{
	struct item *it = item_new(key);
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};

	snprintf(it->json, sizeof(it->json), "%" PRIu64, n);
	if (!bytes || n < 1024) {
		snprintf(it->text, sizeof(it->text), "%" PRIu64, n);
		return;
	}
	double v = (double)n;
	unsigned u = 0;
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(it->text, sizeof(it->text), "%" PRIu64 " (%.4g %s)", n, v,
		 units[u]);
}

/* a signed number (a NUMA node may be -1) */
static void add_int(const char *key, long long n)
{
	struct item *it = item_new(key);

	snprintf(it->json, sizeof(it->json), "%lld", n);
	snprintf(it->text, sizeof(it->text), "%lld", n);
}

static void report_print(bool json)
{
	size_t w = 0;

	if (json) {
		printf("{\n");
		for (unsigned i = 0; i < nitems; i++)
			printf("  \"%s\": %s%s\n", items[i].key, items[i].json,
			       i + 1 < nitems ? "," : "");
		printf("}\n");
		return;
	}
	for (unsigned i = 0; i < nitems; i++)
		if (strlen(items[i].key) > w)
			w = strlen(items[i].key);
	for (unsigned i = 0; i < nitems; i++)
		printf("%s:%*s %s\n", items[i].key,
		       (int)(w - strlen(items[i].key)), "", items[i].text);
}

/* The library's message of the last failure, or a fallback. */
static const char *libmsg(int ret)
{
	const char *m = pmem2_errormsg();

	if (m && *m)
		return m;
	static __thread char buf[64];
	snprintf(buf, sizeof(buf), "error %d", ret);
	return buf;
}

/* ---- errors ---- */

__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", TOOL_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* ---- the individual probes ---- */

static const char *type_name(const struct pmem2_source *src)
{
	if (src->type == PMEM2_SOURCE_ANON)
		return "anonymous";
	switch (src->ftype) {
	case PMEM2_FTYPE_REG:
		return "regular file";
	case PMEM2_FTYPE_DEVDAX:
		return "device DAX";
	case PMEM2_FTYPE_DIR:
		return "directory";
	}
	return "unknown";
}

/*
 * Map the source as an application would and report what the library
 * decided. Returns 0, or 1 after printing an error when it cannot be mapped.
 */
static int probe_map(struct pmem2_source *src, size_t size, size_t align,
		     bool writable, const char *what)
{
	struct pmem2_config *cfg = NULL;
	struct pmem2_map *map = NULL;
	char why[VAL_MAX];
	int ret;

	ret = pmem2_config_new(&cfg);
	if (ret)
		return fail("%s: cannot create a config: %s", what,
			    libmsg(ret));
	/* PAGE is the coarsest: the map is never refused for granularity */
	pmem2_config_set_required_store_granularity(cfg,
						    PMEM2_GRANULARITY_PAGE);
	pmem2_config_set_sharing(cfg, PMEM2_SHARED);
	if (!writable)
		pmem2_config_set_protection(cfg, PMEM2_PROT_READ);
	/* the smallest legal mapping is enough: the decision does not depend
	 * on the length, and a huge device need not be mapped whole */
	if (size > align)
		pmem2_config_set_length(cfg, align);

	ret = pmem2_map_new(&map, cfg, src);
	pmem2_config_delete(&cfg);
	if (ret)
		return fail("%s: cannot map it: %s", what, libmsg(ret));

	const struct gran_decision *d = &map->gran;
	if (d->map_sync)
		add_str("map_sync", "accepted");
	else if (src->type == PMEM2_SOURCE_ANON)
		add_str("map_sync", "not tried: anonymous memory");
	else if (d->map_sync_errno)
		add_str("map_sync", "refused: %s (errno %d)",
			strerror(d->map_sync_errno), d->map_sync_errno);
	else
		add_str("map_sync", "refused");
	add_str("granularity", "%s",
		granularity_name(pmem2_map_get_store_granularity(map)));
	pmem2_granularity_explain(d, why, sizeof(why));
	add_str("granularity_reason", "%s", why);
	if (d->forced_value[0])
		add_str("forced_by", "PMEM2_FORCE_GRANULARITY=%s",
			d->forced_value);

	ret = pmem2_map_delete(&map);
	if (ret)
		return fail("%s: cannot unmap it: %s", what, libmsg(ret));
	return 0;
}

static void probe_region(const struct pmem2_source *src)
{
	struct pmem2_region r;
	char buf[256];
	int ret;

	if (src->type == PMEM2_SOURCE_ANON) {
		add_str("region", "none: anonymous memory has no device");
		return;
	}
	ret = pmem2_region_of_source(src, &r);
	if (ret == 1) {
		add_str("region", "none: not on an NVDIMM region "
				  "(no /sys/bus/nd region backs it)");
		return;
	}
	if (ret < 0) {
		add_str("region", "not available: %s", libmsg(ret));
		return;
	}
	add_str("region", "%s", r.name);
	if (r.namespace[0])
		add_str("namespace", "%s", r.namespace);
	if (r.blockdev[0])
		add_str("block_device", "/dev/%s", r.blockdev);

	ret = pmem2_region_attr(&r, "persistence_domain", buf, sizeof(buf));
	if (ret >= 0)
		add_str("persistence_domain", "%s", ret ? buf : "(empty)");
	else
		add_str("persistence_domain", "not available: %s/%s: %s",
			r.name, "persistence_domain", strerror(-ret));

	ret = pmem2_region_attr(&r, "deep_flush", buf, sizeof(buf));
	if (ret >= 0)
		add_str("deep_flush", "%s%s", buf,
			strcmp(buf, "0") == 0 ?
				" (the platform needs no deep flush)" : "");
	else
		add_str("deep_flush", "not available: %s/%s: %s", r.name,
			"deep_flush", strerror(-ret));
}

static void probe_ras(const struct pmem2_source *src)
{
	int numa;
	uint64_t usc;
	size_t len = 0;
	int ret;

	ret = pmem2_source_numa_node(src, &numa);
	if (ret)
		add_str("numa_node", "not available: %s", libmsg(ret));
	else
		add_int("numa_node", numa);

	ret = pmem2_source_device_id(src, NULL, &len);
	if (ret) {
		add_str("device_id", "not available: %s", libmsg(ret));
	} else {
		char *id = calloc(1, len + 1);
		if (!id) {
			add_str("device_id", "not available: out of memory");
		} else {
			ret = pmem2_source_device_id(src, id, &len);
			if (ret)
				add_str("device_id", "not available: %s",
					libmsg(ret));
			else
				add_str("device_id", "%s", id);
			free(id);
		}
	}

	ret = pmem2_source_device_usc(src, &usc);
	if (ret)
		add_str("unsafe_shutdown_count", "not available: %s",
			libmsg(ret));
	else
		add_num("unsafe_shutdown_count", usc, false);

	struct pmem2_badblock_context *bbctx = NULL;
	ret = pmem2_badblock_context_new(&bbctx, src);
	if (ret) {
		add_str("bad_blocks", "not available: %s", libmsg(ret));
		return;
	}
	char list[VAL_MAX] = "";
	size_t off = 0;
	unsigned n = 0;
	struct pmem2_badblock bb;
	while ((ret = pmem2_badblock_next(bbctx, &bb)) == 0) {
		if (n < BB_SHOW && off < sizeof(list))
			off += (size_t)snprintf(list + off, sizeof(list) - off,
						"%s[%zu, +%zu)", n ? ", " : "",
						bb.offset, bb.length);
		n++;
	}
	pmem2_badblock_context_delete(&bbctx);
	if (ret != PMEM2_E_NO_BAD_BLOCK_FOUND)
		add_str("bad_blocks", "not available: %s", libmsg(ret));
	else if (n == 0)
		add_str("bad_blocks", "none");
	else
		add_str("bad_blocks", "%u: %s%s", n, list,
			n > BB_SHOW ? ", ..." : "");
}

/* ---- pmem2 info ---- */

/* Report on an open source. Returns the exit status. */
static int info_source(struct pmem2_source *src, const char *shown_path,
		       bool writable, bool json)
{
	size_t size = 0, align = 0;
	int ret;

	ret = pmem2_source_size(src, &size);
	if (ret)
		return fail("%s: cannot read its size: %s", shown_path,
			    libmsg(ret));
	ret = pmem2_source_alignment(src, &align);
	if (ret)
		return fail("%s: cannot read its alignment: %s", shown_path,
			    libmsg(ret));
	if (size == 0)
		return fail("%s: the file is empty (size 0): there is nothing "
			    "to map; give it a size first (e.g. `truncate -s "
			    "2M %s`)",
			    shown_path, shown_path);

	add_str("path", "%s", shown_path);
	add_str("type", "%s", type_name(src));
	add_num("size", size, true);
	add_num("alignment", align, true);
	if (probe_map(src, size, align, writable, shown_path))
		return 1;
	probe_region(src);
	if (src->type == PMEM2_SOURCE_ANON) {
		const char *na = "not available: anonymous memory has no "
				 "device";
		add_str("numa_node", "%s", na);
		add_str("device_id", "%s", na);
		add_str("unsafe_shutdown_count", "%s", na);
		add_str("bad_blocks", "%s", na);
	} else {
		probe_ras(src);
	}
	add_str("cpu_flush", "%s", pmem2_persist_describe());
	report_print(json);
	return 0;
}

static int info_path(const char *path, const char *shown, bool json)
{
	struct stat st;
	struct pmem2_source *src = NULL;
	bool writable = true;
	int fd, ret;

	if (stat(path, &st))
		return fail("%s: %s%s", path, strerror(errno),
			    errno == ENOENT ? "; check the path" : "");
	if (S_ISDIR(st.st_mode))
		return fail("%s: is a directory; give a file in it (on a DAX "
			    "filesystem) or a device DAX such as /dev/dax0.0",
			    path);

	/* read-write when allowed (what an application would do), otherwise
	 * read-only: the report needs no writes */
	fd = open(path, O_RDWR);
	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS)) {
		writable = false;
		fd = open(path, O_RDONLY);
	}
	if (fd < 0) {
		int e = errno;
		return fail("%s: cannot open: %s%s", path, strerror(e),
			    e == EACCES ? "; it needs read permission for "
					  "this user" :
					  "");
	}

	ret = pmem2_source_from_fd(&src, fd);
	if (ret) {
		close(fd);
		return fail("%s: %s", path, libmsg(ret));
	}
	ret = info_source(src, shown ? shown : path, writable, json);
	pmem2_source_delete(&src);
	close(fd);
	return ret;
}

static int info_tmpfile(bool json)
{
	const char *dir = getenv("TMPDIR");
	char path[4096], shown[4200];
	int fd, ret;

	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/pmem2-info.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		return fail("cannot create a temporary file in %s: %s (set "
			    "TMPDIR to a writable directory)",
			    dir, strerror(errno));
	ret = posix_fallocate(fd, 0, (off_t)TMP_FILE_SIZE);
	if (ret == EOPNOTSUPP || ret == EINVAL)
		ret = ftruncate(fd, (off_t)TMP_FILE_SIZE) ? errno : 0;
	close(fd);
	if (ret) {
		unlink(path);
		return fail("%s: cannot give the temporary file %zu bytes: %s",
			    path, TMP_FILE_SIZE, strerror(ret));
	}
	snprintf(shown, sizeof(shown), "%s (temporary, removed)", path);
	ret = info_path(path, shown, json);
	unlink(path);
	return ret;
}

static int info_anon(bool json)
{
	struct pmem2_source *src = NULL;
	int ret = pmem2_source_from_anon(&src, TMP_FILE_SIZE);

	if (ret)
		return fail("cannot create an anonymous source: %s",
			    libmsg(ret));
	ret = info_source(src, "(anonymous memory)", true, json);
	pmem2_source_delete(&src);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s info [--json] [PATH]\n"
		"       %s info [--json] --anon\n"
		"       %s version\n"
		"       %s --help\n"
		"\n"
		"info     map PATH (a file or a device DAX) the way an "
		"application would\n"
		"         and report what the library decided: type, size, "
		"alignment,\n"
		"         MAP_SYNC, store granularity and why, the NVDIMM "
		"region and its\n"
		"         persistence domain, NUMA node, device id, unsafe "
		"shutdown count,\n"
		"         bad blocks and the CPU flush instructions. Without "
		"PATH a 2 MiB\n"
		"         temporary file in $TMPDIR (or /tmp) is used and "
		"removed;\n"
		"         --anon reports on anonymous memory. Nothing is "
		"written.\n"
		"  --json print the report as one JSON object\n"
		"version  print the tool's version\n"
		"\n"
		"Exit status: 0 on success, 1 when PATH cannot be reported on, "
		"2 on\n"
		"a usage error. See doc/pmem2-tool.md for the fields.\n",
		TOOL_NAME, TOOL_NAME, TOOL_NAME, TOOL_NAME);
}

static int cmd_info(int argc, char *argv[])
{
	bool json = false, anon = false;
	const char *path = NULL;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--anon") == 0) {
			anon = true;
		} else if (strcmp(argv[i], "--help") == 0 ||
			   strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--") == 0 && i + 1 < argc &&
			   !path) {
			path = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "%s: unknown option '%s'\n", TOOL_NAME,
				argv[i]);
			usage(stderr);
			return 2;
		} else if (!path) {
			path = argv[i];
		} else {
			fprintf(stderr, "%s: info takes one PATH, got '%s' "
					"and '%s'\n",
				TOOL_NAME, path, argv[i]);
			return 2;
		}
	}
	if (anon && path) {
		fprintf(stderr, "%s: --anon and a PATH exclude each other\n",
			TOOL_NAME);
		return 2;
	}
	/* the library's constructor did this already when it is linked in
	 * the usual way; harmless (idempotent) otherwise */
	pmem2_persist_init();

	if (anon)
		return info_anon(json);
	if (!path)
		return info_tmpfile(json);
	return info_path(path, NULL, json);
}

int main(int argc, char *argv[])
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "version") == 0 ||
	    strcmp(argv[1], "--version") == 0) {
		printf("%s %s (libpmem2 compatible with PMDK 1.12.1)\n",
		       TOOL_NAME, PMEM2_TOOL_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "info") == 0)
		return cmd_info(argc - 2, argv + 2);
	fprintf(stderr, "%s: unknown command '%s'\n", TOOL_NAME, argv[1]);
	usage(stderr);
	return 2;
}
