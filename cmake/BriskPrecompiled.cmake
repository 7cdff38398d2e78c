# Precompiled headers: the external headers most files include (gRPC, protobuf and its generated
# code, Abseil, spdlog; GoogleTest for the tests) are parsed once per library, and once for all
# the test executables, instead of once per file (scheduler/scheduler_service.cc, gcc -O2 -g:
# 28.9 s without, 15.2 s with). BRISK_PCH=OFF builds without, for checking that every file
# includes what it uses.
option(BRISK_PCH "Precompile the heavy external headers (cmake/brisk_precompiled.h)" ON)

if(BRISK_PCH AND CMAKE_CXX_COMPILER_LAUNCHER)
  # ccache caches compilations that use a precompiled header only with these sloppinesses: the
  # header's own mtime and the __TIME__ macro do not change the result here.
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      ${CMAKE_CXX_COMPILER_LAUNCHER})
endif()

# brisk_precompile(TARGET): TARGET's files get cmake/brisk_precompiled.h precompiled for it.
function(brisk_precompile target)
  if(BRISK_PCH)
    target_precompile_headers(${target} PRIVATE ${PROJECT_SOURCE_DIR}/cmake/brisk_precompiled.h)
  endif()
endfunction()

# brisk_precompile_reuse(TARGET FROM): TARGET uses FROM's precompiled header; both must be
# compiled with the same flags and definitions (the test executables, which all link
# brisk_common and GoogleTest).
function(brisk_precompile_reuse target from)
  if(BRISK_PCH)
    target_precompile_headers(${target} REUSE_FROM ${from})
  endif()
endfunction()
