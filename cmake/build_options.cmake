# Flags for project targets only, applied per target through INTERFACE libraries
# (never global add_compile_options, which would leak into consumers).

add_library(skillstream_warnings INTERFACE)
add_library(skillstream::warnings ALIAS skillstream_warnings)
target_compile_options(skillstream_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wnull-dereference)

# Every project target gets the same -march: simdjson's inline functions compiled at
# different levels in different translation units would break the one-definition rule.
add_library(skillstream_options INTERFACE)
add_library(skillstream::options ALIAS skillstream_options)
if(SKILLSTREAM_MARCH)
  target_compile_options(skillstream_options INTERFACE -march=${SKILLSTREAM_MARCH})
endif()
if(SKILLSTREAM_SANITIZE AND SKILLSTREAM_TSAN)
  message(FATAL_ERROR "SKILLSTREAM_SANITIZE and SKILLSTREAM_TSAN are exclusive")
endif()
if(SKILLSTREAM_SANITIZE)
  target_compile_options(skillstream_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(skillstream_options INTERFACE -fsanitize=address,undefined)
endif()
if(SKILLSTREAM_TSAN)
  target_compile_options(skillstream_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(skillstream_options INTERFACE -fsanitize=thread)
endif()
if(SKILLSTREAM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SKILLSTREAM_FUZZ needs clang (libFuzzer): configure with CC=clang CXX=clang++")
  endif()
  if(SKILLSTREAM_TSAN)
    message(FATAL_ERROR "SKILLSTREAM_FUZZ and SKILLSTREAM_TSAN are exclusive")
  endif()
  # Coverage instrumentation for every project target; only the fuzz targets link the
  # libFuzzer main (-fsanitize=fuzzer). UBSan must abort, or libFuzzer never sees it.
  target_compile_options(skillstream_options INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=all)
  target_link_options(skillstream_options INTERFACE -fsanitize=address,undefined)
endif()
