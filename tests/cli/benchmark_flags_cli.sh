#!/usr/bin/env bash
# Command-line tests of the benchmark programs: a bad flag must be refused before any timing,
# with exit status 2 and a message naming the flag, what was expected and what was found, as
# the example programs do.
#
#   benchmark_flags_cli.sh PATH/TO/PROGRAM CASE
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
    expect_refused --repeat 3 ;;
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
