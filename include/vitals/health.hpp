// Training health on the host: streaming statistics, epoch aggregates, loss tracking, the rule DSL
// and the health monitor that turns rules into alerts. See docs/health.md.
#pragma once

#include "vitals/health/accumulator.hpp"
#include "vitals/health/alert.hpp"
#include "vitals/health/array_stats.hpp"
#include "vitals/health/data_stats.hpp"
#include "vitals/health/default_rules.hpp"
#include "vitals/health/dtype.hpp"
#include "vitals/health/epoch_tracker.hpp"
#include "vitals/health/generation_stats.hpp"
#include "vitals/health/loss_components.hpp"
#include "vitals/health/loss_tracker.hpp"
#include "vitals/health/metric_list.hpp"
#include "vitals/health/metric_table.hpp"
#include "vitals/health/model_params.hpp"
#include "vitals/health/monitor.hpp"
#include "vitals/health/param_stats.hpp"
#include "vitals/health/param_watch.hpp"
#include "vitals/health/rule.hpp"
#include "vitals/health/stat_set.hpp"
#include "vitals/health/step_stats.hpp"
#include "vitals/health/tensor_table.hpp"
