# libsodium for wasm, compiled by CMake from Debian's source package
# (fetched into .deps/libsodium by scripts/setup.sh). The object files live in
# the wasm build tree, so they are rebuilt only when that tree is missing.
set(_sodium_root "${CELLGRAPH_DEPS_DIR}/libsodium/src/libsodium")
if(NOT EXISTS "${_sodium_root}/include/sodium.h")
  message(FATAL_ERROR "libsodium source not found in ${CELLGRAPH_DEPS_DIR}; run scripts/setup.sh")
endif()
file(GLOB_RECURSE _sodium_sources CONFIGURE_DEPENDS "${_sodium_root}/*.c")
# The same files libsodium's Makefile.am leaves out for emscripten: x86 asm
# variants and the native random backends (wasm randomness comes from
# cmake/sodium-randombytes-webcrypto.c).
list(FILTER _sodium_sources EXCLUDE REGEX
  "/(curve25519_sandy2x|fe51_invert|fe_frombytes_sandy2x|salsa20_xmm6|randombytes_internal_random|randombytes_sysrandom)\\.c$")
# Ed25519's fixed-base table is computed on first use instead of shipped
# (cmake/sodium-ed25519-base.cmake).
include("${CMAKE_CURRENT_LIST_DIR}/sodium-ed25519-base.cmake")
list(FILTER _sodium_sources EXCLUDE REGEX "/crypto_core/ed25519/ref10/ed25519_ref10\\.c$")
cellgraph_sodium_ed25519_copy(_ref10_copy)
list(APPEND _sodium_sources "${_ref10_copy}")

set(VERSION 1.0.18)
set(SODIUM_LIBRARY_VERSION_MAJOR 10)
set(SODIUM_LIBRARY_VERSION_MINOR 3)
set(SODIUM_LIBRARY_MINIMAL_DEF "")
set(_sodium_gen "${CMAKE_BINARY_DIR}/sodium-gen/include")
file(READ "${_sodium_root}/include/sodium/version.h.in" _version_h)
string(REPLACE "#include \"export.h\"" "#include <sodium/export.h>" _version_h "${_version_h}")
file(CONFIGURE OUTPUT "${_sodium_gen}/sodium/version.h" CONTENT "${_version_h}" @ONLY)
add_library(sodium STATIC ${_sodium_sources} "${CMAKE_CURRENT_LIST_DIR}/sodium-randombytes-webcrypto.c")
# randombytes.c as on a target without a JS backend, defaulting to ours.
set_property(SOURCE "${_sodium_root}/randombytes/randombytes.c" APPEND PROPERTY COMPILE_OPTIONS -U__EMSCRIPTEN__)
set_property(SOURCE "${_sodium_root}/randombytes/randombytes.c" APPEND PROPERTY COMPILE_DEFINITIONS
  RANDOMBYTES_CUSTOM_IMPLEMENTATION "RANDOMBYTES_DEFAULT_IMPLEMENTATION=&cellgraph_randombytes_webcrypto")
set_property(SOURCE "${_sodium_root}/randombytes/randombytes.c" APPEND PROPERTY COMPILE_OPTIONS
  -include "${CMAKE_CURRENT_LIST_DIR}/sodium-randombytes-webcrypto.h")
set_target_properties(sodium PROPERTIES C_VISIBILITY_PRESET hidden)
target_include_directories(sodium
  PRIVATE "${_sodium_root}/include/sodium" "${_sodium_gen}/sodium"
  PUBLIC  "${_sodium_root}/include" "${_sodium_gen}")
# What libsodium's configure decides for emcc 3.1.6.
target_compile_definitions(sodium PUBLIC SODIUM_STATIC PRIVATE
  CONFIGURED=1 NATIVE_LITTLE_ENDIAN=1 CPU_UNALIGNED_ACCESS=1 HAVE_ATOMIC_OPS=1 HAVE_INLINE_ASM=1
  HAVE_C_VARARRAYS=1 HAVE_ALLOCA_H=1 HAVE_ALLOCA=1 HAVE_POSIX_MEMALIGN=1 HAVE_GETPID=1 HAVE_NANOSLEEP=1
  HAVE_EXPLICIT_BZERO=1 HAVE_SYS_MMAN_H=1 HAVE_SYS_RANDOM_H=1 HAVE_DLFCN_H=1 HAVE_STDIO_H=1 HAVE_STDLIB_H=1
  HAVE_STRING_H=1 HAVE_INTTYPES_H=1 HAVE_STDINT_H=1 HAVE_STRINGS_H=1 HAVE_SYS_STAT_H=1 HAVE_SYS_TYPES_H=1
  HAVE_UNISTD_H=1 HAVE_WCHAR_H=1 STDC_HEADERS=1 _ALL_SOURCE=1 _GNU_SOURCE=1 _POSIX_PTHREAD_SEMANTICS=1
  _TANDEM_SOURCE=1 __EXTENSIONS__=1)
# Crypto stays at -O3 even when the rest is built for size: -Os makes
# hashing and key derivation 3-10x slower in wasm.
target_compile_options(sodium PRIVATE -O3 -fno-strict-aliasing -fno-strict-overflow -w)
