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

#include <atomic>
#include <cstdint>
#include <cstring>
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
#include <type_traits>
#include <utility>
#include <vector>

#include "vitals/config/convert.hpp"  // update_config's and set_config's to_node
#include "vitals/config/node.hpp"
#include "vitals/dist/run_ranks.hpp"
#include "vitals/reflect/enum_names.hpp"
#include "vitals/reflect/for_each_field.hpp"
#include "vitals/run/model_params.hpp"
#include "vitals/run/options.hpp"
#include "vitals/run/shutdown.hpp"
#include "vitals/sinks/any_sink.hpp"
#include "vitals/sinks/pipeline.hpp"
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

/// What a run holds that only its bodies (run.ipp) use.
struct run_state;

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
  explicit VITALS_INLINE run(run_options opts = run_options::from_env());

  /// The same, with the config taken from a struct: config.json = vitals::to_json(cfg).
  ///   vitals::run run({.project = "cmi", .name = cfg.exp_name, .group = cfg.exp_name}, cfg);
  template <class Config>
    requires(!std::is_convertible_v<const Config&, std::string_view>)
  run(const run_options& opts, const Config& cfg) : run(opts, config_tree(cfg), config_tree_tag{}) {}

  run(const run&) = delete;
  run& operator=(const run&) = delete;

  /// Finishes with exit code 0 (1 while an exception unwinds) if finish() was not called.
  VITALS_INLINE ~run();

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
  VITALS_INLINE std::vector<std::string> sink_names() const;

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
  VITALS_INLINE metric_key key(std::string_view name);

  /// Ends an epoch for the run's health monitor (vitals::watch_health): joins the open row, as
  /// log() without a step does, and commits it; the monitor evaluates on that row. Without a
  /// monitor it is commit().
  VITALS_INLINE void end_epoch();

  /// Installs a writer-thread record stage (vitals::watch_health does); before the first record.
  VITALS_INLINE void set_stage(std::unique_ptr<record_stage> s);

 private:
  // The config-taking constructor's non-template part: opts with config.json from the tree.
  struct config_tree_tag {};
  VITALS_INLINE run(const run_options& opts, const config::node& config, config_tree_tag);
  template <class Config>
  static config::node config_tree(const Config& cfg) {
    if constexpr (std::is_same_v<Config, config::node>) return cfg;
    else return config::to_node(cfg);
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
    try {
      if (prefix.empty() || prefix.back() == '/') {
        for_each_field(values, [&](std::string_view name, const auto& field) {
          key.size = prefix.size();
          key.push(name);
          detail::flatten_value(key, field, b);
        });
      } else {
        detail::flatten_value(key, values, b);
      }
    } catch (...) {
      b.abandon();  // a key too long: no partial row is committed
      throw;
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
  VITALS_INLINE void alert(std::string_view title, std::string_view text, std::string_view level = "WARN",
             std::string_view state = "firing");
  /// Sends an alert record with these fields, e.g. a health alert's alert_event::record_fields()
  /// (title, text, level, state, rule, epoch): every sink reads the fields it knows.
  VITALS_INLINE void alert(std::span<const metric> fields);

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
  VITALS_INLINE std::string config_json() const;

  /// Records model_params/{total_params, trainable_params, model_size_mb} in the summary (as seed
  /// 000 does; not as a history row, which would take a step) and in metadata.json.
  /// bytes_per_param: 4 for fp32, 2 for fp16/bf16.
  VITALS_INLINE void log_model_params(std::int64_t total, std::int64_t trainable, double bytes_per_param = 4);

  /// A path inside the run directory for the user's files ("state.pth", "ckpt/best.pt"); parent
  /// folders are created. Absolute paths and ".." are refused: artifacts stay in the run.
  ///
  /// A disabled run (WANDB_MODE=disabled) has no run directory, but the program's own files must
  /// still be saved (W&B's disabled mode keeps them working too): they go to the directory given
  /// to set_disabled_dir(), else to VITALS_DISABLED_DIR, else to a fresh temporary directory
  /// (<tmp>/vitals-disabled-XXXXXX, kept after the run). The first call prints where, once.
  VITALS_INLINE std::filesystem::path artifact_path(std::string_view file) const;

  /// Where artifact_path() puts files while the run is disabled (created when needed); no effect
  /// on an enabled run, whose files stay in its run directory.
  VITALS_INLINE void set_disabled_dir(std::filesystem::path dir);

  /// Blocks until everything logged so far is written and flushed by every sink.
  VITALS_INLINE void flush();

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
  VITALS_INLINE void start();

  // The directory a disabled run's artifacts go to (see artifact_path).
  VITALS_INLINE std::filesystem::path disabled_dir() const;

  // The kinds of a sink: "console" for console{}, each member of vitals::sinks(...), the registry's
  // name for the wandb sink.
  VITALS_INLINE static std::string sink_kind(std::string_view name);
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

  VITALS_INLINE void add_attached(std::vector<std::string> kinds, any_sink s);

  // Starts the named sinks (those the code did not attach itself) and says once what runs.
  void seal() {
    if (!sealed_.load(std::memory_order_acquire)) seal_slow();
  }
  VITALS_INLINE void seal_slow();

  // run_options::system_metrics.to_sinks: samples (one now, then every interval) reach every sink
  // as record_kind::system records, sent from the sampler's thread: log() is not involved.
  VITALS_INLINE void start_system_metrics();

  // Merges `updates` (a mapping) into the current config: deep = nested mappings merge key by key
  // (a dotted update_config key), else top-level keys are replaced whole. Then config.json and
  // one config record carrying each changed top-level key with its full new value.
  VITALS_INLINE void apply_config_update(const config::node& updates, bool deep);

  VITALS_INLINE static void check_config(const std::string& json);

  VITALS_INLINE void write_metadata();

  VITALS_INLINE void snapshot_code();

  VITALS_INLINE void write_summary();

  VITALS_INLINE void finish_impl(int exit_code) noexcept;

  void on_shutdown(int exit_code) noexcept override { finish_impl(exit_code); }

  run_options opts_;
  dist::run_ranks ranks_;
  run_info info_;
  // metadata.json's fields, the run directory's claim (run/resume.hpp), the disk reserve (see
  // finish_impl) and the system sampler (run_options::system_metrics.to_sinks): run.ipp.
  std::unique_ptr<detail::run_state> st_;
  std::unique_ptr<pipeline> pipe_;
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

#if VITALS_HEADER_BODIES
#include "vitals/run/run.ipp"
#endif
