// The Ed25519 fixed-base table the wasm build computes at first use equals
// the one libsodium ships (sodium_ed25519_base_check.c): a wrong entry would
// sign with other keys only for some scalars, which test vectors can miss.
#include <gtest/gtest.h>

extern "C" int cellgraph_ed25519_base_mismatches(int* limb_mismatches);

TEST(SodiumEd25519Base, ComputedTableEqualsShippedTable) {
  int limbs = -1;
  EXPECT_EQ(cellgraph_ed25519_base_mismatches(&limbs), 0);
  EXPECT_EQ(limbs, 0);
}
