// What a run's summary is made of, kept by the writer thread as rows pass: the last value of every
// history key, explicit summaries (which win), and the last row's step, runtime and timestamp.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "vitals/sinks/key_table.hpp"
#include "vitals/sinks/owned_value.hpp"
#include "vitals/sinks/pipeline_row.hpp"

namespace vitals::inline VITALS_ABI::detail {
class summary_table {
 public:
  /// Writer thread: takes note of a row the sinks have seen (`metrics`: its values, restored;
  /// `marker[id]`: the key is a "_vitals/" marker, not a value).
  void note(const pipeline_row& row, std::span<const metric> metrics, const std::vector<char>& marker) {
    if (row.kind == record_kind::alert || row.kind == record_kind::config || row.kind == record_kind::system) return;
    auto& table = row.kind == record_kind::summary ? explicit_ : last_;
    for (std::size_t k = 0; k < metrics.size(); ++k) {
      const auto id = row.values[k].id;
      if (marker[id]) continue;  // markers (run::end_epoch), not values
      if (id >= table.size()) table.resize(id + 1);
      table[id].assign(metrics[k].value);
    }
    if (row.kind == record_kind::history) {
      last_step_ = row.step;
      last_runtime_ = row.runtime;
      last_timestamp_ = row.timestamp;
    }
  }

  /// After the writer has stopped: every key with a value, in the order keys were first used.
  std::vector<std::pair<std::string, owned_value>> collect(const key_table& keys) const {
    std::vector<std::pair<std::string, owned_value>> out;
    for (std::uint32_t id = 0; id < keys.size(); ++id) {
      const owned_value* v = nullptr;
      if (id < explicit_.size() && explicit_[id].set) v = &explicit_[id];
      else if (id < last_.size() && last_[id].set) v = &last_[id];
      if (v) out.emplace_back(std::string(keys.name(id)), *v);
    }
    return out;
  }

  std::int64_t last_step() const { return last_step_; }
  double last_runtime() const { return last_runtime_; }
  double last_timestamp() const { return last_timestamp_; }

 private:
  std::vector<owned_value> last_, explicit_;
  std::int64_t last_step_ = -1;
  double last_runtime_ = 0, last_timestamp_ = 0;
};

}  // namespace vitals::detail
