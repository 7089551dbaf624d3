// Bodies of vitals/run/resume.hpp (see vitals/version.hpp: compiled once in the library, or inline in every file in header-only use).
#pragma once

#include "vitals/run/resume.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <system_error>

#include "vitals/detail/fmt.hpp"
#include "vitals/detail/simdjson.hpp"
#include "vitals/format/file.hpp"
#include "vitals/run/run_dir.hpp"
#include "vitals/run/run_id.hpp"
#include "vitals/sinks/csv.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
VITALS_INLINE std::string run_id_from(std::string_view prefix, std::string_view s) {
  std::string id(prefix);
  for (char c : s)
    id += ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') ? c : '-';
  if (id.size() > 64) id.resize(64);
  return id;
}

VITALS_INLINE std::string read_text_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

VITALS_INLINE std::optional<std::vector<std::pair<std::string, std::string>>> json_object_members(const std::string& json) {
  if (json.empty()) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json).get(obj)) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> out;
  for (auto field : obj) out.emplace_back(std::string(field.key), simdjson::minify(field.value));
  return out;
}

VITALS_INLINE std::string merge_json_objects(const std::string& old_json, const std::string& fresh) {
  auto old_members = json_object_members(old_json);
  auto new_members = json_object_members(fresh);
  if (!old_members || !new_members) return fresh;
  std::string out = "{";
  auto add = [&](const std::string& k, const std::string& v) {
    if (out.size() > 1) out += ",\n  ";
    else out += "\n  ";
    out += json_string(k) + ": " + v;
  };
  for (const auto& [k, v] : *old_members) {
    bool replaced = false;
    for (const auto& nm : *new_members) replaced = replaced || nm.first == k;
    if (!replaced) add(k, v);
  }
  for (const auto& [k, v] : *new_members) add(k, v);
  return out + (out.size() > 1 ? "\n}" : "}");
}

VITALS_INLINE std::string last_whole_line(const std::filesystem::path& p) {
  std::string text;
  {
    std::ifstream in(p, std::ios::binary | std::ios::ate);
    if (!in) return {};
    const std::streamoff size = in.tellg(), tail = std::min<std::streamoff>(size, 4 << 20);
    text.resize(static_cast<std::size_t>(tail));
    in.seekg(size - tail);
    in.read(text.data(), tail);
    const auto last = text.rfind('\n');
    if (tail < size && (last == std::string::npos || last == 0 || text.rfind('\n', last - 1) == std::string::npos))
      text = read_text_file(p);
  }
  auto end = text.rfind('\n');
  if (end == std::string::npos) return {};
  auto begin = text.rfind('\n', end == 0 ? 0 : end - 1);
  begin = (begin == std::string::npos || end == 0) ? 0 : begin + 1;
  return text.substr(begin, end - begin);
}

VITALS_INLINE std::vector<std::filesystem::path> find_run_dirs(const std::filesystem::path& root, const std::string& id) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  const std::string suffix = "_" + id;
  for (std::filesystem::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (n.size() > suffix.size() && n.ends_with(suffix) && it->is_directory(ec)) out.push_back(it->path());
  }
  return out;
}

VITALS_INLINE void read_previous_run(run_dir_claim& c) {
  const std::string meta = read_text_file(c.path / "metadata.json");
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(meta).get(obj))
    throw runs_dir_error("vitals: cannot resume run '" + c.id + "': '" + (c.path / "metadata.json").string() +
                         "' is missing or not JSON (the run never started?)");
  std::string_view name;
  if (!obj["name"].get(name)) c.previous_name = std::string(name);
  simdjson::dom::array starts;
  if (!obj["starts"].get(starts)) {
    for (auto s : starts) c.previous_starts.push_back(simdjson::minify(s));
  } else {  // written before resume existed: its one start from the top-level fields
    std::string s = "{";
    for (auto k : {"start_time", "host", "pid", "end_time", "runtime", "exit_code", "signal", "preempted"}) {
      simdjson::dom::element v;
      if (!obj[k].get(v)) s += (s.size() > 1 ? ", " : "") + json_string(k) + ": " + simdjson::minify(v);
    }
    c.previous_starts.push_back(s + "}");
  }
  // The last start never wrote its exit: it was killed (SIGKILL, a node failure) or is the start
  // that is still running, which the lock has ruled out.
  if (!c.previous_starts.empty() && c.previous_starts.back().find("\"exit_code\"") == std::string::npos) {
    auto& s = c.previous_starts.back();
    s.insert(s.size() - 1, std::string(s.size() > 2 ? ", " : "") + "\"exit_code\": null, \"killed\": true");
  }
  // The last committed step: metrics.jsonl's last whole line, else metrics.csv's last row.
  simdjson::dom::parser p2;
  simdjson::dom::object row;
  if (!p2.parse(last_whole_line(c.path / "metrics.jsonl")).get(row)) {
    std::int64_t step;
    double runtime;
    if (!row["_step"].get(step)) c.last_step = step;
    if (!row["_runtime"].get(runtime)) c.last_runtime = runtime;
  } else if (auto rows = csv_parse(read_text_file(c.path / "metrics.csv")); rows.size() > 1) {
    const auto& header = rows.front();
    for (std::size_t i = 0; i < header.size() && i < rows.back().size(); ++i) {
      try {
        if (header[i] == "_step") c.last_step = std::stoll(rows.back()[i]);
        if (header[i] == "_runtime") c.last_runtime = std::stod(rows.back()[i]);
      } catch (const std::exception&) {
      }
    }
  }
  c.previous_config = read_text_file(c.path / "config.json");
  c.previous_summary = read_text_file(c.path / "summary.json");
  if (c.last_step < 0) {  // no metrics files: the summary's _step, when there is one
    simdjson::dom::object s;
    std::int64_t step;
    if (!p2.parse(c.previous_summary).get(s) && !s["_step"].get(step)) c.last_step = step;
  }
}
}  // namespace detail
VITALS_INLINE std::string auto_resume_id(const std::filesystem::path& root) {
  if (const char* j = std::getenv("SLURM_JOB_ID"); j && *j) return detail::run_id_from("slurm-", j);
  if (const char* t = std::getenv("TORCHELASTIC_RUN_ID"); t && *t && std::string_view(t) != "none")
    return detail::run_id_from("elastic-", t);
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  std::string_view id;
  if (!parser.parse(detail::read_text_file(root / ".vitals-resume.json")).get(obj) && !obj["run_id"].get(id))
    return std::string(id);
  return {};
}

VITALS_INLINE run_dir_claim claim_run_dir(const std::filesystem::path& root, const std::string& name, std::string id,
                                   resume_mode mode) {
  run_dir_claim c;
  if (mode == resume_mode::automatic && id.empty()) {
    id = auto_resume_id(root);
    if (id.empty()) id = make_run_id();
  }
  if (mode == resume_mode::must && id.empty())
    throw invalid_option("vitals: --wandb_resume must needs the id of the run to resume (--wandb_id or WANDB_RUN_ID)");
  std::vector<std::filesystem::path> found;
  if (!id.empty() && mode != resume_mode::none) found = detail::find_run_dirs(root, id);
  if (found.size() > 1) {
    std::vector<std::string> names;
    for (const auto& f : found) names.push_back(f.filename().string());
    throw runs_dir_error(fmt::format("vitals: run id '{}' has {} directories in '{}' ({}); resume needs exactly one",
                                     id, found.size(), root.string(), fmt::join(names, ", ")));
  }
  if (mode == resume_mode::none && !id.empty()) found = detail::find_run_dirs(root, id);
  if (mode == resume_mode::none && !found.empty())  // an id names one run, whatever its display name
    throw runs_dir_error("vitals: run '" + id + "' already exists: '" + found[0].string() +
                         "' (pick another id, unset WANDB_RUN_ID, or continue it with --wandb_resume allow)");
  if (mode == resume_mode::never && !found.empty())
    throw invalid_option("vitals: --wandb_resume never, but run '" + id + "' already exists: '" + found[0].string() +
                         "' (pick another id, or resume it with --wandb_resume allow)");
  if (mode == resume_mode::must && found.empty())
    throw invalid_option("vitals: --wandb_resume must, but there is no run '" + id + "' to resume in '" +
                         root.string() + "' (no directory *_" + id + ")");
  if (!found.empty()) {
    std::error_code ec;
    c.path = std::filesystem::absolute(found[0], ec);
    if (ec) c.path = found[0];
    c.id = id;
    c.lock();
    c.resumed = true;
    detail::read_previous_run(c);
  } else {
    auto created = create_run_dir(root, name, id);
    c.path = created.path;
    c.id = created.id;
  }
  try {
    if (!c.resumed) c.lock();
    if (mode == resume_mode::automatic) {
      c.auto_file = std::filesystem::absolute(root) / ".vitals-resume.json";
      detail::atomic_write_file(c.auto_file, "{\"run_id\": " + detail::json_string(c.id) + "}\n", false);
    }
  } catch (...) {
    std::error_code ec;
    if (!c.resumed) std::filesystem::remove_all(c.path, ec);  // a failed start leaves no directory
    throw;
  }
  return c;
}
VITALS_INLINE std::string run_dir_claim::starts_json(const run_metadata& meta) const {
  static constexpr std::string_view keys[] = {"start_time", "host", "pid", "end_time", "runtime", "exit_code",
                                              "signal", "preempted", "out_of_order_steps"};
  std::string now = "{";
  if (resumed) now += "\"resumed_at_step\": " + std::to_string(last_step + 1);
  for (auto k : keys)
    for (const auto& [mk, mv] : meta.fields)
      if (mk == k) now += (now.size() > 1 ? ", " : "") + detail::json_string(k) + ": " + mv;
  now += "}";
  std::string out = "[";
  for (const auto& s : previous_starts) out += (out.size() > 1 ? ",\n    " : "\n    ") + s;
  return out + (out.size() > 1 ? ",\n    " : "\n    ") + now + "\n  ]";
}


VITALS_INLINE void run_dir_claim::finished(int exit_code) const noexcept {
  if (exit_code == 0 && !auto_file.empty()) ::unlink(auto_file.c_str());
}


VITALS_INLINE void run_dir_claim::lock() {
  lock_fd_ = ::open((path / ".vitals-lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0)
    throw runs_dir_error("vitals: cannot lock run directory '" + path.string() + "': " +
                         std::generic_category().message(errno));
  while (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    release();
    if (err == EWOULDBLOCK)
      throw runs_dir_error("vitals: run '" + id + "' is in use: another process is writing '" + path.string() +
                           "' (one run, one writer; wait for it to end or pick another id)");
    throw runs_dir_error("vitals: cannot lock run directory '" + path.string() + "': " +
                         std::generic_category().message(err));
  }
}

}  // namespace vitals
