// Finding credentials the way AWS tools do (credentials.h), with a fake environment.
#include <hangar/s3/credentials.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "support/test_util.h"

using namespace hangar::s3;

namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

struct TempFolder {
  std::filesystem::path path;
  TempFolder() {
    path = std::filesystem::temp_directory_path() /
           ("hangar-s3-creds-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
    std::filesystem::create_directories(path / ".aws");
  }
  ~TempFolder() { std::filesystem::remove_all(path); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
  }
};

constexpr const char* kFile =
    "# comment\n[default]\naws_access_key_id = DEFKEY\naws_secret_access_key=defsecret\n\n"
    "[dev]\n ; another comment\naws_access_key_id= DEVKEY \naws_secret_access_key = devsecret\n"
    "aws_session_token = devtoken\n[broken]\naws_access_key_id = ONLYKEY\n";

}  // namespace

TEST_CASE("environment variables come first", "[s3][credentials]") {
  TempFolder home;
  home.write(".aws/credentials", kFile);
  const auto c = find_credentials(fake_env({{"AWS_ACCESS_KEY_ID", "ENVKEY"},
                                            {"AWS_SECRET_ACCESS_KEY", "envsecret"},
                                            {"AWS_SESSION_TOKEN", "envtoken"},
                                            {"AWS_PROFILE", "dev"},
                                            {"HOME", home.path.string()}}));
  CHECK(c.access_key_id == "ENVKEY");
  CHECK(c.secret_access_key == "envsecret");
  CHECK(c.session_token == "envtoken");
  CHECK(c.source == "environment");
}

TEST_CASE("profiles of ~/.aws/credentials, chosen by AWS_PROFILE", "[s3][credentials]") {
  TempFolder home;
  home.write(".aws/credentials", kFile);
  const auto def = find_credentials(fake_env({{"HOME", home.path.string()}}));
  CHECK(def.access_key_id == "DEFKEY");
  CHECK(def.secret_access_key == "defsecret");
  CHECK(def.session_token.empty());
  CHECK(def.source.find("profile 'default'") == 0);
  const auto dev =
      find_credentials(fake_env({{"HOME", home.path.string()}, {"AWS_PROFILE", "dev"}}));
  CHECK(dev.access_key_id == "DEVKEY");
  CHECK(dev.secret_access_key == "devsecret");
  CHECK(dev.session_token == "devtoken");
}

TEST_CASE("AWS_SHARED_CREDENTIALS_FILE names another file", "[s3][credentials]") {
  TempFolder home;
  home.write("elsewhere", "[default]\naws_access_key_id=K2\naws_secret_access_key=S2\n");
  const auto c = find_credentials(
      fake_env({{"HOME", "/nonexistent"},
                {"AWS_SHARED_CREDENTIALS_FILE", (home.path / "elsewhere").string()}}));
  CHECK(c.access_key_id == "K2");
}

TEST_CASE("missing or half-given credentials are clear errors", "[s3][credentials]") {
  TempFolder home;
  home.write(".aws/credentials", kFile);
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(find_credentials(fake_env({{"HOME", "/nonexistent"}})),
                    Contains("no S3 credentials found") && Contains("AWS_ACCESS_KEY_ID"));
  CHECK_THROWS_WITH(find_credentials(fake_env({{"AWS_ACCESS_KEY_ID", "K"}})),
                    Contains("AWS_SECRET_ACCESS_KEY is not"));
  CHECK_THROWS_WITH(
      find_credentials(fake_env({{"HOME", home.path.string()}, {"AWS_PROFILE", "nope"}})),
      Contains("profile 'nope'") && Contains("AWS_PROFILE"));
  CHECK_THROWS_WITH(
      find_credentials(fake_env({{"HOME", home.path.string()}, {"AWS_PROFILE", "broken"}})),
      Contains("lacks aws_access_key_id or aws_secret_access_key") && !Contains("ONLYKEY"));
}

TEST_CASE("region and endpoint from the environment", "[s3][credentials]") {
  CHECK(find_region(fake_env({})) == "us-east-1");
  CHECK(find_region(fake_env({{"AWS_DEFAULT_REGION", "eu-west-1"}})) == "eu-west-1");
  CHECK(find_region(fake_env({{"AWS_DEFAULT_REGION", "eu-west-1"}, {"AWS_REGION", "x"}})) == "x");
  CHECK_FALSE(find_endpoint(fake_env({})).has_value());
  CHECK(find_endpoint(fake_env({{"AWS_ENDPOINT_URL", "http://a"}})) == "http://a");
  CHECK(find_endpoint(fake_env({{"AWS_ENDPOINT_URL", "http://a"},
                                {"AWS_ENDPOINT_URL_S3", "http://b"}})) == "http://b");
}
