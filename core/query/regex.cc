#include "core/query/regex.h"

#include <algorithm>
#include <memory>

namespace cellgraph::query {

std::uint32_t nextCodePoint(std::string_view s, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
  std::uint8_t c = byte(i);
  if (c < 0x80) {
    ++i;
    return c;
  }
  int n = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 0;
  if (n == 0 || i + n >= s.size()) {  // not a lead byte, or truncated
    ++i;
    return 0xfffd;
  }
  std::uint32_t cp = c & (0x3f >> n);
  for (int k = 1; k <= n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) {
      ++i;
      return 0xfffd;
    }
    cp = cp << 6 | (byte(i + k) & 0x3f);
  }
  i += n + 1;
  return cp;
}

namespace {

// Every code point foldCase() changes lies in one of these sorted segments:
// either all of [lo, hi] moves by `shift`, or (pairs) [lo, hi] alternates
// upper, lower, upper, ... from lo and ends on a lower, and each upper folds
// to the code point after it. Folding a class range is then a constant number
// of interval operations, whatever its width.
struct FoldSegment {
  std::uint32_t lo, hi;
  std::int32_t shift;
  bool pairs;
};
constexpr FoldSegment kFold[] = {
    {0x41, 0x5a, 32, false},      // A-Z
    {0xc0, 0xd6, 32, false},      // Latin-1, before the multiplication sign
    {0xd8, 0xde, 32, false},
    {0x100, 0x137, 1, true},      // Latin Extended-A
    {0x139, 0x148, 1, true},
    {0x14a, 0x177, 1, true},
    {0x178, 0x178, 0xff - 0x178, false},  // Ÿ -> ÿ
    {0x179, 0x17e, 1, true},
    {0x391, 0x3a1, 32, false},    // Greek, around the missing U+03A2
    {0x3a3, 0x3ab, 32, false},
    {0x400, 0x40f, 80, false},    // Cyrillic
    {0x410, 0x42f, 32, false},
};

std::uint32_t shifted(std::uint32_t cp, std::int32_t by) {
  return static_cast<std::uint32_t>(static_cast<std::int64_t>(cp) + by);
}

}  // namespace

std::uint32_t foldCase(std::uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (cp < 0xc0 || cp > 0x42f) return cp;
  for (const FoldSegment& s : kFold) {
    if (cp < s.lo) return cp;
    if (cp <= s.hi) return (!s.pairs || (cp - s.lo) % 2 == 0) ? shifted(cp, s.shift) : cp;
  }
  return cp;
}

namespace {

constexpr std::uint64_t kUnbounded = UINT32_MAX;
// Sizes saturate just above the limit: anything there is refused anyway.
constexpr std::uint64_t kSizeCap = Regex::kMaxProgram + 1;
thread_local std::uint64_t gSteps = 0;
thread_local std::uint64_t gCompileWork = 0;

std::uint64_t satAdd(std::uint64_t a, std::uint64_t b) { return std::min(kSizeCap, a + b); }
std::uint64_t satMul(std::uint64_t a, std::uint64_t b) { return std::min(kSizeCap, a * b); }

using Ranges = std::vector<Regex::Range>;

// Sorts and merges overlapping or adjacent ranges.
void normalize(Ranges& r) {
  gCompileWork += r.size();
  std::sort(r.begin(), r.end(), [](const Regex::Range& a, const Regex::Range& b) { return a.lo < b.lo; });
  std::size_t out = 0;
  for (const Regex::Range& x : r) {
    if (out > 0 && x.lo <= r[out - 1].hi + 1) r[out - 1].hi = std::max(r[out - 1].hi, x.hi);
    else r[out++] = x;
  }
  r.resize(out);
}

// Adds the case folds of every range. Afterwards, for every code point cp,
// foldCase(cp) is in the ranges iff cp folds like some member: a folded code
// point is a fixed point of foldCase, and within each image added below the
// fixed points are exactly the folds of the range's members.
void addFolds(Ranges& r) {
  const std::size_t n = r.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Regex::Range x = r[i];
    for (const FoldSegment& s : kFold) {
      if (s.hi < x.lo) continue;
      if (s.lo > x.hi) break;
      std::uint32_t a = std::max(x.lo, s.lo), b = std::min(x.hi, s.hi);
      if (s.pairs) r.push_back({a, (b - s.lo) % 2 == 0 ? b + 1 : b});  // b upper: its lower is in the segment
      else r.push_back({shifted(a, s.shift), shifted(b, s.shift)});
      ++gCompileWork;
    }
  }
}

// AST. `size` is the number of instructions the node emits (saturated).
struct Node {
  enum Kind { kClass, kAny, kStart, kEnd, kConcat, kAlt, kRepeat, kEmpty } kind;
  bool negate = false;
  Ranges ranges;
  std::vector<std::unique_ptr<Node>> kids;
  std::uint32_t min = 0, max = 0;  // kRepeat; max == kUnbounded: no upper bound
  std::uint64_t size = 0;
  std::int64_t classIndex = -1;  // kClass, once emitted
};
using NodeP = std::unique_ptr<Node>;

NodeP make(Node::Kind k) {
  ++gCompileWork;
  auto n = std::make_unique<Node>();
  n->kind = k;
  return n;
}

NodeP literal(std::uint32_t cp) {
  NodeP n = make(Node::kClass);
  n->ranges.push_back({cp, cp});
  return n;
}

void addClassEscape(char e, Ranges& r, bool& negate) {
  switch (e) {
    case 'D': negate = !negate; [[fallthrough]];
    case 'd': r.push_back({'0', '9'}); break;
    case 'W': negate = !negate; [[fallthrough]];
    case 'w': r.insert(r.end(), {{'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {'_', '_'}}); break;
    case 'S': negate = !negate; [[fallthrough]];
    case 's': r.insert(r.end(), {{' ', ' '}, {'\t', '\r'}, {0xa0, 0xa0}, {0x2000, 0x200a}, {0x3000, 0x3000}}); break;
  }
}

bool isClassEscape(char e) { return std::string_view("dwsDWS").find(e) != std::string_view::npos; }

// Recursive descent over the pattern. Every read goes through peek() or
// codePoint(), both bounds-checked; nothing is expanded here.
class Parser {
 public:
  explicit Parser(std::string_view p) : p_(p) {}
  Result<NodeP> parse() {
    CG_ASSIGN_OR_RETURN(NodeP n, alternation(0));
    if (i_ != p_.size()) return error("unbalanced ')'");
    return n;
  }

 private:
  Status error(const std::string& what) {
    return Status::invalidArgument("$regex: " + what + " at position " + std::to_string(i_));
  }
  bool eof() const { return i_ >= p_.size(); }
  bool at(char c) const { return !eof() && p_[i_] == c; }
  char peek() const { return eof() ? '\0' : p_[i_]; }
  bool atDigit() const { return !eof() && p_[i_] >= '0' && p_[i_] <= '9'; }

  Result<NodeP> alternation(int depth) {
    if (depth > 32) return Status::tooLarge("$regex: groups nest deeper than 32");
    CG_ASSIGN_OR_RETURN(NodeP left, concatenation(depth));
    if (!at('|')) return left;
    NodeP alt = make(Node::kAlt);
    alt->kids.push_back(std::move(left));
    while (at('|')) {
      ++i_;
      CG_ASSIGN_OR_RETURN(NodeP next, concatenation(depth));
      alt->kids.push_back(std::move(next));
    }
    return alt;
  }

  Result<NodeP> concatenation(int depth) {
    NodeP cat = make(Node::kConcat);
    while (!eof() && !at('|') && !at(')')) {
      CG_ASSIGN_OR_RETURN(NodeP atom, this->atom(depth));
      CG_ASSIGN_OR_RETURN(atom, quantified(std::move(atom)));
      cat->kids.push_back(std::move(atom));
    }
    return cat;
  }

  Result<std::uint32_t> number() {
    std::uint32_t v = 0;
    std::size_t start = i_;
    while (atDigit()) {
      v = v * 10 + static_cast<std::uint32_t>(peek() - '0');
      if (v > Regex::kMaxRepeat) {
        return Status::tooLarge("$regex: repetition count above " + std::to_string(Regex::kMaxRepeat));
      }
      ++i_;
    }
    if (i_ == start) return error("expected a number");
    return v;
  }

  // Reads {n}, {n,} or {n,m} after the '{'; false in `isCount` when the
  // brace is a literal (not followed by a digit), with nothing consumed.
  Status counts(std::uint32_t& lo, std::uint32_t& hi, bool& isCount) {
    std::size_t save = i_++;
    isCount = atDigit();
    if (!isCount) {
      i_ = save;
      return {};
    }
    CG_ASSIGN_OR_RETURN(lo, number());
    hi = lo;
    if (at(',')) {
      ++i_;
      hi = static_cast<std::uint32_t>(kUnbounded);
      if (!eof() && !at('}')) { CG_ASSIGN_OR_RETURN(hi, number()); }
    }
    if (!at('}')) return error("unterminated {n,m}");
    ++i_;
    if (hi < lo) return error("{n,m} with m < n");
    return {};
  }

  Result<NodeP> quantified(NodeP atom) {
    while (!eof()) {
      std::uint32_t lo = 0, hi = 0;
      if (at('*')) { lo = 0; hi = static_cast<std::uint32_t>(kUnbounded); ++i_; }
      else if (at('+')) { lo = 1; hi = static_cast<std::uint32_t>(kUnbounded); ++i_; }
      else if (at('?')) { lo = 0; hi = 1; ++i_; }
      else if (at('{')) {
        bool isCount = false;
        CG_RETURN_IF_ERROR(counts(lo, hi, isCount));
        if (!isCount) return atom;  // a literal '{'
      } else {
        return atom;
      }
      if (at('?')) ++i_;  // lazy: same language without captures
      if (atom->kind == Node::kStart || atom->kind == Node::kEnd) return error("quantifier after an anchor");
      NodeP rep = make(Node::kRepeat);
      rep->min = lo;
      rep->max = hi;
      rep->kids.push_back(std::move(atom));
      atom = std::move(rep);
    }
    return atom;
  }

  // REQUIRES: !eof().
  std::uint32_t codePoint() { return nextCodePoint(p_, i_); }

  // A literal after a backslash (the backslash consumed).
  Result<std::uint32_t> escapeLiteral() {
    if (eof()) return error("trailing backslash");
    char e = peek();
    ++i_;
    switch (e) {
      case 'n': return std::uint32_t{'\n'};
      case 't': return std::uint32_t{'\t'};
      case 'r': return std::uint32_t{'\r'};
      case 'f': return std::uint32_t{'\f'};
      case 'v': return std::uint32_t{'\v'};
      case '0': return std::uint32_t{0};
      default:
        if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '1' && e <= '9')) {
          --i_;
          return Status::invalidArgument(std::string("$regex: unsupported escape \\") + e + " at position " + std::to_string(i_));
        }
        return static_cast<std::uint32_t>(static_cast<unsigned char>(e));
    }
  }

  // One class member that is a single code point: a literal or an escape.
  // REQUIRES: !eof().
  Result<std::uint32_t> classCodePoint() {
    if (!at('\\')) return codePoint();
    ++i_;
    return escapeLiteral();
  }

  Result<NodeP> classNode() {
    ++i_;  // '['
    NodeP n = make(Node::kClass);
    if (at('^')) { n->negate = true; ++i_; }
    bool first = true;
    bool negateEscapes = false;
    Ranges negated;  // \D \W \S inside a class
    while (!eof() && (!at(']') || first)) {
      first = false;
      if (at('\\') && i_ + 1 < p_.size() && isClassEscape(p_[i_ + 1])) {
        bool neg = false;
        Ranges r;
        addClassEscape(p_[i_ + 1], r, neg);
        i_ += 2;
        if (neg) { negateEscapes = true; negated.insert(negated.end(), r.begin(), r.end()); }
        else n->ranges.insert(n->ranges.end(), r.begin(), r.end());
        continue;
      }
      CG_ASSIGN_OR_RETURN(std::uint32_t lo, classCodePoint());
      std::uint32_t hi = lo;
      if (at('-') && i_ + 1 < p_.size() && p_[i_ + 1] != ']') {
        ++i_;
        CG_ASSIGN_OR_RETURN(hi, classCodePoint());
        if (hi < lo) return error("class range out of order");
      }
      n->ranges.push_back({lo, hi});
    }
    if (eof()) return error("unterminated [");
    ++i_;  // ']'
    if (negateEscapes) {
      if (n->negate || !n->ranges.empty()) return Status::invalidArgument("$regex: \\D \\W \\S inside a class are supported only alone");
      n->ranges = std::move(negated);
      n->negate = true;
    }
    return n;
  }

  Result<NodeP> group(int depth) {
    ++i_;  // '('
    if (at('?')) {
      if (i_ + 1 < p_.size() && p_[i_ + 1] == ':') i_ += 2;
      else return error("look-around and named groups are not supported");
    }
    CG_ASSIGN_OR_RETURN(NodeP inner, alternation(depth + 1));
    if (!at(')')) return error("unterminated (");
    ++i_;
    return inner;
  }

  Result<NodeP> escape() {
    ++i_;  // '\'
    if (eof()) return error("trailing backslash");
    char e = peek();
    if (isClassEscape(e)) {
      ++i_;
      NodeP n = make(Node::kClass);
      addClassEscape(e, n->ranges, n->negate);
      return n;
    }
    if (e == 'b' || e == 'B') return error("word boundaries are not supported");
    CG_ASSIGN_OR_RETURN(std::uint32_t cp, escapeLiteral());
    return literal(cp);
  }

  // REQUIRES: !eof().
  Result<NodeP> atom(int depth) {
    switch (peek()) {
      case '(': return group(depth);
      case '[': return classNode();
      case '.': ++i_; return make(Node::kAny);
      case '^': ++i_; return make(Node::kStart);
      case '$': ++i_; return make(Node::kEnd);
      case '*': case '+': case '?': return error("nothing to repeat");
      case '\\': return escape();
      default: return literal(codePoint());
    }
  }

  std::string_view p_;
  std::size_t i_ = 0;
};

// Computes every node's size bottom-up, before anything is emitted, and
// simplifies on the way: a node that emits nothing becomes kEmpty and leaves
// its concatenation; x{1} is x; a one-child concatenation is its child. After
// this no emitted node has size 0 except an empty alternative.
std::uint64_t measure(NodeP& n);

std::uint64_t measureConcat(NodeP& n) {
  std::uint64_t s = 0;
  std::vector<NodeP> kept;
  for (NodeP& k : n->kids) {
    std::uint64_t ks = measure(k);
    if (ks == 0) continue;
    s = satAdd(s, ks);
    kept.push_back(std::move(k));
  }
  if (kept.empty()) n = make(Node::kEmpty);
  else if (kept.size() == 1) n = std::move(kept[0]);
  else n->kids = std::move(kept);
  return s;
}

std::uint64_t measureRepeat(NodeP& n) {
  std::uint64_t body = measure(n->kids[0]);
  if (body == 0 || n->max == 0) {  // a repeat of nothing is nothing
    n = make(Node::kEmpty);
    return 0;
  }
  if (n->min == 1 && n->max == 1) {
    NodeP only = std::move(n->kids[0]);
    n = std::move(only);
    return body;
  }
  std::uint64_t fixed = satMul(n->min, body);
  std::uint64_t rest = n->max == kUnbounded ? body + 2 : satMul(n->max - n->min, body + 1);
  return satAdd(fixed, rest);
}

// An alternation of nothing but empty alternatives is empty.
std::uint64_t measureAlt(NodeP& n) {
  std::uint64_t kids = 0;
  for (NodeP& k : n->kids) kids = satAdd(kids, measure(k));
  if (kids == 0) {
    n = make(Node::kEmpty);
    return 0;
  }
  return satAdd(kids, 2 * (n->kids.size() - 1));
}

std::uint64_t measure(NodeP& n) {
  ++gCompileWork;
  std::uint64_t s = 0;
  switch (n->kind) {
    case Node::kEmpty: s = 0; break;
    case Node::kClass: case Node::kAny: case Node::kStart: case Node::kEnd: s = 1; break;
    case Node::kConcat: s = measureConcat(n); break;
    case Node::kRepeat: s = measureRepeat(n); break;
    case Node::kAlt: s = measureAlt(n); break;
  }
  n->size = s;
  return s;
}

}  // namespace

std::uint32_t Regex::addClass(Ranges ranges, bool negate) {
  normalize(ranges);
  if (caseInsensitive_) {
    addFolds(ranges);
    normalize(ranges);
  }
  Class c{static_cast<std::uint32_t>(ranges_.size()), 0, negate};
  ranges_.insert(ranges_.end(), ranges.begin(), ranges.end());
  c.end = static_cast<std::uint32_t>(ranges_.size());
  classes_.push_back(c);
  return static_cast<std::uint32_t>(classes_.size() - 1);
}

// Emits a measured AST. The total size was checked against kMaxProgram
// first, so emission cannot fail and does O(size) work: every call emits an
// instruction itself or makes two or more calls that do.
class RegexCompiler {
 public:
  explicit RegexCompiler(Regex& re) : re_(re), prog_(re.program_) {}

  void emit(Node& n) {
    ++gCompileWork;
    switch (n.kind) {
      case Node::kEmpty: return;
      case Node::kClass: emitClass(n); return;
      case Node::kAny: push(Regex::Inst::kAny); return;
      case Node::kStart: push(Regex::Inst::kStart); return;
      case Node::kEnd: push(Regex::Inst::kEnd); return;
      case Node::kConcat:
        for (auto& k : n.kids) emit(*k);
        return;
      case Node::kAlt: emitAlt(n); return;
      case Node::kRepeat: emitRepeat(n); return;
    }
  }

 private:
  std::uint32_t here() const { return static_cast<std::uint32_t>(prog_.size()); }
  std::size_t push(Regex::Inst::Op op, std::uint32_t x = 0) {
    ++gCompileWork;
    prog_.push_back({op, x, 0});
    return prog_.size() - 1;
  }

  void emitClass(Node& n) {
    if (n.classIndex < 0) n.classIndex = re_.addClass(std::move(n.ranges), n.negate);
    push(Regex::Inst::kClass, static_cast<std::uint32_t>(n.classIndex));
  }

  // split L1, L2; L1: a; jmp end; L2: split ...; last; end:
  void emitAlt(Node& n) {
    std::vector<std::size_t> jumps;
    for (std::size_t i = 0; i + 1 < n.kids.size(); ++i) {
      std::size_t split = push(Regex::Inst::kSplit, here() + 1);
      emit(*n.kids[i]);
      jumps.push_back(push(Regex::Inst::kJump));
      prog_[split].y = here();
    }
    emit(*n.kids.back());
    for (std::size_t j : jumps) prog_[j].x = here();
  }

  void emitRepeat(Node& n) {
    Node& body = *n.kids[0];
    for (std::uint32_t k = 0; k < n.min; ++k) emit(body);
    if (n.max == kUnbounded) {  // L: split body, out; body; jmp L
      std::size_t loop = push(Regex::Inst::kSplit, here() + 1);
      emit(body);
      push(Regex::Inst::kJump, static_cast<std::uint32_t>(loop));
      prog_[loop].y = here();
      return;
    }
    std::vector<std::size_t> splits;
    for (std::uint32_t k = n.min; k < n.max; ++k) {
      splits.push_back(push(Regex::Inst::kSplit, here() + 1));
      emit(body);
    }
    for (std::size_t s : splits) prog_[s].y = here();
  }

  Regex& re_;
  std::vector<Regex::Inst>& prog_;
};

Result<Regex> Regex::compile(std::string_view pattern, bool caseInsensitive) {
  gCompileWork = 0;
  if (pattern.size() > kMaxPatternBytes) {
    return Status::tooLarge("$regex: pattern longer than " + std::to_string(kMaxPatternBytes) + " bytes");
  }
  Parser parser(pattern);
  CG_ASSIGN_OR_RETURN(NodeP ast, parser.parse());
  if (measure(ast) + 1 > kMaxProgram) {
    return Status::tooLarge("$regex: pattern compiles to more than " + std::to_string(kMaxProgram) + " instructions");
  }
  Regex r;
  r.caseInsensitive_ = caseInsensitive;
  r.program_.reserve(ast->size + 1);
  RegexCompiler(r).emit(*ast);
  r.program_.push_back({Inst::kMatch});
  return r;
}

Result<Regex> Regex::like(std::string_view pattern, bool caseInsensitive) {
  gCompileWork = 0;
  if (pattern.size() > kMaxPatternBytes) {
    return Status::tooLarge("$like: pattern longer than " + std::to_string(kMaxPatternBytes) + " bytes");
  }
  Regex r;
  r.caseInsensitive_ = caseInsensitive;
  auto push = [&](Inst::Op op, std::uint32_t x = 0) {
    ++gCompileWork;
    r.program_.push_back({op, x, 0});
    return r.program_.size() - 1;
  };
  push(Inst::kStart);
  for (std::size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == '%') {
      ++i;
      std::size_t loop = push(Inst::kSplit, static_cast<std::uint32_t>(r.program_.size() + 1));
      push(Inst::kAny);
      push(Inst::kJump, static_cast<std::uint32_t>(loop));
      r.program_[loop].y = static_cast<std::uint32_t>(r.program_.size());
    } else if (c == '_') {
      ++i;
      push(Inst::kAny);
    } else {
      std::uint32_t cp = nextCodePoint(pattern, i);
      push(Inst::kClass, r.addClass({{cp, cp}}, false));
    }
  }
  push(Inst::kEnd);
  push(Inst::kMatch);
  return r;
}

std::uint64_t Regex::lastSteps() { return gSteps; }
std::uint64_t Regex::lastCompileWork() { return gCompileWork; }

bool Regex::inClass(const Class& c, std::uint32_t cp) const {
  auto first = ranges_.begin() + c.begin, last = ranges_.begin() + c.end;
  auto it = std::upper_bound(first, last, cp, [](std::uint32_t v, const Range& r) { return v < r.lo; });
  bool in = it != first && std::prev(it)->hi >= cp;
  return in != c.negate;
}

bool Regex::consumes(const Inst& in, std::uint32_t cp) const {
  if (in.op == Inst::kAny) return cp != '\n';
  return inClass(classes_[in.x], cp);
}

// One matches() call: the thread lists of the current and the next position.
// Scratch is per thread and reused; `mark` holds, per instruction, the
// generation (position) at which it was last entered, so nothing is cleared
// between positions or calls.
class PikeVm {
 public:
  explicit PikeVm(const Regex& re) : re_(re), s_(scratch()) {
    const std::size_t n = re.program_.size();
    if (s_.mark.size() < n) s_.mark.resize(n, 0);
    s_.clist.clear();
    s_.nlist.clear();
  }

  // Steps taken so far; false when the budget `allowance` is exceeded.
  Result<bool> run(std::string_view text, Budget& budget) {
    const std::uint64_t allowance = budget.remaining();
    std::size_t i = 0;
    ++s_.gen;
    bool matched = add(s_.clist, 0, true, text.empty());
    while (!matched && i < text.size() && steps_ <= allowance) {
      std::uint32_t cp = nextCodePoint(text, i);
      matched = step(re_.caseInsensitive_ ? foldCase(cp) : cp, i >= text.size());
    }
    gSteps = steps_;
    if (!budget.take(steps_)) return budget.exceeded();
    return matched;
  }

 private:
  struct Scratch {
    std::vector<std::uint32_t> clist, nlist, stack;
    std::vector<std::uint64_t> mark;
    std::uint64_t gen = 0;
  };
  static Scratch& scratch() {
    thread_local Scratch s;
    return s;
  }

  // Tests every waiting thread against `cp`, then starts a new attempt here
  // (the search is unanchored); true on a match.
  bool step(std::uint32_t cp, bool atEnd) {
    ++s_.gen;
    s_.nlist.clear();
    bool matched = false;
    for (std::uint32_t pc : s_.clist) {
      ++steps_;
      if (re_.consumes(re_.program_[pc], cp) && add(s_.nlist, pc + 1, false, atEnd)) {
        matched = true;
        break;
      }
    }
    if (!matched) matched = add(s_.nlist, 0, false, atEnd);
    std::swap(s_.clist, s_.nlist);
    return matched;
  }

  // Enters pc0 and everything reachable from it by empty transitions at this
  // position, each instruction once; consuming ones wait in `list`. True when
  // the match instruction is reached.
  bool add(std::vector<std::uint32_t>& list, std::uint32_t pc0, bool atStart, bool atEnd) {
    auto& stack = s_.stack;
    stack.clear();
    stack.push_back(pc0);
    while (!stack.empty()) {
      std::uint32_t pc = stack.back();
      stack.pop_back();
      if (s_.mark[pc] == s_.gen) continue;
      s_.mark[pc] = s_.gen;
      ++steps_;
      const Regex::Inst& in = re_.program_[pc];
      switch (in.op) {
        case Regex::Inst::kJump: stack.push_back(in.x); break;
        case Regex::Inst::kSplit: stack.push_back(in.y); stack.push_back(in.x); break;
        case Regex::Inst::kStart: if (atStart) stack.push_back(pc + 1); break;
        case Regex::Inst::kEnd: if (atEnd) stack.push_back(pc + 1); break;
        case Regex::Inst::kMatch: return true;
        default: list.push_back(pc); break;
      }
    }
    return false;
  }

  const Regex& re_;
  Scratch& s_;
  std::uint64_t steps_ = 0;
};

Result<bool> Regex::matches(std::string_view text, Budget& budget) const { return PikeVm(*this).run(text, budget); }

}  // namespace cellgraph::query
