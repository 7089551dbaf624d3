// Sink isolation: a sink that throws is reported once and switched off; the others and the
// training loop go on. Used by both compositions (vitals::sinks and any_sink in a run).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <concepts>
#include <exception>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "vitals/reflect/type_name.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals::inline VITALS_ABI {
/// The name a sink is reported under: S::name if it has one, else its short type name.
template <class S>
constexpr std::string_view sink_name() {
  if constexpr (requires { std::string_view(S::name); }) {
    return std::string_view(S::name);
  } else {
    return short_type_name<S>();
  }
}

/// The name of this sink object: its name() member when it has one (any_sink), else sink_name<S>.
template <class S>
std::string_view sink_name(const S& s) {
  if constexpr (requires { { s.name() } -> std::convertible_to<std::string_view>; }) {
    return s.name();
  } else {
    return sink_name<S>();
  }
}

namespace detail {

/// Reports a sink failure on stderr and appends it to <run dir>/vitals.log (best effort: the
/// report must not throw, the disk may be the reason the sink failed; the line is added whole or
/// not at all).
VITALS_INLINE void report_sink_error(const run_info& info, std::string_view sink, std::string_view op,
                                     std::string_view what) noexcept;

/// Holds one sink and the run_info it was opened with; every call is isolated.
template <class S>
class guarded_sink {
 public:
  template <class... A>
    requires(!(sizeof...(A) == 1 && (std::is_same_v<std::remove_cvref_t<A>, guarded_sink> && ...)))
  explicit guarded_sink(A&&... a) : sink_(std::forward<A>(a)...) {}

  void open(const run_info& info) {
    info_ = &info;
    call("open", [&] { sink_.open(info); });
  }
  void write(const record& r) {
    call("write", [&] { sink_.write(r); });
  }
  void flush() {
    call("flush", [&] { sink_.flush(); });
  }
  void close(int exit_code) {
    call("close", [&] { sink_.close(exit_code); });
  }

  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }
  S& get() { return sink_; }
  const S& get() const { return sink_; }

 private:
  template <class F>
  void call(std::string_view op, F&& f) {
    if (failed_) return;
    try {
      f();
    } catch (const std::exception& e) {
      fail(op, e.what());
    } catch (...) {
      fail(op, "unknown exception");
    }
  }
  void fail(std::string_view op, std::string_view what) {
    failed_ = true;
    error_ = std::string(what);
    static const run_info no_run{};
    report_sink_error(info_ ? *info_ : no_run, sink_name(sink_), op, what);
  }

  S sink_;
  const run_info* info_ = nullptr;
  bool failed_ = false;
  std::string error_;
};

}  // namespace detail
}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/sinks/guarded_sink.ipp"
#endif
