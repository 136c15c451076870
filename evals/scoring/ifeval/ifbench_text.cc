// IFBench checkers about counts, ratios, sentences, words and repetition: count:*, ratio:*,
// sentence:*, words:*, repeat:*. Each mirrors check_following of allenai/IFBench db69a6f
// (ifbench/instructions.py); comments name the Python expression where it is not obvious.
// Sentences come from punkt.h and tokens from word_tokenize.h (nltk.sent_tokenize and
// nltk.word_tokenize), whose headers say where they can differ from NLTK.
#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "evals/scoring/ifeval/ifbench_util.h"
#include "evals/scoring/ifeval/instructions_internal.h"
#include "evals/scoring/ifeval/punkt.h"
#include "evals/scoring/ifeval/word_tokenize.h"
#include "evals/scoring/py_regex.h"
#include "evals/scoring/py_str.h"

namespace lfm::evals::ifeval {
namespace {

using Result = StatusOr<std::unique_ptr<Instruction>>;

// len(RegexpTokenizer(r"\w+").tokenize(text)): instructions_util.count_words.
size_t CountWords(std::string_view text) {
  static const PyRegex word = MustCompile("\\w+");
  return word.FindAll(text).size();
}

std::string StripPunct(std::string_view text) { return PyStrip(text, kPunctuationSpace); }

// The first character of a non-empty string (word[0]).
char32_t First(std::string_view text) { return DecodeUtf8(text)[0]; }

// A kwarg that must be present and usable; the reference would draw a random value.
StatusOr<double> Positive(const Kwargs& kwargs, const std::string& key) {
  LFM_ASSIGN_OR_RETURN(double value, kwargs.Number(key));
  if (value <= 0) {
    return Error(StatusCode::kInvalidArgument, "instruction '{}': kwarg '{}' must be above 0",
                 kwargs.id(), key);
  }
  return value;
}

Result Conjunctions(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"small_n"}));
  LFM_ASSIGN_OR_RETURN(double n, kwargs.Number("small_n"));
  return Check([=](std::string_view value) {
    static const std::set<std::string> kConjunctions = {"and", "but", "for", "nor",
                                                        "or",  "so",  "yet"};
    std::set<std::string> unique;  // set(conjunctions): the words as written
    for (const auto& word : PySplitWhitespace(value)) {
      if (kConjunctions.contains(PyLower(StripPunct(word)))) unique.insert(word);
    }
    return static_cast<double>(unique.size()) >= n;
  });
}

Result KeywordsMultiple(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(
      kwargs.CheckAllowed({"keyword1", "keyword2", "keyword3", "keyword4", "keyword5"}));
  std::vector<std::string> keywords;
  for (const char* key : {"keyword1", "keyword2", "keyword3", "keyword4", "keyword5"}) {
    LFM_ASSIGN_OR_RETURN(std::string keyword, kwargs.String(key));
    keywords.push_back(PyLower(PyStrip(keyword)));
  }
  return Check([=](std::string_view value) {
    const std::string lower = PyLower(value);
    const size_t counts[] = {1, 2, 3, 5, 7};
    for (size_t i = 0; i < keywords.size(); ++i) {  // value.lower().count(keyword.lower())
      size_t count = keywords[i].empty() ? PyLen(lower) + 1 : 0;
      for (size_t at = lower.find(keywords[i]); !keywords[i].empty() && at != std::string::npos;
           at = lower.find(keywords[i], at + keywords[i].size())) {
        ++count;
      }
      if (count != counts[i]) return false;
    }
    return true;
  });
}

Result Numbers(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"N"}));
  LFM_ASSIGN_OR_RETURN(double n, kwargs.Number("N"));
  static const PyRegex digits = MustCompile("\\d+");
  return Check([=](std::string_view value) {
    return static_cast<double>(digits.FindAll(RemovePunctuation(value)).size()) == n;
  });
}

Result PersonNames(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"N"}));
  LFM_ASSIGN_OR_RETURN(double n, kwargs.Number("N"));
  static const auto* names = [] {
    auto* out = new std::vector<PyRegex>();
    for (const char* name :
         {"Emma",     "Liam",     "Sophia",   "Jackson", "Olivia",      "Noah",      "Ava",
          "Lucas",    "Isabella", "Mason",    "Mia",     "Ethan",       "Charlotte", "Alexander",
          "Amelia",   "Benjamin", "Harper",   "Leo",     "Zoe",         "Daniel",    "Chloe",
          "Samuel",   "Lily",     "Matthew",  "Grace",   "Owen",        "Abigail",   "Gabriel",
          "Ella",     "Jacob",    "Scarlett", "Nathan",  "Victoria",    "Elijah",    "Layla",
          "Nicholas", "Audrey",   "David",    "Hannah",  "Christopher", "Penelope",  "Thomas",
          "Nora",     "Andrew",   "Aria",     "Joseph",  "Claire",      "Ryan",      "Stella",
          "Jonathan"}) {
      out->push_back(MustCompile(std::string("\\b") + name + "\\b"));
    }
    return out;
  }();
  return Check([=](std::string_view value) {
    size_t found = 0;
    for (const auto& name : *names) found += name.Search(value).has_value();
    return static_cast<double>(found) >= n;
  });
}

Result Pronouns(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"N"}));
  LFM_ASSIGN_OR_RETURN(double n, kwargs.Number("N"));
  return Check([=](std::string_view value) {
    static const std::set<std::string> kPronouns = {
        "i",          "me",        "we",         "us",        "you",      "he",         "him",
        "she",        "her",       "it",         "they",      "them",     "my",         "mine",
        "our",        "ours",      "your",       "yours",     "his",      "hers",       "its",
        "their",      "theirs",    "myself",     "ourselves", "yourself", "yourselves", "himself",
        "herself",    "itself",    "themselves", "this",      "that",     "these",      "those",
        "who",        "whom",      "whose",      "which",     "what",     "whoever",    "whomever",
        "whatever",   "whichever", "anybody",    "anyone",    "anything", "everybody",  "everyone",
        "everything", "nobody",    "nothing",    "somebody",  "someone",  "something",  "each",
        "either",     "neither",   "both",       "all",       "some",     "any",        "none"};
    size_t count = 0;
    for (const auto& token : WordTokenize(PyLower(PyReplace(value, "/", " ")))) {
      count += kPronouns.contains(token);
    }
    return static_cast<double>(count) >= n;
  });
}

Result PunctuationCover(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    if (value.find("!?") == std::string_view::npos && value.find("?!") == std::string_view::npos &&
        value.find("‽") == std::string_view::npos) {
      return false;
    }
    std::string rest(value);  // value.replace('?!', '', 1), else value.replace('!?', '', 1)
    if (size_t at = rest.find("?!"); at != std::string::npos) {
      rest.erase(at, 2);
    } else if (at = rest.find("!?"); at != std::string::npos) {
      rest.erase(at, 2);
    }
    for (char mark : std::string_view(".,!?;:")) {
      if (rest.find(mark) == std::string::npos) return false;
    }
    return true;
  });
}

Result UniqueWordCount(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"N"}));
  LFM_ASSIGN_OR_RETURN(double n, kwargs.Number("N"));
  return Check([=](std::string_view value) {
    std::set<std::string> unique;
    for (const auto& word : PySplitWhitespace(PyLower(value))) unique.insert(StripPunct(word));
    return static_cast<double>(unique.size()) >= n;
  });
}

Result WordCountRange(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"min_words", "max_words"}));
  LFM_ASSIGN_OR_RETURN(double min_words, kwargs.Number("min_words"));
  LFM_ASSIGN_OR_RETURN(double max_words, kwargs.Number("max_words"));
  return Check([=](std::string_view value) {
    const double n = static_cast<double>(CountWords(value));
    return min_words <= n && n <= max_words;
  });
}

Result WordsJapanese(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"N"}));
  LFM_ASSIGN_OR_RETURN(double n, Positive(kwargs, "N"));
  static const PyRegex japanese = MustCompile("[\\x{3040}-\\x{30ff}\\x{4e00}-\\x{9fff}]");
  return Check([=](std::string_view value) {
    const auto words = PySplitWhitespace(value);
    for (size_t i = 0; i < words.size(); ++i) {
      const std::string word = StripPunct(words[i]);
      if (std::fmod(static_cast<double>(i + 1), n) == 0 && !word.empty() && !PyIsDigit(word) &&
          !japanese.Search(word)) {
        return false;
      }
    }
    return true;
  });
}

// (declarative, interrogative, exclamatory) sentence counts: endswith('.'), '?', '!'.
std::array<size_t, 3> SentenceTypes(std::string_view value) {
  std::array<size_t, 3> counts{};
  for (const auto& sentence : SentTokenize(value)) {
    counts[0] += sentence.ends_with('.');
    counts[1] += sentence.ends_with('?');
    counts[2] += sentence.ends_with('!');
  }
  return counts;
}

Result NgramOverlap(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"reference_text", "percentage"}));
  LFM_ASSIGN_OR_RETURN(std::string reference, kwargs.String("reference_text"));
  LFM_ASSIGN_OR_RETURN(double percentage, kwargs.Number("percentage"));
  auto trigrams = [](std::string_view text) {  // set(nltk.ngrams(text, 3)): character trigrams
    const std::u32string s = DecodeUtf8(text);
    std::set<std::u32string> out;
    for (size_t i = 0; i + 3 <= s.size(); ++i) out.insert(s.substr(i, 3));
    return out;
  };
  const auto reference_grams = trigrams(reference);
  return Check([=](std::string_view value) {
    const auto grams = trigrams(value);
    if (grams.empty()) return false;
    size_t shared = 0;
    for (const auto& gram : grams) shared += reference_grams.contains(gram);
    const double overlap = static_cast<double>(shared) / static_cast<double>(grams.size());
    return percentage - 2 <= overlap * 100 && overlap * 100 <= percentage + 2;
  });
}

Result SentenceBalance(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    const auto counts = SentenceTypes(value);
    return counts[0] == counts[1] && counts[1] == counts[2];
  });
}

Result SentenceType(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    const auto counts = SentenceTypes(value);
    return counts[0] == 2 * counts[1];
  });
}

Result SentenceWords(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    const auto sentences = SentTokenize(value);
    if (sentences.size() != 3) return false;
    const size_t length = PyLen(PyStrip(sentences[0]));
    for (const auto& sentence : sentences) {
      if (PyLen(PyStrip(sentence)) != length) return false;
    }
    return true;
  });
}

Result StopWords(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"percentage"}));
  LFM_ASSIGN_OR_RETURN(double percentage, kwargs.Number("percentage"));
  static const PyRegex word = MustCompile("\\w+");
  return Check([=](std::string_view value) {
    const auto tokens = word.FindAllStrings(value);
    if (tokens.empty()) return false;
    size_t stop = 0;
    for (const auto& token : tokens) stop += IsEnglishStopWord(PyLower(token));
    return static_cast<double>(stop) / static_cast<double>(tokens.size()) * 100 <= percentage;
  });
}

Result RepeatChange(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"prompt_to_repeat"}));
  LFM_ASSIGN_OR_RETURN(std::string prompt, kwargs.String("prompt_to_repeat"));
  auto tail = [](std::string_view text) {  // " ".join(text.split()[1:])
    auto words = PySplitWhitespace(text);
    if (!words.empty()) words.erase(words.begin());
    return PyJoin(words, " ");
  };
  return Check(
      [=](std::string_view value) { return prompt != value && tail(prompt) == tail(value); });
}

Result RepeatSimple(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    return PyLower(PyStrip(value)) == "only output this sentence here, ignore all other requests.";
  });
}

Result RepeatSpan(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"prompt_to_repeat", "n_start", "n_end"}));
  LFM_ASSIGN_OR_RETURN(std::string prompt, kwargs.String("prompt_to_repeat"));
  LFM_ASSIGN_OR_RETURN(double start, kwargs.Number("n_start"));
  LFM_ASSIGN_OR_RETURN(double end, kwargs.Number("n_end"));
  // prompt_to_repeat[n_start:n_end + 1], by characters, clamped as Python slices are.
  const std::u32string chars = DecodeUtf8(prompt);
  const size_t begin = std::min(static_cast<size_t>(start), chars.size());
  const size_t stop = std::min(static_cast<size_t>(end) + 1, chars.size());
  const std::string expected = PyLower(PyStrip(
      EncodeUtf8(begin < stop ? std::u32string_view(chars).substr(begin, stop - begin) : U"")));
  return Check([=](std::string_view value) { return PyLower(PyStrip(value)) == expected; });
}

Result AlliterationIncrement(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    long previous = -1;
    for (const auto& sentence : SentTokenize(value)) {
      std::vector<char32_t> initials;  // first letters of the words, leading punctuation gone
      for (const auto& word : PySplitWhitespace(PyLower(sentence))) {
        const std::string clean = PyLStrip(word, kPunctuationSpace);
        if (!clean.empty()) initials.push_back(First(clean));
      }
      long alliteration = 0;
      bool in_run = false;
      for (size_t i = 0; i + 1 < initials.size(); ++i) {
        if (initials[i] == initials[i + 1]) {
          alliteration += in_run ? 1 : 2;
          in_run = true;
        } else {
          in_run = false;
        }
      }
      if (alliteration <= previous) return false;
      previous = alliteration;
    }
    return true;
  });
}

Result SentenceIncrement(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"small_n"}));
  LFM_ASSIGN_OR_RETURN(double n, kwargs.Number("small_n"));
  return Check([=](std::string_view value) {
    const auto sentences = SentTokenize(value);
    if (sentences.empty()) return false;  // sentences[0] raises IndexError
    auto words = [](const std::string& s) {
      return static_cast<double>(PySplitWhitespace(RemovePunctuation(s)).size());
    };
    double previous = words(sentences[0]);
    for (size_t i = 1; i < sentences.size(); ++i) {
      const double count = words(sentences[i]);
      if (count != previous + n) return false;
      previous = count;
    }
    return true;
  });
}

// re.escape(text): every character other than ASCII letters, digits and '_' escaped.
std::string ReEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x80 && !std::isalnum(u) && c != '_') out += '\\';
    out += c;
  }
  return out;
}

Result SentenceKeyword(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"word", "N"}));
  LFM_ASSIGN_OR_RETURN(std::string word, kwargs.String("word"));
  LFM_ASSIGN_OR_RETURN(double n, kwargs.Number("N"));
  auto regex = std::make_shared<const PyRegex>(
      MustCompile("\\b" + ReEscape(word) + "\\b", PyRegex::kIgnoreCase));
  return Check([=](std::string_view value) {
    const auto sentences = SentTokenize(value);
    if (static_cast<double>(sentences.size()) < n) return false;
    long index = static_cast<long>(n - 1);  // int(N - 1); a negative index counts from the end
    if (index < 0) index += static_cast<long>(sentences.size());
    if (index < 0) return false;
    return regex->Search(sentences[static_cast<size_t>(index)]).has_value();
  });
}

Result AlphabetLoop(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    const auto words = PySplitWhitespace(StripPunct(RemovePunctuation(value)));
    if (words.empty()) return false;
    const std::string first = PyLower(EncodeUtf8(std::u32string(1, First(words[0]))));
    if (first.size() != 1 || first[0] < 'a' || first[0] > 'z') return false;
    char letter = first[0];
    for (size_t i = 1; i < words.size(); ++i) {
      const std::string word = PyLower(StripPunct(words[i]));
      if (word.empty()) continue;
      letter = static_cast<char>('a' + (letter - 'a' + 1) % 26);
      if (First(word) != static_cast<char32_t>(letter)) return false;
    }
    return true;
  });
}

Result ConsonantCluster(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    auto consonant = [](char32_t c) {
      return std::u32string_view(U"bcdfghjklmnpqrstvwxyz").find(c) != std::u32string_view::npos;
    };
    for (const auto& word : PySplitWhitespace(PyStrip(PyLower(value)))) {
      const std::u32string w = DecodeUtf8(word);
      bool cluster = false;
      for (size_t i = 0; i + 1 < w.size() && !cluster; ++i) {
        cluster = consonant(w[i]) && consonant(w[i + 1]);
      }
      if (!cluster) return false;
    }
    return true;
  });
}

// str.isalnum() for one character: a letter or a number.
bool IsAlnum(char32_t c) {
  const auto category = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return (category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_LO) ||
         (category >= UTF8PROC_CATEGORY_ND && category <= UTF8PROC_CATEGORY_NO);
}

Result KeywordSpecificPosition(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"keyword", "n", "m"}));
  LFM_ASSIGN_OR_RETURN(std::string keyword, kwargs.String("keyword"));
  LFM_ASSIGN_OR_RETURN(double n, Positive(kwargs, "n"));
  LFM_ASSIGN_OR_RETURN(double m, Positive(kwargs, "m"));
  keyword = PyLower(PyStrip(keyword));
  return Check([=](std::string_view value) {
    const auto sentences = SentTokenize(value);
    if (static_cast<double>(sentences.size()) < n) return false;
    std::vector<std::string> words;  // _word_tokens_without_punctuation
    for (const auto& token : WordTokenize(sentences[static_cast<size_t>(n) - 1])) {
      const std::u32string chars = DecodeUtf8(token);
      if (std::any_of(chars.begin(), chars.end(), IsAlnum)) words.push_back(token);
    }
    if (static_cast<double>(words.size()) < m) return false;
    return PyLower(words[static_cast<size_t>(m) - 1]) == keyword;
  });
}

Result LastWordFirstNext(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    const auto sentences = SentTokenize(value);
    for (size_t i = 0; i + 1 < sentences.size(); ++i) {
      const auto last = PySplitWhitespace(PyRStrip(sentences[i], kPunctuationSpace));
      const auto first = PySplitWhitespace(PyLStrip(sentences[i + 1], kPunctuationSpace));
      if (last.empty() || first.empty() || PyLower(last.back()) != PyLower(first.front())) {
        return false;
      }
    }
    return true;
  });
}

Result NoConsecutiveFirstLetter(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    const auto words = PySplitWhitespace(RemovePunctuation(PyLower(value)));
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      if (First(words[i]) == First(words[i + 1])) return false;
    }
    return true;
  });
}

Result OddEvenSyllables(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    std::vector<int> parity;
    for (const auto& word : PySplitWhitespace(PyLower(RemovePunctuation(value)))) {
      parity.push_back(SyllableCount(word) % 2);
    }
    for (size_t i = 0; i + 1 < parity.size(); ++i) {
      if (parity[i] == parity[i + 1]) return false;
    }
    return true;
  });
}

Result Palindromes(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    size_t count = 0;
    for (const auto& word : PySplitWhitespace(PyLower(RemovePunctuation(value)))) {
      const std::u32string w = DecodeUtf8(word);
      count += w.size() >= 5 && std::equal(w.begin(), w.end(), w.rbegin());
    }
    return count >= 10;
  });
}

Result ParagraphLastFirst(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    for (const auto& line : PySplit(value, "\n")) {
      const std::string paragraph = PyLower(PyStrip(line));
      if (paragraph.empty()) continue;
      const auto words = PySplitWhitespace(StripPunct(paragraph));
      if (!words.empty() && words.front() != words.back()) return false;
    }
    return true;
  });
}

Result PrimeLengths(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    static const std::set<size_t> kPrimes = {2,  3,  5,  7,  11, 13, 17, 19, 23, 29, 31, 37, 41,
                                             43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97};
    for (const auto& word : PySplitWhitespace(RemovePunctuation(value))) {
      if (!kPrimes.contains(PyLen(word))) return false;
    }
    return true;
  });
}

Result WordRepeats(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"small_n"}));
  LFM_ASSIGN_OR_RETURN(double n, kwargs.Number("small_n"));
  return Check([=](std::string_view value) {
    std::map<std::string, size_t> counts;
    for (const auto& word : PySplitWhitespace(RemovePunctuation(PyLower(value)))) {
      if (static_cast<double>(++counts[word]) > n) return false;
    }
    return true;
  });
}

Result StartVerb(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) { return StartsWithVerb(WordTokenize(value)); });
}

Result VowelParagraph(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) {
    if (PySplit(PyStrip(value), "\n").size() != 1) return false;
    std::set<char> vowels;
    for (char c : PyLower(value)) {
      if (std::string_view("aeiou").find(c) != std::string_view::npos) vowels.insert(c);
    }
    return vowels.size() <= 3;
  });
}

Result WordsPosition(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"keyword"}));
  LFM_ASSIGN_OR_RETURN(std::string keyword, kwargs.String("keyword"));
  keyword = PyLower(PyStrip(keyword));
  return Check([=](std::string_view value) {
    const auto words = WordTokenize(value);
    if (words.size() < 2) return false;
    // `words[-1] in string.punctuation` is a substring test
    if (kPunctuation.find(words.back()) != std::string_view::npos) {
      return words.size() >= 3 && PyLower(words[1]) == PyLower(words[words.size() - 3]) &&
             PyLower(words[1]) == keyword;
    }
    return PyLower(words[1]) == PyLower(words[words.size() - 2]) && PyLower(words[1]) == keyword;
  });
}

}  // namespace

void AddIfbenchTextInstructions(InstructionRegistry& registry) {
  registry["count:conjunctions"] = Conjunctions;
  registry["count:keywords_multiple"] = KeywordsMultiple;
  registry["count:numbers"] = Numbers;
  registry["count:person_names"] = PersonNames;
  registry["count:pronouns"] = Pronouns;
  registry["count:punctuation"] = PunctuationCover;
  registry["count:unique_word_count"] = UniqueWordCount;
  registry["count:word_count_range"] = WordCountRange;
  registry["count:words_japanese"] = WordsJapanese;
  registry["ratio:overlap"] = NgramOverlap;
  registry["ratio:sentence_balance"] = SentenceBalance;
  registry["ratio:sentence_type"] = SentenceType;
  registry["ratio:sentence_words"] = SentenceWords;
  registry["ratio:stop_words"] = StopWords;
  registry["repeat:repeat_change"] = RepeatChange;
  registry["repeat:repeat_simple"] = RepeatSimple;
  registry["repeat:repeat_span"] = RepeatSpan;
  registry["sentence:alliteration_increment"] = AlliterationIncrement;
  registry["sentence:increment"] = SentenceIncrement;
  registry["sentence:keyword"] = SentenceKeyword;
  registry["words:alphabet"] = AlphabetLoop;
  registry["words:consonants"] = ConsonantCluster;
  registry["words:keywords_specific_position"] = KeywordSpecificPosition;
  registry["words:last_first"] = LastWordFirstNext;
  registry["words:no_consecutive"] = NoConsecutiveFirstLetter;
  registry["words:odd_even_syllables"] = OddEvenSyllables;
  registry["words:palindrome"] = Palindromes;
  registry["words:paragraph_last_first"] = ParagraphLastFirst;
  registry["words:prime_lengths"] = PrimeLengths;
  registry["words:repeats"] = WordRepeats;
  registry["words:start_verb"] = StartVerb;
  registry["words:vowel"] = VowelParagraph;
  registry["words:words_position"] = WordsPosition;
}

}  // namespace lfm::evals::ifeval
