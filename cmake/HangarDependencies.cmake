# Every third-party dependency is found here, and only here.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(zstd CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
pkg_check_modules(LMDB REQUIRED IMPORTED_TARGET lmdb)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
# OpenSSL (libssl-dev): libcrypto's SHA-256, the digest of every object and chunk (format 2);
# libssl, TLS for 'hangar server --tls-cert' and https:// remotes (decision 0017).
find_package(OpenSSL REQUIRED COMPONENTS Crypto SSL)
# libcurl (libcurl4-openssl-dev), s3/: S3 requests signed with CURLOPT_AWS_SIGV4 (7.75+).
find_package(CURL 7.75 REQUIRED)
pkg_check_modules(SPNG REQUIRED IMPORTED_TARGET spng)
pkg_check_modules(JPEG REQUIRED IMPORTED_TARGET libjpeg)
# cpp-httplib (remote/): Debian ships it compiled; its .pc carries the feature defines.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
if(HANGAR_BUILD_TESTS)
  find_package(Catch2 REQUIRED)
endif()
# libb2 (libb2-dev), optional: bench_digest measures BLAKE2b beside SHA-256 when it is there.
if(HANGAR_BUILD_BENCH)
  pkg_check_modules(LIBB2 IMPORTED_TARGET libb2)
endif()

# HDF5 (backend "h0"): Debian's libhdf5-dev, serial flavour. FindHDF5 gives HDF5::HDF5.
set(HDF5_PREFER_PARALLEL OFF)
find_package(HDF5 REQUIRED COMPONENTS C)

# Python package (python/): Debian's python3-dev + pybind11-dev. Debian's own interpreter is the
# default, since python3-numpy and python3-torch are installed for it (a pyenv or conda python3
# first on PATH has neither); -DPython_EXECUTABLE=... picks another.
if(HANGAR_BUILD_PYTHON)
  if(NOT DEFINED Python_EXECUTABLE AND EXISTS /usr/bin/python3)
    set(Python_EXECUTABLE /usr/bin/python3)
  endif()
  find_package(Python 3.9 REQUIRED COMPONENTS Interpreter Development.Module)
  set(PYBIND11_FINDPYTHON ON)
  find_package(pybind11 CONFIG REQUIRED)
endif()
