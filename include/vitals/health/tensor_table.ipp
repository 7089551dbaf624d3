// Bodies of vitals/health/tensor_table.hpp (see vitals/version.hpp: compiled once in the library,
// or inline in every file in header-only use).
#pragma once

#include "vitals/health/tensor_table.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace vitals::inline VITALS_ABI::detail {
VITALS_INLINE table_entry make_entry(const param_tensor& p, std::uint64_t first_chunk) {
  table_entry e;
  e.grad = p.grad.data;
  e.weight = p.weight.data;
  e.ema = p.ema.data;
  e.grad_type = p.grad.type;
  e.weight_type = p.weight.type;
  e.ema_type = p.ema.type;
  e.numel = p.numel;
  e.first_chunk = first_chunk;
  if (p.numel == 0) return e;

  const std::pair<const void*, dtype> bufs[] = {
      {p.grad.data, p.grad.type}, {p.weight.data, p.weight.type}, {p.ema.data, p.ema.type}};
  int head = -1;
  for (std::uint64_t h = 0; h < stats_unit && head < 0; ++h) {
    bool all = true;
    for (const auto& [ptr, type] : bufs)
      if (ptr && !aligned_at(ptr, dtype_size(type), h)) all = false;
    if (all) head = static_cast<int>(h);
  }
  const bool aligned = head >= 0;
  std::uint64_t hd = (aligned && head > 0) ? static_cast<std::uint64_t>(head) : 0;
  if (hd > p.numel) hd = p.numel;
  e.head = hd;
  e.body = (p.numel - hd) / stats_unit * stats_unit;
  e.vector = aligned;
  e.chunks = e.body == 0 ? 1 : (e.body + stats_chunk_elems - 1) / stats_chunk_elems;
  return e;
}

}  // namespace vitals::detail

namespace vitals::inline VITALS_ABI {
VITALS_INLINE tensor_table& tensor_table::add(param_tensor p) {
    if (p.numel > 0 && !p.grad.data && !p.weight.data && !p.ema.data)
      throw std::invalid_argument("vitals::tensor_table::add: parameter '" + p.name + "' has " +
                                  std::to_string(p.numel) +
                                  " elements but no grad, weight or ema pointer; pass at least one");
    if (p.ema.data && !p.weight.data)
      throw std::invalid_argument("vitals::tensor_table::add: parameter '" + p.name +
                                  "' has an ema buffer but no weight; the EMA diff and update need both");
    entries_.push_back(detail::make_entry(p, total_chunks_));
    total_chunks_ += entries_.back().chunks;
    total_numel_ += p.numel;
    params_.push_back(std::move(p));
    return *this;
  }

VITALS_INLINE tensor_table& tensor_table::add(std::string name, std::span<const float> weight,
                                              std::span<const float> grad, std::span<float> ema) {
    if ((!grad.empty() && grad.size() != weight.size()) || (!ema.empty() && ema.size() != weight.size()))
      throw std::invalid_argument("vitals::tensor_table::add: parameter '" + name + "' has " +
                                  std::to_string(weight.size()) + " weights but " + std::to_string(grad.size()) +
                                  " gradients and " + std::to_string(ema.size()) +
                                  " EMA values; give buffers of one size (an empty span for none)");
    return add(param_tensor{std::move(name),
                            weight.size(),
                            {grad.empty() ? nullptr : grad.data(), dtype::f32},
                            {weight.data(), dtype::f32},
                            {ema.empty() ? nullptr : ema.data(), dtype::f32}});
  }

VITALS_INLINE tensor_table tensor_table::from_flat_buffers(std::span<const std::string> names,
                                                         std::span<const std::uint64_t> sizes, dtype type,
                                                         const void* weights, const void* grads, void* ema) {
    if (names.size() != sizes.size())
      throw std::invalid_argument("vitals::tensor_table::from_flat_buffers: " + std::to_string(names.size()) +
                                  " names for " + std::to_string(sizes.size()) + " tensor sizes; give one name per tensor");
    tensor_table t;
    const std::size_t elem = dtype_size(type);
    std::uint64_t offset = 0;
    auto at = [&](const void* base) -> const void* {
      return base ? static_cast<const char*>(base) + offset * elem : nullptr;
    };
    for (std::size_t i = 0; i < names.size(); ++i) {
      void* e = ema ? static_cast<char*>(ema) + offset * elem : nullptr;
      t.add(param_tensor{names[i], sizes[i], {at(grads), type}, {at(weights), type}, {e, type}});
      offset += sizes[i];
    }
    return t;
  }

VITALS_INLINE void tensor_table::set_buffers(std::size_t i, const void* grad, const void* weight, void* ema) {
    if (i >= params_.size())
      throw std::out_of_range("vitals::tensor_table::set_buffers: parameter " + std::to_string(i) + " of " +
                              std::to_string(params_.size()));
    params_[i].grad.data = grad;
    params_[i].weight.data = weight;
    params_[i].ema.data = ema;
    total_chunks_ = 0;
    for (std::size_t k = 0; k < params_.size(); ++k) {
      entries_[k] = detail::make_entry(params_[k], total_chunks_);
      total_chunks_ += entries_[k].chunks;
    }
  }

}  // namespace vitals
