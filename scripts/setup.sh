#!/usr/bin/env bash
# setup.sh — take a fresh Debian 12 machine to a working cellgraph tree.
#
# Idempotent and quiet when everything is present. Installs:
#   apt:   toolchain (g++, and clang with libFuzzer for tests/fuzz), Emscripten,
#          Boost.JSON, libsodium, GoogleTest, Chromium
#   .deps/ msgpack-cxx headers (extracted .deb: installing it conflicts with
#          Boost 1.81), libsodium's Debian source (compiled for wasm by CMake)
#          and libsecp256k1's Debian source (compiled by CMake for both builds)
#   npm:   dev dependencies from the committed lockfile (npm ci)
# Needs root for apt; otherwise uses sudo, or prints the exact command to run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deps="$root/.deps"
log() { printf 'setup: %s\n' "$*"; }

APT_PACKAGES=(
  cmake ninja-build g++ pkg-config dpkg-dev
  clang libclang-rt-14-dev
  emscripten
  libboost-json1.81-dev libsodium-dev libgtest-dev
  chromium iproute2 util-linux ca-certificates
)
SODIUM_VERSION=1.0.18-1+deb12u1
SECP256K1_VERSION=0.2.0-2
MSGPACK_VERSION=4.1.3-1

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@";
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@";
  else echo "setup: needs root; run:  sudo $*" >&2; exit 1; fi
}

# --- node ---------------------------------------------------------------
# 20.16: process.getBuiltinModule, through which the wasm tests read the core.
node_ok=$(node -p 'const [a, b] = process.versions.node.split(".").map(Number); a > 20 || (a === 20 && b >= 16) ? 1 : 0' 2>/dev/null || echo 0)
if [ "$node_ok" != 1 ]; then
  echo "setup: cellgraph needs Node.js >= 20.16 with npm (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "       Debian 12's nodejs is 18; install Node 20.16+ (e.g. from nodesource) and run again." >&2
  exit 1
fi

# --- apt ---------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The libsodium and libsecp256k1 source packages need a deb-src entry (deb822 or one-line style).
need_src=0
if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/ ; then
  need_src=1
fi
if [ ${#missing[@]} -gt 0 ] || [ $need_src = 1 ]; then
  if [ $need_src = 1 ]; then
    log "adding a deb-src entry for bookworm"
    as_root tee /etc/apt/sources.list.d/cellgraph-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  log "apt-get install ${missing[*]:-(sources only)}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  if [ ${#missing[@]} -gt 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# --- msgpack-cxx (header-only; extracted, not installed) -----------------
if [ ! -f "$deps/msgpack-cxx/usr/include/msgpack.hpp" ]; then
  log "fetching msgpack-cxx $MSGPACK_VERSION headers"
  tmp=$(mktemp -d); chmod 755 "$tmp"   # apt's _apt user downloads into it
  (cd "$tmp" && apt-get download -qq "libmsgpack-cxx-dev=$MSGPACK_VERSION" 2>/dev/null)
  rm -rf "$deps/msgpack-cxx"; mkdir -p "$deps"
  dpkg -x "$tmp"/libmsgpack-cxx-dev_*.deb "$deps/msgpack-cxx"; rm -rf "$tmp"
fi

# --- C sources from Debian source packages --------------------------------
# fetch_source PACKAGE VERSION DIR MARKER: unpacks PACKAGE=VERSION into
# .deps/DIR unless .deps/DIR/MARKER exists. gpgv cannot check the
# maintainer's signature without debian-keyring; apt already verified the
# files' hashes against the signed Release file.
fetch_source() {
  local package=$1 version=$2 dir=$3 marker=$4
  [ -f "$deps/$dir/$marker" ] && return 0
  log "fetching $package $version source"
  local tmp; tmp=$(mktemp -d); chmod 755 "$tmp"
  (cd "$tmp" && apt-get source -qq --download-only "$package=$version" >/dev/null 2>&1) || {
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    (cd "$tmp" && apt-get source -qq --download-only "$package=$version" >/dev/null)
  }
  rm -rf "${deps:?}/$dir"; mkdir -p "$deps"
  (cd "$tmp" && dpkg-source -q -x "${package}"_*.dsc "$deps/$dir" >/dev/null 2>&1)
  rm -f "$deps/${package}"_*.orig.tar.*
  rm -rf "$tmp"
}
# libsodium: compiled for wasm by cmake/sodium-wasm.cmake.
fetch_source libsodium "$SODIUM_VERSION" libsodium src/libsodium/include/sodium.h
# libsecp256k1: compiled natively and for wasm by cmake/secp256k1.cmake.
fetch_source libsecp256k1 "$SECP256K1_VERSION" secp256k1 include/secp256k1_schnorrsig.h

# --- npm -----------------------------------------------------------------
stamp="$root/node_modules/.cellgraph-lock"
if [ ! -f "$stamp" ] || ! cmp -s "$root/package-lock.json" "$stamp"; then
  log "npm ci"
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$root/package-lock.json" "$stamp"
fi
