// Bodies of vitals/config/compose/composition.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/composition.hpp"

#include <fstream>
#include <system_error>

#include "vitals/config/error.hpp"
#include "vitals/config/json_writer.hpp"
#include "vitals/config/yaml_writer.hpp"

namespace vitals::inline VITALS_ABI::config {

VITALS_INLINE composition::composition() = default;
VITALS_INLINE composition::composition(const composition&) = default;
VITALS_INLINE composition::composition(composition&&) noexcept = default;
VITALS_INLINE composition& composition::operator=(const composition&) = default;
VITALS_INLINE composition& composition::operator=(composition&&) noexcept = default;
VITALS_INLINE composition::~composition() = default;

VITALS_INLINE node composition::overrides_node() const {
  node n = node::sequence();
  for (const auto& o : overrides) n.items.push_back(node::scalar(o, scalar_style::quoted));
  return n;
}

VITALS_INLINE node composition::trace_node() const {
  node n = node::mapping();
  n.set("config_dir", node::scalar(config_dir.string(), scalar_style::quoted));
  n.set("config_name", node::scalar(config_name, scalar_style::quoted));
  node ch = node::mapping();
  for (const auto& [k, v] : choices) ch.set(k, v ? node::scalar(*v, scalar_style::quoted) : node::null_value());
  n.set("choices", std::move(ch));
  node list = node::sequence();
  for (const auto& d : defaults) {
    node e = node::mapping();
    e.set("config_path", node::scalar(d.config_path, scalar_style::quoted));
    e.set("package", node::scalar(d.package, scalar_style::quoted));
    e.set("parent", node::scalar(d.parent, scalar_style::quoted));
    e.set("source", node::scalar(d.source, scalar_style::quoted));
    if (d.is_self) e.set("is_self", node::scalar("true"));
    list.items.push_back(std::move(e));
  }
  n.set("defaults", std::move(list));
  return n;
}

VITALS_INLINE void composition::save(const std::filesystem::path& dir) const {
  const std::filesystem::path out = dir.empty() ? std::filesystem::path(".") : dir;
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec || !std::filesystem::is_directory(out))
    throw runs_dir_error("cannot create output directory '" + out.string() + "': " +
                         (ec ? ec.message() : std::string("it exists and is not a directory")));
  auto write = [&](const char* name, const std::string& text) {
    std::ofstream f(out / name, std::ios::binary);
    f << text;
    f.close();
    if (!f) throw runs_dir_error("cannot write '" + (out / name).string() + "'");
  };
  write("config.yaml", to_yaml(config));
  write("config.json", to_json(config));
  write("overrides.yaml", to_yaml(overrides_node()));
  write("defaults.yaml", to_yaml(trace_node()));
}
}  // namespace vitals::config
