// A private CA and certificates made with OpenSSL for the TLS tests (P-256 keys, SHA-256
// signatures), written as PEM files into a test folder; and an environment variable set for
// one scope (SSL_CERT_FILE, which OpenSSL reads at each client's first connection).
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace hangar::remote::test {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

struct CertFiles {
  std::filesystem::path cert;  // PEM certificate (then the chain, when asked)
  std::filesystem::path key;   // PEM private key
};

class TestPki {
 public:
  // A CA "hangar test CA <name>", its certificate in DIR/<name>-ca.pem.
  TestPki(std::filesystem::path dir, const std::string& name = "test")
      : dir_(std::move(dir)), ca_key_(EVP_EC_gen("P-256")) {
    REQUIRE(ca_key_);
    ca_ = make("hangar test CA " + name, "", ca_key_.get(), nullptr, ca_key_.get(), true, -1, 30);
    ca_path_ = dir_ / (name + "-ca.pem");
    write_cert(ca_path_, ca_.get(), nullptr);
  }

  const std::filesystem::path& ca() const { return ca_path_; }

  // A server certificate signed by the CA for `names` ("DNS:localhost,IP:127.0.0.1"), valid
  // from `from_days` to `to_days` around now: DIR/<file>.pem and DIR/<file>.key.
  CertFiles issue(const std::string& file, const std::string& names, long from_days = -1,
                  long to_days = 30) {
    Pkey key(EVP_EC_gen("P-256"));
    REQUIRE(key);
    Cert cert = make(file, names, key.get(), ca_.get(), ca_key_.get(), false, from_days, to_days);
    CertFiles out{dir_ / (file + ".pem"), dir_ / (file + ".key")};
    write_cert(out.cert, cert.get(), nullptr);
    write_key(out.key, key.get(), nullptr);
    return out;
  }

  // A server certificate for `names` signed by an intermediate CA that the CA signed: the
  // certificate file holds the server's certificate, then the intermediate's.
  CertFiles issue_via_intermediate(const std::string& file, const std::string& names) {
    Pkey mid_key(EVP_EC_gen("P-256"));
    Pkey key(EVP_EC_gen("P-256"));
    REQUIRE((mid_key && key));
    Cert mid = make("hangar test intermediate CA", "", mid_key.get(), ca_.get(), ca_key_.get(),
                    true, -1, 30);
    Cert cert = make(file, names, key.get(), mid.get(), mid_key.get(), false, -1, 30);
    CertFiles out{dir_ / (file + ".pem"), dir_ / (file + ".key")};
    write_cert(out.cert, cert.get(), mid.get());
    write_key(out.key, key.get(), nullptr);
    return out;
  }

  // Writes the private key in `from` to `to`, encrypted with a passphrase.
  static void write_encrypted_key(const std::filesystem::path& from,
                                  const std::filesystem::path& to) {
    FILE* in = std::fopen(from.c_str(), "rb");
    REQUIRE(in);
    Pkey key(PEM_read_PrivateKey(in, nullptr, nullptr, nullptr));
    std::fclose(in);
    REQUIRE(key);
    write_key(to, key.get(), EVP_aes_256_cbc());
  }

 private:
  static Cert make(const std::string& cn, const std::string& names, EVP_PKEY* key, X509* issuer,
                   EVP_PKEY* issuer_key, bool is_ca, long from_days, long to_days) {
    Cert x(X509_new());
    REQUIRE(x);
    static long serial = 1;
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), ++serial);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), from_days * 86400);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), to_days * 86400);
    X509_set_pubkey(x.get(), key);
    X509_NAME* subject = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : subject);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : x.get(), x.get(), nullptr, nullptr, 0);
    add_ext(x.get(), &ctx, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE");
    if (is_ca) {
      add_ext(x.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
      add_ext(x.get(), &ctx, NID_ext_key_usage, "serverAuth");
      if (!names.empty()) add_ext(x.get(), &ctx, NID_subject_alt_name, names);
    }
    REQUIRE(X509_sign(x.get(), issuer_key, EVP_sha256()) > 0);
    return x;
  }

  static void add_ext(X509* x, X509V3_CTX* ctx, int nid, const std::string& value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
    REQUIRE(ext);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }

  static void write_cert(const std::filesystem::path& p, X509* cert, X509* chain) {
    FILE* f = std::fopen(p.c_str(), "wb");
    REQUIRE(f);
    REQUIRE(PEM_write_X509(f, cert) == 1);
    if (chain) REQUIRE(PEM_write_X509(f, chain) == 1);
    std::fclose(f);
  }

  static void write_key(const std::filesystem::path& p, EVP_PKEY* key, const EVP_CIPHER* cipher) {
    FILE* f = std::fopen(p.c_str(), "wb");
    REQUIRE(f);
    static char passphrase[] = "secret";
    REQUIRE(PEM_write_PrivateKey(f, key, cipher, nullptr, 0, nullptr,
                                 cipher ? passphrase : nullptr) == 1);
    std::fclose(f);
  }

  std::filesystem::path dir_;
  Pkey ca_key_;
  Cert ca_;
  std::filesystem::path ca_path_;
};

// Sets (or with nullopt unsets) an environment variable until the scope ends.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace hangar::remote::test
