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
