// Steady-state logging allocates nothing on the caller's thread: a counting global operator new
// (counting only on the thread under test) sees 0 allocations over 10,000 log() calls.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <new>
#include <vector>

#include "test_support.hpp"
#include "vitals/run.hpp"

namespace {
thread_local bool counting = false;
thread_local long allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (counting) ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (counting) ++allocations;
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return operator new(n, std::nothrow); }
void* operator new(std::size_t n, std::align_val_t a) {
  if (counting) ++allocations;
  if (void* p = std::aligned_alloc(static_cast<std::size_t>(a), (n + static_cast<std::size_t>(a) - 1) / static_cast<std::size_t>(a) * static_cast<std::size_t>(a))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

// Reflected types need external linkage (clang's -Wundefined-internal): a named namespace.
namespace zero_alloc_test {
struct grad_stats {
  double mean = 1, std = 2;
};
struct train_metrics {
  double loss = 0.5;
  double lr = 1e-4;
  int epoch = 3;
  bool improving = true;
  grad_stats grad;
};
}  // namespace zero_alloc_test
using zero_alloc_test::train_metrics;

TEST_CASE("the allocation counter works (positive control)") {
  counting = true;
  allocations = 0;
  auto* v = new std::vector<int>(100);
  // Optimised builds may elide a new/delete pair (C++14 allocation elision): let v escape.
  asm volatile("" : : "r"(v) : "memory");
  counting = false;
  delete v;
  CHECK(allocations == 2);
}

TEST_CASE("steady-state log() performs no heap allocation on the caller's thread") {
  vitals_test::temp_dir tmp("zeroalloc");
  vitals::run_options o;
  o.project = "tests";
  o.dir = tmp.path;
  o.sinks = "jsonl,csv";
  o.capture_git = false;
  o.handle_signals = false;
  vitals::run run(o);
  auto step = [&](int i) {
    double x = i * 0.001;
    run.log({{"train/loss", x}, {"train/acc", 1 - x}, {"lr", 1e-4}, {"epoch", i / 100}, {"ok", true},
             {"grad/norm", x * 2}, {"grad/max", x * 3}, {"weight/mean", x}, {"weight/std", x}, {"phase", "train"}});
    train_metrics m;
    m.loss = x;
    run.log(vitals::prefixed("s/", m));
  };
  for (int i = 0; i < 3000; ++i) step(i);  // warm-up: keys interned, every queue buffer grown
  counting = true;
  allocations = 0;
  for (int i = 0; i < 10000; ++i) step(i);
  counting = false;
  CHECK(allocations == 0);
  run.finish();
  CHECK(run.records_written() == 26000);
}
