/* Included first by the wasm build's copy of libsodium's ed25519_ref10.c
 * (cmake/sodium-wasm.cmake): declares the function that fills its fixed-base
 * table, defined at the end of that copy (sodium-ed25519-base.c) where the
 * file's static point arithmetic is in scope. */
#ifndef CELLGRAPH_SODIUM_ED25519_BASE_H
#define CELLGRAPH_SODIUM_ED25519_BASE_H

#include "private/ed25519_ref10.h"

static void cellgraph_ed25519_compute_base(ge25519_precomp base[32][8]);

#endif
