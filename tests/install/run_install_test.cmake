# Builds and runs the consumer project in consumer/ against gan, by one of two routes:
#   ROUTE=package       install gan from GAN_BINARY_DIR into a fresh prefix under WORK_DIR,
#                       then configure the consumer with CMAKE_PREFIX_PATH=<that prefix>
#   ROUTE=subdirectory  configure the consumer with GAN_SOURCE_DIR, so that it uses
#                       add_subdirectory on the source tree
# Run as: cmake -DROUTE=... -DGAN_SOURCE_DIR=... -DGAN_BINARY_DIR=... -DWORK_DIR=...
#               -DCONSUMER_SOURCE_DIR=... -DCXX_COMPILER=... -DGENERATOR=... [-DMAKE_PROGRAM=...]
#               [-DBUILD_TYPE=...] [-DPREFIX_PATH=a|b] -P run_install_test.cmake
cmake_minimum_required(VERSION 3.25)

foreach(variable IN ITEMS ROUTE GAN_SOURCE_DIR GAN_BINARY_DIR WORK_DIR CONSUMER_SOURCE_DIR
                          CXX_COMPILER GENERATOR)
  if(NOT DEFINED ${variable} OR "${${variable}}" STREQUAL "")
    message(FATAL_ERROR "run_install_test.cmake: expected -D${variable}=..., got nothing")
  endif()
endforeach()

# Runs one command; on failure prints what it ran and its output, and stops the test.
function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE output
                  ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    string(REPLACE ";" " " command_line "${ARGN}")
    message(FATAL_ERROR "install test (${ROUTE}): ${what} failed (${result})\n"
                        "command: ${command_line}\n${output}")
  endif()
endfunction()

# A fresh directory every run, so that nothing left from an earlier run can make it pass.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# Search path for the consumer's dependencies: the caller's own (passed with '|' in place
# of ';'), after the fresh prefix when there is one.
string(REPLACE "|" ";" prefix_path "${PREFIX_PATH}")
set(consumer_options -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
if(MAKE_PROGRAM)
  list(APPEND consumer_options "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(BUILD_TYPE)
  list(APPEND consumer_options "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
endif()

if(ROUTE STREQUAL "package")
  set(prefix "${WORK_DIR}/prefix")
  run_step("installing gan" "${CMAKE_COMMAND}" --install "${GAN_BINARY_DIR}" --prefix "${prefix}")

  # The installed package must stand alone: no path into the source or build tree.
  file(GLOB_RECURSE package_files "${prefix}/*.cmake")
  if(NOT package_files)
    message(FATAL_ERROR "install test: no CMake package files were installed under ${prefix}")
  endif()
  foreach(file IN LISTS package_files)
    file(READ "${file}" text)
    foreach(tree IN ITEMS "${GAN_SOURCE_DIR}" "${GAN_BINARY_DIR}")
      string(FIND "${text}" "${tree}" at)
      if(NOT at EQUAL -1)
        message(FATAL_ERROR "install test: ${file} refers to ${tree}")
      endif()
    endforeach()
  endforeach()

  list(PREPEND prefix_path "${prefix}")
elseif(ROUTE STREQUAL "subdirectory")
  list(APPEND consumer_options "-DGAN_SOURCE_DIR=${GAN_SOURCE_DIR}")
else()
  message(FATAL_ERROR "install test: expected ROUTE package or subdirectory, got '${ROUTE}'")
endif()

set(consumer_build "${WORK_DIR}/consumer")
run_step("configuring the consumer" "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}"
         -B "${consumer_build}" ${consumer_options} "-DCMAKE_PREFIX_PATH=${prefix_path}")
run_step("building the consumer" "${CMAKE_COMMAND}" --build "${consumer_build}")
run_step("running the consumer" "${consumer_build}/gan_consumer")
