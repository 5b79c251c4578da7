/* libsodium's randomness for the wasm build: crypto.getRandomValues, which
 * pages, workers and Node >= 19 all have as globalThis.crypto.
 *
 * Why not libsodium's own Emscripten backend: it probes for Node's
 * require('crypto') in the generated glue, so every bundler warns that it
 * externalized "crypto" for the browser (issue 16), and it fetches 4 bytes
 * per JS call. randombytes.c is compiled as on a non-Emscripten target with
 * this implementation as its default (cmake/sodium-wasm.cmake).
 *
 * getRandomValues fills at most 65,536 bytes per call; the loop respects
 * that. HEAPU8 is re-read on every call, so memory growth is harmless. */
#include <stddef.h>
#include <stdint.h>

#include <emscripten.h>

#include "randombytes.h"

EM_JS(void, cellgraph_fill_random, (unsigned char* out, size_t size), {
  for (var at = 0; at < size; at += 65536) {
    globalThis.crypto.getRandomValues(HEAPU8.subarray(out + at, out + Math.min(size, at + 65536)));
  }
});

static const char* implementation_name(void) { return "webcrypto"; }

static uint32_t random_word(void) {
  uint32_t word;
  cellgraph_fill_random((unsigned char*)&word, sizeof word);
  return word;
}

static void random_buf(void* const buf, const size_t size) {
  if (size > 0) cellgraph_fill_random((unsigned char*)buf, size);
}

randombytes_implementation cellgraph_randombytes_webcrypto = {
  .implementation_name = implementation_name,
  .random = random_word,
  .stir = NULL,
  .uniform = NULL,
  .buf = random_buf,
  .close = NULL,
};
