#!/usr/bin/env bash
# Command-line tests of the mnist_classifier example: bad flags, a missing data folder and an
# unwritable output are refused with a message naming what was wrong, before any training;
# a short run on a small synthetic data set writes weights that are the same, byte for byte,
# for the same seed and thread count, and the default thread count is one.
#
#   mnist_classifier_cli.sh PATH/TO/mnist_classifier CASE
#
# Each case runs in a fresh temporary folder.
set -uo pipefail

readonly program="$1"
readonly case_name="$2"
work="$(mktemp -d "${TMPDIR:-/tmp}/gan-classifier-cli-XXXXXX")"
readonly work
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

fail() {
  echo "FAIL [$case_name]: $*" >&2
  exit 1
}

# Writes an IDX pair of $2 (default 200) random 28 x 28 images and labels 0-9 to folder $1,
# the same bytes on every run.
make_data() {
  python3 - "$1" "${2:-200}" <<'PYTHON' || fail "could not write the data set"
import os, random, struct, sys
folder, count = sys.argv[1], int(sys.argv[2])
os.makedirs(folder, exist_ok=True)
rng = random.Random(7)
with open(os.path.join(folder, "train-images-idx3-ubyte"), "wb") as f:
    f.write(struct.pack(">IIII", 0x803, count, 28, 28))
    f.write(bytes(rng.randrange(256) for _ in range(count * 784)))
with open(os.path.join(folder, "train-labels-idx1-ubyte"), "wb") as f:
    f.write(struct.pack(">II", 0x801, count))
    f.write(bytes(rng.randrange(10) for _ in range(count)))
PYTHON
}

# Runs the program with "$@"; expects exit status $1 and stderr matching $2 (an extended
# regular expression), and no weights file left behind.
expect_failure() {
  local status_wanted="$1" message_wanted="$2"
  shift 2
  local output status
  output="$("$program" "$@" 2>&1 >/dev/null)"
  status=$?
  [[ $status -eq $status_wanted ]] ||
    fail "expected exit status $status_wanted, got $status; output: $output"
  grep -Eq -- "$message_wanted" <<<"$output" ||
    fail "expected a message matching '$message_wanted', got: $output"
  [[ -z "$(find . -name '*.gan*' -print -quit)" ]] ||
    fail "expected no weights file after a refused run, got: $(find . -name '*.gan*')"
}

case "$case_name" in
  help_describes_the_held_out_split)
    output="$("$program" --help)" || fail "--help exited with $?"
    grep -q -- "last 2,000" <<<"$output" || fail "--help does not describe the split: $output"
    grep -q -- "--threads N" <<<"$output" || fail "--help lacks --threads: $output"
    ;;
  bad_flag_values_are_refused)
    make_data data
    expect_failure 2 "^mnist_classifier: --epochs: out of range.*got 0" --data data --epochs 0
    expect_failure 2 "--epochs: expected a whole number, got 'ten'" --data data --epochs ten
    expect_failure 2 "--threads: out of range.*got 0" --data data --threads 0
    expect_failure 2 "--seed: out of range.*got -1" --data data --seed -1
    expect_failure 2 "unknown option '--batch-size'" --data data --batch-size 8
    expect_failure 2 "--out: expected a value, got none" --data data --out
    expect_failure 2 "Try 'mnist_classifier --help'" --data data --epochs 0
    ;;
  missing_data_folder_says_how_to_fetch_it)
    expect_failure 1 "no such folder.*'nowhere'.*scripts/fetch-mnist" --data nowhere --epochs 1
    mkdir empty
    expect_failure 1 "no train-images-idx3-ubyte.*scripts/fetch-mnist" --data empty --epochs 1
    ;;
  unwritable_output_is_refused_before_training)
    make_data data
    expect_failure 2 "--out: cannot write 'missing/w.gan': No such file or directory" \
      --data data --out missing/w.gan
    mkdir folder
    expect_failure 2 "--out: expected a file name, got 'folder', a folder" --data data \
      --out folder
    if [[ $(id -u) -ne 0 ]]; then  # root writes anywhere
      mkdir locked && chmod a-w locked
      expect_failure 2 "--out: cannot write 'locked/w.gan': Permission denied" --data data \
        --out locked/w.gan
    fi
    ;;
  short_run_is_deterministic)
    make_data data 200
    "$program" --data data --out first.gan --epochs 1 --seed 3 --threads 2 >first.log 2>&1 ||
      fail "first run failed: $(cat first.log)"
    "$program" --data data --out second.gan --epochs 1 --seed 3 --threads 2 >second.log 2>&1 ||
      fail "second run failed: $(cat second.log)"
    "$program" --data data --out other.gan --epochs 1 --seed 4 --threads 2 >other.log 2>&1 ||
      fail "third run failed: $(cat other.log)"
    cmp -s first.gan second.gan || fail "the same seed and threads wrote different weights"
    # The default is one thread, whatever OMP_NUM_THREADS says.
    OMP_NUM_THREADS=2 "$program" --data data --out default.gan --epochs 1 --seed 3 \
      >default.log 2>&1 || fail "run without --threads failed: $(cat default.log)"
    "$program" --data data --out one.gan --epochs 1 --seed 3 --threads 1 >one.log 2>&1 ||
      fail "run with --threads 1 failed: $(cat one.log)"
    cmp -s default.gan one.gan || fail "the default thread count is not one thread"
    cmp -s first.gan other.gan && fail "another seed wrote the same weights"
    grep -q "holding out the last 40 (20%" first.log ||
      fail "expected a note that 20% of 200 digits are held out, got: $(cat first.log)"
    grep -Eq "^epoch +1/1 +train loss [0-9.]+ +held-out accuracy [0-9.]+%" first.log ||
      fail "expected one line for the epoch, got: $(cat first.log)"
    grep -q "wrote first.gan" first.log || fail "expected 'wrote first.gan', got: $(cat first.log)"
    ;;
  *)
    fail "unknown case"
    ;;
esac
echo "ok [$case_name]"
