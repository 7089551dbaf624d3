// vitals-compose: prints what a config directory and a command line compose to, without writing a
// program (what Hydra users get from `python app.py --cfg job`).
//
//   vitals-compose -cd configs -cn train exp=001 exp.train.lr=0.01        # YAML
//   vitals-compose -cd configs exp=001 "exp.fold=0,1,2" -m --json          # one JSON line per job
//
// A config error goes to stderr with its location (file:line:col or override #k) and exits 2.
// Options a program registers in code (vitals::store, config_store) are not visible here.
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "vitals/config/compose/tree.hpp"
#include "vitals/config/json_writer.hpp"
#include "vitals/config/yaml_writer.hpp"

namespace {

void usage(std::FILE* to) {
  std::fputs(
      "usage: vitals-compose --config-dir DIR [--config-name NAME] [OVERRIDE...] [-m|--multirun] [--json] [--hydra]\n"
      "\n"
      "Prints the config that DIR/NAME.yaml and the overrides compose to, as Hydra composes it\n"
      "(defaults lists, groups, packages, interpolations resolved).\n"
      "\n"
      "  -cd, --config-dir DIR    the config directory\n"
      "  -cn, --config-name NAME  the primary config (default: config)\n"
      "  -m, --multirun           expand sweeps (a=1,2, range(...), glob(*), ...): one config per job,\n"
      "                           in Hydra's job order\n"
      "  --json                   one JSON object per line (per job); nan/inf as \"nan\", \"inf\", \"-inf\"\n"
      "  --hydra                  print what ${hydra:...} reads instead (run/sweep dirs, job name and\n"
      "                           override_dirname, runtime choices and output_dir)\n"
      "  -h, --help               this text\n"
      "\n"
      "Exit status: 0, or 2 for a config or usage error (printed on stderr with its location).\n"
      "Options a program registers in code (vitals::store) are invisible here; run the program\n"
      "itself to see a composition that uses them.\n",
      to);
}

[[noreturn]] void fail(const std::string& message) { vitals::exit_usage_error("vitals-compose", message); }

}  // namespace

int main(int argc, char** argv) {
  vitals::config::compose_options options;
  std::vector<std::string> overrides;
  bool multirun = false, json = false, hydra = false, have_dir = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view flag) -> std::string {
      if (a.size() > flag.size() && a.substr(0, flag.size()) == flag && a[flag.size()] == '=')
        return std::string(a.substr(flag.size() + 1));
      if (i + 1 >= argc) fail(std::string(flag) + " needs a value");
      return argv[++i];
    };
    auto is = [&](std::string_view flag) { return a == flag || (a.size() > flag.size() && a.substr(0, flag.size() + 1) == std::string(flag) + "="); };
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    } else if (is("--config-dir") || is("-cd")) {
      options.config_dir = value(a.substr(0, 3) == "-cd" ? "-cd" : "--config-dir");
      have_dir = true;
    } else if (is("--config-name") || is("-cn")) {
      options.config_name = value(a.substr(0, 3) == "-cn" ? "-cn" : "--config-name");
    } else if (a == "-m" || a == "--multirun") {
      multirun = true;
    } else if (a == "--json") {
      json = true;
    } else if (a == "--hydra") {
      hydra = true;
    } else if (a.size() > 1 && a[0] == '-' && a[1] == '-') {
      fail("unknown option '" + std::string(a) + "' (see --help)");
    } else {
      overrides.emplace_back(a);
    }
  }
  if (!have_dir) fail("--config-dir (-cd) is required (see --help)");
  try {
    std::vector<vitals::config::composition> jobs;
    if (multirun) jobs = vitals::config::sweep_detailed(options, overrides);
    else jobs.push_back(vitals::config::compose_detailed(options, overrides));
    std::string out;
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      const vitals::config::node& n = hydra ? jobs[j].hydra : jobs[j].config;
      if (json) {
        out += vitals::config::to_json(n, 0) + "\n";
      } else {
        if (multirun) {  // a YAML stream: one document per job, headed by its overrides
          std::string line;
          for (const auto& o : jobs[j].overrides) line += " " + o;
          out += std::string(j ? "---\n" : "") + "# job " + std::to_string(j) + ":" + line + "\n";
        }
        out += vitals::config::to_yaml(n);
      }
    }
    std::fputs(out.c_str(), stdout);
  } catch (const vitals::config::config_error& e) {
    std::string msg = e.what();
    // A defaults line (not a command-line choice) naming an option there is no file for may be
    // an option the program registers in code.
    if ((msg.find("could not find '") != std::string::npos || msg.find("cannot find the primary config") != std::string::npos) &&
        msg.find("chosen on the command line") == std::string::npos)
      msg += "\n  note: vitals-compose sees only the files under the config directory; an option a program registers in code\n"
             "  (vitals::store, config_store) is invisible here: run the program itself to compose with it.";
    fail(msg);
  } catch (const vitals::usage_error& e) {
    fail(dynamic_cast<const std::exception&>(e).what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vitals-compose: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
