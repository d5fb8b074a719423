"""Unicode scripts: which script a character belongs to, the language a script names, and the
character forms that tell Chinese, Japanese and Korean Hanja apart."""

from __future__ import annotations

import re
from collections import Counter

# (script, first code point, last code point)
_RANGES: list[tuple[str, int, int]] = [
    ("Latin", 0x41, 0x5A), ("Latin", 0x61, 0x7A), ("Latin", 0xC0, 0x24F),
    ("Latin", 0x1E00, 0x1EFF),
    ("Greek", 0x370, 0x3FF), ("Cyrillic", 0x400, 0x52F), ("Armenian", 0x530, 0x58F),
    ("Hebrew", 0x590, 0x5FF), ("Arabic", 0x600, 0x6FF), ("Arabic", 0x750, 0x77F),
    ("Devanagari", 0x900, 0x97F), ("Bengali", 0x980, 0x9FF), ("Gurmukhi", 0xA00, 0xA7F),
    ("Gujarati", 0xA80, 0xAFF), ("Oriya", 0xB00, 0xB7F), ("Tamil", 0xB80, 0xBFF),
    ("Telugu", 0xC00, 0xC7F), ("Kannada", 0xC80, 0xCFF), ("Malayalam", 0xD00, 0xD7F),
    ("Sinhala", 0xD80, 0xDFF), ("Thai", 0xE00, 0xE7F), ("Lao", 0xE80, 0xEFF), ("Tibetan", 0xF00, 0xFFF),
    ("Myanmar", 0x1000, 0x109F), ("Georgian", 0x10A0, 0x10FF), ("Ethiopic", 0x1200, 0x137F),
    ("Khmer", 0x1780, 0x17FF),
    ("Hangul", 0x1100, 0x11FF), ("Hangul", 0x3130, 0x318F), ("Hangul", 0xAC00, 0xD7A3),
    ("Kana", 0x3040, 0x30FF), ("Kana", 0xFF66, 0xFF9D),
    ("Han", 0x3400, 0x4DBF), ("Han", 0x4E00, 0x9FFF), ("Han", 0xF900, 0xFAFF),
]
# One Hangul syllable or ideograph carries about as much as three Latin letters (romanised
# Korean syllables average about three letters).
SCRIPT_WEIGHT = {"Hangul": 3.0, "Han": 3.0, "Kana": 2.0}
# Scripts that name one language outright, and the default language of shared scripts.
SCRIPT_LANGUAGE = {
    "Hangul": "ko", "Kana": "ja", "Han": "zh", "Thai": "th", "Greek": "el",
    "Hebrew": "he", "Armenian": "hy", "Georgian": "ka", "Bengali": "bn", "Tamil": "ta",
    "Telugu": "te", "Kannada": "kn", "Malayalam": "ml", "Gujarati": "gu", "Gurmukhi": "pa", "Oriya": "or",
    "Sinhala": "si", "Lao": "lo", "Tibetan": "bo", "Myanmar": "my", "Ethiopic": "am", "Khmer": "km",
    "Cyrillic": "ru", "Arabic": "ar", "Devanagari": "hi", "Latin": "en",
}
SHARED_SCRIPT_LANGUAGES = {
    "Cyrillic": {"ru", "uk", "bg", "sr", "mk", "be", "kk", "mn", "ky"},
    "Arabic": {"ar", "fa", "ur", "ps", "ug"},
    "Devanagari": {"hi", "mr", "ne"},
}


def script_of(ch: str) -> str | None:
    code = ord(ch)
    if code < 0x41:
        return None
    for script, low, high in _RANGES:
        if low <= code <= high:
            return script
    return None


def script_counts(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for ch in text:
        script = script_of(ch)
        if script is not None:
            counts[script] += 1
    return counts


# Character forms only Japanese uses (shinjitai and kokuji; Chinese writes them otherwise).
JAPANESE_ONLY_HAN = set("働県労経済浜関駅円広売読鉄桜沢辺栄戦図団剤収択挙歳滝渓薬楽単弾蔵臓様歩黒拝恵込畑峠"
                        "枠匂躾榊辻凪栃畠塀娯霊処仏応営覚")
# Simplified forms only Chinese uses.
SIMPLIFIED_ONLY_HAN = set("们这个说时东车门问长马鸟鱼书买卖见贝页风飞龙电发对开关乐为么还进过运边让话语请谁读华宪"
                          "员樱级约际场简单题谢军样两从实业务网络库图馆层总统阳护报获币确认")
# Traditional forms neither Japanese nor simplified Chinese uses (Korean Hanja, Taiwan, Hong Kong).
TRADITIONAL_ONLY_HAN = set("國學會實體畫廣經濟醫聲觀區氣變兩與當對發禮藝歷鐵戰圖團讀賣驛黨勞縣")
JAPANESE_ONLY_HAN -= SIMPLIFIED_ONLY_HAN | TRADITIONAL_ONLY_HAN
HAN_LANGUAGES = ("zh", "ja", "ko")


NON_LATIN = {
    lang for script, lang in SCRIPT_LANGUAGE.items() if script != "Latin"
} | set().union(*SHARED_SCRIPT_LANGUAGES.values())

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")


def has_hangul(text: str) -> bool:
    return bool(_HANGUL.search(text))
