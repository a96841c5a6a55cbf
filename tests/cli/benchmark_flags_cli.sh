#!/usr/bin/env bash
# Command-line tests of the benchmark programs: a bad flag must be refused before any timing,
# with exit status 2 and a message naming the flag, what was expected and what was found, as
# the example programs do.
#
#   benchmark_flags_cli.sh PATH/TO/PROGRAM CASE
#
# PROGRAM may also be scripts/benchmark, with the case benchmark_script_flags.
set -uo pipefail

readonly program="$1"
readonly case_name="$2"

fail() {
  echo "FAIL [$case_name]: $*" >&2
  exit 1
}

# Runs the program with "$@"; expects exit status 2 and stderr matching $expected_message (an
# extended regular expression). The timeout catches a program that starts timing instead.
expect_refused() {
  local output status
  output="$(timeout 20 "$program" "$@" 2>&1 >/dev/null)"
  status=$?
  [[ $status -eq 2 ]] || fail "$*: expected exit status 2, got $status; output: $output"
  grep -Eq -- "$expected_message" <<<"$output" ||
    fail "$*: expected a message matching '$expected_message', got: $output"
}

case "$case_name" in
  gan_step_flags)
    expected_message="--seconds: expected a number, got 'abc'"
    expect_refused --seconds abc
    expected_message="--seconds: expected a positive finite number, got nan"
    expect_refused --seconds nan
    expected_message="--repeats: out of range: expected a whole number from 1 to 1000, got 0"
    expect_refused --repeats 0
    expected_message="--threads: out of range: expected a whole number from 1 to 1024, got 0"
    expect_refused --threads 0
    expected_message="--threads: expected a value, got none"
    expect_refused --threads
    expected_message="unknown option '--repeat'"
    expect_refused --repeat 3
    # The usage once offered --seconds 0, which the flag refuses.
    expected_message="--seconds: expected a positive finite number, got 0"
    expect_refused --seconds 0
    "$program" --help | grep -q -- "--seconds above 0, to 3600" ||
      fail "--help does not give --seconds the range the flag accepts" ;;
  benchmark_script_flags)
    # scripts/benchmark: each bad flag named before anything is installed, configured or
    # built (--threads abc was once found only by the built programs; --repeats 0 printed a
    # table of dashes and exit status 0; the others printed only the usage line).
    expected_message="--models: expected mlp, dcgan or both, got 'foo'"
    expect_refused --models foo
    expected_message="--install: expected yes or no, got 'maybe'"
    expect_refused --install maybe
    expected_message="unknown option '--bogus'"
    expect_refused --bogus x
    expected_message="--repeats: out of range: expected a whole number from 1 to 1000, got 0"
    expect_refused --repeats 0
    expected_message="--threads: expected a whole number, got 'abc'"
    expect_refused --threads "1 abc"
    expected_message="--seconds: out of range: expected a number above 0 and at most 3600, got 0"
    expect_refused --seconds 0
    expected_message="--jobs: expected a value, got none"
    expect_refused --jobs ;;
  sgemm_peak_flags)
    expected_message="--threads: expected a whole number, got 'two'"
    expect_refused --threads two
    expected_message="unknown option '--seconds'"
    expect_refused --threads 1 --seconds 1 ;;
  core_round_trip_flags)
    expected_message="unknown option '--threads'"
    expect_refused --threads 2 ;;
  *)
    fail "unknown case" ;;
esac
exit 0
