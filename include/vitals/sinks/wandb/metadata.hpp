// The W&B sink's run metadata: the files record (code snapshot, config.json, diff.patch), the
// environment record (OS, host, program, CPU/GPU, git), console output (output_raw records and
// files/output.log), system metrics (stats records), and files/wandb-metadata.json,
// wandb-summary.json and the latest-run link.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <string>
#include <string_view>

#include "vitals/sinks/wandb/records.hpp"

namespace vitals::inline VITALS_ABI::detail {
class wandb_metadata : public wandb_records {
 protected:
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

};

}  // namespace vitals::detail
