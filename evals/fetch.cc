#include "evals/fetch.h"

#include <curl/curl.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "base/progress.h"
#include "evals/sha256.h"

namespace lfm::evals {
namespace {

namespace fs = std::filesystem;

struct Transfer {
  std::FILE* out = nullptr;
  Sha256 hash;
  int64_t bytes = 0;
  bool write_failed = false;
  std::unique_ptr<Progress> progress;
  std::string label;
  bool show_progress = false;
};

size_t OnData(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (std::fwrite(data, 1, n, t->out) != n) {
    t->write_failed = true;
    return 0;  // makes curl abort with CURLE_WRITE_ERROR
  }
  t->hash.Update(data, n);
  t->bytes += static_cast<int64_t>(n);
  return n;
}

int OnProgress(void* user, curl_off_t total, curl_off_t done, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (!t->show_progress) return 0;
  if (!t->progress && total > 0) {
    t->progress = std::make_unique<Progress>(t->label, (total + 1023) / 1024, "KiB");
  }
  if (t->progress) t->progress->Set(done / 1024);
  return 0;
}

void CurlInitOnce() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == 0;
  (void)ok;
}

}  // namespace

Status DownloadFile(const std::string& url, const std::string& dest, const DownloadOptions& options) {
  CurlInitOnce();
  std::error_code ec;
  const fs::path dest_path(dest);
  if (dest_path.has_parent_path()) fs::create_directories(dest_path.parent_path(), ec);
  if (ec) return Error(StatusCode::kIo, "{}: cannot create directory: {}", dest, ec.message());
  const std::string part = dest + ".part";
  Transfer transfer;
  transfer.out = std::fopen(part.c_str(), "wb");
  if (!transfer.out) return Error(StatusCode::kIo, "{}: cannot write", part);
  transfer.label = dest_path.filename().string();
  transfer.show_progress = options.show_progress;

  CURL* curl = curl_easy_init();
  char curl_error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "lfmbench");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options.connect_timeout_s);
  // A stalled transfer (< 1 byte/s for 60 s) fails instead of hanging forever.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnData);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
  const CURLcode rc = curl_easy_perform(curl);
  long http_code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_code);
  curl_easy_cleanup(curl);
  const bool closed = std::fclose(transfer.out) == 0;
  if (transfer.progress) transfer.progress->Finish();

  Status status;
  if (rc != CURLE_OK) {
    if (transfer.write_failed || rc == CURLE_WRITE_ERROR) {
      status = Error(StatusCode::kIo, "{}: write failed while downloading {}", part, url);
    } else if (http_code == 404) {
      status = Error(StatusCode::kNotFound, "{}: HTTP 404 (not found)", url);
    } else {
      status = Error(StatusCode::kIo, "{}: download failed: {}", url,
                     curl_error[0] ? curl_error : curl_easy_strerror(rc));
    }
  } else if (!closed) {
    status = Error(StatusCode::kIo, "{}: write failed (disk full?)", part);
  } else if (const std::string actual = transfer.hash.HexDigest();
             !options.expected_sha256.empty() && actual != options.expected_sha256) {
    status = Error(StatusCode::kDataLoss,
                   "{}: checksum mismatch: expected sha256 {}, got {} ({} bytes); file not kept", url,
                   options.expected_sha256, actual, transfer.bytes);
  } else {
    fs::rename(part, dest, ec);
    if (ec) status = Error(StatusCode::kIo, "{}: cannot rename to {}: {}", part, dest, ec.message());
  }
  if (!status.ok()) fs::remove(part, ec);
  return status;
}

}  // namespace lfm::evals
