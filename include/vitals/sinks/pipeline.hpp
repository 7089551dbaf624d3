// The logging pipeline of one run: its public face, the log() call under W&B's commit rule, and
// the writer thread that hands committed rows to the sinks. Its parts: pipeline_core.hpp (the
// state callers share, the pending row and the commit rule), key_table.hpp (interned keys,
// metric_key), pipeline_row.hpp (a row), row_ring.hpp (the bounded queue), row_dispatch.hpp (the
// writer's stage -> sinks -> summary), writer_sinks.hpp, summary_table.hpp, record_stage.hpp.
//
// Why this shape:
// - The caller's thread (log()) only finds each key's id (an address-keyed cache; a metric_key is
//   found without hashing or comparing), packs values into the pending row (which stays in the
//   caller's cache) and, on commit, stamps it and copies it into a free queue slot (16 bytes a
//   value). Slots keep their buffers, so nothing is allocated, no I/O happens and nothing depends
//   on the number of sinks or on the record stage: names, strings and sinks are the writer's work.
// - Many producers, one consumer, under one mutex, taken once per log() call (not per value):
//   uncontended that is two atomic operations per call, and it keeps W&B's commit/step semantics
//   (which need a shared pending row) simple and exact. The writer takes it once per batch.
// - Overflow policy is explicit (as spdlog's async logger): block (default), drop_newest,
//   drop_oldest; dropped rows are counted and reported at finish.
// - Each sink is isolated (guarded_sink): one that throws is reported once and disabled.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "vitals/sinks/any_sink.hpp"
#include "vitals/sinks/key_table.hpp"
#include "vitals/sinks/owned_value.hpp"
#include "vitals/sinks/pipeline_core.hpp"
#include "vitals/sinks/pipeline_options.hpp"
#include "vitals/sinks/pipeline_row.hpp"
#include "vitals/sinks/record.hpp"
#include "vitals/sinks/record_stage.hpp"
#include "vitals/sinks/row_ring.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals::inline VITALS_ABI {
class pipeline : private detail::pipeline_core {
 public:
  /// Starts the writer thread. `info` must outlive the pipeline (the run owns both).
  VITALS_INLINE pipeline(const run_info& info, pipeline_options opts = {});
  pipeline(const pipeline&) = delete;
  pipeline& operator=(const pipeline&) = delete;
  VITALS_INLINE ~pipeline();  // finish(0)

  /// Adds a sink; it is opened on the writer thread before the next record it sees.
  VITALS_INLINE void attach(any_sink s);

  /// Sets the writer-thread stage (see record_stage); before the first record is logged.
  VITALS_INLINE void set_stage(std::unique_ptr<record_stage> s);

  /// Interns `name` (std::invalid_argument if empty or reserved) and returns it as a metric_key.
  metric_key key(std::string_view name) {
    std::lock_guard lock(mu_);
    return keys_.key(name);
  }

  /// Builds one log() call's contribution under the pipeline lock (used by run::log).
  class batch {
   public:
    batch(pipeline& p, std::optional<std::int64_t> step, std::optional<bool> commit)
        : p_(p), lock_(p.mu_), commit_(commit.value_or(!step.has_value())) {
      // Room for the (at most two) rows this call may commit is made first, before anything is
      // added to the shared pending row: waiting releases the lock, and another producer must not
      // find this call's values half-committed.
      active_ = !p_.finished_ && p_.wait_for_slot_locked(lock_, 2) && !p_.finished_;
      if (!active_ || !step) return;
      if (*step < p_.step_) {
        // W&B's rule: steps only go forward; a smaller step is dropped, counted, and reported
        // once on stderr (a write(2): no allocation, no lock beyond the one held).
        if (p_.out_of_order_++ == 0)
          report_dropped_step(*step, p_.step_, p_.info_.resumed && *step < p_.info_.starting_step);
        active_ = false;
        return;
      }
      if (*step > p_.step_) {
        p_.commit_locked(lock_);  // may wait for a queue slot, releasing the lock
        if (p_.finished_) {       // finished (e.g. by a signal) meanwhile: nothing more is logged
          active_ = false;
          return;
        }
        p_.step_ = std::max(p_.step_, *step);
      }
    }
    batch(const batch&) = delete;
    batch& operator=(const batch&) = delete;
    ~batch() {
      // A log() call that threw half-way (an empty or reserved key) leaves its values pending
      // rather than committing a partial row.
      if (active_ && commit_ && !failed_ && !p_.finished_) p_.commit_locked(lock_);
    }
    void add(std::string_view key, const metric_value& v) {
      if (!active_) return;
      std::uint32_t id;
      try {  // free unless it throws; std::uncaught_exceptions() in the destructor cost two TLS lookups a call
        id = p_.keys_.id(key);
      } catch (...) {
        failed_ = true;
        throw;
      }
      p_.add_pending_locked(id, v);
    }
    /// For a caller that failed half-way for its own reasons (a flattened key too long): the row
    /// is left pending, as after a refused key.
    void abandon() noexcept { failed_ = true; }

   private:
    VITALS_INLINE static void report_dropped_step(std::int64_t step, std::int64_t current, bool before_resume) noexcept;

    pipeline& p_;
    std::unique_lock<std::mutex> lock_;
    bool commit_;
    bool active_ = true;
    bool failed_ = false;  // a key was refused: the row is not committed
  };

  void log(std::span<const metric> items, std::optional<std::int64_t> step = {}, std::optional<bool> commit = {}) {
    batch b(*this, step, commit);
    for (const auto& m : items) b.add(m.key, m.value);
  }

  /// Commits the pending row now (W&B: log({}, commit=True)).
  void commit() {
    std::unique_lock lock(mu_);
    if (!finished_) commit_locked(lock);
  }

  /// Sends a summary, alert or config record right away, at the current step.
  VITALS_INLINE void emit(record_kind kind, std::span<const metric> items);

  /// Blocks until everything committed before the call has been written and the sinks flushed.
  VITALS_INLINE void flush();

  /// Commits what is pending, drains the queue, flushes and closes every sink. Idempotent.
  VITALS_INLINE void finish(int exit_code);

  // Counters (safe to read any time).
  std::uint64_t dropped() const { return dropped_.load(); }
  std::uint64_t out_of_order_steps() const {
    std::lock_guard lock(mu_);
    return out_of_order_;
  }
  VITALS_INLINE std::uint64_t records_written() const;
  std::int64_t current_step() const {
    std::lock_guard lock(mu_);
    return step_;
  }
  /// "sink: message" for every sink that failed and was disabled.
  VITALS_INLINE std::vector<std::string> sink_errors() const;
  bool finished() const {
    std::lock_guard lock(mu_);
    return finished_;
  }

  /// After finish(): the run summary: last value of every history key, overridden by explicit
  /// summaries, plus _step/_runtime/_timestamp of the last row, in key order of first use.
  VITALS_INLINE std::vector<std::pair<std::string, owned_value>> summary() const;
  VITALS_INLINE std::int64_t last_step() const;
  VITALS_INLINE double last_runtime() const;
  VITALS_INLINE double last_timestamp() const;

 private:
  friend class batch;

  VITALS_INLINE void writer_loop();

  // The writer thread and what only it touches (its batch of rows, the sinks, the summary), in
  // pipeline.ipp: a file that logs needs none of it.
  struct writer_side;
  std::unique_ptr<writer_side> w_;
};

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/sinks/pipeline.ipp"
#endif
