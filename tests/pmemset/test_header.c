/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_header.c -- include/libpmemset.h (with the call shapes of the 2021
 * drafts it includes from include/libpmemset/call_shapes.h) and the shared
 * library's symbols.
 *
 * At compile time (this file includes the header first, alone): the exact
 * values of every error code, enum and flag (PMDK's), the layouts of the
 * public structs, that macros are parenthesised (they behave as one operand)
 * and that the compatibility names do not collide.
 * At run time: the header compiles alone as C11 (-pedantic), C99 (without
 * the call-shape macros), C++11 and C++17 with both call shapes, also with
 * <libpmemset/call_shapes.h> included first, with gcc, g++ and, when
 * installed, clang/clang++; and libpmemset.so exports exactly
 * the documented functions, all at LIBPMEMSET_1.0 but the logging API at
 * LIBPMEMSET_LOG_1.0.
 */
#include <libpmemset.h>
#include <libpmemset.h> /* twice: guarded */

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

#define SA(c) _Static_assert(c, #c)

/* error codes */
SA(PMEMSET_E_UNKNOWN == -200000);
SA(PMEMSET_E_NOSUPP == -200001);
SA(PMEMSET_E_INVALID_PMEM2_SOURCE == -200002);
SA(PMEMSET_E_INVALID_SOURCE_PATH == -200003);
SA(PMEMSET_E_INVALID_SOURCE_TYPE == -200004);
SA(PMEMSET_E_CANNOT_ALLOCATE_INTERNAL_STRUCTURE == -200005);
SA(PMEMSET_E_INVALID_OFFSET_VALUE == -200006);
SA(PMEMSET_E_GRANULARITY_NOT_SUPPORTED == -200007);
SA(PMEMSET_E_INVALID_PMEM2_MAP == -200008);
SA(PMEMSET_E_PART_EXISTS == -200009);
SA(PMEMSET_E_GRANULARITY_NOT_SET == -200010);
SA(PMEMSET_E_GRANULARITY_MISMATCH == -200011);
SA(PMEMSET_E_NO_PART_MAPPED == -200012);
SA(PMEMSET_E_CANNOT_FIND_PART_MAP == -200013);
SA(PMEMSET_E_CANNOT_COALESCE_PARTS == -200014);
SA(PMEMSET_E_LENGTH_UNALIGNED == -200015);
SA(PMEMSET_E_PART_NOT_FOUND == -200016);
SA(PMEMSET_E_INVALID_COALESCING_VALUE == -200017);
SA(PMEMSET_E_DEEP_FLUSH_FAIL == -200018);
SA(PMEMSET_E_INVALID_SOURCE_FILE_CREATE_FLAGS == -200019);
SA(PMEMSET_E_CANNOT_CREATE_TEMP_FILE == -200020);
SA(PMEMSET_E_CANNOT_GROW_SOURCE_FILE == -200021);
SA(PMEMSET_E_CANNOT_TRUNCATE_SOURCE_FILE == -200021);
SA(PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP == -200022);
SA(PMEMSET_E_CANNOT_FIT_PART_MAP == -200023);
SA(PMEMSET_E_OFFSET_OUT_OF_RANGE == -200024);
SA(PMEMSET_E_INVALID_PART_STATES == -200025);
SA(PMEMSET_E_UNDESIRABLE_PART_STATE == -200026);
SA(PMEMSET_E_SDS_ALREADY_SET == -200027);
SA(PMEMSET_E_SDS_NOSUPP == -200028);
SA(PMEMSET_E_SDS_DEVICE_ID_LEN_TOO_BIG == -200029);
SA(PMEMSET_E_MAP_LENGTH_UNSET == -200030);
SA(PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL == -200031);
SA(PMEMSET_E_IO_FAIL == -200032);
SA(PMEMSET_E_LENGTH_OUT_OF_RANGE == -200033);
SA(PMEMSET_E_INVALID_ALIGNMENT_VALUE == -200035);
SA(PMEMSET_E_DAX_REGION_NOT_FOUND == -200036);
SA(PMEMSET_E_CANNOT_READ_BOUNDS == -200037);
SA(PMEMSET_E_BADBLOCK_NOSUPP == -200038);

/* enums */
SA(PMEMSET_EVENT_COPY == 0 && PMEMSET_EVENT_MOVE == 1);
SA(PMEMSET_EVENT_SET == 2 && PMEMSET_EVENT_FLUSH == 3);
SA(PMEMSET_EVENT_DRAIN == 4 && PMEMSET_EVENT_PERSIST == 5);
SA(PMEMSET_EVENT_REMOVE_RANGE == 6 && PMEMSET_EVENT_PART_ADD == 7);
SA(PMEMSET_EVENT_PART_REMOVE == 8 && PMEMSET_EVENT_SDS_UPDATE == 9);
SA(PMEMSET_EVENT_BADBLOCK == 10 && PMEMSET_EVENT_BADBLOCKS_CLEARED == 11);
SA(PMEMSET_PART_STATE_INDETERMINATE == 1 && PMEMSET_PART_STATE_OK == 2);
SA(PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN == 4);
SA(PMEMSET_PART_STATE_OK_BUT_INTERRUPTED == 8);
SA(PMEMSET_PART_STATE_CORRUPTED == 16);
SA(PMEMSET_COALESCING_NONE == 0 && PMEMSET_COALESCING_OPPORTUNISTIC == 1 &&
   PMEMSET_COALESCING_FULL == 2);

/* flags and their values (PMDK's) */
SA(PMEMSET_SOURCE_FILE_CREATE_ALWAYS == 1);
SA(PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED == 2);
SA(PMEMSET_SOURCE_FILE_DO_NOT_GROW == 4);
SA(PMEMSET_SOURCE_FILE_CREATE_VALID_FLAGS == 0x1FF00000007ULL);
SA(PMEMSET_SOURCE_FILE_VALID_MODES == 0x1FF00000000ULL);
SA(PMEMSET_SOURCE_FILE_CREATE_MODE(0644) == (0644ULL << 32));
SA(PMEMSET_SOURCE_FILE_CREATE_MODE_FROM_FLAG(0644ULL << 32 | 3) == 0644);
/* the no-op old flag can never mean DO_NOT_GROW */
SA((PMEMSET_SOURCE_FILE_TRUNCATE_IF_NEEDED & PMEMSET_SOURCE_FILE_DO_NOT_GROW) ==
   0);
SA((PMEMSET_SOURCE_FILE_TRUNCATE_IF_NEEDED &
    ~PMEMSET_SOURCE_FILE_CREATE_VALID_FLAGS) == 0);
SA(PMEMSET_F_MEM_NODRAIN == PMEM2_F_MEM_NODRAIN);
SA(PMEMSET_F_MEM_NONTEMPORAL == PMEM2_F_MEM_NONTEMPORAL);
SA(PMEMSET_F_MEM_TEMPORAL == PMEM2_F_MEM_TEMPORAL);
SA(PMEMSET_F_MEM_WC == PMEM2_F_MEM_WC);
SA(PMEMSET_F_MEM_WB == PMEM2_F_MEM_WB);
SA(PMEMSET_F_MEM_NOFLUSH == PMEM2_F_MEM_NOFLUSH);
SA(PMEMSET_F_MEM_VALID_FLAGS == 0x3F);
SA(PMEMSET_EVENT_CONTEXT_SIZE == 64);
SA(PMEMSET_SDS_DEVICE_ID_LEN == 512);
/* mode macros (<sys/stat.h> came with the header) */
SA(PMEMSET_SOURCE_FILE_RWXU_MODE == 0700 &&
   PMEMSET_SOURCE_FILE_RWU_MODE == 0600);
SA(PMEMSET_SOURCE_FILE_RUSR_MODE == 0400 &&
   PMEMSET_SOURCE_FILE_WUSR_MODE == 0200);
SA(PMEMSET_SOURCE_FILE_XUSR_MODE == 0100 &&
   PMEMSET_SOURCE_FILE_RWXG_MODE == 070);
SA(PMEMSET_SOURCE_FILE_RWG_MODE == 060 && PMEMSET_SOURCE_FILE_RGRP_MODE == 040);
SA(PMEMSET_SOURCE_FILE_WGRP_MODE == 020 &&
   PMEMSET_SOURCE_FILE_XGRP_MODE == 010);
SA(PMEMSET_SOURCE_FILE_RWXO_MODE == 07 && PMEMSET_SOURCE_FILE_RWO_MODE == 06);
SA(PMEMSET_SOURCE_FILE_ROTH_MODE == 04 && PMEMSET_SOURCE_FILE_WOTH_MODE == 02);
SA(PMEMSET_SOURCE_FILE_XOTH_MODE == 01);

/* parenthesised: each macro is one operand (PMDK's were not) */
SA(2 * PMEMSET_SOURCE_FILE_RWU_MODE == 01400);
SA(2 * PMEMSET_SOURCE_FILE_RWG_MODE == 0140);
SA(2 * PMEMSET_SOURCE_FILE_RWO_MODE == 014);
SA(~PMEMSET_SOURCE_FILE_RWU_MODE == ~0600);
SA((PMEMSET_SOURCE_FILE_CREATE_ALWAYS_MODE(0600) & 1) == 1);
SA(2 * PMEMSET_SOURCE_FILE_CREATE_ALWAYS_MODE(0) == 2);
SA(-PMEMSET_E_CANNOT_TRUNCATE_SOURCE_FILE == 200021);
#ifdef FILE_CREATE_MODE_FROM_FLAG
#error "the un-prefixed FILE_CREATE_MODE_FROM_FLAG leaked without request"
#endif

/* layouts */
#include <stddef.h>
SA(sizeof(struct pmemset_part_descriptor) == 16);
SA(sizeof(struct pmemset_badblock) == 16);
SA(sizeof(struct pmemset_event_context) == 72);
SA(offsetof(struct pmemset_event_context, data) == 8);
SA(sizeof(struct pmemset_sds) == 536);
SA(offsetof(struct pmemset_sds, usc) == 520);
SA(offsetof(struct pmemset_sds, refcount) == 528);
SA(sizeof(struct pmemset_event_copy) == 32);
SA(sizeof(struct pmemset_event_part_add) == 24);

/* <libpmemset/log.h>: PMDK 2.1's pmem_log_* numbers */
SA(PMEMSET_LOG_LEVEL_HARK == 0);
SA(PMEMSET_LOG_LEVEL_FATAL == 1);
SA(PMEMSET_LOG_LEVEL_ERROR == 2);
SA(PMEMSET_LOG_LEVEL_WARNING == 3);
SA(PMEMSET_LOG_LEVEL_NOTICE == 4);
SA(PMEMSET_LOG_LEVEL_INFO == 5);
SA(PMEMSET_LOG_LEVEL_DEBUG == 6);
SA(PMEMSET_LOG_THRESHOLD == 0);
SA(PMEMSET_LOG_THRESHOLD_AUX == 1);

static char srcdir[1024];
static char tmp[256];

static void write_file(const char *name, const char *text)
{
	char p[4200];
	snprintf(p, sizeof(p), "%s/%s", tmp, name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
}

static int have(const char *tool)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static void compile(const char *cc, const char *flags, const char *file)
{
	char cmd[4096];
	snprintf(cmd, sizeof(cmd),
		 "%s %s -Wall -Wextra -Werror -fsyntax-only -I%s/include "
		 "%s/%s > %s/cc.log 2>&1",
		 cc, flags, srcdir, tmp, file, tmp);
	int r = system(cmd);
	CHECK(r == 0, "%s %s %s failed", cc, flags, file);
	if (r) {
		snprintf(cmd, sizeof(cmd), "head -20 %s/cc.log", tmp);
		if (system(cmd))
			printf("(no log)\n");
	}
}

static const char alone_c[] = "#include <libpmemset.h>\n"
			      "int main(void) { return 0; }\n";

static const char shapes_c[] =
	"#include <libpmemset.h>\n"
	"#include <stddef.h>\n"
	"int f(struct pmemset *set, struct pmemset_source *src)\n"
	"{\n"
	"	struct pmemset_map_config *a = NULL, *b = NULL;\n"
	"	struct pmemset_extras ex = {NULL, NULL, NULL};\n"
	"	struct pmemset_part_descriptor d;\n"
	"	int r = pmemset_map_config_new(&a);\n"
	"	r |= pmemset_map_config_new(&b, set);\n"
	"	r |= pmemset_map(set, src, a, &d);\n"
	"	r |= pmemset_map(src, b, &ex, &d);\n"
	"	r |= pmemset_map(src, b, NULL, NULL);\n"
	"	r |= pmemset_map(set, src, NULL, NULL);\n"
	"	struct pmemset_part *part;\n"
	"	r |= pmemset_part_new(&part, set, src, 0, 4096);\n"
	"	r |= pmemset_part_map(&part, &ex, &d);\n"
	"	return r;\n"
	"}\n"
	"int main(void) { return 0; }\n";

static const char final_only_c[] =
	"#include <libpmemset.h>\n"
	"#include <stddef.h>\n"
	"int f(struct pmemset *set, struct pmemset_source *src)\n"
	"{\n"
	"	struct pmemset_map_config *a = NULL;\n"
	"	int r = pmemset_map_config_new(&a);\n"
	"	r |= pmemset_map_config_new_for_set(&a, set);\n"
	"	r |= pmemset_map_from_config(src, a, NULL, NULL);\n"
	"	return r | pmemset_map(set, src, a, NULL);\n"
	"}\n"
	"int main(void) { return 0; }\n";

TEST(compiles)
{
	snprintf(tmp, sizeof(tmp), "/tmp/pmemset-header.XXXXXX");
	if (!mkdtemp(tmp))
		SKIP("mkdtemp failed");
	write_file("alone.c", alone_c);
	write_file("alone.cpp", alone_c);
	write_file("shapes.c", shapes_c);
	write_file("shapes.cpp", shapes_c);
	write_file("final.c", final_only_c);
	/* the same program with the shapes' own header included first */
	char sub[sizeof(shapes_c) + 64];
	snprintf(sub, sizeof(sub), "#include <libpmemset/call_shapes.h>\n%s",
		 shapes_c);
	write_file("sub.c", sub);
	write_file("sub.cpp", sub);
	static const char *ccs[] = {"gcc", "clang"};
	static const char *cxxs[] = {"g++", "clang++"};
	int ran = 0;
	for (int i = 0; i < 2; i++) {
		if (!have(ccs[i]))
			continue;
		ran++;
		compile(ccs[i], "-std=c11 -pedantic", "alone.c");
		compile(ccs[i], "-std=c11 -pedantic", "shapes.c");
		compile(ccs[i], "-std=gnu17", "shapes.c");
		compile(ccs[i], "-std=c11 -pedantic", "sub.c");
		/* before C11 there is no _Generic: the plain names only */
		compile(ccs[i], "-std=c99", "final.c");
		compile(ccs[i], "-std=c11 -DPMEMSET_NO_CALL_SHAPES", "final.c");
		compile(ccs[i], "-std=c11 -DPMEMSET_LEGACY_MACROS", "alone.c");
	}
	for (int i = 0; i < 2; i++) {
		if (!have(cxxs[i]))
			continue;
		ran++;
		compile(cxxs[i], "-std=c++11 -pedantic", "alone.cpp");
		compile(cxxs[i], "-std=c++11", "shapes.cpp");
		compile(cxxs[i], "-std=c++17", "shapes.cpp");
		compile(cxxs[i], "-std=c++11", "sub.cpp");
	}
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd))
		printf("cannot remove %s\n", tmp);
	if (!ran)
		SKIP("no compiler installed");
}

static const char *const exported[] = {
	"pmemset_badblock_clear",
	"pmemset_config_delete",
	"pmemset_config_new",
	"pmemset_config_set_acceptable_states",
	"pmemset_config_set_event_callback",
	"pmemset_config_set_required_store_granularity",
	"pmemset_config_set_reservation",
	"pmemset_deep_flush",
	"pmemset_delete",
	"pmemset_descriptor_part_map",
	"pmemset_drain",
	"pmemset_err_to_errno",
	"pmemset_errormsg",
	"pmemset_first_part_map",
	"pmemset_flush",
	"pmemset_get_store_granularity",
	"pmemset_map",
	"pmemset_map_config_delete",
	"pmemset_map_config_new",
	"pmemset_map_config_new_for_set",
	"pmemset_map_config_set_length",
	"pmemset_map_config_set_offset",
	"pmemset_map_from_config",
	"pmemset_memcpy",
	"pmemset_memmove",
	"pmemset_memset",
	"pmemset_new",
	"pmemset_next_part_map",
	"pmemset_part_delete",
	"pmemset_part_map",
	"pmemset_part_map_by_address",
	"pmemset_part_map_drop",
	"pmemset_part_new",
	"pmemset_perror",
	"pmemset_persist",
	"pmemset_remove_part_map",
	"pmemset_remove_range",
	"pmemset_set_contiguous_part_coalescing",
	"pmemset_source_alignment",
	"pmemset_source_delete",
	"pmemset_source_from_file",
	"pmemset_source_from_pmem2",
	"pmemset_source_from_temporary",
	"pmemset_source_pread_mcsafe",
	"pmemset_source_pwrite_mcsafe",
	"pmemset_source_set_badblock_detection",
	"pmemset_source_set_sds",
	"pmemset_xsource_from_file",
};
/* <libpmemset/log.h>: node LIBPMEMSET_LOG_1.0 */
static const char *const exported_log[] = {
	"pmemset_log_get_threshold",
	"pmemset_log_set_function",
	"pmemset_log_set_threshold",
};
#define NEXP (sizeof(exported) / sizeof(exported[0]))
#define NLOG (sizeof(exported_log) / sizeof(exported_log[0]))

TEST(exports)
{
	/* the libpmemset.so this process runs with */
	char lib[4096] = "", line[4400];
	FILE *m = fopen("/proc/self/maps", "r");
	while (m && fgets(line, sizeof(line), m)) {
		char *s = strchr(line, '/');
		if (s && strstr(s, "/libpmemset.so")) {
			s[strcspn(s, "\n")] = '\0';
			snprintf(lib, sizeof(lib), "%s", s);
			break;
		}
	}
	if (m)
		fclose(m);
	if (!lib[0])
		SKIP("libpmemset.so is not in /proc/self/maps");
	if (!have("nm"))
		SKIP("nm is not installed");
	char cmd[4200];
	snprintf(cmd, sizeof(cmd),
		 "nm -D --defined-only '%s' | awk '$2 != \"A\" { print $3 }'",
		 lib);
	FILE *p = popen(cmd, "r");
	size_t seen = 0;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		char *at = strstr(line, "@@LIBPMEMSET_1.0");
		char *at_log = strstr(line, "@@LIBPMEMSET_LOG_1.0");
		CHECK(at || at_log,
		      "symbol %s is not at LIBPMEMSET_1.0 or _LOG_1.0", line);
		if (!at && !at_log)
			continue;
		*(at ? at : at_log) = '\0';
		int known = 0;
		for (size_t i = 0; at && i < NEXP; i++)
			known |= strcmp(line, exported[i]) == 0;
		for (size_t i = 0; at_log && i < NLOG; i++)
			known |= strcmp(line, exported_log[i]) == 0;
		CHECK(known, "unexpected export %s at %s", line,
		      at ? "LIBPMEMSET_1.0" : "LIBPMEMSET_LOG_1.0");
		seen++;
	}
	pclose(p);
	CHECK_EQ(seen, NEXP + NLOG);
	/* each one resolves (the three PMDK's link script forgot too) */
	void *h = dlopen(NULL, RTLD_NOW);
	for (size_t i = 0; i < NEXP; i++)
		CHECK(dlsym(h, exported[i]) != NULL, "%s missing", exported[i]);
	for (size_t i = 0; i < NLOG; i++)
		CHECK(dlsym(h, exported_log[i]) != NULL, "%s missing",
		      exported_log[i]);
	dlclose(h);
}

int main(void)
{
	snprintf(srcdir, sizeof(srcdir), "%s", __FILE__);
	char *t = strstr(srcdir, "/tests/pmemset/");
	if (!t) {
		printf("cannot find the source directory from %s\n", __FILE__);
		return 2;
	}
	*t = '\0';
	(void)pmemset_errormsg(); /* links the library */
	RUN(compiles);
	RUN(exports);
	return test_done();
}
