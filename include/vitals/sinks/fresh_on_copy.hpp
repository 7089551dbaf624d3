// A sink's open-file state must not be shared between copies. fresh_on_copy<T> makes a copy start
// from T{} (an unopened sink with the same options), so sinks stay copyable configuration objects:
// `auto s = vitals::sinks(jsonl{}, csv{}); run.attach(s);` works and copies only options.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <utility>

namespace vitals::inline VITALS_ABI::detail {
template <class T>
struct fresh_on_copy {
  T value;
  fresh_on_copy() = default;
  fresh_on_copy(const fresh_on_copy&) : value() {}
  fresh_on_copy(fresh_on_copy&& o) noexcept : value(std::move(o.value)) {}
  fresh_on_copy& operator=(const fresh_on_copy&) {
    value = T();
    return *this;
  }
  fresh_on_copy& operator=(fresh_on_copy&& o) noexcept {
    value = std::move(o.value);
    return *this;
  }
  T* operator->() { return &value; }
  const T* operator->() const { return &value; }
  T& operator*() { return value; }
};

}  // namespace vitals::detail
