// Metric keys: a run's table of interned key names, the ids its rows carry, and vitals::metric_key.
//
// Why a cache in front of the hash map: a hot loop logs the same few keys at every step, nearly
// always from the same string literals (or from metric_keys), and hashing each key every time was
// half of log()'s cost. The cache is direct-mapped and keyed on the key's address (plus its length
// and last bytes, so that struct fields flattened in one reused buffer land in different entries).
// A hit is confirmed by content, so a reused buffer can never alias another key. A miss falls back
// to the map. A metric_key needs neither: it is the table's own copy of its name, stored in a chunk
// right after its id, so its id is read from the 4 bytes before it once its address is known to
// be inside a chunk (and checked against the name table).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vitals/format/hash.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
class key_table;
}

/// A key resolved once by run.key("train/loss") for a loop that logs it at every step:
///   const auto loss = run.key("train/loss");
///   for (...) run.log({{loss, l}, {acc, a}});
/// It is the run's own copy of the name (a string_view wherever a key is taken), found in the
/// run's key table by address: log() neither hashes nor compares it. Valid while the run exists;
/// in another run it works as its plain name.
class metric_key {
 public:
  constexpr metric_key() = default;
  constexpr operator std::string_view() const noexcept { return name_; }
  constexpr std::string_view name() const noexcept { return name_; }

 private:
  friend class detail::key_table;
  friend class run;  // a disabled run's keys
  constexpr explicit metric_key(std::string_view name) : name_(name) {}
  std::string_view name_;
};

namespace detail {

class key_table {
 public:
  static constexpr std::uint32_t no_id = std::numeric_limits<std::uint32_t>::max();

  key_table() : cache_(cache_size) {}

  /// The id of `key`, interned if new. Throws std::invalid_argument for an empty or reserved key.
  std::uint32_t id(std::string_view key) {
    const auto addr = reinterpret_cast<std::uintptr_t>(key.data());
    for (const auto& [begin, end] : chunks_) {
      if (addr < begin + sizeof(std::uint32_t) || addr >= end) continue;
      std::uint32_t id;
      std::memcpy(&id, key.data() - sizeof id, sizeof id);
      if (id < names_.size() && names_[id].data() == key.data() && names_[id].size() == key.size()) return id;
      break;  // a view into the middle of a name: an ordinary string
    }
    cache_entry& e = cache_[slot(key)];
    if (e.data == key.data() && e.id != no_id) {
      const std::string_view name = names_[e.id];
      if (name.size() == key.size() && (name.data() == key.data() || std::memcmp(name.data(), key.data(), key.size()) == 0))
        return e.id;
    }
    const std::uint32_t id = intern(key);
    e = cache_entry{key.data(), id};
    return id;
  }

  metric_key key(std::string_view name) { return metric_key(names_[id(name)]); }
  /// The interned name: stable for the table's life (record keys point at it).
  std::string_view name(std::uint32_t id) const { return names_[id]; }
  std::size_t size() const { return names_.size(); }

 private:
  struct cache_entry {
    const char* data = nullptr;
    std::uint32_t id = no_id;
  };
  static constexpr std::size_t cache_bits = 10;
  static constexpr std::size_t cache_size = std::size_t{1} << cache_bits;

  static std::size_t slot(std::string_view k) noexcept {
    std::uint64_t tail = 0;
    if (k.size() >= 8) std::memcpy(&tail, k.data() + k.size() - 8, 8);
    else if (!k.empty()) std::memcpy(&tail, k.data(), k.size());
    const auto addr = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(k.data()));
    const std::uint64_t h = (addr ^ (tail * 0x9E3779B97F4A7C15ull) ^ k.size()) * 0xFF51AFD7ED558CCDull;
    return static_cast<std::size_t>(h >> (64 - cache_bits));
  }

  std::uint32_t intern(std::string_view key) {
    if (auto it = ids_.find(key); it != ids_.end()) return it->second;
    if (key.empty()) throw std::invalid_argument("vitals: empty metric key");
    if (key == "_step" || key == "_runtime" || key == "_timestamp")
      throw std::invalid_argument("vitals: metric key '" + std::string(key) + "' is reserved");
    const auto id = static_cast<std::uint32_t>(names_.size());
    const std::string_view name = store(key, id);
    ids_.emplace(std::string(key), id);
    names_.push_back(name);
    return id;
  }

  // Copies `key` into the chunks after its id; chunks never move, so the copy is stable.
  std::string_view store(std::string_view key, std::uint32_t id) {
    const std::size_t need = sizeof id + key.size();
    if (chunk_.empty() || chunk_used_ + need > chunk_size_) {
      chunk_size_ = std::max<std::size_t>(4096, need);
      chunk_.push_back(std::make_unique<char[]>(chunk_size_));
      const auto b = reinterpret_cast<std::uintptr_t>(chunk_.back().get());
      chunks_.emplace_back(b, b + chunk_size_);
      chunk_used_ = 0;
    }
    char* at = chunk_.back().get() + chunk_used_;
    std::memcpy(at, &id, sizeof id);
    std::memcpy(at + sizeof id, key.data(), key.size());
    chunk_used_ += need;
    return std::string_view(at + sizeof id, key.size());
  }

  std::vector<std::unique_ptr<char[]>> chunk_;                 // interned names, each after its id
  std::vector<std::pair<std::uintptr_t, std::uintptr_t>> chunks_;  // their address ranges
  std::size_t chunk_used_ = 0, chunk_size_ = 0;
  std::vector<cache_entry> cache_;
  string_map<std::uint32_t> ids_;
  std::vector<std::string_view> names_;
};

}  // namespace detail
}  // namespace vitals
