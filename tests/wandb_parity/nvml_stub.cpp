// A stand-in for libnvidia-ml.so.1 with the symbols vitals loads (C linkage, as NVML's): two fake
// GPUs with fixed readings, so the NVML path of the system metrics sampler and the environment record
// are tested on machines without a GPU. Loaded through VITALS_NVML_LIBRARY.
#include <cstdio>

extern "C" {

struct nvml_memory {
  unsigned long long total, free, used;
};
struct nvml_utilization {
  unsigned gpu, memory;
};

// Reference counted, as NVML's own: a library instance that shuts down (the environment record's)
// leaves another one (a sampler's) working.
static int initialized;

int nvmlInit_v2(void) { ++initialized; return 0; }
int nvmlShutdown(void) { if (initialized > 0) --initialized; return 0; }
int nvmlDeviceGetCount_v2(unsigned *n) { if (!initialized) return 1; *n = 2; return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned i, void **dev) {
  if (!initialized || i >= 2) return 2;
  *dev = reinterpret_cast<void *>(static_cast<unsigned long>(i + 1)); // handles 1 and 2
  return 0;
}
static int index_of(void *dev) { return static_cast<int>(reinterpret_cast<unsigned long>(dev)) - 1; }
int nvmlDeviceGetName(void *dev, char *name, unsigned len) {
  std::snprintf(name, len, "Fake GPU %d", index_of(dev));
  return 0;
}
int nvmlDeviceGetUtilizationRates(void *dev, nvml_utilization *u) {
  u->gpu = 37u + static_cast<unsigned>(index_of(dev));
  u->memory = 11u + static_cast<unsigned>(index_of(dev));
  return 0;
}
int nvmlDeviceGetMemoryInfo(void *dev, nvml_memory *m) {
  m->total = 80ULL << 30;
  m->used = (8ULL << 30) * static_cast<unsigned long long>(index_of(dev) + 1);
  m->free = m->total - m->used;
  return 0;
}
int nvmlDeviceGetTemperature(void *dev, int sensor, unsigned *t) {
  if (sensor != 0) return 2;
  *t = 50u + static_cast<unsigned>(index_of(dev));
  return 0;
}
int nvmlDeviceGetPowerUsage(void *dev, unsigned *mw) { *mw = 200000u + 1000u * static_cast<unsigned>(index_of(dev)); return 0; }
int nvmlDeviceGetEnforcedPowerLimit(void *dev, unsigned *mw) { (void)dev; *mw = 400000; return 0; }
int nvmlSystemGetCudaDriverVersion_v2(int *v) { *v = 12040; return 0; }

}  // extern "C"
