// Downloads one file over HTTP(S) with libcurl, verifying its SHA-256 while it streams. The file
// is written to "<dest>.part" and renamed into place only after the checksum matches, so a
// destination path never holds a partial or wrong file.
#pragma once

#include <string>

#include "base/status.h"

namespace lfm::evals {

struct DownloadOptions {
  std::string expected_sha256;  // lower-case hex; "" skips the check
  bool show_progress = true;    // a Progress line on stderr
  long connect_timeout_s = 30;
};

// Downloads `url` to `dest` (parent directories are created). Errors name the URL and the cause:
// kNotFound for HTTP 404, kIo for network/HTTP/disk failures, kDataLoss for a checksum mismatch
// (the .part file is removed in every failure case).
Status DownloadFile(const std::string& url, const std::string& dest, const DownloadOptions& options);

}  // namespace lfm::evals
