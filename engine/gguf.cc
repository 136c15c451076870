#include "engine/gguf.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <numeric>
#include <unordered_set>

#include <fmt/format.h>

#include "base/check.h"

namespace lfm::engine {
namespace {

using kernels::DType;

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr uint64_t kMaxStringLength = 1ull << 30;
constexpr int kMaxDims = 4;

// Fixed byte size of a scalar value type, 0 for strings and arrays.
size_t ScalarSize(GgufValueType type) {
  switch (type) {
    case GgufValueType::kU8: case GgufValueType::kI8: case GgufValueType::kBool: return 1;
    case GgufValueType::kU16: case GgufValueType::kI16: return 2;
    case GgufValueType::kU32: case GgufValueType::kI32: case GgufValueType::kF32: return 4;
    case GgufValueType::kU64: case GgufValueType::kI64: case GgufValueType::kF64: return 8;
    default: return 0;
  }
}

bool IsIntegerType(GgufValueType t) {
  switch (t) {
    case GgufValueType::kU8: case GgufValueType::kI8: case GgufValueType::kU16:
    case GgufValueType::kI16: case GgufValueType::kU32: case GgufValueType::kI32:
    case GgufValueType::kU64: case GgufValueType::kI64:
      return true;
    default:
      return false;
  }
}

// Reads little-endian fields from a byte range; every read is bounds-checked and a failed
// read leaves `error` set (later reads then fail too, so callers check once per item).
class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  const std::string& error() const { return error_; }
  bool ok() const { return error_.empty(); }

  template <typename T>
  T Read(const char* what) {
    T v{};
    if (!ok()) return v;
    if (remaining() < sizeof(T)) {
      error_ = fmt::format("truncated: {} at offset {} needs {} bytes, {} left", what, pos_,
                           sizeof(T), remaining());
      return v;
    }
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  std::string ReadString(const char* what) {
    const uint64_t n = Read<uint64_t>(what);
    if (!ok()) return {};
    if (n > kMaxStringLength || n > remaining()) {
      error_ = fmt::format("{} at offset {} claims {} bytes, {} left in the file", what,
                           pos_ - 8, n, remaining());
      return {};
    }
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }

  void Fail(std::string message) {
    if (ok()) error_ = std::move(message);
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string error_;
};

void ReadScalarInto(Cursor& c, GgufValueType type, GgufValue& out, const char* what) {
  switch (type) {
    case GgufValueType::kU8: out.ints.push_back(c.Read<uint8_t>(what)); break;
    case GgufValueType::kI8: out.ints.push_back(c.Read<int8_t>(what)); break;
    case GgufValueType::kU16: out.ints.push_back(c.Read<uint16_t>(what)); break;
    case GgufValueType::kI16: out.ints.push_back(c.Read<int16_t>(what)); break;
    case GgufValueType::kU32: out.ints.push_back(c.Read<uint32_t>(what)); break;
    case GgufValueType::kI32: out.ints.push_back(c.Read<int32_t>(what)); break;
    case GgufValueType::kU64: out.ints.push_back(static_cast<int64_t>(c.Read<uint64_t>(what))); break;
    case GgufValueType::kI64: out.ints.push_back(c.Read<int64_t>(what)); break;
    case GgufValueType::kF32: out.floats.push_back(c.Read<float>(what)); break;
    case GgufValueType::kF64: out.floats.push_back(c.Read<double>(what)); break;
    case GgufValueType::kBool: {
      const uint8_t b = c.Read<uint8_t>(what);
      if (b > 1) c.Fail(fmt::format("{}: bool byte is {}, not 0 or 1", what, b));
      out.ints.push_back(b);
      break;
    }
    case GgufValueType::kString: out.strings.push_back(c.ReadString(what)); break;
    default: c.Fail(fmt::format("{}: unknown value type {}", what, static_cast<uint32_t>(type)));
  }
}

bool KnownValueType(uint32_t t) { return t <= static_cast<uint32_t>(GgufValueType::kF64); }

GgufValue ReadValue(Cursor& c, const std::string& key) {
  GgufValue value;
  const std::string what = fmt::format("value of '{}'", key);
  const uint32_t type = c.Read<uint32_t>(what.c_str());
  if (!c.ok()) return value;
  if (!KnownValueType(type)) {
    c.Fail(fmt::format("key '{}' has unknown value type {}", key, type));
    return value;
  }
  value.type = static_cast<GgufValueType>(type);
  if (value.type != GgufValueType::kArray) {
    value.elem_type = value.type;
    ReadScalarInto(c, value.type, value, what.c_str());
    return value;
  }
  const uint32_t elem = c.Read<uint32_t>(what.c_str());
  const uint64_t count = c.Read<uint64_t>(what.c_str());
  if (!c.ok()) return value;
  if (!KnownValueType(elem)) {
    c.Fail(fmt::format("array '{}' has unknown element type {}", key, elem));
    return value;
  }
  value.elem_type = static_cast<GgufValueType>(elem);
  if (value.elem_type == GgufValueType::kArray) {
    c.Fail(fmt::format("array '{}' holds arrays: nested arrays are not supported", key));
    return value;
  }
  // Each element takes at least its scalar size (8 bytes of length for a string).
  const size_t min_elem = value.elem_type == GgufValueType::kString ? 8 : ScalarSize(value.elem_type);
  if (count > c.remaining() / min_elem) {
    c.Fail(fmt::format("array '{}' claims {} elements, more than the {} bytes left can hold", key,
                       count, c.remaining()));
    return value;
  }
  for (uint64_t i = 0; i < count && c.ok(); ++i) ReadScalarInto(c, value.elem_type, value, what.c_str());
  return value;
}

}  // namespace

std::string_view GgufValueTypeName(GgufValueType type) {
  static constexpr std::string_view kNames[] = {"u8",  "i8",     "u16",   "i16", "u32",
                                                "i32", "f32",    "bool",  "string",
                                                "array", "u64",  "i64",   "f64"};
  const auto i = static_cast<uint32_t>(type);
  return i < std::size(kNames) ? kNames[i] : "unknown";
}

size_t GgufValue::size() const { return ints.size() + floats.size() + strings.size(); }
bool GgufValue::is_integer() const { return IsIntegerType(elem_type) || elem_type == GgufValueType::kBool; }
bool GgufValue::is_float() const {
  return elem_type == GgufValueType::kF32 || elem_type == GgufValueType::kF64;
}

GgufValue GgufValue::U32(uint32_t v) {
  GgufValue g;
  g.type = g.elem_type = GgufValueType::kU32;
  g.ints = {v};
  return g;
}
GgufValue GgufValue::I32(int32_t v) {
  GgufValue g;
  g.type = g.elem_type = GgufValueType::kI32;
  g.ints = {v};
  return g;
}
GgufValue GgufValue::F32(float v) {
  GgufValue g;
  g.type = g.elem_type = GgufValueType::kF32;
  g.floats = {v};
  return g;
}
GgufValue GgufValue::Bool(bool v) {
  GgufValue g;
  g.type = g.elem_type = GgufValueType::kBool;
  g.ints = {v ? 1 : 0};
  return g;
}
GgufValue GgufValue::String(std::string v) {
  GgufValue g;
  g.type = g.elem_type = GgufValueType::kString;
  g.strings = {std::move(v)};
  return g;
}
GgufValue GgufValue::I32Array(const std::vector<int32_t>& v) {
  GgufValue g;
  g.type = GgufValueType::kArray;
  g.elem_type = GgufValueType::kI32;
  g.ints.assign(v.begin(), v.end());
  return g;
}
GgufValue GgufValue::StringArray(std::vector<std::string> v) {
  GgufValue g;
  g.type = GgufValueType::kArray;
  g.elem_type = GgufValueType::kString;
  g.strings = std::move(v);
  return g;
}

int64_t GgufTensorInfo::num_elements() const {
  return std::accumulate(ne.begin(), ne.end(), int64_t{1}, std::multiplies<>());
}

std::string GgufTensorInfo::ShapeString() const { return fmt::format("{{{}}}", fmt::join(ne, ", ")); }

// ---------------------------------------------------------------------------------------------
// Reader

void GgufFile::ReleasePages(const void* data, uint64_t bytes) const {
  if (mapping_) mapping_->Release(static_cast<const uint8_t*>(data), bytes);
}

StatusOr<std::unique_ptr<GgufFile>> GgufFile::Open(const std::string& path) {
  LFM_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> mapping, MappedFile::Open(path));
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->path_ = path;
  file->data_ = mapping->data();
  file->size_ = mapping->size();
  file->mapping_ = std::move(mapping);
  LFM_RETURN_IF_ERROR(file->ParseAll());
  return file;
}

StatusOr<std::unique_ptr<GgufFile>> GgufFile::Parse(std::string name, const uint8_t* data,
                                                    size_t size) {
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->path_ = std::move(name);
  file->data_ = data;
  file->size_ = size;
  LFM_RETURN_IF_ERROR(file->ParseAll());
  return file;
}

Status GgufFile::Fail(const std::string& what) const {
  return Error(StatusCode::kDataLoss, "{}: not a valid GGUF file: {}", path_, what);
}

Status GgufFile::ParseAll() {
  Cursor c(data_, size_);
  if (size_ < 4) return Fail(fmt::format("truncated: {} bytes, too short for the header", size_));
  const uint32_t magic = c.Read<uint32_t>("magic");
  if (magic != kMagic) {
    return Fail(fmt::format("bad magic {:02x} {:02x} {:02x} {:02x} (expected \"GGUF\")", data_[0],
                            data_[1], data_[2], data_[3]));
  }
  version_ = c.Read<uint32_t>("version");
  if (!c.ok()) return Fail(c.error());
  if (version_ != 2 && version_ != 3) {
    if (version_ == 1) return Fail("version 1 is not supported (convert it with a newer llama.cpp)");
    if (__builtin_bswap32(version_) <= 3) return Fail("big-endian GGUF files are not supported");
    return Fail(fmt::format("unknown version {} (supported: 2, 3)", version_));
  }
  const uint64_t n_tensors = c.Read<uint64_t>("tensor count");
  const uint64_t n_kv = c.Read<uint64_t>("metadata count");
  if (!c.ok()) return Fail(c.error());
  // A key-value pair takes at least 8 + 4 + 1 bytes; a tensor info at least 8 + 4 + 8 + 4 + 8.
  if (n_kv > c.remaining() / 13) {
    return Fail(fmt::format("metadata count {} is impossible: only {} bytes left", n_kv, c.remaining()));
  }
  if (n_tensors > c.remaining() / 32) {
    return Fail(fmt::format("tensor count {} is impossible: only {} bytes left", n_tensors, c.remaining()));
  }

  std::unordered_set<std::string> keys;
  for (uint64_t i = 0; i < n_kv; ++i) {
    std::string key = c.ReadString("metadata key");
    GgufValue value = ReadValue(c, key);
    if (!c.ok()) return Fail(c.error());
    if (!keys.insert(key).second) return Fail(fmt::format("duplicated key '{}'", key));
    metadata_.emplace_back(std::move(key), std::move(value));
  }

  if (const GgufValue* align = Find("general.alignment")) {
    if (align->is_array() || !align->is_integer() || align->ints[0] <= 0 ||
        align->ints[0] > (1 << 20) || (align->ints[0] & (align->ints[0] - 1)) != 0) {
      return Fail("general.alignment must be a positive power-of-two integer up to 1 MiB");
    }
    alignment_ = static_cast<uint32_t>(align->ints[0]);
  }

  std::unordered_set<std::string> names;
  for (uint64_t i = 0; i < n_tensors; ++i) {
    GgufTensorInfo t;
    t.name = c.ReadString("tensor name");
    const uint32_t n_dims = c.Read<uint32_t>("tensor dimension count");
    if (!c.ok()) return Fail(c.error());
    if (n_dims == 0 || n_dims > kMaxDims) {
      return Fail(fmt::format("tensor '{}' has {} dimensions (1 to {} allowed)", t.name, n_dims, kMaxDims));
    }
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t ne = c.Read<uint64_t>("tensor dimension");
      if (c.ok() && (ne == 0 || ne > (1ull << 40))) {
        return Fail(fmt::format("tensor '{}' dimension {} is {}", t.name, d, ne));
      }
      t.ne.push_back(static_cast<int64_t>(ne));
    }
    const uint32_t type_id = c.Read<uint32_t>("tensor type");
    t.offset = c.Read<uint64_t>("tensor offset");
    if (!c.ok()) return Fail(c.error());
    const std::optional<kernels::DTypeInfo> info = kernels::FindDType(type_id);
    if (!info) return Fail(fmt::format("tensor '{}' has unknown tensor type {}", t.name, type_id));
    t.type = info->type;
    if (t.ne[0] % info->block_elems != 0) {
      return Fail(fmt::format("tensor '{}' row length {} is not a multiple of the {} block size {}",
                              t.name, t.ne[0], info->name, info->block_elems));
    }
    // Each dimension is at most 2^40 and there are at most 4, but their product may still
    // overflow: check it step by step against the file size.
    uint64_t rows = 1;
    for (size_t d = 1; d < t.ne.size(); ++d) {
      if (__builtin_mul_overflow(rows, static_cast<uint64_t>(t.ne[d]), &rows) || rows > size_) {
        return Fail(fmt::format("tensor '{}' shape {} is larger than the file", t.name, t.ShapeString()));
      }
    }
    const uint64_t row_bytes = static_cast<uint64_t>(kernels::RowBytes(t.type, t.ne[0]));
    if (__builtin_mul_overflow(rows, row_bytes, &t.nbytes)) {
      return Fail(fmt::format("tensor '{}' shape {} is larger than the file", t.name, t.ShapeString()));
    }
    if (t.offset % alignment_ != 0) {
      return Fail(fmt::format("tensor '{}' offset {} is not a multiple of the alignment {}", t.name,
                              t.offset, alignment_));
    }
    if (!names.insert(t.name).second) return Fail(fmt::format("duplicated tensor '{}'", t.name));
    tensors_.push_back(std::move(t));
  }

  data_offset_ = (c.pos() + alignment_ - 1) / alignment_ * alignment_;
  if (!tensors_.empty() && data_offset_ > size_) {
    return Fail(fmt::format("truncated: the tensor data would start at byte {}, file has {}",
                            data_offset_, size_));
  }
  const uint64_t blob = size_ >= data_offset_ ? size_ - data_offset_ : 0;
  for (const GgufTensorInfo& t : tensors_) {
    if (t.offset > blob || t.nbytes > blob - t.offset) {
      return Fail(fmt::format("truncated: tensor '{}' ({} bytes at data offset {}) ends past the end "
                              "of the file ({} data bytes)", t.name, t.nbytes, t.offset, blob));
    }
  }
  std::vector<const GgufTensorInfo*> by_offset;
  for (const GgufTensorInfo& t : tensors_) by_offset.push_back(&t);
  std::stable_sort(by_offset.begin(), by_offset.end(),
            [](const auto* a, const auto* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const GgufTensorInfo& prev = *by_offset[i - 1];
    if (prev.offset + prev.nbytes > by_offset[i]->offset) {
      return Fail(fmt::format("tensors '{}' and '{}' overlap", prev.name, by_offset[i]->name));
    }
  }
  return OkStatus();
}

const GgufValue* GgufFile::Find(std::string_view key) const {
  for (const auto& [k, v] : metadata_) {
    if (k == key) return &v;
  }
  return nullptr;
}

const GgufTensorInfo* GgufFile::FindTensor(std::string_view name) const {
  for (const GgufTensorInfo& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

namespace {

Status Missing(const std::string& path, std::string_view key) {
  return Error(StatusCode::kNotFound, "{}: metadata key '{}' is missing", path, key);
}

Status WrongType(const std::string& path, std::string_view key, const GgufValue& v,
                 std::string_view expected) {
  const std::string found = v.is_array() ? fmt::format("array of {}", GgufValueTypeName(v.elem_type))
                                         : std::string(GgufValueTypeName(v.type));
  return Error(StatusCode::kDataLoss, "{}: metadata key '{}' is {}, expected {}", path, key, found,
               expected);
}

}  // namespace

StatusOr<int64_t> GgufFile::GetInt(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (!v) return Missing(path_, key);
  if (v->is_array() || !IsIntegerType(v->type)) return WrongType(path_, key, *v, "an integer");
  return v->ints[0];
}

StatusOr<uint64_t> GgufFile::GetUInt(std::string_view key) const {
  LFM_ASSIGN_OR_RETURN(int64_t value, GetInt(key));
  const GgufValue* v = Find(key);
  if (value < 0 && v->type != GgufValueType::kU64) {
    return Error(StatusCode::kDataLoss, "{}: metadata key '{}' is negative ({})", path_, key, value);
  }
  return static_cast<uint64_t>(value);
}

StatusOr<double> GgufFile::GetFloat(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (!v) return Missing(path_, key);
  if (v->is_array() || !v->is_float()) return WrongType(path_, key, *v, "a float");
  return v->floats[0];
}

StatusOr<bool> GgufFile::GetBool(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (!v) return Missing(path_, key);
  if (v->type != GgufValueType::kBool) return WrongType(path_, key, *v, "a bool");
  return v->ints[0] != 0;
}

StatusOr<std::string> GgufFile::GetString(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (!v) return Missing(path_, key);
  if (v->type != GgufValueType::kString) return WrongType(path_, key, *v, "a string");
  return v->strings[0];
}

StatusOr<std::vector<std::string>> GgufFile::GetStringArray(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (!v) return Missing(path_, key);
  if (!v->is_array() || v->elem_type != GgufValueType::kString) {
    return WrongType(path_, key, *v, "an array of strings");
  }
  return v->strings;
}

StatusOr<std::vector<int64_t>> GgufFile::GetIntArray(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (!v) return Missing(path_, key);
  if (!v->is_array() || !IsIntegerType(v->elem_type)) {
    return WrongType(path_, key, *v, "an array of integers");
  }
  return v->ints;
}

// ---------------------------------------------------------------------------------------------
// Writer

namespace {

void AppendBytes(std::string& out, const void* p, size_t n) {
  out.append(static_cast<const char*>(p), n);
}
template <typename T>
void AppendLe(std::string& out, T v) {
  AppendBytes(out, &v, sizeof(v));
}
void AppendString(std::string& out, const std::string& s) {
  AppendLe<uint64_t>(out, s.size());
  out += s;
}

void AppendScalar(std::string& out, GgufValueType type, const GgufValue& v, size_t i) {
  switch (type) {
    case GgufValueType::kU8: case GgufValueType::kBool: AppendLe<uint8_t>(out, v.ints[i]); break;
    case GgufValueType::kI8: AppendLe<int8_t>(out, v.ints[i]); break;
    case GgufValueType::kU16: AppendLe<uint16_t>(out, v.ints[i]); break;
    case GgufValueType::kI16: AppendLe<int16_t>(out, v.ints[i]); break;
    case GgufValueType::kU32: AppendLe<uint32_t>(out, v.ints[i]); break;
    case GgufValueType::kI32: AppendLe<int32_t>(out, v.ints[i]); break;
    case GgufValueType::kU64: AppendLe<uint64_t>(out, v.ints[i]); break;
    case GgufValueType::kI64: AppendLe<int64_t>(out, v.ints[i]); break;
    case GgufValueType::kF32: AppendLe<float>(out, static_cast<float>(v.floats[i])); break;
    case GgufValueType::kF64: AppendLe<double>(out, v.floats[i]); break;
    case GgufValueType::kString: AppendString(out, v.strings[i]); break;
    case GgufValueType::kArray: break;
  }
}

}  // namespace

StatusOr<std::unique_ptr<GgufWriter>> GgufWriter::Create(const std::string& path,
                                                        uint32_t alignment) {
  std::FILE* file = std::fopen((path + ".part").c_str(), "wb");
  if (!file) {
    return Error(StatusCode::kIo, "{}: cannot create: {}", path + ".part", std::strerror(errno));
  }
  std::setvbuf(file, nullptr, _IOFBF, 1 << 20);
  return std::unique_ptr<GgufWriter>(new GgufWriter(path, file, alignment));
}

GgufWriter::~GgufWriter() {
  if (file_) {
    std::fclose(file_);
    if (!finished_) std::remove((path_ + ".part").c_str());
  }
}

void GgufWriter::AddMetadata(std::string key, GgufValue value) {
  LFM_CHECK(!header_written_, "metadata '{}' added after tensor data", key);
  metadata_.emplace_back(std::move(key), std::move(value));
}

void GgufWriter::AddTensor(std::string name, std::vector<int64_t> ne, kernels::DType type) {
  LFM_CHECK(!header_written_, "tensor '{}' declared after tensor data", name);
  GgufTensorInfo t;
  t.name = std::move(name);
  t.ne = std::move(ne);
  t.type = type;
  t.nbytes = kernels::RowBytes(type, t.ne[0]) * (t.num_elements() / t.ne[0]);
  t.offset = tensors_.empty() ? 0
                              : (tensors_.back().offset + tensors_.back().nbytes + alignment_ - 1) /
                                    alignment_ * alignment_;
  tensors_.push_back(std::move(t));
}

Status GgufWriter::Write(const void* data, size_t n) {
  if (std::fwrite(data, 1, n, file_) != n) {
    return Error(StatusCode::kIo, "{}: write failed after {} bytes: {}", path_ + ".part",
                 bytes_written_, std::strerror(errno));
  }
  bytes_written_ += n;
  return OkStatus();
}

Status GgufWriter::PadTo(uint64_t multiple) {
  static const char kZeros[4096] = {};
  const uint64_t pad = (multiple - bytes_written_ % multiple) % multiple;
  return pad == 0 ? OkStatus() : Write(kZeros, pad);
}

Status GgufWriter::WriteHeader() {
  std::string out;
  AppendLe<uint32_t>(out, kMagic);
  AppendLe<uint32_t>(out, 3);
  AppendLe<uint64_t>(out, tensors_.size());
  AppendLe<uint64_t>(out, metadata_.size());
  for (const auto& [key, v] : metadata_) {
    AppendString(out, key);
    AppendLe<uint32_t>(out, static_cast<uint32_t>(v.type));
    if (v.is_array()) {
      AppendLe<uint32_t>(out, static_cast<uint32_t>(v.elem_type));
      AppendLe<uint64_t>(out, v.size());
    }
    for (size_t i = 0; i < v.size(); ++i) AppendScalar(out, v.elem_type, v, i);
  }
  for (const GgufTensorInfo& t : tensors_) {
    AppendString(out, t.name);
    AppendLe<uint32_t>(out, static_cast<uint32_t>(t.ne.size()));
    for (int64_t ne : t.ne) AppendLe<uint64_t>(out, ne);
    AppendLe<uint32_t>(out, static_cast<uint32_t>(t.type));
    AppendLe<uint64_t>(out, t.offset);
  }
  header_written_ = true;
  LFM_RETURN_IF_ERROR(Write(out.data(), out.size()));
  return PadTo(alignment_);
}

Status GgufWriter::WriteTensorData(const void* data, size_t nbytes) {
  if (!header_written_) LFM_RETURN_IF_ERROR(WriteHeader());
  LFM_CHECK(next_tensor_ < tensors_.size(), "more tensor data than declared tensors");
  const GgufTensorInfo& t = tensors_[next_tensor_];
  LFM_CHECK(tensor_bytes_done_ + nbytes <= t.nbytes, "tensor '{}': {} bytes written, size is {}",
            t.name, tensor_bytes_done_ + nbytes, t.nbytes);
  LFM_RETURN_IF_ERROR(Write(data, nbytes));
  tensor_bytes_done_ += nbytes;
  if (tensor_bytes_done_ == t.nbytes) {
    ++next_tensor_;
    tensor_bytes_done_ = 0;
    LFM_RETURN_IF_ERROR(PadTo(alignment_));
  }
  return OkStatus();
}

Status GgufWriter::Finish() {
  if (!header_written_) LFM_RETURN_IF_ERROR(WriteHeader());
  LFM_CHECK(next_tensor_ == tensors_.size(), "only {} of {} tensors written", next_tensor_,
            tensors_.size());
  const bool flushed = std::fflush(file_) == 0;
  const int close_rc = std::fclose(file_);
  file_ = nullptr;
  const std::string part = path_ + ".part";
  if (!flushed || close_rc != 0) {
    const int err = errno;
    std::remove(part.c_str());
    return Error(StatusCode::kIo, "{}: write failed: {}", part, std::strerror(err));
  }
  if (std::rename(part.c_str(), path_.c_str()) != 0) {
    return Error(StatusCode::kIo, "{}: cannot rename to {}: {}", part, path_, std::strerror(errno));
  }
  finished_ = true;
  return OkStatus();
}

}  // namespace lfm::engine
