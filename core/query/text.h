// Text normalization for $text: case-folded, diacritics removed (Latin),
// punctuation dropped, whitespace kept. "Crème Brûlée!" -> "creme brulee".
#pragma once

#include <string>
#include <string_view>

namespace cellgraph::query {

std::string normalizeText(std::string_view utf8);
// normalizeText(haystack) contains `normalizedNeedle`, without allocating
// per call (a per-thread buffer is reused). O(haystack + needle) time.
bool containsNormalized(std::string_view haystack, std::string_view normalizedNeedle);
// Whether `needle` occurs in `haystack`, in O(haystack + needle) time
// (Knuth-Morris-Pratt), where string_view::find can take their product: a
// query must not be able to make one node cost 10^10 byte comparisons.
bool containsLinear(std::string_view haystack, std::string_view needle);

}  // namespace cellgraph::query
