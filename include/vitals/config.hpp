// Typed configs: plain structs <-> JSON/YAML, every error reported at once, one command-line
// parser. See docs/config.md.
#pragma once

#include "vitals/config/cli.hpp"
#include "vitals/config/convert.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/json_reader.hpp"
#include "vitals/config/json_writer.hpp"
#include "vitals/config/load.hpp"
#include "vitals/config/node.hpp"
#include "vitals/config/required.hpp"
#include "vitals/config/scalar.hpp"
#include "vitals/config/type_label.hpp"
#include "vitals/config/yaml_reader.hpp"
#include "vitals/config/yaml_writer.hpp"
