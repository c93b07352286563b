#!/usr/bin/env bash
# bwsim: the one entry point for building, running and testing.
#
#   scripts/setup.sh run [ARGS...]   install missing packages, Release build in build/,
#                                    then build/bwsim run ARGS... (default: the default
#                                    scenario and its report)
#   scripts/setup.sh test            install, Release build in build/ and ASan+UBSan
#                                    build in build-asan/, run ctest in both, then the
#                                    input loaders' libFuzzer harnesses (build-fuzz/,
#                                    BW_FUZZ_SECONDS each, default 60; skipped without
#                                    clang), print "N passed, N failed" (ctest); non-zero
#                                    exit on any failure or fuzz crash
#
# With CI=true, warnings are errors (-DBW_WERROR=ON).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CALLER_PWD="$PWD"
cd "$ROOT"

# OpenMPI refuses to run as root without these (containers, CI).
export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

PACKAGES=(build-essential cmake pkg-config libgsl-dev libhdf5-dev hdf5-tools
          libcriterion-dev librandom123-dev libyaml-dev libopenmpi-dev openmpi-bin
          python3-numpy python3-h5py python3-matplotlib python3-yaml python3-pandas python3-xarray python3-h5netcdf
          gmt-gshhg-low weasyprint
          clang libclang-rt-14-dev)  # libFuzzer for the input loaders' fuzz harnesses (tests/fuzz)

say() { printf '==> %s\n' "$*"; }
die() { printf 'setup.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
  cat >&2 <<'EOF'
usage: scripts/setup.sh run [bwsim run options...]
       scripts/setup.sh test
EOF
  exit 2
}

# --- install -------------------------------------------------------------
is_installed() {
  local status
  status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]]
}

install_packages() {
  command -v dpkg-query >/dev/null 2>&1 ||
    die "dpkg-query not found: this script installs Debian packages; install these by hand: ${PACKAGES[*]}"
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    is_installed "$p" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    say "all ${#PACKAGES[@]} Debian packages present, skipping apt"
    return
  fi
  say "installing missing Debian packages: ${missing[*]}"
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 ||
      die "not root and sudo not found; as root run: apt-get install ${missing[*]}"
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update ||
    die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}" ||
    die "apt-get install failed for: ${missing[*]}"
  for p in "${missing[@]}"; do
    is_installed "$p" || die "package $p is still not installed after apt-get install"
  done
}

# --- build ---------------------------------------------------------------
cmake_common=()
if [[ "${CI:-}" == "true" ]]; then
  cmake_common+=(-DBW_WERROR=ON)
fi

# configure_and_build DIR CMAKE_ARGS...  (explicit returns: set -e does not
# apply inside a function called as an `if` condition)
configure_and_build() {
  local dir="$1"
  shift
  say "configuring $dir ($*${cmake_common[*]:+ ${cmake_common[*]}})"
  cmake -S "$ROOT" -B "$ROOT/$dir" "$@" "${cmake_common[@]}" || return 1
  say "building $dir"
  cmake --build "$ROOT/$dir" -j"$(nproc)" || return 1
}

build_release() { configure_and_build build -DCMAKE_BUILD_TYPE=Release; }
build_asan() { configure_and_build build-asan -DCMAKE_BUILD_TYPE=Debug -DBW_SANITIZE=ON; }

# --- test ----------------------------------------------------------------
total_passed=0
total_failed=0
problems=()

# run_ctest DIR: runs ctest in DIR, adds its counts to the totals.
run_ctest() {
  local dir="$1" log rc=0 nproblems=${#problems[@]}
  log="$ROOT/$dir/ctest-summary.log"
  say "running tests in $dir"
  # -j: the test executables are independent (each in its own temporary
  # directory) and mostly single-threaded; on the 2-core machines running
  # them side by side halves the suite's time (the kill-at-every-step tests of
  # the commit protocol and resume take minutes each under ASan).
  local jobs
  jobs="$(nproc 2>/dev/null || echo 2)"
  (cd "$ROOT/$dir" && ctest --output-on-failure -j "$jobs") 2>&1 | tee "$log" || rc=$?
  # ctest prints e.g. "100% tests passed, 0 tests failed out of 12".
  local line failed total
  line="$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)"
  if [[ -n "$line" ]]; then
    failed="$(sed -E 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")"
    total="$(sed -E 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")"
    total_passed=$((total_passed + total - failed))
    total_failed=$((total_failed + failed))
    ((failed == 0)) || problems+=("$dir: $failed of $total tests failed")
  elif grep -q 'No tests were found' "$log"; then
    problems+=("$dir: ctest found no tests")
  else
    problems+=("$dir: could not read ctest's summary")
  fi
  if ((rc != 0 && ${#problems[@]} == nproblems)); then
    problems+=("$dir: ctest exited with status $rc")
  fi
}

# --- fuzzing ---------------------------------------------------------------
# The libFuzzer harnesses of the input loaders (tests/fuzz: params, gemeenten,
# regions), each run for BW_FUZZ_SECONDS from the committed seed corpus; what a
# run finds goes to build-fuzz/corpus/, never into the committed corpus. A crash
# (ASan, UBSan, a leak, a broken property, a slow or memory-hungry input) fails
# the test command and prints what crashed and where the input is.
FUZZ_SECONDS="${BW_FUZZ_SECONDS:-60}"
FUZZ_HARNESSES=(params gemeenten regions)

# have_libfuzzer: clang is there and links a libFuzzer harness.
have_libfuzzer() {
  command -v clang >/dev/null 2>&1 || return 1
  local tmp rc=0
  tmp="$(mktemp -d)"
  printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$tmp/t.c"
  clang -fsanitize=fuzzer "$tmp/t.c" -o "$tmp/t" >/dev/null 2>&1 || rc=1
  rm -rf "$tmp"
  return "$rc"
}

run_fuzz() {
  if ! have_libfuzzer; then
    say "clang with libFuzzer not found: skipping the fuzz harnesses (Debian: apt-get install clang libclang-rt-14-dev)"
    return
  fi
  say "configuring build-fuzz (clang: libFuzzer + ASan + UBSan)"
  if ! cmake -S "$ROOT/tests/fuzz" -B "$ROOT/build-fuzz" -DCMAKE_C_COMPILER=clang ||
     ! cmake --build "$ROOT/build-fuzz" -j"$(nproc)"; then
    problems+=("build-fuzz: the fuzz harnesses did not build")
    return
  fi
  local h log rc execs dict
  for h in "${FUZZ_HARNESSES[@]}"; do
    mkdir -p "$ROOT/build-fuzz/corpus/$h"
    dict=()
    if [[ -f "$ROOT/tests/fuzz/$h.dict" ]]; then dict=(-dict="$ROOT/tests/fuzz/$h.dict"); fi
    log="$ROOT/build-fuzz/fuzz_$h.log"
    say "fuzzing $h for ${FUZZ_SECONDS} s"
    rc=0
    (cd "$ROOT/build-fuzz" &&
      "./fuzz_$h" "${dict[@]}" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$ROOT/build-fuzz/crash-$h-" \
        "corpus/$h" "$ROOT/tests/fuzz/corpus/$h") >"$log" 2>&1 || rc=$?
    execs="$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)"
    if ((rc == 0)); then
      say "fuzz_$h: ${execs:-?} inputs run, no crash"
    else
      problems+=("fuzz_$h crashed (exit $rc): log $log, input build-fuzz/crash-$h-*")
      printf -- '--- fuzz_%s crashed; from %s:\n' "$h" "$log" >&2
      grep -E 'ERROR:|SUMMARY:|runtime error|property violated|Test unit written|^    #[0-9]+ ' "$log" | head -n 60 >&2 ||
        tail -n 40 "$log" >&2
    fi
  done
}

# --- main ----------------------------------------------------------------
(($# >= 1)) || usage
cmd="$1"
shift

case "$cmd" in
  run)
    install_packages
    build_release
    cd "$CALLER_PWD" # relative paths in ARGS mean what the caller meant
    # The default scenario is deterministic (same seed and params, same bytes), so a
    # second `setup.sh run` replaces results/default/ -- and says so. With any
    # arguments bwsim's own rule holds: existing results are refused without --force.
    # The default run ends with the Taskforce report (results/default/report/).
    if (($# == 0)); then
      if [[ -e results/default/results.h5 || -e results/default/risk.csv ||
            -e results/default/national.csv || -e results/default/report ]]; then
        say "results/default/ exists from an earlier run: replacing it (the default run is deterministic)"
        set -- --report --force
      else
        set -- --report
      fi
    fi
    say "running build/bwsim run $*"
    exec "$ROOT/build/bwsim" run "$@"
    ;;
  test)
    (($# == 0)) || usage
    install_packages
    # A build that fails is reported, and the other configuration still runs.
    if build_release; then run_ctest build; else problems+=("build: Release build failed"); fi
    if build_asan; then run_ctest build-asan; else problems+=("build-asan: ASan+UBSan build failed"); fi
    run_fuzz
    if ((${#problems[@]} > 0)); then
      printf 'setup.sh: %s\n' "${problems[@]}" >&2
    fi
    echo "$total_passed passed, $total_failed failed"
    ((${#problems[@]} == 0 && total_failed == 0))
    ;;
  *)
    usage
    ;;
esac
