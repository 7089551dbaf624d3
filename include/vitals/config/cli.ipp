// Bodies of vitals/config/cli.hpp (see vitals/version.hpp): argument scanning, override and
// flow-value parsing, --help formatting.
#pragma once

#include "vitals/config/cli.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "vitals/config/detail/suggest.hpp"
#include "vitals/config/detail/utf8.hpp"
#include "vitals/config/json_writer.hpp"
#include "vitals/config/yaml_reader.hpp"
#include "vitals/config/yaml_writer.hpp"

namespace vitals::inline VITALS_ABI::config::detail {

/// An argument for a message: in quotes, cut to 200 bytes, bytes that are not UTF-8 shown as \xNN
/// (so the message itself stays valid UTF-8 and short).
VITALS_INLINE std::string quoted_arg(std::string_view arg) {
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

VITALS_INLINE void set_origin(node& n, const source_location& where) {
  n.where = where;
  for (node& item : n.items) set_origin(item, where);
  for (auto& entry : n.entries) set_origin(entry.second, where);
}

/// A command-line value as a tree. `[...]`, `{...}` and quoted values are read as YAML flow
/// values; anything else is one plain scalar taken as written (so URLs, paths and `#` need no
/// quoting), typed later by the field it lands in; `null`/`~` are null and an empty value is the
/// empty string. A comma outside brackets or quotes is a list when allow_list, else an error
/// (Hydra would read it as a sweep).
VITALS_INLINE std::optional<node> parse_flow_value(std::string_view text, const source_location& where,
                                                   std::vector<problem>& problems, const std::string& path,
                                                   bool allow_list) {
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
VITALS_INLINE std::optional<node> override_tree(std::string_view arg, std::vector<problem>& problems) {
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

VITALS_INLINE std::string help_path(const std::string& prefix, std::string_view name) {
  return prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
}

VITALS_INLINE void push_help_row(std::vector<help_row>& rows, std::string path, std::string type, const node& value,
                                 std::string_view doc) {
  rows.push_back({std::move(path), std::move(type), inline_value(value), std::string(doc)});
}

/// How a default value reads in --help: a scalar as it would be written in YAML, a container on
/// one line, an unset required field as `??? (required)`.
VITALS_INLINE std::string inline_value(const node& n) {
  if (n.is_scalar() && n.style == scalar_style::plain && n.text == missing_text) return "??? (required)";
  if (n.is_mapping() || n.is_sequence()) return to_json(n, 0);
  std::string text = to_yaml(n);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

VITALS_INLINE std::string format_table(const std::vector<std::vector<std::string>>& rows, std::string_view indent) {
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

VITALS_INLINE cli_scan scan_cli_args(int argc, const char* const* argv, const std::vector<cli_flag>& flags,
                                     std::vector<problem>& problems) {
  cli_scan r;
  auto find_flag = [&](std::string_view name) -> const cli_flag* {
    for (const auto& f : flags)
      if (f.name == name) return &f;
    return nullptr;
  };
  auto flag_names = [&] {
    std::vector<std::string> names = {"--config", "--experiment", "--show-config", "--help"};
    for (const auto& f : flags) names.push_back(f.name);
    return names;
  };
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
        r.help = true;
      } else if (name == "--show-config") {
        r.show = true;
      } else if (name == "--config") {
        if (take_value(name)) r.config_files.emplace_back(std::string(value));
      } else if (name == "--experiment") {
        if (take_value(name)) r.experiment = std::string(value);
      } else if (const cli_flag* f = find_flag(name)) {
        if (!f->takes_value) {
          if (has_value) problems.push_back({"", std::string(name) + " takes no value, got '" + std::string(arg) + "'", {}});
          else f->apply("", source_location::from_origin("flag " + std::string(name)), problems);
        } else if (take_value(name)) {
          f->apply(value, source_location::from_origin("flag '" + std::string(name) + " " + std::string(value) + "'"),
                   problems);
        }
      } else {
        problems.push_back({"", "unknown flag '" + std::string(name) + "'" + did_you_mean(name, flag_names()) +
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
  return r;
}

VITALS_INLINE std::string cli_usage(std::string_view program, const std::string& description,
                                    const std::vector<cli_flag>& flags,
                                    const std::vector<std::pair<std::string, std::string>>& presets,
                                    const std::vector<help_row>& fields) {
  std::string out = "usage: " + std::string(program) +
                    " [--config FILE]... [--experiment NAME] [--show-config] [--help]";
  for (const auto& f : flags) out += " [" + f.name + (f.takes_value ? " " + f.metavar : "") + "]";
  out += " [key=value]...\n";
  if (!description.empty()) out += "\n" + description + "\n";
  std::string preset_list = " (none registered)";
  if (!presets.empty()) {
    std::vector<std::string> names;
    for (const auto& p : presets) names.push_back(p.first);
    preset_list = ": " + join_names(names);
  }
  std::vector<std::vector<std::string>> flag_rows = {
      {"--config FILE", "read a JSON or YAML config file (repeatable; later files win)"},
      {"--experiment NAME", "start from a preset" + preset_list},
      {"--show-config", "print the final config as YAML and exit"},
      {"--help, -h", "show this help and exit"}};
  for (const auto& f : flags) flag_rows.push_back({f.name + (f.takes_value ? " " + f.metavar : ""), f.help});
  out += "\nflags:\n" + format_table(flag_rows, "  ");
  if (!presets.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& p : presets) rows.push_back({p.first, p.second});
    out += "\nexperiments (--experiment NAME):\n" + format_table(rows, "  ");
  }
  if (!fields.empty()) {
    std::vector<std::vector<std::string>> rows = {{"field", "type", "default", "description"}};
    for (auto& f : fields) rows.push_back({f.path, f.type, f.value, f.doc});
    out += "\nconfig fields (set with key=value; defaults < --experiment < --config < key=value):\n" +
           format_table(rows, "  ");
  }
  return out;
}

VITALS_INLINE problem unknown_experiment(const std::string& name, const std::vector<std::string>& names) {
  return {"", "unknown experiment '" + name + "'" + did_you_mean(name, names) +
                  (names.empty() ? std::string(" (this program has no presets)") : " (one of: " + join_names(names) + ")"),
          source_location::from_origin("--experiment " + name)};
}

VITALS_INLINE void add_missing_required(std::vector<problem>& missing, std::vector<problem>& problems) {
  for (auto& p : missing) {
    p.message += "; set it in a --config file or with " + p.path + "=...";
    problems.push_back(std::move(p));
  }
}

[[noreturn]] VITALS_INLINE void print_and_exit(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  std::exit(0);
}

}  // namespace vitals::config::detail
