#!/usr/bin/env bash
# Proves that .ci/run fails CI whenever it must: a failed install, configure or build, a failed,
# skipped or missing test, missing ../shared, a failed peer setup; and passes a healthy tree.
# Each case runs the real .ci/run with real cmake, g++ and ctest on a one-file project laid out
# like the repository (scripts/install-deps.sh, CMakePresets.json, ../shared beside it).
#   tests/ci_run_test.sh REPO_ROOT
set -uo pipefail
repo=${1:?usage: ci_run_test.sh REPO_ROOT}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# node is on PATH so .ci/run does not apt-get it; the peer setup is a stand-in (its own job is
# tested by the peer tests).
mkdir -p "$scratch/bin"
printf '#!/bin/sh\nexit 0\n' > "$scratch/bin/node"
chmod +x "$scratch/bin/node"
export PATH="$scratch/bin:$PATH"

failures=0

# make_workspace NAME: a workspace with a healthy project; cases then break one thing.
make_workspace() {
  local ws="$scratch/$1"
  mkdir -p "$ws/repo/.ci" "$ws/repo/scripts" "$ws/shared/testdata" "$ws/shared/tools"
  cp "$repo/.ci/run" "$ws/repo/.ci/run"
  cp "$repo/CMakePresets.json" "$ws/repo/"
  printf '#!/bin/sh\nexit 0\n' > "$ws/repo/scripts/install-deps.sh"
  printf '#!/bin/sh\nexit 0\n' > "$ws/shared/tools/setup-peer.sh"
  chmod +x "$ws/repo/scripts/install-deps.sh" "$ws/shared/tools/setup-peer.sh"
  cat > "$ws/repo/CMakeLists.txt" << 'EOF'
cmake_minimum_required(VERSION 3.25)
project(ci_probe CXX)
enable_testing()
add_executable(probe probe.cc)
add_test(NAME probe COMMAND probe)
set_tests_properties(probe PROPERTIES SKIP_RETURN_CODE 77 SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
EOF
  echo 'int main() { return 0; }' > "$ws/repo/probe.cc"
  echo "$ws"
}

# expect CASE WANT_STATUS(pass|fail) WANT_TEXT WORKSPACE
expect() {
  local name=$1 want=$2 text=$3 ws=$4 status
  (cd "$ws/repo" && env -u LFM_REQUIRE_SHARED bash .ci/run > "$ws/out.log" 2>&1)
  status=$?
  if { [ "$want" = pass ] && [ $status -ne 0 ]; } || { [ "$want" = fail ] && [ $status -eq 0 ]; }; then
    echo "FAIL $name: .ci/run exited $status, wanted $want"
    tail -n 15 "$ws/out.log"
    failures=$((failures + 1))
  elif ! grep -q -- "$text" "$ws/out.log"; then
    echo "FAIL $name: output lacks '$text'"
    tail -n 15 "$ws/out.log"
    failures=$((failures + 1))
  else
    echo "ok   $name: exit $status, says '$text'"
  fi
}

ws=$(make_workspace healthy)
expect healthy pass "ci: all 1 tests ran and passed" "$ws"

ws=$(make_workspace compile_error)
echo 'int main() { return not_declared_anywhere; }' > "$ws/repo/probe.cc"
expect compile_error fail "ci: FAILED: build" "$ws"

ws=$(make_workspace configure_error)
echo 'message(FATAL_ERROR "broken configure")' >> "$ws/repo/CMakeLists.txt"
expect configure_error fail "ci: FAILED: configure" "$ws"

ws=$(make_workspace install_error)
printf '#!/bin/sh\nexit 3\n' > "$ws/repo/scripts/install-deps.sh"
expect install_error fail "ci: FAILED: install dependencies (exit 3)" "$ws"

ws=$(make_workspace peer_error)
printf '#!/bin/sh\nexit 1\n' > "$ws/shared/tools/setup-peer.sh"
expect peer_error fail "ci: FAILED: install the llama.cpp peer" "$ws"

ws=$(make_workspace no_shared)
rm -rf "$ws/shared/testdata"
expect no_shared fail "ci: FAILED: ../shared/testdata is missing" "$ws"

ws=$(make_workspace test_fails)
echo 'int main() { return 1; }' > "$ws/repo/probe.cc"
expect test_fails fail "ci: FAILED: 1 of 1 tests failed" "$ws"

ws=$(make_workspace test_skipped_by_code)
echo 'int main() { return 77; }' > "$ws/repo/probe.cc"
expect test_skipped_by_code fail "ci: FAILED: some tests were skipped" "$ws"

ws=$(make_workspace gtest_skipped)
printf '#include <cstdio>\nint main() { std::puts("[  SKIPPED ] no data"); }\n' > "$ws/repo/probe.cc"
expect gtest_skipped fail "ci: FAILED: some tests were skipped" "$ws"

ws=$(make_workspace no_tests)
sed -i '/add_test\|set_tests_properties/d' "$ws/repo/CMakeLists.txt"
expect no_tests fail "ci: FAILED: " "$ws"

if [ $failures -ne 0 ]; then
  echo "ci_run_test: $failures case(s) wrong"
  exit 1
fi
echo "ci_run_test: every case right"
