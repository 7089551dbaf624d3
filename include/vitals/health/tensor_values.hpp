// A customization point that lets the host statistics (data_stats, generation_stats) take a tensor
// type they do not know: specialize vitals::tensor_values<T> with
//   static H get(const T&);   // H: has data() -> const float* and size(), and owns what it points to
// vitals/torch.hpp does so for torch::Tensor (any dtype and device: a float32 CPU copy when needed).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <concepts>
#include <cstddef>

namespace vitals::inline VITALS_ABI {
template <class T>
struct tensor_values;  // not defined: specialize it for a tensor type

template <class T>
concept float_tensor = requires(const T& t) {
  { tensor_values<T>::get(t).data() } -> std::convertible_to<const float*>;
  { tensor_values<T>::get(t).size() } -> std::convertible_to<std::size_t>;
};

}  // namespace vitals
