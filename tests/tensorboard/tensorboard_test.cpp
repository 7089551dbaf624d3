// TensorBoard backend: CRC-32C known answers, the TFRecord mask and framing, and the Event protos
// the sink writes, read back with vitals' own TFRecord and protobuf readers. What TensorBoard
// itself accepts is checked by tb_oracle.py.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "vitals/detail/simdjson.hpp"  // parse_wandb_histogram takes a simdjson parser
#include "vitals/format/crc32.hpp"
#include "vitals/format/tfrecord.hpp"
#include "vitals/sinks/registry.hpp"
#include "vitals/sinks/tensorboard.hpp"
#include "vitals/sinks/tensorboard_event.hpp"  // the encoders it tests
#include "vitals/sinks/wandb/histogram.hpp"

using namespace vitals;
using namespace vitals::detail;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::filesystem::path temp_dir(const char* tag) {
  auto d = std::filesystem::temp_directory_path() / (std::string("vitals_tb_") + tag + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

struct decoded_value {
  std::string tag;
  bool has_simple = false;
  float simple = 0;
  bool has_histo = false;
  std::string histo;
};
struct decoded_event {
  double wall_time = 0;
  std::int64_t step = 0;
  std::string file_version;
  std::vector<decoded_value> values;
};

decoded_event decode_event(std::string_view data) {
  decoded_event e;
  pb_reader r(data);
  while (auto f = r.next()) {
    if (f->number == 1) std::memcpy(&e.wall_time, &f->value, 8);
    if (f->number == 2) e.step = static_cast<std::int64_t>(f->value);
    if (f->number == 3) e.file_version = std::string(f->bytes);
    if (f->number == 5) {
      pb_reader s(f->bytes);
      while (auto sv = s.next()) {
        REQUIRE(sv->number == 1);
        decoded_value v;
        pb_reader vr(sv->bytes);
        while (auto vf = vr.next()) {
          if (vf->number == 1) v.tag = std::string(vf->bytes);
          if (vf->number == 2) {
            REQUIRE(vf->type == wire_type::fixed32);
            const auto bits = static_cast<std::uint32_t>(vf->value);
            std::memcpy(&v.simple, &bits, 4);
            v.has_simple = true;
          }
          if (vf->number == 5) v.has_histo = true, v.histo = std::string(vf->bytes);
        }
        e.values.push_back(v);
      }
    }
  }
  return e;
}

std::vector<decoded_event> read_events(const std::filesystem::path& p) {
  const std::string data = slurp(p);
  tfrecord_reader r(data);
  std::vector<decoded_event> out;
  while (auto rec = r.next()) out.push_back(decode_event(*rec));
  return out;
}

}  // namespace

TEST_CASE("crc32c known answers", "[tensorboard]") {
  CHECK(crc32c("") == 0u);
  CHECK(crc32c("123456789") == 0xE3069283u);
  CHECK(crc32c("a") == 0xC1D04330u);
  CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);    // RFC 3720 B.4
  CHECK(crc32c(std::string(32, '\xff')) == 0x62A8AB43u);  // RFC 3720 B.4
  std::string inc(32, '\0');
  for (int i = 0; i < 32; ++i) inc[static_cast<std::size_t>(i)] = static_cast<char>(i);
  CHECK(crc32c(inc) == 0x46DD794Eu);  // RFC 3720 B.4
  CHECK(crc32c_update(crc32c("1234"), "56789") == crc32c("123456789"));
}

TEST_CASE("masked crc32c", "[tensorboard]") {
  CHECK(mask_crc32c(0) == 0xa282ead8u);
  const std::uint32_t c = 0xE3069283u;
  CHECK(mask_crc32c(c) == ((c >> 15) | (c << 17)) + 0xa282ead8u);
  std::mt19937 rng(7);
  for (int i = 0; i < 1000; ++i) {
    const std::uint32_t x = rng();
    CHECK(unmask_crc32c(mask_crc32c(x)) == x);
  }
  // TFRecord header of an empty record: length 0 and its masked CRC (as TensorFlow writes it).
  std::string framed;
  append_tfrecord(framed, "");
  REQUIRE(framed.size() == 16);
  CHECK(read_le(framed.substr(8, 4), 4) == masked_crc32c(std::string(8, '\0')));
  CHECK(read_le(framed.substr(12, 4), 4) == mask_crc32c(0));
}

TEST_CASE("tfrecord framing round-trips and detects damage", "[tensorboard]") {
  std::mt19937 rng(42);
  std::vector<std::string> recs;
  std::string file;
  for (std::size_t n : {0u, 1u, 7u, 127u, 128u, 300u, 70000u}) {
    std::string r(n, '\0');
    for (auto& ch : r) ch = static_cast<char>(rng());
    append_tfrecord(file, r);
    recs.push_back(r);
  }
  tfrecord_reader reader(file);
  for (const auto& r : recs) {
    auto got = reader.next();
    REQUIRE(got);
    CHECK(*got == r);
  }
  CHECK_FALSE(reader.next());
  CHECK(read_le(std::string_view(file).substr(0, 8), 8) == 0u);

  std::string truncated = file.substr(0, file.size() - 3);
  tfrecord_reader tr(truncated);
  for (std::size_t i = 0; i + 1 < recs.size(); ++i) CHECK(tr.next());
  CHECK_THROWS(tr.next());

  std::string flipped = file;
  flipped[16 + 12 + 3] ^= 0x10;  // inside the second record's data
  tfrecord_reader fr(flipped);
  CHECK(fr.next());
  CHECK_THROWS(fr.next());
}

TEST_CASE("tensorboard sink writes file_version then one event per history record", "[tensorboard]") {
  const auto dir = temp_dir("sink");
  tensorboard tb;
  run_info info;
  info.dir = dir;
  info.start_time = 1700000000.5;
  tb.open(info);
  const std::string fname = tb.path().filename().string();
  CHECK(tb.path().parent_path() == dir / "tensorboard");
  CHECK(std::regex_match(fname, std::regex(R"(events\.out\.tfevents\.1700000000\.[^.].*\.[0-9]+\.[0-9]+)")));

  const std::string histo = wandb_histogram::from_counts({1, 0, 3}, {0, 0.5, 1, 1.5}).json();
  metric m0[] = {{"loss", 0.25}, {"epoch", 3}, {"ok", true}, {"zero", 0.0}, {"nan", std::nan("")}, {"s", "text"}};
  metric m1[] = {{"w", std::string_view(histo)}};
  metric m2[] = {{"s", "only a string"}};
  tb.write(record{record_kind::history, 0, 1700000001.0, 0.5, m0});
  tb.write(record{record_kind::summary, 0, 1700000001.0, 0.5, m0});
  tb.write(record{record_kind::history, 1, 1700000002.0, 1.5, m1});
  tb.write(record{record_kind::history, 2, 1700000003.0, 2.5, m2});
  tb.flush();
  auto ev = read_events(tb.path());
  REQUIRE(ev.size() == 3);
  CHECK(ev[0].file_version == "brain.Event:2");
  CHECK(ev[0].wall_time == 1700000000.5);
  CHECK(ev[1].step == 0);
  CHECK(ev[1].wall_time == 1700000001.0);
  REQUIRE(ev[1].values.size() == 5);
  CHECK(ev[1].values[0].tag == "loss");
  CHECK(ev[1].values[0].simple == 0.25f);
  CHECK(ev[1].values[1].simple == 3.0f);
  CHECK(ev[1].values[2].simple == 1.0f);
  CHECK(ev[1].values[3].has_simple);  // 0 is written: simple_value is in a oneof
  CHECK(ev[1].values[3].simple == 0.0f);
  CHECK(std::isnan(ev[1].values[4].simple));
  CHECK(ev[2].step == 1);
  REQUIRE(ev[2].values.size() == 1);
  CHECK(ev[2].values[0].has_histo);

  metric m3[] = {{"loss", 0.125}};
  tb.write(record{record_kind::history, 3, 1700000004.0, 3.5, m3});
  tb.close(0);
  ev = read_events(tb.path());
  REQUIRE(ev.size() == 4);
  CHECK(ev[3].step == 3);

  // A copy is an unopened sink with the same options; a second file gets another name.
  tensorboard copy = tb;
  copy.open(info);
  CHECK(copy.path() != tb.path());
  copy.close(0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("wandb histogram JSON becomes a TensorBoard histogram", "[tensorboard]") {
  simdjson::dom::parser parser;
  tb_histogram h;
  const std::string j = wandb_histogram::from_counts({1, 2, 3}, {0, 1, 2, 3}).json();
  REQUIRE(parse_wandb_histogram(parser, j, h));
  CHECK(h.min == 0);
  CHECK(h.max == 3);
  CHECK(h.num == 6);
  CHECK(h.sum == Approx(1 * 0.5 + 2 * 1.5 + 3 * 2.5));
  CHECK(h.sum_squares == Approx(1 * 0.25 + 2 * 2.25 + 3 * 6.25));
  CHECK(h.bucket_limit == std::vector<double>{1, 2, 3});
  CHECK(h.bucket == std::vector<double>{1, 2, 3});
  CHECK_FALSE(parse_wandb_histogram(parser, "plain text", h));
  CHECK_FALSE(parse_wandb_histogram(parser, R"({"_type":"image","path":"x.png"})", h));
  CHECK_FALSE(parse_wandb_histogram(parser, R"({"_type":"histogram","values":[1],"bins":[0]})", h));
  CHECK_FALSE(parse_wandb_histogram(parser, R"({"_type":"histogram",)", h));
}

TEST_CASE("tensorboard is a built-in sink name", "[tensorboard]") {
  const auto names = registered_sinks();
  CHECK(std::find(names.begin(), names.end(), "tensorboard") != names.end());
  auto sinks = make_sinks("tensorboard");
  CHECK(sinks.size() == 1);
}
