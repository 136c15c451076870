#include "base/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "base/check.h"

namespace lfm {

StatusOr<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return Error(err == ENOENT ? StatusCode::kNotFound : StatusCode::kIo, "{}: cannot open: {}",
                 path, std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error(StatusCode::kIo, "{}: not a regular file", path);
  }
  const size_t size = static_cast<size_t>(st.st_size);
  const uint8_t* data = nullptr;
  if (size > 0) {
    void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (mapping == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      return Error(StatusCode::kIo, "{}: cannot mmap: {}", path, std::strerror(err));
    }
    data = static_cast<const uint8_t*>(mapping);
  }
  ::close(fd);
  return std::unique_ptr<MappedFile>(new MappedFile(path, data, size));
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

void MappedFile::Release(const uint8_t* begin, size_t bytes) const {
  LFM_CHECK(begin >= data_ && begin + bytes <= data_ + size_, "range outside {}", path_);
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t first = (reinterpret_cast<uintptr_t>(begin) + page - 1) / page * page;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(begin) + bytes) / page * page;
  // Advice only: if it fails the pages merely stay resident.
  if (end > first) ::madvise(reinterpret_cast<void*>(first), end - first, MADV_DONTNEED);
}

AnonymousBuffer::AnonymousBuffer(size_t size) : size_(size) {
  if (size == 0) return;
  void* mapping = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  LFM_CHECK(mapping != MAP_FAILED, "cannot map {} bytes: {}", size, std::strerror(errno));
  ::madvise(mapping, size, MADV_HUGEPAGE);  // advice: without THP the buffer works the same
  data_ = static_cast<uint8_t*>(mapping);
}

AnonymousBuffer::~AnonymousBuffer() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

}  // namespace lfm
