// Bodies of vitals/config/node.hpp (see vitals/version.hpp).
#pragma once

#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {

VITALS_INLINE std::string source_location::str() const {
  if (!origin.empty()) return origin;
  if (file.empty() && line == 0) return "<unknown>";
  std::string out = file.empty() ? std::string("<input>") : file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  return out;
}

VITALS_INLINE node::node() = default;
VITALS_INLINE node::node(const node&) = default;
VITALS_INLINE node::node(node&&) noexcept = default;
VITALS_INLINE node& node::operator=(const node&) = default;
VITALS_INLINE node& node::operator=(node&&) noexcept = default;
VITALS_INLINE node::~node() = default;

VITALS_INLINE node node::null_value(source_location loc) { return with_kind(node_kind::null, std::move(loc)); }
VITALS_INLINE node node::scalar(std::string text, scalar_style style, source_location loc) {
  node n = with_kind(node_kind::scalar, std::move(loc));
  n.text = std::move(text);
  n.style = style;
  return n;
}
VITALS_INLINE node node::sequence(source_location loc) { return with_kind(node_kind::sequence, std::move(loc)); }
VITALS_INLINE node node::mapping(source_location loc) { return with_kind(node_kind::mapping, std::move(loc)); }

}  // namespace vitals::config
