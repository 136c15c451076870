# The shell tests' shared start, sourced right after `set -euo pipefail`:
#   . "$(dirname "$0")/../tests/test_lib.sh"   (the path to tests/ from the test's folder)
#   begin_test NAME "$1" "${2:-}"
# Sets `bin` (the lfmbench binary), `shared` (../shared) and `data` (its datasets), all absolute:
# without ../shared the test skips (exit 77), or fails when LFM_REQUIRE_SHARED=1 (as in CI).
# Then `work`, a scratch directory made current and removed on exit (a test with more to clean
# up sets its own EXIT trap, which removes "$work" too). `fail MESSAGE` ends the test.
begin_test() {
  test_name=$1
  bin=$(realpath "$2")
  shared=${LFM_SHARED_DIR:-${3:-}}
  if [ -z "$shared" ] || [ ! -d "$shared/datasets" ]; then
    if [ "${LFM_REQUIRE_SHARED:-}" = "1" ]; then
      echo "$test_name: FAIL: ../shared is required"
      exit 1
    fi
    echo "$test_name: SKIP: ../shared/datasets not found"
    exit 77
  fi
  shared=$(realpath "$shared")
  data=$shared/datasets
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cd "$work"
}

fail() {
  echo "$test_name: FAIL: $*"
  exit 1
}
