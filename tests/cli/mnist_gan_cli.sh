#!/usr/bin/env bash
# Command-line tests of the MNIST example programs (mnist_gan, mnist_dcgan): bad flags,
# bad data and bad checkpoints must each give a message naming the flag or file, what was
# expected and what was found, a non-zero exit status, and no partial output; good runs must
# write what --help promises.
#
#   mnist_gan_cli.sh PATH/TO/PROGRAM CASE
#
# Each case runs in a fresh temporary folder with a tiny MNIST-format data set (100 images).
set -uo pipefail

readonly program="$1"
readonly case_name="$2"
work="$(mktemp -d "${TMPDIR:-/tmp}/gan-cli-XXXXXX")"
readonly work
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1  # anything written to a relative path lands here, where cases look

fail() {
  echo "FAIL [$case_name]: $*" >&2
  exit 1
}

# The printf escapes of $1 as a big-endian 32-bit number, the IDX header's byte order.
big_endian_32() {
  printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) \
    $(($1 >> 8 & 255)) $(($1 & 255))
}

# Writes a valid IDX pair of $2 (default 100) images of 28 x 28 and their labels to folder $1.
make_data() {
  local count="${2:-100}"
  mkdir -p "$1"
  # shellcheck disable=SC2059  # the format is the header's bytes, as escapes
  { printf "\x00\x00\x08\x03$(big_endian_32 "$count")\x00\x00\x00\x1c\x00\x00\x00\x1c"
    head -c $((count * 784)) /dev/urandom; } >"$1/train-images-idx3-ubyte"
  # shellcheck disable=SC2059  # likewise
  { printf "\x00\x00\x08\x01$(big_endian_32 "$count")"
    head -c "$count" /dev/zero; } >"$1/train-labels-idx1-ubyte"
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

expect_no_output_folder() {
  [[ ! -e "$work/out" ]] || fail "expected no output folder after a refused run, got: $(ls -R "$work/out")"
}

# Sets the text entry $2 of checkpoint $1 to $3 and recomputes the checksum, as a crafted or
# damaged-then-"repaired" file would have it; the layout is in include/gan/io/checkpoint.hpp.
rewrite_entry() {
  python3 - "$@" <<'PYTHON' || fail "could not rewrite $2 in $1"
import struct, sys, zlib
path, key, value = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
data = open(path, "rb").read()[:-4]
count = struct.unpack_from("<I", data, 12)[0]
out, at = bytearray(data[:16]), 16
for _ in range(count):
    key_size = struct.unpack_from("<I", data, at)[0]
    name = data[at + 4:at + 4 + key_size]
    kind = data[at + 4 + key_size]
    size = struct.unpack_from("<Q", data, at + 5 + key_size)[0]
    payload = data[at + 13 + key_size:at + 13 + key_size + size]
    if name == key:
        payload = value
    out += struct.pack("<I", key_size) + name + bytes([kind]) + struct.pack("<Q", len(payload))
    out += payload
    at += 13 + key_size + size
open(path, "wb").write(out + struct.pack("<I", zlib.crc32(out)))
PYTHON
}

train_one_epoch() {
  make_data "$work/data"
  "$program" --data "$work/data" --out "$work/run" --epochs 1 --batch-size 10 --threads 1 \
    >/dev/null || fail "a one-epoch run on valid data failed"
}

# A training of 50 epochs of 100 steps (tens of seconds), for the cases that stop it.
long_run=(--data "$work/data" --out "$work/run" --epochs 50 --batch-size 10 --threads 1
  --log-every 10)

# Starts the long training in the background and waits until its first epoch is done; the
# process id is in $pid. env gives SIGINT its default action back: a script's background jobs
# start with it ignored, and the program leaves a signal ignored at its start ignored.
start_long_training() {
  make_data "$work/data" 1000
  env --default-signal=INT,TERM "$program" "${long_run[@]}" >"$work/stdout" 2>"$work/stderr" &
  pid=$!
  for _ in $(seq 600); do
    grep -qs "^epoch 1/50 done" "$work/stdout" && return
    kill -0 "$pid" 2>/dev/null || fail "the training ended early: $(cat "$work/stderr")"
    sleep 0.05
  done
  kill -KILL "$pid"
  fail "the training did not finish its first epoch in 30 seconds"
}

# Sends signal $1 to the long training and expects it to stop with status $2, saying so and
# how to continue, with no temporary file left; then resumes the checkpoint to the end of the
# epoch it stopped in and expects what a run that was never stopped writes.
expect_stopped_cleanly() {
  local status epoch
  kill -"$1" "$pid"
  wait "$pid"
  status=$?
  [[ $status -eq $2 ]] ||
    fail "expected exit status $2 after SIG$1, got $status: $(cat "$work/stderr")"
  grep -Eq "^$(basename "$program"): interrupted by SIG$1 after step [0-9]+, in epoch [0-9]+/50; \
$work/run/checkpoint.gan holds every step so far\$" "$work/stderr" ||
    fail "expected a line saying where the run stopped, got: $(cat "$work/stderr")"
  grep -qxF "To continue: $program ${long_run[*]} --resume $work/run/checkpoint.gan" \
    "$work/stderr" || fail "expected the command that continues the run, got: $(cat "$work/stderr")"
  if compgen -G "$work/run/*.partial-*" >/dev/null; then
    fail "a temporary file was left behind: $(ls "$work/run")"
  fi
  epoch=$(sed -n 's|.* in epoch \([0-9]*\)/50; .*|\1|p' "$work/stderr")
  "$program" --data "$work/data" --out "$work/run" --epochs "$epoch" --threads 1 \
    --resume "$work/run/checkpoint.gan" >/dev/null || fail "resuming the stopped run failed"
  "$program" --data "$work/data" --out "$work/whole" --epochs "$epoch" --batch-size 10 \
    --threads 1 >/dev/null || fail "the run of $epoch epochs failed"
  cmp -s "$work/run/checkpoint.gan" "$work/whole/checkpoint.gan" ||
    fail "the stopped and resumed run differs from one that was never stopped"
}

case "$case_name" in
  batch_size_zero)
    expected_status=2
    expected_message="--batch-size: out of range: expected a whole number from 1 to [0-9]+, got 0"
    expect_failure --data "$work/data" --out "$work/out" --batch-size 0
    expect_no_output_folder ;;
  negative_learning_rate)
    expected_status=2 expected_message="--g-lr: expected a positive finite number, got -0.1"
    expect_failure --out "$work/out" --g-lr -0.1
    expect_no_output_folder ;;
  nan_learning_rate)
    expected_status=2 expected_message="--d-lr: expected a positive finite number, got nan"
    expect_failure --out "$work/out" --d-lr nan
    expect_no_output_folder ;;
  unknown_loss)
    expected_status=2
    expected_message="--loss: expected non-saturating, minimax or least-squares, got 'wasserstein'"
    expect_failure --out "$work/out" --loss wasserstein
    expect_no_output_folder ;;
  unknown_flag)
    expected_status=2 expected_message="unknown option '--bacth-size'"
    expect_failure --out "$work/out" --bacth-size 64
    expect_no_output_folder ;;
  class_flags_are_mnist_cgans_only)
    expected_status=2 expected_message="unknown option '--digit'"
    expect_failure --out "$work/out" --digit 7
    expected_message="unknown option '--grid-out'"
    expect_failure --out "$work/out" --grid-out "$work/grid.png"
    expect_no_output_folder ;;
  empty_output_folder)
    expected_status=2 expected_message="--out: expected a value, got ''"
    expect_failure --out "" --epochs 1
    [[ ! -e samples && ! -e checkpoint.gan ]] || fail "output was written to the current folder" ;;
  samples_without_file)
    expected_status=2 expected_message="--samples and --samples-out: expected both or neither"
    expect_failure --out "$work/out" --samples 5
    expect_no_output_folder ;;
  missing_data_folder)
    expected_status=1 expected_message="$work/absent.*scripts/fetch-mnist"
    expect_failure --data "$work/absent" --out "$work/out" --epochs 1
    expect_no_output_folder ;;
  html_saved_as_data)
    make_data "$work/data"
    printf '<!DOCTYPE html><html><body>Not Found</body></html>\n' \
      >"$work/data/train-images-idx3-ubyte"
    expected_status=1 expected_message="HTML.*train-images-idx3-ubyte"
    expect_failure --data "$work/data" --out "$work/out" --epochs 1
    expect_no_output_folder ;;
  image_and_label_counts_differ)
    make_data "$work/data"
    { printf '\x00\x00\x08\x01\x00\x00\x00\x63'; head -c 99 /dev/zero; } \
      >"$work/data/train-labels-idx1-ubyte"
    expected_status=1 expected_message="100.*99|99.*100"
    expect_failure --data "$work/data" --out "$work/out" --epochs 1
    expect_no_output_folder ;;
  trains_and_writes_its_outputs)
    train_one_epoch
    for file in checkpoint.gan log.csv samples.png samples/epoch-001.png report.html; do
      [[ -s "$work/run/$file" ]] || fail "expected $file in the output folder"
    done
    [[ $(wc -l <"$work/run/log.csv") -eq 11 ]] || fail "expected a header and 10 rows in log.csv"
    if compgen -G "$work/run/*partial*" >/dev/null; then fail "a temporary file was left behind"; fi ;;
  corrupt_checkpoint_is_refused_and_kept)
    train_one_epoch
    cp "$work/run/checkpoint.gan" "$work/bad.gan"
    printf '\xff' | dd of="$work/bad.gan" bs=1 seek=100 conv=notrunc status=none
    cp "$work/bad.gan" "$work/bad-before.gan"
    expected_status=1 expected_message="bad.gan.*checksum"
    expect_failure --data "$work/data" --out "$work/out" --epochs 2 --resume "$work/bad.gan"
    cmp -s "$work/bad.gan" "$work/bad-before.gan" || fail "the refused checkpoint was changed"
    expect_no_output_folder ;;
  samples_over_the_checkpoint_are_refused)
    train_one_epoch
    cp "$work/run/checkpoint.gan" "$work/before.gan"
    expected_status=2 expected_message="--samples-out: expected a file of its own.*checkpoint.gan"
    expect_failure --data "$work/data" --out "$work/run" --epochs 0 \
      --resume "$work/run/checkpoint.gan" --samples 3 --samples-out "$work/run/checkpoint.gan"
    cmp -s "$work/run/checkpoint.gan" "$work/before.gan" || fail "the checkpoint was changed"
    expected_message="--samples-out: expected a file of its own.*train-images-idx3-ubyte"
    expect_failure --data "$work/data" --out "$work/run" --epochs 0 \
      --resume "$work/run/checkpoint.gan" --samples 3 \
      --samples-out "$work/data/../data/train-images-idx3-ubyte" ;;
  resume_into_another_runs_folder_is_refused)
    train_one_epoch
    "$program" --data "$work/data" --out "$work/other" --epochs 1 --batch-size 10 --seed 9 \
      --threads 1 >/dev/null || fail "the second run failed"
    cp "$work/other/checkpoint.gan" "$work/before.gan"
    expected_status=2
    expected_message="--out: expected the folder of the checkpoint being resumed.*other/checkpoint.gan"
    expect_failure --data "$work/data" --out "$work/other" --epochs 2 \
      --resume "$work/run/checkpoint.gan"
    cmp -s "$work/other/checkpoint.gan" "$work/before.gan" ||
      fail "the other run's checkpoint was changed" ;;
  folder_in_place_of_an_output_file_is_refused)
    make_data "$work/data"
    mkdir -p "$work/out/samples.png"
    expected_status=2
    expected_message="--out: expected '.*samples.png' to be a file or absent, got a folder"
    expect_failure --data "$work/data" --out "$work/out" --epochs 1 --batch-size 10
    [[ ! -e "$work/out/checkpoint.gan" && ! -e "$work/out/log.csv" ]] ||
      fail "a refused run left output behind: $(ls "$work/out")" ;;
  data_file_given_as_checkpoint)
    make_data "$work/data"
    expected_status=1 expected_message="train-images-idx3-ubyte.*signature"
    expect_failure --out "$work/out" --epochs 0 --resume "$work/data/train-images-idx3-ubyte" \
      --samples 5 --samples-out "$work/out/s.idx"
    expect_no_output_folder ;;
  samples_from_a_checkpoint)
    train_one_epoch
    "$program" --epochs 0 --resume "$work/run/checkpoint.gan" --samples 7 \
      --samples-out "$work/samples.idx" >/dev/null || fail "sampling from a checkpoint failed"
    [[ $(stat -c %s "$work/samples.idx") -eq $((16 + 7 * 784)) ]] ||
      fail "expected an IDX3 file of 16 + 7 * 784 bytes"
    [[ $(head -c 16 "$work/samples.idx" | od -An -tx1 | tr -d ' \n') == \
      00000803000000070000001c0000001c ]] || fail "unexpected IDX3 header" ;;
  resumed_run_matches_an_uninterrupted_one)
    make_data "$work/data"
    "$program" --data "$work/data" --out "$work/whole" --epochs 2 --batch-size 10 --threads 1 \
      >/dev/null || fail "the two-epoch run failed"
    "$program" --data "$work/data" --out "$work/split" --epochs 1 --batch-size 10 --threads 1 \
      >/dev/null || fail "the one-epoch run failed"
    "$program" --data "$work/data" --out "$work/split" --epochs 2 --threads 1 \
      --resume "$work/split/checkpoint.gan" >/dev/null || fail "the resumed run failed"
    cmp -s "$work/whole/checkpoint.gan" "$work/split/checkpoint.gan" ||
      fail "the resumed run's checkpoint differs from the uninterrupted run's"
    diff -q <(cut -d, -f1-5 "$work/whole/log.csv") <(cut -d, -f1-5 "$work/split/log.csv") \
      >/dev/null || fail "the resumed run's statistics differ" ;;
  resumed_run_keeps_the_checkpoints_settings)
    # Settings left out on resume come from the checkpoint, so the resumed run continues as
    # the uninterrupted one does; a setting given again replaces the saved one, and says so.
    make_data "$work/data"
    settings=(--k 2 --g-lr 0.001 --d-lr 0.0005 --g-average 0.9)
    "$program" --data "$work/data" --out "$work/whole" --epochs 2 --batch-size 10 --threads 1 \
      "${settings[@]}" >/dev/null || fail "the two-epoch run failed"
    "$program" --data "$work/data" --out "$work/split" --epochs 1 --batch-size 10 --threads 1 \
      "${settings[@]}" >/dev/null || fail "the one-epoch run failed"
    cp "$work/split/checkpoint.gan" "$work/after-one-epoch.gan"
    "$program" --data "$work/data" --out "$work/split" --epochs 2 --threads 1 \
      --resume "$work/split/checkpoint.gan" >/dev/null || fail "the resumed run failed"
    cmp -s "$work/whole/checkpoint.gan" "$work/split/checkpoint.gan" ||
      fail "the resumed run did not continue with the checkpoint's settings"
    mkdir "$work/changed"
    output=$("$program" --data "$work/data" --out "$work/changed" --epochs 2 --threads 1 \
      --resume "$work/after-one-epoch.gan" --g-lr 0.0001) || fail "a resume with --g-lr failed"
    grep -q -- "--g-lr 0.0001 replaces the checkpoint's 0.001" <<<"$output" ||
      fail "a changed --g-lr was not reported: $output" ;;
  default_output_folder_is_named_after_the_program)
    make_data "$work/data"
    "$program" --data "$work/data" --epochs 1 --batch-size 10 --threads 1 >/dev/null ||
      fail "a run without --out failed"
    [[ -f "$work/runs/$(basename "$program")/checkpoint.gan" ]] ||
      fail "expected runs/$(basename "$program")/checkpoint.gan, found: $(find "$work/runs")" ;;
  progress_names_the_epoch_of_its_step)
    make_data "$work/data"
    output="$("$program" --data "$work/data" --out "$work/run" --epochs 2 --batch-size 10 \
      --threads 1 --log-every 10)" || fail "training failed"
    grep -q "^epoch 1/2  step 10  d_loss" <<<"$output" || fail "step 10 not shown in epoch 1: $output"
    grep -q "^epoch 2/2  step 20  d_loss" <<<"$output" || fail "step 20 not shown in epoch 2: $output" ;;
  progress_bar_draws_only_when_asked_or_on_a_terminal)
    make_data "$work/data"
    # Standard output is a pipe here: no bar unless asked for.
    output="$("$program" --data "$work/data" --out "$work/piped" --epochs 1 --batch-size 10 \
      --threads 1 --log-every 5)" || fail "training failed"
    [[ $output != *$'\r'* ]] || fail "expected no bar in a pipe, got: $output"
    output="$("$program" --data "$work/data" --out "$work/asked" --epochs 2 --batch-size 10 \
      --threads 1 --log-every 5 --progress-bar on)" || fail "training with the bar failed"
    grep -q $'\repoch 2/2 \\[##########----------\\]  50%  .* elapsed  ETA ' <<<"$output" ||
      fail "expected the bar at 50% with an ETA, got: $output"
    # Each progress line starts on a line of its own: the bar is erased before it.
    grep -q $'\r\e\\[Kepoch 1/2  step 5  d_loss' <<<"$output" ||
      fail "expected the bar erased before a progress line, got: $output"
    cmp -s <(cut -d, -f1-6 "$work/piped/log.csv") <(head -n 11 "$work/asked/log.csv" | cut -d, -f1-6) ||
      fail "the bar changed the training"
    expected_status=2 expected_message="--progress-bar: expected auto, on or off, got 'sometimes'"
    expect_failure --data "$work/data" --out "$work/out" --progress-bar sometimes
    expect_no_output_folder ;;
  resumed_run_keeps_the_quality_schedule)
    make_data "$work/data"
    "$program" --data "$work/data" --out "$work/run" --epochs 1 --batch-size 10 --threads 1 \
      --quality-every 1 --quality-samples 50 >/dev/null || fail "the first epoch failed"
    # Resumed without the quality flags: the checkpoint's schedule goes on.
    "$program" --data "$work/data" --out "$work/run" --epochs 2 --threads 1 \
      --resume "$work/run/checkpoint.gan" >/dev/null || fail "the resumed epoch failed"
    [[ "$(awk -F, '$8 != "" && NR > 1 {print $1 ":" $9}' "$work/run/log.csv" | tr '\n' ' ')" == \
      "10:50 20:50 " ]] || fail "expected measurements of 50 samples at steps 10 and 20, got: \
$(awk -F, '$8 != "" && NR > 1' "$work/run/log.csv")"
    grep -q "quality: 50 samples every 1 epochs" "$work/run/report.html" ||
      fail "expected the report to name the checkpoint's quality schedule" ;;
  new_run_over_a_previous_one_is_refused)
    train_one_epoch
    cp "$work/run/checkpoint.gan" "$work/before.gan"
    expected_status=2 expected_message="--out: expected a folder without a previous run.*--resume"
    expect_failure --data "$work/data" --out "$work/run" --epochs 1 --batch-size 10
    cmp -s "$work/run/checkpoint.gan" "$work/before.gan" || fail "the previous checkpoint changed" ;;
  report_covers_a_resumed_run)
    # The resumed run's report rebuilds the curves of steps 1 to 10 from log.csv; its grids
    # start at the resume.
    train_one_epoch
    grep -q "10 steps recorded, up to step 10\." "$work/run/report.html" ||
      fail "expected 10 steps in the first epoch's report.html"
    "$program" --data "$work/data" --out "$work/run" --epochs 2 --threads 1 \
      --resume "$work/run/checkpoint.gan" >/dev/null || fail "the resumed run failed"
    grep -q "20 steps recorded, up to step 20\." "$work/run/report.html" ||
      fail "expected steps 1 to 20 in the resumed run's report.html"
    [[ $(grep -c '<img src="data:image/png;base64,' "$work/run/report.html") -eq 1 ]] ||
      fail "expected the grid of epoch 2 only in the resumed run's report.html" ;;
  resumed_log_has_each_step_once)
    train_one_epoch
    # Rows written after the checkpoint by a run that was then killed.
    printf '11,1,1,0.5,0.5,10,0.1\n12,1,1,0.5,0.5,10,0.1\n' >>"$work/run/log.csv"
    "$program" --data "$work/data" --out "$work/run" --epochs 2 --threads 1 \
      --resume "$work/run/checkpoint.gan" >/dev/null || fail "the resumed run failed"
    [[ "$(cut -d, -f1 "$work/run/log.csv" | tail -n +2 | tr '\n' ' ')" == \
      "$(seq -s ' ' 1 20) " ]] || fail "expected steps 1 to 20 once each in log.csv" ;;
  folder_given_as_checkpoint)
    expected_status=1 expected_message="$work.*is a folder"
    expect_failure --out "$work/out" --epochs 0 --resume "$work" --samples 1 \
      --samples-out "$work/s.idx"
    expect_no_output_folder ;;
  too_many_discriminator_steps)
    expected_status=2
    expected_message="--k: out of range: expected a whole number from 1 to 100, got 1000000000"
    expect_failure --out "$work/out" --k 1000000000
    expect_no_output_folder ;;
  batch_larger_than_the_data)
    make_data "$work/data"
    expected_status=2 expected_message="--batch-size: expected at most the 100 images"
    expect_failure --data "$work/data" --out "$work/out" --batch-size 101
    expect_no_output_folder ;;
  samples_into_a_missing_folder)
    make_data "$work/data"
    expected_status=2 expected_message="--samples-out: expected a file in an existing folder"
    expect_failure --data "$work/data" --out "$work/out" --epochs 1 --samples 3 \
      --samples-out "$work/absent/s.idx"
    expect_no_output_folder ;;
  too_many_threads)
    expected_status=2 expected_message="--threads: out of range: expected .*1024"
    expect_failure --out "$work/out" --threads 100000
    expect_no_output_folder
    expected_message="OMP_NUM_THREADS: out of range: expected a whole number from 1 to 1024, "
    expected_message+="got 100000"
    OMP_NUM_THREADS=100000 expect_failure --out "$work/out" --epochs 1
    expect_no_output_folder
    # Once only OpenMP's warning, and a run on every core with exit status 0.
    for value in 0 -3 abc ,2 "4 x"; do
      expected_message="^mnist_[a-z]+: OMP_NUM_THREADS: .*, got .* "
      expected_message+="\\(from OMP_NUM_THREADS='$value'; "
      OMP_NUM_THREADS="$value" expect_failure --out "$work/out" --epochs 1
    done
    expect_no_output_folder
    # A list sets nested levels; its first count is the one that matters.
    make_data "$work/data"
    OMP_NUM_THREADS="1,1" "$program" --data "$work/data" --out "$work/run" --epochs 1 \
      --batch-size 10 >/dev/null 2>&1 || fail "OMP_NUM_THREADS=1,1 was refused" ;;
  numbers_out_of_range)
    # Numbers too large (or negative) for their flag are out of range, not malformed.
    expected_status=2
    expected_message="--epochs: out of range: expected a whole number from 0 to "
    expected_message+="18446744073709551615, got 99999999999999999999999"
    expect_failure --out "$work/out" --epochs 99999999999999999999999
    expected_message="--k: out of range: expected a whole number from 1 to 100, got -1"
    expect_failure --out "$work/out" --k -1
    expected_message="--threads: out of range: expected a whole number from 1 to 1024, got 9+$"
    expect_failure --out "$work/out" --threads 99999999999
    expected_message="--g-lr: out of range: .*got 1e999"
    expect_failure --out "$work/out" --g-lr 1e999
    expected_message="--k: expected a whole number, got '1e3'"
    expect_failure --out "$work/out" --k 1e3
    expect_no_output_folder ;;
  resume_without_training_or_sampling)
    # Once a silent no-op that exited 0.
    train_one_epoch
    expected_status=2
    expected_message="--epochs 0 with --resume: expected --samples N --samples-out FILE as well"
    expect_failure --data "$work/data" --out "$work/run" --epochs 0 \
      --resume "$work/run/checkpoint.gan" ;;
  more_discriminator_steps_than_batches_in_an_epoch)
    # One generator step would span several epochs: it once printed "epoch 33/1".
    make_data "$work/data"
    expected_status=2
    expected_message="--k: expected at most the 3 batches of one epoch \(100 images in "
    expected_message+="'$work/data/train-images-idx3-ubyte' in batches of 32\), got 4"
    expect_failure --data "$work/data" --out "$work/out" --epochs 1 --batch-size 32 --k 4
    expect_no_output_folder
    "$program" --data "$work/data" --out "$work/run" --epochs 1 --batch-size 32 --k 3 \
      --threads 1 >/dev/null || fail "--k equal to the batches of an epoch was refused" ;;
  failed_run_leaves_the_output_folder_as_it_was)
    # Learning rates this large make step 1 diverge, after the outputs would be created.
    make_data "$work/data"
    diverging=(--data "$work/data" --epochs 1 --batch-size 10 --threads 1 --g-lr 1e30
      --d-lr 1e30)
    expected_status=1 expected_message="training stopped: .*not finite at step 1"
    expect_failure "${diverging[@]}" --out "$work/out/nested"
    expect_no_output_folder
    # What was there before stays; only what the run made goes.
    mkdir -p "$work/kept/samples"
    printf 'mine\n' >"$work/kept/notes.txt"
    printf 'mine\n' >"$work/kept/samples/old.png"
    expect_failure "${diverging[@]}" --out "$work/kept"
    [[ "$(cd "$work/kept" && find . | sort | tr '\n' ' ')" == \
      ". ./notes.txt ./samples ./samples/old.png " ]] ||
      fail "the failed run changed its output folder: $(find "$work/kept")" ;;
  interrupted_run_stops_cleanly_and_resumes)
    start_long_training
    expect_stopped_cleanly INT 130 ;;
  terminated_run_stops_cleanly_and_resumes)
    start_long_training
    expect_stopped_cleanly TERM 143 ;;
  data_given_as_a_file)
    # A file is not a folder to fetch the digits into: a command-line error, with no advice
    # to run scripts/fetch-mnist.
    printf 'notes\n' >"$work/notes.txt"
    expected_status=2
    expected_message="--data: expected a folder holding train-images-idx3-ubyte and "
    expected_message+="train-labels-idx1-ubyte, got '$work/notes.txt', which is a regular file"
    expect_failure --data "$work/notes.txt" --out "$work/out" --epochs 1
    if "$program" --data "$work/notes.txt" --out "$work/out" 2>&1 | grep -q fetch-mnist; then
      fail "a file given as --data was answered with advice to fetch MNIST into it"
    fi
    expect_no_output_folder ;;
  data_file_that_is_not_a_regular_file)
    make_data "$work/data"
    rm "$work/data/train-images-idx3-ubyte"
    mkdir "$work/data/train-images-idx3-ubyte"
    expected_status=1
    expected_message="'$work/data/train-images-idx3-ubyte' to be a regular file, got a folder"
    expect_failure --data "$work/data" --out "$work/out" --epochs 1
    rmdir "$work/data/train-images-idx3-ubyte"
    make_data "$work/data"
    rm "$work/data/train-labels-idx1-ubyte"
    mkfifo "$work/data/train-labels-idx1-ubyte"
    expected_message="'$work/data/train-labels-idx1-ubyte' to be a regular file, got a FIFO"
    expect_failure --data "$work/data" --out "$work/out" --epochs 1
    expect_no_output_folder ;;
  data_smaller_than_a_batch)
    # With the default batch, the data is what is short, not the command line.
    make_data "$work/data" 10
    expected_status=1
    expected_message="expected at least one batch of 64 images, found 10 in "
    expected_message+="'$work/data/train-images-idx3-ubyte'"
    expect_failure --data "$work/data" --out "$work/out" --epochs 1
    expect_no_output_folder ;;
  raw_and_compressed_data_says_which_is_read)
    make_data "$work/data"
    gzip -k "$work/data/train-images-idx3-ubyte"
    output="$("$program" --data "$work/data" --out "$work/run" --epochs 1 --batch-size 10 \
      --threads 1)" || fail "a run on raw and compressed data failed"
    grep -q "^loaded 100 images from $work/data/train-images-idx3-ubyte and " <<<"$output" ||
      fail "the files read were not named: $output"
    grep -q "^note: $work/data/train-images-idx3-ubyte.gz is there too, and is not read" \
      <<<"$output" || fail "the unread .gz was not mentioned: $output" ;;
  samples_into_a_folder)
    make_data "$work/data"
    mkdir "$work/folder"
    expected_status=2 expected_message="--samples-out: expected a file, got .*which is a folder"
    expect_failure --data "$work/data" --out "$work/out" --epochs 1 --samples 3 \
      --samples-out "$work/folder"
    expect_no_output_folder ;;
  checkpoint_settings_out_of_range_are_refused)
    # A checkpoint with a valid checksum but a value no run writes: once a SIGFPE (batch size
    # 0), a message blaming --k for a value the command line never gave, and no data check.
    train_one_epoch
    expected_status=1
    for entry in batch_size=0 k=0 k=100000 g_lr=-1 d_lr=nan g_average=1 data.count=0 \
      position.batch=99 seed=x; do
      cp "$work/run/checkpoint.gan" "$work/bad.gan"
      rewrite_entry "$work/bad.gan" "metadata.${entry%%=*}" "${entry#*=}"
      expected_message="checkpoint '$work/bad.gan': expected .* under metadata "
      expected_message+="'${entry%%=*}', got '${entry#*=}'"
      expect_failure --data "$work/data" --out "$work/out" --epochs 3 --resume "$work/bad.gan"
      expect_no_output_folder
    done
    cp "$work/run/checkpoint.gan" "$work/bad.gan"
    rewrite_entry "$work/bad.gan" metadata.k 20
    expected_message="checkpoint '$work/bad.gan': expected at most the 10 batches of one epoch "
    expected_message+=".* under metadata 'k', got '20'"
    expect_failure --data "$work/data" --out "$work/out" --epochs 3 --resume "$work/bad.gan"
    expect_no_output_folder ;;
  resumed_log_is_never_spliced_onto_another)
    # A log.csv left by a run killed before its first checkpoint once got the resumed rows
    # appended to its own: steps 1, 2, 3, then 11 to 20.
    train_one_epoch
    mkdir "$work/other"
    head -n 4 "$work/run/log.csv" >"$work/other/log.csv"
    cp "$work/other/log.csv" "$work/short.csv"
    expected_status=2
    expected_message="--out: expected a log.csv that the checkpoint being resumed continues "
    expected_message+=".*got '$work/other/log.csv'.*start a new log at step 11"
    expect_failure --data "$work/data" --out "$work/other" --epochs 2 \
      --resume "$work/run/checkpoint.gan"
    cmp -s "$work/other/log.csv" "$work/short.csv" || fail "the refused log was changed"
    # The checkpoint's own folder, with a log that ends before the checkpoint.
    cp "$work/short.csv" "$work/run/log.csv"
    expected_message="--out: expected a log.csv .*got '$work/run/log.csv'"
    expect_failure --data "$work/data" --out "$work/run" --epochs 2 \
      --resume "$work/run/checkpoint.gan"
    # Without a log, the resumed run starts one at the step after its checkpoint.
    rm "$work/other/log.csv"
    "$program" --data "$work/data" --out "$work/other" --epochs 2 --threads 1 \
      --resume "$work/run/checkpoint.gan" >/dev/null || fail "resuming into a new folder failed"
    [[ "$(cut -d, -f1 "$work/other/log.csv" | tail -n +2 | tr '\n' ' ')" == \
      "$(seq -s ' ' 11 20) " ]] || fail "expected steps 11 to 20 in the new log" ;;
  unwritable_outputs_are_refused_before_training)
    # Both were once found only after training: --samples-out after the whole run, and the
    # samples/ folder after the first epoch's checkpoint. /proc takes no new files, even as root.
    make_data "$work/data"
    expected_status=2
    expected_message="--samples-out: expected a file that can be written, got '/proc/s.idx', "
    expected_message+="beside which creating a file failed: [A-Z]"
    expect_failure --data "$work/data" --out "$work/out" --epochs 1 --batch-size 10 \
      --samples 3 --samples-out /proc/s.idx
    expect_no_output_folder
    mkdir "$work/out"
    ln -s /proc "$work/out/samples"
    expected_status=1
    expected_message="--out: expected a folder this run can write to, got '$work/out/samples', "
    expected_message+="where creating a file failed: [A-Z]"
    expect_failure --data "$work/data" --out "$work/out" --epochs 1 --batch-size 10
    [[ "$(ls "$work/out")" == samples ]] || fail "the refused run wrote: $(ls "$work/out")" ;;
  log_that_cannot_be_written_says_why)
    # Once only "could not open 'w2/log.csv' for writing", with no reason.
    make_data "$work/data"
    mkdir "$work/out"
    ln -s /proc/absent/log.csv "$work/out/log.csv"
    expected_status=1
    expected_message="--out: expected a log file that can be written, got '$work/out/log.csv', "
    expected_message+="which could not be opened: No such file or directory"
    expect_failure --data "$work/data" --out "$work/out" --epochs 1 --batch-size 10
    # Opened, but every write fails (EIO), found when the first checkpoint flushes the log.
    ln -sf /proc/version "$work/out/log.csv"
    expected_message="--out: expected the log '$work/out/log.csv' to take its rows, got a "
    expected_message+="failed write: Input/output error"
    expect_failure --data "$work/data" --out "$work/out" --epochs 1 --batch-size 10
    [[ ! -e "$work/out/checkpoint.gan" ]] || fail "a checkpoint was written without its log" ;;
  flags_that_contradict_the_checkpoint_are_command_line_errors)
    # --loss once exited 1 where --seed and --batch-size exited 2.
    train_one_epoch
    expected_status=2
    for flag in "--loss minimax" "--seed 9" "--batch-size 20"; do
      expected_message="^$(basename "$program"): ${flag% *}: the checkpoint was trained with "
      expected_message+=".*, got ${flag#* }; leave the flag out to continue with "
      # shellcheck disable=SC2086  # the flag and its value are two words
      expect_failure --data "$work/data" --out "$work/run" --epochs 2 \
        --resume "$work/run/checkpoint.gan" $flag
    done
    "$program" --data "$work/data" --out "$work/run" --epochs 2 --threads 1 \
      --resume "$work/run/checkpoint.gan" --loss non-saturating >/dev/null ||
      fail "the checkpoint's own --loss was refused" ;;
  device_this_build_lacks_is_refused)
    expected_status=2 expected_message="--device: expected cpu.*got 'tpu'"
    make_data "$work/data"
    expect_failure --data "$work/data" --out "$work/out" --device tpu
    expect_no_output_folder ;;
  trains_on_the_device)
    # $program is a build whose device part runs on Thrust's OpenMP system (--device omp).
    make_data "$work/data"
    "$program" --data "$work/data" --out "$work/device" --epochs 1 --batch-size 10 \
      --threads 1 --device omp >/dev/null || fail "a one-epoch run on the device failed"
    for file in checkpoint.gan log.csv samples.png samples/epoch-001.png report.html; do
      [[ -s "$work/device/$file" ]] || fail "expected $file in the output folder"
    done
    "$program" --data "$work/data" --out "$work/cpu" --epochs 1 --batch-size 10 \
      --threads 1 --device cpu >/dev/null || fail "the same run on the cpu failed"
    # The first step's statistics agree (later ones drift apart in float, as docs/backends.md
    # explains); columns 2-5 are the losses and the scores.
    paste -d, <(sed -n 2p "$work/device/log.csv") <(sed -n 2p "$work/cpu/log.csv") |
      awk -F, '{ for (i = 2; i <= 5; ++i) { d = $i - $(i + NF / 2); if (d < 0) d = -d
                   if (d > 1e-4) exit 1 } }' ||
      fail "the first step differs between the backends: $(sed -n 2p "$work/device/log.csv")" \
        "against $(sed -n 2p "$work/cpu/log.csv")" ;;
  device_checkpoint_goes_on_on_the_cpu)
    make_data "$work/data"
    "$program" --data "$work/data" --out "$work/run" --epochs 1 --batch-size 10 --threads 1 \
      --device omp >/dev/null || fail "a one-epoch run on the device failed"
    "$program" --data "$work/data" --out "$work/run" --epochs 2 --threads 1 --device cpu \
      --resume "$work/run/checkpoint.gan" >/dev/null || fail "the cpu did not resume it"
    [[ $(wc -l <"$work/run/log.csv") -eq 21 ]] || fail "expected a header and 20 rows"
    "$program" --data "$work/data" --out "$work/run" --epochs 3 --threads 1 --device omp \
      --resume "$work/run/checkpoint.gan" >/dev/null || fail "the device did not resume it"
    [[ $(wc -l <"$work/run/log.csv") -eq 31 ]] || fail "expected a header and 30 rows" ;;
  failure_after_a_checkpoint_says_it_was_kept)
    # A grid that cannot be written (a folder holds its name) fails after the epoch's
    # checkpoint: the message must say that the checkpoint holds the run and how to go on.
    make_data "$work/data"
    mkdir -p "$work/out/samples/epoch-001.png/taken"
    expected_status=1
    expected_message="The checkpoint $work/out/checkpoint.gan holds every step so far and was "
    expected_message+="kept: continue with --resume $work/out/checkpoint.gan, or sample from it"
    expect_failure --data "$work/data" --out "$work/out" --epochs 1 --batch-size 10 --threads 1
    [[ -s "$work/out/checkpoint.gan" ]] || fail "the checkpoint was not kept" ;;
  *)
    fail "unknown case" ;;
esac
exit 0
