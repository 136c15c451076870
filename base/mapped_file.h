// A read-only memory mapping of a whole file. Model weights are used in place from it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"

namespace lfm {

class MappedFile {
 public:
  // Maps `path` read-only. Fails with kNotFound / kIo naming the file and the OS error.
  static StatusOr<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Drops this process's mapping of the whole pages inside [begin, begin + bytes), a range of
  // data() whose contents were copied elsewhere: they leave the resident set (a later read
  // would fault them back in from the file).
  void Release(const uint8_t* begin, size_t bytes) const;

 private:
  MappedFile(std::string path, const uint8_t* data, size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}

  std::string path_;
  const uint8_t* data_;
  size_t size_;
};

// Page-aligned anonymous memory of a fixed size, with transparent huge pages requested (weights
// read once per token suffer fewer TLB misses on 2 MiB pages). Zero-filled; freed on
// destruction.
class AnonymousBuffer {
 public:
  // Aborts when the memory cannot be mapped (as operator new would throw).
  explicit AnonymousBuffer(size_t size);
  ~AnonymousBuffer();
  AnonymousBuffer(const AnonymousBuffer&) = delete;
  AnonymousBuffer& operator=(const AnonymousBuffer&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace lfm
