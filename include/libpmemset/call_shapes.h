/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libpmemset/call_shapes.h -- the ways libpmemset's drafts of 2021 spelled
 * a map, kept so that programs written to any of them compile and run
 * unchanged. <libpmemset.h> includes this header at its end; include that
 * one (including this one alone works too).
 *
 * The map call had three shapes, oldest first:
 *
 * 1. Part objects (the part-based API of the 2021 drafts):
 *        pmemset_part_new(&part, set, src, offset, length);
 *        pmemset_part_map(&part, extras, desc);
 *    pmemset_part_new() records what to map and holds a reference to the
 *    source; pmemset_part_map() maps it and, on success, deletes the part
 *    (*part_ptr becomes NULL); on failure the part stays, to be retried or
 *    discarded with pmemset_part_delete().
 *
 * 2. The map config names the set (the later 2021 draft):
 *        pmemset_map_config_new(&cfg, set);
 *        pmemset_map(src, cfg, extras, desc);
 *    Under their own names: pmemset_map_config_new_for_set() and
 *    pmemset_map_from_config(). A config made without a set cannot say
 *    where to map: -EINVAL.
 *
 * 3. PMDK's final shape, declared in <libpmemset.h>:
 *        pmemset_map_config_new(&cfg);
 *        pmemset_map(set, src, cfg, desc);
 *    It also takes a config made for the same set by shape 2.
 *
 * Shapes 1 and 2 take "extras" (struct pmemset_extras; each member may be
 * NULL):
 *   sds_in  - the shutdown-state record to check the source against, as if
 *             pmemset_source_set_sds() had been called with it (the source
 *             must not have a record yet: PMEMSET_E_SDS_ALREADY_SET); a
 *             failed map detaches it again, so the call can be retried;
 *   sds_out - receives the library's record after a successful map;
 *   state   - receives the part's state (PMEMSET_PART_STATE_*); without
 *             any shutdown-state record it is INDETERMINATE.
 *
 * One name for shapes 2 and 3 (unless PMEMSET_NO_CALL_SHAPES is defined):
 *   pmemset_map(set, src, map_cfg, desc)     -> pmemset_map
 *   pmemset_map(src, map_cfg, extras, desc)  -> pmemset_map_from_config
 *   pmemset_map_config_new(&cfg)             -> pmemset_map_config_new
 *   pmemset_map_config_new(&cfg, set)        -> pmemset_map_config_new_for_set
 *  - C11: pmemset_map(a, b, c, d) is a macro choosing with _Generic by the
 *    type of a (struct pmemset_source * -> shape 2, struct pmemset * ->
 *    shape 3); for anything else, e.g. NULL, the type of b decides
 *    (struct pmemset_map_config * -> 2, struct pmemset_source * -> 3), and
 *    when b says nothing either, c of type struct pmemset_extras * picks 2,
 *    anything else 3. pmemset_map_config_new(...) counts its arguments.
 *    The macros are function-like, so &pmemset_map, or pmemset_map named
 *    without a call, is the final function.
 *  - C++: inline overloads of pmemset_map and pmemset_map_config_new.
 *  - Before C11 (no _Generic), or with PMEMSET_NO_CALL_SHAPES: no macros;
 *    the final shape under the generic names, the older ones under their
 *    own names.
 * The macros and overloads come after every declaration of the names they
 * take over, which is why this header is included last.
 */
#ifndef LIBPMEMSET_CALL_SHAPES_H
#define LIBPMEMSET_CALL_SHAPES_H 1

#include <libpmemset.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pmemset_part;

/* The extras' shutdown-state record: the fields of struct pmemset_sds. */
struct pmemset_part_shutdown_state_data {
	char id[PMEMSET_SDS_DEVICE_ID_LEN + 1];
	uint64_t usc;
	int refcount;
};

struct pmemset_extras {
	const struct pmemset_part_shutdown_state_data *sds_in;
	struct pmemset_part_shutdown_state_data *sds_out;
	enum pmemset_part_state *state;
};

/* The part objects. */
int pmemset_part_new(struct pmemset_part **part, struct pmemset *set,
		     struct pmemset_source *src, size_t offset, size_t length);
int pmemset_part_map(struct pmemset_part **part_ptr,
		     struct pmemset_extras *extra,
		     struct pmemset_part_descriptor *desc);
int pmemset_part_delete(struct pmemset_part **part);

/* The draft in which the map config names the set, under its own names. */
int pmemset_map_config_new_for_set(struct pmemset_map_config **map_cfg,
				   struct pmemset *set);
int pmemset_map_from_config(struct pmemset_source *src,
			    struct pmemset_map_config *map_cfg,
			    struct pmemset_extras *extra,
			    struct pmemset_part_descriptor *desc);

#ifdef __cplusplus
}
#endif

#ifndef PMEMSET_NO_CALL_SHAPES
#ifdef __cplusplus

static inline int pmemset_map(struct pmemset_source *src,
			      struct pmemset_map_config *map_cfg,
			      struct pmemset_extras *extra,
			      struct pmemset_part_descriptor *desc)
{
	return pmemset_map_from_config(src, map_cfg, extra, desc);
}

static inline int pmemset_map_config_new(struct pmemset_map_config **map_cfg,
					 struct pmemset *set)
{
	return pmemset_map_config_new_for_set(map_cfg, set);
}

#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L

#define PMEMSET_MAP_SHAPE_(a, b, c)                                          \
	_Generic((a), struct pmemset_source *: pmemset_map_from_config,      \
		 struct pmemset *: pmemset_map,                              \
		 default: _Generic((b),                                      \
		 struct pmemset_map_config *: pmemset_map_from_config,       \
		 struct pmemset_source *: pmemset_map,                       \
		 default: _Generic((c),                                      \
		 struct pmemset_extras *: pmemset_map_from_config,           \
		 default: pmemset_map)))
#define pmemset_map(a, b, c, d) (PMEMSET_MAP_SHAPE_(a, b, c)(a, b, c, d))

#define PMEMSET_MAP_CONFIG_NEW_PICK_(a, b, name, ...) name
#define pmemset_map_config_new(...)                                          \
	(PMEMSET_MAP_CONFIG_NEW_PICK_(__VA_ARGS__,                           \
				      pmemset_map_config_new_for_set,        \
				      pmemset_map_config_new, )(__VA_ARGS__))

#endif
#endif /* PMEMSET_NO_CALL_SHAPES */

#endif /* LIBPMEMSET_CALL_SHAPES_H */
