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

std::uint32_t foldCase(std::uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if ((cp >= 0xc0 && cp <= 0xde && cp != 0xd7)) return cp + 32;
  if (cp >= 0x100 && cp <= 0x17f) {  // Latin Extended-A: pairs, mostly even = upper
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e)) return (cp % 2 == 1) ? cp + 1 : cp;
    if (cp == 0x178) return 0xff;
    return (cp % 2 == 0 && cp != 0x138) ? cp + 1 : cp;
  }
  if (cp >= 0x391 && cp <= 0x3ab && cp != 0x3a2) return cp + 32;  // Greek
  if (cp >= 0x410 && cp <= 0x42f) return cp + 32;                 // Cyrillic
  if (cp >= 0x400 && cp <= 0x40f) return cp + 80;
  return cp;
}

namespace {

constexpr std::size_t kMaxPatternBytes = 512;
constexpr std::uint32_t kMaxRepeat = 1000;
constexpr std::size_t kMaxProgram = 4096;
thread_local std::uint64_t gSteps = 0;

// AST
struct Node {
  enum Kind { kClass, kAny, kStart, kEnd, kConcat, kAlt, kRepeat, kEmpty } kind;
  bool negate = false;
  std::vector<Regex::Range> ranges;
  std::vector<std::unique_ptr<Node>> kids;
  std::uint32_t min = 0, max = 0;  // kRepeat; max == UINT32_MAX: unbounded
};
using NodeP = std::unique_ptr<Node>;

NodeP make(Node::Kind k) {
  auto n = std::make_unique<Node>();
  n->kind = k;
  return n;
}

void addClassEscape(char e, std::vector<Regex::Range>& r, bool& negate) {
  switch (e) {
    case 'D': negate = !negate; [[fallthrough]];
    case 'd': r.push_back({'0', '9'}); break;
    case 'W': negate = !negate; [[fallthrough]];
    case 'w': r.insert(r.end(), {{'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {'_', '_'}}); break;
    case 'S': negate = !negate; [[fallthrough]];
    case 's': r.insert(r.end(), {{' ', ' '}, {'\t', '\r'}, {0xa0, 0xa0}, {0x2000, 0x200a}, {0x3000, 0x3000}}); break;
  }
}

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
  char peek() const { return p_[i_]; }

  Result<NodeP> alternation(int depth) {
    if (depth > 32) return Status::tooLarge("$regex: groups nest deeper than 32");
    CG_ASSIGN_OR_RETURN(NodeP left, concatenation(depth));
    if (eof() || peek() != '|') return left;
    NodeP alt = make(Node::kAlt);
    alt->kids.push_back(std::move(left));
    while (!eof() && peek() == '|') {
      ++i_;
      CG_ASSIGN_OR_RETURN(NodeP next, concatenation(depth));
      alt->kids.push_back(std::move(next));
    }
    return alt;
  }

  Result<NodeP> concatenation(int depth) {
    NodeP cat = make(Node::kConcat);
    while (!eof() && peek() != '|' && peek() != ')') {
      CG_ASSIGN_OR_RETURN(NodeP atom, this->atom(depth));
      CG_ASSIGN_OR_RETURN(atom, quantified(std::move(atom)));
      cat->kids.push_back(std::move(atom));
    }
    return cat;
  }

  Result<std::uint32_t> number() {
    std::uint32_t v = 0;
    std::size_t start = i_;
    while (!eof() && peek() >= '0' && peek() <= '9') {
      v = v * 10 + static_cast<std::uint32_t>(peek() - '0');
      if (v > kMaxRepeat) return Status::tooLarge("$regex: repetition count above " + std::to_string(kMaxRepeat));
      ++i_;
    }
    if (i_ == start) return error("expected a number");
    return v;
  }

  Result<NodeP> quantified(NodeP atom) {
    while (!eof()) {
      char c = peek();
      std::uint32_t lo, hi;
      if (c == '*') { lo = 0; hi = UINT32_MAX; ++i_; }
      else if (c == '+') { lo = 1; hi = UINT32_MAX; ++i_; }
      else if (c == '?') { lo = 0; hi = 1; ++i_; }
      else if (c == '{') {
        std::size_t save = i_++;
        if (eof() || !(peek() >= '0' && peek() <= '9')) { i_ = save; return atom; }  // a literal '{'
        CG_ASSIGN_OR_RETURN(lo, number());
        hi = lo;
        if (!eof() && peek() == ',') {
          ++i_;
          hi = UINT32_MAX;
          if (!eof() && peek() != '}') { CG_ASSIGN_OR_RETURN(hi, number()); }
        }
        if (eof() || peek() != '}') return error("unterminated {n,m}");
        ++i_;
        if (hi < lo) return error("{n,m} with m < n");
      } else {
        return atom;
      }
      if (!eof() && peek() == '?') ++i_;  // lazy: same language without captures
      if (atom->kind == Node::kStart || atom->kind == Node::kEnd) return error("quantifier after an anchor");
      NodeP rep = make(Node::kRepeat);
      rep->min = lo;
      rep->max = hi;
      rep->kids.push_back(std::move(atom));
      atom = std::move(rep);
    }
    return atom;
  }

  Result<std::uint32_t> codePoint() {
    std::size_t j = i_;
    std::uint32_t cp = nextCodePoint(p_, j);
    i_ = j;
    return cp;
  }

  Result<NodeP> classNode() {
    ++i_;  // '['
    NodeP n = make(Node::kClass);
    if (!eof() && peek() == '^') { n->negate = true; ++i_; }
    bool first = true;
    bool negateEscapes = false;
    std::vector<Regex::Range> negated;  // \D \W \S inside a class
    while (!eof() && (peek() != ']' || first)) {
      first = false;
      std::uint32_t lo;
      if (peek() == '\\') {
        ++i_;
        if (eof()) return error("trailing backslash");
        char e = peek();
        if (std::string_view("dwsDWS").find(e) != std::string_view::npos) {
          ++i_;
          bool neg = false;
          std::vector<Regex::Range> r;
          addClassEscape(e, r, neg);
          if (neg) { negateEscapes = true; negated.insert(negated.end(), r.begin(), r.end()); }
          else n->ranges.insert(n->ranges.end(), r.begin(), r.end());
          continue;
        }
        CG_ASSIGN_OR_RETURN(lo, escapeLiteral());
      } else {
        CG_ASSIGN_OR_RETURN(lo, codePoint());
      }
      std::uint32_t hi = lo;
      if (i_ + 1 < p_.size() && peek() == '-' && p_[i_ + 1] != ']') {
        ++i_;
        if (peek() == '\\') { ++i_; CG_ASSIGN_OR_RETURN(hi, escapeLiteral()); }
        else { CG_ASSIGN_OR_RETURN(hi, codePoint()); }
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

  Result<std::uint32_t> escapeLiteral() {
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

  Result<NodeP> atom(int depth) {
    char c = peek();
    switch (c) {
      case '(': {
        ++i_;
        if (!eof() && peek() == '?') {
          if (i_ + 1 < p_.size() && p_[i_ + 1] == ':') i_ += 2;
          else return error("look-around and named groups are not supported");
        }
        CG_ASSIGN_OR_RETURN(NodeP inner, alternation(depth + 1));
        if (eof() || peek() != ')') return error("unterminated (");
        ++i_;
        return inner;
      }
      case '[': return classNode();
      case '.': ++i_; return make(Node::kAny);
      case '^': ++i_; return make(Node::kStart);
      case '$': ++i_; return make(Node::kEnd);
      case '*': case '+': case '?': return error("nothing to repeat");
      case '\\': {
        ++i_;
        if (eof()) return error("trailing backslash");
        char e = peek();
        if (std::string_view("dwsDWS").find(e) != std::string_view::npos) {
          ++i_;
          NodeP n = make(Node::kClass);
          addClassEscape(e, n->ranges, n->negate);
          return n;
        }
        if (e == 'b' || e == 'B') return error("word boundaries are not supported");
        CG_ASSIGN_OR_RETURN(std::uint32_t cp, escapeLiteral());
        NodeP n = make(Node::kClass);
        n->ranges.push_back({cp, cp});
        return n;
      }
      default: {
        CG_ASSIGN_OR_RETURN(std::uint32_t cp, codePoint());
        NodeP n = make(Node::kClass);
        n->ranges.push_back({cp, cp});
        return n;
      }
    }
  }

  std::string_view p_;
  std::size_t i_ = 0;
};

}  // namespace

class RegexCompiler {
 public:
  explicit RegexCompiler(std::vector<Regex::Inst>& prog) : prog_(prog) {}

  Status emit(const Node& n) {
    if (prog_.size() > kMaxProgram) return Status::tooLarge("$regex: pattern compiles to more than 4096 instructions");
    switch (n.kind) {
      case Node::kEmpty: return {};
      case Node::kClass: {
        Regex::Inst in{Regex::Inst::kClass};
        in.negate = n.negate;
        in.ranges = n.ranges;
        prog_.push_back(std::move(in));
        return {};
      }
      case Node::kAny: prog_.push_back({Regex::Inst::kAny}); return {};
      case Node::kStart: prog_.push_back({Regex::Inst::kStart}); return {};
      case Node::kEnd: prog_.push_back({Regex::Inst::kEnd}); return {};
      case Node::kConcat:
        for (const auto& k : n.kids) CG_RETURN_IF_ERROR(emit(*k));
        return {};
      case Node::kAlt: {
        std::vector<std::size_t> jumps;
        for (std::size_t i = 0; i < n.kids.size(); ++i) {
          if (i + 1 < n.kids.size()) {
            std::size_t split = prog_.size();
            prog_.push_back({Regex::Inst::kSplit});
            prog_[split].x = static_cast<std::uint32_t>(prog_.size());
            CG_RETURN_IF_ERROR(emit(*n.kids[i]));
            jumps.push_back(prog_.size());
            prog_.push_back({Regex::Inst::kJump});
            prog_[split].y = static_cast<std::uint32_t>(prog_.size());
          } else {
            CG_RETURN_IF_ERROR(emit(*n.kids[i]));
          }
        }
        for (std::size_t j : jumps) prog_[j].x = static_cast<std::uint32_t>(prog_.size());
        return {};
      }
      case Node::kRepeat: {
        const Node& body = *n.kids[0];
        for (std::uint32_t k = 0; k < n.min; ++k) CG_RETURN_IF_ERROR(emit(body));
        if (n.max == UINT32_MAX) {  // loop: L: split body, out; body; jmp L
          std::size_t loop = prog_.size();
          prog_.push_back({Regex::Inst::kSplit});
          prog_[loop].x = static_cast<std::uint32_t>(prog_.size());
          CG_RETURN_IF_ERROR(emit(body));
          Regex::Inst j{Regex::Inst::kJump};
          j.x = static_cast<std::uint32_t>(loop);
          prog_.push_back(j);
          prog_[loop].y = static_cast<std::uint32_t>(prog_.size());
        } else {
          std::vector<std::size_t> splits;
          for (std::uint32_t k = n.min; k < n.max; ++k) {
            splits.push_back(prog_.size());
            prog_.push_back({Regex::Inst::kSplit});
            prog_[splits.back()].x = static_cast<std::uint32_t>(prog_.size());
            CG_RETURN_IF_ERROR(emit(body));
            if (prog_.size() > kMaxProgram) return Status::tooLarge("$regex: pattern compiles to more than 4096 instructions");
          }
          for (std::size_t s : splits) prog_[s].y = static_cast<std::uint32_t>(prog_.size());
        }
        return {};
      }
    }
    return {};
  }

 private:
  std::vector<Regex::Inst>& prog_;
};

Result<Regex> Regex::compile(std::string_view pattern, bool caseInsensitive) {
  if (pattern.size() > kMaxPatternBytes) {
    return Status::tooLarge("$regex: pattern longer than " + std::to_string(kMaxPatternBytes) + " bytes");
  }
  Parser parser(pattern);
  CG_ASSIGN_OR_RETURN(NodeP ast, parser.parse());
  Regex r;
  r.caseInsensitive_ = caseInsensitive;
  RegexCompiler c(r.program_);
  CG_RETURN_IF_ERROR(c.emit(*ast));
  if (r.program_.size() > kMaxProgram) return Status::tooLarge("$regex: pattern compiles to more than 4096 instructions");
  r.program_.push_back({Inst::kMatch});
  if (caseInsensitive) {
    for (auto& in : r.program_) {
      if (in.op != Inst::kClass) continue;
      std::vector<Range> extra;
      for (const auto& rg : in.ranges) {
        if (rg.hi - rg.lo > 0x400) continue;
        for (std::uint32_t cp = rg.lo; cp <= rg.hi; ++cp) {
          std::uint32_t f = foldCase(cp);
          if (f != cp) extra.push_back({f, f});
        }
      }
      in.ranges.insert(in.ranges.end(), extra.begin(), extra.end());
    }
  }
  return r;
}

Result<Regex> Regex::like(std::string_view pattern, bool caseInsensitive) {
  if (pattern.size() > kMaxPatternBytes) {
    return Status::tooLarge("$like: pattern longer than " + std::to_string(kMaxPatternBytes) + " bytes");
  }
  Regex r;
  r.caseInsensitive_ = caseInsensitive;
  r.program_.push_back({Inst::kStart});
  for (std::size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == '%') {
      ++i;
      std::size_t loop = r.program_.size();
      r.program_.push_back({Inst::kSplit});
      r.program_[loop].x = static_cast<std::uint32_t>(r.program_.size());
      r.program_.push_back({Inst::kAny});
      Inst j{Inst::kJump};
      j.x = static_cast<std::uint32_t>(loop);
      r.program_.push_back(j);
      r.program_[loop].y = static_cast<std::uint32_t>(r.program_.size());
    } else if (c == '_') {
      ++i;
      r.program_.push_back({Inst::kAny});
    } else {
      std::uint32_t cp = nextCodePoint(pattern, i);
      Inst in{Inst::kClass};
      in.ranges.push_back({cp, cp});
      if (caseInsensitive && foldCase(cp) != cp) in.ranges.push_back({foldCase(cp), foldCase(cp)});
      r.program_.push_back(std::move(in));
    }
  }
  r.program_.push_back({Inst::kEnd});
  r.program_.push_back({Inst::kMatch});
  return r;
}

std::uint64_t Regex::lastSteps() { return gSteps; }

bool Regex::matches(std::string_view text) const {
  const std::size_t n = program_.size();
  std::vector<std::uint32_t> clist, nlist, stack;
  std::vector<std::uint64_t> mark(n, ~0ull);  // generation at which pc was added
  clist.reserve(n);
  nlist.reserve(n);
  std::uint64_t steps = 0;
  std::uint64_t gen = 0;
  // Adds pc and everything reachable through empty transitions at position
  // `pos` (atStart/atEnd decide the anchors).
  auto add = [&](std::vector<std::uint32_t>& list, std::uint32_t pc0, bool atStart, bool atEnd) -> bool {
    stack.clear();
    stack.push_back(pc0);
    while (!stack.empty()) {
      std::uint32_t pc = stack.back();
      stack.pop_back();
      if (mark[pc] == gen) continue;
      mark[pc] = gen;
      ++steps;
      const Inst& in = program_[pc];
      switch (in.op) {
        case Inst::kJump: stack.push_back(in.x); break;
        case Inst::kSplit: stack.push_back(in.y); stack.push_back(in.x); break;
        case Inst::kStart: if (atStart) stack.push_back(pc + 1); break;
        case Inst::kEnd: if (atEnd) stack.push_back(pc + 1); break;
        case Inst::kMatch: return true;
        default: list.push_back(pc); break;
      }
    }
    return false;
  };
  std::size_t i = 0;
  bool matched = add(clist, 0, true, text.empty());
  while (!matched && i < text.size()) {
    std::uint32_t cp = nextCodePoint(text, i);
    std::uint32_t folded = caseInsensitive_ ? foldCase(cp) : cp;
    bool atEnd = i >= text.size();
    ++gen;
    nlist.clear();
    for (std::uint32_t pc : clist) {
      ++steps;
      const Inst& in = program_[pc];
      bool ok = false;
      if (in.op == Inst::kAny) {
        ok = cp != '\n';
      } else {
        bool inClass = false;
        for (const auto& r : in.ranges) {
          if ((cp >= r.lo && cp <= r.hi) || (folded >= r.lo && folded <= r.hi)) { inClass = true; break; }
        }
        ok = inClass != in.negate;
      }
      if (ok && add(nlist, pc + 1, false, atEnd)) { matched = true; break; }
    }
    // Unanchored search: a new attempt may start at every position.
    if (!matched && add(nlist, 0, false, atEnd)) matched = true;
    std::swap(clist, nlist);
  }
  gSteps = steps;
  return matched;
}

}  // namespace cellgraph::query
