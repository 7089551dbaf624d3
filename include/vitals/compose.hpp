// Hydra-style composition: config directories with defaults lists, command-line overrides,
// sweeps, interpolation, and struct options registered in code. See docs/compose.md; the engine
// is in vitals/config/compose/, one concept per header.
#pragma once

#include "vitals/config/compose/apply_override.hpp"
#include "vitals/config/compose/command_line.hpp"
#include "vitals/config/compose/composition.hpp"
#include "vitals/config/compose/config_repository.hpp"
#include "vitals/config/compose/decimal.hpp"
#include "vitals/config/compose/defaults_choices.hpp"
#include "vitals/config/compose/defaults_entry.hpp"
#include "vitals/config/compose/defaults_list.hpp"
#include "vitals/config/compose/hydra_node.hpp"
#include "vitals/config/compose/merge.hpp"
#include "vitals/config/compose/override_functions.hpp"
#include "vitals/config/compose/override_lexicon.hpp"
#include "vitals/config/compose/override_parser.hpp"
#include "vitals/config/compose/override_spec.hpp"
#include "vitals/config/compose/project_root.hpp"
#include "vitals/config/compose/store.hpp"
#include "vitals/config/compose/sweep.hpp"
#include "vitals/config/compose/tree.hpp"
#include "vitals/config/compose/values.hpp"
#include "vitals/config/interpolation.hpp"
// Reading and writing the trees composition yields (parse_yaml, load_yaml_file, to_yaml, to_json),
// which the compose headers no longer pull in themselves.
#include "vitals/config/json_writer.hpp"
#include "vitals/config/yaml_reader.hpp"
#include "vitals/config/yaml_writer.hpp"
