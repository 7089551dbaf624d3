// Bodies of vitals/sinks/wandb/wandb_sink.hpp (see vitals/version.hpp): the W&B writer.
#pragma once

#include "vitals/sinks/wandb/wandb_sink.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "vitals/run/console_capture.hpp"
#include "vitals/sinks/wandb/online.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
/// The W&B writer behind vitals::wandb_sink: the layers of online.hpp plus open / write / flush / close.
class wandb_sink_impl : public wandb_online {
 public:
  explicit wandb_sink_impl(wandb_options options) {
    opt_ = std::move(options);
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
};

VITALS_INLINE void destroy_wandb_sink_impl(wandb_sink_impl* p) noexcept { delete p; }
}  // namespace detail

VITALS_INLINE wandb_sink::wandb_sink(wandb_options options)
    : impl_(new detail::wandb_sink_impl(std::move(options))) {}
VITALS_INLINE void wandb_sink::open(const run_info& info) { impl_->open(info); }
VITALS_INLINE void wandb_sink::write(const record& r) { impl_->write(r); }
VITALS_INLINE void wandb_sink::flush() { impl_->flush(); }
VITALS_INLINE void wandb_sink::close(int exit_code) { impl_->close(exit_code); }
VITALS_INLINE const std::filesystem::path& wandb_sink::run_dir() const { return impl_->run_dir(); }
VITALS_INLINE std::filesystem::path wandb_sink::log_path() const { return impl_->log_path(); }
VITALS_INLINE wandb_mode wandb_sink::mode() const { return impl_->mode(); }
VITALS_INLINE std::optional<int> wandb_sink::sync_exit_status() const { return impl_->sync_exit_status(); }

}  // namespace vitals
