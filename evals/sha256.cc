#include "evals/sha256.h"

#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "base/check.h"

namespace lfm::evals {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  LFM_CHECK(ctx_ != nullptr && EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1,
            "OpenSSL SHA-256 initialisation failed");
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::Update(const void* data, size_t size) {
  LFM_CHECK(EVP_DigestUpdate(ctx_, data, size) == 1, "OpenSSL SHA-256 update failed");
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  LFM_CHECK(EVP_DigestFinal_ex(ctx_, digest, &length) == 1, "OpenSSL SHA-256 final failed");
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string Sha256Hex(std::string_view data) {
  Sha256 hash;
  hash.Update(data.data(), data.size());
  return hash.HexDigest();
}

StatusOr<std::string> Sha256File(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(StatusCode::kNotFound, "{}: cannot open", path);
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hash.Update(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return Error(StatusCode::kIo, "{}: read failed", path);
  return hash.HexDigest();
}

}  // namespace lfm::evals
