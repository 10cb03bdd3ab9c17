# Lean release binary (SV_LEAN, what scripts/build ships): the VMM's memory overhead is
# mostly code pages, so link only the code that is used, into one image.
#
#   SV_LEAN=ON         spdlog and fmt header-only (Debian ships no static archives of them),
#                      every function/object in its own section and --gc-sections, and a
#                      fully static, position-independent stratovirt and ozone (-static-pie:
#                      glibc, libstdc++, liburing, libseccomp linked in). No shared library
#                      pages, no ld.so, no relocation of libstdc++ at exec.
#   SV_LEAN_STATIC=OFF the same but dynamic glibc (static libstdc++/libgcc only), e.g. where
#                      NSS modules are needed for host names in -qmp tcp:/-chardev socket.
#
# Sets SV_FMT_TARGET and SV_SPDLOG_TARGET for the base layer and sv_lean_link(target) for
# the shipped executables. Unit tests keep the normal dynamic link (GoogleTest is shared).
# A sanitizer build (SV_SANITIZE) cannot be static: it turns SV_LEAN_STATIC off.
option(SV_LEAN "Lean release binary: header-only spdlog/fmt, gc-sections, static link" OFF)
option(SV_LEAN_STATIC "With SV_LEAN: fully static -static-pie executables" ON)

set(SV_FMT_TARGET fmt::fmt)
set(SV_SPDLOG_TARGET spdlog::spdlog)

if(SV_LEAN)
  if(SV_SANITIZE AND SV_LEAN_STATIC)
    message(STATUS "SV_SANITIZE: ASan cannot link statically, SV_LEAN_STATIC turned off")
    set(SV_LEAN_STATIC OFF)
  endif()
  add_compile_options(-ffunction-sections -fdata-sections)
  # spdlog compiled into our objects against header-only fmt; Debian's
  # spdlog::spdlog_header_only target would drag the shared libfmt onto the link line.
  get_target_property(sv_spdlog_inc spdlog::spdlog_header_only INTERFACE_INCLUDE_DIRECTORIES)
  add_library(sv_spdlog_header_only INTERFACE)
  target_include_directories(sv_spdlog_header_only SYSTEM INTERFACE ${sv_spdlog_inc})
  target_compile_definitions(sv_spdlog_header_only INTERFACE SPDLOG_FMT_EXTERNAL)
  target_link_libraries(sv_spdlog_header_only INTERFACE fmt::fmt-header-only Threads::Threads)
  if(SV_LEAN_STATIC)
    # pkg-config's imported targets name the .so by full path, which -static-pie refuses;
    # plain -l names let the linker take liburing.a/libseccomp.a (and the .so elsewhere).
    set_target_properties(PkgConfig::URING PROPERTIES INTERFACE_LINK_LIBRARIES "${URING_LIBRARIES}")
    set_target_properties(PkgConfig::SECCOMP PROPERTIES INTERFACE_LINK_LIBRARIES "${SECCOMP_LIBRARIES}")
  endif()
  set(SV_FMT_TARGET fmt::fmt-header-only)
  set(SV_SPDLOG_TARGET sv_spdlog_header_only)
endif()

function(sv_lean_link target)
  if(NOT SV_LEAN)
    return()
  endif()
  target_link_options(${target} PRIVATE -Wl,--gc-sections -Wl,--as-needed -Wl,-O1
                      -Wl,--hash-style=gnu -Wl,-z,noseparate-code)
  if(SV_LEAN_STATIC)
    target_link_options(${target} PRIVATE -static-pie)
  else()
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
  endif()
endfunction()
