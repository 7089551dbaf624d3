// Unit and property tests of the W&B writer's pieces, checked against vitals' own reader; the
// Python tests check the same files against wandb's reader.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "vitals/sinks/wandb.hpp"
#include "vitals/sinks/wandb/online.hpp"  // the writer's layers (leveldb log, protobuf, crc32) the checks use

namespace fs = std::filesystem;
using namespace vitals::detail;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("vitals_wandb_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string payload(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + seed * 17 + (i >> 8)) & 0xFF);
  return s;
}

/// Chunk types in file order (skipping trailers), for layout checks.
std::vector<int> chunk_types(std::string_view f) {
  std::vector<int> types;
  std::size_t pos = 7;
  while (pos < f.size()) {
    std::size_t left = log_block_size - pos % log_block_size;
    if (left < 7) {
      pos += left;
      continue;
    }
    const std::size_t len = static_cast<unsigned char>(f[pos + 4]) | static_cast<unsigned char>(f[pos + 5]) << 8;
    types.push_back(static_cast<unsigned char>(f[pos + 6]));
    pos += 7 + len;
  }
  return types;
}

}  // namespace

TEST_CASE("crc32 is zlib's CRC-32", "[wandb]") {
  STATIC_REQUIRE(crc32("123456789") == 0xCBF43926u);
  CHECK(crc32("") == 0u);
  CHECK(crc32("The quick brown fox jumps over the lazy dog") == 0x414FA339u);
  CHECK(crc32_update(crc32("abc"), "def") == crc32("abcdef"));
}

TEST_CASE("protobuf varints, defaults and nested lengths", "[wandb]") {
  std::string out;
  pb_writer w(out);
  w.int64_field(1, 300);
  CHECK(out == std::string("\x08\xAC\x02", 3));
  out.clear();
  w.int64_field(1, 0);
  w.string_field(2, "");
  w.bool_field(3, false);
  CHECK(out.empty());  // proto3 defaults are not written
  w.int32_field(1, -1);
  CHECK(out.size() == 11);  // tag + 10-byte sign-extended varint, as protobuf writes int32 -1
  out.clear();
  const auto tok = w.begin_message(5);
  w.string_field(1, std::string(200, 'x'));
  w.end_message(tok);
  pb_reader r(out);
  auto f = r.next();
  REQUIRE(f);
  CHECK(f->number == 5);
  CHECK(f->type == wire_type::length_delimited);
  CHECK(f->bytes.size() == 203);  // tag(1) + len varint(2) + 200
  pb_reader inner(f->bytes);
  auto g = inner.next();
  REQUIRE(g);
  CHECK(g->bytes == std::string(200, 'x'));
  CHECK_FALSE(r.next());
  out.clear();
  w.end_message(w.begin_message(2));  // an empty, present sub-message
  CHECK(out == std::string("\x12\x00", 2));
}

TEST_CASE("block boundaries: 0, 1, 6, 7, 8 bytes left and records spanning 3 blocks", "[wandb]") {
  for (std::size_t left : {0u, 1u, 6u, 7u, 8u}) {
    std::string file(wandb_log_file_header);
    std::uint64_t off = 7;
    // first record ends exactly `left` bytes before the end of block 0
    const std::size_t first = log_block_size - 7 - 7 - left;
    frame_log_record(file, off, payload(first, 1));
    const std::size_t expect_pad = left < 7 ? left : 0;
    CHECK(file.size() == log_block_size - left + expect_pad);
    frame_log_record(file, off, payload(100, 2));
    CHECK(off == file.size());
    const auto types = chunk_types(file);
    if (left == 7) {
      CHECK(types == std::vector<int>{1, 2, 4});  // an empty FIRST fills the block
    } else if (left == 8) {
      CHECK(types == std::vector<int>{1, 2, 4});  // 1 byte in FIRST
    } else {
      CHECK(types == std::vector<int>{1, 1});
    }
    const auto back = read_leveldb_log(file);
    CHECK(back.clean);
    REQUIRE(back.records.size() == 2);
    CHECK(back.records[0] == payload(first, 1));
    CHECK(back.records[1] == payload(100, 2));
  }
  std::string file(wandb_log_file_header);
  std::uint64_t off = 7;
  frame_log_record(file, off, payload(70000, 3));
  CHECK(chunk_types(file) == std::vector<int>{2, 3, 4});
  CHECK(file.size() > 2 * log_block_size);
  const auto back = read_leveldb_log(file);
  REQUIRE(back.records.size() == 1);
  CHECK(back.records[0] == payload(70000, 3));
}

TEST_CASE("round trip over random record sizes, and every truncation yields a prefix", "[wandb]") {
  std::mt19937 rng(12345);
  const fs::path dir = temp_dir("roundtrip");
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<std::string> written;
    std::vector<std::uint64_t> ends;
    const fs::path file = dir / ("t" + std::to_string(trial) + ".wandb");
    leveldb_log_writer w;
    w.open(file, 1 + rng() % 100000);
    const int n = 1 + static_cast<int>(rng() % 60);
    for (int i = 0; i < n; ++i) {
      std::size_t size;
      switch (rng() % 4) {
        case 0: size = rng() % 8; break;
        case 1: size = rng() % 200; break;
        case 2: size = log_block_size - 14 - rng() % 16; break;
        default: size = rng() % 100000; break;
      }
      written.push_back(payload(size, static_cast<unsigned>(rng())));
      w.append(written.back());
      ends.push_back(w.offset());
    }
    w.close();
    const std::string bytes = slurp(file);
    REQUIRE(bytes.size() == ends.back());
    const auto back = read_leveldb_log(bytes);
    CHECK(back.clean);
    CHECK(back.records == written);
    // Torn tails: cut at a few random points; the reader returns exactly the records that ended
    // before the cut, never garbage.
    for (int cut = 0; cut < 10; ++cut) {
      const std::size_t at = 7 + rng() % (bytes.size() - 6);
      const auto part = read_leveldb_log(std::string_view(bytes).substr(0, at));
      std::size_t complete = 0;
      while (complete < ends.size() && ends[complete] <= at) ++complete;
      REQUIRE(part.records.size() == complete);
      for (std::size_t k = 0; k < complete; ++k) CHECK(part.records[k] == written[k]);
    }
  }
  // A flipped byte is detected, not returned.
  std::string f(wandb_log_file_header);
  std::uint64_t off = 7;
  frame_log_record(f, off, "hello");
  f[7 + 7 + 1] ^= 0x20;
  const auto bad = read_leveldb_log(f);
  CHECK_FALSE(bad.clean);
  CHECK(bad.records.empty());
  fs::remove_all(dir);
}

TEST_CASE("glob matching for define_metric", "[wandb]") {
  CHECK(wandb_glob_match("val/*", "val/loss"));
  CHECK_FALSE(wandb_glob_match("val/*", "train/loss"));
  CHECK(wandb_glob_match("*", "anything"));
  CHECK(wandb_glob_match("fold_*/final_*", "fold_3/final_val_loss"));
  CHECK_FALSE(wandb_glob_match("val/loss", "val/loss2"));
}

TEST_CASE("histogram JSON", "[wandb]") {
  std::vector<double> xs{0, 1, 2, 3, 4};
  const auto h = vitals::wandb_histogram::from_samples(xs, 4);
  CHECK(h.values == std::vector<double>{1, 1, 1, 2});
  CHECK(h.json() == R"({"_type":"histogram","values":[1,1,1,2],"bins":[0,1,2,3,4]})");
  CHECK_THROWS_AS(vitals::wandb_histogram::from_counts({1, 2}, {0, 1}), std::invalid_argument);
}

TEST_CASE("sink writes a run that our reader decodes in order; disabled writes nothing", "[wandb]") {
  const fs::path dir = temp_dir("sink");
  vitals::run_info info;
  info.project = "p";
  info.id = "abcd1234";
  info.name = "exp/fold0";
  info.dir = dir;
  info.config_json = R"({"lr": 0.1, "nested": {"a": [1, 2]}})";
  info.start_time = 1700000000.5;
  vitals::wandb_options opt;
  opt.mode = vitals::wandb_mode::offline;
  opt.quiet = true;
  vitals::wandb_metric val;
  val.name = "val/*";
  val.step_metric = "epoch";
  opt.metrics = {val};
  vitals::wandb_sink sink(opt);
  sink.open(info);
  vitals::metric m1[] = {{"train/loss", 0.5}, {"n", 3}};
  sink.write({.kind = vitals::record_kind::history, .step = 0, .timestamp = 1700000001, .runtime = 1, .metrics = m1});
  vitals::metric m2[] = {{"val/loss", 0.25}, {"epoch", 0}};
  vitals::wandb_sink moved(std::move(sink));  // any_sink / pipelines move sinks around
  moved.write({.kind = vitals::record_kind::history, .step = 1, .timestamp = 1700000002, .runtime = 2, .metrics = m2});
  vitals::metric s[] = {{"fold_0/final_val_loss", 0.25}};
  moved.write({.kind = vitals::record_kind::summary, .metrics = s});
  moved.close(0);
  auto& sink_ref = moved;

  CHECK(fs::is_symlink(dir / "wandb" / "latest-run"));
  CHECK(fs::read_symlink(dir / "wandb" / "latest-run") == sink_ref.run_dir().filename());
  CHECK(sink_ref.run_dir().filename().string().starts_with("offline-run-"));
  CHECK(fs::exists(sink_ref.run_dir() / "files" / "config.yaml"));
  CHECK(fs::exists(sink_ref.run_dir() / "files" / "wandb-summary.json"));
  CHECK(fs::exists(sink_ref.run_dir() / "files" / "wandb-metadata.json"));
  const auto log = read_leveldb_log(slurp(sink_ref.log_path()));
  REQUIRE(log.clean);
  std::vector<std::uint32_t> kinds;
  for (const auto& rec : log.records) {
    pb_reader r(rec);
    while (auto f = r.next())
      if (f->number != 1) kinds.push_back(f->number);  // skip Record.num
  }
  namespace F = wandb_fields::Record;
  CHECK(kinds == std::vector<std::uint32_t>{F::run, F::environment, F::metric, F::metric, F::history, F::metric, F::history,
                                            F::stats, F::summary, F::exit, F::final});  // stats: the start sample

  const fs::path dir2 = temp_dir("disabled");
  info.dir = dir2;
  vitals::wandb_options disabled;
  disabled.mode = vitals::wandb_mode::disabled;
  vitals::wandb_sink off(disabled);
  off.open(info);
  off.write({.metrics = m1});
  off.close(0);
  CHECK(fs::is_empty(dir2));
  ::setenv("WANDB_MODE", "disabled", 1);
  vitals::wandb_offline forced;
  forced.open(info);
  forced.close(0);
  ::unsetenv("WANDB_MODE");
  CHECK(fs::is_empty(dir2));
  fs::remove_all(dir);
  fs::remove_all(dir2);
}
