// Text normalization for $text: case-folded, diacritics removed (Latin),
// punctuation dropped, whitespace kept. "Crème Brûlée!" -> "creme brulee".
#pragma once

#include <string>
#include <string_view>

namespace cellgraph::query {

std::string normalizeText(std::string_view utf8);
// normalizeText(haystack) contains `normalizedNeedle`, without allocating
// per call (a per-thread buffer is reused).
bool containsNormalized(std::string_view haystack, std::string_view normalizedNeedle);

}  // namespace cellgraph::query
