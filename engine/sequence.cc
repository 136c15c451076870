#include "engine/sequence.h"

namespace lfm::engine {

Sequence::Sequence(const Lfm2Config& config, int max_context)
    : layers_(config.n_layers), max_context_(max_context) {
  for (int l = 0; l < config.n_layers; ++l) {
    if (config.layer_kind(l) == LayerKind::kConv) {
      layers_[l].conv.assign(static_cast<size_t>(config.conv_kernel - 1) * config.d_model, 0.0f);
    }
  }
}

void Sequence::Reset() {
  for (LayerState& s : layers_) {
    std::fill(s.conv.begin(), s.conv.end(), 0.0f);
    s.k.clear();
    s.v.clear();
  }
  length_ = 0;
}

}  // namespace lfm::engine
