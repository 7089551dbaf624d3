// System metrics as W&B's system monitor reports them for Python runs: a sampler thread that reads
// /proc, statvfs and NVML at start and then every `interval` (W&B's default: 15 s; wandb 0.31 also
// samples once at start) and keeps the samples until the writer takes them (the W&B sink turns
// each into a `stats` record on its writer thread), or hands each to a callback (the run's
// system_metrics.to_sinks: a record_kind::system record through the pipeline to every sink).
//
// Key names are those wandb 0.31's monitor (wandb-symon) sends and the UI's System section plots:
//   cpu                          process CPU, percent of one core divided by the core count
//   proc.cpu.threads             threads of this process
//   memory_percent               system memory in use (percent)
//   proc.memory.rssMB / proc.memory.percent / proc.memory.availableMB
//   disk.<mount>.usagePercent / disk.<mount>.usageGB   filesystem holding the run directory
//   disk.<dev>.in / disk.<dev>.out   MB read / written per block device since the sampler started
//   network.sent / network.recv  bytes sent / received on all interfaces since the sampler started
//   network.tcpRetransmits       TCP segments retransmitted (/proc/net/snmp RetransSegs) since then
//   gpu.<i>.gpu / gpu.<i>.memory / gpu.<i>.memoryAllocated / gpu.<i>.memoryAllocatedBytes /
//   gpu.<i>.temp / gpu.<i>.powerWatts / gpu.<i>.enforcedPowerLimitWatts / gpu.<i>.powerPercent
// Nothing here is on the logging path: sampling runs on its own thread, and a file that cannot be
// read (no /proc/diskstats in a container) leaves its keys out of the sample.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "vitals/run/nvml.hpp"
#include "vitals/sinks/record.hpp"

namespace vitals::inline VITALS_ABI {
/// One reading of the machine: (key, value) pairs in W&B's names, and when it was taken.
struct system_sample {
  double timestamp = 0;  // seconds since the Unix epoch
  std::vector<std::pair<std::string, double>> values;
};

/// A sample as the record_kind::system record's metrics: "system/<key>" = value (the keys live
/// here, so keep this object while the metrics are used).
struct system_sample_metrics {
  std::vector<std::string> keys;
  std::vector<metric> metrics;
  void assign(const system_sample& s) {
    keys.clear();
    metrics.clear();
    keys.reserve(s.values.size());
    for (const auto& [k, v] : s.values) keys.push_back("system/" + k);
    for (std::size_t i = 0; i < keys.size(); ++i) metrics.push_back({keys[i], metric_value(s.values[i].second)});
  }
};

namespace detail {

inline std::string read_small_file(const char* path) {
  std::FILE* f = std::fopen(path, "rb");
  if (!f) return {};
  std::string s;
  char buf[8192];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) s.append(buf, n);
  std::fclose(f);
  return s;
}

/// The mount point of the filesystem holding `p` (longest /proc/mounts prefix), "/" when unknown.
inline std::string mount_point_of(const std::filesystem::path& p) {
  std::error_code ec;
  auto abs = std::filesystem::weakly_canonical(p, ec).string();
  if (ec || abs.empty()) return "/";
  std::istringstream in(read_small_file("/proc/mounts"));
  std::string dev, mnt, rest, best = "/";
  while (in >> dev >> mnt && std::getline(in, rest)) {
    if (mnt.size() > best.size() && abs.compare(0, mnt.size(), mnt) == 0 &&
        (abs.size() == mnt.size() || abs[mnt.size()] == '/'))
      best = mnt;
  }
  return best;
}

}  // namespace detail

/// Reads the machine's counters; sample() gives rates and deltas since the previous call.
class system_reader {
 public:
  explicit system_reader(std::filesystem::path disk_path = "/") : disk_path_(std::move(disk_path)) {
    mount_ = detail::mount_point_of(disk_path_);
    ticks_ = static_cast<double>(::sysconf(_SC_CLK_TCK));
    ncpu_ = std::max<long>(1, ::sysconf(_SC_NPROCESSORS_ONLN));
    page_ = static_cast<double>(::sysconf(_SC_PAGESIZE));
    nvml_ = std::make_unique<detail::nvml_library>();
    read_counters(base_);
    prev_ = base_;
  }

  /// The GPUs NVML reports (0 without NVML).
  unsigned gpu_count() const { return nvml_->device_count(); }
  const detail::nvml_library& nvml() const { return *nvml_; }

  system_sample sample() {
    system_sample s;
    s.timestamp = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto& v = s.values;
    counters now;
    read_counters(now);
    const double wall = now.wall - prev_.wall;
    // The sample at start has no interval to rate CPU over (wandb leaves cpu out of it too).
    if (wall > 0.05 && now.proc_ticks >= 0 && prev_.proc_ticks >= 0)
      v.emplace_back("cpu", (now.proc_ticks - prev_.proc_ticks) / ticks_ / wall * 100.0 / static_cast<double>(ncpu_));
    if (now.threads >= 0) v.emplace_back("proc.cpu.threads", now.threads);
    if (now.mem_total > 0) {
      v.emplace_back("memory_percent", (now.mem_total - now.mem_available) / now.mem_total * 100.0);
      v.emplace_back("proc.memory.availableMB", now.mem_available / 1048576.0);
      if (now.rss >= 0) {
        v.emplace_back("proc.memory.rssMB", now.rss / 1048576.0);
        v.emplace_back("proc.memory.percent", now.rss / now.mem_total * 100.0);
      }
    }
    struct statvfs fs {};
    if (::statvfs(disk_path_.c_str(), &fs) == 0 && fs.f_blocks > 0) {
      const double total = static_cast<double>(fs.f_blocks) * fs.f_frsize;
      const double used = total - static_cast<double>(fs.f_bfree) * fs.f_frsize;
      v.emplace_back("disk." + mount_ + ".usagePercent", used / total * 100.0);
      v.emplace_back("disk." + mount_ + ".usageGB", used / 1e9);
    }
    for (const auto& [dev, rw] : now.disks) {
      std::pair<double, double> b{0, 0};
      for (const auto& [d, r] : base_.disks)
        if (d == dev) b = r;
      v.emplace_back("disk." + dev + ".in", (rw.first - b.first) / 1048576.0);
      v.emplace_back("disk." + dev + ".out", (rw.second - b.second) / 1048576.0);
    }
    if (now.net_recv >= 0) {
      v.emplace_back("network.sent", now.net_sent - base_.net_sent);
      v.emplace_back("network.recv", now.net_recv - base_.net_recv);
    }
    if (now.tcp_retrans >= 0 && base_.tcp_retrans >= 0) v.emplace_back("network.tcpRetransmits", now.tcp_retrans - base_.tcp_retrans);
    for (unsigned i = 0; i < nvml_->device_count(); ++i) {
      const auto g = nvml_->sample(i);
      const std::string p = "gpu." + std::to_string(i) + ".";
      if (g.utilization_gpu) v.emplace_back(p + "gpu", *g.utilization_gpu);
      if (g.utilization_memory) v.emplace_back(p + "memory", *g.utilization_memory);
      if (g.mem && g.mem->total > 0) {
        v.emplace_back(p + "memoryAllocated", static_cast<double>(g.mem->used) / static_cast<double>(g.mem->total) * 100.0);
        v.emplace_back(p + "memoryAllocatedBytes", static_cast<double>(g.mem->used));
      }
      if (g.temperature_c) v.emplace_back(p + "temp", *g.temperature_c);
      if (g.power_w) v.emplace_back(p + "powerWatts", *g.power_w);
      if (g.power_limit_w) {
        v.emplace_back(p + "enforcedPowerLimitWatts", *g.power_limit_w);
        if (g.power_w) v.emplace_back(p + "powerPercent", *g.power_w / *g.power_limit_w * 100.0);
      }
    }
    prev_ = std::move(now);
    return s;
  }

 private:
  struct counters {
    double wall = 0;
    double proc_ticks = -1, threads = -1, rss = -1;
    double mem_total = 0, mem_available = 0;
    std::vector<std::pair<std::string, std::pair<double, double>>> disks;  // device -> bytes read, written
    double net_sent = -1, net_recv = -1;
    double tcp_retrans = -1;
  };

  void read_counters(counters& c) const {
    c.wall = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    // /proc/self/stat: fields after the ")" of the command name; utime 14, stime 15, threads 20, rss 24.
    const std::string st = detail::read_small_file("/proc/self/stat");
    if (auto close = st.rfind(')'); close != std::string::npos) {
      std::istringstream in(st.substr(close + 2));
      std::vector<std::string> f;
      for (std::string x; in >> x;) f.push_back(x);
      // f[0] is field 3 (state)
      if (f.size() > 21) {
        c.proc_ticks = std::stod(f[11]) + std::stod(f[12]);
        c.threads = std::stod(f[17]);
        c.rss = std::stod(f[21]) * page_;
      }
    }
    std::istringstream mem(detail::read_small_file("/proc/meminfo"));
    for (std::string key; mem >> key;) {
      double kb = 0;
      mem >> kb;
      if (key == "MemTotal:") c.mem_total = kb * 1024;
      else if (key == "MemAvailable:") c.mem_available = kb * 1024;
      mem.ignore(64, '\n');
    }
    std::istringstream disk(detail::read_small_file("/proc/diskstats"));
    for (std::string line; std::getline(disk, line);) {
      std::istringstream in(line);
      unsigned maj = 0, min = 0;
      std::string name;
      double f[8] = {};
      if (!(in >> maj >> min >> name)) continue;
      for (double& x : f) in >> x;
      // whole devices only (partitions would count twice); loop, ram and zram devices hold no disk I/O (as wandb)
      if (name.starts_with("loop") || name.starts_with("ram") || name.starts_with("zram") || name.starts_with("dm-")) continue;
      std::error_code ec;
      if (!std::filesystem::exists("/sys/block/" + name, ec)) continue;
      c.disks.emplace_back(name, std::pair<double, double>{f[2] * 512, f[6] * 512});  // sectors read, written
    }
    std::istringstream net(detail::read_small_file("/proc/net/dev"));
    for (std::string line; std::getline(net, line);) {
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::istringstream in(line.substr(colon + 1));
      double f[9] = {};
      for (double& x : f) in >> x;
      if (!in) continue;
      if (c.net_recv < 0) c.net_recv = c.net_sent = 0;
      c.net_recv += f[0];
      c.net_sent += f[8];
    }
    // /proc/net/snmp: a "Tcp:" line of names, then a "Tcp:" line of values.
    std::istringstream snmp(detail::read_small_file("/proc/net/snmp"));
    for (std::string names, values; std::getline(snmp, names);) {
      if (!names.starts_with("Tcp:") || !std::getline(snmp, values)) continue;
      std::istringstream n(names), v(values);
      for (std::string name, value; n >> name && v >> value;)
        if (name == "RetransSegs") c.tcp_retrans = std::stod(value);
      break;
    }
  }

  std::filesystem::path disk_path_;
  std::string mount_;
  double ticks_ = 100, page_ = 4096;
  long ncpu_ = 1;
  std::unique_ptr<detail::nvml_library> nvml_;
  counters base_, prev_;
};

/// A thread that takes a system_sample at start (always, even if stop() comes first) and then every `interval` and keeps them until
/// take() collects them (at most `max_kept`; the oldest go first when nobody collects), or, given
/// `on_sample`, hands each to it on the sampler thread. stop() joins it; so does the destructor.
class system_sampler {
 public:
  using callback = std::function<void(const system_sample&)>;
  system_sampler(std::chrono::duration<double> interval, std::filesystem::path disk_path, std::size_t max_kept = 1024,
                 callback on_sample = {})
      : interval_(interval), max_kept_(max_kept), reader_(std::move(disk_path)), on_sample_(std::move(on_sample)) {
    if (interval_.count() > 0) thread_ = std::thread([this] { loop(); });
  }
  system_sampler(const system_sampler&) = delete;
  system_sampler& operator=(const system_sampler&) = delete;
  ~system_sampler() { stop(); }

  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  /// Moves the samples taken since the last call into `out` (appended). Cheap when there are none.
  void take(std::vector<system_sample>& out) {
    std::lock_guard lock(mu_);
    for (auto& s : kept_) out.push_back(std::move(s));
    kept_.clear();
  }

  /// Seconds of thread CPU time spent in sample() so far, and how many samples were taken.
  std::pair<double, std::size_t> cost() const {
    std::lock_guard lock(mu_);
    return {cpu_seconds_, samples_};
  }

 private:
  void loop() {
    std::unique_lock lock(mu_);
    for (bool first = true;; first = false) {
      // The first sample is taken even when stop() came before the thread ran, so every run
      // that samples has its start sample, however short it was (as a Python run does).
      if (!first && cv_.wait_for(lock, interval_, [&] { return stopping_; })) return;
      lock.unlock();
      timespec a{}, b{};
      ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
      system_sample s;
      try {
        s = reader_.sample();
      } catch (...) {  // a /proc file in a shape we did not expect: skip this sample, keep sampling
      }
      ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
      lock.lock();
      cpu_seconds_ += static_cast<double>(b.tv_sec - a.tv_sec) + static_cast<double>(b.tv_nsec - a.tv_nsec) * 1e-9;
      ++samples_;
      if (s.values.empty()) continue;
      if (on_sample_) {
        lock.unlock();
        try {
          on_sample_(s);
        } catch (...) {  // the receiver's trouble (a finished pipeline) must not end the process
        }
        lock.lock();
        continue;
      }
      if (kept_.size() >= max_kept_) kept_.erase(kept_.begin());
      kept_.push_back(std::move(s));
    }
  }

  std::chrono::duration<double> interval_;
  std::size_t max_kept_;
  system_reader reader_;
  callback on_sample_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<system_sample> kept_;
  double cpu_seconds_ = 0;
  std::size_t samples_ = 0;
  std::thread thread_;
};

}  // namespace vitals
