// Fidelity beside speed: how closely a backend computes the model in the file, measured as the
// distance of its next-token distributions from the `reference` backend's after every token of
// one fixed prompt.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "engine/engine.h"
#include "results/records.h"

namespace lfm::bench {

// Positions compared (issue: at least 64).
inline constexpr int kFidelityTokens = 64;

// The fixed prompt: kFidelityTokens token ids drawn from [0, n_vocab) with a fixed seed. Ids,
// not text, so every model file gives the same kind of prompt whatever its tokenizer.
std::vector<int32_t> FidelityPrompt(int n_vocab);

// Logits after every token of `prompt` on a fresh sequence: [prompt.size(), n_vocab].
StatusOr<std::vector<float>> PromptLogits(engine::Engine& engine,
                                          const std::vector<int32_t>& prompt);

// Compares `logits` with `reference` (both [n, n_vocab]) through their log-softmax, in double:
// mean over positions of KL(reference || logits) (each position's KL is >= 0; rounding below 0
// is clamped), the fraction of positions whose argmax agrees, the largest |delta log p|.
results::Fidelity CompareLogits(std::span<const float> reference, std::span<const float> logits,
                                int n_vocab);

}  // namespace lfm::bench
