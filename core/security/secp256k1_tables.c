/* libsecp256k1's two precomputed tables (core/security/schnorr.cc signs and
 * verifies with them), computed once at start-up instead of compiled in.
 *
 * Why: shipped, the tables are curve points that gzip cannot shrink (the
 * signing table, 64 KiB at ECMULT_GEN_PREC_BITS=4, and the verification
 * tables, 8 KiB at ECMULT_WINDOW_SIZE=8; cmake/secp256k1.cmake sets both):
 * at 40 KiB they were a tenth of what a page with a room downloaded.
 * Computing them takes the library's own
 * generator code (the functions its precompute_*.c tools print them with)
 * well under a millisecond natively.
 *
 * Contract: cellgraph_secp256k1_compute_tables() runs before any other
 * libsecp256k1 call (schnorr.cc's shared context does it first, once); the
 * tables are not changed afterwards. The library's headers declare them
 * `extern const`; this file defines them writable and does not include those
 * headers, and cmake/secp256k1.cmake compiles it instead of
 * precomputed_ecmult.c and precomputed_ecmult_gen.c. tests/native/
 * schnorr_test.cc checks signatures against BIP-340's vectors with them. */
#include "../include/secp256k1.h"

#include "assumptions.h"
#include "util.h"

#include "field_impl.h"
#include "group_impl.h"
#include "int128_impl.h"
#include "ecmult.h"
#include "ecmult_gen.h"
#include "ecmult_compute_table_impl.h"
#include "ecmult_gen_compute_table_impl.h"

secp256k1_ge_storage secp256k1_pre_g[ECMULT_TABLE_SIZE(ECMULT_WINDOW_SIZE)];
secp256k1_ge_storage secp256k1_pre_g_128[ECMULT_TABLE_SIZE(ECMULT_WINDOW_SIZE)];
secp256k1_ge_storage secp256k1_ecmult_gen_prec_table[ECMULT_GEN_PREC_N(ECMULT_GEN_PREC_BITS)][ECMULT_GEN_PREC_G(ECMULT_GEN_PREC_BITS)];

void cellgraph_secp256k1_compute_tables(void) {
    secp256k1_ecmult_compute_two_tables(secp256k1_pre_g, secp256k1_pre_g_128, ECMULT_WINDOW_SIZE, &secp256k1_ge_const_g);
    secp256k1_ecmult_gen_compute_table(&secp256k1_ecmult_gen_prec_table[0][0], &secp256k1_ge_const_g, ECMULT_GEN_PREC_BITS);
}
