// The regex engine (core/query/regex.h) against the bounds its header
// states. Input: two bytes of pattern length (little-endian, mod 640, so
// patterns past the 512-byte limit occur too), one byte b for a small
// budget of 16·b steps, the pattern, then the text.
// The pattern and the text each get a heap block of exactly their size, so
// ASan catches any read past either. For compile() in both case modes and
// like() in both:
//   - an error is kInvalidArgument or kTooLarge;
//   - a program has at most kMaxProgram instructions (like: 3·B + 3), at
//     most 5·B class ranges (like: 2·B), and took at most 16·B + 4·M + 8
//     compile work;
//   - a match takes at most stepBound(n) steps; with a budget of 1 M steps it
//     succeeds, or answers kTooLarge after at most 1 M + 2·M steps;
//   - a match with a small budget gives the same answer, or kTooLarge with
//     the budget exhausted after at most budget + 2·M steps.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "core/query/regex.h"
#include "tests/fuzz/fuzz_check.h"

using namespace cellgraph;
using query::Budget;
using query::Regex;

namespace {

struct Exact {
  Exact(const std::uint8_t* p, std::size_t n) : bytes(new char[n ? n : 1]), size(n) { std::memcpy(bytes.get(), p, n); }
  std::string_view view() const { return {bytes.get(), size}; }
  std::unique_ptr<char[]> bytes;
  std::size_t size;
};

std::uint64_t codePoints(std::string_view s) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) query::nextCodePoint(s, i);
  return n;
}

void checkCompiled(const Result<Regex>& r, std::size_t patternBytes, bool isLike) {
  if (!r.ok()) {
    Code c = r.status().code();
    FUZZ_CHECK(c == Code::kInvalidArgument || c == Code::kTooLarge);
    FUZZ_CHECK(!r.status().message().empty());
    return;
  }
  const std::size_t m = r->programSize();
  FUZZ_CHECK(m >= 1 && m <= Regex::kMaxProgram);
  FUZZ_CHECK(Regex::lastCompileWork() <= 16 * patternBytes + 4 * m + 8);
  if (isLike) {
    FUZZ_CHECK(m <= 3 * patternBytes + 3);
    FUZZ_CHECK(r->rangeCount() <= 2 * patternBytes);
  } else {
    FUZZ_CHECK(r->rangeCount() <= 5 * patternBytes);
  }
}

// The large budget keeps executions fast (a 4096-instruction program on a
// 4 KiB text may take 33 M steps); the bound is checked whenever it suffices.
constexpr std::uint64_t kLargeBudget = 1'000'000;

void checkMatch(const Regex& re, std::string_view text, std::uint64_t smallBudget) {
  Budget large(kLargeBudget);
  auto full = re.matches(text, large);
  const std::uint64_t steps = Regex::lastSteps();
  FUZZ_CHECK(steps <= re.stepBound(codePoints(text)));
  if (!full.ok()) {
    FUZZ_CHECK(full.status().code() == Code::kTooLarge && large.exhausted());
    FUZZ_CHECK(steps > kLargeBudget && steps <= kLargeBudget + 2 * re.programSize());
    return;
  }
  FUZZ_CHECK(large.used() == steps);

  Budget small(smallBudget);
  auto limited = re.matches(text, small);
  if (limited.ok()) {
    FUZZ_CHECK(*limited == *full);
    FUZZ_CHECK(Regex::lastSteps() <= smallBudget);
  } else {
    FUZZ_CHECK(limited.status().code() == Code::kTooLarge);
    FUZZ_CHECK(small.exhausted());
    FUZZ_CHECK(Regex::lastSteps() <= smallBudget + 2 * re.programSize());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  std::size_t len = (data[0] | static_cast<std::size_t>(data[1]) << 8) % 640;
  const std::uint64_t smallBudget = data[2] * 16u;
  data += 3;
  size -= 3;
  if (len > size) len = size;
  Exact pattern(data, len), text(data + len, size - len);
  for (bool ci : {false, true}) {
    auto r = Regex::compile(pattern.view(), ci);
    checkCompiled(r, len, false);
    if (r.ok()) checkMatch(*r, text.view(), smallBudget);
    auto l = Regex::like(pattern.view(), ci);
    checkCompiled(l, len, true);
    if (l.ok()) checkMatch(*l, text.view(), smallBudget);
  }
  return 0;
}
