// A table of values, as W&B's wandb.Table: named columns and rows of numbers, strings, bools or
// nulls. Log it like any value; it travels as the string of W&B's typed JSON
// `{"_type":"table","columns":[...],"data":[[...],...]}`, as histograms do (a record carries only
// scalars and strings):
//
//   vitals::table t{{"fold", "val_loss"}};
//   t.add_row({0, 0.31});
//   t.add_row({1, 0.29});
//   const std::string j = t.json();
//   run.summary("cross_fold", std::string_view(j));   // or run.log({{"cross_fold", std::string_view(j)}}, step)
//
// The W&B sink writes it as Python wandb 0.31 does: the file files/media/table/<key>_<step>_<first
// 20 hex digits of its sha256>.table.json holding {"columns":[...],"data":[...]}, a `files` record
// naming it (so `wandb sync` uploads it), and as the value a `{"_type":"table-file", "sha256", "size",
// "path", "ncols", "nrows", "log_mode"}` object. JSONL writes the typed JSON object inline; other
// sinks see a string (CSV) or leave it out (TensorBoard, the console's numbers).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "vitals/format/json.hpp"

namespace vitals::inline VITALS_ABI {
/// One cell: null, bool, integer, floating or string.
class table_cell {
 public:
  enum class kind : std::uint8_t { null, boolean, integer, floating, string };

  table_cell() = default;
  table_cell(std::nullptr_t) {}
  table_cell(bool b) : type_(kind::boolean), i_(b) {}
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  table_cell(I v) : type_(kind::integer), i_(static_cast<std::int64_t>(v)) {}
  table_cell(double v) : type_(kind::floating), d_(v) {}
  table_cell(float v) : type_(kind::floating), d_(v) {}
  table_cell(std::string v) : type_(kind::string), s_(std::move(v)) {}
  table_cell(std::string_view v) : type_(kind::string), s_(v) {}
  table_cell(const char* v) : type_(kind::string), s_(v) {}

  kind type() const { return type_; }

  /// The cell as JSON, numbers as wandb writes them (NaN/Infinity bare, shortest round-trip digits).
  void append_json(std::string& out) const {
    switch (type_) {
      case kind::null: out += "null"; break;
      case kind::boolean: out += i_ ? "true" : "false"; break;
      case kind::integer: detail::append_json_int(out, i_); break;
      case kind::floating: detail::append_json_double(out, d_, detail::wandb_json); break;
      case kind::string: detail::append_json_string(out, s_); break;
    }
  }

 private:
  kind type_ = kind::null;
  std::int64_t i_ = 0;
  double d_ = 0;
  std::string s_;
};

class table {
 public:
  table() = default;
  explicit table(std::vector<std::string> columns) : columns_(std::move(columns)) {}
  table(std::initializer_list<std::string> columns) : columns_(columns) {}

  /// Appends a row; it must have one cell per column (std::invalid_argument otherwise).
  table& add_row(std::vector<table_cell> row) {
    if (row.size() != columns_.size())
      throw std::invalid_argument("vitals::table: a row of " + std::to_string(row.size()) + " cells for " +
                                  std::to_string(columns_.size()) + " columns");
    rows_.push_back(std::move(row));
    return *this;
  }

  const std::vector<std::string>& columns() const { return columns_; }
  const std::vector<std::vector<table_cell>>& rows() const { return rows_; }

  /// W&B's typed JSON: {"_type":"table","columns":[...],"data":[[...],...]}; the value to log.
  std::string json() const { return "{\"_type\":\"table\"," + file_json().substr(1); }

  /// {"columns":[...],"data":[[...],...]}: what W&B's .table.json file holds.
  std::string file_json() const {
    std::string out = "{\"columns\":[";
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      if (c) out += ',';
      detail::append_json_string(out, columns_[c]);
    }
    out += "],\"data\":[";
    for (std::size_t r = 0; r < rows_.size(); ++r) {
      if (r) out += ',';
      out += '[';
      for (std::size_t c = 0; c < rows_[r].size(); ++c) {
        if (c) out += ',';
        rows_[r][c].append_json(out);
      }
      out += ']';
    }
    out += "]}";
    return out;
  }

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<table_cell>> rows_;
};

}  // namespace vitals
