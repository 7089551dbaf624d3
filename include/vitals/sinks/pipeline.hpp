// The logging pipeline of one run: interned keys, the pending (uncommitted) row, a bounded queue
// of reusable rows, and one writer thread that hands records to the sinks.
//
// Why this shape:
// - The caller's thread only interns keys (a hash lookup; the table grows only for new keys),
//   copies values into the pending row and, on commit, swaps that row's buffers with a free queue
//   slot. Buffers circulate between caller, queue and writer, so once they have grown to the
//   row size nothing is allocated and no I/O happens on the caller's thread.
// - Many producers, one consumer, under one mutex: a log() call holds it for ~100 ns, far below
//   any contention that matters for training loops, and it keeps W&B's commit/step semantics
//   (which need a shared pending row) simple and exact.
// - Overflow policy is explicit (as spdlog's async logger): block (default), drop_newest,
//   drop_oldest; dropped rows are counted and reported at finish.
// - Each sink is isolated (guarded_sink): one that throws is reported once and disabled.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vitals/sinks/any_sink.hpp"
#include "vitals/sinks/csv.hpp"  // detail::string_hash
#include "vitals/sinks/guarded_sink.hpp"
#include "vitals/sinks/record.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals {

enum class overflow_policy : std::uint8_t {
  block,        // the caller waits for the writer (nothing is lost)
  drop_newest,  // the row being committed is dropped and counted
  drop_oldest,  // the oldest queued row is dropped and counted
};

struct pipeline_options {
  std::size_t queue_capacity = 1024;  // rows
  overflow_policy overflow = overflow_policy::block;
  std::chrono::milliseconds flush_interval{1000};
};

/// A value owned by the writer (last value of a key, explicit summaries).
struct owned_value {
  metric_value::kind type = metric_value::kind::floating;
  std::int64_t i = 0;
  double d = 0;
  bool b = false;
  std::string s;
  bool set = false;

  void assign(const metric_value& v) {
    type = v.type;
    set = true;
    switch (v.type) {
      case metric_value::kind::integer: i = v.i; break;
      case metric_value::kind::floating: d = v.d; break;
      case metric_value::kind::boolean: b = v.b; break;
      case metric_value::kind::string: s.assign(v.s); break;
    }
  }
  metric_value view() const {
    switch (type) {
      case metric_value::kind::integer: return metric_value(i);
      case metric_value::kind::floating: return metric_value(d);
      case metric_value::kind::boolean: return metric_value(b);
      case metric_value::kind::string: return metric_value(std::string_view(s));
    }
    return {};
  }
};

namespace detail {

inline constexpr std::uint32_t no_string = std::numeric_limits<std::uint32_t>::max();

/// A row under construction or in flight. Buffers keep their capacity when cleared.
struct pipeline_row {
  record_kind kind = record_kind::history;
  std::int64_t step = 0;
  double timestamp = 0;
  double runtime = 0;
  std::vector<metric> metrics;
  std::vector<std::uint32_t> ids;
  std::vector<std::uint32_t> str_off;
  std::vector<std::uint32_t> str_len;
  std::string arena;

  void reserve(std::size_t n, std::size_t bytes) {
    metrics.reserve(n);
    ids.reserve(n);
    str_off.reserve(n);
    str_len.reserve(n);
    arena.reserve(std::max<std::size_t>(bytes, 64));  // > SSO: swapping keeps string pointers valid
  }
  void clear() {
    metrics.clear();
    ids.clear();
    str_off.clear();
    str_len.clear();
    arena.clear();
  }
  void swap(pipeline_row& o) noexcept {
    std::swap(kind, o.kind);
    std::swap(step, o.step);
    std::swap(timestamp, o.timestamp);
    std::swap(runtime, o.runtime);
    metrics.swap(o.metrics);
    ids.swap(o.ids);
    str_off.swap(o.str_off);
    str_len.swap(o.str_len);
    arena.swap(o.arena);
  }
  // String values were stored as arena offsets (the arena may grow while the row is built).
  void fix_strings() {
    for (std::size_t k = 0; k < metrics.size(); ++k)
      if (str_off[k] != no_string) metrics[k].value.s = std::string_view(arena.data() + str_off[k], str_len[k]);
  }
  record view() const { return record{kind, step, timestamp, runtime, std::span<const metric>(metrics)}; }
};

}  // namespace detail

/// A writer-thread step between the queue and the sinks (the run's health monitor): it sees each
/// record first, may change a history row's metrics (`row` starts as a copy of r.metrics; views it
/// adds must stay valid until the next process() call) and may ask for records to follow it
/// (`after`, e.g. alert records). Runs on the writer thread only, so it adds nothing to log().
class record_stage {
 public:
  virtual ~record_stage() = default;
  virtual void process(const record& r, std::vector<metric>& row, std::vector<record>& after) = 0;
};

class pipeline {
 public:
  /// Starts the writer thread. `info` must outlive the pipeline (the run owns both).
  pipeline(const run_info& info, pipeline_options opts = {})
      : info_(info), opts_(opts), start_(std::chrono::steady_clock::now()), step_(info.starting_step) {
    if (opts_.queue_capacity == 0) throw std::invalid_argument("pipeline: queue_capacity must be at least 1");
    if (opts_.flush_interval.count() <= 0) throw std::invalid_argument("pipeline: flush_interval must be positive");
    ring_.resize(opts_.queue_capacity);
    wake_threshold_ = std::max<std::size_t>(1, std::min<std::size_t>(64, opts_.queue_capacity / 8));
    for (auto& r : ring_) r.reserve(16, 256);
    pending_.reserve(16, 256);
    side_.reserve(8, 256);
    out_.reserve(16, 256);
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
    stage_ = std::move(s);
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
      if (!active_) return;
      if (step) {
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
    }
    batch(const batch&) = delete;
    batch& operator=(const batch&) = delete;
    ~batch() {
      // A log() call that threw half-way (an empty or reserved key) leaves its values pending
      // rather than committing a partial row.
      if (active_ && commit_ && !p_.finished_ && std::uncaught_exceptions() == exceptions_) p_.commit_locked(lock_);
    }
    void add(std::string_view key, const metric_value& v) {
      if (active_) p_.add_locked(p_.pending_, p_.intern_locked(key), v, true);
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
    for (const auto& m : items) add_locked(side_, intern_locked(m.key), m.value, false);
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
  std::uint64_t records_written() const { return written_.load(); }
  std::int64_t current_step() const {
    std::lock_guard lock(mu_);
    return step_;
  }
  /// "sink: message" for every sink that failed and was disabled.
  std::vector<std::string> sink_errors() const {
    std::lock_guard lock(errors_mu_);
    return errors_;
  }
  bool finished() const {
    std::lock_guard lock(mu_);
    return finished_;
  }

  /// After finish(): the run summary: last value of every history key, overridden by explicit
  /// summaries, plus _step/_runtime/_timestamp of the last row, in key order of first use.
  std::vector<std::pair<std::string, owned_value>> summary() const {
    std::lock_guard lock(mu_);
    std::vector<std::pair<std::string, owned_value>> out;
    for (std::size_t id = 0; id < names_.size(); ++id) {
      const owned_value* v = nullptr;
      if (id < explicit_.size() && explicit_[id].set) v = &explicit_[id];
      else if (id < last_.size() && last_[id].set) v = &last_[id];
      if (v) out.emplace_back(std::string(names_[id]), *v);
    }
    return out;
  }
  std::int64_t last_step() const { return last_step_; }
  double last_runtime() const { return last_runtime_; }
  double last_timestamp() const { return last_timestamp_; }

 private:
  friend class batch;

  std::uint32_t intern_locked(std::string_view key) {
    auto it = ids_.find(key);
    if (it != ids_.end()) return it->second;
    if (key.empty()) throw std::invalid_argument("vitals: empty metric key");
    if (key == "_step" || key == "_runtime" || key == "_timestamp")
      throw std::invalid_argument("vitals: metric key '" + std::string(key) + "' is reserved");
    auto id = static_cast<std::uint32_t>(names_.size());
    auto ins = ids_.emplace(std::string(key), id).first;
    names_.push_back(std::string_view(ins->first));  // node keys are stable
    pos_.push_back(-1);
    return id;
  }

  void add_locked(detail::pipeline_row& row, std::uint32_t id, const metric_value& v, bool merge) {
    std::uint32_t off = detail::no_string, len = 0;
    if (v.type == metric_value::kind::string) {
      off = static_cast<std::uint32_t>(row.arena.size());
      len = static_cast<std::uint32_t>(v.s.size());
      row.arena.append(v.s);
    }
    if (merge && pos_[id] >= 0) {  // same key twice before a commit: last value wins
      auto k = static_cast<std::size_t>(pos_[id]);
      row.metrics[k].value = v;
      row.str_off[k] = off;
      row.str_len[k] = len;
      return;
    }
    if (merge) pos_[id] = static_cast<std::int32_t>(row.metrics.size());
    row.metrics.push_back(metric{names_[id], v});
    row.ids.push_back(id);
    row.str_off.push_back(off);
    row.str_len.push_back(len);
  }

  void stamp(detail::pipeline_row& row, record_kind kind) {
    auto now = std::chrono::steady_clock::now();
    row.kind = kind;
    row.step = step_;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    row.runtime = info_.starting_runtime + elapsed;  // a resumed run's _runtime goes on
    row.timestamp = info_.start_time + elapsed;
    row.fix_strings();
  }

  // Under the block policy, waits (releasing the lock) until the ring has a free slot. The shared
  // rows (pending_, side_) are touched only after this returns, because another thread - a second
  // producer, or finish() on the signal finisher - may use them while this one waits.
  // False: the writer has stopped and nothing more can be queued.
  bool wait_for_slot_locked(std::unique_lock<std::mutex>& lock, std::size_t slots = 1) {
    const std::size_t need = std::min(slots, ring_.size());
    auto room = [&] { return ring_.size() - count_ >= need || writer_done_; };
    if (opts_.overflow == overflow_policy::block && !room()) {
      ++producers_waiting_;
      not_full_.wait(lock, room);
      --producers_waiting_;
    }
    return !writer_done_;
  }

  void commit_locked(std::unique_lock<std::mutex>& lock) {
    if (pending_.metrics.empty()) return;
    if (!wait_for_slot_locked(lock)) {
      for (auto id : pending_.ids) pos_[id] = -1;
      pending_.clear();
      return;
    }
    if (pending_.metrics.empty()) return;  // another thread committed it while this one waited
    for (auto id : pending_.ids) pos_[id] = -1;
    stamp(pending_, record_kind::history);
    ++step_;
    enqueue_locked(pending_);
  }

  // Moves `row`'s content into the ring (row gets the slot's empty buffers back). Under the block
  // policy the caller has waited for a slot (wait_for_slot_locked): this never waits.
  void enqueue_locked(detail::pipeline_row& row) {
    if (count_ == ring_.size()) {
      switch (opts_.overflow) {
        case overflow_policy::block:  // unreachable after wait_for_slot_locked; keep the row safe
          row.clear();
          return;
        case overflow_policy::drop_newest:
          dropped_.fetch_add(1);
          row.clear();
          return;
        case overflow_policy::drop_oldest:
          ring_[head_].clear();
          head_ = (head_ + 1) % ring_.size();
          --count_;
          dropped_.fetch_add(1);
          break;
      }
    }
    ring_[tail_].swap(row);
    row.clear();
    tail_ = (tail_ + 1) % ring_.size();
    ++count_;
    // Waking the writer costs the caller a futex syscall (~1 us), more than the log() itself, so
    // the sleeping writer is woken only once a batch has piled up; otherwise it picks rows up on
    // its own within 50 ms (files are flushed once per interval anyway).
    if (writer_waiting_ && count_ >= wake_threshold_) cv_.notify_one();
  }

  void write_to_sinks(const record& rec) {
    for (std::size_t i = 0; i < sinks_.size(); ++i) {
      sinks_[i].write(rec);
      note_failure(i);
    }
  }

  void dispatch(const detail::pipeline_row& row) {
    auto rec = row.view();
    staged_after_.clear();
    if (stage_) {
      // A failing stage (a throwing alert callback) is reported like a failing sink and then left
      // out: training and the other sinks go on.
      try {
        staged_.assign(rec.metrics.begin(), rec.metrics.end());
        stage_->process(rec, staged_, staged_after_);
        rec.metrics = std::span<const metric>(staged_);
      } catch (const std::exception& e) {
        std::lock_guard lock(errors_mu_);
        errors_.push_back(std::string("stage: ") + e.what());
        stage_.reset();
        staged_after_.clear();
      }
    }
    write_to_sinks(rec);
    for (const auto& extra : staged_after_) write_to_sinks(extra);
    written_.fetch_add(1, std::memory_order_relaxed);
    auto& table = row.kind == record_kind::summary ? explicit_ : last_;
    if (row.kind == record_kind::alert || row.kind == record_kind::config) return;
    for (std::size_t k = 0; k < row.metrics.size(); ++k) {
      auto id = row.ids[k];
      if (row.metrics[k].key.starts_with("_vitals/")) continue;  // markers (run::end_epoch), not values
      if (id >= table.size()) table.resize(id + 1);
      table[id].assign(row.metrics[k].value);
    }
    if (row.kind == record_kind::history) {
      last_step_ = row.step;
      last_runtime_ = row.runtime;
      last_timestamp_ = row.timestamp;
    }
  }

  void note_failure(std::size_t i) {
    if (sinks_[i].failed() && !reported_[i]) {
      reported_[i] = true;
      std::lock_guard lock(errors_mu_);
      errors_.push_back(std::string(sinks_[i].get().name()) + ": " + sinks_[i].error());
    }
    // A composite sink isolates its members itself; surface their failures too.
    if (sinks_[i].get().inner_failure_count() > inner_reported_[i].size()) {
      std::lock_guard lock(errors_mu_);
      for (auto& e : sinks_[i].get().inner_errors()) {
        auto& seen = inner_reported_[i];
        if (std::find(seen.begin(), seen.end(), e) != seen.end()) continue;
        seen.push_back(e);
        errors_.push_back(std::string(sinks_[i].get().name()) + "/" + e);
      }
    }
  }

  void flush_sinks() {
    for (std::size_t i = 0; i < sinks_.size(); ++i) {
      sinks_[i].flush();
      note_failure(i);
    }
  }

  void close_sinks(int code) {
    flush_sinks();
    for (std::size_t i = 0; i < sinks_.size(); ++i) {
      sinks_[i].close(code);
      note_failure(i);
    }
  }

  void open_new(std::vector<any_sink>& fresh) {
    for (auto& s : fresh) {
      sinks_.emplace_back(std::move(s));
      reported_.push_back(false);
      inner_reported_.emplace_back();
      sinks_.back().open(info_);
      note_failure(sinks_.size() - 1);
    }
    fresh.clear();
  }

  void writer_loop() {
    using clock = std::chrono::steady_clock;
    auto next_flush = clock::now() + opts_.flush_interval;
    std::vector<any_sink> fresh;
    std::unique_lock lock(mu_);
    for (;;) {
      if (!to_attach_.empty()) {
        fresh.swap(to_attach_);
        lock.unlock();
        open_new(fresh);
        lock.lock();
        continue;
      }
      auto now = clock::now();
      if (now >= next_flush) {
        lock.unlock();
        flush_sinks();
        lock.lock();
        next_flush = clock::now() + opts_.flush_interval;
        continue;
      }
      if (count_ > 0) {
        // Take up to a batch of rows per lock acquisition (buffer swaps only), so producer and
        // writer hand the lock over once per batch rather than once per row.
        std::size_t n = std::min(count_, batch_.size());
        for (std::size_t k = 0; k < n; ++k) {
          batch_[k].swap(ring_[head_]);
          ring_[head_].clear();
          head_ = (head_ + 1) % ring_.size();
        }
        count_ -= n;
        if (producers_waiting_) not_full_.notify_all();
        lock.unlock();
        for (std::size_t k = 0; k < n; ++k) dispatch(batch_[k]);
        lock.lock();
        continue;
      }
      if (flush_requested_ > flushed_) {
        auto ticket = flush_requested_;
        lock.unlock();
        flush_sinks();
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
    close_sinks(code);
    lock.lock();
    writer_done_ = true;
    flushed_cv_.notify_all();
    not_full_.notify_all();
  }

  const run_info& info_;
  pipeline_options opts_;
  std::chrono::steady_clock::time_point start_;

  mutable std::mutex mu_;
  std::condition_variable cv_;          // writer wake-up
  std::condition_variable not_full_;    // blocked producers
  std::condition_variable flushed_cv_;  // flush() waiters
  std::unordered_map<std::string, std::uint32_t, detail::string_hash, std::equal_to<>> ids_;
  std::vector<std::string_view> names_;
  std::vector<std::int32_t> pos_;  // key id -> index in pending_, or -1
  detail::pipeline_row pending_, side_;
  std::vector<detail::pipeline_row> ring_;
  std::size_t head_ = 0, tail_ = 0, count_ = 0, wake_threshold_ = 1;
  std::int64_t step_ = 0;
  std::uint64_t out_of_order_ = 0;
  std::size_t producers_waiting_ = 0;
  bool writer_waiting_ = false;
  std::uint64_t flush_requested_ = 0, flushed_ = 0;
  bool finished_ = false, stop_ = false, writer_done_ = false;
  int exit_code_ = 0;
  std::vector<any_sink> to_attach_;

  // Writer-thread state.
  detail::pipeline_row out_;
  std::vector<detail::pipeline_row> batch_;
  std::vector<detail::guarded_sink<any_sink>> sinks_;
  std::unique_ptr<record_stage> stage_;  // set before the first record; then writer-only
  std::vector<metric> staged_;
  std::vector<record> staged_after_;
  std::vector<bool> reported_;
  std::vector<std::vector<std::string>> inner_reported_;
  std::vector<owned_value> last_, explicit_;
  std::int64_t last_step_ = -1;
  double last_runtime_ = 0, last_timestamp_ = 0;

  mutable std::mutex errors_mu_;
  std::vector<std::string> errors_;
  std::atomic<std::uint64_t> dropped_{0}, written_{0};
  std::thread writer_;
};

}  // namespace vitals
