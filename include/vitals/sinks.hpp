// Sinks: the record and sink concept, compile-time (vitals::sinks) and run-time (any_sink,
// make_sinks) composition, the logging pipeline, and the JSONL / CSV / console / TensorBoard / W&B
// backends. Including this registers no sink: a backend is compiled where it is used or where
// names are resolved into sinks (make_sinks; sinks/registry.hpp). The file formats the backends
// write are in vitals/format/.
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
#include "vitals/sinks/terminal.hpp"  // vitals::print_line
#include "vitals/sinks/tensorboard.hpp"
#include "vitals/sinks/wandb.hpp"
