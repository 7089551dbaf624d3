// Runs the CPU reference on tensors described by a directory the numpy oracle
// (param_stats_oracle.py) writes, and prints the results as "key value" lines.
//
// <dir>/meta.txt:  "decay <d>", "hist <lo> <hi> <bins>", then per tensor
//                  "tensor <name> <numel> <f32|f16|bf16> <misalign bytes> <has_grad> <has_ema>"
// <dir>/<name>.{g,w,e}.bin: raw element bits. Writes the updated EMA to <dir>/<name>.e_out.bin.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "vitals/health/param_stats.hpp"

namespace {

struct buf {
  std::vector<unsigned char> storage;
  unsigned char* data = nullptr;
  std::size_t bytes = 0;
};

buf read_file(const std::string& path, std::size_t bytes, std::size_t misalign) {
  buf b;
  b.storage.resize(bytes + 128);
  const auto base = reinterpret_cast<std::uintptr_t>(b.storage.data());
  b.data = b.storage.data() + ((64 - base % 64) % 64) + misalign;
  b.bytes = bytes;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  in.read(reinterpret_cast<char*>(b.data), static_cast<std::streamsize>(bytes));
  if (static_cast<std::size_t>(in.gcount()) != bytes) throw std::runtime_error("short file " + path);
  return b;
}

void print(const std::string& prefix, const vitals::tensor_stats& s) {
  auto p = [&](const char* k, double v) { std::printf("%s.%s %.17g\n", prefix.c_str(), k, v); };
  auto u = [&](const char* k, std::uint64_t v) { std::printf("%s.%s %llu\n", prefix.c_str(), k, static_cast<unsigned long long>(v)); };
  u("grad.count", s.grad.count);
  u("grad.nonfinite", s.grad.nonfinite);
  p("grad.sum_sq", s.grad.sum_sq);
  p("grad.absmax", s.grad.absmax);
  u("weight.count", s.weight.count);
  u("weight.nonfinite", s.weight.nonfinite);
  p("weight.mean", s.weight.mean);
  p("weight.var", s.weight.variance());
  p("weight.sum_abs", s.weight.sum_abs);
  p("weight.sum_sq", s.weight.sum_sq);
  p("weight.min", s.weight.count ? s.weight.min : 0.0);
  p("weight.max", s.weight.count ? s.weight.max : 0.0);
  p("weight.absmax", s.weight.absmax);
  u("diff.count", s.ema_diff.count);
  u("diff.nonfinite", s.ema_diff.nonfinite);
  p("diff.sum_sq", s.ema_diff.sum_sq);
  p("diff.sum_abs", s.ema_diff.sum_abs);
  p("diff.ref_sum_sq", s.ema_diff.ref_sum_sq);
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 2) {
    std::cerr << "usage: param_stats_cli <dir>\n";
    return 2;
  }
  const std::string dir = argv[1];
  std::ifstream meta(dir + "/meta.txt");
  if (!meta) throw std::runtime_error("cannot open " + dir + "/meta.txt");
  vitals::param_stats_options opt;
  struct entry { std::string name; std::uint64_t n; vitals::dtype t; buf g, w, e; bool has_g, has_e; };
  std::vector<entry> es;
  std::string line;
  while (std::getline(meta, line)) {
    std::istringstream ls(line);
    std::string kind;
    ls >> kind;
    if (kind == "decay") {
      ls >> opt.ema_decay;
    } else if (kind == "hist") {
      ls >> opt.histogram_lo >> opt.histogram_hi >> opt.histogram_bins;
    } else if (kind == "tensor") {
      entry e;
      std::string type;
      std::size_t mis = 0;
      ls >> e.name >> e.n >> type >> mis >> e.has_g >> e.has_e;
      e.t = type == "f32" ? vitals::dtype::f32 : type == "f16" ? vitals::dtype::f16 : vitals::dtype::bf16;
      const std::size_t bytes = e.n * vitals::dtype_size(e.t);
      if (e.has_g) e.g = read_file(dir + "/" + e.name + ".g.bin", bytes, mis);
      e.w = read_file(dir + "/" + e.name + ".w.bin", bytes, mis);
      if (e.has_e) e.e = read_file(dir + "/" + e.name + ".e.bin", bytes, mis);
      es.push_back(std::move(e));
    }
  }
  vitals::tensor_table table;
  for (auto& e : es)
    table.add(vitals::param_tensor{e.name, e.n, {e.has_g ? e.g.data : nullptr, e.t}, {e.w.data, e.t},
                                   {e.has_e ? e.e.data : nullptr, e.t}});
  const auto r = vitals::update_ema<vitals::stat_set::all()>(table, opt);
  print("total", r.total);
  for (std::size_t i = 0; i < es.size(); ++i) print("tensor." + es[i].name, r.per_tensor[i]);
  std::printf("grad_norm %.17g\nweight_mean %.17g\nweight_std %.17g\nweight_max %.17g\n", r.grad_norm(),
              r.weight_mean(), r.weight_std(), r.weight_max());
  std::printf("ema_diff %.17g\nema_diff_l2 %.17g\nema_diff_rel %.17g\n", r.ema_diff(), r.ema_diff_l2(), r.ema_diff_rel());
  std::printf("hist.underflow %llu\nhist.overflow %llu\n", static_cast<unsigned long long>(r.histogram.underflow),
              static_cast<unsigned long long>(r.histogram.overflow));
  for (std::size_t k = 0; k < r.histogram.counts.size(); ++k)
    std::printf("hist.%zu %llu\n", k, static_cast<unsigned long long>(r.histogram.counts[k]));
  for (auto& e : es) {
    if (!e.has_e) continue;
    std::ofstream out(dir + "/" + e.name + ".e_out.bin", std::ios::binary);
    out.write(reinterpret_cast<const char*>(e.e.data), static_cast<std::streamsize>(e.e.bytes));
  }
  return 0;
} catch (const std::exception& ex) {
  std::cerr << "param_stats_cli: " << ex.what() << "\n";
  return 1;
}
