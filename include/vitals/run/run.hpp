// vitals::run - one training run: its directory, config, metadata, and its logging pipeline.
//
//   vitals::run run(vitals::run_options::from_args(argc, argv, {.project = "cmi", .sinks = "jsonl,csv"}));
//   run.log({{"train/loss", 0.3}, {"lr", 1e-4}});          // one step
//   run.log(vitals::prefixed("train/", stats), step);       // fields -> train/<field>
//   run.summary("fold_0/final_val_loss", best);
//   run.finish(0);
//
// Creating a run validates everything first (options, sink names, the runs directory) so that a
// mistake fails before anything is written; then it creates runs/{name}_{id}/ and writes
// config.json and metadata.json atomically.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "vitals/detail/fmt.hpp"
#include "vitals/detail/simdjson.hpp"
#include "vitals/dist/run_ranks.hpp"
#include "vitals/reflect/enum_names.hpp"
#include "vitals/reflect/for_each_field.hpp"
#include "vitals/run/metadata.hpp"
#include "vitals/run/model_params.hpp"
#include "vitals/run/options.hpp"
#include "vitals/run/resume.hpp"
#include "vitals/run/run_dir.hpp"
#include "vitals/run/run_id.hpp"
#include "vitals/run/shutdown.hpp"
#include "vitals/run/system_metrics.hpp"
#include "vitals/sinks/any_sink.hpp"
#include "vitals/format/file.hpp"
#include "vitals/sinks/json_format.hpp"
#include "vitals/sinks/pipeline.hpp"
#include "vitals/sinks/registry.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

// Keys of flattened structs are built in a per-thread buffer: no allocation per call.
struct key_buffer {
  char data[512];
  std::size_t size = 0;
  std::string_view view() const { return {data, size}; }
  std::size_t push(std::string_view s) {
    auto old = size;
    if (size + s.size() > sizeof(data)) throw std::length_error("vitals: flattened metric key longer than 512 bytes");
    if (!s.empty()) std::memcpy(data + size, s.data(), s.size());
    size += s.size();
    return old;
  }
};

template <class F>
void flatten_value(key_buffer& key, const F& v, pipeline::batch& b) {
  using T = std::remove_cvref_t<F>;
  if constexpr (std::is_same_v<T, bool> || std::is_arithmetic_v<T>) {
    b.add(key.view(), metric_value(v));
  } else if constexpr (std::is_enum_v<T>) {
    b.add(key.view(), metric_value(enum_to_string(v)));
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    b.add(key.view(), metric_value(std::string_view(v)));
  } else if constexpr (is_optional<T>::value) {
    if (v) flatten_value(key, *v, b);
  } else if constexpr (reflectable<T>) {
    for_each_field(v, [&](std::string_view name, const auto& field) {
      auto mark = key.size;
      if (mark > 0) key.push("/");
      key.push(name);
      flatten_value(key, field, b);
      key.size = mark;
    });
  } else {
    static_assert(sizeof(T) == 0, "run.log(struct): field types must be arithmetic, bool, enum, string, optional or nested structs");
  }
}

/// config.json's text ends with exactly one newline whoever wrote the JSON (to_json already ends
/// with one), so the file is byte-identical to the composition's config.json.
inline std::string with_final_newline(std::string json) {
  if (json.empty() || json.back() != '\n') json += '\n';
  return json;
}

}  // namespace detail

/// A struct logged under a prefix: run.log(vitals::prefixed("train/", stats), step).
template <class T>
struct prefixed_values {
  std::string_view prefix;
  const T& values;
};
template <class T>
  requires reflectable<T>
prefixed_values<T> prefixed(std::string_view prefix, const T& values) {
  return {prefix, values};
}

class run final : private detail::shutdown_hook {
 public:
  /// Validates, creates the run directory, writes config.json and metadata.json, starts the
  /// writer and attaches the sinks named in opts.sinks. Throws before writing anything when
  /// options, sink names or the runs directory are wrong.
  explicit run(run_options opts = run_options::from_env()) : opts_(std::move(opts)) { start(); }

  /// The same, with the config taken from a struct: config.json = vitals::to_json(cfg).
  ///   vitals::run run({.project = "cmi", .name = cfg.exp_name, .group = cfg.exp_name}, cfg);
  template <class Config>
    requires(!std::is_convertible_v<const Config&, std::string_view>)
  run(run_options opts, const Config& cfg) : opts_(std::move(opts.set_config(cfg))) {
    start();
  }

  run(const run&) = delete;
  run& operator=(const run&) = delete;

  /// Finishes with exit code 0 (1 while an exception unwinds) if finish() was not called.
  ~run() {
    finish(std::uncaught_exceptions() > 0 ? 1 : 0);
  }

  const run_info& info() const { return info_; }
  const std::string& id() const { return info_.id; }
  const std::string& name() const { return info_.name; }
  const std::filesystem::path& dir() const { return info_.dir; }
  run_mode mode() const { return opts_.mode; }
  const run_options& options() const { return opts_; }
  bool disabled() const { return !pipe_; }
  /// This process's rank and the job's world size (0 and 1 outside a distributed job), and
  /// whether its run writes anything (false on ranks other than 0 in rank_zero mode; see
  /// vitals/dist/run_ranks.hpp).
  int rank() const { return ranks_.rank.rank; }
  int world_size() const { return ranks_.rank.world_size; }
  bool writes() const { return ranks_.writes && pipe_ != nullptr; }

  /// Adds a sink: any type with open/write/flush/close (taken by value: copied or moved in),
  /// std::ref(s) to keep your own object (it must outlive the run), an any_sink, or a vector of them.
  ///
  /// The one rule for sinks: the run writes to the sinks named in run_options::sinks (which
  /// VITALS_SINKS and then --sinks replace, as every WANDB_* setting replaces the code's value)
  /// plus the sinks attached in code. A kind never runs twice: a kind attached in code (console,
  /// jsonl, ...) takes the place of the same name in that list, with the code's options. The named
  /// sinks start at the first record (log, summary, alert, flush or finish), and the run then
  /// prints once, on stderr, what it writes to. Attaching, after that, a kind that already runs
  /// throws std::logic_error.
  template <class S>
    requires(sink<std::decay_t<S>> || std::is_same_v<std::decay_t<S>, any_sink>)
  void attach(S&& s) {
    if (!pipe_) return;
    auto kinds = sink_kinds(s);
    add_attached(std::move(kinds), any_sink(std::forward<S>(s)));
  }
  template <class S>
    requires sink<S>
  void attach(std::reference_wrapper<S> s) {
    if (!pipe_) return;
    add_attached(sink_kinds(s.get()), any_sink(s));
  }
  void attach(std::vector<any_sink> sinks) {
    for (auto& s : sinks) attach(std::move(s));
  }

  /// The sinks this run writes to ("jsonl", "console", ...), once the first record has started
  /// them (empty before, and for a disabled run).
  std::vector<std::string> sink_names() const {
    std::lock_guard lock(seal_mu_);
    return running_;
  }

  /// Logs values at a step; every form takes (values, step, commit) in that order. The commit
  /// rule (W&B's): without a step, the values join the current step's row, which is committed now
  /// and the step advances; with a step, the row stays open (commit defaults to false) until a
  /// larger step arrives, commit=true, commit(), end_epoch(), flush or finish. A step smaller than
  /// the current one is dropped and counted. `values`: a {key, value} list, a span of metrics, a
  /// struct (fields as keys, nested structs as "a/b") or vitals::prefixed("train/", a_struct).
  void log(std::initializer_list<metric> items, std::optional<std::int64_t> step = {}, std::optional<bool> commit = {}) {
    if (!pipe_) return;
    seal();
    pipe_->log(std::span<const metric>(items.begin(), items.size()), step, commit);
  }
  void log(std::span<const metric> items, std::optional<std::int64_t> step = {}, std::optional<bool> commit = {}) {
    if (!pipe_) return;
    seal();
    pipe_->log(items, step, commit);
  }
  /// Logs every field of a struct: key = field name, nested structs as "a/b".
  template <class T>
    requires reflectable<T>
  void log(const T& values, std::optional<std::int64_t> step = {}, std::optional<bool> commit = {}) {
    log_struct(values, step, commit, {});
  }
  /// Logs every field of a struct under a prefix: key = prefix + field name.
  template <class T>
  void log(const prefixed_values<T>& values, std::optional<std::int64_t> step = {}, std::optional<bool> commit = {}) {
    log_struct(values.values, step, commit, values.prefix);
  }
  // The old order log(struct, step, prefix, commit): a string where `commit` now stands would
  // otherwise convert to `true` silently.
  template <class T, class P, class... Rest>
    requires(reflectable<T> && std::is_convertible_v<P, std::string_view>)
  void log(const T&, std::optional<std::int64_t>, P&&, Rest&&...) {
    static_assert(sizeof(T) == 0, "run.log(struct, step, prefix) is now run.log(vitals::prefixed(prefix, struct), step, commit)");
  }

  /// The key `name` resolved once, for a loop that logs it at every step (std::invalid_argument
  /// if empty or reserved, as log() would throw):
  ///   const auto loss = run.key("train/loss");
  ///   for (...) run.log({{loss, l}, {lr, x}});   // found by address: no hashing, no compare
  /// Valid while the run exists.
  metric_key key(std::string_view name) {
    if (pipe_) return pipe_->key(name);
    // A disabled run logs nothing but still hands out keys that name their metric.
    std::lock_guard lock(seal_mu_);
    return metric_key(*disabled_keys_.emplace_back(std::make_unique<std::string>(name)));
  }

  /// Ends an epoch for the run's health monitor (vitals::watch_health): joins the open row, as
  /// log() without a step does, and commits it; the monitor evaluates on that row. Without a
  /// monitor it is commit().
  void end_epoch() {
    if (!pipe_) return;
    seal();
    if (!has_stage_) return pipe_->commit();
    metric m{"_vitals/epoch_end", metric_value(1)};
    pipe_->log(std::span<const metric>(&m, 1), {}, true);
  }

  /// Installs a writer-thread record stage (vitals::watch_health does); before the first record.
  void set_stage(std::unique_ptr<record_stage> s) {
    if (!pipe_) return;
    pipe_->set_stage(std::move(s));
    has_stage_ = true;
  }

 private:
  template <class T>
  void log_struct(const T& values, std::optional<std::int64_t> step, std::optional<bool> commit, std::string_view prefix) {
    if (!pipe_) return;
    seal();
    thread_local detail::key_buffer key;
    key.size = 0;
    key.push(prefix);
    pipeline::batch b(*pipe_, step, commit);
    if (prefix.empty() || prefix.back() == '/') {
      for_each_field(values, [&](std::string_view name, const auto& field) {
        key.size = prefix.size();
        key.push(name);
        detail::flatten_value(key, field, b);
      });
    } else {
      detail::flatten_value(key, values, b);
    }
  }

 public:
  /// Commits the open row (W&B: run.log({}, commit=True)).
  void commit() {
    if (!pipe_) return;
    seal();
    pipe_->commit();
  }

  /// Sets a summary value (final/best results); written to summary.json at finish, where it
  /// overrides the last logged value of the same key.
  void summary(std::string_view key, metric_value value) {
    if (!pipe_) return;
    seal();
    metric m{key, value};
    pipe_->emit(record_kind::summary, std::span<const metric>(&m, 1));
  }

  /// Sends an alert record (health rules use this): title, text, level ("INFO"/"WARN"/"ERROR"),
  /// state ("firing"/"cleared").
  void alert(std::string_view title, std::string_view text, std::string_view level = "WARN",
             std::string_view state = "firing") {
    if (!pipe_) return;
    seal();
    metric m[] = {{"title", title}, {"text", text}, {"level", level}, {"state", state}};
    pipe_->emit(record_kind::alert, std::span<const metric>(m));
  }
  /// Sends an alert record with these fields, e.g. a health alert's alert_event::record_fields()
  /// (title, text, level, state, rule, epoch): every sink reads the fields it knows.
  void alert(std::span<const metric> fields) {
    if (!pipe_) return;
    seal();
    pipe_->emit(record_kind::alert, fields);
  }

  /// Changes the config after start, as W&B's `run.config.update({key: value})`: sets `key` (a
  /// top-level key, or a dotted path "optim.lr" into nested mappings, created when absent) to
  /// `value` (a number, string, bool, vector, config struct or config::node), rewrites config.json
  /// atomically and sends a record_kind::config record through the pipeline: the W&B sink writes
  /// a ConfigRecord update and rewrites files/config.yaml; sinks with no notion of config ignore
  /// it. config_json() returns the current text. Call from the thread that logs.
  template <class T>
  void update_config(std::string_view key, const T& value) {
    if (key.empty()) throw std::invalid_argument("vitals: update_config: empty key");
    config::node updates = config::node::mapping();
    config::node* at = &updates;
    for (std::string_view rest = key;;) {
      const auto dot = rest.find('.');
      const auto part = rest.substr(0, dot);
      if (part.empty()) throw std::invalid_argument("vitals: update_config: bad key '" + std::string(key) + "'");
      if (dot == std::string_view::npos) {
        if constexpr (std::is_same_v<T, config::node>) at->set(std::string(part), value);
        else at->set(std::string(part), config::to_node(value));
        break;
      }
      at = &at->set(std::string(part), config::node::mapping());
      rest.remove_prefix(dot + 1);
    }
    apply_config_update(updates, /*deep=*/true);
  }

  /// Changes the config after start to a whole config struct (or a mapping node): every top-level
  /// key it has replaces the run's; keys it lacks stay. As update_config(key, value) otherwise.
  template <class Config>
    requires(!std::is_convertible_v<const Config&, std::string_view>)
  void update_config(const Config& cfg) {
    config::node n;
    if constexpr (std::is_same_v<Config, config::node>) n = cfg;
    else n = config::to_node(cfg);
    if (!n.is_mapping()) throw std::invalid_argument("vitals: update_config(value): the value must be a struct or a mapping");
    apply_config_update(n, /*deep=*/false);
  }

  /// The run's config as JSON text (config.json's content), with every update_config applied.
  std::string config_json() const {
    std::lock_guard lock(finish_mu_);
    return current_config_.empty() ? opts_.config_json : current_config_;
  }

  /// Records model_params/{total_params, trainable_params, model_size_mb} in the summary (as seed
  /// 000 does; not as a history row, which would take a step) and in metadata.json.
  /// bytes_per_param: 4 for fp32, 2 for fp16/bf16.
  void log_model_params(std::int64_t total, std::int64_t trainable, double bytes_per_param = 4) {
    auto p = make_model_params(total, trainable, bytes_per_param);
    summary("model_params/total_params", p.total_params);
    summary("model_params/trainable_params", p.trainable_params);
    summary("model_params/model_size_mb", p.model_size_mb);
    if (!pipe_) return;
    std::lock_guard lock(finish_mu_);
    meta_.set("model_params", fmt::format(R"({{"total_params": {}, "trainable_params": {}, "model_size_mb": {}}})",
                                          p.total_params, p.trainable_params, p.model_size_mb));
  }

  /// A path inside the run directory for the user's files ("state.pth", "ckpt/best.pt"); parent
  /// folders are created. Absolute paths and ".." are refused: artifacts stay in the run.
  ///
  /// A disabled run (WANDB_MODE=disabled) has no run directory, but the program's own files must
  /// still be saved (W&B's disabled mode keeps them working too): they go to the directory given
  /// to set_disabled_dir(), else to VITALS_DISABLED_DIR, else to a fresh temporary directory
  /// (<tmp>/vitals-disabled-XXXXXX, kept after the run). The first call prints where, once.
  std::filesystem::path artifact_path(std::string_view file) const {
    std::filesystem::path p(file);
    if (file.empty() || p.is_absolute()) throw std::invalid_argument("artifact_path: '" + std::string(file) + "' must be a relative file name");
    for (const auto& part : p)
      if (part == "..") throw std::invalid_argument("artifact_path: '" + std::string(file) + "' must not contain '..'");
    auto full = (info_.dir.empty() ? disabled_dir() : info_.dir) / p;
    std::filesystem::create_directories(full.parent_path());
    return full;
  }

  /// Where artifact_path() puts files while the run is disabled (created when needed); no effect
  /// on an enabled run, whose files stay in its run directory.
  void set_disabled_dir(std::filesystem::path dir) {
    std::lock_guard lock(seal_mu_);
    disabled_dir_ = std::move(dir);
    disabled_dir_announced_ = false;
  }

  /// Blocks until everything logged so far is written and flushed by every sink.
  void flush() {
    if (!pipe_) return;
    seal();
    pipe_->flush();
  }

  /// Commits, drains, flushes and closes the sinks, writes summary.json and completes
  /// metadata.json (exit code, end time, dropped rows, sink errors). Idempotent.
  void finish(int exit_code = 0) { finish_impl(exit_code); }

  std::uint64_t dropped() const { return pipe_ ? pipe_->dropped() : 0; }
  std::uint64_t out_of_order_steps() const { return pipe_ ? pipe_->out_of_order_steps() : 0; }
  std::uint64_t records_written() const { return pipe_ ? pipe_->records_written() : 0; }
  std::int64_t step() const { return pipe_ ? pipe_->current_step() : 0; }
  std::vector<std::string> sink_errors() const { return pipe_ ? pipe_->sink_errors() : std::vector<std::string>{}; }
  bool finished() const {
    std::lock_guard lock(finish_mu_);
    return finished_;
  }

 private:
  void start() {
    ranks_ = dist::apply_ranks(opts_);
    opts_.validate();
    if (!ranks_.writes) check_config(opts_.config_json);  // fail on every rank alike
    if (opts_.mode == run_mode::disabled || !ranks_.writes) {
      info_.id = opts_.id;  // the id the ranks agreed on (dist/run_ranks.hpp); may be empty
      info_.project = opts_.project;
      info_.name = opts_.name;
      return;
    }
    check_config(opts_.config_json);
    auto sinks = make_sinks(opts_.effective_sinks());

    auto now = std::chrono::system_clock::now();
    info_.start_time = std::chrono::duration<double>(now.time_since_epoch()).count();
    info_.project = opts_.project;
    info_.entity = opts_.entity;
    info_.group = opts_.group;
    info_.job_type = opts_.job_type;
    info_.notes = opts_.notes;
    info_.tags = opts_.tags;
    info_.total_steps = opts_.total_steps;
    info_.config_json = opts_.config_json;
    info_.system_metrics_interval = opts_.system_metrics.interval;
    info_.system_metrics_to_sinks = opts_.system_metrics.to_sinks;
    info_.console = opts_.wandb_console;
    info_.name = opts_.name.empty() ? make_run_name(count_runs(opts_.dir) + 1) : opts_.name;
    claim_ = claim_run_dir(opts_.dir, info_.name, opts_.id, opts_.resume);  // new, or resumed (run/resume.hpp)
    info_.dir = claim_.path;
    info_.id = claim_.id;
    if (claim_.resumed) {
      if (opts_.name.empty() && !claim_.previous_name.empty()) info_.name = claim_.previous_name;
      info_.resumed = true;
      info_.starting_step = claim_.last_step + 1;
      info_.starting_runtime = claim_.last_runtime;
      info_.config_json = detail::merge_json_objects(claim_.previous_config, info_.config_json);
    }

    try {
      detail::atomic_write_file(info_.dir / "config.json", detail::with_final_newline(info_.config_json));
      write_metadata();
      snapshot_code();
    } catch (...) {
      std::error_code ec;
      if (!claim_.resumed) std::filesystem::remove_all(info_.dir, ec);  // do not leave half a run behind
      throw;
    }
    // Room for summary.json and the final metadata.json should the disk fill up (best effort).
    reserve_.create(info_.dir / ".vitals-reserve");

    pipe_ = std::make_unique<pipeline>(info_, opts_.pipeline);
    // Held until the first record, so that a kind the code attaches replaces its namesake here.
    auto names = split_sink_list(opts_.effective_sinks());
    for (std::size_t i = 0; i < sinks.size(); ++i) pending_.emplace_back(names[i], std::move(sinks[i]));
    if (opts_.handle_signals) detail::install_signal_handlers();
    detail::install_atexit_hook();
    detail::add_shutdown_hook(this);
  }

  // The directory a disabled run's artifacts go to (see artifact_path).
  std::filesystem::path disabled_dir() const {
    std::lock_guard lock(seal_mu_);
    if (disabled_dir_.empty()) {
      if (const char* env = std::getenv("VITALS_DISABLED_DIR"); env && *env) {
        disabled_dir_ = env;
      } else {
        std::error_code ec;
        auto tmp = std::filesystem::temp_directory_path(ec);
        if (ec) tmp = "/tmp";
        std::string templ = (tmp / "vitals-disabled-XXXXXX").string();
        if (!::mkdtemp(templ.data()))
          throw std::filesystem::filesystem_error("vitals: cannot create a directory for a disabled run's files", templ,
                                                  std::error_code(errno, std::generic_category()));
        disabled_dir_ = templ;
      }
    }
    std::filesystem::create_directories(disabled_dir_);
    if (!disabled_dir_announced_) {
      disabled_dir_announced_ = true;
      detail::write_stderr_line(
          fmt::format("vitals: the run is disabled (no run directory); its files go to {}\n", disabled_dir_.string()));
    }
    return disabled_dir_;
  }

  // The kinds of a sink: "console" for console{}, each member of vitals::sinks(...), the registry's
  // name for the wandb sink.
  static std::string sink_kind(std::string_view name) {
    if (name == "wandb_sink" || name == "wandb_offline") return "wandb";
    return std::string(name);
  }
  template <class S>
  static std::vector<std::string> sink_kinds(const S& s) {
    using T = std::remove_cvref_t<S>;
    std::vector<std::string> out;
    if constexpr (requires { T::member_names(); }) {
      for (auto n : T::member_names()) out.push_back(sink_kind(n));
    } else if constexpr (std::is_same_v<T, any_sink>) {
      out.push_back(sink_kind(s.name()));
    } else {
      out.push_back(sink_kind(sink_name<T>()));
    }
    return out;
  }

  void add_attached(std::vector<std::string> kinds, any_sink s) {
    std::lock_guard lock(seal_mu_);
    if (!sealed_.load(std::memory_order_relaxed)) {
      for (const auto& k : kinds) {
        for (auto it = pending_.begin(); it != pending_.end();) {
          if (it->first == k) {
            replaced_.push_back(k);
            it = pending_.erase(it);
          } else {
            ++it;
          }
        }
      }
      attached_.insert(attached_.end(), kinds.begin(), kinds.end());
    } else {
      for (const auto& k : kinds)
        for (const auto& r : running_)
          if (r == k)
            throw std::logic_error("vitals: a '" + k + "' sink already runs in run '" + info_.name +
                                   "'; the same sink never runs twice (attach sinks before the first log())");
      running_.insert(running_.end(), kinds.begin(), kinds.end());
    }
    pipe_->attach(std::move(s));
  }

  // Starts the named sinks (those the code did not attach itself) and says once what runs.
  void seal() {
    if (!sealed_.load(std::memory_order_acquire)) seal_slow();
  }
  void seal_slow() {
    std::lock_guard lock(seal_mu_);
    if (sealed_.load(std::memory_order_relaxed)) return;
    std::vector<std::string> named, defaults;  // from the list; added by default (the report)
    const auto listed = split_sink_list(opts_.sinks);
    for (auto& [name, s] : pending_) {
      (std::find(listed.begin(), listed.end(), name) != listed.end() ? named : defaults).push_back(name);
      running_.push_back(name);
      pipe_->attach(std::move(s));
    }
    pending_.clear();
    running_.insert(running_.end(), attached_.begin(), attached_.end());
    const char* env = std::getenv("VITALS_SINKS");
    std::string source = env && opts_.sinks == env ? "VITALS_SINKS" : "--sinks/run_options::sinks";
    std::string line = "vitals: sinks: ";
    if (running_.empty()) line += "none";
    if (!named.empty()) line += fmt::format("{} ({})", fmt::join(named, ", "), source);
    if (!defaults.empty()) line += fmt::format("{}{} (default)", named.empty() ? "" : ", ", fmt::join(defaults, ", "));
    if (!attached_.empty()) {
      if (!named.empty() || !defaults.empty()) line += ", ";
      line += fmt::format("{} (attached in code", fmt::join(attached_, ", "));
      if (!replaced_.empty()) line += fmt::format("; replaces {}' {}", source, fmt::join(replaced_, ", "));
      line += ")";
    }
    line += "\n";
    detail::write_stderr_line(line);
    sealed_.store(true, std::memory_order_release);
    start_system_metrics();
  }

  // run_options::system_metrics.to_sinks: samples (one now, then every interval) reach every sink
  // as record_kind::system records, sent from the sampler's thread: log() is not involved.
  void start_system_metrics() {
    const auto& sm = opts_.system_metrics;
    const double interval = sm.interval.value_or(15.0);
    if (!sm.to_sinks || interval <= 0 || system_sampler_) return;
    system_sampler_ = std::make_unique<system_sampler>(
        std::chrono::duration<double>(interval), info_.dir, 0, [p = pipe_.get()](const system_sample& s) {
          system_sample_metrics m;
          m.assign(s);
          p->emit(record_kind::system, std::span<const metric>(m.metrics));
        });
  }

  // Merges `updates` (a mapping) into the current config: deep = nested mappings merge key by key
  // (a dotted update_config key), else top-level keys are replaced whole. Then config.json and
  // one config record carrying each changed top-level key with its full new value.
  void apply_config_update(const config::node& updates, bool deep) {
    std::vector<std::pair<std::string, std::string>> changed;  // top-level key, compact JSON
    {
      std::lock_guard lock(finish_mu_);
      if (finished_) throw std::logic_error("vitals: update_config() after finish()");
      const std::string& text = current_config_.empty() ? (info_.config_json.empty() ? opts_.config_json : info_.config_json) : current_config_;
      config::node root = config::parse_json(text.empty() ? std::string_view("{}") : std::string_view(text), "config.json");
      auto merge = [](auto& self, config::node& into, const config::node& from) -> void {
        for (const auto& [k, v] : from.entries) {
          config::node* old = into.find(k);
          if (old && old->is_mapping() && v.is_mapping()) self(self, *old, v);
          else into.set(k, v);
        }
      };
      for (const auto& [k, v] : updates.entries) {
        config::node* old = root.find(k);
        if (deep && old && old->is_mapping() && v.is_mapping()) merge(merge, *old, v);
        else root.set(k, v);
        changed.emplace_back(k, config::to_json(*root.find(k), 0));
      }
      current_config_ = detail::with_final_newline(config::to_json(root, 2));
      if (!info_.dir.empty()) detail::atomic_write_file(info_.dir / "config.json", current_config_);
    }
    if (!pipe_) return;
    seal();
    std::vector<metric> m;
    m.reserve(changed.size());
    for (const auto& [k, v] : changed) m.push_back({k, metric_value(std::string_view(v))});
    pipe_->emit(record_kind::config, std::span<const metric>(m));
  }

  static void check_config(const std::string& json) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    auto err = parser.parse(json).get(doc);
    if (err) throw std::invalid_argument(std::string("vitals: run config is not valid JSON: ") + simdjson::error_message(err));
    if (!doc.is_object()) throw std::invalid_argument("vitals: run config must be a JSON object");
  }

  void write_metadata() {
    using detail::json_string;
    meta_.set("project", json_string(info_.project));
    meta_.set("entity", json_string(info_.entity));
    meta_.set("name", json_string(info_.name));
    meta_.set("id", json_string(info_.id));
    meta_.set("group", json_string(info_.group));
    meta_.set("job_type", json_string(info_.job_type));
    meta_.set("tags", detail::json_string_array(info_.tags));
    meta_.set("notes", json_string(info_.notes));
    meta_.set("mode", json_string(to_string(opts_.mode)));
    meta_.set("start_time", json_string(detail::iso_time(info_.start_time)));
    meta_.set("start_timestamp", fmt::format("{}", info_.start_time));
    meta_.set("host", json_string(host_name()));
    meta_.set("pid", std::to_string(::getpid()));
    std::error_code ec;
    meta_.set("cwd", json_string(std::filesystem::current_path(ec).string()));
    meta_.set("command_line", detail::json_string_array(read_command_line()));
    meta_.set("compiler", json_string(compiler_description()));
    meta_.set("cplusplus", std::to_string(__cplusplus));
    meta_.set("vitals_version", json_string(VITALS_VERSION_STRING));
    meta_.set("cuda_devices", detail::json_string_array(read_cuda_devices()));
    if (ranks_.rank.distributed()) meta_.set("distributed", dist::metadata_json(ranks_));
    if (opts_.capture_git) {
      if (auto g = read_git_info()) {
        meta_.set("git", fmt::format("{{\"commit\": {}, \"branch\": {}, \"dirty\": {}}}", json_string(g->commit),
                                     json_string(g->branch), g->dirty ? "true" : "false"));
        if (g->dirty) detail::atomic_write_file(info_.dir / "diff.patch", g->diff);
      } else {
        meta_.set("git", "null");
      }
    }
    if (claim_.resumed) meta_.set("resumed", "true");
    meta_.set("starts", claim_.starts_json(meta_));
    detail::atomic_write_file(info_.dir / "metadata.json", meta_.to_json());
  }

  void snapshot_code() {
    for (const auto& f : opts_.code_files) {
      auto rel = f.is_absolute() ? f.filename() : f.lexically_normal();
      if (!rel.empty() && *rel.begin() == "..") rel = f.filename();
      auto target = info_.dir / "code" / rel;
      std::filesystem::create_directories(target.parent_path());
      std::filesystem::copy_file(f, target, std::filesystem::copy_options::overwrite_existing);
    }
  }

  void write_summary() {
    std::string out = "{";
    fmt::memory_buffer b;
    bool first = true;
    auto field = [&](std::string_view k, const metric_value& v) {
      b.clear();
      b.append(std::string_view(first ? "\n  " : ",\n  "));
      first = false;
      detail::append_json_string(b, k);
      b.append(std::string_view(": "));
      detail::append_json_value(b, v, detail::jsonl_json);
      out.append(b.data(), b.size());
    };
    if (pipe_->last_step() >= 0) {
      field("_step", pipe_->last_step());
      field("_runtime", pipe_->last_runtime());
      field("_timestamp", pipe_->last_timestamp());
    }
    for (const auto& [k, v] : pipe_->summary()) field(k, v.view());
    out += "\n}";
    // A resumed run keeps the keys only earlier starts set (W&B merges a resumed summary).
    if (claim_.resumed) out = detail::merge_json_objects(claim_.previous_summary, out);
    detail::atomic_write_file(info_.dir / "summary.json", out + "\n");
  }

  void finish_impl(int exit_code) noexcept {
    detail::remove_shutdown_hook(this);  // first: waits while the signal finisher is finishing us
    std::lock_guard lock(finish_mu_);
    if (finished_) return;
    finished_ = true;
    if (!pipe_) return;
    try {
      seal();
    } catch (...) {
    }
    if (system_sampler_) system_sampler_->stop();  // before the pipeline: no sample arrives after finish
    pipe_->finish(exit_code);
    reserve_.release();  // the sinks are closed: its space is for summary.json and metadata.json
    // Best effort from here on: a full disk must not turn finish() into a crash. Each file is
    // written whole or not at all (atomic_write_file), and one failing does not skip the other.
    try {
      write_summary();
    } catch (const std::exception& e) {
      fmt::print(stderr, "vitals: finishing run '{}': {}\n", info_.name, e.what());
    } catch (...) {
    }
    try {
      auto end = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
      meta_.set("end_time", detail::json_string(detail::iso_time(end)));
      meta_.set("runtime", fmt::format("{}", end - info_.start_time));
      meta_.set("exit_code", std::to_string(exit_code));
      meta_.set("records_written", std::to_string(pipe_->records_written()));
      meta_.set("dropped_records", std::to_string(pipe_->dropped()));
      meta_.set("out_of_order_steps", std::to_string(pipe_->out_of_order_steps()));
      if (int sig = detail::received_signal()) meta_.set("signal", std::to_string(sig));
      // SIGTERM is how schedulers preempt (SLURM --requeue, Kubernetes, spot): the wandb sink
      // writes W&B's preempting record for it, and metadata.json says so.
      if (detail::received_signal() == SIGTERM) meta_.set("preempted", "true");
      meta_.set("starts", claim_.starts_json(meta_));
      auto errors = pipe_->sink_errors();
      meta_.set("sink_errors", detail::json_string_array(errors));
      meta_.set("sinks", detail::json_string_array(sink_names()));
      detail::atomic_write_file(info_.dir / "metadata.json", meta_.to_json());
      claim_.finished(exit_code);
      if (pipe_->dropped() > 0)
        fmt::print(stderr, "vitals: run '{}' dropped {} rows (queue full, overflow policy {})\n", info_.name, pipe_->dropped(),
                   opts_.pipeline.overflow == overflow_policy::drop_oldest ? "drop_oldest" : "drop_newest");
    } catch (const std::exception& e) {
      fmt::print(stderr, "vitals: finishing run '{}': {}\n", info_.name, e.what());
    } catch (...) {
    }
  }

  void on_shutdown(int exit_code) noexcept override { finish_impl(exit_code); }

  run_options opts_;
  dist::run_ranks ranks_;
  run_info info_;
  run_metadata meta_;
  run_dir_claim claim_;  // the run directory and its lock (run/resume.hpp)
  detail::disk_reserve reserve_;  // see finish_impl
  std::unique_ptr<pipeline> pipe_;
  std::unique_ptr<system_sampler> system_sampler_;  // run_options::system_metrics.to_sinks
  std::string current_config_;  // config.json after update_config (empty: none yet); finish_mu_
  bool has_stage_ = false;
  mutable std::mutex finish_mu_;
  bool finished_ = false;
  // Sinks (see attach): the named ones waiting for the first record, the kinds attached in code,
  // the named kinds they replaced, and what runs once the first record has come.
  mutable std::mutex seal_mu_;
  std::atomic<bool> sealed_{false};
  std::vector<std::pair<std::string, any_sink>> pending_;
  std::vector<std::string> attached_, replaced_, running_;
  std::vector<std::unique_ptr<std::string>> disabled_keys_;  // see key()
  mutable std::filesystem::path disabled_dir_;
  mutable bool disabled_dir_announced_ = false;
};

}  // namespace vitals
