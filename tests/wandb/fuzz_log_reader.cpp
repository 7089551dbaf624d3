// Fuzz harness: vitals' log reader on vitals' log writer's output, with torn tails and flipped
// bytes. Properties: writing then reading gives back exactly the records; any truncation or single
// corrupted byte gives back a prefix of them (never a wrong record); arbitrary bytes never crash.
//
// libFuzzer:  clang++ -std=c++20 -DVITALS_LIBFUZZER -fsanitize=fuzzer,address -Iinclude
//               tests/wandb/fuzz_log_reader.cpp -o fuzz_log && ./fuzz_log -max_total_time=60
// Without -DVITALS_LIBFUZZER, main() runs a fixed-seed campaign, so ctest exercises it every time.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "vitals/format/leveldb_log.hpp"

namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_log_reader: property violated: %s\n", what);
    std::abort();
  }
}

bool is_prefix(const std::vector<std::string>& got, const std::vector<std::string>& written) {
  if (got.size() > written.size()) return false;
  for (std::size_t i = 0; i < got.size(); ++i)
    if (got[i] != written[i]) return false;
  return true;
}

// Input layout: pairs of bytes give record sizes (scaled so that some records span blocks), then
// 4 bytes pick a truncation point and 4 more a byte to flip.
void fuzz_one(const std::uint8_t* data, std::size_t size) {
  // Arbitrary bytes, read as a log: must not crash.
  (void)vitals::detail::read_leveldb_log(std::string_view(reinterpret_cast<const char*>(data), size));

  std::size_t pos = 0;
  auto byte = [&]() -> std::uint32_t { return pos < size ? data[pos++] : 0; };
  const std::size_t n = 1 + byte() % 12;
  std::vector<std::string> written;
  std::string file(vitals::detail::wandb_log_file_header);
  std::uint64_t offset = file.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t a = byte(), b = byte();
    std::size_t len = (a << 8 | b);
    if (a & 0x80) len = (len & 0x7FFF) * 3;  // up to ~98 KiB: three or four blocks
    std::string p(len, '\0');
    for (std::size_t k = 0; k < len; ++k) p[k] = static_cast<char>(k * 131 + i * 7 + b);
    vitals::detail::frame_log_record(file, offset, p);
    written.push_back(std::move(p));
  }
  require(offset == file.size(), "offset tracks the bytes written");
  const auto whole = vitals::detail::read_leveldb_log(file);
  require(whole.clean && whole.records == written, "round trip");

  const std::uint32_t cut = byte() << 24 | byte() << 16 | byte() << 8 | byte();
  const std::size_t at = 7 + cut % (file.size() - 6);
  const auto torn = vitals::detail::read_leveldb_log(std::string_view(file).substr(0, at));
  require(is_prefix(torn.records, written), "truncation gives a prefix");

  const std::uint32_t flip = byte() << 24 | byte() << 16 | byte() << 8 | byte();
  std::string bad = file;
  if (bad.size() > 7) {
    const std::size_t where = 7 + flip % (bad.size() - 7);
    bad[where] = static_cast<char>(bad[where] ^ (1 + byte() % 255));
    const auto corrupt = vitals::detail::read_leveldb_log(bad);
    require(is_prefix(corrupt.records, written), "a flipped byte gives a prefix");
  }
}

}  // namespace

#ifdef VITALS_LIBFUZZER
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz_one(data, size);
  return 0;
}
#else
int main() {
  std::mt19937 rng(20240611);
  std::vector<std::uint8_t> input;
  for (int iter = 0; iter < 300; ++iter) {
    input.resize(rng() % 96);
    for (auto& b : input) b = static_cast<std::uint8_t>(rng());
    fuzz_one(input.data(), input.size());
  }
  std::printf("fuzz_log_reader: 300 inputs, all properties held\n");
  return 0;
}
#endif
