// Test driver for the W&B oracles: replays a JSON scenario through vitals::wandb_sink, or writes
// raw payloads through the log writer. The Python tests hold the scenarios and compare what wandb's
// own reader finds in the output with what the scenario logged.
//
//   wandb_driver run   <spec.json>                 write the run the spec describes
//   wandb_driver crash <spec.json> <flush_after>   flush after that many events, print "flushed",
//                                                  log the rest unflushed, then wait to be killed
//   wandb_driver log   <file> <size>...            write records of those payload sizes
//   wandb_driver logfiles <file> <payload file>...  write each payload file's bytes as one record
//   wandb_driver e2e   <runs dir>                  a k-fold style vitals::run with --sinks wandb
//   wandb_driver config_update <runs dir>          a vitals::run (wandb, jsonl) calling update_config
//
// spec: {"info": {project, entity, id, name, group, job_type, notes, tags, dir, config (object),
//        start_time}, "options": {mode, dir, sync_command, sync_interval_s, quiet,
//        metrics: [{name, step_metric, summary, goal, hidden}]},
//        "events": [{"kind": "history"|"summary"|"alert", "step", "runtime", "timestamp",
//                    "metrics": [[key, {"i"|"f"|"b"|"s"|"nan"|"inf"|"-inf": v}], ...]},
//                   {"kind": "flush"}],
//        "exit_code": 0}
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "vitals/detail/simdjson.hpp"
#include "vitals/run/run.hpp"
#include "vitals/sinks/wandb.hpp"
#include "vitals/sinks/wandb/online.hpp"  // the writer's layers (leveldb log, protobuf, crc32) the checks use

namespace {

template <class E>
std::string str(E e, const char* key, std::string def = "") {
  std::string_view v;
  if (e[key].get(v)) return def;
  return std::string(v);
}

struct event {
  vitals::record_kind kind = vitals::record_kind::history;
  bool flush = false;
  std::int64_t step = 0;
  double runtime = 0, timestamp = 0;
  std::vector<std::string> keys;
  std::vector<std::string> strings;  // storage for string values
  std::vector<vitals::metric_value> values;
  std::vector<vitals::metric> metrics;  // built after storage is stable
};

vitals::metric_value parse_value(simdjson::dom::object o, std::vector<std::string>& strings, std::size_t idx) {
  for (auto field : o) {
    const std::string_view k = field.key;
    if (k == "i") return vitals::metric_value(std::int64_t(field.value));
    if (k == "f") return vitals::metric_value(double(field.value));
    if (k == "b") return vitals::metric_value(bool(field.value));
    if (k == "nan") return vitals::metric_value(__builtin_nan(""));
    if (k == "inf") return vitals::metric_value(__builtin_inf());
    if (k == "-inf") return vitals::metric_value(-__builtin_inf());
    if (k == "s") {
      strings[idx] = std::string(std::string_view(field.value));
      return vitals::metric_value(std::string_view(strings[idx]));
    }
  }
  throw std::runtime_error("bad value");
}

int run_spec(const char* spec_path, long flush_after) {
  simdjson::dom::parser parser;
  simdjson::dom::element spec = parser.load(spec_path);
  auto info_j = spec["info"];
  vitals::run_info info;
  info.project = str(info_j, "project");
  info.entity = str(info_j, "entity");
  info.id = str(info_j, "id");
  info.name = str(info_j, "name");
  info.group = str(info_j, "group");
  info.job_type = str(info_j, "job_type");
  info.notes = str(info_j, "notes");
  info.dir = str(info_j, "dir");
  simdjson::dom::array tags;
  if (!info_j["tags"].get(tags))
    for (auto t : tags) info.tags.emplace_back(std::string_view(t));
  simdjson::dom::element cfg;
  info.config_json = info_j["config"].get(cfg) ? "{}" : simdjson::minify(cfg);
  double st = 0;
  if (!info_j["start_time"].get(st)) info.start_time = st;

  vitals::wandb_options opt;
  auto opt_j = spec["options"];
  const std::string mode = str(opt_j, "mode", "offline");
  opt.mode = mode == "online" ? vitals::wandb_mode::online
             : mode == "disabled" ? vitals::wandb_mode::disabled
             : mode == "automatic" ? vitals::wandb_mode::automatic
                                  : vitals::wandb_mode::offline;
  opt.dir = str(opt_j, "dir");
  opt.sync_command = str(opt_j, "sync_command", "wandb");
  double interval = 0;
  if (!opt_j["sync_interval_s"].get(interval)) opt.sync_interval = std::chrono::duration<double>(interval);
  bool quiet = true;
  if (!opt_j["quiet"].get(quiet)) opt.quiet = quiet;
  else opt.quiet = true;
  simdjson::dom::array metrics;
  if (!opt_j["metrics"].get(metrics)) {
    for (auto m : metrics) {
      vitals::wandb_metric wm;
      wm.name = str(m, "name");
      wm.step_metric = str(m, "step_metric");
      wm.goal = str(m, "goal");
      bool hidden = false;
      if (!m["hidden"].get(hidden)) wm.hidden = hidden;
      simdjson::dom::array summ;
      if (!m["summary"].get(summ))
        for (auto s : summ) wm.summary.emplace_back(std::string_view(s));
      opt.metrics.push_back(wm);
    }
  }

  std::vector<event> events;
  for (auto ej : spec["events"].get_array()) {
    event e;
    const std::string kind = str(ej, "kind", "history");
    e.flush = kind == "flush";
    e.kind = kind == "summary" ? vitals::record_kind::summary : kind == "alert" ? vitals::record_kind::alert : vitals::record_kind::history;
    std::int64_t step = 0;
    if (!ej["step"].get(step)) e.step = step;
    double d = 0;
    if (!ej["runtime"].get(d)) e.runtime = d;
    if (!ej["timestamp"].get(d)) e.timestamp = d;
    simdjson::dom::array ms;
    if (!ej["metrics"].get(ms)) {
      e.strings.resize(ms.size());
      std::size_t i = 0;
      for (auto kv : ms) {
        e.keys.emplace_back(std::string_view(kv.at(0)));
        e.values.push_back(parse_value(kv.at(1).get_object(), e.strings, i++));
      }
    }
    events.push_back(std::move(e));
  }
  for (auto& e : events)
    for (std::size_t i = 0; i < e.keys.size(); ++i) {
      auto v = e.values[i];
      if (v.type == vitals::metric_value::kind::string) v.s = e.strings[i];
      e.metrics.push_back({e.keys[i], v});
    }

  std::int64_t exit_code = 0;
  if (spec["exit_code"].get(exit_code)) exit_code = 0;

  vitals::wandb_sink sink(opt);
  sink.open(info);
  long n = 0;
  for (auto& e : events) {
    if (flush_after >= 0 && n == flush_after) {
      sink.flush();
      std::printf("flushed %ld\n", n);
      std::fflush(stdout);
    }
    ++n;
    if (e.flush) {
      sink.flush();
      continue;
    }
    vitals::record r;
    r.kind = e.kind;
    r.step = e.step;
    r.runtime = e.runtime;
    r.timestamp = e.timestamp;
    r.metrics = e.metrics;
    sink.write(r);
  }
  if (flush_after >= 0) {
    std::string line;
    std::getline(std::cin, line);  // the test kills us while we wait here
    return 3;
  }
  sink.close(static_cast<int>(exit_code));
  std::printf("%s\n", sink.run_dir().c_str());
  return 0;
}

int write_log(const char* file, int argc, char** argv) {
  vitals::detail::leveldb_log_writer w;
  w.open(file);
  for (int i = 0; i < argc; ++i) {
    const std::size_t size = std::strtoull(argv[i], nullptr, 10);
    std::string payload(size, '\0');
    for (std::size_t k = 0; k < size; ++k) payload[k] = static_cast<char>((k * 7 + i * 13) % 251);
    w.append(payload);
  }
  w.close();
  return 0;
}

int write_log_files(const char* file, int argc, char** argv) {
  vitals::detail::leveldb_log_writer w;
  w.open(file);
  for (int i = 0; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) throw std::runtime_error(std::string("cannot read ") + argv[i]);
    const std::string payload((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    w.append(payload);
  }
  w.close();
  return 0;
}

/// The seed's k-fold workflow end to end through vitals::run and the registered "wandb" sink.
int end_to_end(const char* dir) {
  for (int fold = 0; fold < 2; ++fold) {
    vitals::run_options o;
    o.project = "cmi";
    o.name = "exp001_fold_" + std::to_string(fold);
    o.group = "exp001";
    o.tags = {"fold_" + std::to_string(fold), "exp001"};
    o.job_type = "train";
    o.dir = dir;
    o.sinks = "wandb";
    o.capture_git = false;
    o.handle_signals = false;
    o.config_json = R"({"exp_name": "exp001", "fold": )" + std::to_string(fold) + R"(, "experiment_type": "kfold", "train": {"lr": 0.001, "epochs": 3}})";
    vitals::run r(o);
    r.log_model_params(1000000, 900000);
    for (int step = 1; step < 6; ++step) {  // model params took step 0
      r.log({{"train/loss", 1.0 / (step + 1 + fold)}, {"lr", 0.001}}, step);
    }
    const std::vector<double> w{0.1, 0.2, 0.2, 0.3};
    r.log({{"weights/all", std::string_view(vitals::wandb_histogram::from_samples(w, 4).json())}}, 6);
    r.alert("plateau", "no improvement", "WARN");
    r.summary("fold_" + std::to_string(fold) + "/final_val_loss", 0.5 / (fold + 1));
    r.finish(0);
    std::printf("%s\n", r.dir().c_str());
  }
  return 0;
}

// A run whose config changes after start: a top-level key, a dotted path into a nested mapping,
// a new key, and a whole struct. Prints the run directory.
struct optim_cfg {
  double lr = 0.5;
  int warmup = 7;
};
struct update_cfg {
  std::string exp_name = "exp002";
  optim_cfg optim;
};

int config_update(const char* dir) {
  vitals::run_options o;
  o.project = "cmi";
  o.name = "config_update";
  o.dir = dir;
  o.sinks = "wandb,jsonl";
  o.capture_git = false;
  o.handle_signals = false;
  o.config_json = R"({"exp_name": "exp001", "optim": {"lr": 0.001, "warmup": 3}, "epochs": 3})";
  vitals::run r(o);
  r.log({{"train/loss", 1.0}}, 1);
  r.update_config("epochs", 5);                 // replaces a top-level value
  r.update_config("optim.lr", 0.01);            // one nested key; optim.warmup stays
  r.update_config("best_fold", std::string("fold_2"));  // a new key
  r.log({{"train/loss", 0.5}}, 2);
  r.update_config(update_cfg{});                // a whole struct: its keys replace the run's
  r.finish(0);
  std::printf("%s\n", r.dir().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc >= 3 && std::string(argv[1]) == "run") return run_spec(argv[2], -1);
    if (argc >= 4 && std::string(argv[1]) == "crash") return run_spec(argv[2], std::strtol(argv[3], nullptr, 10));
    if (argc >= 3 && std::string(argv[1]) == "log") return write_log(argv[2], argc - 3, argv + 3);
    if (argc >= 3 && std::string(argv[1]) == "logfiles") return write_log_files(argv[2], argc - 3, argv + 3);
    if (argc >= 3 && std::string(argv[1]) == "e2e") return end_to_end(argv[2]);
    if (argc >= 3 && std::string(argv[1]) == "config_update") return config_update(argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wandb_driver: %s\n", e.what());
    return 2;
  }
  std::fprintf(stderr, "usage: wandb_driver run <spec.json> | crash <spec.json> <n> | log <file> <size>... | logfiles <file> <payload file>... | e2e <dir>\n");
  return 1;
}
