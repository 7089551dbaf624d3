# Distributed back ends (docs/distributed.md), both optional and found here so that the tests and
# a parent project see them:
#   vitals::mpi   vitals + MPI (vitals/dist/mpi.hpp), when find_package(MPI) finds a C++ MPI
#   vitals::nccl  vitals + NCCL + the CUDA runtime (cuda/vitals/nccl.cuh), when nccl.h and
#                 libnccl are found (the CUDA toolkit ships them; Debian: libnccl-dev)
# Not exported: a downstream project links MPI::MPI_CXX or NCCL itself next to vitals::vitals.
find_package(MPI COMPONENTS CXX QUIET)
set(VITALS_HAS_MPI OFF)
if(MPI_CXX_FOUND)
  set(VITALS_HAS_MPI ON)
  add_library(vitals_mpi INTERFACE)
  add_library(vitals::mpi ALIAS vitals_mpi)
  target_link_libraries(vitals_mpi INTERFACE vitals::vitals MPI::MPI_CXX)
endif()

find_package(CUDAToolkit QUIET)
find_path(VITALS_NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda/include)
find_library(VITALS_NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR} /usr/local/cuda/lib64)
set(VITALS_HAS_NCCL OFF)
if(CUDAToolkit_FOUND AND VITALS_NCCL_INCLUDE_DIR AND VITALS_NCCL_LIBRARY)
  set(VITALS_HAS_NCCL ON)
  add_library(vitals_nccl INTERFACE)
  add_library(vitals::nccl ALIAS vitals_nccl)
  target_include_directories(vitals_nccl SYSTEM INTERFACE ${VITALS_NCCL_INCLUDE_DIR})
  target_link_libraries(vitals_nccl INTERFACE vitals::vitals ${VITALS_NCCL_LIBRARY} CUDA::cudart)
endif()
message(STATUS "vitals: distributed back ends: MPI ${VITALS_HAS_MPI}, NCCL ${VITALS_HAS_NCCL}")
