# HANGAR_FUZZ=ON: every target from here on is compiled with AddressSanitizer, UndefinedBehavior-
# Sanitizer (a report aborts: no recovery) and libFuzzer's coverage instrumentation
# (fuzzer-no-link); the fuzz targets alone link the libFuzzer driver (fuzz/CMakeLists.txt).
# _GLIBCXX_ASSERTIONS adds bounds checks to std::vector/span/string indexing, which ASan misses
# inside a container's capacity; -gline-tables-only gives sanitizer reports file:line frames at
# a fraction of -g's build time.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "HANGAR_FUZZ=ON needs clang (libFuzzer): configure with "
                      "-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
endif()
add_compile_options(-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined
                    -fno-omit-frame-pointer -gline-tables-only -D_GLIBCXX_ASSERTIONS)
add_link_options(-fsanitize=address,undefined)
