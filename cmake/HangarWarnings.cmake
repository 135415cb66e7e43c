# One warning set for every hangar target.
add_library(hangar_warnings INTERFACE)
target_compile_options(hangar_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
  -Wimplicit-fallthrough)
if(HANGAR_WERROR)
  target_compile_options(hangar_warnings INTERFACE -Werror)
endif()
