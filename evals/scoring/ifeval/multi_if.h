// Multi-IF (facebookresearch/Multi-IF): three-turn conversations whose turn k carries the
// instructions of turns 1..k. This reads the official CSV (multiIF_20241018.csv and its
// per-language subsets: columns turn_k_prompt — a JSON {"role": "user", "content": ...} —,
// turn_k_instruction_id_list — a JSON list —, turn_k_kwargs — a JSON list of JSON-encoded
// objects —, key, language), builds each turn's chat history from the model's own earlier
// replies, and scores a turn's reply as metrics.py does (gen_acc_strict / gen_acc_loose with the
// IFEval checkers, then per turn and language the prompt- and instruction-level strict and loose
// accuracies and their mean, "overall"). Turns whose prompt is empty or "None" are skipped, as
// metrics_gen skips them.
//
// Multi-IF ships its own copy of the IFEval checkers; it differs from lm-eval's only where
// langdetect names Thai, Hindi, Chinese or Japanese: there length_constraints:number_words and
// number_sentences count by language. Turns are scored with that copy (CheckerSet::kMultiIf,
// multi_if_checkers.h, which says what is and is not ported).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "evals/language_model.h"
#include "evals/scoring/ifeval/ifeval.h"

namespace lfm::evals::ifeval {

struct MultiIfTurn {
  std::string user;     // the turn's user message
  IfevalPrompt checks;  // the cumulative instructions of turns 1..k
};

struct MultiIfConversation {
  std::string key;                 // e.g. "1019:16:en"
  std::string language;            // e.g. "English", "Chinese"
  std::vector<MultiIfTurn> turns;  // 1 to 3
};

// Parses the official CSV text. Errors name the line and column.
StatusOr<std::vector<MultiIfConversation>> ParseMultiIfCsv(const std::string& text);

// One CSV record (column name -> text, as DocumentCache reads the CSV) as one document per turn
// metrics_gen scores, in turn order: {"key", "language", "turn" (1-based), "user_turns" (the
// user messages of turns 1..k), "instruction_id_list" and "kwargs" (turn k's cumulative checks,
// kwargs decoded, the shape IfevalPrompt::FromJson reads)}. Errors name the key and turn.
StatusOr<std::vector<nlohmann::json>> MultiIfTurnDocs(const nlohmann::json& record);

// The messages sent for turn `turn` (0-based): each earlier user turn followed by the model's
// reply to it (`replies[i]` for turn i), then this turn's user message.
std::vector<ChatMessage> MultiIfMessages(const MultiIfConversation& conversation, size_t turn,
                                         const std::vector<std::string>& replies);

// The official protocol's generation: turn by turn over all conversations (one GenerateUntil
// call per turn), each turn's prompt being `model`'s chat template over MultiIfMessages with the
// model's own earlier replies, and `settings` (context ignored) for every request. Returns
// replies[conversation][turn]. Errors: the model's, or kUnimplemented without a chat template.
StatusOr<std::vector<std::vector<std::string>>> GenerateMultiIfReplies(
    LanguageModel& model, const std::vector<MultiIfConversation>& conversations,
    const GenerationRequest& settings);

// Scoring a reply: gen_acc_strict is Follow::StrictUnstripped, gen_acc_loose Follow::Loose.

// Per turn and language, what metrics_gen reports.
class MultiIfMetrics {
 public:
  void Add(const std::string& language, size_t turn, const FollowResult& strict,
           const FollowResult& loose);
  struct Row {
    size_t turn = 0;       // 1-based
    std::string language;  // "all_languages" first, then each language in name order
    size_t prompts = 0;
    double prompt_strict = 0, inst_strict = 0, prompt_loose = 0, inst_loose = 0;
    double overall = 0;  // mean of the four
  };
  std::vector<Row> Rows() const;

 private:
  struct Counts {
    size_t prompts = 0, prompts_strict = 0, prompts_loose = 0;
    size_t instructions = 0, inst_strict = 0, inst_loose = 0;
  };
  std::map<std::pair<size_t, std::string>, Counts> counts_;
};

// Every turn of every conversation scored (strict: Follow::StrictUnstripped, loose:
// Follow::Loose) into metrics_gen's numbers.
MultiIfMetrics ScoreMultiIf(const std::vector<MultiIfConversation>& conversations,
                            const std::vector<std::vector<std::string>>& replies);

}  // namespace lfm::evals::ifeval
