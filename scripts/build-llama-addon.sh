#!/usr/bin/env bash
# Builds node-llama-cpp's llama.cpp binding for this CPU (GGML_NATIVE) from the source node-llama-cpp ships as a
# git bundle, with no download, into a cache folder outside the repo, then installs it as node-llama-cpp's local
# build, which getLlama({build: "never"}) loads before its prebuilt binary. Why: the same build as the llama-server
# it is compared with (scripts/build-llama-server.sh), for this CPU rather than its family; measured here it
# evaluates prompts faster (a 1,500-token first turn 1.26-1.56x of llama-server's time, 1.99x with the prebuilt)
# and batched decoding about the same (docs/serve.md "Where the time goes"). Without this script everything works
# on the prebuilt binary.
#   bash scripts/build-llama-addon.sh            build once (about 12-20 min on 2 cores), then install
#   bash scripts/build-llama-addon.sh --remove   go back to the prebuilt binary
set -euo pipefail
cd "$(dirname "$0")/.."
nlc=node_modules/node-llama-cpp
installed="$nlc/llama/localBuilds/linux-x64"
if [ "${1:-}" = "--remove" ]; then
  rm -rf "$installed"
  echo "removed $installed: node-llama-cpp uses its prebuilt binary"
  exit 0
fi
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "build-llama-addon: only linux-x64 is supported; node-llama-cpp's prebuilt binary stays in use" >&2
  exit 1
fi
tag=$(node -p 'require("./node_modules/node-llama-cpp/llama/llama.cpp.info.json").tag')
version=$(node -p 'require("./node_modules/node-llama-cpp/package.json").version')
node_include=$(node -p 'require("path").resolve(process.execPath, "../../include/node")')
if [ ! -f "$node_include/node.h" ]; then
  echo "build-llama-addon: Node's headers are missing ($node_include/node.h); install the headers of this Node version" >&2
  exit 1
fi
# A native build uses every instruction this CPU has, so the cache is per CPU feature set.
cpu=$(grep -m1 '^flags' /proc/cpuinfo | sha256sum | cut -c1-12)
cache="${H2OGPT_LLAMA_ADDON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/h2ogpt-ts/node-llama-cpp-$version-$tag-native-$cpu}"
if [ ! -f "$cache/Release/llama-addon.node" ]; then
  mkdir -p "$(dirname "$cache")"
  work="$cache.partial.$$"
  rm -rf "$work"
  mkdir -p "$work/node_modules"
  cp -r "$nlc/llama/CMakeLists.txt" "$nlc/llama/addon" "$nlc/llama/cmake" "$work/"
  ln -s "$(pwd)/node_modules/node-addon-api" "$work/node_modules/node-addon-api"
  git -c advice.detachedHead=false clone -q "$nlc/llama/gitRelease.bundle" "$work/llama.cpp"
  # The patches node-llama-cpp applies to its own source builds.
  for patch in "$nlc"/llama/patches/*.diff; do
    [ -e "$patch" ] && git -C "$work/llama.cpp" apply "$(pwd)/$patch"
  done
  # The options node-llama-cpp's own `source build` passes (compileLlamaCpp), with GGML_NATIVE for this CPU, and
  # without OpenMP as its prebuilt binaries, so threads behave the same with either.
  cmake -S "$work" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_JS_INC="$node_include" -DGGML_NATIVE=ON \
    -DGGML_METAL=OFF -DGGML_CCACHE=OFF -DGGML_BUILD_NUMBER=1 -DLLAMA_CURL=OFF -DLLAMA_HTTPLIB=OFF \
    -DLLAMA_BUILD_BORINGSSL=OFF -DLLAMA_OPENSSL=OFF -DNLC_CURRENT_PLATFORM=linux-x64 -DNLC_TARGET_PLATFORM=linux-x64 \
    -DGGML_OPENMP=OFF -DNLC_VARIANT="$tag" >"$work/cmake.log" 2>&1 || { tail -n 40 "$work/cmake.log" >&2; exit 1; }
  cmake --build "$work/build" -j"$(nproc)" --target llama-addon >>"$work/cmake.log" 2>&1 || { tail -n 40 "$work/cmake.log" >&2; exit 1; }
  mkdir -p "$work/Release"
  find "$work/build" -type f \( -name '*.node' -o -name '*.so' \) -exec cp {} "$work/Release/" \;
  rm -rf "$cache"
  mkdir -p "$cache"
  mv "$work/Release" "$cache/Release"
  rm -rf "$work"
fi
# node-llama-cpp's layout of a local build: Release/ with the binaries and its build metadata, and buildDone.status.
# The metadata names this OS, so node-llama-cpp loads the binary without a test run in a child process.
rm -rf "$installed.partial"
mkdir -p "$installed.partial/Release"
cp "$cache"/Release/* "$installed.partial/Release/"
node --input-type=module -e '
import {writeFileSync} from "node:fs";
import {getPlatformInfo} from "./node_modules/node-llama-cpp/dist/bindings/utils/getPlatformInfo.js";
const [dir, tag] = process.argv.slice(1);
const buildOptions = {customCmakeOptions: {}, progressLogs: true, platform: "linux", platformInfo: await getPlatformInfo(), arch: "x64", gpu: false, llamaCpp: {repo: "ggml-org/llama.cpp", release: tag}};
writeFileSync(dir + "/Release/_nlcBuildMetadata.json", JSON.stringify({buildOptions}));
' "$installed.partial" "$tag"
touch "$installed.partial/buildDone.status"
rm -rf "$installed"
mv "$installed.partial" "$installed"
echo "$installed"
