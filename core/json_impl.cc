// Boost.JSON compiled header-only into the core, the same way natively and in
// wasm, so both builds parse and serialize with identical code.
#include <boost/json/src.hpp>
