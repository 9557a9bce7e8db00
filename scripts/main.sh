#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# main.sh -- the main job: build the library and the `pmem2` tool, then show
# what the library sees for PATH (default: a temporary file).
# Usage: scripts/main.sh [PATH]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/scripts/deps.sh" build
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build" -j"$(nproc)" >/dev/null
exec "$top/build/tools/pmem2" info "$@"
