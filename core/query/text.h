// Text normalization for $text: case-folded, diacritics removed (Latin),
// punctuation dropped, whitespace kept. "Crème Brûlée!" -> "creme brulee".
#pragma once

#include <string>
#include <string_view>

namespace cellgraph::query {

std::string normalizeText(std::string_view utf8);

}  // namespace cellgraph::query
