#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tool_json.py -- check the output of `pmem2 info --json` against its schema.

Usage: tool_json.py FILE COUNT [CHECK...]

FILE holds the tool's stdout, COUNT is the number of reports expected (one
per PATH). The schema of doc/pmem2-tool.md is checked for every element: a
report has exactly the documented keys, in the documented order, each value
of its documented type or one of {"not_supported": "reason"} and
{"error": "message"} where the key allows them; an element for a PATH that
could not be reported on is exactly {"path": ..., "error": ...}.

Each CHECK is about element I (from 0):
  I.key=JSON      the value equals the JSON text (I.key="PAGE", I.size=2097152)
  I.key~REGEX     the value is a string matching REGEX (re.fullmatch)
  I.key%TEXT      the value is a string containing TEXT (any letter case)
  I.key?KIND      the value is {"KIND": ...}: not_supported or error
  I.key?value     the value is a fact (not a not_supported/error object)
Used by tests/scripts/test_tool.sh and tests/vm/run-vm-tests.sh. Prints what
failed; exits 0 when everything holds, 1 otherwise.
"""
import json
import re
import sys

TRI = ("not_supported", "error")
# key: (predicate on a fact, may it be not_supported, may it be an error)
ISINT = lambda v: isinstance(v, int) and not isinstance(v, bool)
ISSTR = lambda v: isinstance(v, str)
# a CXL memory device: each field a fact or a tri-state object
ISTRI = lambda v: (isinstance(v, dict) and len(v) == 1 and
                   next(iter(v)) in TRI and ISSTR(next(iter(v.values()))))
ISMEMDEV = lambda m: (
    isinstance(m, dict) and
    list(m) == ["nmem", "memdev", "serial", "dirty_shutdown"] and
    ISSTR(m["nmem"]) and
    (ISSTR(m["memdev"]) or ISTRI(m["memdev"])) and
    (ISSTR(m["serial"]) or ISTRI(m["serial"])) and
    ((ISINT(m["dirty_shutdown"]) and m["dirty_shutdown"] >= 0) or
     ISTRI(m["dirty_shutdown"])))
SCHEMA = [
    ("path", ISSTR, False, False),
    ("file", ISSTR, True, False),
    ("temporary", lambda v: isinstance(v, bool), False, False),
    ("type", lambda v: v in ("regular file", "device DAX", "anonymous"),
     False, False),
    ("size", lambda v: ISINT(v) and v > 0, False, False),
    ("alignment", lambda v: ISINT(v) and v > 0, False, False),
    ("map_sync", lambda v: v is True, True, False),
    ("granularity", lambda v: v in ("BYTE", "CACHE_LINE", "PAGE"),
     False, False),
    ("granularity_rule", lambda v: v in ("anonymous", "private", "forced",
                                         "no_map_sync", "adr", "eadr",
                                         "cpu_no_clean", "volatile"),
     False, False),
    ("granularity_reason", ISSTR, False, False),
    ("persist", ISSTR, False, False),
    ("region", lambda v: ISSTR(v) and re.fullmatch(r"region[0-9]+", v),
     True, True),
    ("namespace", ISSTR, True, True),
    ("block_device", lambda v: ISSTR(v) and v.startswith("/dev/"),
     True, True),
    ("persistence_domain", ISSTR, True, True),
    ("deep_flush", ISINT, True, True),
    ("numa_node", ISINT, True, True),
    ("device_id", ISSTR, True, True),
    ("unsafe_shutdown_count", lambda v: ISINT(v) and v >= 0, True, True),
    ("bad_blocks", lambda v: isinstance(v, list) and all(
        isinstance(b, dict) and sorted(b) == ["length", "offset"] and
        ISINT(b["offset"]) and ISINT(b["length"]) for b in v), True, True),
    ("flush_instruction", ISSTR, False, False),
    ("fence", ISSTR, False, False),
    ("copy_engine", ISSTR, False, False),
    ("movnt_threshold", lambda v: ISINT(v) and v >= 0, False, False),
    ("cpu_flush", ISSTR, False, False),
    ("bus_provider", ISSTR, True, True),
    ("cxl_memdevs", lambda v: isinstance(v, list) and len(v) > 0 and all(
        ISMEMDEV(m) for m in v), True, True),
    ("dax_origin", ISSTR, True, True),
]

failures = []


def fail(msg):
    failures.append(msg)


def tri_kind(v):
    """not_supported/error for a tri-state object, None for a fact"""
    if isinstance(v, dict) and len(v) == 1:
        k = next(iter(v))
        if k in TRI:
            return k
    return None


def check_report(i, rep):
    if not isinstance(rep, dict):
        fail(f"element {i} is not an object: {rep!r}")
        return
    if list(rep) == ["path", "error"]:
        if not (ISSTR(rep["path"]) and ISSTR(rep["error"]) and rep["error"]):
            fail(f"element {i}: bad error object {rep!r}")
        return
    keys = [k for k, _, _, _ in SCHEMA]
    if list(rep) != keys:
        fail(f"element {i}: keys {list(rep)}, expected {keys}")
        return
    for key, pred, nosupp, err in SCHEMA:
        v = rep[key]
        kind = tri_kind(v)
        if kind is None:
            if not pred(v):
                fail(f"element {i}: {key} = {v!r} is not a valid value")
        elif not isinstance(v[kind], str) or not v[kind]:
            fail(f"element {i}: {key} = {v!r}: the reason must be text")
        elif kind == "not_supported" and not nosupp:
            fail(f"element {i}: {key} cannot be not_supported: {v!r}")
        elif kind == "error" and not err:
            fail(f"element {i}: {key} cannot be an error: {v!r}")
    g = rep["granularity"]
    if not rep["granularity_reason"].startswith(g + ":"):
        fail(f"element {i}: granularity_reason does not start with {g}")


def check_one(data, spec):
    m = re.fullmatch(r"([0-9]+)\.([a-z_]+)([=~%?])(.*)", spec, re.S)
    if not m:
        fail(f"bad check '{spec}'")
        return
    i, key, op, arg = int(m[1]), m[2], m[3], m[4]
    if i >= len(data) or key not in data[i]:
        fail(f"{spec}: element {i} has no {key}")
        return
    v = data[i][key]
    if op == "=":
        if v != json.loads(arg):
            fail(f"{spec}: value is {json.dumps(v)}")
    elif op == "~":
        if not isinstance(v, str) or not re.fullmatch(arg, v, re.S):
            fail(f"{spec}: value is {json.dumps(v)}")
    elif op == "%":
        if not isinstance(v, str) or arg.lower() not in v.lower():
            fail(f"{spec}: value is {json.dumps(v)}")
    elif arg == "value":
        if tri_kind(v) is not None:
            fail(f"{spec}: value is {json.dumps(v)}")
    elif tri_kind(v) != arg:
        fail(f"{spec}: value is {json.dumps(v)}")


def main():
    if len(sys.argv) < 3:
        print(__doc__.split("\n\n")[1])
        return 2
    try:
        with open(sys.argv[1], encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        print(f"FAIL: {sys.argv[1]}: not JSON: {e}")
        return 1
    if not isinstance(data, list):
        fail(f"the output is not a JSON array: {type(data).__name__}")
    elif len(data) != int(sys.argv[2]):
        fail(f"{len(data)} elements, expected {sys.argv[2]}")
    else:
        for i, rep in enumerate(data):
            check_report(i, rep)
        for spec in sys.argv[3:]:
            check_one(data, spec)
    for f in failures:
        print(f"FAIL: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
