// SPDX-License-Identifier: MIT
// Tests of gan/data/idx.hpp: reading raw and gzip IDX files, refusing every kind of bad file.
#define BOOST_TEST_MODULE data_idx
#include <boost/test/unit_test.hpp>

#include <gan/data/idx.hpp>

#include "support/expected_errors.hpp"
#include "support/temporary_files.hpp"

#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using gan::data::IdxArray;
using gan::data::read_idx;
using gan::data::write_idx;
using Bytes = std::vector<std::uint8_t>;
using namespace gan::test_support;

/// An IDX header for unsigned bytes with the given sizes, followed by `values`.
Bytes idx_bytes(const std::vector<std::uint32_t>& dims, const Bytes& values) {
  Bytes bytes{0, 0, 0x08, static_cast<std::uint8_t>(dims.size())};
  for (const std::uint32_t dim : dims)
    for (const int shift : {24, 16, 8, 0}) bytes.push_back(static_cast<std::uint8_t>(dim >> shift));
  bytes.insert(bytes.end(), values.begin(), values.end());
  return bytes;
}

Bytes counting(std::size_t size) {
  Bytes values(size);
  std::iota(values.begin(), values.end(), std::uint8_t{0});
  return values;
}

/// The gzip form of `bytes`, as gzip(1) writes it.
Bytes gzip(const Bytes& bytes) {
  z_stream stream{};
  BOOST_REQUIRE(deflateInit2(&stream, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) ==
                Z_OK);
  Bytes out(deflateBound(&stream, bytes.size()) + 64);
  stream.next_in = const_cast<Bytes::value_type*>(bytes.data());
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  BOOST_REQUIRE(deflate(&stream, Z_FINISH) == Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

Bytes concat(const Bytes& a, const Bytes& b) {
  Bytes out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

/// Checks that reading the file made of `bytes` fails with a DataError naming the file and
/// holding every fragment.
void check_refused(const Bytes& bytes, std::initializer_list<std::string> fragments) {
  const TemporaryDirectory dir;
  const fs::path path = write_bytes(dir.path() / "train-images-idx3-ubyte", bytes);
  check_throws<gan::DataError>([&] { read_idx(path); }, fragments);
  check_throws<gan::DataError>([&] { read_idx(path); }, {path.string(), "data::read_idx"});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idx_reading)

BOOST_AUTO_TEST_CASE(write_then_read_gives_the_same_array) {
  const TemporaryDirectory dir;
  const Bytes values = counting(3 * 2 * 4);
  write_idx(dir.path() / "a.idx", {3, 2, 4}, values);
  const IdxArray array = read_idx(dir.path() / "a.idx");
  BOOST_TEST(array.dims == (std::vector<std::uint32_t>{3, 2, 4}), boost::test_tools::per_element());
  BOOST_TEST(array.values == values, boost::test_tools::per_element());
  BOOST_TEST(fs::file_size(dir.path() / "a.idx") == 16u + values.size());
}

BOOST_AUTO_TEST_CASE(gzip_and_raw_files_give_equal_arrays) {
  const TemporaryDirectory dir;
  const Bytes raw = idx_bytes({50, 7, 9}, counting(50 * 7 * 9));
  // Detection is by content: a gzip file without ".gz" and a raw one with it both work.
  const IdxArray from_raw = read_idx(write_bytes(dir.path() / "raw.gz", raw));
  const IdxArray from_gzip = read_idx(write_bytes(dir.path() / "compressed", gzip(raw)));
  BOOST_TEST(from_raw.dims == from_gzip.dims, boost::test_tools::per_element());
  BOOST_TEST(from_raw.values == from_gzip.values, boost::test_tools::per_element());
  BOOST_TEST(from_raw.values == counting(50 * 7 * 9), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(concatenated_gzip_members_are_read_as_one_stream) {
  const TemporaryDirectory dir;
  const Bytes raw = idx_bytes({4, 100}, counting(400));
  const Bytes head(raw.begin(), raw.begin() + 150);
  const Bytes tail(raw.begin() + 150, raw.end());
  const IdxArray array =
      read_idx(write_bytes(dir.path() / "two-members", concat(gzip(head), gzip(tail))));
  BOOST_TEST(array.values == counting(400), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_array_with_a_zero_size_has_no_values) {
  const TemporaryDirectory dir;
  const IdxArray array =
      read_idx(write_bytes(dir.path() / "empty-array", idx_bytes({0, 28, 28}, {})));
  BOOST_TEST(array.dims.size() == 3u);
  BOOST_TEST(array.values.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(idx_refusals)

BOOST_AUTO_TEST_CASE(a_missing_file_is_named) {
  const TemporaryDirectory dir;
  const fs::path path = dir.path() / "train-images-idx3-ubyte";
  check_throws<gan::DataError>([&] { read_idx(path); }, {path.string(), "no such file"});
}

BOOST_AUTO_TEST_CASE(a_directory_is_refused) {
  const TemporaryDirectory dir;
  check_throws<gan::DataError>([&] { read_idx(dir.path()); }, {dir.path().string(), "a directory"});
}

BOOST_AUTO_TEST_CASE(an_empty_file_is_refused) { check_refused({}, {"an empty file"}); }

BOOST_AUTO_TEST_CASE(a_file_shorter_than_the_magic_is_refused) {
  check_refused({0, 0}, {"4 header bytes", "only 2 bytes"});
}

BOOST_AUTO_TEST_CASE(an_html_page_is_recognised_as_text) {
  const std::string page = "<!DOCTYPE html>\n<html><body>404 Not Found</body></html>\n";
  check_refused(Bytes(page.begin(), page.end()), {"text/HTML", "<!DOCTYPE html>", "00 00 08"});
}

BOOST_AUTO_TEST_CASE(a_byte_swapped_header_is_recognised) {
  // The magic 0x00000803 written little-endian, as a careless writer would.
  check_refused({3, 8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 42},
                {"03 08 00 00", "little-endian", "byte-swapped"});
}

BOOST_AUTO_TEST_CASE(a_foreign_magic_is_shown_in_hex) {
  check_refused({0, 1, 8, 3, 0, 0, 0, 0}, {"00 00 08 <ndims>", "got 00 01 08 03"});
}

BOOST_AUTO_TEST_CASE(an_unsupported_element_type_is_named) {
  check_refused({0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0},
                {"0x08 (unsigned byte)", "0x0d", "32-bit float"});
}

BOOST_AUTO_TEST_CASE(zero_dimensions_are_refused) {
  check_refused({0, 0, 8, 0}, {"at least 1 dimension", "0 dimensions"});
}

BOOST_AUTO_TEST_CASE(a_header_cut_inside_its_sizes_is_refused) {
  check_refused({0, 0, 8, 3, 0, 0, 0, 2, 0, 0}, {"16 header bytes", "only 10 bytes"});
}

BOOST_AUTO_TEST_CASE(a_raw_file_shorter_than_its_header_promises_is_refused) {
  // 10 x 28 x 28 promises 7840 data bytes after 16 header bytes; only 100 follow.
  check_refused(idx_bytes({10, 28, 28}, counting(100)),
                {"expected 7856 bytes", "10 x 28 x 28", "got 116 bytes", "truncated"});
}

BOOST_AUTO_TEST_CASE(a_raw_file_with_trailing_bytes_is_refused) {
  check_refused(idx_bytes({2, 3}, counting(9)), {"expected 18 bytes", "got 21 bytes", "trailing"});
}

BOOST_AUTO_TEST_CASE(a_lying_header_is_refused_before_allocating) {
  // 65535 x 65535 x 16 is 64 GiB; the check against the file size must come first.
  check_refused(idx_bytes({65535, 65535, 16}, counting(10)),
                {"expected 68717379616 bytes", "got 26 bytes"});
  check_refused(gzip(idx_bytes({65535, 65535, 16}, counting(10))),
                {"68717379616 decompressed bytes", "holds only 26"});
}

BOOST_AUTO_TEST_CASE(sizes_whose_product_overflows_are_refused) {
  check_refused(idx_bytes({0xffffffff, 0xffffffff, 0xffffffff}, {}), {"4294967295", "overflow"});
}

BOOST_AUTO_TEST_CASE(a_gzip_stream_shorter_than_the_header_promises_is_refused) {
  check_refused(gzip(idx_bytes({10, 10}, counting(60))),
                {"expected 112 decompressed bytes", "10 x 10", "holds only 72"});
}

BOOST_AUTO_TEST_CASE(a_gzip_stream_with_trailing_bytes_is_refused) {
  check_refused(gzip(idx_bytes({5}, counting(8))),
                {"expected 13 decompressed bytes", "got 16 decompressed bytes", "trailing"});
}

BOOST_AUTO_TEST_CASE(a_truncated_gzip_stream_is_refused) {
  const Bytes whole = gzip(idx_bytes({40, 40}, counting(1600)));
  check_refused(Bytes(whole.begin(), whole.begin() + static_cast<long>(whole.size() / 2)),
                {"complete gzip stream", "truncated"});
  // Cut inside the trailer: all the data is there, but the checksum is not.
  check_refused(Bytes(whole.begin(), whole.end() - 3), {"complete gzip stream", "truncated"});
}

BOOST_AUTO_TEST_CASE(a_corrupt_gzip_stream_is_refused) {
  Bytes bad_checksum = gzip(idx_bytes({40, 40}, counting(1600)));
  bad_checksum[bad_checksum.size() - 8] ^= 0xff;  // the CRC-32 of the data
  check_refused(bad_checksum, {"valid gzip stream", "corrupt", "incorrect data check"});

  Bytes bad_block = gzip(idx_bytes({40, 40}, counting(1600)));
  bad_block[10] = 0xff;  // the first deflate block header: type 3 does not exist
  check_refused(bad_block, {"valid gzip stream", "corrupt"});
}

BOOST_AUTO_TEST_CASE(bytes_after_a_gzip_stream_are_refused) {
  const Bytes text{'J', 'U', 'N', 'K'};
  check_refused(concat(gzip(idx_bytes({4}, counting(4))), text), {"other bytes", "4a 55 4e 4b"});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(idx_writing)

BOOST_AUTO_TEST_CASE(sizes_that_do_not_match_the_values_are_refused) {
  const TemporaryDirectory dir;
  const Bytes values = counting(10);
  check_throws<std::invalid_argument>(
      [&] {
        write_idx(dir.path() / "x", {3, 4}, values);
      },
      {"data::write_idx", "10", "3 x 4", "product 12"});
  check_throws<std::invalid_argument>([&] { write_idx(dir.path() / "x", {}, values); },
                                      {"1 to 255 dimensions", "got 0"});
  BOOST_TEST(!fs::exists(dir.path() / "x"));
}

BOOST_AUTO_TEST_CASE(a_failed_write_leaves_no_temporary_file) {
  const TemporaryDirectory dir;
  // A folder where the file should go: the rename over it fails after the data is written.
  const fs::path target = dir.path() / "occupied";
  fs::create_directory(target);
  check_throws<gan::DataError>([&] { write_idx(target, {4}, counting(4)); },
                               {"data::write_idx", target.string(), "rename"});
  BOOST_TEST(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_CASE(writing_replaces_an_existing_file_and_leaves_nothing_else) {
  const TemporaryDirectory dir;
  const fs::path path = write_bytes(dir.path() / "labels", Bytes{1, 2, 3});
  write_idx(path, {2, 2}, counting(4));
  BOOST_TEST(read_idx(path).values == counting(4), boost::test_tools::per_element());
  BOOST_TEST(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
