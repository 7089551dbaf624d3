// Compile-time composition: vitals::sinks(a, b, c) holds a std::tuple and dispatches with fold
// expressions, so each record reaches each sink through direct (inlinable) calls, no virtuals.
// A plain fold over std::tuple compiles faster than Boost.Hana for the same job.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "vitals/sinks/guarded_sink.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals::inline VITALS_ABI {
template <sink... S>
class sink_set {
 public:
  static constexpr std::string_view name = "sinks";

  sink_set() = default;
  template <class... A>
    requires(sizeof...(A) == sizeof...(S) && sizeof...(S) > 0 &&
             !(sizeof...(A) == 1 && (std::is_same_v<std::remove_cvref_t<A>, sink_set> && ...)))
  explicit sink_set(A&&... a) : sinks_(std::forward<A>(a)...) {}

  void open(const run_info& info) {
    each([&](auto& s) { s.open(info); });
  }
  void write(const record& r) {
    each([&](auto& s) { s.write(r); });
  }
  void flush() {
    each([](auto& s) { s.flush(); });
  }
  void close(int exit_code) {
    each([&](auto& s) { s.close(exit_code); });
  }

  /// The names of the member sinks, in order ("jsonl", "csv", ...): a run uses them so that a
  /// sink named in VITALS_SINKS / --sinks and also attached in code runs once.
  static std::vector<std::string_view> member_names() { return {sink_name<S>()...}; }

  /// The I-th sink (as given to vitals::sinks).
  template <std::size_t I>
  auto& get() {
    return std::get<I>(sinks_).get();
  }

  /// How many of the sinks failed and were disabled (cheap: a run polls it after every call).
  std::size_t failure_count() const {
    return std::apply([](const auto&... s) { return (std::size_t{0} + ... + (s.failed() ? 1u : 0u)); }, sinks_);
  }

  /// "name: message" for each sink that failed and was disabled.
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    std::apply(
        [&](const auto&... s) {
          ((s.failed() ? out.push_back(std::string(sink_name(s.get())) +
                                       ": " + s.error())
                       : void()),
           ...);
        },
        sinks_);
    return out;
  }

 private:
  template <class F>
  void each(F&& f) {
    std::apply([&](auto&... s) { (f(s), ...); }, sinks_);
  }

  std::tuple<detail::guarded_sink<S>...> sinks_;
};

/// vitals::sinks(jsonl{}, csv{}, console{}): one sink that fans out to all of them, each isolated.
template <class... S>
  requires(sink<std::decay_t<S>> && ...)
auto sinks(S&&... s) {
  return sink_set<std::decay_t<S>...>(std::forward<S>(s)...);
}

}  // namespace vitals
