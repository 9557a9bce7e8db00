# SPDX-License-Identifier: BSD-3-Clause
#
# install.cmake -- what `cmake --install` puts where, in GNU directories
# (GNUInstallDirs: with CMAKE_INSTALL_PREFIX=/usr on Debian the libraries
# go to lib/<multiarch>, e.g. /usr/lib/x86_64-linux-gnu):
#   libdir     libpmem2.so.1.Y.Z, libpmem2.so.1, libpmem2.so, libpmem2.a,
#              the same for libpmemset, pkgconfig/libpmem2.pc and
#              pkgconfig/libpmemset.pc, cmake/PMEM2/ (the CMake package)
#   includedir libpmem2.h, libpmem2/*.h, libpmemset.h, libpmemset/*.h
#   bindir     pmem2 (the tool; installed by tools/CMakeLists.txt)
#   mandir     every doc/man/*.1, *.3 and *.7 in man1, man3, man7
# Split for packaging by debian/*.install. The layout and the names are
# explained in doc/packaging.md.
set(PMEM2_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/PMEM2)

# ---- libraries and their CMake targets, one export set per library so
# that each -dev package carries the targets of its own library
install(TARGETS pmem2 pmem2_static EXPORT PMEM2-pmem2
	LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
	ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT PMEM2-pmem2 NAMESPACE PMEM2::
	FILE PMEM2-pmem2-targets.cmake DESTINATION ${PMEM2_CMAKE_DIR})
if(TARGET pmemset)
	install(TARGETS pmemset pmemset_static EXPORT PMEM2-pmemset
		LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
		ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
	install(EXPORT PMEM2-pmemset NAMESPACE PMEM2::
		FILE PMEM2-pmemset-targets.cmake DESTINATION ${PMEM2_CMAKE_DIR})
endif()

include(CMakePackageConfigHelpers)
# SameMajorVersion: find_package(PMEM2 1.10) and (PMEM2 1.12) are
# satisfied, find_package(PMEM2 2.0) is not (see doc/packaging.md)
write_basic_package_version_file(
	${PROJECT_BINARY_DIR}/PMEM2ConfigVersion.cmake
	VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_SOURCE_DIR}/cmake/PMEM2Config.cmake
	${PROJECT_BINARY_DIR}/PMEM2ConfigVersion.cmake
	DESTINATION ${PMEM2_CMAKE_DIR})

# ---- headers
install(FILES include/libpmem2.h include/libpmemset.h
	DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
file(GLOB PMEM2_SUB_HEADERS CONFIGURE_DEPENDS
	${PROJECT_SOURCE_DIR}/include/libpmem2/*.h)
install(FILES ${PMEM2_SUB_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/libpmem2)
file(GLOB PMEMSET_SUB_HEADERS CONFIGURE_DEPENDS
	${PROJECT_SOURCE_DIR}/include/libpmemset/*.h)
install(FILES ${PMEMSET_SUB_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/libpmemset)

# ---- pkg-config files, written at install time so that
# `cmake --install build --prefix DIR` gets prefix=DIR in them
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
	set(PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
	set(PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
	set(PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
	set(PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
foreach(pc libpmem2 libpmemset)
	install(CODE "
		set(PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
		set(PC_LIBDIR [[${PC_LIBDIR}]])
		set(PC_INCLUDEDIR [[${PC_INCLUDEDIR}]])
		set(PROJECT_VERSION [[${PROJECT_VERSION}]])
		configure_file([[${PROJECT_SOURCE_DIR}/cmake/${pc}.pc.in]]
			[[${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc]] @ONLY)")
	install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc
		DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

# ---- manual pages: every page in doc/man, by section
foreach(section 1 3 7)
	file(GLOB pages CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/doc/man/*.${section})
	if(pages)
		install(FILES ${pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
	endif()
endforeach()
