// One command-line override as the grammar reads it (Hydra's key=value, +key, ++key, ~key,
// group@pkg=option, sweeps): what it does, to which key, with which value(s). The parser is in
// override_parser.hpp; applying one to a tree in apply_override.hpp.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {
/// What an override does with its key.
enum class override_op {
  set,        // key=value: the key must exist
  add,        // +key=value: the key must not exist (or be null)
  force_add,  // ++key=value: add or set
  remove,     // ~key or ~key=value
};

/// The type a value was parsed as (Hydra types unquoted `1` as int, `'1'` as a string).
enum class override_value_type { null, boolean, integer, floating, string, list, dict };

/// One value of an override: the tree node, its parsed type, and its text (to rebuild a job line).
struct override_value {
  node value;
  override_value_type type = override_value_type::string;
  std::string text;
};

/// One parsed override.
struct override_spec {
  std::string input;                   // as written, e.g. "exp.fold=[0,1]"
  int index = 0;                       // 1-based position on the command line (0 = unknown)
  override_op op = override_op::set;
  std::string key;                     // "exp.fold", "exp", "db/mysql"
  std::optional<std::string> package;  // "exp@pkg=..." -> "pkg"
  bool has_value = true;               // false only for "~key"
  bool sweep = false;                  // a=1,2 / choice(...) / range(...) / sort(...) / shuffle(...) / glob(...)
  bool interval = false;               // interval(a,b): a sweep only optimizing sweepers take
  std::optional<std::pair<std::vector<std::string>, std::vector<std::string>>> glob;  // glob(include, exclude=)
  override_value value;                // when !sweep
  std::vector<override_value> choices; // when sweep: every value, in order

  /// "+exp@pkg", "~a.b": the key with its prefix, as Hydra's get_key_element().
  VITALS_INLINE std::string key_element() const;
  VITALS_INLINE source_location where() const;
};

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/override_spec.ipp"
#endif
