// Runs: directories, ids, options (code / environment / command line), metadata, the run object.
#pragma once

#include "vitals/run/metadata.hpp"
#include "vitals/run/model_params.hpp"
#include "vitals/run/options.hpp"
#include "vitals/run/run.hpp"
#include "vitals/run/run_dir.hpp"
#include "vitals/run/run_id.hpp"
#include "vitals/run/shutdown.hpp"
