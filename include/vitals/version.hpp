// vitals version macros; kept in step with project(VERSION) in CMakeLists.txt (a test checks it).
#pragma once

#define VITALS_VERSION_MAJOR 0
#define VITALS_VERSION_MINOR 1
#define VITALS_VERSION_PATCH 0
#define VITALS_VERSION_STRING "0.1.0"

// The versioned inline namespace every vitals name lives in (as fmt's `fmt::v10`): users write
// vitals::run, the linker sees vitals::v0_1::run, so two versions of vitals linked into one program
// get distinct symbols instead of silently merged inline functions (an ODR violation). Bump it
// with the version whenever the layout or behaviour of an inline entity changes.
#define VITALS_ABI v0_1
#define VITALS_ABI_STRING "v0_1"

// How the library's non-template bodies are compiled (docs/building.md):
//  - header-only (the default, nothing defined): every body is in the headers, `inline`.
//  - compiled: the CMake target vitals::vitals (and vitals.pc) define VITALS_COMPILED for the
//    user's files, which then see declarations only; the bodies are compiled once, in the
//    library (src/vitals.cpp, which defines VITALS_IMPLEMENTATION). With the single header the
//    same works by hand: VITALS_COMPILED everywhere, VITALS_IMPLEMENTATION in one file.
// A header keeps its heavy non-template bodies in a `.ipp` beside it, included at its end when
// VITALS_HEADER_BODIES is 1; those bodies are declared VITALS_INLINE (inline, except in the one
// file that compiles them, where they become ordinary strong definitions).
#if defined(VITALS_IMPLEMENTATION)
#define VITALS_INLINE
#define VITALS_HEADER_BODIES 1
#elif defined(VITALS_COMPILED)
#define VITALS_INLINE
#define VITALS_HEADER_BODIES 0
#else
#define VITALS_INLINE inline
#define VITALS_HEADER_BODIES 1
#endif
