#include "engine/weights.h"

#include <fmt/format.h>

#include "engine/tensor_list.h"
#include "kernels/quant/vec_dot.h"

namespace lfm::engine {
namespace {

using kernels::DType;
using kernels::WeightView;

// Other producers' names for tensors of the list (docs/model.md §3.3).
constexpr const char* kFinalNormAlias = "output_norm.weight";  // Ollama's converter
constexpr const char* kOutputHead = "output.weight";           // untied output head, optional

// Checks `info` against the expected shape and the types allowed for its role.
Status CheckTensor(const GgufFile& file, const GgufTensorInfo& info, const std::vector<int64_t>& ne,
                   bool always_f32) {
  if (info.ne != ne) {
    GgufTensorInfo expected;
    expected.ne = ne;
    return Error(StatusCode::kDataLoss, "{}: tensor '{}' has shape {}, expected {}", file.path(),
                 info.name, info.ShapeString(), expected.ShapeString());
  }
  if (always_f32 && info.type != DType::kF32) {
    return Error(StatusCode::kDataLoss,
                 "{}: tensor '{}' is {}, expected f32 (norms, conv kernels, router and expert bias "
                 "are always f32)",
                 file.path(), info.name, kernels::DTypeName(info.type));
  }
  if (!kernels::CanVecDot(info.type)) {  // the reference backend computes every such type
    return Error(StatusCode::kUnimplemented,
                 "{}: tensor '{}' has type {}, which lfmbench does not run (supported: f32, f16, "
                 "bf16, q8_0, q4_0, q4_K, q5_K, q6_K)",
                 file.path(), info.name, kernels::DTypeName(info.type));
  }
  if (info.ne[0] % kernels::Info(info.type).block_elems != 0) {
    return Error(StatusCode::kDataLoss, "{}: tensor '{}': rows of {} values do not fill {} blocks",
                 file.path(), info.name, info.ne[0], kernels::DTypeName(info.type));
  }
  return OkStatus();
}

// The tensor as a [rows, cols] matrix: cols = ne[0], rows = the product of the other dims.
WeightView Matrix(const GgufFile& file, const GgufTensorInfo& info) {
  int64_t rows = 1;
  for (size_t i = 1; i < info.ne.size(); ++i) rows *= info.ne[i];
  return {file.TensorData(info), info.type, rows, info.ne[0]};
}

const float* Floats(const GgufFile& file, const GgufTensorInfo& info) {
  return reinterpret_cast<const float*>(file.TensorData(info));
}

void Assign(const GgufFile& file, const TensorSpec& spec, const GgufTensorInfo& info,
            const Lfm2Config& c, Lfm2Weights& w) {
  using S = TensorSlot;
  const WeightView m = Matrix(file, info);
  const float* f = Floats(file, info);
  if (spec.slot == S::kTokenEmbd) {
    w.token_embd = m;
    return;
  }
  if (spec.slot == S::kFinalNorm) {
    w.final_norm = f;
    return;
  }
  LayerWeights& l = w.layers[spec.layer];
  switch (spec.slot) {
    case S::kAttnNorm:
      l.attn_norm = f;
      break;
    case S::kFfnNorm:
      l.ffn_norm = f;
      break;
    case S::kConvKernel:
      l.conv_kernel = f;
      break;
    case S::kConvInProj:
      l.conv_in_proj = m;
      break;
    case S::kConvOutProj:
      l.conv_out_proj = m;
      break;
    case S::kAttnQ:
      l.attn_q = m;
      break;
    case S::kAttnK:
      l.attn_k = m;
      break;
    case S::kAttnV:
      l.attn_v = m;
      break;
    case S::kAttnOutput:
      l.attn_output = m;
      break;
    case S::kAttnQNorm:
      l.attn_q_norm = f;
      break;
    case S::kAttnKNorm:
      l.attn_k_norm = f;
      break;
    case S::kFfnGate:
      l.ffn_gate = m;
      break;
    case S::kFfnUp:
      l.ffn_up = m;
      break;
    case S::kFfnDown:
      l.ffn_down = m;
      break;
    case S::kRouter:
      l.router = m;
      break;
    case S::kExpertBias:
      l.expert_bias = f;
      break;
    case S::kGateExps:
      l.experts.gate = m;
      break;
    case S::kUpExps:
      l.experts.up = m;
      break;
    case S::kDownExps:
      l.experts.down = m;
      break;
    case S::kTokenEmbd:
    case S::kFinalNorm:
      break;  // model-level, bound above
  }
  if (c.is_moe(spec.layer)) {
    l.experts.n_experts = c.n_experts;
    l.experts.d_model = c.d_model;
    l.experts.d_ffn = c.expert_ffn_dim;
  }
}

}  // namespace

StatusOr<Lfm2Weights> Lfm2Weights::Bind(const GgufFile& file, const Lfm2Config& config) {
  Lfm2Weights w;
  w.layers.resize(config.n_layers);
  for (const TensorSpec& spec : ExpectedTensors(config)) {
    const GgufTensorInfo* info = file.FindTensor(spec.name);
    if (!info && spec.slot == TensorSlot::kFinalNorm) info = file.FindTensor(kFinalNormAlias);
    if (!info) {
      return Error(StatusCode::kNotFound, "{}: tensor '{}' is missing", file.path(), spec.name);
    }
    LFM_RETURN_IF_ERROR(CheckTensor(file, *info, spec.ne, spec.always_f32()));
    Assign(file, spec, *info, config, w);
  }
  w.output = w.token_embd;
  if (const GgufTensorInfo* head = file.FindTensor(kOutputHead)) {
    LFM_RETURN_IF_ERROR(CheckTensor(file, *head, {config.d_model, config.n_vocab}, false));
    w.output = Matrix(file, *head);
  }
  return w;
}

void Lfm2Weights::ForEachMatrix(const std::function<void(WeightView&, int64_t)>& fn) {
  fn(output, output.rows);
  for (LayerWeights& l : layers) {
    for (WeightView* m : {&l.conv_in_proj, &l.conv_out_proj, &l.attn_q, &l.attn_k, &l.attn_v,
                          &l.attn_output, &l.ffn_gate, &l.ffn_up, &l.ffn_down, &l.router}) {
      if (m->data) fn(*m, m->rows);
    }
    for (WeightView* m : {&l.experts.gate, &l.experts.up, &l.experts.down}) {
      if (m->data) fn(*m, m->rows / l.experts.n_experts);
    }
  }
}

}  // namespace lfm::engine
