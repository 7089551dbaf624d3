// The one file of single_header_compiled that compiles vitals' bodies (stb-style use of the single
// header); single_header_program.cpp, built with VITALS_COMPILED, only declares them.
#define VITALS_IMPLEMENTATION
#include <vitals.hpp>
