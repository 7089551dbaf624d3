// Sinks: the record and sink concept, compile-time (vitals::sinks) and run-time (any_sink,
// make_sinks) composition, the logging pipeline, and the JSONL / CSV / console backends.
#pragma once

#include "vitals/sinks/any_sink.hpp"
#include "vitals/sinks/console.hpp"
#include "vitals/sinks/csv.hpp"
#include "vitals/sinks/guarded_sink.hpp"
#include "vitals/sinks/jsonl.hpp"
#include "vitals/sinks/pipeline.hpp"
#include "vitals/sinks/record.hpp"
#include "vitals/sinks/registry.hpp"
#include "vitals/sinks/report.hpp"
#include "vitals/sinks/sink.hpp"
#include "vitals/sinks/sink_set.hpp"
#include "vitals/sinks/tensorboard.hpp"
#include "vitals/sinks/wandb.hpp"
