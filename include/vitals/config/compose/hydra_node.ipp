// Bodies of vitals/config/compose/hydra_node.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/hydra_node.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "vitals/config/compose/merge.hpp"

namespace vitals::inline VITALS_ABI::config {

namespace detail {

VITALS_INLINE bool is_hydra_key(std::string_view key) {
  return key == "hydra" || key.rfind("hydra.", 0) == 0 || key.rfind("hydra/", 0) == 0;
}

VITALS_INLINE std::string override_dirname(const std::vector<override_spec>& parsed, const node& config) {
  auto text = [&](const char* key, const char* fallback) {
    const node* n = find_path(config, key);
    return n && n->is_scalar() ? n->text : std::string(fallback);
  };
  std::string kv = text("kv_sep", "="), item = text("item_sep", ",");
  std::vector<std::string> exclude;
  if (const node* ex = find_path(config, "exclude_keys"); ex && ex->is_sequence())
    for (const auto& e : ex->items) exclude.push_back(e.text);
  std::vector<std::string> lines;
  for (const auto& o : parsed)
    if (!is_hydra_key(o.key) && std::find(exclude.begin(), exclude.end(), o.key) == exclude.end()) lines.push_back(o.input);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : item) + l;
  std::string spelled;
  for (char c : out) spelled += c == '=' ? kv : std::string(1, c);
  return spelled;
}

VITALS_INLINE node hydra_node(node block, const compose_options& options, const std::vector<override_spec>& parsed,
                       const std::vector<std::pair<std::string, std::optional<std::string>>>& choices, std::optional<int> job_num) {
  if (!block.is_mapping()) block = node::mapping();
  for (const auto& o : parsed)
    if (o.key.rfind("hydra.", 0) == 0 && o.has_value && !o.sweep && o.op != override_op::remove)
      update_path(block, o.key.substr(6), o.value.value, true, o.where());
  auto set_default = [&](const std::string& key, node value) {
    if (!find_path(block, key)) update_path(block, key, std::move(value), true, {});
  };
  auto text = [](std::string t) { return node::scalar(std::move(t), scalar_style::quoted); };
  set_default("run.dir", text("outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}"));
  set_default("sweep.dir", text("multirun/${now:%Y-%m-%d}/${now:%H-%M-%S}"));
  set_default("sweep.subdir", text("${hydra.job.num}"));
  set_default("job.name", text("app"));  // Hydra's compose API; a hydra block or hydra.job.name=... sets another
  set_default("job.config_name", text(options.config_name));
  const node* od = find_path(block, "job.config.override_dirname");
  update_path(block, "job.override_dirname", text(override_dirname(parsed, od ? *od : node::mapping())), true, {});
  if (job_num) update_path(block, "job.num", node::scalar(std::to_string(*job_num)), true, {});
  node ch = node::mapping();
  for (const auto& [k, v] : choices) ch.set(k, v ? text(*v) : node::null_value());
  update_path(block, "runtime.choices", std::move(ch), true, {});
  std::error_code ec;
  update_path(block, "runtime.cwd", text(std::filesystem::current_path(ec).string()), true, {});
  update_path(block, "runtime.output_dir", text(job_num ? "${hydra.sweep.dir}/${hydra.sweep.subdir}" : "${hydra.run.dir}"), true, {});
  return block;
}
}  // namespace detail
}  // namespace vitals::config
