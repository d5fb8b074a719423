"""``langdetect``, as IFEval, lm-eval's ``ifeval`` and M-IFEval call it, made reproducible.

The references call ``langdetect.detect(text)`` (langdetect 1.0.9, a port of Google's
language-detection): it samples n-grams at random, and they leave it unseeded, so on a short or
mixed text its answer can change from one run to the next. Here each call gets a detector of its
own, seeded with :data:`LANGDETECT_SEED` (what langdetect's ``DetectorFactory.seed`` gives every
detector), so the same text always gets the same answer, and no global state of the ``langdetect``
package is touched. A text with no letters langdetect can use (``"123"``, ``"!!"``) makes langdetect
raise; :func:`langdetect_language` returns ``None`` there and the caller decides as its
reference does (IFEval's and M-IFEval's checkers count that as followed).
"""

from __future__ import annotations

import functools
import threading
from typing import Any

#: the seed of langdetect's random n-gram sampling (``DetectorFactory.seed``), recorded with the verdicts
LANGDETECT_SEED = 0
LANGDETECT_VERSION = "1.0.9"
_LOCK = threading.Lock()


@functools.cache
def _factory() -> Any:
    """langdetect's profiles, loaded once (about a second)."""
    try:
        from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
    except ImportError:
        from xeval.errors import MissingDependencyError

        raise MissingDependencyError("the reference language checks of IFEval and M-IFEval (langdetect)",
                                     f"langdetect=={LANGDETECT_VERSION}") from None
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


def langdetect_language(text: str, seed: int = LANGDETECT_SEED) -> str | None:
    """``langdetect.detect(text)`` with its sampling seeded by ``seed`` (``zh-cn``, ``zh-tw`` for
    Chinese, as langdetect names them); ``None`` where langdetect raises (no usable features)."""
    from langdetect.lang_detect_exception import LangDetectException

    with _LOCK:  # the profiles' first load
        factory = _factory()
    detector = factory.create()
    detector.seed = seed  # DetectorFactory.seed, for this detector only (it seeds its sampling with it)
    detector.append(text)
    try:
        return str(detector.detect())
    except LangDetectException:
        return None
