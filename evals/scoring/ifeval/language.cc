#include "evals/scoring/ifeval/language.h"

#include <cld2/public/compact_lang_det.h>
#include <utf8proc.h>

#include "evals/scoring/py_str.h"

namespace lfm::evals::ifeval {

std::optional<std::string> DetectLanguage(std::string_view text) {
  bool has_letter = false;
  for (char32_t c : DecodeUtf8(text)) {
    const auto category = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    if (category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_LO) {
      has_letter = true;
      break;
    }
  }
  if (!has_letter) return std::nullopt;
  bool is_reliable = false;
  const CLD2::Language language = CLD2::DetectLanguage(text.data(), static_cast<int>(text.size()),
                                                       /*is_plain_text=*/true, &is_reliable);
  const std::string code = CLD2::LanguageCode(language);
  if (code == "iw") return "he";
  if (code == "zh") return "zh-cn";
  if (code == "zh-Hant") return "zh-tw";
  return code;
}

}  // namespace lfm::evals::ifeval
