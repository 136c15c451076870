#!/usr/bin/python3
"""Writes the langdetect reference verdicts that evals/scoring/ifeval/langdetect_test.cc checks.

Runs the reference itself, langdetect 1.0.9 (Debian's python3-langdetect), on a few hundred
varied texts: hand-written sentences in 20 languages, short, mixed-language, all-capital and
all-lowercase texts, texts without letters, URLs and e-mail addresses, Vietnamese with
combining marks, and IFEval prompts with their upper- and lower-case forms. For each text it
records what `langdetect.detect` returns with `DetectorFactory.seed = 0` (null where it raises
LangDetectException) and the IFEval verdicts of change_case:english_capital,
change_case:english_lowercase and language:response_language computed as the official
checker's check_following computes them.

Profiles are loaded in file-name order, as the C++ port loads them (langdetect itself uses
os.listdir order); `order_sensitive` marks a text whose answer changes with listdir order, and
`stable` tells whether ten unseeded runs (the IFEval checker never seeds langdetect) all agreed
with the seeded answer.

  /usr/bin/python3 scripts/langdetect_vectors.py DATA_DIR > evals/scoring/ifeval/testdata/langdetect_vectors.jsonl
DATA_DIR is the shared datasets folder (for ifeval/input_data.jsonl); the Python must be the one
Debian's python3-langdetect is installed for.
"""
import json
import os
import random
import sys

from langdetect import DetectorFactory, LangDetectException
from langdetect.detector_factory import PROFILES_DIRECTORY

SENTENCES = {
    "en": ["The quick brown fox jumps over the lazy dog near the river bank.",
           "I would like to book a table for two people tomorrow evening.",
           "Machine learning models need a lot of data to generalize well."],
    "fr": ["Le chat dort sur le canapé pendant que nous préparons le dîner.",
           "Je voudrais réserver une chambre pour deux nuits, s'il vous plaît."],
    "de": ["Der Hund läuft schnell über die große Wiese hinter dem Haus.",
           "Ich möchte morgen früh mit dem Zug nach Berlin fahren."],
    "es": ["El perro corre rápidamente por el parque cada mañana.",
           "Me gustaría aprender a cocinar platos tradicionales de mi país."],
    "it": ["Il gatto dorme sul divano mentre noi prepariamo la cena.",
           "Vorrei prenotare un tavolo per quattro persone stasera."],
    "pt": ["O menino brinca no jardim com o seu cachorro todos os dias.",
           "Eu gostaria de visitar o museu amanhã de manhã."],
    "nl": ["De kinderen spelen buiten in de tuin terwijl het regent.",
           "Ik wil graag een kopje koffie met melk en suiker."],
    "ru": ["Собака быстро бежит по большому полю за домом.",
           "Я хотел бы заказать столик на двоих сегодня вечером."],
    "uk": ["Мені дуже подобається читати книжки українською мовою."],
    "zh-cn": ["我们明天早上去公园散步，然后一起吃早饭。", "这个问题很难回答，需要更多的时间思考。"],
    "zh-tw": ["這個問題很難回答，需要更多的時間思考與討論。"],
    "ja": ["私は毎朝コーヒーを飲んでから会社に行きます。", "きょうはとてもいいてんきですね。"],
    "ko": ["저는 매일 아침 커피를 마시고 회사에 갑니다.", "오늘 날씨가 정말 좋네요."],
    "ar": ["أحب قراءة الكتب في المساء بعد العمل.", "ذهبنا إلى السوق لشراء الخضار والفواكه."],
    "fa": ["من هر روز صبح قهوه می‌نوشم و به کار می‌روم."],
    "hi": ["मैं हर सुबह चाय पीता हूँ और फिर काम पर जाता हूँ।"],
    "he": ["אני אוהב לקרוא ספרים בערב אחרי העבודה."],
    "th": ["ฉันชอบดื่มกาแฟทุกเช้าก่อนไปทำงาน"],
    "el": ["Μου αρέσει να διαβάζω βιβλία το βράδυ μετά τη δουλειά."],
    "tr": ["Her sabah kahve içip işe gidiyorum ve akşam kitap okuyorum."],
    "pl": ["Codziennie rano piję kawę i jadę do pracy tramwajem."],
    "vi": ["Tôi thích đọc sách vào buổi tối sau khi làm việc.",
           # letters followed by combining marks (U+0300 grave, U+0301 acute, U+0323 dot below)
           "Tro\u0300i ho\u0301m nay đe\u0323p qua\u0301 va\u0300 chu\u0301ng tôi đi da\u0323o."],
}

SPECIAL = [
    "", " ", "123 456 789", "!!! ??? ...", "***", "\u2014\u2014", "😀😀😀", "ok", "Ok.", "A",
    "a", "HI", "hi", "I", "OK", "NASA", "NASA AND ESA", "THE END", "USA, UK AND EU",
    "the end", "yes", "YES", "no", "Si", "ja", "oui", "dziękuję", "спасибо", "谢谢", "ありがとう",
    "visit https://example.com/path?x=1 now", "https://example.com/only",
    "mail me at john.doe@example.com today", "john.doe@example.com",
    "a" * 80 + "@" + "b" * 10 + ".com text here", "x" * 12000, "ab " * 4000,
    "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG.",
    "the quick brown fox jumps over the lazy dog.",
    "THE QUICK BROWN fox JUMPS OVER THE lazy DOG.",
    "HELLO, THIS IS A TEST OF ALL CAPITAL LETTERS IN ENGLISH TEXT.",
    "ÇA VA TRÈS BIEN, MERCI BEAUCOUP POUR VOTRE AIDE.",
    "ÜBER DIE BRÜCKE GEHEN WIR MORGEN FRÜH.",
    "Hello world, bonjour le monde, hola mundo, hallo Welt.",
    "This sentence is English but contains 中文字符 in the middle.",
    "Это русский текст with some English words inside it.",
    "東京 Tokyo 大阪 Osaka 京都 Kyoto",
    "ǅungla ǈubljana ǋjegoš", "ⅫⅣ Roman numerals ⅷ", "ΑΒΓΔ ΕΖΗΘ", "aBc DeF gHi",
    "ÀÉÎÕÜ", "İstanbul ve İzmir", "Ⓐⓑⓒ circled", "ﬁnance ﬂow", "Straße", "ß",
    "\u00a0\u00ab\u00b0\u00bb", "ș ț Ș Ț românește", "ی ی ی", "ヴァ ヵ ㇰ", "ㄅㄆㄇ", "가나다라",
    "Ceci est un texte français écrit en MAJUSCULES ET minuscules.",
    "1. First item\n2. Second item\n3. Third item",
    "```json\n{\"a\": 1}\n```",
    # mostly non-Latin texts whose Latin letters cleaning_text removes
    "这个问题很难回答，需要更多的时间思考。我们明天早上去公园散步。 ok fine yes", "Привет Hi",
    "北京 Beijing 上海 Shanghai 广州", "こんにちは world",
    # U+1Exx letters count as non-Latin there too (langdetect compares a block number with a name)
    "ếệềểễ ựửữừứ ab", "Người ấy đã ở đây rồi ạ ok", "<<TITLE>> some text", "P.S. see you", "Section 1\nSection 2",
]


def load_factory():
    factory = DetectorFactory()
    names = sorted(n for n in os.listdir(PROFILES_DIRECTORY) if not n.startswith("."))
    profiles = []
    for name in names:
        with open(os.path.join(PROFILES_DIRECTORY, name), encoding="utf-8") as f:
            profiles.append(f.read())
    factory.load_json_profile(profiles)
    return factory


def detect(factory, text, seed):
    factory.seed = seed
    detector = factory.create()
    detector.append(text)
    try:
        return detector.detect()
    except LangDetectException:
        return None


def texts(data_dir):
    out = list(SPECIAL)
    for lang, sentences in SENTENCES.items():
        for s in sentences:
            out += [s, s.upper(), s.lower(), s.split()[0], " ".join(s.split()[:3])]
    langs = list(SENTENCES)
    rng = random.Random(7)
    for _ in range(60):  # two-language mixtures of different proportions
        a, b = rng.sample(langs, 2)
        sa, sb = rng.choice(SENTENCES[a]), rng.choice(SENTENCES[b])
        out.append(sa + " " + " ".join(sb.split()[: rng.randint(1, 6)]))
    with open(os.path.join(data_dir, "ifeval", "input_data.jsonl"), encoding="utf-8") as f:
        prompts = [json.loads(line)["prompt"] for line in f][:60]
    for p in prompts:
        out += [p, p.upper(), p.lower()]
    seen, unique = set(), []
    for t in out:
        if t not in seen:
            seen.add(t)
            unique.append(t)
    return unique


def main():
    data_dir = sys.argv[1]
    factory = load_factory()
    listdir_factory = DetectorFactory()
    listdir_factory.load_profile(PROFILES_DIRECTORY)
    for i, text in enumerate(texts(data_dir)):
        lang = detect(factory, text, 0)
        unseeded = {detect(factory, text, None) for _ in range(10)}
        lang_label = "en" if lang is None else lang
        record = {
            "id": f"langdetect-{i:03d}",
            "text": text,
            "detected": lang,
            "stable": unseeded == {lang},
            "order_sensitive": detect(listdir_factory, text, 0) != lang,
            # the official check_following of each instruction (LangDetectException -> True)
            "english_capital": text.isupper() and (lang is None or lang == "en"),
            "english_lowercase": text.islower() and (lang is None or lang == "en"),
            "response_language": {"en": lang is None or lang == "en",
                                  "fr": lang is None or lang == "fr",
                                  lang_label: True},
        }
        print(json.dumps(record, ensure_ascii=False))


if __name__ == "__main__":
    main()
