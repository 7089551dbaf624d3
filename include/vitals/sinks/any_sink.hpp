// Run-time composition: any_sink erases a sink's type (one virtual call per operation), so the
// set of sinks can come from the command line or the environment ("--sinks jsonl,csv,console").
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "vitals/sinks/guarded_sink.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals::inline VITALS_ABI {
class any_sink {
 public:
  any_sink() = default;

  /// Takes any sink by value (moved or copied in). Pass std::ref(s) to keep using your own
  /// object; it must then outlive the run.
  template <class S>
    requires(!std::is_same_v<std::remove_cvref_t<S>, any_sink> && sink<std::decay_t<S>>)
  any_sink(S&& s)  // NOLINT: implicit on purpose, attach(jsonl{}) reads naturally
      : self_(std::make_unique<model<std::decay_t<S>>>(std::forward<S>(s))) {}

  template <class S>
    requires sink<S>
  any_sink(std::reference_wrapper<S> s) : self_(std::make_unique<ref_model<S>>(s.get())) {}

  any_sink(any_sink&&) noexcept = default;
  any_sink& operator=(any_sink&&) noexcept = default;

  explicit operator bool() const { return self_ != nullptr; }

  void open(const run_info& info) { self_->open(info); }
  void write(const record& r) { self_->write(r); }
  void flush() { self_->flush(); }
  void close(int exit_code) { self_->close(exit_code); }
  /// The name errors are reported under ("jsonl", "csv", or the type's name).
  std::string_view name() const { return self_ ? self_->name() : std::string_view("empty"); }

  /// Failures a composite sink (vitals::sinks(...)) isolated inside itself: a run reports them
  /// with its own sinks' errors, as "sinks/<member>: message".
  std::size_t inner_failure_count() const { return self_ ? self_->inner_failure_count() : 0; }
  std::vector<std::string> inner_errors() const { return self_ ? self_->inner_errors() : std::vector<std::string>{}; }

 private:
  struct concept_t {
    virtual ~concept_t() = default;
    virtual void open(const run_info&) = 0;
    virtual void write(const record&) = 0;
    virtual void flush() = 0;
    virtual void close(int) = 0;
    virtual std::string_view name() const = 0;
    virtual std::size_t inner_failure_count() const = 0;
    virtual std::vector<std::string> inner_errors() const = 0;
  };
  template <class S>
  static std::size_t inner_count_of(const S& s) {
    if constexpr (requires { { s.failure_count() } -> std::convertible_to<std::size_t>; }) return s.failure_count();
    else return 0;
  }
  template <class S>
  static std::vector<std::string> inner_errors_of(const S& s) {
    if constexpr (requires { { s.errors() } -> std::convertible_to<std::vector<std::string>>; }) return s.errors();
    else return {};
  }
  template <class S>
  struct model final : concept_t {
    template <class A>
    explicit model(A&& a) : s(std::forward<A>(a)) {}
    void open(const run_info& i) override { s.open(i); }
    void write(const record& r) override { s.write(r); }
    void flush() override { s.flush(); }
    void close(int c) override { s.close(c); }
    std::string_view name() const override { return sink_name<S>(); }
    std::size_t inner_failure_count() const override { return inner_count_of(s); }
    std::vector<std::string> inner_errors() const override { return inner_errors_of(s); }
    S s;
  };
  template <class S>
  struct ref_model final : concept_t {
    explicit ref_model(S& a) : s(a) {}
    void open(const run_info& i) override { s.open(i); }
    void write(const record& r) override { s.write(r); }
    void flush() override { s.flush(); }
    void close(int c) override { s.close(c); }
    std::string_view name() const override { return sink_name<S>(); }
    std::size_t inner_failure_count() const override { return inner_count_of(s); }
    std::vector<std::string> inner_errors() const override { return inner_errors_of(s); }
    S& s;
  };

  std::unique_ptr<concept_t> self_;
};

}  // namespace vitals
