/* The wasm build's copy of libsodium's ed25519_ref10.c computes its
 * fixed-base table instead of shipping it (cmake/sodium-ed25519-base.cmake).
 * This file compiles that copy natively beside the shipped table and counts
 * the coordinates where the two differ, in canonical bytes and in limbs;
 * sodium_ed25519_base_test.cc expects none. */
#include CELLGRAPH_ED25519_REF10_COPY

static const ge25519_precomp shipped[32][8] = {
#ifdef HAVE_TI_MODE
# include "fe_51/base.h"
#else
# include "fe_25_5/base.h"
#endif
};

int
cellgraph_ed25519_base_mismatches(int *limb_mismatches)
{
    static ge25519_precomp computed[32][8];
    int                    i, j, k, bytes = 0, limbs = 0;

    cellgraph_ed25519_compute_base(computed);
    for (i = 0; i < 32; i++) {
        for (j = 0; j < 8; j++) {
            const fe25519 *c[3] = { &computed[i][j].yplusx, &computed[i][j].yminusx, &computed[i][j].xy2d };
            const fe25519 *s[3] = { &shipped[i][j].yplusx, &shipped[i][j].yminusx, &shipped[i][j].xy2d };
            for (k = 0; k < 3; k++) {
                unsigned char a[32], b[32];

                fe25519_tobytes(a, *c[k]);
                fe25519_tobytes(b, *s[k]);
                bytes += memcmp(a, b, 32) != 0;
                limbs += memcmp(*c[k], *s[k], sizeof(fe25519)) != 0;
            }
        }
    }
    *limb_mismatches = limbs;
    return bytes;
}
