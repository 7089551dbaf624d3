// The one place vitals includes simdjson. simdjson 3.0's x86 kernels use target attributes that
// nvcc's front end rejects, so under __CUDACC__ only the fallback kernel is compiled; .cpp files keep
// the fast kernels (JSON parsing is host work either way).
#pragma once

#if defined(__CUDACC__)
#ifndef SIMDJSON_IMPLEMENTATION_ICELAKE
#define SIMDJSON_IMPLEMENTATION_ICELAKE 0
#endif
#ifndef SIMDJSON_IMPLEMENTATION_HASWELL
#define SIMDJSON_IMPLEMENTATION_HASWELL 0
#endif
#ifndef SIMDJSON_IMPLEMENTATION_WESTMERE
#define SIMDJSON_IMPLEMENTATION_WESTMERE 0
#endif
#endif
#include <simdjson.h>
