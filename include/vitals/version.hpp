// vitals version macros; kept in step with project(VERSION) in CMakeLists.txt (a test checks it).
#pragma once

#define VITALS_VERSION_MAJOR 0
#define VITALS_VERSION_MINOR 1
#define VITALS_VERSION_PATCH 0
#define VITALS_VERSION_STRING "0.1.0"
