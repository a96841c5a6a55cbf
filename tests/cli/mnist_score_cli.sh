#!/usr/bin/env bash
# Command-line tests of mnist_score: it scores an IDX3 file or a PNG grid against a folder of
# real digits and prints one JSON line with the count; a bad flag, a file of another kind, a
# grid that is not one, or a classifier file that is not one is refused with a message naming
# it, and nothing is printed on standard output.
#
#   mnist_score_cli.sh PATH/TO/mnist_score CASE
#
# Each case runs in a fresh temporary folder with a small synthetic MNIST-format folder; the
# classifier is the program's default, the committed weights.
set -uo pipefail

readonly program="$1"
readonly case_name="$2"
work="$(mktemp -d "${TMPDIR:-/tmp}/gan-score-cli-XXXXXX")"
readonly work
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

fail() {
  echo "FAIL [$case_name]: $*" >&2
  exit 1
}

# Writes an IDX pair of $2 random 28 x 28 images (and labels) to folder $1, and a PNG grid
# of $3 of those images as write_image_grid lays it out (28-pixel tiles, 2-pixel borders, 10
# per row) to $1/grid.png.
make_files() {
  python3 - "$1" "$2" "$3" <<'PYTHON' || fail "could not write the test files"
import os, random, struct, sys, zlib
folder, count, tiles = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(folder, exist_ok=True)
rng = random.Random(3)
images = [bytes(rng.randrange(256) for _ in range(784)) for _ in range(count)]
with open(os.path.join(folder, "train-images-idx3-ubyte"), "wb") as f:
    f.write(struct.pack(">IIII", 0x803, count, 28, 28) + b"".join(images))
with open(os.path.join(folder, "train-labels-idx1-ubyte"), "wb") as f:
    f.write(struct.pack(">II", 0x801, count) + bytes(i % 10 for i in range(count)))
columns = min(10, tiles)
rows = (tiles + columns - 1) // columns
width, height = columns * 30 + 2, rows * 30 + 2
pixels = bytearray(width * height)
for t in range(tiles):
    left, top = 2 + (t % columns) * 30, 2 + (t // columns) * 30
    for y in range(28):
        pixels[(top + y) * width + left:(top + y) * width + left + 28] = images[t][y * 28:y * 28 + 28]
raw = b"".join(b"\0" + bytes(pixels[y * width:(y + 1) * width]) for y in range(height))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
with open(os.path.join(folder, "grid.png"), "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PYTHON
}

# Runs the program with "$@"; expects exit status $1, stderr matching $2 (an extended regular
# expression) and nothing on standard output.
expect_failure() {
  local status_wanted="$1" message_wanted="$2"
  shift 2
  local status
  "$program" "$@" >"$work/stdout" 2>"$work/stderr"
  status=$?
  [[ $status -eq $status_wanted ]] ||
    fail "expected exit status $status_wanted, got $status; stderr: $(cat "$work/stderr")"
  grep -Eq -- "$message_wanted" "$work/stderr" ||
    fail "expected a message matching '$message_wanted', got: $(cat "$work/stderr")"
  [[ ! -s "$work/stdout" ]] || fail "expected nothing on standard output, got: $(cat "$work/stdout")"
}

# Reads field $2 of the JSON line in file $1 (python3's json, so the line must be valid JSON).
json_field() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2" ||
    fail "expected a JSON line, got: $(cat "$1")"
}

case "$case_name" in
  scores_idx_and_png_grids_with_their_counts)
    make_files "$work/data" 60 23
    "$program" --images "$work/data/train-images-idx3-ubyte" --data "$work/data" --threads 1 \
      >"$work/idx.json" || fail "scoring the IDX file failed"
    [[ $(wc -l <"$work/idx.json") -eq 1 ]] || fail "expected one line, got: $(cat "$work/idx.json")"
    [[ $(json_field "$work/idx.json" format) == idx ]] || fail "format: $(cat "$work/idx.json")"
    [[ $(json_field "$work/idx.json" count) == 60 ]] || fail "count: $(cat "$work/idx.json")"
    [[ $(json_field "$work/idx.json" reference_count) == 60 ]] || fail "$(cat "$work/idx.json")"
    # The reference itself scores 0, up to rounding.
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(abs(d["frechet_distance"]) > 1e-3)' \
      "$work/idx.json" || fail "expected a distance of 0 for the reference itself: $(cat "$work/idx.json")"
    # 23 tiles in rows of 10: the 7 black slots that end the last row are not images.
    "$program" --images "$work/data/grid.png" --data "$work/data" --threads 1 \
      >"$work/png.json" || fail "scoring the PNG grid failed"
    [[ $(json_field "$work/png.json" format) == "png grid" ]] || fail "$(cat "$work/png.json")"
    [[ $(json_field "$work/png.json" count) == 23 ]] || fail "count: $(cat "$work/png.json")"
    [[ $(json_field "$work/png.json" file) == "$work/data/grid.png" ]] || fail "$(cat "$work/png.json")" ;;
  bad_command_lines_are_refused)
    make_files "$work/data" 20 4
    expect_failure 2 "--images: expected the file to score, got none" --data "$work/data"
    expect_failure 2 "unknown|--frobnicate" --images "$work/data/grid.png" --frobnicate 1
    expect_failure 2 "--threads" --images "$work/data/grid.png" --threads 0 ;;
  files_that_are_not_images_are_refused_by_name)
    make_files "$work/data" 20 4
    expect_failure 1 "--images: expected a file of images, got '$work/absent', which is nothing" \
      --images "$work/absent" --data "$work/data"
    expect_failure 1 "'$work/data'.* a folder" --images "$work/data" --data "$work/data"
    # Labels are IDX too, but one-dimensional.
    expect_failure 1 "'$work/data/train-labels-idx1-ubyte': expected IDX images of N x 28 x 28" \
      --images "$work/data/train-labels-idx1-ubyte" --data "$work/data"
    printf '<html>not images</html>' >"$work/page.html"
    expect_failure 1 "$work/page.html" --images "$work/page.html" --data "$work/data"
    # A PNG that is not a grid of 28x28 tiles: 50 x 50 pixels.
    python3 -c '
import struct, sys, zlib
def chunk(k, d): return struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d))
raw = b"".join(b"\0" + bytes(50) for _ in range(50))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 50, 50, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))' \
      "$work/odd.png"
    expect_failure 1 "$work/odd.png" --images "$work/odd.png" --data "$work/data"
    # One image cannot have a covariance.
    make_files "$work/one" 20 1
    expect_failure 1 "expected at least 2 images to score, got 1" --images "$work/one/grid.png" \
      --data "$work/data" ;;
  a_classifier_file_that_is_not_one_is_refused)
    make_files "$work/data" 20 4
    expect_failure 1 "$work/data/grid.png" --images "$work/data/grid.png" --data "$work/data" \
      --classifier "$work/data/grid.png"
    expect_failure 1 "$work/absent.gan" --images "$work/data/grid.png" --data "$work/data" \
      --classifier "$work/absent.gan" ;;
  missing_real_digits_are_refused)
    make_files "$work/data" 20 4
    expect_failure 1 "$work/nowhere" --images "$work/data/grid.png" --data "$work/nowhere" ;;
  *)
    fail "unknown case" ;;
esac
exit 0
