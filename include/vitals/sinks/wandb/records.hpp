// The W&B sink's records for what the run logs: the run record (config, tags, start time, resume
// fields), define_metric rules (and their expansion for globbed keys), history rows (with table
// values, sinks/wandb/table_file.hpp), config updates, alerts and the exit record.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <string>
#include <string_view>

#include "vitals/detail/fmt.hpp"
#include "vitals/sinks/wandb/summary.hpp"
#include "vitals/sinks/wandb/table_file.hpp"

namespace vitals::inline VITALS_ABI::detail {
class wandb_records : public wandb_summary {
 protected:
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

};

}  // namespace vitals::detail
