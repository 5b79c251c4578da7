// A regular-expression matcher that cannot hang a peer.
//
// Patterns compile to a program for a Pike VM (Thompson NFA simulation), so
// matching costs at most O(input code points x program size) steps, whatever
// the pattern: no backtracking, hence no catastrophic cases like (a+)+$.
// Bounds: pattern <= 512 bytes, repetition counts <= 1000, program <= 4096
// instructions (larger is Code::kTooLarge).
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

namespace cellgraph::query {

class Regex {
 public:
  static Result<Regex> compile(std::string_view pattern, bool caseInsensitive);
  // SQL LIKE: `%` any run, `_` one character, anchored at both ends.
  static Result<Regex> like(std::string_view pattern, bool caseInsensitive = true);

  bool matches(std::string_view text) const;
  // Instructions executed by the last matches() on this thread: a test hook
  // showing the linear bound.
  static std::uint64_t lastSteps();
  std::size_t programSize() const { return program_.size(); }

  struct Range {
    std::uint32_t lo, hi;
  };
  struct Inst {
    enum Op : std::uint8_t { kClass, kAny, kSplit, kJump, kStart, kEnd, kMatch } op;
    Inst(Op o) : op(o) {}  // NOLINT: implicit, so a program reads {Inst::kSplit}
    bool negate = false;
    std::uint32_t x = 0, y = 0;          // kSplit/kJump targets
    std::vector<Range> ranges;           // kClass
  };

 private:
  std::vector<Inst> program_;
  bool caseInsensitive_ = false;
  friend class RegexCompiler;
};

// Simple case folding shared by $regex, $like and $text: ASCII, Latin-1,
// Latin Extended-A, Greek and Cyrillic letters to lower case.
std::uint32_t foldCase(std::uint32_t cp);
// Decodes one code point at `i` (advancing it); invalid bytes yield U+FFFD.
std::uint32_t nextCodePoint(std::string_view s, std::size_t& i);

}  // namespace cellgraph::query
