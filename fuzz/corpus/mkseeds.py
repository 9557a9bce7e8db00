#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# mkseeds.py -- writes the hand-made seed inputs of fuzz/corpus/api and
# fuzz/corpus/sysfs. Each seed is a readable sequence of operations in the
# byte format engine.c reads (opcode, then the operation's arguments), so
# that fuzzing starts from inputs that reach every kind of call instead of
# having to discover the format. Run it after changing the format:
#     python3 fuzz/corpus/mkseeds.py
# (the byte layout of each operation is described next to its op_* function
# in fuzz/engine.c; the sysfs prelude next to build() in fuzz_sysfs.c).
import os
import struct

OPS = ("CFG_NEW CFG_DELETE CFG_SET SRC_NEW SRC_DELETE SRC_QUERY SRC_MCSAFE "
       "MAP_NEW MAP_EXISTING MAP_DELETE MAP_GET MAP_DATA RSV_NEW RSV_DELETE "
       "RSV_RESIZE RSV_FIND BB OWN_MAP OWN_UNMAP FILE_RESIZE ENV ERRORS SCFG "
       "SET_NEW SET_MISC MCFG SSRC_NEW SSRC_MISC SMAP PART PMAP SDATA "
       "EXTRA").split()
OP = {name: i for i, name in enumerate(OPS)}


def u16(v):
    return struct.pack("<H", v)


def u32(v):
    return struct.pack("<I", v)


def u64(v):
    return struct.pack("<Q", v)


def pages(n):
    """rd_size(): one byte 0..63 is that many 4 KiB pages"""
    assert 0 <= n < 64
    return bytes([n])


def seq(*items):
    out = bytearray()
    for it in items:
        if isinstance(it, str):
            out.append(OP[it])
        elif isinstance(it, int):
            out.append(it)
        else:
            out += bytes(it)
    return bytes(out)


def prog(acts):
    """an event program: {event: (action, arg, action, arg)}"""
    p = bytearray(48)
    for ev, a in acts.items():
        p[ev * 4:ev * 4 + 4] = bytes(a)
    return bytes(p)


# event numbers and callback actions (cb_action in engine.c)
COPY, MOVE, SET, FLUSH, DRAIN, PERSIST, REMOVE_RANGE, PART_ADD, \
    PART_REMOVE, SDS_UPDATE, BADBLOCK, BADBLOCKS_CLEARED = range(12)
A_DATA, A_LOOKUP, A_ITER, A_MAP, A_REFUSED, A_MAP_OTHER, A_SRC, A_CLEAR, \
    A_P2SRC, A_GRAN, A_RET = range(1, 12)

# a range at offset 0, the whole map (pick_range: how = 4, u32 page 0)
WHOLE = bytes([4]) + u32(0)

# ---------------------------------------------------------------- api

api = {}

api["pmem2_basic"] = seq(
    "CFG_NEW", 0, "CFG_SET", 0, 0, 2,            # PAGE
    "SRC_NEW", 0, 0,                             # file0, read-write
    "MAP_NEW", 0, 0, 0, "MAP_GET", 0,
    "MAP_DATA", 0, 0, 0, WHOLE,                  # memcpy
    "MAP_DATA", 0, 1, 0, 1, u32(5), u32(100), u32(7),    # memmove
    "MAP_DATA", 0, 2, 2, 0, u32(3), u32(4000), 0x77,     # memset NT
    "MAP_DATA", 0, 3, 0, WHOLE,                  # persist
    "MAP_DATA", 0, 4, 0, WHOLE,                  # flush + drain
    "MAP_DATA", 0, 5, 0, WHOLE, pages(1), pages(2), 1,   # deep flush
    "MAP_DATA", 0, 6, 0, WHOLE,                  # plain store + persist
    "SRC_QUERY", 0, 0, "SRC_QUERY", 0, 1, "SRC_QUERY", 0, 2,
    "SRC_QUERY", 0, 3, "SRC_QUERY", 0, 4, "SRC_QUERY", 0, 5,
    "SRC_MCSAFE", 0, 0, pages(1), u32(100),
    "SRC_MCSAFE", 0, 1, pages(2), u32(4096),
    "MAP_DELETE", 0, "MAP_DELETE", 0, "SRC_DELETE", 0, "CFG_DELETE", 0)

api["pmem2_reservation"] = seq(
    "RSV_NEW", 0, 0, 0xa0 | 4,                   # 2 MiB, anywhere
    "CFG_NEW", 1, "CFG_SET", 1, 0, 2,
    "CFG_SET", 1, 5, 0, pages(16),               # rsv0, offset 64 KiB
    "CFG_SET", 1, 2, pages(8),                   # length 32 KiB
    "SRC_NEW", 1, 1,                             # file1
    "MAP_NEW", 1, 1, 1,
    "CFG_SET", 1, 5, 0, pages(32), "MAP_NEW", 2, 1, 1,
    "RSV_FIND", 0, pages(16), pages(1),
    "MAP_DATA", 1, 0, 0, WHOLE,
    "RSV_RESIZE", 0x81, 0, 0xa0 | 4,             # extend by 2 MiB
    "RSV_RESIZE", 0x42, 0, pages(4),             # shrink 16 KiB at the end
    "RSV_RESIZE", 0, 0, pages(1),                # shrink at the start: busy
    "RSV_NEW", 1, 3, pages(4), 0,                # over rsv0: refused
    "MAP_DELETE", 1, "RSV_DELETE", 0x42,         # configs forget rsv0
    "MAP_DELETE", 2, "RSV_DELETE", 0x42,
    "RSV_NEW", 2, 2, pages(4))                   # where rsv0 was

api["pmem2_draft_and_existing"] = seq(
    "CFG_NEW", 0, "CFG_SET", 0, 6, 1,            # pmem2_config_set_fd(file1)
    "MAP_NEW", 0, 0x81, 0,                       # pmem2_map (no granularity)
    "MAP_DATA", 0, 2, 0, WHOLE, 0x11, "MAP_DELETE", 0x40,   # pmem2_unmap
    "OWN_MAP", 0, 8, "SRC_NEW", 0, 0,            # own mmap of file0
    "MAP_EXISTING", 1, 0, 0, 2, 0,               # PAGE over it
    "MAP_DATA", 1, 0, 0, WHOLE, "MAP_DATA", 1, 3, 0, WHOLE,
    "MAP_EXISTING", 2, 0, 0x14, 0, 0,            # over map1: refused
    "MAP_EXISTING", 2, 0, 3, 0, "MAP_EXISTING", 2, 0, 4, 0,
    "MAP_EXISTING", 2, 0, 5, 0,
    "MAP_DELETE", 1, "OWN_UNMAP", 0,
    "OWN_MAP", 0x31, 4, "SRC_NEW", 0x81, pages(4),   # anonymous
    "MAP_EXISTING", 3, 1, 0x12, 1, 0, "MAP_DATA", 3, 4, 0, WHOLE)

api["pmem2_anon_private_misc"] = seq(
    "SRC_NEW", 0x82, pages(16), "CFG_NEW", 2, "CFG_SET", 2, 0, 0,  # BYTE
    "CFG_SET", 2, 3, 1, "CFG_SET", 2, 4, 3,      # private, read+write
    "MAP_NEW", 3, 2, 2, "MAP_DATA", 3, 0, 0x12, WHOLE,
    "MAP_DATA", 3, 5, 0, WHOLE, pages(0), pages(1), 0,  # deep flush: NOSUPP
    "CFG_SET", 2, 4, 1, "SRC_NEW", 3, 3,         # read-only file0
    "MAP_NEW", 1, 2, 3, "MAP_DATA", 1, 3, 0, WHOLE,
    "ENV", 2, "CFG_SET", 2, 3, 0, "CFG_SET", 2, 0, 1, "CFG_SET", 2, 4, 3,
    "SRC_NEW", 1, 0, "MAP_NEW", 2, 2, 1,         # CACHE_LINE forced
    "MAP_DATA", 2, 0, 2, WHOLE, "MAP_DATA", 2, 4, 0, WHOLE, "ENV", 0,
    "CFG_NEW", 0xc0, "CFG_SET", 0xc0, 1, pages(1), "MAP_NEW", 0xc0, 0, 0,
    "MAP_DELETE", 0xc0, "RSV_NEW", 0xc0, 0, pages(1), "RSV_FIND", 0xc0,
    pages(0), pages(0),
    "ERRORS", u32(0), 0x80, "ERRORS", u32(5), 1, "ERRORS", u32(0), 2,
    "ERRORS", u32(7), 3,
    "BB", 0, 4, "BB", 0, 1, 8, "BB", 0, 2, pages(1), pages(1), "BB", 0, 3,
    "BB", 1, 0x0c, "MAP_DELETE", 1, "MAP_DELETE", 2, "MAP_DELETE", 3,
    "FILE_RESIZE", 0, pages(40))

P1 = prog({PART_ADD: (A_DATA, 3, A_GRAN, 0), COPY: (A_LOOKUP, 0, 0, 0),
           PERSIST: (A_ITER, 0, 0, 0), PART_REMOVE: (A_REFUSED, 0, A_ITER, 0),
           REMOVE_RANGE: (A_MAP, 0, A_REFUSED, 1),
           SDS_UPDATE: (A_SRC, 8, A_REFUSED, 2),
           FLUSH: (A_DATA, 2, 0, 0), DRAIN: (A_ITER, 0, 0, 0)})

api["pmemset_final_shape"] = seq(
    "SCFG", 0, 0, "SCFG", 0, 2, 2, "SCFG", 0, 5, 1, P1,
    "SCFG", 0, 4, 0x1e, "SET_NEW", 0, 0,
    "SSRC_NEW", 0, 3, 3,                         # temporary in the workdir
    "MCFG", 0, 12, "MCFG", 0, 2, pages(16), "MCFG", 0, 1, pages(0),
    "SMAP", 0, 0, 0, "SMAP", 0, 0, 0, "SMAP", 0, 0, 3,
    "SDATA", 0, 0, 0, 0, WHOLE,                  # memcpy
    "SDATA", 0, 1, 0, 0, 1, u32(9), u32(300), u32(1),   # memmove
    "SDATA", 0, 2, 0, 2, WHOLE, 0x33,            # memset
    "SDATA", 0, 3, 0, 0, WHOLE, "SDATA", 0, 4, 0, 0, WHOLE,
    "SDATA", 0, 5, 0, 3, WHOLE, "SDATA", 0, 6, 0, 0, WHOLE,
    "SET_MISC", 0, 2, "SET_MISC", 0, 3,
    "PMAP", 0, 1, "PMAP", 0, 2, 1, "PMAP", 1, 3, "PMAP", 0, 4,
    "PMAP", 2, 0, 0, u32(100),                   # by address
    "PMAP", 0, 5, 0, u32(0), pages(16),          # remove range: referenced
    "PMAP", 2, 3, "PMAP", 0, 5, 0, u32(0), pages(16),
    "SET_MISC", 0, 0)

P2 = prog({PART_ADD: (A_MAP_OTHER, 1 | (1 << 2), A_P2SRC, 1),
           PART_REMOVE: (A_REFUSED, 3, A_DATA, 4),
           SDS_UPDATE: (A_REFUSED, 4, 0, 0), SET: (A_GRAN, 0, 0, 0)})

api["pmemset_old_shapes"] = seq(
    "SRC_NEW", 0, 0, "SCFG", 1, 0, "SCFG", 1, 2, 2, "SCFG", 1, 6, 2, P2,
    "SET_NEW", 0, 1, "SET_NEW", 1, 0x82,         # set1, config then deleted
    "SSRC_NEW", 0, 0, 0,                         # from pmem2 src0
    "SSRC_NEW", 1, 1, 1,                         # from file1
    "SSRC_NEW", 2, 2, 3, 0x02,                   # xsource scratch, create
    "SSRC_NEW", 3, 2, 0, 0x04,                   # file0, do not grow
    "MCFG", 0, 0, "MCFG", 0, 2, pages(8),        # made for set0
    "SMAP", 0x80, 1, 0, 0x1d, 0,                 # pmemset_map(src, cfg, x, d)
    "PART", 0, 0, 0, pages(0), pages(4),         # part_new(set0, ssrc0)
    "PART", 0, 1, 0x19,                          # part_map with extras
    "PART", 1, 0, 2, pages(0), pages(2), "PART", 1, 2,
    "SMAP", 0, 2, 3, "SMAP", 0, 3, 3,
    "SSRC_MISC", 1, 4, "SSRC_MISC", 1, 3, pages(0), u32(512),
    "SSRC_MISC", 1, 0x81, pages(1), u32(512), "SSRC_MISC", 1, 5,
    pages(1), pages(1),
    "SSRC_MISC", 2, 1, 0, "SSRC_MISC", 2, 0x80, "SSRC_MISC", 2, 0,
    "SET_MISC", 0, 1, 1, "SMAP", 0, 1, 3, "SMAP", 0, 1, 3,
    "PMAP", 0, 1, "PMAP", 0, 0x82,               # via set1: not its pmap
    "PMAP", 0, 4, "SET_MISC", 0xc0, 0)

P3 = prog({PART_REMOVE: (A_REFUSED, 0, A_REFUSED, 1),
           REMOVE_RANGE: (A_DATA, 1, A_LOOKUP, 0),
           PART_ADD: (A_MAP, 1, A_LOOKUP, 0), COPY: (A_DATA, 0, 0, 0)})

api["pmemset_reservation_callbacks"] = seq(
    "RSV_NEW", 0, 0, 0xa0 | 5,                   # 1 GiB
    "SCFG", 2, 0, "SCFG", 2, 2, 2, "SCFG", 2, 3, 0, "SCFG", 2, 5, 3, P3,
    "SET_NEW", 2, 2, "SSRC_NEW", 0, 3, 3, "SSRC_NEW", 1, 1, 0,
    "MCFG", 1, 12, "MCFG", 1, 2, pages(2),
    "SMAP", 2, 0, 1, "SMAP", 2, 1, 1, "SET_MISC", 2, 1, 2,
    "SMAP", 2, 0, 1, "RSV_FIND", 0, pages(0), pages(0),
    "SDATA", 2, 0, 0, 0, WHOLE,
    "PMAP", 0, 17, 0, u32(0), pages(1),          # remove_range in set2
    "RSV_DELETE", 0x42, "SET_MISC", 2, 0, "RSV_DELETE", 0)

# ---------------------------------------------------------------- sysfs


def platform(link=0, dimms=1, bad_disk=1, bad_region=1, clears=1,
             long_id=False, usc=5):
    """the prelude of fuzz_sysfs.c's build(): a well-formed platform"""
    b = bytearray()
    b += bytes([1, 0])              # region1 memory_controller, region2 eADR
    b += bytes([0, 0])              # numa_node 0, deep_flush 1
    b += bytes([dimms])             # mappings
    for i in range(dimms):
        b += bytes([0, 0])          # nmem<i>, offset 0
        b += bytes([2 if long_id else 0])
        b += u32(0x1234 + i)
        if long_id:
            b += u16(100 + 150 * i)     # 300, 450, 600 bytes
        b += bytes([0]) + u32(usc + i)      # dirty_shutdown
    b += bytes([link])
    b += bytes([1]) + u16(2048) + bytes([1, 0])   # partition at 2048
    b += bytes([0, 0]) + u16(1) + bytes([1, 0, 0])  # dax: 2 MiB, 4 KiB
    for lines in (bad_disk, bad_region):
        b += bytes([lines])
        for j in range(lines):
            b += bytes([0]) + u16(8 * j) + bytes([7])  # 8 sectors
    b += bytes([clears])
    return bytes(b)


sysfs = {}

sysfs["ras_file"] = platform(dimms=2) + seq(
    "SRC_NEW", 0, 0, "SRC_QUERY", 0, 3, "SRC_QUERY", 0, 4,
    "SRC_QUERY", 0, 5, "SRC_QUERY", 0, 2, "EXTRA", 5,
    "BB", 0, 0, "BB", 0, 0x81, 8, "BB", 0, 3,
    "EXTRA", 0, 9, 0, "EXTRA", 1, 1, 0, u16(64), 3, "BB", 1, 0,
    "BB", 1, 1, 8)

P4 = prog({BADBLOCK: (A_CLEAR, 0, A_SRC, 4), SDS_UPDATE: (A_SRC, 0, 0, 0),
           BADBLOCKS_CLEARED: (A_RET, 0, 0, 0), PART_ADD: (A_DATA, 3, 0, 0)})

sysfs["pmemset_sds_badblocks"] = platform() + seq(
    "SCFG", 0, 0, "SCFG", 0, 2, 2, "SCFG", 0, 5, 1, P4,
    "SCFG", 0, 4, 0x1e, "SET_NEW", 0, 0,
    "SSRC_NEW", 0, 1, 0,                         # file0
    "SSRC_MISC", 0, 1, 0x01,                     # record: known id, usc
    "SSRC_MISC", 0, 0x80,                        # bad block detection on
    "SMAP", 0, 0, 3, "EXTRA", 0, 7, 0, "SMAP", 0, 0, 3,
    "SET_MISC", 0, 0, "SET_NEW", 0, 0, "SMAP", 0, 0, 3,
    "SSRC_NEW", 1, 1, 1, "SSRC_MISC", 1, 1, 0x15,
    "SMAP", 0, 1, 3, "SSRC_MISC", 1, 5, pages(0), pages(1))

sysfs["devdax"] = platform(link=2) + seq(
    "SRC_NEW", 0, 11, "SRC_QUERY", 0, 1, "SRC_QUERY", 0, 2,
    "SRC_QUERY", 0, 5, "ENV", 2, "CFG_NEW", 0, "CFG_SET", 0, 0, 1,
    "MAP_NEW", 0, 0, 0, "MAP_DATA", 0, 0, 2, WHOLE,
    "MAP_DATA", 0, 5, 0, WHOLE, pages(0), pages(1), 1,
    "SRC_MCSAFE", 0, 1, pages(1), u32(8192), "SRC_MCSAFE", 0, 0, pages(0),
    u32(100), "BB", 0, 0, "BB", 0, 1, 4, "EXTRA", 2, 1, 1, u16(0), 7,
    "BB", 1, 0, "BB", 1, 0x81, 4, "EXTRA", 4, 3, 0, u16(0), 0, 0, 0)

sysfs["odd_platform"] = platform(link=4, long_id=True, dimms=3) + seq(
    "SRC_NEW", 0, 0, "SRC_QUERY", 0, 3, "SRC_QUERY", 0, 4, "BB", 0, 0,
    "SCFG", 0, 0, "SCFG", 0, 2, 2, "SET_NEW", 0, 0, "SSRC_NEW", 0, 0, 0,
    "SSRC_MISC", 0, 1, 1, "SMAP", 0, 0, 3, "EXTRA", 3, 0)

sysfs["partition"] = platform(link=2, bad_disk=3) + seq(
    "SRC_NEW", 0, 1, "BB", 0, 0, "BB", 0, 0x81, 16, "EXTRA", 5,
    "SCFG", 0, 0, "SCFG", 0, 2, 2, "SCFG", 0, 5, 1, P4, "SET_NEW", 0, 0,
    "SSRC_NEW", 0, 1, 1, "SSRC_MISC", 0, 0x80, "SMAP", 0, 0, 3)

# every api seed again, on the fake platform (file sources there have a
# device id, an unsafe shutdown count and bad blocks)
for name, data in api.items():
    sysfs["on_platform_" + name] = platform() + data

# ---------------------------------------------------------------- findings
# Minimal inputs of library defects the fuzzer found, kept in fuzz/findings
# (not in the seed corpus): scripts/fuzz.sh runs them and fails until the
# defect is fixed. See fuzz/README.md, "Findings".

findings = {"sysfs": {}}

# one DIMM whose nfit/id is 300 bytes: pmem2_source_device_id returns its
# first 255 bytes as if that were the whole id
findings["sysfs"]["dimm-id-cut-at-255-bytes"] = \
    platform(dimms=1, long_id=True) + seq("EXTRA", 5)


def write(top, name, files):
    d = os.path.join(top, name)
    os.makedirs(d, exist_ok=True)
    for seed, data in files.items():
        with open(os.path.join(d, seed), "wb") as f:
            f.write(data)


def main():
    top = os.path.dirname(os.path.abspath(__file__))
    write(top, "api", api)
    write(top, "sysfs", sysfs)
    for name, files in findings.items():
        write(os.path.join(top, "..", "findings"), name, files)


if __name__ == "__main__":
    main()
