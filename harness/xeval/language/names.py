"""Language codes (ISO 639-1) and names: the one table templates, judges and reports use."""

from __future__ import annotations

# English names, as prompts say them ("Answer in Swahili.")
LANGUAGE_NAMES = {
    "ko": "Korean", "en": "English", "ja": "Japanese", "zh": "Chinese", "fr": "French",
    "de": "German", "es": "Spanish", "pt": "Portuguese", "ru": "Russian", "it": "Italian",
    "ar": "Arabic", "th": "Thai", "hi": "Hindi", "vi": "Vietnamese", "id": "Indonesian",
    "fi": "Finnish", "tr": "Turkish", "bn": "Bengali", "sw": "Swahili", "ta": "Tamil",
    "ur": "Urdu", "nl": "Dutch", "pl": "Polish", "sv": "Swedish", "uk": "Ukrainian",
    "fa": "Persian", "he": "Hebrew", "el": "Greek", "cs": "Czech", "ro": "Romanian",
    "hu": "Hungarian", "da": "Danish", "no": "Norwegian", "ms": "Malay", "te": "Telugu",
    "mr": "Marathi", "ne": "Nepali", "ca": "Catalan",
}
# Names in the language itself ("한국어"), for reports and native templates
NATIVE_NAMES = {
    "ko": "한국어", "en": "English", "ja": "日本語", "zh": "中文", "fr": "français", "de": "Deutsch",
    "es": "español", "pt": "português", "ru": "русский", "it": "italiano", "ar": "العربية",
    "th": "ไทย", "hi": "हिन्दी", "vi": "Tiếng Việt", "id": "Bahasa Indonesia", "fi": "suomi",
    "tr": "Türkçe", "bn": "বাংলা", "sw": "Kiswahili", "ta": "தமிழ்", "ur": "اردو",
}


def language_name(code: str) -> str:
    """The English name of ``code`` ("ko" -> "Korean"); an unknown code as it is."""
    return LANGUAGE_NAMES.get(code, code)


def native_name(code: str) -> str:
    """The language's own name for itself ("ko" -> "한국어"); else its English name."""
    return NATIVE_NAMES.get(code) or language_name(code)
