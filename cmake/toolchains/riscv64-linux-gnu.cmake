# SPDX-License-Identifier: BSD-3-Clause
#
# riscv64-linux-gnu.cmake -- cross-build for riscv64 with Debian's cross compiler
# (gcc-riscv64-linux-gnu, libc6-dev-*-cross; scripts/cross.sh installs them).
# Test programs run under QEMU's user-mode emulator: ctest uses
# CMAKE_CROSSCOMPILING_EMULATOR, and QEMU_CPU / QEMU_LD_PREFIX /
# QEMU_SET_ENV in the environment choose the emulated processor, the
# target's C library and the guest's environment (scripts/cross.sh).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_C_COMPILER riscv64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER riscv64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/riscv64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-riscv64)
