// The seed examples' main(): a usage error (bad flag, config or option) prints its message and exits
// 2, anything else exits 1 with the error; the example's body stays free of the try/catch.
//   int main(int argc, char** argv) { return ex::guarded_main("kfold_cmi", [&] { return run_example(argc, argv); }); }
#pragma once

#include <cstdio>
#include <exception>

#include "vitals/config/error.hpp"

namespace ex {

template <class Body>
int guarded_main(const char* program, Body&& body) {
  try {
    return body();
  } catch (const vitals::usage_error& e) {
    vitals::exit_usage_error(program, e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", program, e.what());
    return 1;
  }
}

}  // namespace ex
