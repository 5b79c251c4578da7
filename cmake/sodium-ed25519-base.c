/* Appended to the wasm build's copy of libsodium's ed25519_ref10.c
 * (cmake/sodium-wasm.cmake), so it may use that file's static functions.
 *
 * Fills base[i][j] = (j+1) * 256^i * B, the table libsodium ships as
 * fe_25_5/base.h, from the base point alone: for each of the 32 rows, seven
 * additions of the row's point, the eight multiples converted to affine
 * precomputed form with one shared inversion, then eight doublings to the
 * next row. Every coordinate is
 * passed through its canonical 32-byte encoding so the limbs are fully
 * reduced, as the shipped constants are. The inputs are public constants, so
 * nothing here needs to run in constant time.
 *
 * tests/native/sodium_ed25519_base_test.cc checks that every coordinate
 * equals the shipped one, limb for limb. */
static void
cellgraph_ed25519_canonical(fe25519 f)
{
    unsigned char s[32];

    fe25519_tobytes(s, f);
    fe25519_frombytes(f, s);
}

static void
cellgraph_ed25519_compute_base(ge25519_precomp base[32][8])
{
    /* B: y = 4/5 with x positive (RFC 8032 5.1) */
    static const unsigned char b_encoded[32] = {
        0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66
    };
    ge25519_p3     row; /* 256^i * B */
    ge25519_p3     multiple[8];
    ge25519_cached row_cached;
    ge25519_p1p1   sum;
    fe25519        z_prefix[8], z_inv, inv, x, y, xy;
    int            i, j;

    ge25519_frombytes(&row, b_encoded);
    for (i = 0; i < 32; i++) {
        ge25519_p3_to_cached(&row_cached, &row);
        multiple[0] = row;
        for (j = 1; j < 8; j++) {
            ge25519_add(&sum, &multiple[j - 1], &row_cached);
            ge25519_p1p1_to_p3(&multiple[j], &sum);
        }
        /* one inversion for the row's eight Z (Montgomery's trick) */
        fe25519_copy(z_prefix[0], multiple[0].Z);
        for (j = 1; j < 8; j++) {
            fe25519_mul(z_prefix[j], z_prefix[j - 1], multiple[j].Z);
        }
        fe25519_invert(inv, z_prefix[7]);
        for (j = 7; j >= 0; j--) {
            ge25519_precomp *e = &base[i][j];

            if (j > 0) {
                fe25519_mul(z_inv, inv, z_prefix[j - 1]);
                fe25519_mul(inv, inv, multiple[j].Z);
            } else {
                fe25519_copy(z_inv, inv);
            }
            fe25519_mul(x, multiple[j].X, z_inv);
            fe25519_mul(y, multiple[j].Y, z_inv);
            fe25519_add(e->yplusx, y, x);
            fe25519_sub(e->yminusx, y, x);
            fe25519_mul(xy, x, y);
            fe25519_mul(e->xy2d, xy, d2);
            cellgraph_ed25519_canonical(e->yplusx);
            cellgraph_ed25519_canonical(e->yminusx);
            cellgraph_ed25519_canonical(e->xy2d);
        }
        for (j = 0; j < 8; j++) {
            ge25519_p3_dbl(&sum, &row);
            ge25519_p1p1_to_p3(&row, &sum);
        }
    }
}
