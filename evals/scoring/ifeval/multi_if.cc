#include "evals/scoring/ifeval/multi_if.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "evals/data_reader.h"

namespace lfm::evals::ifeval {
namespace {

using nlohmann::json;

// One turn's columns -> its user message and checks; nullopt for a turn metrics_gen skips.
StatusOr<std::optional<MultiIfTurn>> ParseTurn(const std::string& prompt_column,
                                               const std::string& ids_column,
                                               const std::string& kwargs_column) {
  if (prompt_column.empty() || prompt_column == "None") return std::optional<MultiIfTurn>();
  const json prompt = json::parse(prompt_column, nullptr, false);
  if (!prompt.is_object() || !prompt.contains("content") || !prompt["content"].is_string()) {
    return Error(StatusCode::kInvalidArgument,
                 "prompt is not a JSON object with a string 'content'");
  }
  const json ids = json::parse(ids_column, nullptr, false);
  const json encoded_kwargs = json::parse(kwargs_column, nullptr, false);
  if (!ids.is_array() || !encoded_kwargs.is_array()) {
    return Error(StatusCode::kInvalidArgument, "instruction_id_list and kwargs must be JSON lists");
  }
  json kwargs = json::array();  // each entry is itself JSON text: [json.loads(k) for k in ...]
  for (const json& entry : encoded_kwargs) {
    json decoded = entry.is_string() ? json::parse(entry.get<std::string>(), nullptr, false)
                                     : json(json::value_t::discarded);
    if (!decoded.is_object()) {
      return Error(StatusCode::kInvalidArgument, "kwargs entry {} is not a JSON-encoded object",
                   entry.dump());
    }
    kwargs.push_back(std::move(decoded));
  }
  LFM_ASSIGN_OR_RETURN(IfevalPrompt checks,
                       IfevalPrompt::FromJson({{"instruction_id_list", ids}, {"kwargs", kwargs}},
                                              CheckerSet::kMultiIf));
  return std::optional<MultiIfTurn>(
      MultiIfTurn{prompt["content"].get<std::string>(), std::move(checks)});
}

}  // namespace

StatusOr<std::vector<MultiIfConversation>> ParseMultiIfCsv(const std::string& text) {
  LFM_ASSIGN_OR_RETURN(std::vector<CsvRow> rows, ParseCsv(text, ',', "Multi-IF CSV"));
  if (rows.empty()) return Error(StatusCode::kInvalidArgument, "Multi-IF CSV: no header");
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < rows[0].fields.size(); ++i) column[rows[0].fields[i]] = i;
  std::vector<std::string> needed = {"key", "language"};
  for (int k = 1; k <= 3; ++k) {
    for (const char* part : {"prompt", "instruction_id_list", "kwargs"}) {
      needed.push_back("turn_" + std::to_string(k) + "_" + part);
    }
  }
  for (const auto& name : needed) {
    if (!column.contains(name)) {
      return Error(StatusCode::kInvalidArgument, "Multi-IF CSV: no column '{}'", name);
    }
  }
  std::vector<MultiIfConversation> out;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& fields = rows[r].fields;
    auto field = [&](const std::string& name) -> std::string {
      const size_t i = column[name];
      return i < fields.size() ? fields[i] : "";
    };
    MultiIfConversation conversation{field("key"), field("language"), {}};
    for (int k = 1; k <= 3; ++k) {
      const std::string prefix = "turn_" + std::to_string(k) + "_";
      auto turn = ParseTurn(field(prefix + "prompt"), field(prefix + "instruction_id_list"),
                            field(prefix + "kwargs"));
      if (!turn.ok()) {
        return turn.status().WithPrefix(
            fmt::format("Multi-IF CSV line {} ({}), turn {}", rows[r].line, field("key"), k));
      }
      if (!*turn) break;  // a conversation with fewer turns
      conversation.turns.push_back(std::move(**turn));
    }
    if (conversation.turns.empty()) {
      return Error(StatusCode::kInvalidArgument, "Multi-IF CSV line {} ({}): no turn_1_prompt",
                   rows[r].line, field("key"));
    }
    out.push_back(std::move(conversation));
  }
  return out;
}

StatusOr<std::vector<json>> MultiIfTurnDocs(const json& record) {
  auto field = [&](const std::string& name) -> std::string {
    return record.contains(name) && record[name].is_string() ? record[name].get<std::string>() : "";
  };
  std::vector<json> docs;
  json user_turns = json::array();
  for (int k = 1; k <= 3; ++k) {
    const std::string prefix = "turn_" + std::to_string(k) + "_";
    auto turn = ParseTurn(field(prefix + "prompt"), field(prefix + "instruction_id_list"),
                          field(prefix + "kwargs"));
    if (!turn.ok())
      return turn.status().WithPrefix(fmt::format("Multi-IF {} turn {}", field("key"), k));
    if (!*turn) break;
    user_turns.push_back((*turn)->user);
    json doc = {{"key", field("key")},
                {"language", field("language")},
                {"turn", k},
                {"user_turns", user_turns},
                {"instruction_id_list", json::parse(field(prefix + "instruction_id_list"))},
                {"kwargs", json::array()}};
    for (const json& entry : json::parse(field(prefix + "kwargs"))) {
      doc["kwargs"].push_back(json::parse(entry.get<std::string>()));
    }
    docs.push_back(std::move(doc));
  }
  if (docs.empty()) {
    return Error(StatusCode::kInvalidArgument, "Multi-IF {}: no turn_1_prompt", field("key"));
  }
  return docs;
}

std::vector<ChatMessage> MultiIfMessages(const MultiIfConversation& conversation, size_t turn,
                                         const std::vector<std::string>& replies) {
  std::vector<ChatMessage> messages;
  for (size_t i = 0; i <= turn && i < conversation.turns.size(); ++i) {
    messages.push_back({"user", conversation.turns[i].user});
    if (i < turn) messages.push_back({"assistant", i < replies.size() ? replies[i] : ""});
  }
  return messages;
}

StatusOr<std::vector<std::vector<std::string>>> GenerateMultiIfReplies(
    LanguageModel& model, const std::vector<MultiIfConversation>& conversations,
    const GenerationRequest& settings) {
  std::vector<std::vector<std::string>> replies(conversations.size());
  for (size_t turn = 0; turn < 3; ++turn) {
    std::vector<GenerationRequest> requests;
    std::vector<size_t> owners;  // conversation index of each request
    for (size_t c = 0; c < conversations.size(); ++c) {
      if (turn >= conversations[c].turns.size()) continue;
      GenerationRequest request = settings;
      LFM_ASSIGN_OR_RETURN(request.context, model.ApplyChatTemplate(
                                                MultiIfMessages(conversations[c], turn, replies[c]),
                                                /*add_generation_prompt=*/true));
      requests.push_back(std::move(request));
      owners.push_back(c);
    }
    if (requests.empty()) break;
    LFM_ASSIGN_OR_RETURN(std::vector<std::string> generated, model.GenerateUntil(requests));
    for (size_t i = 0; i < owners.size(); ++i) replies[owners[i]].push_back(generated.at(i));
  }
  return replies;
}

MultiIfMetrics ScoreMultiIf(const std::vector<MultiIfConversation>& conversations,
                            const std::vector<std::vector<std::string>>& replies) {
  MultiIfMetrics metrics;
  for (size_t c = 0; c < conversations.size() && c < replies.size(); ++c) {
    const auto& conversation = conversations[c];
    for (size_t t = 0; t < conversation.turns.size() && t < replies[c].size(); ++t) {
      const IfevalPrompt& checks = conversation.turns[t].checks;
      metrics.Add(conversation.language, t, Follow::StrictUnstripped(checks, replies[c][t]),
                  Follow::Loose(checks, replies[c][t]));
    }
  }
  return metrics;
}

void MultiIfMetrics::Add(const std::string& language, size_t turn, const FollowResult& strict,
                         const FollowResult& loose) {
  for (const std::string& group : {std::string("all_languages"), language}) {
    Counts& c = counts_[{turn, group}];
    c.prompts += 1;
    c.prompts_strict += strict.follow_all_instructions;
    c.prompts_loose += loose.follow_all_instructions;
    c.instructions += strict.follow_instruction_list.size();
    c.inst_strict += std::count(strict.follow_instruction_list.begin(),
                                strict.follow_instruction_list.end(), true);
    c.inst_loose += std::count(loose.follow_instruction_list.begin(),
                               loose.follow_instruction_list.end(), true);
  }
}

std::vector<MultiIfMetrics::Row> MultiIfMetrics::Rows() const {
  std::vector<Row> rows;
  for (const auto& [key, c] : counts_) {
    Row row;
    row.turn = key.first + 1;
    row.language = key.second;
    row.prompts = c.prompts;
    auto ratio = [](size_t a, size_t b) { return b == 0 ? 0.0 : double(a) / double(b); };
    row.prompt_strict = ratio(c.prompts_strict, c.prompts);
    row.inst_strict = ratio(c.inst_strict, c.instructions);
    row.prompt_loose = ratio(c.prompts_loose, c.prompts);
    row.inst_loose = ratio(c.inst_loose, c.instructions);
    row.overall = (row.prompt_strict + row.inst_strict + row.prompt_loose + row.inst_loose) / 4;
    rows.push_back(row);
  }
  // per turn: all_languages first, then the languages by name
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.turn != b.turn) return a.turn < b.turn;
    return (a.language == "all_languages") > (b.language == "all_languages");
  });
  return rows;
}

}  // namespace lfm::evals::ifeval
