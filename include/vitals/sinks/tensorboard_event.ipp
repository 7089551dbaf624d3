// Bodies of vitals/sinks/tensorboard_event.hpp (see vitals/version.hpp).
#pragma once

#include "vitals/sinks/tensorboard_event.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "vitals/detail/simdjson.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
VITALS_INLINE bool parse_wandb_histogram(simdjson::dom::parser& parser, std::string_view s, tb_histogram& h) {
  if (!s.starts_with("{\"_type\"")) return false;
  simdjson::dom::element root;
  if (parser.parse(s.data(), s.size()).get(root)) return false;
  std::string_view type;
  if (root["_type"].get(type) || type != "histogram") return false;
  simdjson::dom::array values, bins;
  if (root["values"].get(values) || root["bins"].get(bins)) return false;
  std::vector<double> counts, edges;
  for (auto v : values) {
    double d;
    if (v.get(d)) return false;
    counts.push_back(d);
  }
  for (auto v : bins) {
    double d;
    if (v.get(d)) return false;
    edges.push_back(d);
  }
  if (counts.empty() || edges.size() != counts.size() + 1) return false;
  h = tb_histogram{};
  h.min = edges.front();
  h.max = edges.back();
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double mid = 0.5 * (edges[i] + edges[i + 1]);
    h.num += counts[i];
    h.sum += counts[i] * mid;
    h.sum_squares += counts[i] * mid * mid;
  }
  h.bucket_limit.assign(edges.begin() + 1, edges.end());
  h.bucket = std::move(counts);
  return true;
}

VITALS_INLINE std::string tb_file_version_event(double wall_time) {
  std::string out;
  pb_writer w(out);
  w.double_field(tb_field::event_wall_time, wall_time);
  w.string_field(tb_field::event_file_version, "brain.Event:2");
  return out;
}

VITALS_INLINE std::string tb_event_file_name(double unix_time) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "localhost");
  char buf[400];
  std::snprintf(buf, sizeof buf, "events.out.tfevents.%010lld.%s.%d.%u", static_cast<long long>(unix_time), host,
                static_cast<int>(::getpid()), tb_file_counter.fetch_add(1));
  return buf;
}

VITALS_INLINE double tb_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace detail
}  // namespace vitals
