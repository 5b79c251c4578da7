/* Forced into libsodium's randombytes.c in the wasm build: names the default
 * implementation defined in sodium-randombytes-webcrypto.c. */
#include "randombytes.h"
extern randombytes_implementation cellgraph_randombytes_webcrypto;
