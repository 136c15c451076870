#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages lfmbench builds and tests with, and only the missing ones.
# Idempotent: a second run installs nothing. Uses sudo when not root.
#   scripts/install-deps.sh           build + test dependencies
#   scripts/install-deps.sh --check   list what is missing, install nothing (exit 1 if any)
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libgtest-dev libgmock-dev libbenchmark-dev       # tests and microbenchmarks
  libdnnl-dev libopenblas-dev                      # kernel backends
  libsqlite3-dev                                   # results store
  libimgui-dev libglfw3-dev libgl-dev libstb-dev   # dashboard
  fonts-dejavu-core                                # dashboard font (falls back to ImGui's own)
  libcli11-dev nlohmann-json3-dev libfmt-dev       # CLI, JSON, formatting
  libpcre2-dev libutf8proc-dev                     # Unicode regexes, text checks (tokenizer, IFEval)
  python3-langdetect                               # langdetect's language profiles (IFEval, data)
  libssl-dev zlib1g-dev libcurl4-openssl-dev       # SHA-256, gzip datasets, dataset fetch
  libyaml-cpp-dev                                  # eval task specs (evals/tasks/*.yaml)
  libcpp-httplib-dev                               # lfmbench serve (OpenAI-compatible server)
  clang libclang-rt-14-dev                         # libFuzzer target for the GGUF reader
  xvfb xauth libgl1-mesa-dri libglx-mesa0 xdotool   # dashboard tests in a real window under Xvfb
  python3 time                                     # test helpers, peak-memory measurement; code evals
  bubblewrap procps python3-numpy                  # sandbox for model-written code (HumanEval+, LCB);
                                                   # numpy as the official harnesses have it
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  echo "install-deps: missing: ${missing[*]}"
  exit 1
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
