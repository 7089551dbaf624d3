// The W&B sink's state and record framing, the base of its layers (sink_state -> summary ->
// records -> metadata -> online -> wandb_sink; one concept per header, one object at run time):
// options, run info and folder, the `.wandb` log writer with its protobuf buffer, the tables of
// last/summary values, the child processes, the console and sampler; begin_record/end_record/kv
// around every record; config.yaml and the write-then-rename helper for files/.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vitals/detail/simdjson.hpp"
#include "vitals/run/console_capture.hpp"
#include "vitals/run/environment.hpp"
#include "vitals/run/system_metrics.hpp"
#include "vitals/format/file.hpp"
#include "vitals/format/hash.hpp"
#include "vitals/format/leveldb_log.hpp"
#include "vitals/format/protobuf.hpp"
#include "vitals/sinks/record.hpp"
#include "vitals/sinks/sink.hpp"
#include "vitals/sinks/wandb/fields.hpp"
#include "vitals/sinks/wandb/table_file.hpp"
#include "vitals/sinks/json_format.hpp"
#include "vitals/sinks/wandb/options.hpp"
#include "vitals/sinks/wandb/uploader.hpp"

namespace vitals::inline VITALS_ABI::detail {
class wandb_sink_state {
 protected:
  bool active() const { return mode_ != wandb_mode::disabled && log_.is_open() && !closed_; }


  static std::string local_time_stamp(double epoch_seconds) {
    std::time_t t = epoch_seconds > 0 ? static_cast<std::time_t>(epoch_seconds) : std::time(nullptr);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d_%H%M%S", &tm);
    return buf;
  }

  static std::vector<std::pair<std::string, std::string>> split_config(const std::string& json) {
    std::vector<std::pair<std::string, std::string>> items;
    if (json.empty()) return items;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto err = parser.parse(json).get(root))
      throw std::invalid_argument(std::string("vitals::wandb_sink: run_info.config_json is not valid JSON: ") + simdjson::error_message(err));
    simdjson::dom::object obj;
    if (root.get_object().get(obj))
      throw std::invalid_argument("vitals::wandb_sink: run_info.config_json must be a JSON object, got: " + json.substr(0, 80));
    for (auto field : obj) items.emplace_back(std::string(field.key), simdjson::minify(field.value));
    return items;
  }


  // --- record framing ---------------------------------------------------------------------------
  void begin_record() {
    buf_->clear();
    pb_.int64_field(detail::wandb_fields::Record::num, ++record_num_);
  }
  void end_record() { log_.append(*buf_); }

  /// A HistoryItem / ConfigItem / SummaryItem: the three share field numbers (the check script
  /// verifies each), so one encoder serves all.
  void kv(std::uint32_t field, std::string_view key, std::string_view value_json) {
    namespace f = detail::wandb_fields;
    static_assert(f::HistoryItem::key == f::ConfigItem::key && f::HistoryItem::key == f::SummaryItem::key);
    static_assert(f::HistoryItem::value_json == f::ConfigItem::value_json && f::HistoryItem::value_json == f::SummaryItem::value_json);
    const auto tok = pb_.begin_message(field);
    pb_.string_field(f::HistoryItem::key, key);
    pb_.bytes_field(f::HistoryItem::value_json, value_json);
    pb_.end_message(tok);
  }


  /// Maps searched with a string_view: no allocation per logged key.
  template <class V>
  using key_map = detail::string_map<V>;
  using value_table = std::vector<std::pair<std::string, std::string>>;
  using value_index = key_map<std::size_t>;

  /// Sets key -> json in an insertion-ordered table; true when the key is new.
  static bool set_value(value_table& t, value_index& idx, std::string_view key, const std::string& json) {
    auto it = idx.find(key);
    if (it != idx.end()) {
      t[it->second].second.assign(json);
      return false;
    }
    idx.emplace(std::string(key), t.size());
    t.emplace_back(std::string(key), json);
    return true;
  }


  /// Running statistics for keys whose define_metric rule asks for summary min/max/mean/...:
  /// wandb computes these client-side, so the summary holds {"min": ..., "last": ...} for them.
  struct key_stats {
    const wandb_metric* rule = nullptr;  // null: the key has no summary rule
    double min = 0, max = 0, sum = 0, first = 0, last = 0;
    std::int64_t n = 0;
  };


  // Whole seconds, rounded up and at least 1: RunExitRecord.runtime is a proto3 int32 without
  // presence, so 0 would not be written at all and W&B would show no runtime.
  std::int64_t runtime_seconds() const { return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(last_runtime_))); }


  // --- files/ -----------------------------------------------------------------------------------
  static void write_file(const std::filesystem::path& p, const std::string& text) {
    // Write-then-rename: a reader never sees half a file, and a full disk leaves the old one.
    detail::atomic_write_file(p, text);
  }


  void write_config_yaml() const {
    // W&B's shape, `key: {value: ...}`; values as JSON flow text, which is YAML.
    std::string y;
    for (const auto& [k, v] : config_items_) {
      detail::append_json_string(y, k);
      y += ":\n  value: ";
      y += v;
      y += '\n';
    }
    write_file(run_dir_ / "files" / "config.yaml", y);
  }


  wandb_options opt_;
  wandb_mode mode_ = wandb_mode::disabled;
  run_info info_;
  std::filesystem::path run_dir_;
  detail::leveldb_log_writer log_;
  // On the heap so that pb_'s pointer to it survives moving the sink.
  std::unique_ptr<std::string> buf_ = std::make_unique<std::string>();
  detail::pb_writer pb_{*buf_};
  std::int64_t record_num_ = 0;
  std::string value_scratch_;
  std::vector<std::pair<std::string, std::string>> config_items_;
  value_table last_, explicit_summary_, resumed_summary_;
  value_index last_index_, explicit_index_, resumed_index_;
  key_map<bool> expanded_, defined_step_metrics_;
  key_map<key_stats> stats_;
  bool has_summary_rules_ = false;
  double last_runtime_ = 0;
  bool closed_ = false;
  /// A background `wandb sync` (sync_interval); waited for at close or destruction, and owned by
  /// exactly one sink when sinks are moved.
  struct child_process {
    pid_t pid = -1;
    child_process() = default;
    child_process(child_process&& o) noexcept : pid(std::exchange(o.pid, -1)) {}
    child_process& operator=(child_process&& o) noexcept {
      if (this != &o) {
        wait();
        pid = std::exchange(o.pid, -1);
      }
      return *this;
    }
    ~child_process() { wait(); }
    void wait() {
      if (pid > 0) detail::wait_process(pid);
      pid = -1;
    }
  };
  child_process sync_;
  std::chrono::steady_clock::time_point last_sync_{};
  std::optional<int> sync_status_;
  /// The live sync's watchdog (detail::spawn_watched_process): stopped (lifeline closed, which
  /// ends the command) and reaped when the sink goes away without close().
  struct live_child {
    pid_t pid = -1;
    int lifeline = -1;
    live_child() = default;
    live_child(live_child&& o) noexcept : pid(std::exchange(o.pid, -1)), lifeline(std::exchange(o.lifeline, -1)) {}
    live_child& operator=(live_child&& o) noexcept {
      if (this != &o) {
        stop();
        pid = std::exchange(o.pid, -1);
        lifeline = std::exchange(o.lifeline, -1);
      }
      return *this;
    }
    ~live_child() { stop(); }
    void stop() {
      if (lifeline >= 0) ::close(lifeline);
      lifeline = -1;
      if (pid > 0) detail::wait_process(pid);
      pid = -1;
    }
  };
  live_child live_;
  bool live_reported_ = false;
  std::unique_ptr<system_sampler> sampler_;  // stats records; null when system_metrics_interval is 0
  std::vector<system_sample> samples_;
  std::unique_ptr<console_capture> console_;  // null when console is off
  console_mode console_mode_ = console_mode::off;
  std::vector<std::pair<std::string_view, std::string>> tables_;  // write_history: key -> table-file value
  key_map<std::string> table_files_;  // sha256 -> media/table/... file written and named in a files record
  std::vector<console_chunk> chunks_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> output_log_{nullptr, &std::fclose};  // files/output.log
  std::string text_scratch_;
};

}  // namespace vitals::detail
