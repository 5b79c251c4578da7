# Thin wrapper around Emscripten's own toolchain file.
# Uses $EMSDK's Emscripten when EMSDK is set, otherwise the system package
# (Debian's `emscripten`, installed under /usr/share/emscripten).
if(DEFINED ENV{EMSDK} AND EXISTS "$ENV{EMSDK}/upstream/emscripten/cmake/Modules/Platform/Emscripten.cmake")
  set(EMSCRIPTEN_ROOT_PATH "$ENV{EMSDK}/upstream/emscripten" CACHE PATH "Emscripten tree")
else()
  set(EMSCRIPTEN_ROOT_PATH "/usr/share/emscripten" CACHE PATH "Emscripten tree")
  # Debian's emcc runs its JS optimizers with `require('acorn')` from
  # /usr/share/nodejs; a Node not from Debian (e.g. nodesource) does not search
  # there, so every optimized link fails without NODE_PATH. Set it for
  # configure time and, through a launcher, for every link.
  set(CELLGRAPH_DEBIAN_NODE_PATH "/usr/share/nodejs")
  set(ENV{NODE_PATH} "${CELLGRAPH_DEBIAN_NODE_PATH}")
  set(CMAKE_C_LINKER_LAUNCHER   "${CMAKE_COMMAND};-E;env;NODE_PATH=${CELLGRAPH_DEBIAN_NODE_PATH}")
  set(CMAKE_CXX_LINKER_LAUNCHER "${CMAKE_COMMAND};-E;env;NODE_PATH=${CELLGRAPH_DEBIAN_NODE_PATH}")
endif()
include("${EMSCRIPTEN_ROOT_PATH}/cmake/Modules/Platform/Emscripten.cmake")
