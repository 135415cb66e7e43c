// The Ceph RGW that the ctest fixture s3:rgw-up started (tests/s3/rgw-up.sh): read from the
// env file named by HANGAR_S3_ENV. Tests tagged [rgw] fail (never skip) without it.
#pragma once

#include <hangar/s3/client.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <string>

namespace hangar::s3::testing {

inline const std::map<std::string, std::string>& rgw_env() {
  static const std::map<std::string, std::string> vars = [] {
    std::map<std::string, std::string> out;
    const char* file = std::getenv("HANGAR_S3_ENV");
    if (file == nullptr) return out;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      const auto eq = line.find('=');
      if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return out;
  }();
  if (vars.count("HANGAR_S3_ENDPOINT") == 0)
    FAIL(
        "no RGW: run these tests through ctest (fixture s3:rgw-up), or start one with "
        "tests/s3/rgw-up.sh ENV_FILE and set HANGAR_S3_ENV=ENV_FILE");
  return vars;
}

inline ClientOptions rgw_options() {
  const auto& env = rgw_env();
  ClientOptions o;
  o.endpoint = env.at("HANGAR_S3_ENDPOINT");
  o.bucket = env.at("HANGAR_S3_BUCKET");
  o.region = env.at("HANGAR_S3_REGION");
  o.backoff_base = std::chrono::milliseconds(20);
  return o;
}

inline Credentials rgw_credentials() {
  const auto& env = rgw_env();
  return {env.at("AWS_ACCESS_KEY_ID"), env.at("AWS_SECRET_ACCESS_KEY"), "", "test env file"};
}

// A key prefix no other test (or earlier run) uses: tests share one bucket and run in parallel.
inline std::string unique_prefix(const std::string& name) {
  static std::atomic<int> n{0};
  std::random_device rd;
  return "t/" + name + "-" + std::to_string(rd()) + "-" + std::to_string(n++) + "/";
}

inline Bytes pattern_bytes(std::size_t n, std::uint32_t seed) {
  Bytes out(n);
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& b : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<std::byte>(x);
  }
  return out;
}

}  // namespace hangar::s3::testing
