"""Writes bench/data/langid_cases.jsonl: labelled answers for the language-correctness check.

Written by the xeval project for this check (not taken from any dataset). Each case is
``{"text", "language", "kind", "switch"}``: the language the answer is in, the kind of answer
(the hard kinds are over-represented: 1-3 word replies, ideograph-only CJK, Korean with Hanja
or English terms, code blocks and inline code, markdown lists and tables, numbers and units,
URLs), and whether it really switches language (for the code-switching check).

    python bench/langid_cases.py      # rewrites the file; bench/langid.py reads it
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).parent / "data" / "langid_cases.jsonl"

# Two plain sentences per language.
SENTENCES = {
    "en": ["The museum opens at nine and closes at five on weekdays.",
           "You should water the plant once a week and keep it out of direct sunlight."],
    "ko": ["박물관은 평일 아홉 시에 문을 열고 다섯 시에 닫습니다.",
           "이 식물은 일주일에 한 번 물을 주고 직사광선을 피해야 합니다."],
    "ja": ["博物館は平日の九時に開いて五時に閉まります。",
           "この植物には週に一度水をやり、直射日光を避けてください。"],
    "zh": ["博物馆工作日九点开门，五点关门。", "这种植物每周浇一次水，并且要避免阳光直射。"],
    "de": ["Das Museum öffnet werktags um neun und schließt um fünf.",
           "Du solltest die Pflanze einmal pro Woche gießen und vor direkter Sonne schützen."],
    "fr": ["Le musée ouvre à neuf heures et ferme à dix-sept heures en semaine.",
           "Il faut arroser la plante une fois par semaine et la protéger du soleil direct."],
    "es": ["El museo abre a las nueve y cierra a las cinco entre semana.",
           "Debes regar la planta una vez por semana y protegerla del sol directo."],
    "it": ["Il museo apre alle nove e chiude alle cinque nei giorni feriali.",
           "Dovresti annaffiare la pianta una volta alla settimana e tenerla lontana dal sole diretto."],
    "pt": ["O museu abre às nove e fecha às cinco durante a semana.",
           "Você deve regar a planta uma vez por semana e mantê-la longe do sol direto."],
    "nl": ["Het museum gaat doordeweeks om negen uur open en om vijf uur dicht.",
           "Je moet de plant één keer per week water geven en uit de volle zon houden."],
    "sv": ["Museet öppnar klockan nio och stänger klockan fem på vardagar.",
           "Du bör vattna växten en gång i veckan och hålla den borta från direkt solljus."],
    "pl": ["Muzeum jest otwarte w dni powszednie od dziewiątej do siedemnastej.",
           "Roślinę należy podlewać raz w tygodniu i chronić przed bezpośrednim słońcem."],
    "ru": ["Музей открывается в девять и закрывается в пять по будним дням.",
           "Растение нужно поливать раз в неделю и беречь от прямых солнечных лучей."],
    "ar": ["يفتح المتحف في التاسعة ويغلق في الخامسة في أيام الأسبوع.",
           "يجب أن تسقي النبتة مرة في الأسبوع وتبعدها عن أشعة الشمس المباشرة."],
    "hi": ["संग्रहालय सप्ताह के दिनों में नौ बजे खुलता है और पाँच बजे बंद होता है।",
           "आपको पौधे को सप्ताह में एक बार पानी देना चाहिए और सीधी धूप से बचाना चाहिए।"],
    "th": ["พิพิธภัณฑ์เปิดเก้าโมงและปิดห้าโมงเย็นในวันธรรมดา",
           "คุณควรรดน้ำต้นไม้สัปดาห์ละครั้งและอย่าให้โดนแดดโดยตรง"],
    "vi": ["Bảo tàng mở cửa lúc chín giờ và đóng cửa lúc năm giờ vào các ngày trong tuần.",
           "Bạn nên tưới cây mỗi tuần một lần và để cây tránh ánh nắng trực tiếp."],
    "id": ["Museum buka pukul sembilan dan tutup pukul lima pada hari kerja.",
           "Anda sebaiknya menyiram tanaman seminggu sekali dan menjauhkannya dari sinar matahari langsung."],
    "tr": ["Müze hafta içi saat dokuzda açılır ve beşte kapanır.",
           "Bitkiyi haftada bir kez sulamalı ve doğrudan güneş ışığından korumalısın."],
    "sw": ["Jumba la makumbusho hufunguliwa saa tatu na kufungwa saa kumi na moja siku za kazi.",
           "Unapaswa kumwagilia mmea mara moja kwa wiki na kuuepusha na jua kali."],
}

# One- to three-word replies, as answers to yes/no or short questions.
SHORT = {
    "en": ["No.", "OK", "Sure!", "Correct", "Yes, exactly.", "Thank you!", "Not really."],
    "ko": ["네.", "아니요", "맞아요!", "감사합니다", "서울"],
    "ja": ["はい。", "いいえ", "ありがとう", "そうです", "東京です"],
    "zh": ["是的。", "不是", "谢谢你", "对", "北京"],
    "de": ["Ja.", "Nein, danke.", "Genau!", "Stimmt", "Auf jeden Fall"],
    "fr": ["Oui.", "Non, merci.", "D'accord", "Exactement !", "Bien sûr"],
    "es": ["Sí.", "Claro que sí", "Gracias", "Exacto", "De acuerdo"],
    "it": ["Sì.", "Grazie mille", "Esatto", "Va bene", "Certo!"],
    "pt": ["Sim.", "Obrigado!", "Com certeza", "Não, obrigada", "Exatamente"],
    "nl": ["Ja, hoor.", "Nee, dank je", "Precies", "Dank u wel", "Klopt"],
    "sv": ["Ja.", "Nej tack", "Absolut!", "Tack så mycket", "Precis"],
    "pl": ["Tak.", "Nie, dziękuję", "Dokładnie", "Oczywiście", "Dziękuję bardzo"],
    "ru": ["Да.", "Нет, спасибо", "Конечно", "Спасибо", "Москва"],
    "ar": ["نعم.", "لا، شكرا", "بالتأكيد", "شكرا جزيلا"],
    "hi": ["हाँ।", "नहीं, धन्यवाद", "बिल्कुल", "धन्यवाद"],
    "th": ["ใช่", "ไม่ใช่ครับ", "ขอบคุณค่ะ", "แน่นอน"],
    "vi": ["Vâng.", "Không, cảm ơn", "Chính xác", "Cảm ơn bạn"],
    "id": ["Ya.", "Tidak, terima kasih", "Tentu saja", "Betul"],
    "tr": ["Evet.", "Hayır, teşekkürler", "Kesinlikle", "Teşekkür ederim"],
    "sw": ["Ndiyo.", "Asante sana", "Hapana", "Sawa kabisa"],
}

IDEOGRAPHS = [
    ("ja", "東京都千代田区霞が関一丁目"), ("ja", "大阪府大阪市北区梅田三丁目"), ("ja", "個人情報保護法"),
    ("ja", "厚生労働省"), ("ja", "国土交通省"), ("ja", "京都府京都市左京区"), ("ja", "神奈川県横浜市"),
    ("ja", "経済産業省"), ("ja", "労働基準法第三十二条"), ("ja", "北海道札幌市中央区"),
    ("zh", "中华人民共和国宪法"), ("zh", "北京市海淀区"), ("zh", "国家发展和改革委员会"), ("zh", "上海浦东国际机场"),
    ("zh", "个人信息保护法"), ("zh", "广东省深圳市南山区"), ("zh", "教育部"), ("zh", "长江三角洲"),
    ("zh", "这个问题很简单"), ("zh", "谢谢大家"),
]
KOREAN_HANJA = [
    "大韓民國 헌법 제1조", "大韓民國은 民主共和國이다.", "漢字 교육은 중학교에서 시작합니다.",
    "이 사건은 三國史記에 기록되어 있습니다.", "그는 高麗大學校를 졸업했다.", "憲法 제10조는 인간의 존엄을 규정합니다.",
    "정답은 仁義禮智입니다.", "서울特別市 종로구", "訓民正音은 1446년에 반포되었다.", "經濟 성장률이 둔화되었다.",
]
KOREAN_ENGLISH_TERMS = [
    "GPU를 사용하면 PyTorch 모델 학습이 훨씬 빨라집니다.", "API key는 환경 변수에 저장하세요.",
    "이 함수는 JSON 파일을 읽어서 dict로 반환합니다.", "BERT와 GPT는 모두 Transformer 기반 모델입니다.",
    "Docker container를 재시작하면 문제가 해결됩니다.", "CPU 사용률이 90%를 넘으면 alert가 발생합니다.",
    "React component의 state가 바뀌면 다시 render됩니다.", "이번 release에서 bug fix가 세 건 있었습니다.",
    "Python 3.11 이상이 필요합니다.", "Git branch를 만들고 pull request를 보내 주세요.",
    "OpenAI의 ChatGPT는 2022년에 공개되었습니다.", "SQL query가 느리면 index를 추가해 보세요.",
    "이 논문은 NeurIPS에 accept되었습니다.", "Wi-Fi 비밀번호는 router 뒷면에 있습니다.",
    "YouTube 영상의 조회수가 100만을 넘었습니다.",
]
CODE_BLOCKS = {
    "ko": "다음 코드를 실행하면 됩니다:\n```python\ndef greet(name):\n    return f\"Hello, {name}!\"\n\nprint(greet(\"world\"))\n```\n이 함수는 인사말을 반환합니다.",
    "en": "Run this:\n```bash\npip install requests\npython -m http.server 8000\n```\nThen open the page in your browser.",
    "ja": "次のコードを使ってください。\n```python\nimport json\nwith open('data.json') as f:\n    data = json.load(f)\n```\nこれでファイルを読み込めます。",
    "de": "So liest du die Datei ein:\n```python\nwith open('daten.txt') as f:\n    lines = f.readlines()\n```\nDanach enthält die Liste alle Zeilen.",
    "fr": "Voici un exemple :\n```js\nconst total = items.reduce((sum, x) => sum + x.price, 0);\nconsole.log(total);\n```\nCette ligne calcule le prix total.",
    "es": "Puedes hacerlo así:\n```sql\nSELECT name, count(*) FROM users GROUP BY name;\n```\nEsta consulta cuenta los usuarios por nombre.",
    "zh": "可以这样写：\n```python\nfor i in range(10):\n    print(i * i)\n```\n这段代码会输出十个平方数。",
    "ru": "Попробуйте так:\n```python\nresult = sorted(values, key=lambda v: v.score)\n```\nЭтот код сортирует значения по оценке.",
    "pt": "Use o seguinte comando:\n```bash\ngit checkout -b nova-funcionalidade\n```\nIsso cria um novo ramo de trabalho.",
    "it": "Ecco la soluzione:\n```python\nimport os\nprint(os.getcwd())\n```\nQuesto stampa la cartella corrente.",
}
INLINE_CODE = [
    ("ko", "`pip install xeval`을 실행한 뒤 `xeval run`으로 평가하세요."),
    ("ko", "설정 파일의 `max_tokens` 값을 `512`로 바꾸면 됩니다."),
    ("en", "Call `load_dataset()` with `split=\"test\"` to get the test rows."),
    ("en", "Set `export CUDA_VISIBLE_DEVICES=0` before running the script."),
    ("ja", "`npm install` を実行してから `npm start` で起動します。"),
    ("de", "Führe `make test` aus, bevor du `git push` machst."),
    ("fr", "Utilisez `df.groupby('pays').mean()` pour obtenir la moyenne par pays."),
    ("es", "Cambia `DEBUG = True` por `DEBUG = False` en producción."),
    ("zh", "运行 `python main.py --epochs 10` 开始训练。"),
    ("ru", "Выполните `docker compose up -d`, чтобы запустить сервисы."),
    ("pt", "Adicione `import numpy as np` no início do arquivo."),
    ("it", "Esegui `pytest -q` per lanciare i test."),
    ("nl", "Gebruik `git status` om de gewijzigde bestanden te zien."),
    ("tr", "Sunucuyu başlatmak için `uvicorn app:app --reload` komutunu çalıştırın."),
    ("vi", "Chạy lệnh `npm run build` để tạo bản phát hành."),
]
LISTS = {
    "en": "- apples\n- bananas\n- cherries", "ko": "- 사과\n- 바나나\n- 체리", "ja": "- りんご\n- バナナ\n- さくらんぼ",
    "zh": "- 苹果\n- 香蕉\n- 樱桃", "de": "- Äpfel\n- Bananen\n- Kirschen", "fr": "- pommes\n- bananes\n- cerises",
    "es": "- manzanas\n- plátanos\n- cerezas", "it": "- mele\n- banane\n- ciliegie", "pt": "- maçãs\n- bananas\n- cerejas",
    "nl": "- appels\n- bananen\n- kersen", "sv": "- äpplen\n- bananer\n- körsbär", "pl": "- jabłka\n- banany\n- wiśnie",
    "ru": "- яблоки\n- бананы\n- вишни", "tr": "- elma\n- muz\n- kiraz", "id": "- apel\n- pisang\n- ceri",
}
LIST_INTROS = {
    "en": "Here are the three fruits:\n{}", "ko": "과일 세 가지는 다음과 같습니다:\n{}", "ja": "三つの果物は次の通りです。\n{}",
    "zh": "三种水果如下：\n{}", "de": "Hier sind die drei Früchte:\n{}", "fr": "Voici les trois fruits :\n{}",
    "es": "Estas son las tres frutas:\n{}", "it": "Ecco i tre frutti:\n{}", "pt": "Aqui estão as três frutas:\n{}",
    "nl": "Dit zijn de drie vruchten:\n{}", "sv": "Här är de tre frukterna:\n{}", "pl": "Oto trzy owoce:\n{}",
    "ru": "Вот три фрукта:\n{}", "tr": "İşte üç meyve:\n{}", "id": "Berikut tiga buah:\n{}",
}
TABLES = {
    "en": "| City | Population |\n|---|---|\n| Seoul | 9.4M |\n| Busan | 3.3M |",
    "ko": "| 도시 | 인구 |\n|---|---|\n| 서울 | 940만 |\n| 부산 | 330만 |",
    "ja": "| 都市 | 人口 |\n|---|---|\n| 東京 | 1400万 |\n| 大阪 | 270万 |",
    "de": "| Stadt | Einwohner |\n|---|---|\n| Berlin | 3,7 Mio. |\n| Hamburg | 1,9 Mio. |",
    "fr": "| Ville | Population |\n|---|---|\n| Paris | 2,1 M |\n| Lyon | 0,5 M |",
    "es": "| Ciudad | Población |\n|---|---|\n| Madrid | 3,3 M |\n| Sevilla | 0,7 M |",
    "zh": "| 城市 | 人口 |\n|---|---|\n| 北京 | 2189万 |\n| 上海 | 2487万 |",
    "ru": "| Город | Население |\n|---|---|\n| Москва | 13 млн |\n| Казань | 1,3 млн |",
}
NUMBERS = {
    "en": ["About 42 km, roughly 26 miles.", "It costs $19.99.", "3.5 GB of RAM", "100 °C"],
    "ko": ["약 42km입니다.", "가격은 19,900원입니다.", "3.5GB 메모리가 필요합니다.", "섭씨 100도"],
    "ja": ["約42kmです。", "価格は1,980円です。", "3.5GBのメモリ"],
    "zh": ["大约42公里。", "价格是19.9元。", "需要3.5GB内存"],
    "de": ["Etwa 42 km.", "Es kostet 19,99 €.", "3,5 GB Arbeitsspeicher"],
    "fr": ["Environ 42 km.", "Cela coûte 19,99 €.", "3,5 Go de mémoire"],
    "es": ["Unos 42 km.", "Cuesta 19,99 €.", "3,5 GB de memoria"],
    "ru": ["Около 42 км.", "Стоит 199 рублей.", "3,5 ГБ памяти"],
    "pt": ["Cerca de 42 km.", "Custa R$ 19,99.", "3,5 GB de memória"],
}
URLS = [
    ("en", "See https://docs.python.org/3/library/json.html for details."),
    ("en", "The docs are at https://example.com/guide/install#linux."),
    ("ko", "자세한 내용은 https://docs.python.org/3/library/json.html 을 참고하세요."),
    ("ko", "설치 방법은 https://github.com/example/project/blob/main/README.md 에 있습니다."),
    ("ja", "詳しくは https://docs.python.org/ja/3/ をご覧ください。"),
    ("zh", "详情请见 https://www.example.cn/docs/start 页面。"),
    ("de", "Mehr dazu unter https://de.wikipedia.org/wiki/Berlin nachlesen."),
    ("fr", "Plus d'informations sur https://www.example.fr/aide/installation."),
    ("es", "Más información en https://es.wikipedia.org/wiki/Madrid por favor."),
    ("ru", "Подробности на https://ru.wikipedia.org/wiki/Москва здесь."),
    ("it", "Trovi la guida su https://www.example.it/guida/installazione."),
    ("pt", "Veja https://pt.wikipedia.org/wiki/Lisboa para saber mais."),
    ("nl", "Meer informatie op https://www.example.nl/hulp/installatie."),
    ("ko", "https://www.naver.com"),
    ("en", "Contact support@example.com or visit www.example.com/help."),
    ("ko", "문의는 support@example.com 으로 보내 주세요."),
    ("ja", "お問い合わせは support@example.jp までお願いします。"),
    ("sv", "Läs mer på https://sv.wikipedia.org/wiki/Stockholm om staden."),
    ("pl", "Więcej informacji na https://pl.wikipedia.org/wiki/Warszawa o mieście."),
    ("tr", "Ayrıntılar için https://tr.wikipedia.org/wiki/İstanbul adresine bakın."),
]
# Real code-switching: the answer changes language for a whole sentence.
SWITCHES = [
    ("ko", "서울은 한국의 수도입니다. The population is about nine million people."),
    ("ko", "박물관은 아홉 시에 엽니다.\nI hope this helps you plan your visit!"),
    ("ko", "이 식물은 물을 자주 주면 안 됩니다. ありがとうございます。"),
    ("ko", "답변드리겠습니다. この問題はとても難しいですね。"),
    ("en", "The museum opens at nine. 감사합니다, 좋은 하루 보내세요."),
    ("en", "Paris is the capital of France. C'est une ville magnifique et très animée."),
    ("ja", "東京は日本の首都です。The city has a population of fourteen million."),
    ("zh", "北京是中国的首都。It is one of the oldest cities in the world."),
    ("de", "Berlin ist die Hauptstadt Deutschlands. It is also the largest city in the country."),
    ("fr", "Le musée ouvre à neuf heures. The entrance is free on Sundays for everyone."),
    ("es", "Madrid es la capital de España. The city is famous for its art museums."),
    ("ru", "Москва — столица России. The city has many beautiful parks and museums."),
    ("en", "Here is the answer in Korean:\n서울은 대한민국의 수도이자 가장 큰 도시입니다."),
    ("ko", "요약하면 다음과 같습니다.\nIn short, the model performs well on all benchmarks."),
    ("en", "Sure, I can help with that. 但是我需要更多的信息才能回答。"),
    ("ja", "はい、わかりました。서울에서 만나면 좋겠습니다."),
]


def cases() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []

    def add(text: str, language: str, kind: str, switch: bool = False) -> None:
        out.append({"text": text, "language": language, "kind": kind, "switch": switch})

    for language, texts in SENTENCES.items():
        for text in texts:
            add(text, language, "sentence")
    for language, texts in SHORT.items():
        for text in texts:
            add(text, language, "short")
    for language, text in IDEOGRAPHS:
        add(text, language, "ideographs_only")
    for text in KOREAN_HANJA:
        add(text, "ko", "korean_hanja")
    for text in KOREAN_ENGLISH_TERMS:
        add(text, "ko", "korean_english_terms")
    for language, text in CODE_BLOCKS.items():
        add(text, language, "code_block")
        add(f"{SENTENCES[language][0]}\n\n{text}", language, "code_block")
    for language, text in INLINE_CODE:
        add(text, language, "inline_code")
    for language, items in LISTS.items():
        add(items, language, "markdown_list")
        add(LIST_INTROS[language].format(items), language, "markdown_list")
    for language, table in TABLES.items():
        add(table, language, "markdown_table")
        add(f"{SENTENCES[language][1]}\n\n{table}", language, "markdown_table")
    for language, texts in NUMBERS.items():
        for text in texts:
            add(text, language, "numbers_units")
    for language, text in URLS:
        add(text, language, "url")
    for language, (first, second) in SENTENCES.items():  # the same material around real sentences
        add(f"{first} https://example.com/{language}/info?id=42", language, "url")
        add(f"{second} (2024-03-15, 12.5 kg, 30%, v2.1.0)", language, "numbers_units")
        add(f"`config.yaml` — {first}", language, "inline_code")
        add(f"## {first}\n\n> **{second}**", language, "markdown_other")
    for language, text in SWITCHES:
        add(text, language, "code_switching", switch=True)
    return out


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    rows = cases()
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    languages = {r["language"] for r in rows}
    print(f"{len(rows)} cases, {len(languages)} languages -> {OUT}")


if __name__ == "__main__":
    main()
