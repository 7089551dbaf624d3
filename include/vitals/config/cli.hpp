// The command-line parser for every flag vitals owns, shared by the layers that need flags:
//
//   --config FILE        a JSON or YAML config (repeatable; later files win)
//   --experiment NAME    start from a preset registered in code (seed 002's predefined experiments)
//   --show-config        print the final config as YAML on stdout and exit 0
//   --help, -h           list the flags and every config field with its type, default and doc
//   key=value            set a field (`optim.lr=1e-3`); see parse_flow_value for the value syntax
//   --user-flag [VALUE]  flags the program adds (cli_parser::flag / option)
//
// Layers apply in a fixed order, later ones winning: T{} defaults < --experiment < --config files
// (in order) < key=value overrides (in order). Every problem on the command line and in the files
// is reported at once; an unknown --flag gets a "did you mean".
//
//   struct Train { double lr = 3e-4; int epochs = 30;
//     static constexpr vitals::field_doc field_docs[] = {{"lr", "peak learning rate"}}; };
//   vitals::cli_parser<Train> cli("Trains the model.");
//   cli.preset("short", Train{.epochs = 1}).flag("--no_wandb", &no_wandb, "disable W&B");
//   Train cfg = cli.parse_or_exit(argc, argv);   // or vitals::parse_args<Train>(argc, argv)
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "vitals/config/convert.hpp"
#include "vitals/config/detail/suggest.hpp"
#include "vitals/config/detail/utf8.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/load.hpp"
#include "vitals/config/node.hpp"
#include "vitals/config/scalar.hpp"
#include "vitals/config/type_label.hpp"
#include "vitals/config/yaml_reader.hpp"
#include "vitals/config/yaml_writer.hpp"
#include "vitals/reflect.hpp"

namespace vitals::inline VITALS_ABI {
/// A field's doc string for --help. A struct lists them in a static member:
///   static constexpr vitals::field_doc field_docs[] = {{"lr", "peak learning rate"}};
struct field_doc {
  std::string_view field;
  std::string_view text;
};

namespace config::detail {

/// An argument for a message: in quotes, cut to 200 bytes, bytes that are not UTF-8 shown as \xNN
/// (so the message itself stays valid UTF-8 and short).
VITALS_INLINE std::string quoted_arg(std::string_view arg);

VITALS_INLINE void set_origin(node& n, const source_location& where);

/// A command-line value as a tree. `[...]`, `{...}` and quoted values are read as YAML flow
/// values; anything else is one plain scalar taken as written (so URLs, paths and `#` need no
/// quoting), typed later by the field it lands in; `null`/`~` are null and an empty value is the
/// empty string. A comma outside brackets or quotes is a list when allow_list, else an error
/// (Hydra would read it as a sweep).
VITALS_INLINE std::optional<node> parse_flow_value(std::string_view text, const source_location& where,
                                                   std::vector<problem>& problems, const std::string& path,
                                                   bool allow_list = false);

/// `a.b.c=v` as the tree {a: {b: {c: v}}}, every node marked with the override it came from.
VITALS_INLINE std::optional<node> override_tree(std::string_view arg, std::vector<problem>& problems);

template <class S>
std::string_view field_doc_of(std::string_view name) {
  if constexpr (requires { S::field_docs; })
    for (const field_doc& d : S::field_docs)
      if (d.field == name) return d.text;
  return {};
}

struct help_row {
  std::string path, type, value, doc;
};

/// How a default value reads in --help: a scalar as it would be written in YAML, a container on
/// one line, an unset required field as `??? (required)`.
VITALS_INLINE std::string inline_value(const node& n);

/// "prefix.name" (or "name" at the top).
VITALS_INLINE std::string help_path(const std::string& prefix, std::string_view name);
/// Adds a field's row: its default value as inline_value shows it.
VITALS_INLINE void push_help_row(std::vector<help_row>& rows, std::string path, std::string type, const node& value,
                                 std::string_view doc);

template <class S>
void collect_help_rows(const S& value, const std::string& prefix, std::vector<help_row>& rows) {
  vitals::for_each_field(value, [&](std::string_view name, const auto& field) {
    using F = std::decay_t<decltype(field)>;
    std::string path = help_path(prefix, name);
    if constexpr (is_config_struct_v<F>) {
      std::string_view doc = field_doc_of<S>(name);
      if (!doc.empty()) rows.push_back({path, type_label<F>(), "", std::string(doc)});
      collect_help_rows(field, path, rows);
    } else {
      std::string type = type_label<F>();
      if constexpr (std::is_enum_v<F>) {  // the values a user may write, not only the type's name
        type += " {";
        bool first = true;
        for (const auto& entry : vitals::enum_entries<F>()) {
          if (!first) type += '|';
          type += entry.second;
          first = false;
        }
        type += '}';
      }
      push_help_row(rows, std::move(path), std::move(type), to_node(field), field_doc_of<S>(name));
    }
  });
}

VITALS_INLINE std::string format_table(const std::vector<std::vector<std::string>>& rows, std::string_view indent);

/// A flag a program adds to cli_parser (flag / option).
struct cli_flag {
  std::string name, metavar, help;
  bool takes_value;
  std::function<void(std::string_view, const source_location&, std::vector<problem>&)> apply;
};

/// What the command line says, before any config is read (cli_parser::parse's first step).
struct cli_scan {
  bool help = false, show = false;
  std::vector<std::string> overrides;
  std::vector<std::filesystem::path> config_files;
  std::string experiment;
};

/// Sorts the arguments into vitals' flags, the program's flags (applied here) and key=value
/// overrides; problems are added to `problems`.
VITALS_INLINE cli_scan scan_cli_args(int argc, const char* const* argv, const std::vector<cli_flag>& flags,
                                     std::vector<problem>& problems);

/// cli_parser's --help text, from its parts (`presets`: name and help of each).
VITALS_INLINE std::string cli_usage(std::string_view program, const std::string& description,
                                    const std::vector<cli_flag>& flags,
                                    const std::vector<std::pair<std::string, std::string>>& presets,
                                    const std::vector<help_row>& fields);

/// The problem for an --experiment NAME that no preset has (`names`: the presets there are).
VITALS_INLINE problem unknown_experiment(const std::string& name, const std::vector<std::string>& names);

/// Adds a problem per unset required field in `missing`, telling how to set it.
VITALS_INLINE void add_missing_required(std::vector<problem>& missing, std::vector<problem>& problems);

/// Prints `text` on stdout and exits 0 (--help, --show-config).
[[noreturn]] VITALS_INLINE void print_and_exit(const std::string& text);

}  // namespace config::detail

/// What parse() found: the config, and whether the program should run or print `text` and exit.
template <class T>
struct cli_result {
  enum class action { run, help, show_config };
  T config{};
  action what = action::run;
  std::string text;                                // --help text or --show-config YAML
  std::vector<std::string> overrides;              // the key=value arguments, as given
  std::vector<std::filesystem::path> config_files;  // --config files, in order
  std::string experiment;                          // --experiment NAME, or empty
};

template <class T>
class cli_parser {
 public:
  explicit cli_parser(std::string description = "") : description_(std::move(description)) {}

  /// A preset for --experiment NAME: a complete config value, built in code.
  cli_parser& preset(std::string name, T value, std::string help = "") {
    presets_.push_back({std::move(name), std::move(value), std::move(help)});
    return *this;
  }

  /// A flag without a value (`--no_wandb`): sets *target to true when given.
  cli_parser& flag(std::string name, bool* target, std::string help) {
    flags_.push_back({normalize(std::move(name)), "", std::move(help), false,
                      [target](std::string_view, const config::source_location&, std::vector<config::problem>&) {
                        *target = true;
                      }});
    return *this;
  }

  /// A flag with a value (`--wandb_project X` or `--wandb_project=X`) read into *target: strings
  /// as given, other types as a YAML flow value converted like a config field (so lists take
  /// `a,b` or `[a,b]`).
  template <class V>
  cli_parser& option(std::string name, V* target, std::string help, std::string metavar = "VALUE") {
    std::string flag_name = normalize(std::move(name));
    flags_.push_back({flag_name, std::move(metavar), std::move(help), true,
                      [target, flag_name](std::string_view value, const config::source_location& where,
                                          std::vector<config::problem>& problems) {
                        if (std::string bad = config::detail::utf8_problem(value); !bad.empty()) {
                          problems.push_back({"", flag_name + " " + config::detail::quoted_arg(value) + ": the value " + bad, {}});
                          return;
                        }
                        if constexpr (std::is_same_v<V, std::string>) {
                          *target = std::string(value);
                        } else {
                          constexpr bool list = config::detail::is_vector<V>::value;
                          auto tree = config::detail::parse_flow_value(value, where, problems, flag_name, list);
                          if (tree) config::merge_into(*target, *tree, problems, flag_name);
                        }
                      }});
    return *this;
  }

  /// A flag with a value handed to `handler` as text.
  cli_parser& option(std::string name, std::function<void(std::string_view)> handler, std::string help,
                     std::string metavar = "VALUE") {
    flags_.push_back({normalize(std::move(name)), std::move(metavar), std::move(help), true,
                      [handler = std::move(handler)](std::string_view value, const config::source_location&,
                                                     std::vector<config::problem>&) { handler(value); }});
    return *this;
  }

  /// Reads the command line. Throws config_error listing every problem (flags, files, values).
  cli_result<T> parse(int argc, const char* const* argv) const {
    cli_result<T> r;
    std::vector<config::problem> problems;
    const std::string program = argc > 0 && argv[0] ? std::filesystem::path(argv[0]).filename().string() : "program";
    config::detail::cli_scan scan = config::detail::scan_cli_args(argc, argv, flags_, problems);
    r.overrides = std::move(scan.overrides);
    r.config_files = std::move(scan.config_files);
    r.experiment = std::move(scan.experiment);
    if (scan.help) {
      r.what = cli_result<T>::action::help;
      r.text = usage(program);
      return r;  // --help answers even when the rest of the line has problems
    }

    T value{};
    std::size_t more = 0;  // problems past limits().max_errors, counted only
    if (!r.experiment.empty()) {
      auto it = std::find_if(presets_.begin(), presets_.end(), [&](const auto& p) { return p.name == r.experiment; });
      if (it != presets_.end()) {
        value = it->value;
      } else {
        std::vector<std::string> names;
        for (const auto& p : presets_) names.push_back(p.name);
        problems.push_back(config::detail::unknown_experiment(r.experiment, names));
      }
    }
    for (const auto& path : r.config_files) {
      try {
        config::node tree = config::load_file(path);
        // An empty (or comments-only) YAML file is null: it leaves the struct as it was.
        if (!(config::detail::is_config_struct_v<T> && tree.is_null())) config::merge_into(value, tree, problems, more);
      } catch (const config::config_error& e) {
        problems.insert(problems.end(), e.problems().begin(), e.problems().end());
        more += e.more();
      }
    }
    for (const auto& arg : r.overrides)
      if (auto tree = config::detail::override_tree(arg, problems)) config::merge_into(value, *tree, problems, more);

    std::vector<config::problem> missing;
    config::check_required(value, config::node::mapping(), missing);
    config::detail::add_missing_required(missing, problems);
    if (!problems.empty()) throw config::config_error(std::move(problems), more);

    r.config = std::move(value);
    if (scan.show) {
      r.what = cli_result<T>::action::show_config;
      r.text = config::to_yaml(config::to_node(r.config));
    }
    return r;
  }

  /// parse(), then: --help and --show-config print their text on stdout and exit 0; problems are
  /// printed on stderr ("error: ..." per line, at most limits().max_errors, then "... and N
  /// more problems") and exit 2 (usage_exit_code). Otherwise returns the config.
  T parse_or_exit(int argc, const char* const* argv) const {
    try {
      cli_result<T> r = parse(argc, argv);
      if (r.what != cli_result<T>::action::run) config::detail::print_and_exit(r.text);
      return std::move(r.config);
    } catch (const config::config_error& e) {
      exit_usage_error("", e.what());
    } catch (const usage_error& e) {  // e.g. thrown by a user flag's handler
      exit_usage_error("", e.what());
    }
  }

  /// The --help text.
  std::string usage(std::string_view program) const {
    std::vector<std::pair<std::string, std::string>> presets;
    for (const auto& p : presets_) presets.emplace_back(p.name, p.help);
    std::vector<config::detail::help_row> fields;
    if constexpr (config::detail::is_config_struct_v<T>) config::detail::collect_help_rows(T{}, "", fields);
    return config::detail::cli_usage(program, description_, flags_, presets, fields);
  }

 private:
  struct preset_entry {
    std::string name;
    T value;
    std::string help;
  };
  using user_flag = config::detail::cli_flag;

  static std::string normalize(std::string name) { return name.rfind("-", 0) == 0 ? name : "--" + name; }

  std::string description_;
  std::vector<preset_entry> presets_;
  std::vector<user_flag> flags_;
};

/// Reads a config from the command line with vitals' standard flags (see cli_parser); prints and
/// exits for --help, --show-config and errors.
template <class T>
T parse_args(int argc, const char* const* argv, const cli_parser<T>& parser = cli_parser<T>{}) {
  return parser.parse_or_exit(argc, argv);
}

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/config/cli.ipp"
#endif
