// Bodies of vitals/sinks/csv.hpp (see vitals/version.hpp).
#pragma once

#include "vitals/sinks/csv.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "vitals/detail/fmt.hpp"
#include "vitals/format/file.hpp"
#include "vitals/format/hash.hpp"
#include "vitals/format/json.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
struct csv_state {
  append_file file;
  std::unique_ptr<csv> system;  // <stem>.system.csv, opened with the first system record
  std::filesystem::path path;
  fmt::memory_buffer buf;
  std::vector<std::size_t> ends;     // offset in buf just past each row
  std::vector<std::string> columns;  // sorted
  string_map<std::size_t> index;
  std::vector<const metric_value*> cells;
  std::vector<std::size_t> cached_column;  // column of the k-th metric of the previous row
  std::size_t col_runtime = 0, col_step = 0, col_timestamp = 0;
  std::size_t rewrites = 0;
  bool started = false;  // the header has been written
  std::string failed;    // the error that stopped the sink (a failed rewrite)
};
VITALS_INLINE csv_state* make_state(csv_state*) { return new csv_state(); }
VITALS_INLINE void destroy_state(csv_state* p) noexcept { delete p; }

VITALS_INLINE void csv_append_field(fmt::memory_buffer& out, std::string_view s) {
  bool quote = s.find_first_of(",\"\r\n") != std::string_view::npos ||
               (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  if (!quote) {
    out.append(s);
    return;
  }
  out.push_back('"');
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

VITALS_INLINE void csv_append_value(fmt::memory_buffer& out, const metric_value& v) {
  switch (v.type) {
    case metric_value::kind::integer: append_json_int(out, v.i); break;
    case metric_value::kind::floating:
      if (std::isnan(v.d)) out.append(std::string_view("nan"));
      else if (std::isinf(v.d)) out.append(v.d > 0 ? std::string_view("inf") : std::string_view("-inf"));
      else append_shortest_double(out, v.d);
      break;
    case metric_value::kind::boolean: out.append(v.b ? std::string_view("true") : std::string_view("false")); break;
    case metric_value::kind::string: csv_append_field(out, v.s); break;
  }
}

VITALS_INLINE std::vector<std::vector<std::string>> csv_parse(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else if (c != '\r') {
      field.push_back(c);
    }
  }
  return rows;
}
}  // namespace detail

VITALS_INLINE std::size_t csv::rewrites() const { return state->rewrites; }

VITALS_INLINE void csv::open(const run_info& info) {
  auto& st = *state;
  st.path = path.is_absolute() ? path : info.dir / path;
  st.columns = {"_runtime", "_step", "_timestamp"};
  reindex();
  // The header is written with the first row, when the columns are known - unless the file
  // exists with a header of ours (a resumed run): then its rows are continued, widened as usual.
  detail::cut_to_last_newline(st.path);
  std::ifstream in(st.path, std::ios::binary);
  std::string header_line;
  if (in && std::getline(in, header_line) && !header_line.empty()) {
    auto rows = detail::csv_parse(header_line + "\n");
    if (rows.empty()) return;
    std::vector<std::string> cols = rows.front();
    if (!std::is_sorted(cols.begin(), cols.end()) || std::find(cols.begin(), cols.end(), "_step") == cols.end() ||
        std::find(cols.begin(), cols.end(), "_runtime") == cols.end() ||
        std::find(cols.begin(), cols.end(), "_timestamp") == cols.end())
      throw std::runtime_error("vitals: cannot continue '" + st.path.string() +
                               "': its header is not one vitals wrote (sorted, with _step, _runtime, _timestamp)");
    st.columns = std::move(cols);
    reindex();
    st.file.open(st.path);
    st.started = true;
  }
}

VITALS_INLINE void csv::write(const record& r) {
  if (r.kind == record_kind::system) return write_system(r);
  if (r.kind != record_kind::history) return;
  auto& st = *state;
  // After a failed write or rewrite, never touch the file again: throw the error again.
  if (!st.failed.empty()) throw std::runtime_error(st.failed);
  if (st.file.broken()) flush();
  // Rows usually repeat the previous row's keys in the same order: check the cached column
  // with one string compare before falling back to the hash lookup.
  auto& cache = st.cached_column;
  if (cache.size() < r.metrics.size()) cache.resize(r.metrics.size(), 0);
  bool missing = !st.started;
  for (std::size_t k = 0; k < r.metrics.size(); ++k) {
    const auto& key = r.metrics[k].key;
    if (cache[k] < st.columns.size() && st.columns[cache[k]] == key) continue;
    auto it = st.index.find(key);
    if (it == st.index.end()) missing = true;
    else cache[k] = it->second;
  }
  if (missing) {
    std::vector<std::string> added;
    for (const auto& m : r.metrics)
      if (st.index.find(m.key) == st.index.end()) added.emplace_back(m.key);
    widen(added);
    for (std::size_t k = 0; k < r.metrics.size(); ++k) cache[k] = st.index.find(r.metrics[k].key)->second;
  }

  st.cells.assign(st.columns.size(), nullptr);
  metric_value step(r.step), runtime(r.runtime), timestamp(r.timestamp);
  for (std::size_t k = 0; k < r.metrics.size(); ++k) st.cells[cache[k]] = &r.metrics[k].value;
  st.cells[st.col_runtime] = &runtime;
  st.cells[st.col_step] = &step;
  st.cells[st.col_timestamp] = &timestamp;
  for (std::size_t c = 0; c < st.cells.size(); ++c) {
    if (c) st.buf.push_back(',');
    if (st.cells[c]) detail::csv_append_value(st.buf, *st.cells[c]);
  }
  st.buf.push_back('\n');
  st.ends.push_back(st.buf.size());
  if (st.buf.size() >= flush_bytes) flush();
}

VITALS_INLINE void csv::flush() {
  auto& st = *state;
  if (st.system) st.system->flush();
  if (st.file.broken()) {
    st.buf.clear();
    st.ends.clear();
    st.file.write_records({}, {});  // throws the earlier error
  }
  if (st.buf.size() == 0 || !st.file.is_open()) return;
  st.file.write_records_and_clear(st.buf, st.ends);  // emptied whatever happens
}

VITALS_INLINE void csv::close(int exit_code) {
  flush();
  state->file.close();
  if (state->system) state->system->close(exit_code);
}

VITALS_INLINE void csv::write_system(const record& r) {
  detail::write_system_side(state->system, state->path, r, [&](std::filesystem::path p) {
    return csv{.path = std::move(p), .flush_bytes = flush_bytes};
  });
}

VITALS_INLINE void csv::reindex() {
  auto& st = *state;
  st.index.clear();
  for (std::size_t i = 0; i < st.columns.size(); ++i) st.index.emplace(st.columns[i], i);
  st.col_runtime = st.index.find(std::string_view("_runtime"))->second;
  st.col_step = st.index.find(std::string_view("_step"))->second;
  st.col_timestamp = st.index.find(std::string_view("_timestamp"))->second;
}

VITALS_INLINE void csv::widen(const std::vector<std::string>& added) {
  auto& st = *state;
  const bool first = !st.started;
  if (!first) flush();
  std::vector<std::string> old_columns = st.columns;
  for (const auto& k : added)
    if (st.index.find(k) == st.index.end()) st.columns.push_back(k);
  std::sort(st.columns.begin(), st.columns.end());
  st.columns.erase(std::unique(st.columns.begin(), st.columns.end()), st.columns.end());
  reindex();

  fmt::memory_buffer out;
  for (std::size_t c = 0; c < st.columns.size(); ++c) {
    if (c) out.push_back(',');
    detail::csv_append_field(out, st.columns[c]);
  }
  out.push_back('\n');
  if (!first) {
    st.file.close();
    std::ifstream in(st.path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto rows = detail::csv_parse(ss.str());
    if (!rows.empty()) {
      const auto& header = rows.front();
      std::vector<std::size_t> to_new(header.size());
      for (std::size_t c = 0; c < header.size(); ++c) {
        auto it = st.index.find(header[c]);
        to_new[c] = it == st.index.end() ? st.columns.size() : it->second;
      }
      std::vector<const std::string*> cells;
      for (std::size_t r = 1; r < rows.size(); ++r) {
        cells.assign(st.columns.size(), nullptr);
        for (std::size_t c = 0; c < rows[r].size() && c < header.size(); ++c)
          if (to_new[c] < cells.size()) cells[to_new[c]] = &rows[r][c];
        for (std::size_t c = 0; c < cells.size(); ++c) {
          if (c) out.push_back(',');
          if (cells[c]) detail::csv_append_field(out, *cells[c]);
        }
        out.push_back('\n');
      }
    }
  }
  // No fdatasync: a rewrite happens on the writer thread while the run logs, and appended rows
  // are not synced either; rename still gives readers the old or the new whole file.
  try {
    detail::atomic_write_file(st.path, std::string_view(out.data(), out.size()), /*sync=*/false);
    st.file.open(st.path);
  } catch (const std::exception& e) {
    st.failed = e.what();  // the old file, if any, is still whole
    throw;
  }
  st.started = true;
  if (!first) ++st.rewrites;
}

}  // namespace vitals
