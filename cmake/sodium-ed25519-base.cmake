# Ed25519's fixed-base table (32 x 8 points, 30 KiB of curve coordinates that
# gzip cannot shrink) computed on first use instead of shipped in the wasm.
#
# cellgraph_sodium_ed25519_copy(<var>) writes a copy of libsodium's
# crypto_core/ed25519/ref10/ed25519_ref10.c whose table is filled by the
# file's own point arithmetic (cmake/sodium-ed25519-base.c), sets <var> to its
# path and gives it the include directory it needs. The wasm build compiles
# it instead of the original (cmake/sodium-wasm.cmake); the native tests
# check that it computes the shipped table exactly
# (tests/native/sodium_ed25519_base_check.c). Signing and X25519 keys use the
# table; the first such call of a page pays for computing it once (seven
# additions, eight doublings and one inversion per row: the first key
# derivation took 4-9 ms instead of 2-3 ms under Node, later ones 0.15 ms).
#
# The copy is made by text replacement; if libsodium's source ever differs
# from what is replaced here, configuring fails rather than shipping the
# original table silently.
function(cellgraph_sodium_ed25519_copy out_var)
  set(dir "${CELLGRAPH_DEPS_DIR}/libsodium/src/libsodium/crypto_core/ed25519/ref10")
  if(NOT EXISTS "${dir}/ed25519_ref10.c")
    message(FATAL_ERROR "libsodium source not found in ${CELLGRAPH_DEPS_DIR}; run scripts/setup.sh")
  endif()
  file(READ "${dir}/ed25519_ref10.c" text)
  set(shipped [=[
    static const ge25519_precomp base[32][8] = { /* base[i][j] = (j+1)*256^i*B */
#ifdef HAVE_TI_MODE
# include "fe_51/base.h"
#else
# include "fe_25_5/base.h"
#endif
    };
]=])
  set(computed [=[
    static ge25519_precomp base[32][8]; /* base[i][j] = (j+1)*256^i*B */
    static int computed;
    if (!computed) {
        cellgraph_ed25519_compute_base(base);
        computed = 1;
    }
]=])
  string(FIND "${text}" "${shipped}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${dir}/ed25519_ref10.c: the base table is not where cmake/sodium-ed25519-base.cmake expects it")
  endif()
  string(REPLACE "${shipped}" "${computed}" text "${text}")
  string(PREPEND text "#include \"${CMAKE_CURRENT_FUNCTION_LIST_DIR}/sodium-ed25519-base.h\"\n")
  string(APPEND text "\n#include \"${CMAKE_CURRENT_FUNCTION_LIST_DIR}/sodium-ed25519-base.c\"\n")
  set(copy "${CMAKE_BINARY_DIR}/sodium-gen/ed25519_ref10.c")
  file(WRITE "${copy}.new" "${text}")
  configure_file("${copy}.new" "${copy}" COPYONLY)
  set_property(SOURCE "${copy}" APPEND PROPERTY INCLUDE_DIRECTORIES "${dir}")
  set_property(SOURCE "${copy}" APPEND PROPERTY OBJECT_DEPENDS
    "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/sodium-ed25519-base.c"
    "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/sodium-ed25519-base.h")
  set(${out_var} "${copy}" PARENT_SCOPE)
endfunction()
