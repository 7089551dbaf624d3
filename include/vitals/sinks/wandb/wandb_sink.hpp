// The W&B sink: writes W&B's own offline run (a `.wandb` record log plus files/) from C++, with no
// Python at run time; `wandb sync` uploads it later, or right away in online mode.
//
// Layout (as wandb 0.22 writes it):
//   <dir>/wandb/offline-run-YYYYMMDD_HHMMSS-<id>/run-<id>.wandb   (local start time)
//   <dir>/wandb/offline-run-.../files/{config.yaml, wandb-metadata.json, wandb-summary.json}
//   <dir>/wandb/offline-run-.../logs/
//   <dir>/wandb/latest-run -> offline-run-...   (replaced atomically)
// Record order: run (with config) -> metric definitions -> history / alerts (+ expanded metric
// definitions before the first history row that uses a globbed key) -> summary -> exit -> final.
// No run record and `wandb sync` refuses the file; no exit and the run shows as crashed.
#pragma once

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
#include "vitals/sinks/wandb/uploader.hpp"

namespace vitals {

enum class wandb_mode {
  automatic,  // $WANDB_MODE if set, else online when an API key is found, else offline
  offline,    // write the run; upload later with `wandb sync`
  online,     // write the run, then `wandb sync` it at finish (and every sync_interval)
  disabled,   // write nothing (--no_wandb, debug runs); $WANDB_MODE=disabled forces it
};

/// W&B's define_metric: plot keys matching `name` against `step_metric` instead of `_step`.
struct wandb_metric {
  std::string name;         // a key ("val/loss") or a glob with '*' ("val/*")
  std::string step_metric;  // e.g. "epoch"; empty: the default x axis (_step)
  std::vector<std::string> summary;  // any of "min","max","mean","best","last","none","copy","first"
  std::string goal;         // "minimize", "maximize" or empty
  bool hidden = false;
};

struct wandb_options {
  wandb_mode mode = wandb_mode::automatic;
  std::filesystem::path dir;               // where wandb/ goes; empty: the run's directory
  std::vector<wandb_metric> metrics;       // define_metric rules, written at open
  std::string sync_command = "wandb";      // the CLI online mode runs (looked up on $PATH)
  std::chrono::duration<double> sync_interval{0};  // online: also sync on flush() this often (0: at finish only)
  std::size_t buffer_bytes = 256 * 1024;   // records buffered between writes to the kernel
  std::int64_t alert_wait_ms = 60000;      // AlertRecord.wait_duration, wandb.alert's default
  bool quiet = false;                      // no messages on stderr
  bool sigterm_is_preemption = true;       // exit code 143 (SIGTERM): W&B's preempting record (see close)
  bool environment = true;                 // environment record (OS, host, args, CPU/GPU, git) and files record at open
  std::chrono::duration<double> system_metrics_interval{15};  // stats records (W&B's System charts) this often; 0: off
                                           // (run_options::system_metrics / --system_metrics_interval win)
  std::string console;                     // "auto" | "wrap" | "off": stdout/stderr as output_raw records + files/output.log
                                           // (empty: $WANDB_CONSOLE, else off; --wandb_console wins)
  bool live = true;                        // online: stream the run while it trains with `wandb beta sync --live`
  std::chrono::duration<double> live_finish_timeout{120};  // at close, wait this long for the live sync to finish
};

namespace detail {

inline bool wandb_glob_match(std::string_view pattern, std::string_view s) {
  // '*' matches any run of characters (as wandb's define_metric globs); everything else literally.
  std::size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = i;
    } else if (p < pattern.size() && pattern[p] == s[i]) {
      ++p, ++i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

inline std::string wandb_mode_name(wandb_mode m) {
  switch (m) {
    case wandb_mode::automatic: return "automatic";
    case wandb_mode::offline: return "offline";
    case wandb_mode::online: return "online";
    case wandb_mode::disabled: return "disabled";
  }
  return "?";
}

/// The mode a run really uses: $WANDB_MODE=disabled (or WANDB_DISABLED=true) always wins, an
/// explicit mode next, then $WANDB_MODE, then online-if-a-key-exists.
inline wandb_mode resolve_wandb_mode(wandb_mode asked) {
  std::string env;
  if (const char* m = std::getenv("WANDB_MODE")) env = m;
  if (env == "disabled") return wandb_mode::disabled;
  if (const char* d = std::getenv("WANDB_DISABLED"); d && (std::string_view(d) == "true" || std::string_view(d) == "1"))
    return wandb_mode::disabled;
  if (asked != wandb_mode::automatic) return asked;
  if (env == "offline" || env == "dryrun") return wandb_mode::offline;
  if (env == "online" || env == "run") return wandb_mode::online;
  if (!env.empty())
    throw std::invalid_argument("vitals: WANDB_MODE=" + env + " is not one of online, offline, disabled");
  return find_wandb_api_key() ? wandb_mode::online : wandb_mode::offline;
}

inline std::string wandb_alert_level(std::string_view level) {
  std::string l(level);
  for (auto& c : l) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (l == "WARNING") return "WARN";
  if (l == "CRITICAL" || l == "FATAL") return "ERROR";
  if (l.empty()) return "INFO";
  return l;
}

}  // namespace detail

/// Writes a W&B run. Satisfies vitals::sink; one instance per run.
class wandb_sink {
 public:
  explicit wandb_sink(wandb_options options = {}) : opt_(std::move(options)) {
    // Console capture starts here, when the run builds its sinks, so that what the program prints
    // before its first logged step is kept too (open() comes with the first record).
    std::string console = opt_.console;
    if (const char* c = std::getenv("WANDB_CONSOLE"); console.empty() && c && *c) console = c;
    if (!console.empty()) set_console(parse_console_mode(console));
  }

  void open(const run_info& info) {
    mode_ = detail::resolve_wandb_mode(opt_.mode);
    if (mode_ == wandb_mode::disabled) {
      console_.reset();
      return;
    }
    if (!info.console.empty()) set_console(parse_console_mode(info.console));  // --wandb_console
    info_ = info;
    const std::filesystem::path base = opt_.dir.empty() ? info.dir : opt_.dir;
    if (base.empty()) throw std::invalid_argument("vitals::wandb_sink: neither wandb_options.dir nor run_info.dir is set");
    if (info.id.empty() || info.id.find('/') != std::string::npos)
      throw std::invalid_argument("vitals::wandb_sink: run_info.id must be a non-empty run id without '/', got '" + info.id + "'");
    const std::filesystem::path wandb_dir = base / "wandb";
    run_dir_ = wandb_dir / ("offline-run-" + local_time_stamp(info.start_time) + "-" + info.id);
    if (info.resumed) {
      // A resumed run is a new fragment of the same run, in its own folder as wandb.init writes it
      // (`wandb sync` uploads the fragments of one run id in start order, each continuing the
      // server's history). Two starts in one second: the next free second names the folder.
      std::filesystem::create_directories(wandb_dir);
      for (double t = info.start_time; !std::filesystem::create_directory(run_dir_); t += 1)
        run_dir_ = wandb_dir / ("offline-run-" + local_time_stamp(t + 1) + "-" + info.id);
      read_resumed_summary(info.dir / "summary.json");
    }
    std::filesystem::create_directories(run_dir_ / "files");
    std::filesystem::create_directories(run_dir_ / "logs");
    log_.open(run_dir_ / ("run-" + info.id + ".wandb"), opt_.buffer_bytes);

    config_items_ = split_config(info.config_json);
    write_run_record();
    if (opt_.environment) {
      write_files_record(info.dir);
      write_environment_record(base);
    }
    for (const auto& m : opt_.metrics) {
      write_metric_definition(m);
      has_summary_rules_ = has_summary_rules_ || !m.summary.empty();
    }
    write_config_yaml();
    write_metadata();
    point_latest_run(wandb_dir);
    log_.flush();
    last_sync_ = std::chrono::steady_clock::now();
    // With the run's system_metrics.to_sinks the run samples and its record_kind::system records
    // become the stats records; otherwise this sink samples itself.
    const double interval = info.system_metrics_interval.value_or(opt_.system_metrics_interval.count());
    if (!info.system_metrics_to_sinks && interval > 0)
      sampler_ = std::make_unique<system_sampler>(std::chrono::duration<double>(interval), base);
    if (console_) output_log_.reset(std::fopen((run_dir_ / "files" / "output.log").c_str(), "ab"));
    if (mode_ == wandb_mode::online && opt_.live) start_live();
  }

  void write(const record& r) {
    if (!active()) return;
    switch (r.kind) {
      case record_kind::history: write_history(r); break;
      case record_kind::summary:
        for (const metric& m : r.metrics) {
          value_scratch_.clear();
          if (!table_value(m, r.step, value_scratch_)) detail::append_json_value(value_scratch_, m.value, detail::wandb_json);
          set_value(explicit_summary_, explicit_index_, m.key, value_scratch_);
        }
        break;
      case record_kind::alert: write_alert(r); break;
      case record_kind::config: write_config_update(r); break;
      case record_kind::system: write_system_record(r); break;
      default: break;  // a record kind W&B has no record for
    }
  }

  void flush() {
    if (!active()) return;
    write_stats();
    write_console();
    log_.flush();
    if (live_.pid > 0 && !live_reported_ && detail::process_done(live_.pid)) {
      live_reported_ = true;  // ended before the run did: the end-of-run sync uploads the rest
      live_.pid = -1;
      if (!opt_.quiet) std::fprintf(stderr, "vitals: 'wandb beta sync --live' stopped early; the run is uploaded at the end instead\n");
    }
    if (mode_ == wandb_mode::online && live_.pid < 0 && opt_.sync_interval.count() > 0) {
      if (sync_.pid > 0 && detail::process_done(sync_.pid)) sync_.pid = -1;
      const auto now = std::chrono::steady_clock::now();
      if (sync_.pid < 0 && now - last_sync_ >= opt_.sync_interval) {
        last_sync_ = now;
        start_sync(false);
      }
    }
  }

  void close(int exit_code) {
    if (!active()) return;
    if (sampler_) {
      sampler_->stop();
      write_stats();
    }
    if (console_) {
      console_->stop();
      write_console();
      output_log_.reset();
    }
    write_summary();
    // Ended by SIGTERM (128 + 15), the scheduler's preemption signal: W&B's preempting record,
    // and an exit record that does not complete the run, so W&B shows it preempted (waiting to
    // be resumed) rather than failed.
    const bool preempted = opt_.sigterm_is_preemption && exit_code == 128 + SIGTERM;
    if (preempted) {
      begin_record();
      pb_.end_message(pb_.begin_message(detail::wandb_fields::Record::preempting));
      end_record();
    }
    write_exit(exit_code, preempted);
    begin_record();
    pb_.end_message(pb_.begin_message(detail::wandb_fields::Record::final));
    end_record();
    log_.close();
    closed_ = true;
    write_summary_json();
    if (mode_ == wandb_mode::online && live_.pid > 0) {
      finish_live();
    } else if (mode_ == wandb_mode::online) {
      sync_.wait();
      start_sync(true);
    } else if (!opt_.quiet) {
      std::fprintf(stderr, "vitals: W&B offline run written to %s; upload it with: wandb sync %s\n", run_dir_.c_str(),
                   run_dir_.c_str());
    }
  }

  /// The run's folder (offline-run-...), known after open(); empty when disabled.
  const std::filesystem::path& run_dir() const { return run_dir_; }
  /// The `.wandb` file.
  std::filesystem::path log_path() const { return run_dir_.empty() ? run_dir_ : run_dir_ / ("run-" + info_.id + ".wandb"); }
  /// The mode open() settled on.
  wandb_mode mode() const { return mode_; }
  /// Exit status of the last `wandb sync` this sink ran at close (nullopt: none ran).
  std::optional<int> sync_exit_status() const { return sync_status_; }

 private:
  void set_console(console_mode m) {
    if (console_ && console_mode_ == m) return;
    console_.reset();  // restores fds 1 and 2 first
    console_mode_ = m;
    if (m != console_mode::off) console_ = std::make_unique<console_capture>(m);
  }

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

  void write_run_record() {
    namespace f = detail::wandb_fields;
    begin_record();
    const auto run = pb_.begin_message(f::Record::run);
    pb_.string_field(f::RunRecord::run_id, info_.id);
    pb_.string_field(f::RunRecord::entity, info_.entity);
    pb_.string_field(f::RunRecord::project, info_.project);
    const auto cfg = pb_.begin_message(f::RunRecord::config);
    // `_wandb: {}` first, as wandb.init writes it: `wandb sync`'s sender only uploads the run's
    // metric definitions (define_metric x axes), start time and telemetry when the config already
    // holds a `_wandb` entry (sender_config.to_backend_dict adds them to that entry in place).
    kv(f::ConfigRecord::update, "_wandb", "{}");
    for (const auto& [k, v] : config_items_)
      if (k != "_wandb") kv(f::ConfigRecord::update, k, v);
    pb_.end_message(cfg);
    pb_.string_field(f::RunRecord::run_group, info_.group);
    pb_.string_field(f::RunRecord::job_type, info_.job_type);
    pb_.string_field(f::RunRecord::display_name, info_.name);
    pb_.string_field(f::RunRecord::notes, info_.notes);
    for (const auto& t : info_.tags) pb_.bytes_field(f::RunRecord::tags, t);
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) pb_.string_field(f::RunRecord::host, host);
    const auto ts = pb_.begin_message(f::RunRecord::start_time);
    const double start = info_.start_time;
    const auto secs = static_cast<std::int64_t>(std::floor(start));
    pb_.int64_field(f::Timestamp::seconds, secs);
    pb_.int32_field(f::Timestamp::nanos, static_cast<std::int32_t>(std::llround((start - static_cast<double>(secs)) * 1e9) % 1000000000));
    pb_.end_message(ts);
    if (info_.resumed) {
      // As wandb.init(resume=...) writes it; `wandb sync` then asks the server where the run's
      // history ends and appends this fragment there.
      pb_.int64_field(f::RunRecord::starting_step, info_.starting_step);
      pb_.bool_field(f::RunRecord::resumed, true);
      pb_.int32_field(f::RunRecord::runtime, static_cast<std::int32_t>(info_.starting_runtime));
      pb_.bool_field(f::RunRecord::resume, true);
    }
    pb_.end_message(run);
    end_record();
  }

  /// The summary the earlier starts left (the run's summary.json): keys this start does not set
  /// again keep their values, as W&B merges a resumed run's summary.
  void read_resumed_summary(const std::filesystem::path& p) {
    std::string text;
    if (std::FILE* fp = std::fopen(p.c_str(), "rb")) {
      char b[4096];
      for (std::size_t n; (n = std::fread(b, 1, sizeof b, fp)) > 0;) text.append(b, n);
      std::fclose(fp);
    }
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    if (text.empty() || parser.parse(text).get(obj)) return;
    for (auto field : obj)
      if (!field.key.starts_with("_")) set_value(resumed_summary_, resumed_index_, field.key, simdjson::minify(field.value));
  }

  void write_metric_definition(const wandb_metric& m) {
    namespace f = detail::wandb_fields;
    if (m.name.empty()) throw std::invalid_argument("vitals::wandb_sink: a wandb_metric needs a name (a key or a glob like \"val/*\")");
    // As wandb.define_metric(name, step_metric=s): the step metric is defined first, on its own.
    if (!m.step_metric.empty() && !defined_step_metrics_.count(m.step_metric)) {
      defined_step_metrics_[m.step_metric] = true;
      begin_record();
      const auto rec = pb_.begin_message(f::Record::metric);
      pb_.string_field(f::MetricRecord::name, m.step_metric);
      const auto o = pb_.begin_message(f::MetricRecord::options);
      pb_.bool_field(f::MetricOptions::defined, true);
      pb_.end_message(o);
      pb_.end_message(rec);
      end_record();
    }
    begin_record();
    const auto rec = pb_.begin_message(f::Record::metric);
    const bool glob = m.name.find('*') != std::string::npos;
    pb_.string_field(glob ? f::MetricRecord::glob_name : f::MetricRecord::name, m.name);
    pb_.string_field(f::MetricRecord::step_metric, m.step_metric);
    const auto o = pb_.begin_message(f::MetricRecord::options);
    pb_.bool_field(f::MetricOptions::step_sync, !m.step_metric.empty());
    pb_.bool_field(f::MetricOptions::hidden, m.hidden);
    pb_.bool_field(f::MetricOptions::defined, true);
    pb_.end_message(o);
    write_metric_summary(m);
    write_goal(m);
    pb_.end_message(rec);
    end_record();
  }

  void write_metric_summary(const wandb_metric& m) {
    namespace f = detail::wandb_fields;
    if (m.summary.empty()) return;
    const auto s = pb_.begin_message(f::MetricRecord::summary);
    for (const auto& name : m.summary) {
      static constexpr std::pair<std::string_view, std::uint32_t> known[] = {
          {"min", f::MetricSummary::min},   {"max", f::MetricSummary::max},   {"mean", f::MetricSummary::mean},
          {"best", f::MetricSummary::best}, {"last", f::MetricSummary::last}, {"none", f::MetricSummary::none},
          {"copy", f::MetricSummary::copy}, {"first", f::MetricSummary::first}};
      bool found = false;
      for (const auto& [n, num] : known)
        if (n == name) pb_.bool_field(num, true), found = true;
      if (!found)
        throw std::invalid_argument("vitals::wandb_sink: metric '" + m.name + "' has unknown summary '" + name +
                                    "' (use min, max, mean, best, last, none, copy or first)");
    }
    pb_.end_message(s);
  }

  void write_goal(const wandb_metric& m) {
    namespace f = detail::wandb_fields;
    if (m.goal.empty()) return;
    if (m.goal == "minimize" || m.goal == "min") {
      pb_.enum_field(f::MetricRecord::goal, f::metric_goal_minimize);
    } else if (m.goal == "maximize" || m.goal == "max") {
      pb_.enum_field(f::MetricRecord::goal, f::metric_goal_maximize);
    } else {
      throw std::invalid_argument("vitals::wandb_sink: metric '" + m.name + "' has goal '" + m.goal + "' (use minimize or maximize)");
    }
  }

  /// wandb writes, before the first row that logs a key matching a glob rule, that rule expanded to
  /// the key; the W&B UI uses it to pick the key's x axis.
  void write_expanded_metric(std::string_view key) {
    namespace f = detail::wandb_fields;
    for (const auto& m : opt_.metrics) {
      if (m.name == key) return;  // an exact rule already covers it
    }
    for (const auto& m : opt_.metrics) {
      if (m.name.find('*') == std::string::npos || !detail::wandb_glob_match(m.name, key)) continue;
      begin_record();
      const auto rec = pb_.begin_message(f::Record::metric);
      pb_.string_field(f::MetricRecord::name, key);
      pb_.string_field(f::MetricRecord::step_metric, m.step_metric);
      const auto o = pb_.begin_message(f::MetricRecord::options);
      pb_.bool_field(f::MetricOptions::step_sync, !m.step_metric.empty());
      pb_.bool_field(f::MetricOptions::hidden, m.hidden);
      pb_.end_message(o);
      if (m.summary.empty()) {
        pb_.end_message(pb_.begin_message(f::MetricRecord::summary));
      } else {
        write_metric_summary(m);
      }
      write_goal(m);
      const auto c = pb_.begin_message(f::MetricRecord::_control);
      pb_.bool_field(f::MetricControl::overwrite, true);
      pb_.end_message(c);
      pb_.bool_field(f::MetricRecord::expanded_from_glob, true);
      pb_.end_message(rec);
      end_record();
      return;
    }
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

  void write_history(const record& r) {
    namespace f = detail::wandb_fields;
    // Expanded glob definitions must precede the row, so look for new keys first.
    if (!opt_.metrics.empty()) {
      for (const metric& m : r.metrics)
        if (!last_index_.contains(m.key) && expanded_.emplace(std::string(m.key), true).second) write_expanded_metric(m.key);
    }
    // Tables first: their files records precede the row, as wandb writes them.
    tables_.clear();
    for (const metric& m : r.metrics) {
      std::string v;
      if (table_value(m, r.step, v)) tables_.emplace_back(m.key, std::move(v));
    }
    begin_record();
    const auto h = pb_.begin_message(f::Record::history);
    auto put = [&](std::string_view key) {
      kv(f::HistoryRecord::item, key, value_scratch_);
      set_value(last_, last_index_, key, value_scratch_);
    };
    for (const metric& m : r.metrics) {
      value_scratch_.clear();
      bool table = false;
      for (const auto& [k, v] : tables_)
        if (k == m.key) value_scratch_ = v, table = true;
      if (!table) detail::append_json_value(value_scratch_, m.value, detail::wandb_json);
      put(m.key);
      if (has_summary_rules_) aggregate(m);
    }
    value_scratch_.clear();
    fmt::format_to(std::back_inserter(value_scratch_), "{}", r.step);
    put("_step");
    value_scratch_.clear();
    detail::append_json_double(value_scratch_, r.runtime, detail::wandb_json);
    put("_runtime");
    value_scratch_.clear();
    detail::append_json_double(value_scratch_, r.timestamp, detail::wandb_json);
    put("_timestamp");
    const auto s = pb_.begin_message(f::HistoryRecord::step);
    pb_.int64_field(f::HistoryStep::num, r.step);
    pb_.end_message(s);
    pb_.end_message(h);
    end_record();
    last_runtime_ = r.runtime;
  }

  /// A vitals::table value (detail::make_wandb_table_file): writes its file under files/media/table/
  /// and a files record naming it (once per file), and puts the table-file value in `out`. False
  /// for any other value.
  bool table_value(const metric& m, std::int64_t step, std::string& out) {
    namespace f = detail::wandb_fields;
    if (m.value.type != metric_value::kind::string || !detail::is_wandb_table(m.value.s)) return false;
    auto t = detail::make_wandb_table_file(m.key, step, m.value.s);
    if (!t) return false;
    // The same table again (logged, then set as a summary): its first file, as Python reuses a
    // logged wandb.Table's file.
    auto [it, fresh] = table_files_.emplace(t->sha256, t->path);
    t->path = it->second;
    out = t->value_json();
    if (!fresh) return true;
    std::error_code ec;
    std::filesystem::create_directories((run_dir_ / "files" / t->path).parent_path(), ec);
    write_file(run_dir_ / "files" / t->path, t->content);
    begin_record();
    const auto r = pb_.begin_message(f::Record::files);
    const auto item = pb_.begin_message(f::FilesRecord::files);
    pb_.string_field(f::FilesItem::path, t->path);
    pb_.end_message(item);
    pb_.end_message(r);
    end_record();
    return true;
  }

  /// run.update_config(): a Record with a ConfigRecord of the changed top-level keys (values
  /// are JSON text), as wandb's run.config.update writes it; files/config.yaml follows.
  void write_config_update(const record& r) {
    namespace f = detail::wandb_fields;
    begin_record();
    const auto cfg = pb_.begin_message(f::Record::config);
    for (const metric& m : r.metrics) {
      if (m.value.type != metric_value::kind::string) continue;
      kv(f::ConfigRecord::update, m.key, m.value.s);
      bool found = false;
      for (auto& [k, v] : config_items_)
        if (k == m.key) v = std::string(m.value.s), found = true;
      if (!found) config_items_.emplace_back(std::string(m.key), std::string(m.value.s));
    }
    pb_.end_message(cfg);
    end_record();
    write_config_yaml();
  }

  void write_alert(const record& r) {
    namespace f = detail::wandb_fields;
    std::string_view title, text, level, state;
    for (const metric& m : r.metrics) {
      if (m.value.type != metric_value::kind::string) continue;
      if (m.key == "title") title = m.value.s;
      else if (m.key == "text") text = m.value.s;
      else if (m.key == "level") level = m.value.s;
      else if (m.key == "state") state = m.value.s;
    }
    // W&B alerts are notifications with no "cleared" state: a rule clearing is not sent.
    // "not_evaluated" (a health rule's metric never logged) is a note for alerts.jsonl, not an alert.
    if (state == "cleared" || state == "resolved" || state == "ok" || state == "not_evaluated") return;
    begin_record();
    const auto a = pb_.begin_message(f::Record::alert);
    pb_.string_field(f::AlertRecord::title, title);
    pb_.string_field(f::AlertRecord::text, text);
    pb_.string_field(f::AlertRecord::level, detail::wandb_alert_level(level));
    pb_.int64_field(f::AlertRecord::wait_duration, opt_.alert_wait_ms);
    pb_.end_message(a);
    end_record();
    if (r.runtime > last_runtime_) last_runtime_ = r.runtime;
  }

  /// Running statistics for keys whose define_metric rule asks for summary min/max/mean/...:
  /// wandb computes these client-side, so the summary holds {"min": ..., "last": ...} for them.
  struct key_stats {
    const wandb_metric* rule = nullptr;  // null: the key has no summary rule
    double min = 0, max = 0, sum = 0, first = 0, last = 0;
    std::int64_t n = 0;
  };

  const wandb_metric* summary_rule_for(std::string_view key) const {
    for (const auto& m : opt_.metrics)
      if (!m.summary.empty() && m.name == key) return &m;
    for (const auto& m : opt_.metrics)
      if (!m.summary.empty() && m.name.find('*') != std::string::npos && detail::wandb_glob_match(m.name, key)) return &m;
    return nullptr;
  }

  void aggregate(const metric& m) {
    auto it = stats_.find(m.key);
    if (it == stats_.end()) it = stats_.emplace(std::string(m.key), key_stats{summary_rule_for(m.key)}).first;
    key_stats& st = it->second;
    if (!st.rule || m.value.type == metric_value::kind::string) return;
    const double x = m.value.as_double();
    if (st.n == 0) st.min = st.max = st.first = x;
    st.min = std::min(st.min, x);
    st.max = std::max(st.max, x);
    st.sum += x;
    st.last = x;
    ++st.n;
  }

  /// The final summary: the last value of every history key (or its define_metric summary
  /// statistics), overridden and extended by explicit summary values.
  value_table final_summary() const {
    value_table out;
    value_index idx;
    for (const auto& [k, v] : resumed_summary_) set_value(out, idx, k, v);
    for (const auto& [k, v] : last_) {
      auto it = stats_.find(k);
      if (it == stats_.end() || !it->second.rule || it->second.n == 0) {
        set_value(out, idx, k, v);
        continue;
      }
      const key_stats& st = it->second;
      std::string j = "{";
      bool drop = false, copy = false;
      for (const auto& what : st.rule->summary) {
        double x = 0;
        if (what == "min") x = st.min;
        else if (what == "max") x = st.max;
        else if (what == "mean") x = st.sum / static_cast<double>(st.n);
        else if (what == "first") x = st.first;
        else if (what == "last") x = st.last;
        else if (what == "best") x = st.rule->goal.starts_with("max") ? st.max : st.min;
        else if (what == "none") { drop = true; continue; }
        else { copy = true; continue; }
        if (j.size() > 1) j += ",";
        detail::append_json_string(j, what);
        j += ":";
        detail::append_json_double(j, x, detail::wandb_json);
      }
      j += "}";
      if (j.size() > 2) set_value(out, idx, k, j);
      else if (copy || !drop) set_value(out, idx, k, v);
    }
    for (const auto& [k, v] : explicit_summary_) set_value(out, idx, k, v);
    return out;
  }

  void write_summary() {
    namespace f = detail::wandb_fields;
    begin_record();
    const auto s = pb_.begin_message(f::Record::summary);
    for (const auto& [k, v] : final_summary()) kv(f::SummaryRecord::update, k, v);
    const auto w = pb_.begin_message(f::SummaryRecord::update);
    pb_.bytes_field(f::SummaryItem::nested_key, "_wandb");
    pb_.bytes_field(f::SummaryItem::nested_key, "runtime");
    pb_.bytes_field(f::SummaryItem::value_json, std::to_string(runtime_seconds()));
    pb_.end_message(w);
    pb_.end_message(s);
    end_record();
  }

  // Whole seconds, rounded up and at least 1: RunExitRecord.runtime is a proto3 int32 without
  // presence, so 0 would not be written at all and W&B would show no runtime.
  std::int64_t runtime_seconds() const { return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(last_runtime_))); }

  // --- run metadata as records ------------------------------------------------------------------
  /// W&B's FilesRecord: the code snapshot (the run's code/ folder -> files/code/...), the run's
  /// config.json and diff.patch (a dirty work tree), copied into files/ so `wandb sync` uploads them.
  void write_files_record(const std::filesystem::path& run_dir) {
    namespace f = detail::wandb_fields;
    std::vector<std::string> paths;
    std::error_code ec;
    auto copy = [&](const std::filesystem::path& from, const std::filesystem::path& rel) {
      std::error_code e;
      std::filesystem::create_directories((run_dir_ / "files" / rel).parent_path(), e);
      if (!e) std::filesystem::copy_file(from, run_dir_ / "files" / rel, std::filesystem::copy_options::overwrite_existing, e);
      if (e) {
        if (!opt_.quiet) std::fprintf(stderr, "vitals: W&B: could not copy %s into %s: %s\n", from.c_str(), (run_dir_ / "files").c_str(), e.message().c_str());
        return;
      }
      paths.push_back(rel.generic_string());
    };
    if (run_dir.empty()) return;
    const auto code = run_dir / "code";
    if (std::filesystem::is_directory(code, ec)) {
      std::vector<std::filesystem::path> found;
      for (std::filesystem::recursive_directory_iterator it(code, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec)) found.push_back(it->path());
      std::sort(found.begin(), found.end());
      for (const auto& p : found) copy(p, "code" / p.lexically_relative(code));
    }
    for (const char* name : {"config.json", "diff.patch"})
      if (std::filesystem::is_regular_file(run_dir / name, ec)) copy(run_dir / name, name);
    if (paths.empty()) return;
    begin_record();
    const auto r = pb_.begin_message(f::Record::files);
    for (const auto& p : paths) {
      const auto item = pb_.begin_message(f::FilesRecord::files);
      pb_.string_field(f::FilesItem::path, p);
      pb_.enum_field(f::FilesItem::policy, f::files_policy_now);
      pb_.enum_field(f::FilesItem::type, f::file_type_wandb);
      pb_.end_message(item);
    }
    pb_.end_message(r);
    end_record();
  }

  /// W&B's EnvironmentRecord: what the Overview shows (OS, host, program, arguments, CPU/GPU, git).
  void write_environment_record(const std::filesystem::path& disk_path) {
    namespace f = detail::wandb_fields;
    environment_info e;
    try {
      e = read_environment(disk_path);
    } catch (const std::exception& ex) {
      if (!opt_.quiet) std::fprintf(stderr, "vitals: W&B: environment not recorded: %s\n", ex.what());
      return;
    }
    begin_record();
    const auto r = pb_.begin_message(f::Record::environment);
    pb_.string_field(f::EnvironmentRecord::os, e.os);
    const auto ts = pb_.begin_message(f::EnvironmentRecord::started_at);
    const auto secs = static_cast<std::int64_t>(std::floor(info_.start_time));
    pb_.int64_field(f::Timestamp::seconds, secs);
    pb_.int32_field(f::Timestamp::nanos, static_cast<std::int32_t>((info_.start_time - static_cast<double>(secs)) * 1e9));
    pb_.end_message(ts);
    for (const auto& a : e.args) pb_.bytes_field(f::EnvironmentRecord::args, a);
    pb_.string_field(f::EnvironmentRecord::program, e.program);
    if (!e.git_commit.empty() || !e.git_remote.empty()) {
      const auto g = pb_.begin_message(f::EnvironmentRecord::git);
      pb_.string_field(f::GitRepoRecord::remote_url, e.git_remote);
      pb_.string_field(f::GitRepoRecord::commit, e.git_commit);
      pb_.end_message(g);
    }
    pb_.string_field(f::EnvironmentRecord::root, e.root);
    pb_.string_field(f::EnvironmentRecord::host, e.host);
    pb_.string_field(f::EnvironmentRecord::username, e.username);
    pb_.string_field(f::EnvironmentRecord::executable, e.program);
    pb_.int64_field(f::EnvironmentRecord::cpu_count, e.cpu_count);
    pb_.int64_field(f::EnvironmentRecord::cpu_count_logical, e.cpu_count_logical);
    pb_.string_field(f::EnvironmentRecord::gpu_type, e.gpu_type);
    pb_.int64_field(f::EnvironmentRecord::gpu_count, static_cast<std::int64_t>(e.gpus.size()));
    if (e.disk_total > 0) {
      const auto d = pb_.begin_message(f::EnvironmentRecord::disk);
      pb_.string_field(f::EnvironmentRecord__DiskEntry::key, e.disk_mount);
      const auto v = pb_.begin_message(f::EnvironmentRecord__DiskEntry::value);
      pb_.int64_field(f::DiskInfo::total, static_cast<std::int64_t>(e.disk_total));
      pb_.int64_field(f::DiskInfo::used, static_cast<std::int64_t>(e.disk_used));
      pb_.end_message(v);
      pb_.end_message(d);
    }
    if (e.memory_total > 0) {
      const auto m = pb_.begin_message(f::EnvironmentRecord::memory);
      pb_.int64_field(f::MemoryInfo::total, static_cast<std::int64_t>(e.memory_total));
      pb_.end_message(m);
    }
    const auto c = pb_.begin_message(f::EnvironmentRecord::cpu);
    pb_.int64_field(f::CpuInfo::count, e.cpu_count);
    pb_.int64_field(f::CpuInfo::count_logical, e.cpu_count_logical);
    pb_.string_field(f::CpuInfo::model, e.cpu_model);
    pb_.end_message(c);
    for (const auto& g : e.gpus) {
      const auto gm = pb_.begin_message(f::EnvironmentRecord::gpu_nvidia);
      pb_.string_field(f::GpuNvidiaInfo::name, g.name);
      pb_.int64_field(f::GpuNvidiaInfo::memory_total, static_cast<std::int64_t>(g.memory_total));
      pb_.end_message(gm);
    }
    pb_.string_field(f::EnvironmentRecord::cuda_version, e.cuda_version);
    pb_.string_field(f::EnvironmentRecord::writer_id, "vitals-" + info_.id);
    pb_.end_message(r);
    end_record();
  }

  /// What the program wrote to stdout/stderr since the last flush, as W&B's OutputRawRecords (one
  /// per chunk, as written; W&B's terminal emulator makes lines of them) and files/output.log.
  void write_console() {
    namespace f = detail::wandb_fields;
    if (!console_) return;
    chunks_.clear();
    console_->take(chunks_);
    for (const auto& c : chunks_) {
      begin_record();
      const auto r = pb_.begin_message(f::Record::output_raw);
      pb_.enum_field(f::OutputRawRecord::output_type, c.stream == 2 ? f::output_stderr : f::output_stdout);
      const auto ts = pb_.begin_message(f::OutputRawRecord::timestamp);
      const auto secs = static_cast<std::int64_t>(std::floor(c.timestamp));
      pb_.int64_field(f::Timestamp::seconds, secs);
      pb_.int32_field(f::Timestamp::nanos, static_cast<std::int32_t>((c.timestamp - static_cast<double>(secs)) * 1e9));
      pb_.end_message(ts);
      valid_utf8(c.text, text_scratch_);  // a proto3 string: wandb's reader refuses invalid UTF-8
      pb_.string_field(f::OutputRawRecord::line, text_scratch_);
      pb_.end_message(r);
      end_record();
      if (output_log_) std::fwrite(c.text.data(), 1, c.text.size(), output_log_.get());
    }
    if (output_log_ && !chunks_.empty()) std::fflush(output_log_.get());
  }

  /// `in` with every byte that does not start a well-formed UTF-8 sequence replaced by U+FFFD.
  static void valid_utf8(std::string_view in, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size();) {
      const auto b = static_cast<unsigned char>(in[i]);
      std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 && b >= 0xC2 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E && b <= 0xF4 ? 4 : 0;
      bool ok = n > 0 && i + n <= in.size();
      for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(in[i + k]) & 0xC0) == 0x80;
      if (ok && n == 3) {  // no overlong forms, no surrogates
        const auto c1 = static_cast<unsigned char>(in[i + 1]);
        ok = !(b == 0xE0 && c1 < 0xA0) && !(b == 0xED && c1 >= 0xA0);
      } else if (ok && n == 4) {
        const auto c1 = static_cast<unsigned char>(in[i + 1]);
        ok = !(b == 0xF0 && c1 < 0x90) && !(b == 0xF4 && c1 >= 0x90);
      }
      if (ok) {
        out.append(in.substr(i, n));
        i += n;
      } else {
        out += "\xEF\xBF\xBD";
        ++i;
      }
    }
  }

  /// The samples the system sampler took since the last flush, as W&B's StatsRecords.
  void write_stats() {
    if (!sampler_) return;
    samples_.clear();
    sampler_->take(samples_);
    for (const auto& smp : samples_) write_stats_record(smp);
  }

  /// A run-level sample (record_kind::system, keys "system/<key>") as a StatsRecord.
  void write_system_record(const record& r) {
    system_sample smp;
    smp.timestamp = r.timestamp;
    for (const metric& m : r.metrics) {
      std::string_view k = m.key;
      if (k.starts_with("system/")) k.remove_prefix(7);
      if (m.value.type != metric_value::kind::string) smp.values.emplace_back(std::string(k), m.value.as_double());
    }
    if (!smp.values.empty()) write_stats_record(smp);
  }

  void write_stats_record(const system_sample& smp) {
    namespace f = detail::wandb_fields;
    {
      begin_record();
      const auto r = pb_.begin_message(f::Record::stats);
      const auto ts = pb_.begin_message(f::StatsRecord::timestamp);
      const auto secs = static_cast<std::int64_t>(std::floor(smp.timestamp));
      pb_.int64_field(f::Timestamp::seconds, secs);
      pb_.int32_field(f::Timestamp::nanos, static_cast<std::int32_t>((smp.timestamp - static_cast<double>(secs)) * 1e9));
      pb_.end_message(ts);
      for (const auto& [k, v] : smp.values) {
        value_scratch_.clear();
        detail::append_json_double(value_scratch_, v, detail::wandb_json);
        const auto item = pb_.begin_message(f::StatsRecord::item);
        pb_.string_field(f::StatsItem::key, k);
        pb_.string_field(f::StatsItem::value_json, value_scratch_);
        pb_.end_message(item);
      }
      pb_.end_message(r);
      end_record();
    }
  }

  void write_exit(int exit_code, bool not_complete) {
    namespace f = detail::wandb_fields;
    begin_record();
    const auto e = pb_.begin_message(f::Record::exit);
    pb_.int32_field(f::RunExitRecord::exit_code, exit_code);
    pb_.int32_field(f::RunExitRecord::runtime, static_cast<std::int32_t>(runtime_seconds()));
    pb_.bool_field(f::RunExitRecord::not_complete, not_complete);
    pb_.end_message(e);
    end_record();
  }

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

  void write_metadata() const {
    std::string j = "{";
    auto field = [&](std::string_view k, std::string_view v) {
      if (j.size() > 1) j += ", ";
      detail::append_json_string(j, k);
      j += ": ";
      detail::append_json_string(j, v);
    };
    utsname u{};
    if (::uname(&u) == 0) field("os", std::string(u.sysname) + "-" + u.release + "-" + u.machine);
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) field("host", host);
    std::time_t t = static_cast<std::time_t>(info_.start_time);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char iso[40];
    std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    field("startedAt", iso);
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) field("program", exe.string());
    field("writer", "vitals");
    j += "}\n";
    write_file(run_dir_ / "files" / "wandb-metadata.json", j);
  }

  void write_summary_json() const {
    std::string j = "{";
    for (const auto& [k, v] : final_summary()) {
      if (j.size() > 1) j += ", ";
      detail::append_json_string(j, k);
      j += ": ";
      j += v;
    }
    if (j.size() > 1) j += ", ";
    j += "\"_wandb\": {\"runtime\": " + std::to_string(runtime_seconds()) + "}}\n";
    write_file(run_dir_ / "files" / "wandb-summary.json", j);
  }

  void point_latest_run(const std::filesystem::path& wandb_dir) const {
    // A symlink created beside it and renamed over it: readers see the old or the new target.
    const std::filesystem::path link = wandb_dir / "latest-run";
    const std::filesystem::path tmp = wandb_dir / ("latest-run.tmp." + std::to_string(::getpid()));
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    std::filesystem::create_directory_symlink(run_dir_.filename(), tmp, ec);
    if (!ec) std::filesystem::rename(tmp, link, ec);
    if (ec && !opt_.quiet) std::fprintf(stderr, "vitals: could not update %s: %s\n", link.c_str(), ec.message().c_str());
  }

  // --- online ----------------------------------------------------------------------------------
  /// Online mode: `wandb beta sync --live <run dir>` follows the file while it is written (wandb >=
  /// 0.31). Without that command: say so once and upload at the end as before.
  void start_live() {
    const auto exe = detail::find_executable(opt_.sync_command);
    if (!exe) return;  // close() says what to run
    const auto help = detail::command_output(detail::shell_quote(exe->string()) + " beta sync --help");
    if (!help || help->find("--live") == std::string::npos) {
      if (!opt_.quiet)
        std::fprintf(stderr, "vitals: '%s beta sync --live' is not available (wandb >= 0.31 has it); the run is uploaded when it ends\n",
                     exe->c_str());
      return;
    }
    try {
      auto c = detail::spawn_watched_process(*exe, {"beta", "sync", "--live", run_dir_.string()}, detail::find_wandb_api_key());
      live_.pid = c.pid;
      live_.lifeline = c.lifeline;
    } catch (const std::exception& e) {
      if (!opt_.quiet) std::fprintf(stderr, "%s; the run is uploaded when it ends\n", e.what());
    }
  }

  void finish_live() {
    const auto status = detail::wait_process_for(live_.pid, opt_.live_finish_timeout);
    if (!status) {
      if (!opt_.quiet)
        std::fprintf(stderr, "vitals: 'wandb beta sync --live' did not finish within %.0f s; stopped it. Upload the rest with: wandb sync %s\n",
                     opt_.live_finish_timeout.count(), run_dir_.c_str());
      live_.stop();
      sync_status_ = -1;
      return;
    }
    live_.pid = -1;
    live_.stop();
    sync_status_ = *status;
    if (*status == 0) return;
    if (!opt_.quiet) std::fprintf(stderr, "vitals: 'wandb beta sync --live' failed (status %d); trying 'wandb sync'\n", *status);
    start_sync(true);
  }

  void start_sync(bool wait) {
    const auto exe = detail::find_executable(opt_.sync_command);
    if (!exe) {
      if (wait && !opt_.quiet)
        std::fprintf(stderr,
                     "vitals: online mode, but the wandb CLI ('%s') is not on PATH; the run is saved offline. "
                     "Upload it with: pip install wandb && wandb sync %s\n",
                     opt_.sync_command.c_str(), run_dir_.c_str());
      return;
    }
    pid_t pid = -1;
    try {
      pid = detail::spawn_process(*exe, {"sync", run_dir_.string()}, detail::find_wandb_api_key());
    } catch (const std::exception& e) {
      if (!opt_.quiet) std::fprintf(stderr, "%s; upload the run with: wandb sync %s\n", e.what(), run_dir_.c_str());
      return;
    }
    if (!wait) {
      sync_.pid = pid;
      return;
    }
    sync_status_ = detail::wait_process(pid);
    if (*sync_status_ != 0 && !opt_.quiet)
      std::fprintf(stderr, "vitals: 'wandb sync' failed (status %d); retry with: wandb sync %s\n", *sync_status_, run_dir_.c_str());
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

/// The DESIGN's `vitals::wandb_offline{}`: a wandb_sink that never uploads.
struct wandb_offline : wandb_sink {
  explicit wandb_offline(wandb_options options = {}) : wandb_sink(with_offline(std::move(options))) {}

 private:
  static wandb_options with_offline(wandb_options o) {
    o.mode = wandb_mode::offline;
    return o;
  }
};

static_assert(sink<wandb_sink>);
static_assert(sink<wandb_offline>);

}  // namespace vitals
