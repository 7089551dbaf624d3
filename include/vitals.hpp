// vitals: typed configs, runs, metric sinks and training-health statistics for C++ training code.
// One include for everything; each layer can also be included on its own (vitals/<layer>.hpp).
#pragma once

#include "vitals/version.hpp"
#include "vitals/reflect.hpp"
