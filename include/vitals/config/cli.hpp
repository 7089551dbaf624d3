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
inline std::string quoted_arg(std::string_view arg) {
  std::string out = "'";
  std::size_t i = 0;
  std::uint32_t cp = 0;
  while (i < arg.size() && i < 200) {
    std::size_t len = decode_utf8(arg, i, cp);
    if (len == 0) {
      static constexpr char hex[] = "0123456789ABCDEF";
      const auto c = static_cast<unsigned char>(arg[i]);
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xF];
      ++i;
    } else {
      out.append(arg.substr(i, len));
      i += len;
    }
  }
  if (i < arg.size()) out += "...";
  return out + "'";
}

inline void set_origin(node& n, const source_location& where) {
  n.where = where;
  for (node& item : n.items) set_origin(item, where);
  for (auto& entry : n.entries) set_origin(entry.second, where);
}

/// A command-line value as a tree. `[...]`, `{...}` and quoted values are read as YAML flow
/// values; anything else is one plain scalar taken as written (so URLs, paths and `#` need no
/// quoting), typed later by the field it lands in; `null`/`~` are null and an empty value is the
/// empty string. A comma outside brackets or quotes is a list when allow_list, else an error
/// (Hydra would read it as a sweep).
inline std::optional<node> parse_flow_value(std::string_view text, const source_location& where,
                                            std::vector<problem>& problems, const std::string& path,
                                            bool allow_list = false) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
  };
  auto plain = [&](std::string_view v) {
    return is_null_text(v) ? node::null_value(where) : node::scalar(std::string(v), scalar_style::plain, where);
  };
  text = trim(text);
  if (text.empty()) return node::scalar("", scalar_style::quoted, where);
  const char first = text.front();
  if (first == '[' || first == '{' || first == '"' || first == '\'') {
    try {
      node n = parse_yaml(text);
      set_origin(n, where);
      return n;
    } catch (const config_error& e) {
      std::string why = e.problems().empty() ? "" : e.problems().front().message;
      problems.push_back({path, "cannot read value '" + std::string(text) + "': " + why, where});
      return std::nullopt;
    }
  }
  if (text.find(',') == std::string_view::npos) return plain(text);
  if (!allow_list) {
    problems.push_back({path, "expected one value, got '" + std::string(text) +
                                  "' (write a list as [a,b], or quote a value that holds a comma)",
                        where});
    return std::nullopt;
  }
  node list = node::sequence(where);
  for (std::size_t start = 0;;) {
    std::size_t comma = text.find(',', start);
    list.items.push_back(plain(trim(text.substr(start, comma == std::string_view::npos ? comma : comma - start))));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return list;
}

/// `a.b.c=v` as the tree {a: {b: {c: v}}}, every node marked with the override it came from.
inline std::optional<node> override_tree(std::string_view arg, std::vector<problem>& problems) {
  if (std::string bad = utf8_problem(arg); !bad.empty()) {
    problems.push_back({"", "override " + quoted_arg(arg) + " " + bad + "; command-line values must be UTF-8", {}});
    return std::nullopt;
  }
  const source_location where = source_location::from_origin("override '" + std::string(arg) + "'");
  const std::size_t eq = arg.find('=');
  std::string_view key = arg.substr(0, eq);
  if (!key.empty() && (key[0] == '+' || key[0] == '~')) {
    problems.push_back({std::string(key), "this parser only sets existing fields (key=value); the +key, ++key and "
                                          "~key forms belong to vitals::compose",
                        where});
    return std::nullopt;
  }
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    std::size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (std::any_of(parts.begin(), parts.end(), [](std::string_view p) { return p.empty(); })) {
    problems.push_back({std::string(key), "an override needs a key path like optim.lr=0.1", where});
    return std::nullopt;
  }
  auto value = parse_flow_value(arg.substr(eq + 1), where, problems, std::string(key));
  if (!value) return std::nullopt;
  node tree = std::move(*value);
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    node parent = node::mapping(where);
    parent.entries.emplace_back(std::string(*it), std::move(tree));
    tree = std::move(parent);
  }
  return tree;
}

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
inline std::string inline_value(const node& n) {
  if (n.is_scalar() && n.style == scalar_style::plain && n.text == missing_text) return "??? (required)";
  if (n.is_mapping() || n.is_sequence()) return to_json(n, 0);
  std::string text = to_yaml(n);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

template <class S>
void collect_help_rows(const S& value, const std::string& prefix, std::vector<help_row>& rows) {
  vitals::for_each_field(value, [&](std::string_view name, const auto& field) {
    using F = std::decay_t<decltype(field)>;
    std::string path = prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
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
      rows.push_back({path, std::move(type), inline_value(to_node(field)), std::string(field_doc_of<S>(name))});
    }
  });
}

inline std::string format_table(const std::vector<std::vector<std::string>>& rows, std::string_view indent) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line(indent);
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  return out;
}

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
    bool help = false, show = false;
    for (int i = 1; i < argc; ++i) {
      std::string_view arg = argv[i];
      if (arg.size() > 1 && arg[0] == '-' && arg.find('=') != 1) {
        std::string_view name = arg, value;
        bool has_value = false;
        if (auto eq = arg.find('='); eq != std::string_view::npos) {
          name = arg.substr(0, eq);
          value = arg.substr(eq + 1);
          has_value = true;
        }
        auto take_value = [&](std::string_view flag) -> bool {
          if (has_value) return true;
          if (i + 1 < argc) {
            value = argv[++i];
            return true;
          }
          problems.push_back({"", std::string(flag) + " needs a value", {}});
          return false;
        };
        if (name == "--help" || name == "-h") {
          help = true;
        } else if (name == "--show-config") {
          show = true;
        } else if (name == "--config") {
          if (take_value(name)) r.config_files.emplace_back(std::string(value));
        } else if (name == "--experiment") {
          if (take_value(name)) r.experiment = std::string(value);
        } else if (const user_flag* f = find_flag(name)) {
          if (!f->takes_value) {
            if (has_value) problems.push_back({"", std::string(name) + " takes no value, got '" + std::string(arg) + "'", {}});
            else f->apply("", config::source_location::from_origin("flag " + std::string(name)), problems);
          } else if (take_value(name)) {
            f->apply(value, config::source_location::from_origin("flag '" + std::string(name) + " " + std::string(value) + "'"),
                     problems);
          }
        } else {
          problems.push_back({"", "unknown flag '" + std::string(name) + "'" +
                                      config::detail::did_you_mean(name, flag_names()) +
                                      " (--help lists the flags)",
                              {}});
        }
      } else if (arg.find('=') != std::string_view::npos) {
        r.overrides.emplace_back(arg);
      } else {
        problems.push_back({"", "unexpected argument '" + std::string(arg) +
                                    "' (set a config field with key=value, see --help)",
                            {}});
      }
    }
    if (help) {
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
        problems.push_back({"", "unknown experiment '" + r.experiment + "'" +
                                    config::detail::did_you_mean(r.experiment, names) +
                                    (names.empty() ? std::string(" (this program has no presets)")
                                                   : " (one of: " + config::detail::join_names(names) + ")"),
                            config::source_location::from_origin("--experiment " + r.experiment)});
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
    for (auto& p : missing) {
      p.message += "; set it in a --config file or with " + p.path + "=...";
      problems.push_back(std::move(p));
    }
    if (!problems.empty()) throw config::config_error(std::move(problems), more);

    r.config = std::move(value);
    if (show) {
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
      if (r.what != cli_result<T>::action::run) {
        std::fputs(r.text.c_str(), stdout);
        std::fflush(stdout);
        std::exit(0);
      }
      return std::move(r.config);
    } catch (const config::config_error& e) {
      exit_usage_error("", e.what());
    } catch (const usage_error& e) {  // e.g. thrown by a user flag's handler
      exit_usage_error("", e.what());
    }
  }

  /// The --help text.
  std::string usage(std::string_view program) const {
    std::string out = "usage: " + std::string(program) +
                      " [--config FILE]... [--experiment NAME] [--show-config] [--help]";
    for (const auto& f : flags_) out += " [" + f.name + (f.takes_value ? " " + f.metavar : "") + "]";
    out += " [key=value]...\n";
    if (!description_.empty()) out += "\n" + description_ + "\n";
    std::vector<std::vector<std::string>> flag_rows = {
        {"--config FILE", "read a JSON or YAML config file (repeatable; later files win)"},
        {"--experiment NAME", "start from a preset" + preset_list()},
        {"--show-config", "print the final config as YAML and exit"},
        {"--help, -h", "show this help and exit"}};
    for (const auto& f : flags_) flag_rows.push_back({f.name + (f.takes_value ? " " + f.metavar : ""), f.help});
    out += "\nflags:\n" + config::detail::format_table(flag_rows, "  ");
    if (!presets_.empty()) {
      std::vector<std::vector<std::string>> rows;
      for (const auto& p : presets_) rows.push_back({p.name, p.help});
      out += "\nexperiments (--experiment NAME):\n" + config::detail::format_table(rows, "  ");
    }
    std::vector<config::detail::help_row> fields;
    if constexpr (config::detail::is_config_struct_v<T>) config::detail::collect_help_rows(T{}, "", fields);
    if (!fields.empty()) {
      std::vector<std::vector<std::string>> rows = {{"field", "type", "default", "description"}};
      for (auto& f : fields) rows.push_back({f.path, f.type, f.value, f.doc});
      out += "\nconfig fields (set with key=value; defaults < --experiment < --config < key=value):\n" +
             config::detail::format_table(rows, "  ");
    }
    return out;
  }

 private:
  struct preset_entry {
    std::string name;
    T value;
    std::string help;
  };
  struct user_flag {
    std::string name, metavar, help;
    bool takes_value;
    std::function<void(std::string_view, const config::source_location&, std::vector<config::problem>&)> apply;
  };

  static std::string normalize(std::string name) { return name.rfind("-", 0) == 0 ? name : "--" + name; }

  const user_flag* find_flag(std::string_view name) const {
    for (const auto& f : flags_)
      if (f.name == name) return &f;
    return nullptr;
  }

  std::vector<std::string> flag_names() const {
    std::vector<std::string> names = {"--config", "--experiment", "--show-config", "--help"};
    for (const auto& f : flags_) names.push_back(f.name);
    return names;
  }

  std::string preset_list() const {
    if (presets_.empty()) return " (none registered)";
    std::vector<std::string> names;
    for (const auto& p : presets_) names.push_back(p.name);
    return ": " + config::detail::join_names(names);
  }

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
