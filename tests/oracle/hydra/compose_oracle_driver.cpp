// The vitals side of the Hydra oracle: reads a JSON manifest of cases (written by hydra_oracle.py),
// composes each with vitals::config::compose_tree / sweep_tree, and prints one JSON line per case:
// {"name": ..., "ok": true, "jobs": [tree, ...]} or {"name": ..., "ok": false, "error": "..."}.
#include <cstdio>
#include <string>
#include <vector>

#include "vitals/compose.hpp"
#include "vitals/config/json_reader.hpp"
#include "vitals/config/json_writer.hpp"

namespace {

// The seed's ExpConfig, mirrored by dataclasses in hydra_oracle.py.
struct TrainConfig {
  int epochs = 30;
  double lr = 3e-4;
  int batch_size = 32;
};
struct ExpConfig {
  std::string exp_name = "default";
  std::vector<int> fold{0, 1, 2, 3, 4};
  bool debug = false;
  int seed = 42;
  TrainConfig train;
};

using vitals::config::node;
using vitals::config::scalar_style;

node run_case(const node& c) {
  node out = node::mapping();
  out.set("name", *c.find("name"));
  vitals::config::config_store store;
  if (const node* s = c.find("store"); s && s->text == "true") store.store_node("exp", "default", vitals::config::to_node(ExpConfig{}));
  vitals::config::compose_options options{.config_dir = c.find("dir")->text, .config_name = c.find("config")->text, .store = &store};
  std::vector<std::string> overrides;
  for (const auto& o : c.find("overrides")->items) overrides.push_back(o.text);
  try {
    node jobs = node::sequence();
    if (const node* sw = c.find("sweep"); sw && sw->text == "true") {
      for (auto& t : vitals::config::sweep_tree(options, overrides)) jobs.items.push_back(std::move(t));
    } else {
      jobs.items.push_back(vitals::config::compose_tree(options, overrides));
    }
    // Where Hydra types `exp` by the dataclass, vitals types it by the struct: convert, so that
    // type errors count as errors on our side too (what vitals::compose<Config> would report).
    if (const node* s = c.find("store"); s && s->text == "true")
      for (const auto& job : jobs.items)
        if (const node* exp = job.find("exp")) (void)vitals::config::from_node<ExpConfig>(*exp);
    out.set("ok", node::scalar("true"));
    out.set("jobs", std::move(jobs));
  } catch (const std::exception& e) {
    out.set("ok", node::scalar("false"));
    out.set("error", node::scalar(e.what(), scalar_style::quoted));
  }
  return out;
}

// --parse mode: one override string in, its parse out (compared with Hydra's OverridesParser).
node parse_one(const std::string& text) {
  node out = node::mapping();
  out.set("input", node::scalar(text, scalar_style::quoted));
  try {
    vitals::config::override_spec o = vitals::config::parse_override(text);
    using vitals::config::override_op;
    const char* op = o.op == override_op::add ? "add" : o.op == override_op::force_add ? "force_add" : o.op == override_op::remove ? "delete" : "set";
    out.set("ok", node::scalar("true"));
    out.set("op", node::scalar(op, scalar_style::quoted));
    out.set("key", node::scalar(o.key, scalar_style::quoted));
    out.set("package", o.package ? node::scalar(*o.package, scalar_style::quoted) : node::null_value());
    if (o.sweep) {
      node choices = node::sequence();
      for (const auto& c : o.choices) choices.items.push_back(c.value);
      out.set("sweep", std::move(choices));
    } else {
      out.set("value", o.has_value ? o.value.value : node::null_value());
    }
  } catch (const std::exception& e) {
    out.set("ok", node::scalar("false"));
    out.set("error", node::scalar(e.what(), scalar_style::quoted));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--parse") {
    node lines = vitals::config::load_json_file(argv[2]);
    for (const auto& l : lines.items) std::printf("%s\n", vitals::config::to_json(parse_one(l.text), 0).c_str());
    return 0;
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s cases.json | --parse overrides.json\n", argv[0]);
    return 2;
  }
  node cases = vitals::config::load_json_file(argv[1]);
  for (const auto& c : cases.items) {
    std::string line = vitals::config::to_json(run_case(c), 0);
    std::printf("%s\n", line.c_str());
  }
  return 0;
}
