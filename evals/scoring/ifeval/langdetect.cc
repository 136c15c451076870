#include "evals/scoring/ifeval/langdetect.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "evals/python_random.h"
#include "evals/scoring/py_regex.h"
#include "evals/scoring/py_str.h"

namespace lfm::evals::ifeval {
namespace {

// Detector's constants.
constexpr double kAlphaDefault = 0.5;
constexpr double kAlphaWidth = 0.05;
constexpr int kIterationLimit = 1000;
constexpr double kProbThreshold = 0.1;
constexpr double kConvThreshold = 0.99999;
constexpr double kBaseFreq = 10000;
constexpr int kTrials = 7;
constexpr size_t kMaxTextLength = 10000;
constexpr size_t kNgram = 3;

StatusOr<std::string> ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(StatusCode::kNotFound, "cannot open {}", path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// messages.properties: `key=value` lines whose values are \uXXXX escapes (decoded as Python's
// 'unicode_escape' codec decodes them).
StatusOr<std::unordered_map<std::string, std::u32string>> ReadMessages(
    const std::filesystem::path& path) {
  LFM_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  std::unordered_map<std::string, std::u32string> messages;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    line = PyStrip(line);
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::u32string value;
    for (size_t i = eq + 1; i < line.size();) {
      if (line.compare(i, 2, "\\u") == 0 && i + 6 <= line.size()) {
        value.push_back(static_cast<char32_t>(std::stoul(line.substr(i + 2, 4), nullptr, 16)));
        i += 6;
      } else {
        value.push_back(static_cast<unsigned char>(line[i++]));
      }
    }
    messages[line.substr(0, eq)] = std::move(value);
  }
  return messages;
}

bool InRange(char32_t c, char32_t first, char32_t last) { return c >= first && c <= last; }

// NGram: the last three normalised characters of the current word, with the capital-word flag.
class NGram {
 public:
  // NGram.add_char for an already normalised character.
  void AddChar(char32_t c) {
    const char32_t last = grams_.back();
    if (last == U' ') {
      grams_ = U" ";
      capital_word_ = false;
      if (c == U' ') return;
    } else if (grams_.size() >= kNgram) {
      grams_.erase(0, 1);
    }
    grams_.push_back(c);
    if (PyCharIsUpper(c)) {
      if (PyCharIsUpper(last)) capital_word_ = true;
    } else {
      capital_word_ = false;
    }
  }
  bool capital_word() const { return capital_word_; }
  const std::u32string& grams() const { return grams_; }

 private:
  std::u32string grams_ = U" ";
  bool capital_word_ = false;
};

}  // namespace

StatusOr<std::unique_ptr<LangDetect>> LangDetect::Load(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path profiles = fs::path(dir) / "profiles";
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(profiles, ec)) {
    if (entry.path().filename().string().starts_with('.') || !entry.is_regular_file()) continue;
    files.push_back(entry.path());
  }
  if (ec || files.size() < 2) {
    return Error(StatusCode::kNotFound,
                 "langdetect profiles not found in {} (install python3-langdetect or set "
                 "LFM_LANGDETECT_DIR to an installed langdetect package)",
                 profiles.string());
  }
  std::sort(files.begin(), files.end());
  std::unique_ptr<LangDetect> detector(new LangDetect());
  for (const auto& file : files) {
    LFM_ASSIGN_OR_RETURN(std::string text, ReadText(file));
    const auto profile = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!profile.is_object() || !profile.contains("name") || !profile["name"].is_string() ||
        !profile.contains("freq") || !profile["freq"].is_object() || !profile.contains("n_words") ||
        !profile["n_words"].is_array() || profile["n_words"].size() != kNgram) {
      return Error(StatusCode::kDataLoss, "{}: not a langdetect profile (name, freq, n_words)",
                   file.string());
    }
    const uint32_t index = static_cast<uint32_t>(detector->languages_.size());
    detector->languages_.push_back(profile["name"].get<std::string>());
    for (const auto& [word, count] : profile["freq"].items()) {
      std::u32string gram = DecodeUtf8(word);
      if (gram.empty() || gram.size() > kNgram || !count.is_number()) continue;
      const double n_words = profile["n_words"][gram.size() - 1].get<double>();
      detector->word_probs_[std::move(gram)].emplace_back(index, count.get<double>() / n_words);
    }
  }
  LFM_ASSIGN_OR_RETURN(auto messages,
                       ReadMessages(fs::path(dir) / "utils" / "messages.properties"));
  detector->latin1_excluded_ = messages["NGram.LATIN1_EXCLUDE"];
  for (const auto& [key, value] : messages) {
    if (!key.starts_with("NGram.KANJI_") || value.empty()) continue;
    for (char32_t c : value) detector->cjk_map_[c] = value[0];
  }
  detector->vi_letters_ = messages["TO_NORMALIZE_VI_CHARS"];
  detector->vi_marks_ = messages["DMARK_CLASS"];
  for (const char* key : {"0300", "0301", "0303", "0309", "0323"}) {
    detector->vi_composed_.push_back(messages[std::string("NORMALIZED_VI_CHARS_") + key]);
  }
  if (detector->latin1_excluded_.empty() || detector->vi_marks_.size() != 5 ||
      detector->cjk_map_.empty()) {
    return Error(StatusCode::kDataLoss, "{}/utils/messages.properties lacks langdetect's tables",
                 dir);
  }
  return detector;
}

StatusOr<const LangDetect*> LangDetect::Default() {
  static std::once_flag once;
  static StatusOr<std::unique_ptr<LangDetect>>* loaded = nullptr;
  std::call_once(once, [] {
    const char* env = std::getenv("LFM_LANGDETECT_DIR");
    loaded = new StatusOr<std::unique_ptr<LangDetect>>(
        Load(env != nullptr && *env != '\0' ? env : LFM_LANGDETECT_DIR));
  });
  if (!loaded->ok()) return loaded->status();
  return loaded->value().get();
}

// NGram.normalize: one character by its Unicode block.
char32_t LangDetect::Normalize(char32_t c) const {
  if (c <= 0x7F) {  // Basic Latin: letters only
    return (c < U'A' || (c > U'Z' && c < U'a') || c > U'z') ? U' ' : c;
  }
  if (InRange(c, 0x80, 0xFF)) {  // Latin-1 Supplement
    return latin1_excluded_.find(c) != std::u32string::npos ? U' ' : c;
  }
  if (InRange(c, 0x180, 0x24F)) {  // Latin Extended-B: Romanian comma below -> cedilla
    if (c == 0x219) return 0x15F;
    if (c == 0x21B) return 0x163;
    return c;
  }
  if (InRange(c, 0x2000, 0x206F)) return U' ';                      // General Punctuation
  if (InRange(c, 0x600, 0x6FF)) return c == 0x6CC ? 0x64A : c;      // Arabic: Farsi yeh
  if (InRange(c, 0x1E00, 0x1EFF)) return c >= 0x1EA0 ? 0x1EC3 : c;  // Latin Extended Additional
  if (InRange(c, 0x3040, 0x309F)) return 0x3042;                    // Hiragana
  if (InRange(c, 0x30A0, 0x30FF)) return 0x30A2;                    // Katakana
  if (InRange(c, 0x3100, 0x312F) || InRange(c, 0x31A0, 0x31BF)) return 0x3105;  // Bopomofo
  if (InRange(c, 0x4E00, 0x9FFF)) {  // CJK Unified Ideographs
    const auto it = cjk_map_.find(c);
    return it == cjk_map_.end() ? c : it->second;
  }
  if (InRange(c, 0xAC00, 0xD7AF)) return 0xAC00;  // Hangul Syllables
  return c;
}

// Detector.append then Detector.cleaning_text.
std::u32string LangDetect::Prepare(std::string_view text) const {
  static const PyRegex& url = *new PyRegex(MustCompile("https?://[-_.?&~;+=/#0-9A-Za-z]{1,2076}"));
  static const PyRegex& mail =
      *new PyRegex(MustCompile("[-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255}"));
  const std::u32string decoded = DecodeUtf8(mail.Sub(url.Sub(text, " "), " "));
  // NGram.normalize_vi: a letter followed by a combining mark becomes the composed letter.
  std::u32string vi;
  for (size_t i = 0; i < decoded.size(); ++i) {
    const size_t letter = vi_letters_.find(decoded[i]);
    const size_t mark =
        i + 1 < decoded.size() ? vi_marks_.find(decoded[i + 1]) : std::u32string::npos;
    if (letter != std::u32string::npos && mark != std::u32string::npos) {
      vi.push_back(vi_composed_[mark][letter]);
      ++i;
    } else {
      vi.push_back(decoded[i]);
    }
  }
  // The first 10000 characters, runs of spaces collapsed.
  std::u32string out;
  char32_t previous = 0;
  for (size_t i = 0; i < std::min(vi.size(), kMaxTextLength); ++i) {
    if (vi[i] != U' ' || previous != U' ') out.push_back(vi[i]);
    previous = vi[i];
  }
  // cleaning_text: drop the Latin letters of a mostly non-Latin text. (langdetect's exception
  // for the Latin Extended Additional block compares a block number with a block name, so it
  // never applies: every character from U+0300 up counts as non-Latin.)
  size_t latin = 0, non_latin = 0;
  for (char32_t c : out) {
    if (c >= U'A' && c <= U'z') {
      ++latin;
    } else if (c >= 0x300) {
      ++non_latin;
    }
  }
  if (latin * 2 < non_latin) {
    std::erase_if(out, [](char32_t c) { return c >= U'A' && c <= U'z'; });
  }
  return out;
}

std::vector<std::u32string> LangDetect::ExtractNgrams(std::string_view text) const {
  std::vector<std::u32string> result;
  NGram ngram;
  for (char32_t c : Prepare(text)) {
    ngram.AddChar(Normalize(c));
    if (ngram.capital_word()) continue;
    const std::u32string& grams = ngram.grams();
    for (size_t n = 1; n <= kNgram && n <= grams.size(); ++n) {
      std::u32string w = grams.substr(grams.size() - n);
      if (w != U" " && word_probs_.contains(w)) result.push_back(std::move(w));
    }
  }
  return result;
}

std::optional<std::string> LangDetect::Detect(std::string_view text, uint64_t seed) const {
  const std::vector<std::u32string> ngrams = ExtractNgrams(text);
  if (ngrams.empty()) return std::nullopt;
  const size_t n_langs = languages_.size();
  std::vector<const std::vector<std::pair<uint32_t, double>>*> rows;
  for (const auto& w : ngrams) rows.push_back(&word_probs_.at(w));

  std::vector<double> lang_prob(n_langs, 0.0);
  PythonRandom random(seed);
  for (int trial = 0; trial < kTrials; ++trial) {
    std::vector<double> prob(n_langs, 1.0 / static_cast<double>(n_langs));
    const double alpha = kAlphaDefault + random.Gauss() * kAlphaWidth;
    const double weight = alpha / kBaseFreq;
    for (int i = 0;; ++i) {
      // _update_lang_prob on random.choice(ngrams)
      const auto& row = *rows[random.RandBelow(rows.size())];
      size_t k = 0;
      for (size_t l = 0; l < n_langs; ++l) {
        const double p = (k < row.size() && row[k].first == l) ? row[k++].second : 0.0;
        prob[l] *= weight + p;
      }
      if (i % 5 == 0) {
        // _normalize_prob: divide by the left-to-right sum; converged when the top one is high.
        double sum = 0.0, max_p = 0.0;
        for (double p : prob) sum += p;
        for (double& p : prob) {
          p /= sum;
          max_p = std::max(max_p, p);
        }
        if (max_p > kConvThreshold || i >= kIterationLimit) break;
      }
    }
    for (size_t l = 0; l < n_langs; ++l) lang_prob[l] += prob[l] / kTrials;
  }
  // _sort_probability and detect(): the most probable language above 0.1, first on ties.
  std::optional<size_t> best;
  for (size_t l = 0; l < n_langs; ++l) {
    if (lang_prob[l] > kProbThreshold && (!best || lang_prob[l] > lang_prob[*best])) best = l;
  }
  return best ? languages_[*best] : std::string("unknown");
}

}  // namespace lfm::evals::ifeval
