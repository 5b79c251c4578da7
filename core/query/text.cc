#include "core/query/text.h"

#include <vector>

#include "core/query/regex.h"

namespace cellgraph::query {
namespace {

// Base letters of U+00C0..U+017F (Latin-1 Supplement letters and Latin
// Extended-A), lower case; '\0' where the character has no single base.
constexpr char kLatinBase[] =
    "aaaaaaaceeeeiiii"  // C0-CF
    "dnooooo\0ouuuuyts"  // D0-DF (D7 multiplication sign, DE thorn, DF sharp s)
    "aaaaaaaceeeeiiii"  // E0-EF
    "dnooooo\0ouuuuyty"  // F0-FF
    "aaaaaaccccccccdd"  // 100-10F
    "ddeeeeeeeeeegggg"  // 110-11F
    "gggghhhhiiiiiiii"  // 120-12F
    "iiiijjkkklllllll"  // 130-13F
    "lllnnnnnnnnnoooo"  // 140-14F
    "oooorrrrrrssssss"  // 150-15F
    "ssttttttuuuuuuuu"  // 160-16F
    "uuuuwwyyyzzzzzzs";  // 170-17F

void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3f));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

bool isPunctuation(std::uint32_t cp) {
  if (cp < 0x80) return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_' ||
                          cp == ' ' || (cp >= '\t' && cp <= '\r'));
  return (cp >= 0xa1 && cp <= 0xbf) || cp == 0xd7 || cp == 0xf7 || (cp >= 0x2010 && cp <= 0x205e) ||
         (cp >= 0x3000 && cp <= 0x303f && cp != 0x3000);
}

}  // namespace

namespace {
void normalizeInto(std::string_view s, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {  // ASCII fast path
      ++i;
      if (isPunctuation(c)) continue;
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      continue;
    }
    std::uint32_t cp = nextCodePoint(s, i);
    if (cp >= 0x300 && cp <= 0x36f) continue;  // combining diacritical marks (decomposed input)
    if (isPunctuation(cp)) continue;
    cp = foldCase(cp);
    if (cp >= 0xc0 && cp <= 0x17f && kLatinBase[cp - 0xc0] != '\0') {
      if (cp == 0xdf) { out += "ss"; continue; }
      out += kLatinBase[cp - 0xc0];
      continue;
    }
    appendUtf8(out, cp);
  }
}
}  // namespace

std::string normalizeText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  normalizeInto(s, out);
  return out;
}

bool containsNormalized(std::string_view haystack, std::string_view normalizedNeedle) {
  thread_local std::string buffer;
  normalizeInto(haystack, buffer);
  return containsLinear(buffer, normalizedNeedle);
}

bool containsLinear(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > haystack.size()) return false;
  if (needle.size() <= 16) return haystack.find(needle) != std::string_view::npos;  // at most 16 x haystack
  thread_local std::vector<std::size_t> border;  // border[i]: longest proper border of needle[0..i]
  border.assign(needle.size(), 0);
  for (std::size_t i = 1, k = 0; i < needle.size(); ++i) {
    while (k > 0 && needle[i] != needle[k]) k = border[k - 1];
    if (needle[i] == needle[k]) ++k;
    border[i] = k;
  }
  for (std::size_t i = 0, k = 0; i < haystack.size(); ++i) {
    while (k > 0 && haystack[i] != needle[k]) k = border[k - 1];
    if (haystack[i] == needle[k] && ++k == needle.size()) return true;
  }
  return false;
}

}  // namespace cellgraph::query
