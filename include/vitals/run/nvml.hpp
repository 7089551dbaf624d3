// NVML, loaded at run time: per-GPU utilisation, memory, temperature and power for the system
// metrics sampler and the W&B environment record, with no link-time dependency on the driver.
//
// libnvidia-ml.so.1 is opened with dlopen (VITALS_NVML_LIBRARY names another file, which is how the
// tests load a stub that reports two fake GPUs). No library, a missing symbol or a failing nvmlInit:
// available() is false and every query returns nothing - quietly, as a machine without GPUs is normal.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <dlfcn.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace vitals::inline VITALS_ABI::detail {
class nvml_library {
 public:
  struct memory {
    unsigned long long total = 0, free = 0, used = 0;  // bytes (nvmlMemory_t)
  };
  struct gpu_info {
    std::string name;
    unsigned long long memory_total = 0;
  };
  /// One GPU's readings; a field NVML did not answer stays nullopt.
  struct gpu_sample {
    std::optional<unsigned> utilization_gpu, utilization_memory;  // percent
    std::optional<memory> mem;
    std::optional<unsigned> temperature_c;
    std::optional<double> power_w, power_limit_w;
  };

  nvml_library() {
    const char* env = std::getenv("VITALS_NVML_LIBRARY");
    const char* path = env && *env ? env : "libnvidia-ml.so.1";
    handle_ = ::dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle_) return;
    if (!load(init_, "nvmlInit_v2") || !load(shutdown_, "nvmlShutdown") || !load(count_, "nvmlDeviceGetCount_v2") ||
        !load(by_index_, "nvmlDeviceGetHandleByIndex_v2") || !load(name_, "nvmlDeviceGetName") ||
        !load(util_, "nvmlDeviceGetUtilizationRates") || !load(mem_, "nvmlDeviceGetMemoryInfo") ||
        !load(temp_, "nvmlDeviceGetTemperature") || !load(power_, "nvmlDeviceGetPowerUsage")) {
      close();
      return;
    }
    load(limit_, "nvmlDeviceGetEnforcedPowerLimit");        // optional
    load(cuda_version_, "nvmlSystemGetCudaDriverVersion_v2");  // optional
    if (init_() != 0) {
      close();
      return;
    }
    initialized_ = true;
    unsigned n = 0;
    if (count_(&n) == 0) count_n_ = n;
  }
  nvml_library(const nvml_library&) = delete;
  nvml_library& operator=(const nvml_library&) = delete;
  ~nvml_library() { close(); }

  bool available() const { return initialized_; }
  unsigned device_count() const { return initialized_ ? count_n_ : 0; }

  gpu_info info(unsigned i) const {
    gpu_info g;
    void* dev = device(i);
    if (!dev) return g;
    char buf[96] = {};
    if (name_(dev, buf, sizeof buf - 1) == 0) g.name = buf;
    memory m;
    if (mem_(dev, &m) == 0) g.memory_total = m.total;
    return g;
  }

  gpu_sample sample(unsigned i) const {
    gpu_sample s;
    void* dev = device(i);
    if (!dev) return s;
    struct {
      unsigned gpu, mem;
    } u{};
    if (util_(dev, &u) == 0) s.utilization_gpu = u.gpu, s.utilization_memory = u.mem;
    memory m;
    if (mem_(dev, &m) == 0) s.mem = m;
    unsigned t = 0;
    if (temp_(dev, 0 /* NVML_TEMPERATURE_GPU */, &t) == 0) s.temperature_c = t;
    unsigned mw = 0;
    if (power_(dev, &mw) == 0) s.power_w = mw / 1000.0;
    if (limit_ && limit_(dev, &mw) == 0 && mw > 0) s.power_limit_w = mw / 1000.0;
    return s;
  }

  /// The CUDA version the driver supports ("12.4"), empty when unknown.
  std::string cuda_version() const {
    int v = 0;
    if (!initialized_ || !cuda_version_ || cuda_version_(&v) != 0 || v <= 0) return {};
    return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
  }

 private:
  template <class F>
  bool load(F& f, const char* sym) {
    f = reinterpret_cast<F>(::dlsym(handle_, sym));
    return f != nullptr;
  }
  void* device(unsigned i) const {
    if (!initialized_ || i >= count_n_) return nullptr;
    void* dev = nullptr;
    return by_index_(i, &dev) == 0 ? dev : nullptr;
  }
  void close() {
    if (initialized_ && shutdown_) shutdown_();
    initialized_ = false;
    if (handle_) ::dlclose(handle_);
    handle_ = nullptr;
  }

  void* handle_ = nullptr;
  bool initialized_ = false;
  unsigned count_n_ = 0;
  int (*init_)() = nullptr;
  int (*shutdown_)() = nullptr;
  int (*count_)(unsigned*) = nullptr;
  int (*by_index_)(unsigned, void**) = nullptr;
  int (*name_)(void*, char*, unsigned) = nullptr;
  int (*util_)(void*, void*) = nullptr;
  int (*mem_)(void*, memory*) = nullptr;
  int (*temp_)(void*, int, unsigned*) = nullptr;
  int (*power_)(void*, unsigned*) = nullptr;
  int (*limit_)(void*, unsigned*) = nullptr;
  int (*cuda_version_)(int*) = nullptr;
};

}  // namespace vitals::detail
