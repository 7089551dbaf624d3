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

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
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
#include "vitals/sinks/row_dispatch.hpp"
#include "vitals/sinks/row_ring.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals::inline VITALS_ABI {
class pipeline : private detail::pipeline_core {
 public:
  /// Starts the writer thread. `info` must outlive the pipeline (the run owns both).
  pipeline(const run_info& info, pipeline_options opts = {}) : pipeline_core(info, opts) {
    batch_.resize(std::min<std::size_t>(64, opts_.queue_capacity));
    for (auto& r : batch_) r.reserve(16, 256);
    writer_ = std::thread([this] { writer_loop(); });
  }
  pipeline(const pipeline&) = delete;
  pipeline& operator=(const pipeline&) = delete;
  ~pipeline() { finish(0); }

  /// Adds a sink; it is opened on the writer thread before the next record it sees.
  void attach(any_sink s) {
    std::lock_guard lock(mu_);
    if (finished_) throw std::logic_error("vitals: attach() after finish()");
    to_attach_.push_back(std::move(s));
    cv_.notify_one();
  }

  /// Sets the writer-thread stage (see record_stage); before the first record is logged.
  void set_stage(std::unique_ptr<record_stage> s) {
    std::lock_guard lock(mu_);
    if (finished_) throw std::logic_error("vitals: set_stage() after finish()");
    out_.set_stage(std::move(s));
  }

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
      if (active_ && commit_ && !p_.finished_ && std::uncaught_exceptions() == exceptions_) p_.commit_locked(lock_);
    }
    void add(std::string_view key, const metric_value& v) {
      if (active_) p_.add_pending_locked(p_.keys_.id(key), v);
    }

   private:
    static void report_dropped_step(std::int64_t step, std::int64_t current, bool before_resume) noexcept {
      char line[300];
      int n = std::snprintf(line, sizeof line,
                            "vitals: log() at step %lld is below the current step %lld and was dropped "
                            "(steps only go forward, as in W&B%s); later drops are counted in metadata.json\n",
                            static_cast<long long>(step), static_cast<long long>(current),
                            before_resume ? "; the resumed run's files already hold the steps before it" : "");
      if (n > 0) (void)!::write(2, line, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof line - 1));
    }

    pipeline& p_;
    std::unique_lock<std::mutex> lock_;
    bool commit_;
    bool active_ = true;
    int exceptions_ = std::uncaught_exceptions();
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
  void emit(record_kind kind, std::span<const metric> items) {
    std::unique_lock lock(mu_);
    if (finished_ || !wait_for_slot_locked(lock) || finished_) return;
    side_.clear();
    for (const auto& m : items) side_.append(keys_.id(m.key), m.value);
    stamp(side_, kind);
    enqueue_locked(side_);
  }

  /// Blocks until everything committed before the call has been written and the sinks flushed.
  void flush() {
    std::unique_lock lock(mu_);
    if (finished_) return;
    std::uint64_t ticket = ++flush_requested_;
    cv_.notify_one();
    flushed_cv_.wait(lock, [&] { return flushed_ >= ticket || writer_done_; });
  }

  /// Commits what is pending, drains the queue, flushes and closes every sink. Idempotent.
  void finish(int exit_code) {
    {
      std::unique_lock lock(mu_);
      if (finished_) return;
      commit_locked(lock);
      finished_ = true;
      exit_code_ = exit_code;
      stop_ = true;
      cv_.notify_one();
      not_full_.notify_all();
    }
    if (writer_.joinable()) writer_.join();
  }

  // Counters (safe to read any time).
  std::uint64_t dropped() const { return dropped_.load(); }
  std::uint64_t out_of_order_steps() const {
    std::lock_guard lock(mu_);
    return out_of_order_;
  }
  std::uint64_t records_written() const { return out_.written(); }
  std::int64_t current_step() const {
    std::lock_guard lock(mu_);
    return step_;
  }
  /// "sink: message" for every sink that failed and was disabled.
  std::vector<std::string> sink_errors() const { return out_.sinks.errors(); }
  bool finished() const {
    std::lock_guard lock(mu_);
    return finished_;
  }

  /// After finish(): the run summary: last value of every history key, overridden by explicit
  /// summaries, plus _step/_runtime/_timestamp of the last row, in key order of first use.
  std::vector<std::pair<std::string, owned_value>> summary() const {
    std::lock_guard lock(mu_);
    return out_.summary.collect(keys_);
  }
  std::int64_t last_step() const { return out_.summary.last_step(); }
  double last_runtime() const { return out_.summary.last_runtime(); }
  double last_timestamp() const { return out_.summary.last_timestamp(); }

 private:
  friend class batch;

  void writer_loop() {
    using clock = std::chrono::steady_clock;
    auto next_flush = clock::now() + opts_.flush_interval;
    std::vector<any_sink> fresh;
    std::unique_lock lock(mu_);
    for (;;) {
      if (!to_attach_.empty()) {
        fresh.swap(to_attach_);
        lock.unlock();
        for (auto& s : fresh) out_.sinks.open(std::move(s), info_);
        fresh.clear();
        lock.lock();
        continue;
      }
      auto now = clock::now();
      if (now >= next_flush) {
        lock.unlock();
        out_.sinks.flush();
        lock.lock();
        next_flush = clock::now() + opts_.flush_interval;
        continue;
      }
      if (ring_.size() > 0) {
        // Take up to a batch of rows per lock acquisition (buffer swaps only), so producer and
        // writer hand the lock over once per batch rather than once per row.
        const std::size_t n = ring_.take(batch_);
        out_.sync_names(keys_);  // the names of keys interned since the last batch
        if (producers_waiting_ && ring_.free() >= resume_room_) not_full_.notify_all();
        lock.unlock();
        for (std::size_t k = 0; k < n; ++k) out_.dispatch(batch_[k]);
        lock.lock();
        continue;
      }
      if (flush_requested_ > flushed_) {
        auto ticket = flush_requested_;
        lock.unlock();
        out_.sinks.flush();
        lock.lock();
        flushed_ = ticket;
        flushed_cv_.notify_all();
        continue;
      }
      if (stop_) break;
      writer_waiting_ = true;
      // Wake at least every 50 ms: rows below the wake threshold are picked up without a notify.
      cv_.wait_until(lock, std::min(next_flush, now + std::chrono::milliseconds(50)));
      writer_waiting_ = false;
    }
    int code = exit_code_;
    lock.unlock();
    out_.sinks.close(code);
    lock.lock();
    writer_done_ = true;
    flushed_cv_.notify_all();
    not_full_.notify_all();
  }

  // Writer thread.
  std::vector<detail::pipeline_row> batch_;
  detail::row_dispatch out_;
  std::thread writer_;
};

}  // namespace vitals
