// vitals::required<T>: a config field that has no default and must be set (OmegaConf's `???`).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace vitals::inline VITALS_ABI {
/// A value the config must provide. Reading a config whose required field is never set (or is
/// left as `???`) is an error naming the field; reading value() of an unset one throws.
template <class T>
class required {
 public:
  using value_type = T;

  required() = default;
  required(T v) : value_(std::move(v)) {}  // NOLINT: implicit, so `seed = 3` and `{.seed = 3}` work
  required& operator=(T v) {
    value_ = std::move(v);
    return *this;
  }

  bool has_value() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }

  const T& value() const {
    if (!value_) throw std::logic_error("vitals::required: the value was never set");
    return *value_;
  }
  T& value() {
    if (!value_) throw std::logic_error("vitals::required: the value was never set");
    return *value_;
  }
  operator const T&() const { return value(); }  // NOLINT: reads like the plain field it stands for
  const T& operator*() const { return value(); }
  T& operator*() { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  /// Back to "not set".
  void reset() noexcept { value_.reset(); }
  /// The value, constructing a default one first when unset (for merging into it).
  T& emplace_or_get() {
    if (!value_) value_.emplace();
    return *value_;
  }

  friend bool operator==(const required& a, const required& b) { return a.value_ == b.value_; }
  /// An unset value equals no T.
  friend bool operator==(const required& a, const T& b) { return a.value_ == b; }

 private:
  std::optional<T> value_;
};

}  // namespace vitals
