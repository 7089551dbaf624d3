// The single header in a .cu file: the same program, compiled by nvcc.
#include "single_header_program.cpp"
