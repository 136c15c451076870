// GGUF files: a bounds-checked reader over an mmap and a streaming writer.
//
// Layout (v2 and v3; all little-endian):
//   u32 magic "GGUF", u32 version, u64 n_tensors, u64 n_kv
//   n_kv      x { string key, u32 value_type, value }
//   n_tensors x { string name, u32 n_dims, u64 ne[n_dims], u32 ggml_type, u64 offset }
//   padding to `general.alignment` (default 32), then the tensor data blob;
//   tensor i starts at blob + offset_i (a multiple of the alignment).
//   string = u64 length + bytes; array = u32 element type + u64 count + elements.
// ne[0] is the innermost (contiguous) dimension: a PyTorch [out, in] weight is ne = {in, out}.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/mapped_file.h"
#include "base/status.h"
#include "kernels/dtype.h"

namespace lfm::engine {

enum class GgufValueType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
std::string_view GgufValueTypeName(GgufValueType type);

// One metadata value: a scalar (size() == 1) or an array of scalars (nested arrays are not
// supported). Integers and bools live in `ints` (u64 as its bit pattern), floats in `floats`.
struct GgufValue {
  GgufValueType type = GgufValueType::kU32;       // kArray for arrays
  GgufValueType elem_type = GgufValueType::kU32;  // the element type; == type for scalars
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string> strings;

  bool is_array() const { return type == GgufValueType::kArray; }
  size_t size() const;
  bool is_integer() const;  // element type is one of the integer types
  bool is_float() const;    // element type is f32 or f64

  static GgufValue U32(uint32_t v);
  static GgufValue I32(int32_t v);
  static GgufValue F32(float v);
  static GgufValue Bool(bool v);
  static GgufValue String(std::string v);
  static GgufValue I32Array(const std::vector<int32_t>& v);
  static GgufValue StringArray(std::vector<std::string> v);
};

struct GgufTensorInfo {
  std::string name;
  std::vector<int64_t> ne;  // GGUF order: ne[0] innermost
  kernels::DType type = kernels::DType::kF32;
  uint64_t offset = 0;  // from the start of the data blob
  uint64_t nbytes = 0;

  int64_t num_elements() const;
  std::string ShapeString() const;  // "{2048, 6144}"
};

class GgufFile {
 public:
  // Maps and validates `path`. Every problem (truncation, bad magic or version, absurd counts
  // or lengths, unknown types, duplicated keys or tensors, data out of bounds or overlapping)
  // is an error whose message starts with the path.
  static StatusOr<std::unique_ptr<GgufFile>> Open(const std::string& path);
  // Validates an in-memory image; `name` stands for the path in messages. `data` must outlive
  // the result.
  static StatusOr<std::unique_ptr<GgufFile>> Parse(std::string name, const uint8_t* data,
                                                   size_t size);

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  size_t file_size() const { return size_; }
  // Bytes before the data blob: header, metadata, tensor directory and padding.
  uint64_t data_offset() const { return data_offset_; }
  const uint8_t* file_data() const { return data_; }

  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return metadata_; }
  const GgufValue* Find(std::string_view key) const;  // nullptr when absent

  // Typed lookups. Errors name the file, the key, and the type found.
  StatusOr<uint64_t> GetUInt(std::string_view key) const;  // any non-negative integer type
  StatusOr<int64_t> GetInt(std::string_view key) const;    // any integer type
  StatusOr<double> GetFloat(std::string_view key) const;   // f32 or f64
  StatusOr<bool> GetBool(std::string_view key) const;
  StatusOr<std::string> GetString(std::string_view key) const;
  StatusOr<std::vector<std::string>> GetStringArray(std::string_view key) const;
  StatusOr<std::vector<int64_t>> GetIntArray(std::string_view key) const;

  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* FindTensor(std::string_view name) const;  // nullptr when absent
  const uint8_t* TensorData(const GgufTensorInfo& tensor) const {
    return data_ + data_offset_ + tensor.offset;
  }
  // Drops the mapped pages of [data, data + bytes), bytes of this file copied elsewhere, from
  // the resident set (MappedFile::Release); nothing for an in-memory image.
  void ReleasePages(const void* data, uint64_t bytes) const;

 private:
  GgufFile() = default;
  Status ParseAll();
  Status Fail(const std::string& what) const;

  std::string path_;
  std::unique_ptr<MappedFile> mapping_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  uint32_t version_ = 0;
  uint32_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::vector<GgufTensorInfo> tensors_;
};

// Writes a GGUF v3 file in one pass with bounded memory: declare all metadata and tensor
// infos, then stream each tensor's bytes in declaration order. The file is written under
// "<path>.part" and renamed on Finish(), so a failure never leaves a truncated file at `path`.
class GgufWriter {
 public:
  static StatusOr<std::unique_ptr<GgufWriter>> Create(const std::string& path,
                                                      uint32_t alignment = 32);
  ~GgufWriter();

  void AddMetadata(std::string key, GgufValue value);
  void AddTensor(std::string name, std::vector<int64_t> ne, kernels::DType type);

  // Writes the next declared tensor's data (exactly its byte size; may be given in pieces:
  // the tensor is complete once its bytes are all written).
  Status WriteTensorData(const void* data, size_t nbytes);
  // Checks every tensor was written, flushes, closes and renames into place.
  Status Finish();

  uint64_t bytes_written() const { return bytes_written_; }

 private:
  GgufWriter(std::string path, std::FILE* file, uint32_t alignment)
      : path_(std::move(path)), file_(file), alignment_(alignment) {}
  Status WriteHeader();
  Status Write(const void* data, size_t n);
  Status PadTo(uint64_t multiple);

  std::string path_;
  std::FILE* file_;
  uint32_t alignment_;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::vector<GgufTensorInfo> tensors_;
  bool header_written_ = false;
  size_t next_tensor_ = 0;
  uint64_t tensor_bytes_done_ = 0;  // of tensors_[next_tensor_]
  uint64_t bytes_written_ = 0;
  bool finished_ = false;
};

}  // namespace lfm::engine
