// Hydra-style composition: config directories with defaults lists, command-line overrides,
// sweeps, interpolation, and struct options registered in code. See docs/compose.md.
#pragma once

#include "vitals/config/compose.hpp"
#include "vitals/config/compose_defaults.hpp"
#include "vitals/config/compose_merge.hpp"
#include "vitals/config/compose_store.hpp"
#include "vitals/config/compose_tree.hpp"
#include "vitals/config/compose_values.hpp"
#include "vitals/config/interpolation.hpp"
#include "vitals/config/overrides.hpp"
