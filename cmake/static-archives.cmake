# SPDX-License-Identifier: BSD-3-Clause
#
# static-archives.cmake -- the public static archives libpmem2.a and
# libpmemset.a, for programs that link statically (Debian's libpmem2-dev
# ships libpmem2.a; programs built against it must keep building).
#
# pmem2_public_archive(TARGET OBJLIB MAP OUTPUT_NAME [DEPS...]) builds
# TARGET (file libOUTPUT_NAME.a) from the same objects as the shared
# library, OBJLIB, made into one object whose only global symbols are the
# public functions MAP exports (cmake/public-object.sh says why: both
# libraries carry their own copy of src/core). DEPS are what a program
# linking the archive needs next (the libpmem2 archive for libpmemset's).
function(pmem2_public_archive target objlib map output_name)
	set(obj "${CMAKE_CURRENT_BINARY_DIR}/${target}-public.o")
	add_custom_command(OUTPUT "${obj}"
		COMMAND sh "${PROJECT_SOURCE_DIR}/cmake/public-object.sh"
			"${obj}" "${map}" "${CMAKE_LINKER}" "${CMAKE_OBJCOPY}"
			"${CMAKE_NM}" "$<TARGET_OBJECTS:${objlib}>"
		DEPENDS "$<TARGET_OBJECTS:${objlib}>" "${map}"
			"${PROJECT_SOURCE_DIR}/cmake/public-object.sh"
		COMMAND_EXPAND_LISTS
		COMMENT "Making the public object of lib${output_name}.a"
		VERBATIM)
	add_library(${target} STATIC "${obj}")
	# DEPENDS on object files orders nothing across targets (Makefiles):
	# the objects must be built before the custom command runs
	add_dependencies(${target} ${objlib})
	set_source_files_properties("${obj}" PROPERTIES
		EXTERNAL_OBJECT TRUE GENERATED TRUE)
	set_target_properties(${target} PROPERTIES OUTPUT_NAME ${output_name}
		LINKER_LANGUAGE C EXPORT_NAME ${target})
	target_include_directories(${target} INTERFACE
		$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
		$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
	target_link_libraries(${target} INTERFACE ${ARGN} Threads::Threads)
endfunction()
