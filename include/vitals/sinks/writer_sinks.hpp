// The sinks of a run as its writer thread holds them: each isolated (guarded_sink), each failure
// (of a sink, of a member inside a composite sink, of the record stage) reported once, in
// "sink: message" form, for run.sink_errors() and metadata.json.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "vitals/sinks/any_sink.hpp"
#include "vitals/sinks/guarded_sink.hpp"
#include "vitals/sinks/record.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals::inline VITALS_ABI::detail {
class writer_sinks {
 public:
  // Writer thread only.
  void open(any_sink s, const run_info& info) {
    sinks_.emplace_back(std::move(s));
    reported_.push_back(false);
    inner_reported_.emplace_back();
    sinks_.back().open(info);
    note_failure(sinks_.size() - 1);
  }
  void write(const record& r) {
    for (std::size_t i = 0; i < sinks_.size(); ++i) {
      sinks_[i].write(r);
      note_failure(i);
    }
  }
  void flush() {
    for (std::size_t i = 0; i < sinks_.size(); ++i) {
      sinks_[i].flush();
      note_failure(i);
    }
  }
  void close(int code) {
    flush();
    for (std::size_t i = 0; i < sinks_.size(); ++i) {
      sinks_[i].close(code);
      note_failure(i);
    }
  }

  // Any thread.
  void add_error(std::string e) {
    std::lock_guard lock(errors_mu_);
    errors_.push_back(std::move(e));
  }
  std::vector<std::string> errors() const {
    std::lock_guard lock(errors_mu_);
    return errors_;
  }

 private:
  void note_failure(std::size_t i) {
    if (sinks_[i].failed() && !reported_[i]) {
      reported_[i] = true;
      add_error(std::string(sinks_[i].get().name()) + ": " + sinks_[i].error());
    }
    // A composite sink isolates its members itself; surface their failures too.
    if (sinks_[i].get().inner_failure_count() > inner_reported_[i].size()) {
      std::lock_guard lock(errors_mu_);
      for (auto& e : sinks_[i].get().inner_errors()) {
        auto& seen = inner_reported_[i];
        if (std::find(seen.begin(), seen.end(), e) != seen.end()) continue;
        seen.push_back(e);
        errors_.push_back(std::string(sinks_[i].get().name()) + "/" + e);
      }
    }
  }

  std::vector<guarded_sink<any_sink>> sinks_;
  std::vector<bool> reported_;
  std::vector<std::vector<std::string>> inner_reported_;
  mutable std::mutex errors_mu_;
  std::vector<std::string> errors_;
};

}  // namespace vitals::detail
