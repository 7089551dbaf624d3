// Bodies of vitals/config/yaml_reader.hpp (see vitals/version.hpp): the yaml-cpp event-driven tree builder.
#pragma once

#include "vitals/config/yaml_reader.hpp"

#include <cstddef>
#include <sstream>
#include <unordered_map>
#include <utility>
#include <vector>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>


namespace vitals::inline VITALS_ABI::config {
namespace detail {

class yaml_tree_builder final : public YAML::EventHandler {
 public:
  yaml_tree_builder(std::string file, std::string_view text)
      : file_(std::move(file)), text_(text), node_budget_(text.size() + 100000) {}

  node root;
  bool have_root = false;
  std::vector<problem> problems;

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    finish(node::null_value(loc(mark)), anchor, mark);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end())
      fail(mark, "alias refers to a node that contains it (a recursive YAML structure cannot be a config)");
    spend(it->second.second, mark);
    node copy = it->second.first;
    copy.where = loc(mark);
    place(std::move(copy), mark);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    // "!" = quoted or block scalar, "?" = plain; an explicit !!str also means "this is a string".
    const bool quoted = tag == "!" || tag == "tag:yaml.org,2002:str";
    if (tag == "!") check_closed(mark);
    finish(node::scalar(value, quoted ? scalar_style::quoted : scalar_style::plain, loc(mark)), anchor, mark);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(node::sequence(loc(mark)), anchor, mark);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(node::mapping(loc(mark)), anchor, mark);
  }
  void OnMapEnd() override { close(); }

 private:
  struct frame {
    node value;
    YAML::anchor_t anchor = YAML::NullAnchor;
    std::size_t first_node = 0;  // node_count_ when it opened: its size is the difference at close
    bool have_key = false;   // mapping: a key is waiting for its value
    std::string key;
    source_location key_where;
  };

  source_location loc(const YAML::Mark& m) const {
    if (m.is_null()) return source_location::in_file(file_);
    return source_location::in_file(file_, m.line + 1, m.column + 1);
  }

  // yaml-cpp 0.7 accepts a quoted scalar that runs to the end of the text after a line break
  // (`a: "abc<newline>` reads as "abc "); YAML and PyYAML reject it, and so do we.
  void check_closed(const YAML::Mark& mark) const {
    if (mark.is_null() || mark.pos < 0 || static_cast<std::size_t>(mark.pos) >= text_.size()) return;
    const char quote = text_[static_cast<std::size_t>(mark.pos)];
    if (quote != '"' && quote != '\'') return;
    for (std::size_t i = static_cast<std::size_t>(mark.pos) + 1; i < text_.size(); ++i) {
      if (quote == '"' && text_[i] == '\\') ++i;
      else if (text_[i] == quote) {
        if (quote == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'') ++i;  // '' inside '...'
        else return;
      }
    }
    fail(mark, "YAML syntax error: a quoted string is not closed");
  }

  [[noreturn]] void fail(const YAML::Mark& mark, std::string message) const {
    throw config_error(problem{"", std::move(message), loc(mark)});
  }

  void spend(std::size_t nodes, const YAML::Mark& mark) {
    node_count_ += nodes;
    if (node_count_ > node_budget_)
      fail(mark, "aliases expand the document to more than " + std::to_string(node_budget_) + " values");
  }

  // The key path of the value being built now, for problems found while building.
  std::string current_path() const {
    std::string path;
    for (const frame& f : stack_) {
      if (&f == &stack_.back()) break;
      const node& n = f.value;
      if (n.is_sequence()) path = join_index(path, n.items.size());
      else path = join_key(path, f.key);
    }
    return path;
  }

  void open(node n, YAML::anchor_t anchor, const YAML::Mark& mark) {
    if (stack_.size() >= max_nesting_depth)
      fail(mark, "nesting is deeper than " + std::to_string(max_nesting_depth) + " levels");
    spend(1, mark);
    frame f;
    f.value = std::move(n);
    f.anchor = anchor;
    f.first_node = node_count_ - 1;
    stack_.push_back(std::move(f));
  }

  void close() {
    frame f = std::move(stack_.back());
    stack_.pop_back();
    if (f.value.is_mapping()) {
      stack_.emplace_back();  // so current_path() sees the mapping's own path
      std::string path = current_path();
      stack_.pop_back();
      check_duplicate_keys(f.value, path, problems);
    }
    remember(f.value, f.anchor, node_count_ - f.first_node);
    place(std::move(f.value), YAML::Mark::null_mark());
  }

  void finish(node n, YAML::anchor_t anchor, const YAML::Mark& mark) {
    spend(1, mark);
    remember(n, anchor, 1);
    place(std::move(n), mark);
  }

  void remember(const node& n, YAML::anchor_t anchor, std::size_t size) {
    if (anchor != YAML::NullAnchor) anchors_[anchor] = {n, size};
  }

  void place(node n, const YAML::Mark& mark) {
    if (stack_.empty()) {
      root = std::move(n);
      have_root = true;
      return;
    }
    frame& top = stack_.back();
    if (top.value.is_sequence()) {
      top.value.items.push_back(std::move(n));
    } else if (!top.have_key) {
      if (!n.is_scalar())
        throw config_error(problem{current_path(),
                                   std::string("a mapping key must be a string, got ") +
                                       (n.is_null() ? "null" : n.is_sequence() ? "a sequence" : "a mapping"),
                                   n.where.line ? n.where : loc(mark)});
      top.key = std::move(n.text);
      top.key_where = std::move(n.where);
      top.have_key = true;
    } else {
      // An empty value ("key:" then a new line) is reported by yaml-cpp at the next token; the key
      // is where a user looks for it.
      if (n.is_null() && n.where.line > top.key_where.line) n.where = top.key_where;
      n.key_where = top.key_where;
      top.value.entries.emplace_back(std::move(top.key), std::move(n));
      top.have_key = false;
    }
  }

  std::string file_;
  std::string_view text_;
  std::size_t node_budget_;
  std::size_t node_count_ = 0;
  std::vector<frame> stack_;
  std::unordered_map<YAML::anchor_t, std::pair<node, std::size_t>> anchors_;
};

/// Where `text` stops being UTF-8 (a YAML config is UTF-8; UTF-16/32 with a byte-order mark are
/// left to yaml-cpp, which decodes them): a config_error at file:line:col, else nothing.
inline void check_yaml_utf8(std::string_view text, const std::string& file) {
  auto starts = [&](std::string_view bom) { return text.substr(0, bom.size()) == bom; };
  using namespace std::string_view_literals;
  if (starts("\xFF\xFE"sv) || starts("\xFE\xFF"sv) || starts("\x00\x00\xFE\xFF"sv)) return;
  const std::size_t at = first_invalid_utf8(text);
  if (at == text.size()) return;
  auto [line, col] = line_col_of(text, at);
  throw config_error(problem{"", "the text is not valid UTF-8 (" + invalid_byte_text(text, at) +
                                     "); a config file must be UTF-8",
                             source_location::in_file(file, line, col)});
}

/// yaml-cpp's message, with the likely cause named when a tab is where YAML wants spaces (YAML
/// forbids tabs in indentation; yaml-cpp says "illegal map value" or "end of map not found").
inline std::string yaml_syntax_message(std::string_view text, const YAML::Mark& mark, const std::string& msg) {
  std::string out = "YAML syntax error: " + msg;
  if (mark.is_null()) return out;
  // The error's line and the line before it: a tab in their indentation is the usual cause.
  std::size_t line_start = 0;
  int line = 0;
  std::size_t prev_start = 0;
  for (std::size_t i = 0; i < text.size() && line < mark.line; ++i)
    if (text[i] == '\n') ++line, prev_start = line_start, line_start = i + 1;
  for (std::size_t start : {line_start, prev_start}) {
    for (std::size_t i = start; i < text.size() && (text[i] == ' ' || text[i] == '\t'); ++i)
      if (text[i] == '\t') {
        auto [l, c] = line_col_of(text, i);
        return out + " (a tab at line " + std::to_string(l) + " column " + std::to_string(c) +
               ": YAML indents with spaces only)";
      }
    if (start == prev_start) break;
  }
  // Any other tab on the error line is named too: it is the likeliest cause a user cannot see.
  for (std::size_t i = line_start; i < text.size() && text[i] != '\n'; ++i)
    if (text[i] == '\t') {
      auto [l, c] = line_col_of(text, i);
      return out + " (a tab at line " + std::to_string(l) + " column " + std::to_string(c) +
             ": YAML separates with spaces; replace the tab)";
    }
  return out;
}

}  // namespace detail

VITALS_INLINE node parse_yaml(std::string_view text, std::string file) {
  if (text.size() > limits().max_config_bytes)
    throw config_error(problem{"", "config text is larger than the " + detail::byte_size_text(limits().max_config_bytes) +
                                       " limit (vitals::config::limits().max_config_bytes)",
                               source_location::in_file(file)});
  detail::check_yaml_utf8(text, file);
  detail::yaml_tree_builder builder(file, text);
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    if (parser.HandleNextDocument(builder)) {
      detail::yaml_tree_builder rest(file, text);
      if (parser.HandleNextDocument(rest))
        throw config_error(problem{"", "more than one YAML document (a config is one document)",
                                   rest.have_root ? rest.root.where : source_location::in_file(file)});
    }
  } catch (const YAML::DeepRecursion& e) {
    throw config_error(problem{"", "nesting is too deep for yaml-cpp (more than " + std::to_string(e.depth()) + " levels)",
                               source_location::in_file(file, e.mark.line + 1, e.mark.column + 1)});
  } catch (const YAML::Exception& e) {
    source_location where = source_location::in_file(file);
    if (!e.mark.is_null()) where = source_location::in_file(file, e.mark.line + 1, e.mark.column + 1);
    throw config_error(problem{"", detail::yaml_syntax_message(text, e.mark, e.msg), where});
  }
  if (!builder.problems.empty()) throw config_error(detail::in_source_order(std::move(builder.problems)));
  if (!builder.have_root) return node::null_value(source_location::in_file(std::move(file)));
  return std::move(builder.root);
}

/// Reads and parses a YAML file; locations name the file as given.
VITALS_INLINE node load_yaml_file(const std::filesystem::path& path) {
  return parse_yaml(detail::read_text_file(path), path.string());
}

}  // namespace vitals::config
