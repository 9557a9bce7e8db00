# SPDX-License-Identifier: BSD-3-Clause
#
# PMEM2Config.cmake -- the CMake package of libpmem2 and libpmemset:
#
#   find_package(PMEM2 1.10 CONFIG REQUIRED [COMPONENTS pmem2 pmemset])
#   target_link_libraries(app PRIVATE PMEM2::pmem2 PMEM2::pmemset)
#
# Imported targets: PMEM2::pmem2 and PMEM2::pmemset (shared libraries),
# PMEM2::pmem2_static and PMEM2::pmemset_static (libpmem2.a, libpmemset.a).
# Each library's targets are in a file of their own, installed with that
# library's development files (Debian: libpmem2-dev, libpmemset-dev), so a
# component is found exactly when its files are installed. Without
# COMPONENTS every installed component is loaded and only pmem2 is needed.
include(CMakeFindDependencyMacro)
find_dependency(Threads)

set(_PMEM2_ALL pmem2 pmemset)
foreach(_pmem2_c IN LISTS _PMEM2_ALL)
	if(EXISTS "${CMAKE_CURRENT_LIST_DIR}/PMEM2-${_pmem2_c}-targets.cmake")
		include("${CMAKE_CURRENT_LIST_DIR}/PMEM2-${_pmem2_c}-targets.cmake")
		set(PMEM2_${_pmem2_c}_FOUND TRUE)
	else()
		set(PMEM2_${_pmem2_c}_FOUND FALSE)
	endif()
endforeach()

set(_pmem2_wanted ${PMEM2_FIND_COMPONENTS})
if(NOT _pmem2_wanted)
	set(_pmem2_wanted pmem2)
	set(PMEM2_FIND_REQUIRED_pmem2 TRUE)
endif()
foreach(_pmem2_c IN LISTS _pmem2_wanted)
	list(FIND _PMEM2_ALL "${_pmem2_c}" _pmem2_i)
	if(_pmem2_i LESS 0)
		set(PMEM2_${_pmem2_c}_FOUND FALSE)
	endif()
	if(PMEM2_FIND_REQUIRED_${_pmem2_c} AND NOT PMEM2_${_pmem2_c}_FOUND)
		set(PMEM2_FOUND FALSE)
		string(APPEND PMEM2_NOT_FOUND_MESSAGE
			"component '${_pmem2_c}' is not installed "
			"(known components: ${_PMEM2_ALL}; Debian: lib${_pmem2_c}-dev). ")
	endif()
endforeach()
unset(_pmem2_c)
unset(_pmem2_i)
unset(_pmem2_wanted)
unset(_PMEM2_ALL)
