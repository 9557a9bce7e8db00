# SPDX-License-Identifier: BSD-3-Clause
#
# version.cmake -- the project's one version number.
#
# It lives in the file VERSION at the top of the tree (one line, X.Y.Z) so
# that CMake, debian/rules, scripts/build-debs.sh and the tests all read the
# same text. Included BEFORE project(): it sets PMEM2_VERSION, which
# project() then takes as PROJECT_VERSION. Everything else derives from it:
# the shared-object file names (libpmem2.so.1.Y.Z, libpmemset.so.1.Y.Z),
# the .pc files, the CMake package version file, the compile definition
# PMEM2_PROJECT_VERSION="X.Y.Z" that every C file gets (the tool's
# --version) and debian/changelog (checked by tests/scripts/test_install.sh and by
# debian/rules). Why 1.14.0 is in doc/packaging.md.
file(STRINGS "${CMAKE_CURRENT_LIST_DIR}/../VERSION" PMEM2_VERSION
	LIMIT_COUNT 1 REGEX "^[0-9]+\\.[0-9]+\\.[0-9]+$")
if(NOT PMEM2_VERSION)
	message(FATAL_ERROR "VERSION must hold one line X.Y.Z")
endif()
# the soname stays libpmem2.so.1 / libpmemset.so.1 (PMDK's ABI): a major
# other than 1 would give a file name libpmem2.so.1.X.Y that lies about it
if(NOT PMEM2_VERSION MATCHES "^1\\.")
	message(FATAL_ERROR "VERSION ${PMEM2_VERSION}: the soname is .so.1, so "
		"the version must be 1.x (see doc/packaging.md before changing)")
endif()
