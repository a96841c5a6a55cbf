# Checks one compile-fail file. Run as
#   cmake -DMODE=compiles|fails -DSOURCE=<file.cpp> -DCOMPILER=<c++> -DFLAGS=<a|b|c>
#         -P check.cmake
# MODE=compiles: the file must compile, with no output at all (no warning either).
# MODE=fails:    with -DGAN_SHOULD_FAIL the file must not compile, and the compiler's output
#                must match the regular expression (CMake syntax) that the file states once,
#                on a line of its own: "// expect: <regex>".
cmake_minimum_required(VERSION 3.25)

foreach(variable IN ITEMS MODE SOURCE COMPILER FLAGS)
  if(NOT DEFINED ${variable} OR "${${variable}}" STREQUAL "")
    message(FATAL_ERROR "check.cmake: expected -D${variable}=..., got nothing")
  endif()
endforeach()
string(REPLACE "|" ";" flags "${FLAGS}")
# Plain ASCII diagnostics whatever the user's locale and terminal, so that the expected
# regexes can quote with ' rather than GCC's UTF-8 quotation marks.
set(ENV{LC_ALL} C)
list(APPEND flags -fdiagnostics-color=never)

file(STRINGS "${SOURCE}" expect_lines REGEX "^// expect: ")
list(LENGTH expect_lines expect_count)
if(NOT expect_count EQUAL 1)
  message(FATAL_ERROR "${SOURCE}: expected one line '// expect: <regex>', got ${expect_count}")
endif()
string(REGEX REPLACE "^// expect: " "" expected "${expect_lines}")

if(MODE STREQUAL "compiles")
  execute_process(COMMAND "${COMPILER}" ${flags} "${SOURCE}"
                  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT result EQUAL 0 OR NOT output STREQUAL "")
    message(FATAL_ERROR "${SOURCE} must compile cleanly without GAN_SHOULD_FAIL, but the "
                        "compiler said (exit ${result}):\n${output}")
  endif()
elseif(MODE STREQUAL "fails")
  execute_process(COMMAND "${COMPILER}" ${flags} -DGAN_SHOULD_FAIL "${SOURCE}"
                  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(result EQUAL 0)
    message(FATAL_ERROR "${SOURCE} compiled with GAN_SHOULD_FAIL; it must be rejected with "
                        "a diagnostic matching\n  ${expected}\nCompiler output:\n${output}")
  endif()
  if(NOT output MATCHES "${expected}")
    message(FATAL_ERROR "${SOURCE} was rejected with GAN_SHOULD_FAIL, but not with the "
                        "promised diagnostic; no match for\n  ${expected}\n"
                        "Compiler output:\n${output}")
  endif()
else()
  message(FATAL_ERROR "check.cmake: expected MODE compiles or fails, got '${MODE}'")
endif()
