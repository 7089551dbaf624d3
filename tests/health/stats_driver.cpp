// Prints vitals' statistics of a binary file as JSON, for the numpy oracle (health_oracle.py).
//   stats_driver stats <file> <f32|f64|f16|bf16> <parts>  accumulate(), add() loop, and <parts> merged partials
//   stats_driver steps <file>            f64 pairs (grad_norm, batch_loss): the epoch step aggregates
//   stats_driver data <file> <channels> <inner>  f32 dataset: data_stats with channels c0..c{n-1}
//   stats_driver gen <file>              f32 generated outputs: generation_stats
//   stats_driver big <file> <n>          f32 period in <file> repeated to n elements: accumulate()
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "vitals/health/alert.hpp"
#include "vitals/health/array_stats.hpp"
#include "vitals/health/data_stats.hpp"
#include "vitals/health/generation_stats.hpp"
#include "vitals/health/step_stats.hpp"

namespace {

std::vector<char> read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot open ") + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string num(double v) { return vitals::detail::format_number(v); }

std::string acc_json(const vitals::accumulator& a) {
  return "{\"count\":" + std::to_string(a.count) + ",\"nonfinite\":" + std::to_string(a.nonfinite) +
         ",\"mean\":" + num(a.mean) + ",\"var\":" + num(a.variance()) + ",\"min\":" + num(a.min) +
         ",\"max\":" + num(a.max) + ",\"absmax\":" + num(a.absmax) + ",\"sum_sq\":" + num(a.sum_sq) +
         ",\"sum_abs\":" + num(a.sum_abs) + "}";
}

std::string list_json(const vitals::metric_list& m) {
  std::string out = "{";
  for (const auto& [k, v] : m) {
    if (out.size() > 1) out += ',';
    vitals::detail::append_json_string(out, k);
    out += ':' + num(v);
  }
  return out + "}";
}

double load(const char* p, std::size_t i, const std::string& t) {
  if (t == "f64") return reinterpret_cast<const double*>(p)[i];
  return vitals::load_as_float(p, i, t == "f32" ? vitals::dtype::f32 : t == "f16" ? vitals::dtype::f16 : vitals::dtype::bf16);
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 3) throw std::runtime_error("usage: stats_driver <mode> <file> ...");
  std::string mode = argv[1];
  auto bytes = read_file(argv[2]);
  const char* p = bytes.data();
  if (mode == "stats") {
    std::string t = argv[3];
    std::size_t parts = std::stoul(argv[4]);
    std::size_t esize = t == "f64" ? 8 : t == "f32" ? 4 : 2;
    std::size_t n = bytes.size() / esize;
    vitals::accumulator fast;
    if (t == "f64") fast = vitals::accumulate(std::span<const double>(reinterpret_cast<const double*>(p), n));
    else fast = vitals::accumulate(p, n, t == "f32" ? vitals::dtype::f32 : t == "f16" ? vitals::dtype::f16 : vitals::dtype::bf16);
    vitals::accumulator one;
    for (std::size_t i = 0; i < n; ++i) one.add(load(p, i, t));
    // Uneven partials (part k gets a share growing with k), each one pass, merged in order.
    vitals::accumulator merged;
    std::size_t begin = 0;
    for (std::size_t k = 0; k < parts; ++k) {
      std::size_t end = k + 1 == parts ? n : begin + (n - begin) * (k + 1) / (parts * 2);
      vitals::accumulator part;
      for (std::size_t i = begin; i < end; ++i) part.add(load(p, i, t));
      merged.merge(part);
      begin = end;
    }
    std::printf("{\"fast\":%s,\"one_pass\":%s,\"merged\":%s}\n", acc_json(fast).c_str(), acc_json(one).c_str(),
                acc_json(merged).c_str());
  } else if (mode == "steps") {
    std::size_t n = bytes.size() / 16;
    auto d = reinterpret_cast<const double*>(p);
    vitals::epoch_step_stats s;
    for (std::size_t i = 0; i < n; ++i) s.add_step(d[2 * i], d[2 * i + 1]);
    std::printf("%s\n", list_json(s.metrics()).c_str());
  } else if (mode == "data") {
    std::size_t channels = std::stoul(argv[3]), inner = std::stoul(argv[4]);
    std::vector<std::string> names;
    for (std::size_t c = 0; c < channels; ++c) names.push_back("c" + std::to_string(c));
    vitals::data_stats ds(names, inner);
    std::span<const float> all(reinterpret_cast<const float*>(p), bytes.size() / 4);
    std::size_t sample = channels * inner, half = all.size() / sample / 2 * sample;
    ds.add(all.subspan(0, half));  // two batches of whole samples
    ds.add(all.subspan(half));
    std::printf("%s\n", list_json(ds.metrics()).c_str());
  } else if (mode == "big") {
    // One n-element buffer (10^8 in the oracle) built from a period; numpy checks it on the period.
    std::size_t n = std::stoul(argv[3]), period = bytes.size() / 4;
    auto src = reinterpret_cast<const float*>(p);
    std::vector<float> big(n);
    for (std::size_t i = 0; i < n; ++i) big[i] = src[i % period];
    std::printf("%s\n", acc_json(vitals::accumulate(std::span<const float>(big))).c_str());
  } else if (mode == "gen") {
    vitals::generation_stats g;
    g.add(std::span<const float>(reinterpret_cast<const float*>(p), bytes.size() / 4));
    std::printf("%s\n", list_json(g.metrics()).c_str());
  } else {
    throw std::runtime_error("unknown mode " + mode);
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "stats_driver: %s\n", e.what());
  return 2;
}
