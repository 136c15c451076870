// SHA-256 of files and strings (OpenSSL EVP), as lower-case hex.
#pragma once

#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "base/status.h"

namespace lfm::evals {

// Incremental hashing for streamed data (downloads).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* data, size_t size);
  // The digest as 64 lower-case hex characters; call once.
  std::string HexDigest();

 private:
  EVP_MD_CTX* ctx_;
};

std::string Sha256Hex(std::string_view data);
// kNotFound / kIo naming the file.
StatusOr<std::string> Sha256File(const std::string& path);

}  // namespace lfm::evals
