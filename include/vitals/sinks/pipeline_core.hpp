// The state a run's callers and its writer share under one lock, and the caller-side operations
// on it: the pending (uncommitted) row, W&B's commit rule (a row is stamped with its step and time
// and queued whole), waiting for queue room under the block policy, waking the writer sparingly.
// The pipeline (pipeline.hpp) builds the log() call and the writer thread on top of it.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "vitals/sinks/any_sink.hpp"
#include "vitals/sinks/key_table.hpp"
#include "vitals/sinks/pipeline_options.hpp"
#include "vitals/sinks/pipeline_row.hpp"
#include "vitals/sinks/record.hpp"
#include "vitals/sinks/row_ring.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals::inline VITALS_ABI::detail {
struct pipeline_core {
  pipeline_core(const run_info& info, pipeline_options opts)
      : info_(info), opts_(checked(opts)), start_(std::chrono::steady_clock::now()), ring_(opts_.queue_capacity),
        step_(info.starting_step) {
    // Both thresholds trade a futex call on the caller's thread (~1-3 us on a VM, more than a
    // whole log() call) for latency the writer has anyway: it is woken once a quarter of the ring
    // has piled up (else it looks every 50 ms), and a producer blocked on a full ring sleeps until
    // a quarter is free again, not until the writer's next batch of 64.
    const std::size_t cap = opts_.queue_capacity;
    wake_threshold_ = std::max<std::size_t>(1, cap / 4);
    resume_room_ = std::max(std::min<std::size_t>(2, cap), cap / 4);
    pending_.reserve(16, 256);
    side_.reserve(8, 256);
  }

  static pipeline_options checked(pipeline_options o) {
    if (o.queue_capacity == 0) throw std::invalid_argument("pipeline: queue_capacity must be at least 1");
    if (o.flush_interval.count() <= 0) throw std::invalid_argument("pipeline: flush_interval must be positive");
    return o;
  }

  // The hot path: one value into the pending row. The same key twice before a commit: last value wins.
  // pos_[id] is (row generation << 32 | index in the pending row): a key is in the pending row
  // when its generation is the current one, so a commit forgets every position at once.
  void add_pending_locked(std::uint32_t id, const metric_value& v) {
    if (id >= pos_.size()) pos_.resize(keys_.size(), 0);  // a new key (allocates once per key)
    const std::uint64_t at = pos_[id];
    if (at >> 32 == generation_) return pending_.replace(static_cast<std::uint32_t>(at), id, v);
    pos_[id] = std::uint64_t{generation_} << 32 | pending_.values.size();
    pending_.append(id, v);
  }
  void forget_pending_positions() {
    if (++generation_ != 0) return;
    std::fill(pos_.begin(), pos_.end(), 0);  // wrapped after 2^32 rows: no stale position may match
    generation_ = 1;
  }

  void stamp(pipeline_row& row, record_kind kind) {
    auto now = std::chrono::steady_clock::now();
    row.kind = kind;
    row.step = step_;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    row.runtime = info_.starting_runtime + elapsed;  // a resumed run's _runtime goes on
    row.timestamp = info_.start_time + elapsed;
  }

  // Under the block policy, makes sure the ring has `slots` (at most 2) free, waiting (releasing
  // the lock) for resume_room_ free slots when it has not. The shared rows (pending_, side_) are
  // touched only after this returns, because another thread - a second producer, or finish() on
  // the signal finisher - may use them while this one waits. The writer notifies once
  // resume_room_ slots are free (always when the ring empties), so every waiter wakes.
  // False: the writer has stopped and nothing more can be queued.
  bool wait_for_slot_locked(std::unique_lock<std::mutex>& lock, std::size_t slots = 1) {
    const std::size_t need = std::min(slots, ring_.capacity());
    if (opts_.overflow == overflow_policy::block && ring_.free() < need && !writer_done_) {
      ++producers_waiting_;
      not_full_.wait(lock, [&] { return ring_.free() >= resume_room_ || writer_done_; });
      --producers_waiting_;
    }
    return !writer_done_;
  }

  void commit_locked(std::unique_lock<std::mutex>& lock) {
    if (pending_.empty()) return;
    const bool open = wait_for_slot_locked(lock);
    if (pending_.empty()) return;  // another thread committed it while this one waited
    forget_pending_positions();
    if (!open) return pending_.clear();
    stamp(pending_, record_kind::history);
    ++step_;
    enqueue_locked(pending_);
  }

  // Queues `row` (a copy; the row is cleared for reuse).
  void enqueue_locked(pipeline_row& row) {
    ring_.push(row, opts_.overflow, dropped_);
    row.clear();
    // Waking the writer costs the caller a futex syscall (~1 us), more than the log() itself, so
    // the sleeping writer is woken only once a batch has piled up; otherwise it picks rows up on
    // its own within 50 ms (files are flushed once per interval anyway).
    // One notify per wake-up: the writer sets writer_waiting_ again before it next sleeps.
    if (writer_waiting_ && ring_.size() >= wake_threshold_) {
      writer_waiting_ = false;
      cv_.notify_one();
    }
  }

  // Grouped by who writes them, each group on cache lines of its own: a line the writer thread
  // writes (its condition variable, its flags) and a line log() reads (the key table, the pending
  // row) must not be the same line, or every log() call after a writer wake-up waits for that
  // line to come back from the other core.
  // Written once, read by both.
  const run_info& info_;
  pipeline_options opts_;
  std::chrono::steady_clock::time_point start_;
  std::size_t wake_threshold_ = 1, resume_room_ = 1;

  // Under mu_; written by the writer (and by both: the lock word, the ring's indices).
  alignas(64) mutable std::mutex mu_;
  std::condition_variable cv_;          // writer wake-up
  std::condition_variable not_full_;    // blocked producers
  std::condition_variable flushed_cv_;  // flush() waiters
  std::size_t producers_waiting_ = 0;
  bool writer_waiting_ = false;
  std::uint64_t flush_requested_ = 0, flushed_ = 0;
  bool finished_ = false, stop_ = false, writer_done_ = false;
  int exit_code_ = 0;
  std::vector<any_sink> to_attach_;
  std::atomic<std::uint64_t> dropped_{0};
  row_ring ring_;

  // Under mu_; the callers' side: written by log() only, read by the writer only where noted.
  alignas(64) key_table keys_;  // the writer reads names of keys interned before a batch
  std::vector<std::uint64_t> pos_;  // key id -> generation_ << 32 | index in pending_
  std::uint32_t generation_ = 1;    // of the pending row; 0 never matches
  pipeline_row pending_, side_;
  std::int64_t step_ = 0;
  std::uint64_t out_of_order_ = 0;
};

}  // namespace vitals::detail
