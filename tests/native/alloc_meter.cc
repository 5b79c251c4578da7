#include "tests/native/alloc_meter.h"

#include <malloc.h>

#include <atomic>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {
std::atomic<std::size_t> gCurrent{0}, gPeak{0};

void added(void* p) {
  if (!p) return;
  std::size_t now = gCurrent.fetch_add(malloc_usable_size(p)) + malloc_usable_size(p);
  std::size_t peak = gPeak.load();
  while (now > peak && !gPeak.compare_exchange_weak(peak, now)) {}
}
void removed(void* p) {
  if (p) gCurrent.fetch_sub(malloc_usable_size(p));
}
}  // namespace

extern "C" {
void* malloc(std::size_t n) {
  void* p = __libc_malloc(n);
  added(p);
  return p;
}
void* calloc(std::size_t a, std::size_t b) {
  void* p = __libc_calloc(a, b);
  added(p);
  return p;
}
void* realloc(void* old, std::size_t n) {
  removed(old);
  void* p = __libc_realloc(old, n);
  added(p ? p : (n ? old : nullptr));
  return p;
}
void* memalign(std::size_t align, std::size_t n) {
  void* p = __libc_memalign(align, n);
  added(p);
  return p;
}
int posix_memalign(void** out, std::size_t align, std::size_t n) {
  void* p = __libc_memalign(align, n);
  if (!p) return 12;  // ENOMEM
  added(p);
  *out = p;
  return 0;
}
void* aligned_alloc(std::size_t align, std::size_t n) { return memalign(align, n); }
void free(void* p) {
  removed(p);
  __libc_free(p);
}
}

namespace cellgraph::testing {
std::size_t AllocMeter::current() { return gCurrent.load(); }
void AllocMeter::resetPeak() { gPeak.store(gCurrent.load()); }
std::size_t AllocMeter::peak() { return gPeak.load(); }
}  // namespace cellgraph::testing
