// Bodies of vitals/config/compose/config_repository.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/config_repository.hpp"

#include <algorithm>
#include <memory>
#include <set>
#include <utility>

#include "vitals/config/detail/reader_support.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/yaml_reader.hpp"

namespace vitals::inline VITALS_ABI::config {

VITALS_INLINE bool config_repository::group_exists(std::string_view group) const {
  std::string g = input_default::strip_slash(group);
  std::error_code ec;
  if (!g.empty() && std::filesystem::is_directory(dir_ / g, ec)) return true;
  return store_.has_group(g);
}

VITALS_INLINE std::vector<std::string> config_repository::group_options(std::string_view group) const {
  std::set<std::string> names;
  std::error_code ec;
  std::string g = input_default::strip_slash(group);
  for (auto it = std::filesystem::directory_iterator(dir_ / g, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    const auto& p = it->path();
    if (p.extension() == ".yaml" && it->is_regular_file(ec)) names.insert(p.stem().string());
  }
  for (auto& n : store_.options(g)) names.insert(n);
  return {names.begin(), names.end()};
}

VITALS_INLINE const loaded_config* config_repository::load(const std::string& path) {
  std::string key = path;
  if (key.size() > 5 && key.compare(key.size() - 5, 5, ".yaml") == 0) key.resize(key.size() - 5);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second ? &*it->second : nullptr;
  std::optional<loaded_config> result;
  std::filesystem::path file = dir_ / (key + ".yaml");
  std::error_code ec;
  if (std::filesystem::is_regular_file(file, ec)) {
    std::string text = detail::read_text_file(file);
    result = make(key, file.string(), parse_yaml(text, file.string()), package_header(text, file.string()));
  } else if (auto stored = store_.find(parent_of(key), name_of(key))) {
    result = make(key, "config_store://" + key, std::move(*stored), std::nullopt);
  }
  auto [pos, inserted] = cache_.emplace(key, std::move(result));
  return pos->second ? &*pos->second : nullptr;
}

VITALS_INLINE input_default config_repository::parse_default(const node& item, const std::string& source) {
  input_default d;
  d.where = item.where;
  auto split = [&](std::string_view text, std::string& name, std::optional<std::string>& pkg) {
    auto at = text.find('@');
    name = std::string(text.substr(0, at));
    if (at != std::string_view::npos) {
      std::string p(text.substr(at + 1));
      if (p.find(':') != std::string::npos)
        throw config_error(problem{"defaults", "package renames ('@a:b') were removed in Hydra 1.1 and are not supported: '" + std::string(text) + "'", item.where});
      pkg = p == "_here_" ? std::string() : p;
    }
  };
  if (item.is_scalar()) {
    split(item.text, d.path, d.package);
    if (d.path == "_self_" && d.package)
      throw config_error(problem{"defaults", "_self_@PACKAGE is not supported", item.where});
    return d;
  }
  if (item.is_mapping()) {
    if (item.entries.size() != 1)
      throw config_error(problem{"defaults", std::string(item.entries.empty() ? "missing group name in a defaults entry" : "too many keys in a defaults entry (one `group: option` per line)") + " in " + source, item.where});
    const auto& [key, value] = item.entries.front();
    d.is_group = true;
    // "optional override db@pkg" -> keywords, then group@package
    std::vector<std::string> words;
    std::size_t s = 0;
    while (true) {
      auto sp = key.find(' ', s);
      words.push_back(key.substr(s, sp - s));
      if (sp == std::string::npos) break;
      s = sp + 1;
    }
    std::string last = words.back();
    words.pop_back();
    for (const auto& w : words) {
      if (w == "optional") d.optional = true;
      else if (w == "override") d.is_override = true;
      else break;
    }
    split(last, d.group, d.package);
    if (d.group.empty()) throw config_error(problem{"defaults", "missing group name in '" + key + "'", item.where});
    if (value.is_null()) {
      d.value.reset();
    } else if (value.is_scalar()) {
      d.value = value.text;
    } else if (value.is_sequence()) {
      d.is_options = true;
      for (const auto& v : value.items) {
        if (!v.is_scalar())
          throw config_error(problem{"defaults", "items of an options list must be names, in '" + key + "'", v.where});
        d.options.push_back(v.text);
      }
    } else {
      throw config_error(problem{"defaults", "the option of '" + key + "' must be a name, a list of names or null", value.where});
    }
    return d;
  }
  throw config_error(problem{"defaults", "a defaults entry is a name (`- base`) or `group: option`, not " +
                                             std::string(item.is_null() ? "null" : "a list"),
                             item.where});
}

VITALS_INLINE std::string config_repository::parent_of(const std::string& key) {
  auto i = key.rfind('/');
  return i == std::string::npos ? "" : key.substr(0, i);
}

VITALS_INLINE std::string config_repository::name_of(const std::string& key) {
  auto i = key.rfind('/');
  return i == std::string::npos ? key : key.substr(i + 1);
}

VITALS_INLINE std::optional<std::string> config_repository::package_header(std::string_view text, const std::string& file) {
  std::size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    auto b = line.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) continue;
    line = line.substr(b);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
    if (line[0] != '#') break;
    auto rest = line.substr(1);
    auto r = rest.find_first_not_of(" \t");
    if (r == std::string_view::npos || rest[r] != '@') break;
    rest = rest.substr(r + 1);
    std::vector<std::string> words;
    std::size_t s = 0;
    while (s < rest.size()) {
      auto e = rest.find_first_of(" \t", s);
      if (e == std::string_view::npos) e = rest.size();
      if (e > s) words.emplace_back(rest.substr(s, e - s));
      s = e + 1;
    }
    if (words.size() != 2)
      throw config_error(problem{"", "expected a header '# @package <package>', got '" + std::string(line) + "'",
                                 source_location::in_file(file, line_no, 1)});
    if (words[0] == "package") return words[1];
  }
  return std::nullopt;
}

VITALS_INLINE loaded_config config_repository::make(std::string key, std::string source, node content, std::optional<std::string> header) {
  loaded_config c;
  c.path = std::move(key);
  c.source = std::move(source);
  c.package_header = std::move(header);
  if (content.is_mapping()) {
    if (const node* defaults = content.find("defaults")) {
      if (!defaults->is_sequence())
        throw config_error(problem{"defaults", std::string("invalid defaults list in '") + c.source + "': defaults must be a list (got " +
                                                   (defaults->is_mapping() ? "a mapping" : "a scalar") + ")",
                                   defaults->where});
      for (const auto& item : defaults->items) c.defaults.push_back(config_repository::parse_default(item, c.source));
      content.erase("defaults");
    }
    for (const auto& [k, v] : content.entries)
      if (!(v.is_scalar() && v.text == "???")) c.has_content = true;
  } else if (!content.is_null()) {
    throw config_error(problem{"", "a config file must hold a mapping, '" + c.source + "' holds a " +
                                       (content.is_sequence() ? "list" : "scalar"),
                               content.where});
  }
  c.content = std::move(content);
  return c;
}
}  // namespace vitals::config
