// A sink's open-file state must not be shared between copies. fresh_on_copy_ptr<T> makes a copy
// start with no state (an unopened sink with the same options), so sinks stay copyable
// configuration objects: `auto s = vitals::sinks(jsonl{}, csv{}); run.attach(s);` works and copies
// only options.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <utility>

namespace vitals::inline VITALS_ABI::detail {
/// The state's type stays incomplete in the header (it needs heavy includes): it is held behind a
/// pointer, made on first use, and a copy starts with none. The state's header
/// declares, and its .ipp defines, the two functions found for T* by argument-dependent lookup:
///   VITALS_INLINE T* make_state(T*);  VITALS_INLINE void destroy_state(T*) noexcept;
template <class T>
class fresh_on_copy_ptr {
 public:
  fresh_on_copy_ptr() = default;
  fresh_on_copy_ptr(const fresh_on_copy_ptr&) noexcept {}
  fresh_on_copy_ptr(fresh_on_copy_ptr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  fresh_on_copy_ptr& operator=(const fresh_on_copy_ptr& o) noexcept {
    if (this != &o) reset();
    return *this;
  }
  fresh_on_copy_ptr& operator=(fresh_on_copy_ptr&& o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~fresh_on_copy_ptr() { reset(); }
  T* operator->() const { return &get(); }
  T& operator*() const { return get(); }

 private:
  T& get() const {
    if (!p_) p_ = make_state(static_cast<T*>(nullptr));
    return *p_;
  }
  void reset() noexcept {
    if (p_) destroy_state(p_);
    p_ = nullptr;
  }
  mutable T* p_ = nullptr;
};

}  // namespace vitals::detail
