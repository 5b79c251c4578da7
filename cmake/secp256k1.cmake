# libsecp256k1 (Bitcoin Core's secp256k1 library) for BIP-340 Schnorr
# signatures, compiled by CMake from Debian's source package, fetched into
# .deps/secp256k1 by scripts/setup.sh. The native and the wasm build compile
# the same C files with the same definitions, so both behave identically;
# Debian's binary libsecp256k1 package is deliberately not used.
set(_secp_root "${CELLGRAPH_DEPS_DIR}/secp256k1")
if(NOT EXISTS "${_secp_root}/include/secp256k1_schnorrsig.h" OR NOT EXISTS "${_secp_root}/src/secp256k1.c")
  message(FATAL_ERROR "libsecp256k1 source not found in ${_secp_root}; run scripts/setup.sh")
endif()
# The amalgamation (secp256k1.c #includes the module sources) plus its two
# precomputed tables, which the autotools build compiles in from
# precomputed_ecmult*.c and we compute at start-up instead
# (core/security/secp256k1_tables.c says why).
add_library(secp256k1 STATIC
  "${_secp_root}/src/secp256k1.c"
  "${PROJECT_SOURCE_DIR}/core/security/secp256k1_tables.c")
target_include_directories(secp256k1 PRIVATE "${_secp_root}/src")
set_target_properties(secp256k1 PROPERTIES C_VISIBILITY_PRESET hidden)
target_include_directories(secp256k1 SYSTEM PUBLIC "${_secp_root}/include")
# What configure defines for us with --enable-module-{extrakeys,schnorrsig}.
# No x86_64 asm (USE_ASM_X86_64), so native runs the same portable C as wasm;
# the 64-bit field and scalar code is chosen by __SIZEOF_INT128__, which both
# compilers define.
#
# ECMULT_WINDOW_SIZE sizes the verification tables: 2^(w-1) * 64 bytes.
# 0.2.0's default 15 is 1 MiB: shipped, it grew cellgraph-core.wasm from
# 619 KB to 1,881 KB (1,405 KB gzipped). 8 is 8 KiB; measured, verification
# is as fast in wasm (~190 us either way under Node 20) and ~5% slower
# natively (29 vs 27.6 us). ECMULT_GEN_PREC_BITS (signing table, 2^bits *
# 256/bits * 64 bytes) is the default 4 = 64 KiB. Both tables are computed
# at start-up (core/security/secp256k1_tables.c) instead of shipping what
# gzip cannot shrink, so the signing table's size costs memory, not
# download: 4 bits signs in 1.13 ms instead of 1.71 with 2 (the mesh signs
# every flood it sends), and the page's first Schnorr call took 14-20 ms
# either way (this machine, Node 20; the wasm is 70 bytes smaller).
set(CELLGRAPH_SECP256K1_ECMULT_WINDOW 8 CACHE STRING "libsecp256k1 ECMULT_WINDOW_SIZE (2..15)")
set(CELLGRAPH_SECP256K1_GEN_PREC_BITS 4 CACHE STRING "libsecp256k1 ECMULT_GEN_PREC_BITS (2, 4 or 8)")
target_compile_definitions(secp256k1 PRIVATE
  ENABLE_MODULE_EXTRAKEYS=1 ENABLE_MODULE_SCHNORRSIG=1
  ECMULT_WINDOW_SIZE=${CELLGRAPH_SECP256K1_ECMULT_WINDOW}
  ECMULT_GEN_PREC_BITS=${CELLGRAPH_SECP256K1_GEN_PREC_BITS})
# Natively -O3 even in a RelWithDebInfo build. In wasm -Os: 21 KB less gzip
# for a Schnorr signature in ~0.95 ms instead of ~0.48 and a verification
# in ~0.40 ms instead of ~0.19 (Node 20, bench/crypto.bench.js, when -Os
# was chosen; the same benchmark on today's machine reads 1.13 and 0.63 ms).
# The page signs and checks a few Nostr events per connection, and the mesh
# one signature per flood sent and one check per flood received.
target_compile_options(secp256k1 PRIVATE $<IF:$<BOOL:${EMSCRIPTEN}>,-Os,-O3> -w)
