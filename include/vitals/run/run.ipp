// Bodies of vitals/run/run.hpp (see vitals/version.hpp: compiled once in the library, or inline in every file in header-only use).
#pragma once

#include "vitals/run/run.hpp"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <system_error>

#include "vitals/detail/fmt.hpp"
#include "vitals/detail/simdjson.hpp"
#include "vitals/config/json_reader.hpp"
#include "vitals/config/json_writer.hpp"
#include "vitals/format/file.hpp"
#include "vitals/run/metadata.hpp"
#include "vitals/run/resume.hpp"
#include "vitals/run/run_dir.hpp"
#include "vitals/run/run_id.hpp"
#include "vitals/run/system_metrics.hpp"
#include "vitals/sinks/json_format.hpp"
#include "vitals/sinks/registry.hpp"
#include "vitals/sinks/terminal.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
/// config.json's text ends with exactly one newline whoever wrote the JSON (to_json already ends
/// with one), so the file is byte-identical to the composition's config.json.
VITALS_INLINE std::string with_final_newline(std::string json) {
  if (json.empty() || json.back() != '\n') json += '\n';
  return json;
}

struct run_state {
  run_metadata meta;
  run_dir_claim claim;  // the run directory and its lock (run/resume.hpp)
  detail::disk_reserve reserve;  // see finish_impl
  std::unique_ptr<system_sampler> sampler;  // run_options::system_metrics.to_sinks
};
}  // namespace detail

VITALS_INLINE run::run(run_options opts) : opts_(std::move(opts)), st_(std::make_unique<detail::run_state>()) { start(); }
VITALS_INLINE run::run(const run_options& opts, const config::node& config, config_tree_tag)
    : run(std::move(run_options(opts).set_config(config))) {}

VITALS_INLINE run::~run() {
  finish(std::uncaught_exceptions() > 0 ? 1 : 0);
}

VITALS_INLINE std::vector<std::string> run::sink_names() const {
  std::lock_guard lock(seal_mu_);
  return running_;
}

VITALS_INLINE metric_key run::key(std::string_view name) {
  if (pipe_) return pipe_->key(name);
  // A disabled run logs nothing but still hands out keys that name their metric.
  std::lock_guard lock(seal_mu_);
  return metric_key(*disabled_keys_.emplace_back(std::make_unique<std::string>(name)));
}

VITALS_INLINE void run::end_epoch() {
  if (!pipe_) return;
  seal();
  if (!has_stage_) return pipe_->commit();
  metric m{"_vitals/epoch_end", metric_value(1)};
  pipe_->log(std::span<const metric>(&m, 1), {}, true);
}

VITALS_INLINE void run::set_stage(std::unique_ptr<record_stage> s) {
  if (!pipe_) return;
  pipe_->set_stage(std::move(s));
  has_stage_ = true;
}

VITALS_INLINE void run::alert(std::string_view title, std::string_view text, std::string_view level, std::string_view state) {
  if (!pipe_) return;
  seal();
  metric m[] = {{"title", title}, {"text", text}, {"level", level}, {"state", state}};
  pipe_->emit(record_kind::alert, std::span<const metric>(m));
}

VITALS_INLINE void run::alert(std::span<const metric> fields) {
  if (!pipe_) return;
  seal();
  pipe_->emit(record_kind::alert, fields);
}

VITALS_INLINE std::string run::config_json() const {
  std::lock_guard lock(finish_mu_);
  return current_config_.empty() ? opts_.config_json : current_config_;
}

VITALS_INLINE void run::log_model_params(std::int64_t total, std::int64_t trainable, double bytes_per_param) {
  auto p = make_model_params(total, trainable, bytes_per_param);
  summary("model_params/total_params", p.total_params);
  summary("model_params/trainable_params", p.trainable_params);
  summary("model_params/model_size_mb", p.model_size_mb);
  if (!pipe_) return;
  std::lock_guard lock(finish_mu_);
  st_->meta.set("model_params", fmt::format(R"({{"total_params": {}, "trainable_params": {}, "model_size_mb": {}}})",
                                        p.total_params, p.trainable_params, p.model_size_mb));
}

VITALS_INLINE std::filesystem::path run::artifact_path(std::string_view file) const {
  std::filesystem::path p(file);
  if (file.empty() || p.is_absolute()) throw std::invalid_argument("artifact_path: '" + std::string(file) + "' must be a relative file name");
  for (const auto& part : p)
    if (part == "..") throw std::invalid_argument("artifact_path: '" + std::string(file) + "' must not contain '..'");
  auto full = (info_.dir.empty() ? disabled_dir() : info_.dir) / p;
  std::filesystem::create_directories(full.parent_path());
  return full;
}

VITALS_INLINE void run::set_disabled_dir(std::filesystem::path dir) {
  std::lock_guard lock(seal_mu_);
  disabled_dir_ = std::move(dir);
  disabled_dir_announced_ = false;
}

VITALS_INLINE void run::flush() {
  if (!pipe_) return;
  seal();
  pipe_->flush();
}

VITALS_INLINE void run::start() {
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
  st_->claim = claim_run_dir(opts_.dir, info_.name, opts_.id, opts_.resume);  // new, or resumed (run/resume.hpp)
  info_.dir = st_->claim.path;
  info_.id = st_->claim.id;
  if (st_->claim.resumed) {
    if (opts_.name.empty() && !st_->claim.previous_name.empty()) info_.name = st_->claim.previous_name;
    info_.resumed = true;
    info_.starting_step = st_->claim.last_step + 1;
    info_.starting_runtime = st_->claim.last_runtime;
    info_.config_json = detail::merge_json_objects(st_->claim.previous_config, info_.config_json);
  }

  try {
    detail::atomic_write_file(info_.dir / "config.json", detail::with_final_newline(info_.config_json));
    write_metadata();
    snapshot_code();
  } catch (...) {
    std::error_code ec;
    if (!st_->claim.resumed) std::filesystem::remove_all(info_.dir, ec);  // do not leave half a run behind
    throw;
  }
  // Room for summary.json and the final metadata.json should the disk fill up (best effort).
  st_->reserve.create(info_.dir / ".vitals-reserve");

  pipe_ = std::make_unique<pipeline>(info_, opts_.pipeline);
  // Held until the first record, so that a kind the code attaches replaces its namesake here.
  auto names = split_sink_list(opts_.effective_sinks());
  for (std::size_t i = 0; i < sinks.size(); ++i) pending_.emplace_back(names[i], std::move(sinks[i]));
  if (opts_.handle_signals) detail::install_signal_handlers();
  detail::install_atexit_hook();
  detail::add_shutdown_hook(this);
}

VITALS_INLINE std::filesystem::path run::disabled_dir() const {
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

VITALS_INLINE std::string run::sink_kind(std::string_view name) {
  if (name == "wandb_sink" || name == "wandb_offline") return "wandb";
  return std::string(name);
}

VITALS_INLINE void run::add_attached(std::vector<std::string> kinds, any_sink s) {
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

VITALS_INLINE void run::seal_slow() {
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

VITALS_INLINE void run::start_system_metrics() {
  const auto& sm = opts_.system_metrics;
  const double interval = sm.interval.value_or(15.0);
  if (!sm.to_sinks || interval <= 0 || st_->sampler) return;
  st_->sampler = std::make_unique<system_sampler>(
      std::chrono::duration<double>(interval), info_.dir, 0, [p = pipe_.get()](const system_sample& s) {
        system_sample_metrics m;
        m.assign(s);
        p->emit(record_kind::system, std::span<const metric>(m.metrics));
      });
}

VITALS_INLINE void run::apply_config_update(const config::node& updates, bool deep) {
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

VITALS_INLINE void run::check_config(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  auto err = parser.parse(json).get(doc);
  if (err) throw std::invalid_argument(std::string("vitals: run config is not valid JSON: ") + simdjson::error_message(err));
  if (!doc.is_object()) throw std::invalid_argument("vitals: run config must be a JSON object");
}

VITALS_INLINE void run::write_metadata() {
  using detail::json_string;
  st_->meta.set("project", json_string(info_.project));
  st_->meta.set("entity", json_string(info_.entity));
  st_->meta.set("name", json_string(info_.name));
  st_->meta.set("id", json_string(info_.id));
  st_->meta.set("group", json_string(info_.group));
  st_->meta.set("job_type", json_string(info_.job_type));
  st_->meta.set("tags", detail::json_string_array(info_.tags));
  st_->meta.set("notes", json_string(info_.notes));
  st_->meta.set("mode", json_string(to_string(opts_.mode)));
  st_->meta.set("start_time", json_string(detail::iso_time(info_.start_time)));
  st_->meta.set("start_timestamp", fmt::format("{}", info_.start_time));
  st_->meta.set("host", json_string(host_name()));
  st_->meta.set("pid", std::to_string(::getpid()));
  std::error_code ec;
  st_->meta.set("cwd", json_string(std::filesystem::current_path(ec).string()));
  st_->meta.set("command_line", detail::json_string_array(read_command_line()));
  st_->meta.set("compiler", json_string(compiler_description()));
  st_->meta.set("cplusplus", std::to_string(__cplusplus));
  st_->meta.set("vitals_version", json_string(VITALS_VERSION_STRING));
  st_->meta.set("cuda_devices", detail::json_string_array(read_cuda_devices()));
  if (ranks_.rank.distributed()) st_->meta.set("distributed", dist::metadata_json(ranks_));
  if (opts_.capture_git) {
    if (auto g = read_git_info()) {
      st_->meta.set("git", fmt::format("{{\"commit\": {}, \"branch\": {}, \"dirty\": {}}}", json_string(g->commit),
                                   json_string(g->branch), g->dirty ? "true" : "false"));
      if (g->dirty) detail::atomic_write_file(info_.dir / "diff.patch", g->diff);
    } else {
      st_->meta.set("git", "null");
    }
  }
  if (st_->claim.resumed) st_->meta.set("resumed", "true");
  st_->meta.set("starts", st_->claim.starts_json(st_->meta));
  detail::atomic_write_file(info_.dir / "metadata.json", st_->meta.to_json());
}

VITALS_INLINE void run::snapshot_code() {
  for (const auto& f : opts_.code_files) {
    auto rel = f.is_absolute() ? f.filename() : f.lexically_normal();
    if (!rel.empty() && *rel.begin() == "..") rel = f.filename();
    auto target = info_.dir / "code" / rel;
    std::filesystem::create_directories(target.parent_path());
    std::filesystem::copy_file(f, target, std::filesystem::copy_options::overwrite_existing);
  }
}

VITALS_INLINE void run::write_summary() {
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
  if (st_->claim.resumed) out = detail::merge_json_objects(st_->claim.previous_summary, out);
  detail::atomic_write_file(info_.dir / "summary.json", out + "\n");
}

VITALS_INLINE void run::finish_impl(int exit_code) noexcept {
  detail::remove_shutdown_hook(this);  // first: waits while the signal finisher is finishing us
  std::lock_guard lock(finish_mu_);
  if (finished_) return;
  finished_ = true;
  if (!pipe_) return;
  try {
    seal();
  } catch (...) {
  }
  if (st_->sampler) st_->sampler->stop();  // before the pipeline: no sample arrives after finish
  pipe_->finish(exit_code);
  st_->reserve.release();  // the sinks are closed: its space is for summary.json and metadata.json
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
    st_->meta.set("end_time", detail::json_string(detail::iso_time(end)));
    st_->meta.set("runtime", fmt::format("{}", end - info_.start_time));
    st_->meta.set("exit_code", std::to_string(exit_code));
    st_->meta.set("records_written", std::to_string(pipe_->records_written()));
    st_->meta.set("dropped_records", std::to_string(pipe_->dropped()));
    st_->meta.set("out_of_order_steps", std::to_string(pipe_->out_of_order_steps()));
    if (int sig = detail::received_signal()) st_->meta.set("signal", std::to_string(sig));
    // SIGTERM is how schedulers preempt (SLURM --requeue, Kubernetes, spot): the wandb sink
    // writes W&B's preempting record for it, and metadata.json says so.
    if (detail::received_signal() == SIGTERM) st_->meta.set("preempted", "true");
    st_->meta.set("starts", st_->claim.starts_json(st_->meta));
    auto errors = pipe_->sink_errors();
    st_->meta.set("sink_errors", detail::json_string_array(errors));
    st_->meta.set("sinks", detail::json_string_array(sink_names()));
    detail::atomic_write_file(info_.dir / "metadata.json", st_->meta.to_json());
    st_->claim.finished(exit_code);
    if (pipe_->dropped() > 0)
      fmt::print(stderr, "vitals: run '{}' dropped {} rows (queue full, overflow policy {})\n", info_.name, pipe_->dropped(),
                 opts_.pipeline.overflow == overflow_policy::drop_oldest ? "drop_oldest" : "drop_newest");
  } catch (const std::exception& e) {
    fmt::print(stderr, "vitals: finishing run '{}': {}\n", info_.name, e.what());
  } catch (...) {
  }
}

}  // namespace vitals
