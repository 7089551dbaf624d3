// Defaults lists: which configs a composition merges, in which order, under which package.
//
// This is Hydra 1.3's algorithm (hydra/_internal/defaults_list.py) transcribed, not re-imagined:
// users rely on its exact answers (where `_self_` goes, what `@_here_` means in a nested file,
// which `override` wins), and the oracle in tests/oracle/hydra compares against it. The tree is
// built depth first, each defaults list walked from its end (so overrides declared by later
// entries win, as in Hydra), and flattened into the merge order. Where Hydra would recurse
// forever (a file that includes itself) or fail with a bare "not found", the errors here name the
// chain of files that led there.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vitals/config/compose/override_spec.hpp"

namespace vitals::inline VITALS_ABI::config {
/// One config of the final, flattened defaults list, in merge order.
struct result_default {
  std::string config_path;   // "exp/001"
  std::string package;       // where its content goes: "exp", "" (root)
  std::string parent;        // the config whose defaults list brought it in
  std::string override_key;  // "exp" for group options
  bool is_self = false, primary = false;
};

/// What a defaults-list resolution yields: the merge order, the group choices made, and the
/// overrides that were not group selections (applied to the merged config afterwards).
struct defaults_resolution {
  std::vector<result_default> defaults;
  std::vector<std::pair<std::string, std::optional<std::string>>> choices;  // "exp" -> "001"
  std::vector<override_spec> config_overrides;
};

class config_repository;

/// Resolves the defaults list of `config_name` under the group selections among `overrides`.
/// Sweeps are skipped (the caller expands them first); overrides that are not group selections
/// come back in `config_overrides`.
VITALS_INLINE defaults_resolution resolve_defaults(config_repository& repo, const std::string& config_name,
                                            const std::vector<override_spec>& overrides);

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/defaults_list.ipp"
#endif
