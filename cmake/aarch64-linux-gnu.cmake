# Cross-compiling for Linux arm64 (glibc) with Debian's gcc-aarch64-linux-gnu and
# g++-aarch64-linux-gnu: the arm64 prebuilt addon (scripts/prebuild.mjs). Nothing
# runs it here (Node arm64 hangs under qemu-user 7.2); readelf checks it.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
