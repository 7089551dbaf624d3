// Helpers shared by the sinks and run tests: temporary directories, reading files, a capturing
// sink that copies every record it sees.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include "vitals/sinks/record.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals_test {

struct temp_dir {
  std::filesystem::path path;
  explicit temp_dir(const std::string& tag) {
    path = std::filesystem::temp_directory_path() /
           ("vitals_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  static std::atomic<int>& counter() {
    static std::atomic<int> c{0};
    return c;
  }
};

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    auto nl = s.find('\n', pos);
    if (nl == std::string::npos) break;  // a trailing partial line is not a line
    out.push_back(s.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

struct captured_metric {
  std::string key;
  vitals::metric_value::kind type;
  double number;
  std::string text;
};
struct captured_record {
  vitals::record_kind kind;
  std::int64_t step;
  std::vector<captured_metric> metrics;
};

/// A user-written sink (proves the concept): copies each record into a shared vector.
struct capture_sink {
  struct store {
    std::mutex mu;
    std::vector<captured_record> records;
    int opened = 0, flushed = 0, closed = 0, exit_code = -1;
  };
  std::shared_ptr<store> data = std::make_shared<store>();

  void open(const vitals::run_info&) {
    std::lock_guard l(data->mu);
    ++data->opened;
  }
  void write(const vitals::record& r) {
    captured_record c{r.kind, r.step, {}};
    for (const auto& m : r.metrics)
      c.metrics.push_back({std::string(m.key), m.value.type, m.value.as_double(),
                           m.value.type == vitals::metric_value::kind::string ? std::string(m.value.s) : std::string()});
    std::lock_guard l(data->mu);
    data->records.push_back(std::move(c));
  }
  void flush() {
    std::lock_guard l(data->mu);
    ++data->flushed;
  }
  void close(int code) {
    std::lock_guard l(data->mu);
    ++data->closed;
    data->exit_code = code;
  }
};

}  // namespace vitals_test
