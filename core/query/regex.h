// A regular-expression matcher that cannot hang a peer, by construction.
//
// Patterns compile to a program for a Pike VM (Thompson NFA simulation): no
// backtracking, hence no catastrophic cases like (a+)+$, and both compiling
// and matching have bounds that hold for every pattern and every text.
//
// Limits (larger is Code::kTooLarge): pattern <= kMaxPatternBytes (512),
// repetition counts <= kMaxRepeat (1000), program <= kMaxProgram (4096)
// instructions counting the final match, group nesting <= 32.
//
// Compile, for a pattern of B bytes compiling to M instructions and R class
// ranges:
//   - R <= 5·B (a literal adds at most 2 ranges, itself and its case fold;
//     an escape like \s 5 per 2 bytes; a range a-b at most 9 per 3 bytes).
//   - O(B log B + M) time and memory. The parser builds an AST of at most
//     2·B + 2 nodes without expanding anything; the size every sub-pattern
//     would emit is computed (saturating) BEFORE any repeat is expanded, so
//     an oversized pattern is refused having emitted nothing; a sub-pattern
//     that emits nothing (a{0}, (?:), a repeat of either) is dropped, so no
//     loop ever runs over an empty body. Each class is normalized (sorted,
//     merged) and case-folded once and shared by every copy a repeat makes.
//   - lastCompileWork() <= 16·B + 4·M + 8 (the test hook for this bound).
//
// Match, of a text of n code points on a program of M instructions:
//   - at most (n + 1)·2·M VM steps (stepBound(n)): per position each
//     instruction is entered at most once and each waiting thread tested once;
//   - each step is O(1), except a class test, a binary search over that
//     class's ranges: O(log r);
//   - the steps are taken from a Budget (budget.h) as the match goes: a match
//     stops within 2·M steps of the budget running out and answers
//     budget.exceeded() (kTooLarge). So one value cannot spend more than what
//     the query has left.
//   - no allocation once the per-thread scratch has grown to M.
//
// Case-insensitive matching folds the text (foldCase) and tests it against
// classes closed under folding, computed per range (not per code point).
//
// Syntax: literals, `.`, classes `[a-z]` `[^...]`, escapes \d \w \s \D \W \S
// and escaped punctuation, groups `( )` `(?: )`, alternation `|`, anchors
// `^` `$`, quantifiers `* + ? {n} {n,} {n,m}` (lazy `?` suffix accepted;
// without captures it matches the same). Back-references and look-around are
// refused with kInvalidArgument. Matching is on Unicode code points of UTF-8
// text; it searches anywhere unless anchored.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"
#include "core/query/budget.h"

namespace cellgraph::query {

class Regex {
 public:
  static constexpr std::size_t kMaxPatternBytes = 512;
  static constexpr std::uint32_t kMaxRepeat = 1000;
  static constexpr std::size_t kMaxProgram = 4096;

  static Result<Regex> compile(std::string_view pattern, bool caseInsensitive);
  // SQL LIKE: `%` any run, `_` one character, anchored at both ends. The
  // program has at most 3·B + 3 instructions and 2·B ranges.
  static Result<Regex> like(std::string_view pattern, bool caseInsensitive = true);

  // Whether `text` contains a match. Takes its steps from `budget`; when the
  // budget runs out the answer is budget.exceeded() and the budget stays
  // exhausted.
  Result<bool> matches(std::string_view text, Budget& budget) const;
  // The most steps matches() takes on a text of `codePoints` code points.
  std::uint64_t stepBound(std::uint64_t codePoints) const { return (codePoints + 1) * 2 * program_.size(); }

  // Test hooks, per thread: steps of the last matches(), work of the last
  // compile() or like() (AST nodes, ranges and instructions touched).
  static std::uint64_t lastSteps();
  static std::uint64_t lastCompileWork();

  std::size_t programSize() const { return program_.size(); }
  std::size_t rangeCount() const { return ranges_.size(); }

  struct Range {
    std::uint32_t lo, hi;
  };

 private:
  struct Inst {
    enum Op : std::uint8_t { kClass, kAny, kSplit, kJump, kStart, kEnd, kMatch } op;
    std::uint32_t x = 0, y = 0;  // kSplit: both targets; kJump: x; kClass: x = class index
  };
  struct Class {
    std::uint32_t begin, end;  // into ranges_: sorted, disjoint, not adjacent
    bool negate;
  };
  bool inClass(const Class& c, std::uint32_t cp) const;
  bool consumes(const Inst& in, std::uint32_t cp) const;
  std::uint32_t addClass(std::vector<Range> ranges, bool negate);

  std::vector<Inst> program_;
  std::vector<Class> classes_;
  std::vector<Range> ranges_;
  bool caseInsensitive_ = false;
  friend class RegexCompiler;
  friend class PikeVm;
};

// Simple case folding shared by $regex, $like and $text: ASCII, Latin-1,
// Latin Extended-A, Greek and Cyrillic letters to lower case. Idempotent.
std::uint32_t foldCase(std::uint32_t cp);
// Decodes one code point at `i` (advancing it); invalid bytes yield U+FFFD.
// REQUIRES: i < s.size().
std::uint32_t nextCodePoint(std::string_view s, std::size_t& i);

}  // namespace cellgraph::query
