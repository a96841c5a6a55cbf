#!/usr/bin/env bash
# Command-line tests of what mnist_cgan adds to the MNIST examples' program: --digit,
# --digit-accuracy and --grid-out, after training and from a checkpoint. The flags it shares
# with mnist_gan are covered by mnist_gan_cli.sh, which CMake also runs on it.
#
#   mnist_cgan_cli.sh PATH/TO/mnist_cgan CASE
#
# Each case runs in a fresh temporary folder with a tiny MNIST-format data set (100 images,
# labels 0 to 9 in turn).
set -uo pipefail

readonly program="$1"
readonly case_name="$2"
work="$(mktemp -d "${TMPDIR:-/tmp}/gan-cgan-cli-XXXXXX")"
readonly work
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

fail() {
  echo "FAIL [$case_name]: $*" >&2
  exit 1
}

# Writes 100 random 28 x 28 images with labels 0, 1, ..., 9, 0, 1, ... to folder $1.
make_data() {
  mkdir -p "$1"
  { printf '\x00\x00\x08\x03\x00\x00\x00\x64\x00\x00\x00\x1c\x00\x00\x00\x1c'
    head -c 78400 /dev/urandom; } >"$1/train-images-idx3-ubyte"
  { printf '\x00\x00\x08\x01\x00\x00\x00\x64'
    for _ in $(seq 10); do printf '\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09'; done; } \
    >"$1/train-labels-idx1-ubyte"
}

# Runs the program with "$@"; expects exit status $expected_status and stderr matching
# $expected_message (an extended regular expression).
expect_failure() {
  local output status
  output="$("$program" "$@" 2>&1 >/dev/null)"
  status=$?
  [[ $status -eq $expected_status ]] ||
    fail "expected exit status $expected_status, got $status; output: $output"
  grep -Eq -- "$expected_message" <<<"$output" ||
    fail "expected a message matching '$expected_message', got: $output"
}

train_one_epoch() {
  make_data "$work/data"
  "$program" --data "$work/data" --out "$work/run" --epochs 1 --batch-size 10 --threads 1 \
    --quality-samples 20 "$@" >"$work/stdout" || fail "a one-epoch run on valid data failed"
}

case "$case_name" in
  help_lists_the_class_flags)
    output="$("$program" --help)" || fail "--help failed"
    for flag in --digit --digit-accuracy --grid-out; do
      grep -q -- "^  $flag " <<<"$output" || fail "--help does not describe $flag"
    done
    grep -q "0 to 9" <<<"$output" || fail "--help does not give the classes 0 to 9" ;;
  bad_digit_values_are_refused)
    expected_status=2
    expected_message="--digit: out of range: expected a whole number from 0 to 9, got -1"
    expect_failure --out "$work/out" --digit -1
    expected_message="--digit: out of range: expected a whole number from 0 to 9, got 10"
    expect_failure --out "$work/out" --digit 10
    expected_message="--digit: expected a whole number, got 'x'"
    expect_failure --out "$work/out" --digit x
    expected_message="--digit: expected a value, got ''"
    expect_failure --out "$work/out" --digit ""
    expected_message="--digit-accuracy: out of range: expected a whole number from 1 to 100000,"
    expected_message+=" got 0"
    expect_failure --out "$work/out" --digit-accuracy 0
    [[ ! -e "$work/out" ]] || fail "a refused run created its output folder" ;;
  sampling_from_a_checkpoint_needs_something_to_do)
    train_one_epoch
    expected_status=2
    expected_message="--epochs 0 with --resume: expected --samples N --samples-out FILE,"
    expected_message+=" --digit-accuracy N or --grid-out FILE"
    expect_failure --epochs 0 --resume "$work/run/checkpoint.gan" --digit 3
    expected_message="--epochs 0: expected --resume FILE"
    expect_failure --epochs 0 --digit-accuracy 5
    expected_status=2 expected_message="--grid-out: expected a file in an existing folder"
    expect_failure --epochs 0 --resume "$work/run/checkpoint.gan" --grid-out "$work/absent/g.png" ;;
  trains_with_labelled_batches_and_measures_quality)
    train_one_epoch
    for file in checkpoint.gan log.csv samples.png samples/epoch-001.png report.html; do
      [[ -s "$work/run/$file" ]] || fail "expected $file in the output folder"
    done
    grep -q "^quality: Frechet distance of 20 generated digits" "$work/stdout" ||
      fail "expected the quality measurement to be set up: $(cat "$work/stdout")" ;;
  digit_accuracy_and_grid_after_training)
    train_one_epoch --digit-accuracy 3 --grid-out "$work/grid.png"
    grep -Eq "^digit accuracy: [01]\.[0-9]{3} of 30 samples classified as the requested digit" \
      "$work/stdout" || fail "expected the overall accuracy line: $(cat "$work/stdout")"
    [[ $(grep -c "^digit [0-9]: " "$work/stdout") -eq 10 ]] ||
      fail "expected one line per digit: $(cat "$work/stdout")"
    [[ -s "$work/grid.png" ]] || fail "expected the --grid-out PNG"
    # The same numbers and grid come from the checkpoint at the same thread count (another
    # count may round the products differently in the last bits).
    "$program" --epochs 0 --resume "$work/run/checkpoint.gan" --digit-accuracy 3 --threads 1 \
      --grid-out "$work/grid-again.png" >"$work/again" || fail "sampling the checkpoint failed"
    diff <(grep "^digit" "$work/stdout") <(grep "^digit" "$work/again") >/dev/null ||
      fail "the checkpoint's accuracy differs from the run's: $(cat "$work/stdout" "$work/again")"
    cmp -s "$work/grid.png" "$work/grid-again.png" || fail "the checkpoint's grid differs" ;;
  any_digit_from_a_checkpoint)
    train_one_epoch
    "$program" --epochs 0 --resume "$work/run/checkpoint.gan" --digit 7 --digit-accuracy 4 \
      --grid-out "$work/sevens.png" --samples 5 --samples-out "$work/sevens.idx" \
      >"$work/sampled" || fail "sampling a digit from the checkpoint failed"
    grep -Eq "^digit 7: [01]\.[0-9]{3} \([0-4]/4\)(; else [0-9] x[1-4](, [0-9] x[1-4]){0,2})?$" \
      "$work/sampled" ||
      fail "expected the accuracy of digit 7 alone: $(cat "$work/sampled")"
    [[ $(grep -c "^digit [0-9]: " "$work/sampled") -eq 1 ]] ||
      fail "expected digit 7 alone: $(cat "$work/sampled")"
    [[ $(stat -c %s "$work/sevens.idx") -eq $((16 + 5 * 784)) ]] ||
      fail "expected an IDX3 file of 5 images"
    # The same request draws the same grid; another digit draws another.
    "$program" --epochs 0 --resume "$work/run/checkpoint.gan" --digit 7 \
      --grid-out "$work/sevens-again.png" >/dev/null || fail "the second grid failed"
    "$program" --epochs 0 --resume "$work/run/checkpoint.gan" --digit 3 \
      --grid-out "$work/threes.png" >/dev/null || fail "the grid of 3s failed"
    cmp -s "$work/sevens.png" "$work/sevens-again.png" || fail "the same request drew another grid"
    ! cmp -s "$work/sevens.png" "$work/threes.png" || fail "digits 3 and 7 drew the same grid" ;;
  *)
    fail "unknown case '$case_name'" ;;
esac
