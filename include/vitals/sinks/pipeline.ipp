// Bodies of vitals/sinks/pipeline.hpp (see vitals/version.hpp): the writer thread, sink setup,
// flush and finish. The log() path (batch, add, commit) stays inline in the header.
#pragma once

#include "vitals/sinks/pipeline.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>
#include <vector>

#include "vitals/sinks/row_dispatch.hpp"

namespace vitals::inline VITALS_ABI {
struct pipeline::writer_side {
  std::vector<detail::pipeline_row> batch;
  detail::row_dispatch out;
  std::thread thread;
};

VITALS_INLINE pipeline::pipeline(const run_info& info, pipeline_options opts)
    : pipeline_core(info, opts), w_(std::make_unique<writer_side>()) {
  w_->batch.resize(std::min<std::size_t>(64, opts_.queue_capacity));
  for (auto& r : w_->batch) r.reserve(16, 0);  // string bytes get room when a row first has strings
  w_->thread = std::thread([this] { writer_loop(); });
}

VITALS_INLINE pipeline::~pipeline() { finish(0); }

VITALS_INLINE std::uint64_t pipeline::records_written() const { return w_->out.written(); }
VITALS_INLINE std::vector<std::string> pipeline::sink_errors() const { return w_->out.sinks.errors(); }
VITALS_INLINE std::int64_t pipeline::last_step() const { return w_->out.summary.last_step(); }
VITALS_INLINE double pipeline::last_runtime() const { return w_->out.summary.last_runtime(); }
VITALS_INLINE double pipeline::last_timestamp() const { return w_->out.summary.last_timestamp(); }

VITALS_INLINE void pipeline::batch::report_dropped_step(std::int64_t step, std::int64_t current, bool before_resume) noexcept {
  char line[300];
  int n = std::snprintf(line, sizeof line,
                        "vitals: log() at step %lld is below the current step %lld and was dropped "
                        "(steps only go forward, as in W&B%s); later drops are counted in metadata.json\n",
                        static_cast<long long>(step), static_cast<long long>(current),
                        before_resume ? "; the resumed run's files already hold the steps before it" : "");
  if (n > 0) (void)!::write(2, line, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof line - 1));
}

VITALS_INLINE void pipeline::attach(any_sink s) {
  std::lock_guard lock(mu_);
  if (finished_) throw std::logic_error("vitals: attach() after finish()");
  to_attach_.push_back(std::move(s));
  cv_.notify_one();
}

VITALS_INLINE void pipeline::set_stage(std::unique_ptr<record_stage> s) {
  std::lock_guard lock(mu_);
  if (finished_) throw std::logic_error("vitals: set_stage() after finish()");
  w_->out.set_stage(std::move(s));
}

VITALS_INLINE void pipeline::emit(record_kind kind, std::span<const metric> items) {
  std::unique_lock lock(mu_);
  if (finished_ || !wait_for_slot_locked(lock) || finished_) return;
  side_.clear();
  for (const auto& m : items) side_.append(keys_.id(m.key), m.value);
  stamp(side_, kind);
  enqueue_locked(side_);
}

VITALS_INLINE void pipeline::flush() {
  std::unique_lock lock(mu_);
  if (finished_) return;
  std::uint64_t ticket = ++flush_requested_;
  cv_.notify_one();
  flushed_cv_.wait(lock, [&] { return flushed_ >= ticket || writer_done_; });
}

VITALS_INLINE void pipeline::finish(int exit_code) {
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
  if (w_->thread.joinable()) w_->thread.join();
}

VITALS_INLINE std::vector<std::pair<std::string, owned_value>> pipeline::summary() const {
  std::lock_guard lock(mu_);
  return w_->out.summary.collect(keys_);
}

VITALS_INLINE void pipeline::writer_loop() {
  using clock = std::chrono::steady_clock;
  auto& rows = w_->batch;
  auto& out = w_->out;
  auto next_flush = clock::now() + opts_.flush_interval;
  std::vector<any_sink> fresh;
  std::unique_lock lock(mu_);
  for (;;) {
    if (!to_attach_.empty()) {
      fresh.swap(to_attach_);
      lock.unlock();
      for (auto& s : fresh) out.sinks.open(std::move(s), info_);
      fresh.clear();
      lock.lock();
      continue;
    }
    auto now = clock::now();
    if (now >= next_flush) {
      lock.unlock();
      out.sinks.flush();
      lock.lock();
      next_flush = clock::now() + opts_.flush_interval;
      continue;
    }
    if (ring_.size() > 0) {
      // Take up to a batch of rows per lock acquisition (copies of a few cache lines each), so
      // producer and writer hand the lock over once per batch rather than once per row.
      const std::size_t n = ring_.take(rows);
      out.sync_names(keys_);  // the names of keys interned since the last batch
      if (producers_waiting_ && ring_.free() >= resume_room_) not_full_.notify_all();
      lock.unlock();
      for (std::size_t k = 0; k < n; ++k) out.dispatch(rows[k]);
      lock.lock();
      continue;
    }
    if (flush_requested_ > flushed_) {
      auto ticket = flush_requested_;
      lock.unlock();
      out.sinks.flush();
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
  out.sinks.close(code);
  lock.lock();
  writer_done_ = true;
  flushed_cv_.notify_all();
  not_full_.notify_all();
}

}  // namespace vitals
