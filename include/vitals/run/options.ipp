// Bodies of vitals/run/options.hpp (see vitals/version.hpp: compiled once in the library, or inline in every file in header-only use).
#pragma once

#include "vitals/run/options.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <system_error>

#include "vitals/config/detail/utf8.hpp"
#include "vitals/config/json_writer.hpp"
#include "vitals/detail/fmt.hpp"
#include "vitals/run/console_capture.hpp"
#include "vitals/run/run_dir.hpp"
#include "vitals/sinks/registry.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
VITALS_INLINE std::string config_json_text(const config::node& n) { return config::to_json(n, 2); }
}  // namespace detail

VITALS_INLINE run_mode parse_run_mode(std::string_view s) {
  if (s == "online" || s == "run") return run_mode::online;
  if (s == "offline" || s == "dryrun") return run_mode::offline;
  if (s == "disabled") return run_mode::disabled;
  throw invalid_option("unknown run mode '" + std::string(s) + "' (expected online, offline or disabled)");
}

VITALS_INLINE std::vector<std::string> split_comma_list(std::string_view s) { return split_sink_list(s); }

VITALS_INLINE run_options run_options::from_env(run_options base) {
  auto env = [](const char* k) -> std::optional<std::string> {
    const char* v = std::getenv(k);
    if (!v) return std::nullopt;
    if (std::string bad = config::detail::utf8_problem(v); !bad.empty())
      throw invalid_option(std::string("environment variable ") + k + " " + bad);
    return std::string(v);
  };
  if (auto v = env("WANDB_PROJECT")) base.project = *v;
  if (auto v = env("WANDB_ENTITY")) base.entity = *v;
  if (auto v = env("WANDB_NAME")) base.name = *v;
  if (auto v = env("WANDB_RUN_GROUP")) base.group = *v;
  if (auto v = env("WANDB_TAGS")) base.tags = split_comma_list(*v);
  if (auto v = env("WANDB_NOTES")) base.notes = *v;
  if (auto v = env("WANDB_JOB_TYPE")) base.job_type = *v;
  if (auto v = env("WANDB_MODE")) {
    try {
      base.mode = parse_run_mode(*v);
    } catch (const invalid_option& e) {
      throw invalid_option(std::string("WANDB_MODE: ") + e.what());
    }
  }
  if (auto v = env("WANDB_DISABLED"); v && (*v == "true" || *v == "1")) base.mode = run_mode::disabled;
  if (auto v = env("WANDB_DIR")) base.dir = *v;
  if (auto v = env("WANDB_RUN_ID")) base.id = *v;
  if (auto v = env("WANDB_RESUME")) {
    try {
      base.resume = parse_resume_mode(*v);
    } catch (const invalid_option& e) {
      throw invalid_option(std::string("WANDB_RESUME: ") + e.what());
    }
  }
  if (auto v = env("VITALS_SINKS")) base.sinks = *v;
  if (auto v = env("VITALS_REPORT"); v && (*v == "0" || *v == "false")) base.report = false;
  if (auto v = env("VITALS_RANK_MODE")) {
    try {
      base.ranks = parse_rank_mode(*v);
    } catch (const std::invalid_argument& e) {
      throw invalid_option(std::string("VITALS_RANK_MODE: ") + e.what());
    }
  }
  return base;
}

VITALS_INLINE run_options run_options::apply_args(int& argc, char** argv, run_options base) {
  int out = argc > 0 ? 1 : 0;
  for (int i = out; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--no_wandb") {
      base.wandb = false;
      continue;
    }
    if (a == "--no_report") {
      base.report = false;
      continue;
    }
    if (a == "--system_metrics_to_sinks") {
      base.system_metrics.to_sinks = true;
      continue;
    }
    static constexpr std::string_view flags[] = {
        "--wandb_project", "--wandb_entity", "--wandb_name",   "--wandb_group", "--wandb_tags",     "--wandb_notes",
        "--wandb_job_type", "--wandb_mode",  "--wandb_dir",    "--wandb_run_id", "--sinks",        "--total_steps",
        "--wandb_id",       "--wandb_resume", "--wandb_console", "--system_metrics_interval"};
    std::string_view flag, value;
    bool matched = false;
    for (auto f : flags) {
      if (a == f) {
        if (i + 1 >= argc) throw invalid_option(fmt::format("{} needs a value", f));
        flag = f;
        value = argv[++i];
        matched = true;
        break;
      }
      if (a.size() > f.size() && a.substr(0, f.size()) == f && a[f.size()] == '=') {
        flag = f;
        value = a.substr(f.size() + 1);
        matched = true;
        break;
      }
    }
    if (!matched) {
      argv[out++] = argv[i];
      continue;
    }
    std::string v(value);
    if (std::string bad = config::detail::utf8_problem(v); !bad.empty())
      throw invalid_option(fmt::format("{}: the value {}", flag, bad));
    if (flag == "--wandb_project") base.project = v;
    else if (flag == "--wandb_entity") base.entity = v;
    else if (flag == "--wandb_name") base.name = v;
    else if (flag == "--wandb_group") base.group = v;
    else if (flag == "--wandb_tags") base.tags = split_comma_list(v);
    else if (flag == "--wandb_notes") base.notes = v;
    else if (flag == "--wandb_job_type") base.job_type = v;
    else if (flag == "--wandb_mode") {
      try {
        base.mode = parse_run_mode(v);
      } catch (const invalid_option& e) {
        throw invalid_option(fmt::format("--wandb_mode: {}", e.what()));
      }
    }
    else if (flag == "--wandb_dir") base.dir = v;
    else if (flag == "--wandb_run_id" || flag == "--wandb_id") base.id = v;
    else if (flag == "--wandb_resume") {
      try {
        base.resume = parse_resume_mode(v);
      } catch (const invalid_option& e) {
        throw invalid_option(fmt::format("--wandb_resume: {}", e.what()));
      }
    }
    else if (flag == "--sinks") base.sinks = v;
    else if (flag == "--wandb_console") {
      try {
        (void)parse_console_mode(v);
      } catch (const std::invalid_argument&) {
        throw invalid_option("--wandb_console expects auto, wrap or off, got '" + v + "'");
      }
      base.wandb_console = v;
    }
    else if (flag == "--system_metrics_interval") {
      try {
        std::size_t used = 0;
        const double sec = std::stod(v, &used);
        if (used != v.size() || !(sec >= 0) || !std::isfinite(sec)) throw std::invalid_argument(v);
        base.system_metrics.interval = sec;
      } catch (const std::exception&) {
        throw invalid_option("--system_metrics_interval expects seconds >= 0 (0: no system metrics), got '" + v + "'");
      }
    }
    else if (flag == "--total_steps") {
      try {
        std::size_t used = 0;
        base.total_steps = std::stoll(v, &used);
        if (used != v.size() || base.total_steps < 0) throw std::invalid_argument(v);
      } catch (const std::exception&) {
        throw invalid_option("--total_steps expects a non-negative integer, got '" + v + "'");
      }
    }
  }
  if (argc > 0) {
    for (int i = out; i < argc; ++i) argv[i] = nullptr;
    argc = out;
  }
  return base;
}

VITALS_INLINE std::string run_options::effective_sinks() const {
  std::string out;
  for (const auto& n : split_sink_list(sinks)) {
    if (!wandb && n == "wandb") continue;
    if (!out.empty()) out += ',';
    out += n;
  }
  // Every run carries its report (docs/report.md) once the report sink is compiled in.
  if (report) {
    const auto names = split_sink_list(out);
    const auto known = registered_sinks();
    if (std::find(names.begin(), names.end(), "report") == names.end() &&
        std::find(known.begin(), known.end(), "report") != known.end())
      out += out.empty() ? "report" : ",report";
  }
  return out;
}

VITALS_INLINE void run_options::validate() const {
  std::vector<std::string> problems;
  auto bad_chars = [](std::string_view s, std::string_view bad) { return s.find_first_of(bad) != std::string_view::npos; };
  // A value for a message: valid UTF-8 (bad bytes as \xNN) and at most 80 bytes.
  auto shown = [](std::string_view v) {
    std::string out;
    std::size_t i = 0;
    std::uint32_t cp = 0;
    while (i < v.size() && out.size() < 80) {
      std::size_t len = config::detail::decode_utf8(v, i, cp);
      if (len == 0) {
        out += fmt::format("\\x{:02X}", static_cast<unsigned char>(v[i]));
        ++i;
      } else {
        out.append(v.substr(i, len));
        i += len;
      }
    }
    if (i < v.size()) out += "...";
    return out;
  };
  // UTF-8 and length, for every free-text field.
  auto text = [&](std::string_view what, std::string_view v, std::size_t max) {
    if (std::string bad = config::detail::utf8_problem(v); !bad.empty())
      problems.push_back(fmt::format("{} '{}' {}", what, shown(v), bad));
    else if (v.size() > max)
      problems.push_back(fmt::format("{} '{}' is {} bytes long (at most {})", what, shown(v), v.size(), max));
  };
  if (project.empty()) problems.push_back("project is empty (set run_options::project, WANDB_PROJECT or --wandb_project)");
  else if (!config::detail::utf8_problem(project).empty()) text("project", project, max_project_bytes);
  else if (project.size() > max_project_bytes || bad_chars(project, "/\\#?%:\n\r\t"))
    problems.push_back("project '" + shown(project) + "' must be at most 128 characters without / \\ # ? % : or control characters");
  text("entity", entity, max_entity_bytes);
  text("run name", name, max_name_bytes);
  text("group", group, max_group_bytes);
  text("job type", job_type, max_job_type_bytes);
  text("notes", notes, max_notes_bytes);
  text("runs directory", dir.native(), max_dir_bytes);
  if (!id.empty()) {
    bool ok = id.size() <= max_id_bytes;
    for (char c : id) ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
    if (!ok) problems.push_back("run id '" + shown(id) + "' must be 1-64 characters from [A-Za-z0-9_-]");
  }
  if (resume == resume_mode::must && id.empty())
    problems.push_back("--wandb_resume must needs the id of the run to resume (--wandb_id or WANDB_RUN_ID)");
  if (tags.size() > max_tags) problems.push_back(fmt::format("{} tags given (at most {})", tags.size(), max_tags));
  for (const auto& t : tags) {
    if (!config::detail::utf8_problem(t).empty()) text("tag", t, max_tag_bytes);
    else if (t.empty() || t.size() > max_tag_bytes) problems.push_back("tag '" + shown(t) + "' must be 1-64 characters");
  }
  if (dir.empty()) problems.push_back("dir is empty (set run_options::dir, WANDB_DIR or --wandb_dir)");
  if (pipeline.queue_capacity == 0) problems.push_back("pipeline.queue_capacity must be at least 1");
  if (pipeline.flush_interval.count() <= 0) problems.push_back("pipeline.flush_interval must be positive");
  if (total_steps < 0) problems.push_back("total_steps must not be negative");
  if (system_metrics.interval && !(*system_metrics.interval >= 0 && std::isfinite(*system_metrics.interval)))
    problems.push_back(fmt::format("system_metrics.interval must be seconds >= 0, got {}", *system_metrics.interval));
  if (!wandb_console.empty()) {
    try {
      (void)parse_console_mode(wandb_console);
    } catch (const std::invalid_argument&) {
      problems.push_back("wandb_console '" + shown(wandb_console) + "' must be auto, wrap or off");
    }
  }
  try {
    check_sink_names(effective_sinks());
  } catch (const std::invalid_argument& e) {
    problems.push_back(e.what());
  }
  for (const auto& f : code_files) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(f, ec)) problems.push_back("code file '" + f.string() + "' does not exist");
  }
  if (!problems.empty())
    throw invalid_option(fmt::format("vitals: invalid run options:\n  - {}", fmt::join(problems, "\n  - ")));
  if (mode != run_mode::disabled) check_runs_root(dir);
}

}  // namespace vitals
