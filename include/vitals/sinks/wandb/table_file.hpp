// A logged table (vitals::table's typed JSON, `{"_type":"table","columns":[...],"data":[...]}`) as
// Python wandb 0.31 stores a wandb.Table in a run: the file media/table/<key>_<step>_<first 20 hex
// digits of its sha256>.table.json under files/ holding `{"columns":[...],"data":[...]}`, and in
// the history/summary the value
//   {"_type":"table-file","sha256":...,"size":...,"path":...,"ncols":...,"nrows":...,"log_mode":"IMMUTABLE"}
// (Python also adds artifact_path/_latest_artifact_path, for the run_table artifact it uploads;
// vitals writes no artifact, so those two are left out). The sink writes the file and a `files`
// record naming it, which is what makes `wandb sync` upload it.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vitals/detail/simdjson.hpp"
#include "vitals/format/json.hpp"
#include "vitals/sinks/wandb/sha256.hpp"

namespace vitals::inline VITALS_ABI::detail {
inline constexpr std::string_view wandb_table_prefix = "{\"_type\":\"table\",";

struct wandb_table_file {
  std::string path;     // relative to the run's files/: media/table/<name>.table.json
  std::string content;  // the file's bytes
  std::string sha256;   // of content, 64 hex digits
  std::size_t ncols = 0, nrows = 0;

  /// The table-file value for the history or summary.
  std::string value_json() const {
    std::string v = "{\"_type\":\"table-file\",\"sha256\":\"" + sha256 + "\",\"size\":" + std::to_string(content.size()) + ",\"path\":";
    append_json_string(v, path);
    v += ",\"ncols\":" + std::to_string(ncols) + ",\"nrows\":" + std::to_string(nrows) + ",\"log_mode\":\"IMMUTABLE\"}";
    return v;
  }
};

/// True for a string value that holds vitals::table's typed JSON.
inline bool is_wandb_table(std::string_view s) { return s.starts_with(wandb_table_prefix); }

/// The file and value for a table logged under `key` at `step`; nullopt when `typed_json` is not a
/// well-formed table (it is then written as the string it is).
inline std::optional<wandb_table_file> make_wandb_table_file(std::string_view key, std::int64_t step, std::string_view typed_json) {
  if (!is_wandb_table(typed_json)) return std::nullopt;
  wandb_table_file t;
  t.content = "{";
  t.content.append(typed_json.substr(wandb_table_prefix.size()));
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  simdjson::dom::array columns, data;
  if (parser.parse(t.content).get(obj) || obj["columns"].get(columns) || obj["data"].get(data)) return std::nullopt;
  t.sha256 = sha256_hex(t.content);
  t.ncols = columns.size();
  t.nrows = data.size();
  // A key is a file name here: W&B's own keys may hold '/', which would make folders; anything but
  // [A-Za-z0-9_.-] becomes '_'.
  std::string name;
  for (char c : key)
    name += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') ? c : '_';
  t.path = "media/table/" + name + "_" + std::to_string(step) + "_" + t.sha256.substr(0, 20) + ".table.json";
  return t;
}

}  // namespace vitals::detail
