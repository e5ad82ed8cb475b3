#!/usr/bin/env bash
# Builds llama.cpp's llama-server and llama-batched-bench from the source node-llama-cpp ships as a git bundle, with
# no download, into a cache folder outside the repo (reused when the binaries are already there). The remote-engine
# tests and bench/serve-vs-llama-server use it; test/support/llama-server.ts finds it at the same path.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=node_modules/node-llama-cpp/llama/gitRelease.bundle
tag=$(node -p 'require("./node_modules/node-llama-cpp/llama/llama.cpp.info.json").tag')
cache="${H2OGPT_LLAMA_CPP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/h2ogpt-ts/llama.cpp-$tag}"
if [ -x "$cache/build/bin/llama-server" ] && [ -x "$cache/build/bin/llama-batched-bench" ]; then
  echo "$cache/build/bin"
  exit 0
fi
mkdir -p "$(dirname "$cache")"
work="$cache.partial.$$"
rm -rf "$work"
git -c advice.detachedHead=false clone -q "$bundle" "$work/src"
cmake -S "$work/src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF -DGGML_NATIVE=ON \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=ON -DLLAMA_BUILD_SERVER=ON >"$work/cmake.log" 2>&1 || { tail -n 40 "$work/cmake.log" >&2; exit 1; }
cmake --build "$work/build" -j"$(nproc)" --target llama-server llama-batched-bench >>"$work/cmake.log" 2>&1 || { tail -n 40 "$work/cmake.log" >&2; exit 1; }
rm -rf "$cache"
mkdir -p "$cache"
mv "$work/build" "$cache/build"
rm -rf "$work"
echo "$cache/build/bin"
