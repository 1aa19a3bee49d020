"""Decide which topic a free-text question is about, or admit not knowing.

Each topic of intents.yaml scores a question by its weighted concepts and entities plus
its closeness to the topic's examples (character bigrams and English words). The best
topic is answered only when it scores well and clearly beats the runner-up; otherwise
the dialogue offers the closest topics as buttons, which is better than a confident
answer to the wrong question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

from bot.domain.textnorm import fold_width, normalize
from bot.plans.model import Plan
from bot.qa.entities import Entities, EntityIndex
from bot.qa.features import Query, Vocabulary, arabic_dates, words_of
from bot.yamlfiles import read_yaml

INTENTS_FILE = Path(__file__).with_name("intents.yaml")
CONTEXT_FILE = Path(__file__).with_name("context_pairs.txt")
MIN_SCORE = 2.4
MIN_MARGIN = 0.35
EXAMPLE_WEIGHT = 2.0
COMBINE_RATIO = 0.65
FOCUS_BONUS = 0.4
UNFOCUSED = frozenset({"question", "me", "who", "greeting", "thanks"})
MAX_UNEXPLAINED_CHARS = 4  # more than this: say unsure
MAX_UNEXPLAINED_WORDS = 3
HEDGE_CHARS = 4  # from this on: answer, but say it may not be the whole answer
HEDGE_WORDS = 3
HEDGE_SHARE = 0.2  # …and from this share of a long message on (its story around the question is not doubt)
NEAR_YEARS = 3  # a year this close to the plan's may be another plan's; further ones name policies
OTHER_YEARS = (
    "明年", "去年", "下一年度", "上一年度", "下年度", "上年度", "前一年", "下一年",
    "以前年度", "往年", "歷年", "前幾年",
)  # fmt: skip
_STORY_DAY = re.compile(r"(?:去年|明年|前年)(?:的)?(?:\d{1,2}月|年?底|年?初|年中|開始|起)")
OTHER_YEARS_EN = (" next year ", " last year ", " previous year ", " following year ", " year after ", " next years ")
SELF_ACTIONS = frozenset({"status", "report"})  # about the asker: weaker when nobody says 我 / I
NOT_ABOUT_ME = 1.0
OUTSIDE = "out_of_scope"  # the vocabulary's concept of what the plan does not cover
MINE = "mine"  # the vocabulary's concept of one's own standing
_ARTICLE = re.compile(r"第\d+條")
_DAY = re.compile(r"(?<!\d)(\d{1,2})月(?:(\d{1,2})[日號号]?|(底))")
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DAY_EN = re.compile(r" (?:(end of) )?(" + "|".join(_MONTHS) + r")[a-z]* (?:(\d{1,2}) )?")
_DAY_SLASH = re.compile(r" (\d{1,2}) (\d{1,2}) ")  # 8/31 (the slash is dropped from the words)
# Concepts that ask (when, how many, where, whether) without naming anything of the plan: a question
# made only of these and a word the bot does not know asks about that word (「綜所稅什麼時候報」).
ASKING = frozenset({
    "question", "maximum", "deadline", "hours", "total", "list", "location", "me", "who", "mine", "trouble",
    "condition", "greeting", "thanks",
})  # fmt: skip
_HOW_MANY = re.compile(r"(?:幾|多少)個?")  # 「借幾本」, 「多少容量」: a count of what follows
# Topics the plans only name and describe: any further detail asked of them is not in the plan.
NAMED_ONLY = frozenset({"channels"})
_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")
_CJK_PAIR = re.compile(r"[\u3400-\u9fff]{2}")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_BEFORE_DAY = re.compile(r"(?<!\d)\d{1,2}月?\d{1,2}[日號号]?(?:以前|之前|前)")  # 12/31 is 1231 in the compact text
UNPLANNED_SHARE = 0.15  # at least this share of a question's characters unexplained, with a word the plan never uses
UNPLANNED_WIDE = 0.25  # this share, with such words in two places (or one of three characters), wherever they stand
UNPLANNED_EN = 3  # English: this many words the plan never uses, with a quarter of the words unexplained
MIXED_ENGLISH = 2  # English words, twice as many as Chinese characters (names quoted): judged as English too
BASIS = "basis"
COURSE_WORDS = frozenset({"bundle"})  # 「那堂課」, "the course": the word around a course's name, not asking its bundle
DEADLINE = "deadline"  # 「行政程序法第102條」: the law itself, not the course


@dataclass(frozen=True)
class Topic:
    id: str
    action: bool
    needs: tuple[str, ...]
    signals: dict[str, float]
    examples: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class Match:
    topics: tuple[str, ...]  # empty: not sure; two when the top two are close and both strong
    ranked: tuple[tuple[str, float], ...]
    entities: Entities
    concepts: frozenset[str]
    unexplained: tuple[int, int] = (0, 0)
    other_year: bool = False
    outside: bool = False  # asks about something the plan does not cover (overtime, pay, other cities…)
    unplanned: frozenset[str] = frozenset()  # pairs of characters and English words unexplained, never in the plan
    size: tuple[int, int] = (0, 0)  # (Chinese characters, English words of 3+ letters) of the question
    asked: tuple[int, int] = (0, 0)  # (Chinese characters unexplained, all) of the part that asks

    @property
    def partial(self) -> bool:
        """Part of the question went beyond what was understood: hedge the answer. A long message
        tells its story around the question: words of the story before it (「我是鼓山區公所的承辦人，
        下個月有外賓…，請問…」) and of an afterthought (「…幾小時？阮阿母拄好咧用長照」) are no doubt."""
        chars, words = self.unexplained
        in_part, part = self.asked if self.asked[1] else (chars, self.size[0])
        return bool(self.topics) and (
            (chars >= max(HEDGE_CHARS, HEDGE_SHARE * self.size[0]) and in_part >= max(HEDGE_CHARS, HEDGE_SHARE * part))
            or words >= max(HEDGE_WORDS, HEDGE_SHARE * self.size[1])
        )

    @property
    def topic(self) -> str | None:
        return self.topics[0] if self.topics else None

    @property
    def suggestions(self) -> list[str]:
        return [t for t, _ in self.ranked[:3]]


def grams(q: Query) -> frozenset[str]:
    text = q.compact
    bigrams = {text[i : i + 2] for i in range(len(text) - 1)}
    return frozenset(bigrams | {w for w in q.word_list if len(w) > 1})


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def load_topics(path: Path = INTENTS_FILE) -> list[Topic]:
    data = read_yaml(path)
    topics = []
    for section, action in (("topics", False), ("actions", True)):
        for ident, spec in data[section].items():
            topics.append(
                Topic(
                    id=ident,
                    action=action,
                    needs=tuple(spec["needs"]),
                    signals={str(k): float(v) for k, v in spec["signals"].items()},
                    examples=tuple(grams(Query(e)) for e in spec.get("examples", [])),
                )
            )
    return topics


def _uncovered(q: Query) -> list[re.Match[str]]:
    """The runs of Chinese characters no term, entity or date of the question accounted for."""
    return list(_CJK_RUN.finditer("".join(" " if i in q.covered else c for i, c in enumerate(q.compact))))


def _cjk_count(q: Query) -> int:
    return sum(1 for c in q.compact if "\u3400" <= c <= "\u9fff")


def _pairs_of(text: str) -> frozenset[str]:
    """Every two adjacent Chinese characters of a text."""
    return frozenset(text[i : i + 2] for i in range(len(text) - 1) if _CJK_PAIR.match(text, i))


def _word_count(q: Query) -> int:
    """English words of three letters or more: what counts towards an English question's size."""
    return sum(1 for w in q.word_list if len(w) >= 3)


def _loose_words(q: Query) -> frozenset[str]:
    """The English words of three letters or more that no term accounted for."""
    words = q.word_list
    return frozenset(w for w in words if len(w) >= 3 and w.isascii() and not w.isdigit() and w not in q.covered_words)


_ASKED = re.compile(r"請問|想問|想請問|問一下|請教|敬詢")  # over the compact text: Chinese only
TOLD = 0.6  # a concept only in the story told before 「請問」 weighs this much of what it weighs in the question
WHO_ONE_IS = frozenset({"unpaid_leave", "staff_type", "audience"})  # told of oneself, they decide the answer


_BACK = re.compile(r"這樣|這種|那樣|如此|這麼做|那麼做|這情況|這個情況|此情形")  # the question points back at the story
ASKING_AFTER = 4  # characters at least after 「請問」: 「…問一下而已」 ends a message, it starts no question


def _asked_from(q: Query) -> int:
    """Where in the compact text a message that tells its situation first starts asking
    (「本人擬利用公餘時間修習…，請問須於何日前完成」); 0 when it does not say."""
    found = [m.end() for m in _ASKED.finditer(q.compact) if m.start() > 0 and len(q.compact) - m.end() >= ASKING_AFTER]
    return found[-1] if found else 0


_WHOSE = re.compile(r"(?:的)?(?:app|帳號|帳密|密碼|網站|網頁|系統|軟體)")  # 「銀行app」: another's app
_PARTS = re.compile(r"(?<=[?？])|[\s,，。!！、;；:：~～…]+")  # a question mark ends its part
# What asks: a question mark or word, or A-not-A (算不算, 是不是, 可不可以).
_ASKS = re.compile(r"[?？嗎吗呢怎幾几哪啥]|什麼|甚麼|多少|多久|是否|能否|可否|還是|有沒有|([\u3400-\u9fff])不\1")


# Clauses: as _PARTS, but a space only between Chinese characters (「…幾小時 資訊室叫我們…」), not
# between English words.
_CLAUSES = re.compile(r"(?<=[?？])|[,，。!！、;；:：~～…]+|(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


@dataclass(frozen=True)
class _Part:
    start: int  # in the compact text
    end: int
    asks: bool
    typed: str  # as typed (English words keep their spaces)


def _parts(q: Query) -> list[_Part]:
    """The clauses of the message, where they stand in the compact text and whether each asks;
    [] when the clauses cannot be told apart in the compact text."""
    typed = [p for p in _CLAUSES.split(fold_width(q.raw)) if p]
    pieces = [arabic_dates(normalize(p)) for p in typed]
    if "".join(pieces) != q.compact:
        return []
    found, at = [], 0
    for part, piece in zip(typed, pieces, strict=True):
        found.append(_Part(at, at + len(piece), bool(_ASKS.search(part)), part))
        at += len(piece)
    return found


def _asking_span(q: Query, parts: list[_Part], asked_from: int) -> tuple[int, int]:
    """From the first part that asks (or 「請問」) to the end of the last one: what the question
    is, without the story told before it or an afterthought after it."""
    asking = [(p.start, p.end) for p in parts if p.asks and p.end > asked_from]
    if not asking:
        return asked_from, len(q.compact)
    start = max(asked_from, asking[0][0])
    if _BACK.search(q.compact, start):  # 「…三班制 夜班下班後上課 這樣算公餘嗎」: the story is asked of
        start = 0
    return start, asking[-1][1]


def _asides(q: Query) -> str:
    """The parts of a message of several that ask nothing (「我怕算錯被退件」 after the question),
    in compact form; "" when the message is one part or none of its parts asks."""
    parts = [p for p in _PARTS.split(fold_width(q.raw)) if p]
    asking = [bool(_ASKS.search(p)) for p in parts]
    if len(parts) < 2 or not any(asking):
        return ""
    return " ".join(normalize(p) for p, a in zip(parts, asking, strict=True) if not a)


def _unknown_words(run: str, known: frozenset[str]) -> list[int]:
    """Where in the run two adjacent characters start that no known pair accounts for:
    「在區公所上班」 is 區公所 and 上班 with 在 between, but 「繳房貸」 holds a word of its own."""
    seen = [False] * len(run)
    for i in range(len(run) - 1):
        if run[i : i + 2] in known:
            seen[i] = seen[i + 1] = True
    return [i for i in range(len(run) - 1) if not seen[i] and not seen[i + 1]]


def plan_strings(plan: Plan) -> list[str]:
    """Every text of a plan's rules file (names, steps, conditions, desks), for the words it uses."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(plan.model_dump(mode="json"))
    return found


@cache
def context_pairs(path: Path = CONTEXT_FILE) -> frozenset[str]:
    """Pairs of characters in-scope questions carry beside what the vocabulary knows (學校這邊,
    辦公室, 原因), from the question sets of tests/data/qa: tests/qa/context_pairs.py writes the
    file and checks it is current."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


class Matcher:
    """Per plan: the vocabulary and topics are shared, the entity index is the plan's."""

    def __init__(self, plan: Plan, vocabulary: Vocabulary, topics: list[Topic]) -> None:
        self.plan = plan
        self.vocabulary = vocabulary
        self.topics = topics
        self.entities = EntityIndex(plan, vocabulary.common_terms(), vocabulary.glossary, vocabulary.lexicon)
        self.action_ids = frozenset(t.id for t in topics if t.action)
        text = " ".join(plan_strings(plan))
        self._plan_pairs = _pairs_of(normalize(text))
        self._plan_words = frozenset(words_of(text).split())
        pieces = re.split(r"[^\w]+|\d+年度|推動|數位學習|實施計畫", fold_width(plan.plan.title.zh_TW))
        self._title_pieces = [normalize(p) for p in pieces if len(p) >= 3 and not p.endswith("政府")]  # 「e表人才」
        self._context_pairs = context_pairs()
        self._known_pairs = self._plan_pairs | self._context_pairs  # pairs that are no word of their own
        roc = plan.plan.roc_year
        # The plan's own year (2020, 109年, 109年度): naming it asks nothing more of the plan.
        self._own_year = re.compile(rf"(?<![\d.])(?:{roc + 1911}(?!\d)\s*(?:年度|年)?|{roc}\s*(?:年度|年)(?!\d))")

    def match(self, text: str) -> Match:
        q = Query(self._own_year.sub(" ", fold_width(text)))  # "my 2020 hours" asks of the 2020 plan: "my hours"
        concepts = self.vocabulary.concepts_in(q)
        named = self._plan_day(q)
        if named:  # 「９月三十號前要幹嘛」, 「８月底前要完成嗎」: the plan's own date
            concepts[DEADLINE] = max(concepts.get(DEADLINE, 0), named)
        entities = self.entities.find(q)
        span = self.entities.named_span(q, entities.course) if entities.course else None
        if span is not None:  # 「你今天開會了嗎那門課多久」: the 了嗎 of a course's name asks nothing
            concepts = {name: end for name, end in concepts.items() if not span[0] < end <= span[1]}
        if BASIS in concepts and self.plan.plan.legal_basis:  # 「跟雙語國家政策有關嗎」: the documents it cites
            self.entities.cover_pieces(q, [normalize(self.plan.plan.legal_basis.zh_TW)])
        kinds = entities.kinds()  # what the plan names that the question does (courses, bundles, desks)
        present = set(concepts) | kinds
        focus = self._focus(q, concepts)
        asked_from = _asked_from(q)
        told = {name for name, end in concepts.items() if end <= asked_from} - WHO_ONE_IS  # the story before 「請問」
        g = grams(q)
        scored = []
        for topic in self.topics:
            if not any(n in present for n in topic.needs):
                continue
            score = sum(
                w * (TOLD if name in told and w > 0 else 1.0) for name, w in topic.signals.items() if name in present
            )
            if focus and topic.signals.get(focus, 0.0) >= 1.0:
                score += FOCUS_BONUS
            if topic.id in SELF_ACTIONS and "me" not in present:
                score -= NOT_ABOUT_ME  # 「嘉獎要完成多少小時」 asks the rule, not one's progress
            score += EXAMPLE_WEIGHT * max((similarity(g, e) for e in topic.examples), default=0.0)
            scored.append((topic.id, round(score, 3)))
        scored.sort(key=lambda item: -item[1])
        unexplained, size = q.unexplained(), (_cjk_count(q), _word_count(q))
        topics = self._decide(scored)
        other_year = self._other_year(Query(text))
        # 「我是區公所戶政課的同仁…，請問最晚要在什麼時候完成」: a word of the story told before 請問 is
        # its setting, unless what is asked points back at the story (「…想問這樣時數會算嗎」)
        setting = asked_from if not _BACK.search(q.compact, asked_from) else 0
        parts = _parts(q)  # the clauses, once: the asking span, the afterthought, 「幾」 at a clause's end
        start, end = _asking_span(q, parts, asked_from)
        outside = concepts.get(OUTSIDE, 0) > setting and self._outside_asked(q, parts, concepts[OUTSIDE], setting, end)
        outside = outside or bool(_ARTICLE.search(q.compact))
        runs = _uncovered(q)
        outside = outside or self._core_unknown(q, parts, runs, concepts, kinds, topics)
        unplanned = _pairs_of(" ".join(m.group() for m in runs)) - self._plan_pairs
        unplanned |= _loose_words(q) - self._plan_words
        outside = outside or (
            bool(topics)
            and (not kinds or self._of_a_course_only(kinds, concepts))
            and self._unplanned(q, runs, concepts, unexplained, size, unplanned)
        )
        if self._beyond(unexplained, size) or other_year or outside:
            topics = ()  # too much of the question is beyond what the plan covers
        if topics[:1] == ("hours_check",) and "location" in concepts:  # 「我的時數要去哪裡看」 asks where
            concepts.pop(MINE, None)
        asking = range(start, end)
        asked = (
            sum(1 for i in asking if i not in q.covered and _CJK_CHAR.match(q.compact[i])),
            sum(1 for i in asking if _CJK_CHAR.match(q.compact[i])),
        )
        return Match(
            topics, tuple(scored), entities, frozenset(concepts), unexplained, other_year, outside, unplanned, size,
            asked,
        )  # fmt: skip

    def _outside_asked(self, q: Query, parts: list[_Part], said: int, start: int, end: int) -> bool:
        """What the plan does not cover is said from `start` to the end of the question, not only
        in an afterthought after it (「防範電子郵件社交工程 幾小時 資訊室叫我們一定要上」)."""
        if end >= len(q.compact) or said <= end or not _CJK_CHAR.search(q.compact, end):
            return True  # an English sentence after the question is its reason ("We host delegations from Japan")
        asked = " ".join(p.typed for p in parts if start < p.end <= end)
        return OUTSIDE in self.vocabulary.concepts_in(Query(asked))

    @staticmethod
    def _focus(q: Query, concepts: dict[str, int]) -> str | None:
        """In Chinese the asked-about thing comes last (「…上完可以拿嘉獎嗎」): the concept
        mentioned nearest the end of the question."""
        if not q.sounds:
            return None
        ranked = [(end, name) for name, end in concepts.items() if name not in UNFOCUSED]
        return max(ranked)[1] if ranked else None

    def _core_unknown(
        self,
        q: Query,
        parts: list[_Part],
        runs: list[re.Match[str]],
        concepts: dict[str, int],
        entities: set[str],
        topics: tuple[str, ...],
    ) -> bool:
        """What the question asks about is a word the bot does not know, not filler around a known
        subject: no subject of the plan but an unknown word (「房屋稅什麼時候繳」), a count of an
        unknown thing (「APP佔手機多少容量」, 「一次可以借幾本」), or a detail of what the plan only
        names (「磨課師有哪幾門推薦的」, 「直播什麼時候開播」, 「SPOC專班怎麼報名」)."""
        text = q.compact
        words = [m.group() for m in runs if len(m.group()) >= 2]
        if words and not (set(concepts) - ASKING) and not entities and not self._names_plan(q):
            asides = _asides(q)  # 「截止日期是哪天呀～我怕来不及」: a word in an afterthought asks nothing
            if any(w not in asides for w in words):
                return True
        ends = {p.end for p in parts}  # 「…附件幾？表的全名…」: 幾 ends its part, counting nothing after
        for m in _HOW_MANY.finditer(text):
            after = m.end()
            if after < len(text) and after not in q.covered and after not in ends and _CJK_CHAR.match(text[after]):
                return True
        beyond = [w for w in words if _pairs_of(w) - self._plan_pairs]  # 「用哪個平臺借閱」: the plan's own words
        return bool(set(topics) & NAMED_ONLY) and bool(
            beyond or {DEADLINE, "period", "maximum", "hours", "enrol"} & set(concepts)
        )

    @staticmethod
    def _of_a_course_only(kinds: set[str], concepts: dict[str, int]) -> bool:
        """A course named and nothing the plan says of it asked (its hours, its bundle, enrolling,
        the rewards): what else is asked of it, in words the plan never uses, is the course's
        content or teaching, which a plan does not describe (「台灣長照趨勢那堂有沒有講喘息服務」), or
        what else it counts for (「… course count toward any international affairs training」)."""
        return kinds == {"entity:course"} and not (set(concepts) - ASKING - UNFOCUSED - COURSE_WORDS)

    def _names_plan(self, q: Query) -> bool:
        """The question names the plan by its title's own words (「e表人才」, 「雄心高飛」): a subject."""
        return any(piece in q.compact for piece in self._title_pieces)

    def _unplanned(
        self,
        q: Query,
        runs: list[re.Match[str]],
        concepts: dict[str, int],
        unexplained: tuple[int, int],
        size: tuple[int, int],
        unplanned: frozenset[str],
    ) -> bool:
        """Much of the question is unexplained and holds words the plan never uses, which no
        in-scope question was seen to carry either (context_pairs.txt): the question is about them."""
        unseen = unplanned - self._context_pairs
        if not unseen:
            return False
        cjk, english = size
        in_english = unexplained[1] >= UNPLANNED_WIDE * english and sum(w.isascii() for w in unseen) >= UNPLANNED_EN
        if english > cjk:  # 「The e等公務園 app keeps crashing since the update」
            return in_english
        # An English question around a Chinese name (「Does the 南向政策東南亞的美麗與哀愁 course count
        # toward any international affairs training requirement?」) is judged by its English too.
        return (in_english and MIXED_ENGLISH * english >= cjk) or self._unplanned_chinese(
            q, runs, concepts, unexplained[0], cjk
        )

    def _unplanned_chinese(
        self,
        q: Query,
        runs: list[re.Match[str]],
        concepts: dict[str, int],
        unexplained: int,
        cjk: int,
    ) -> bool:
        """Much of the question is unexplained, and after the last of the plan's subjects it names
        comes a word the plan never uses, which no in-scope question was seen to carry either
        (context_pairs.txt): the question is about that word (「補休可以折現嗎」, 「嘉獎會影響考績
        嗎」), not the subject before it. In Chinese the asked-about thing comes last: a word before
        the subject is its setting (「我在區公所上班 補休最多幾小時」, 「時數可以換成補休嗎」). A
        course or bundle named keeps the question the plan's. Where a quarter of the question is
        unexplained and such words stand in two places (or one of three characters), the plan's
        word is their setting instead (「女兒想學鋼琴 哪家音樂教室的課程比較推」, 「牌照稅什麼時候要繳」).
        A word after the question, in a part of the message that asks nothing, is an afterthought
        (「…可以補修幾小時 我怕算錯被退件😂」). A word just before an app, account or site says
        whose it is, wherever it stands (「銀行app一直登不進去」)."""
        if not cjk or unexplained < UNPLANNED_SHARE * cjk:
            return False
        found = [(m, _unknown_words(m.group(), self._known_pairs)) for m in runs]
        unknown = [m.start() + i for m, starts in found for i in starts]
        if unexplained >= UNPLANNED_WIDE * cjk and len(unknown) >= 2:
            return True
        if any(starts and _WHOSE.match(q.compact, m.end()) for m, starts in found):
            return True
        subject_end = max((end for name, end in concepts.items() if name not in ASKING), default=0)
        after = [at for at in unknown if at >= subject_end]
        if not after:
            return False
        asides = _asides(q)  # only now: it converts each part of the message
        return any(q.compact[at : at + 2] not in asides for at in after)

    @staticmethod
    def _beyond(unexplained: tuple[int, int], size: tuple[int, int]) -> bool:
        """Most of the question is not understood (long polite letters are fine)."""
        cjk, words = size
        return (unexplained[0] > MAX_UNEXPLAINED_CHARS and unexplained[0] > 0.5 * cjk) or (
            unexplained[1] > MAX_UNEXPLAINED_WORDS and unexplained[1] > 0.5 * words
        )

    def _plan_day(self, q: Query) -> int:
        """Where a date of the plan's rewards (9月30日, 8/31, 8月底, Aug 31, end of August) that the
        question names ends (ASCII words: 1); 0 when it names none."""
        days = {(d.month, d.day) for r in self.plan.rewards for _, d in r.dates}
        month_ends = {d.month for r in self.plan.rewards for _, d in r.dates if (d + timedelta(days=1)).day == 1}
        end = 0
        for m in _DAY.finditer(q.compact):
            month, day, month_end = m.groups()
            if (day and (int(month), int(day)) in days) or (month_end and int(month) in month_ends):
                q.cover(m.start(), m.end())
                end = max(end, m.end())
        for m in _DAY_EN.finditer(q.words):
            month_end, name, day = m.groups()
            month = _MONTHS.index(name[:3]) + 1
            if (day and (month, int(day)) in days) or (month_end and not day and month in month_ends):
                q.covered_words.update(m.group(0).split())
                end = max(end, 1)
        for m in _DAY_SLASH.finditer(q.words):
            if (int(m.group(1)), int(m.group(2))) in days:
                start = q.compact.find(m.group(1) + m.group(2))
                q.cover(start, start + len(m.group(1) + m.group(2)))
                end = max(end, start + len(m.group(1) + m.group(2)))
        for m in _BEFORE_DAY.finditer(q.compact):  # 「12/31前上完就好嗎」: asks the deadline, whatever the day
            q.cover(m.start(), m.end())
            end = max(end, m.end())
        return end

    def _other_year(self, q: Query) -> bool:
        """「113年的課程」 or 「明年的課程」 asked of the 112 plan: another plan's year, not this one's."""
        text = _STORY_DAY.sub(" ", q.compact)  # 「我從去年10月開始留職停薪」: when the story began, not a plan
        if any(w in text for w in OTHER_YEARS) or any(w in q.words for w in OTHER_YEARS_EN):
            return True
        info = self.plan.plan
        years = {int(y) for y in re.findall(r"(?<!\d)(\d{3})年", q.compact)}
        years |= {int(y) - 1911 for y in re.findall(r"(?<!\d)(20\d\d)(?!\d)", q.compact)}
        # 2030 of 「2030雙語國家政策」 or 2050 of 「2050淨零排放」 names a policy, not a plan year.
        years = {y for y in years if abs(y - info.roc_year) <= NEAR_YEARS}
        return bool(years) and info.roc_year not in years

    def _decide(self, scored: list[tuple[str, float]]) -> tuple[str, ...]:
        if not scored or scored[0][1] < MIN_SCORE:
            return ()
        top, score = scored[0]
        if len(scored) == 1 or score - scored[1][1] >= MIN_MARGIN:
            second, second_score = scored[1] if len(scored) > 1 else ("", 0.0)
            # A second topic nearly as strong is usually part of the question too.
            if second_score >= max(MIN_SCORE + 1.0, COMBINE_RATIO * score) and not {top, second} & self.action_ids:
                return (top, second)
            return (top,)
        second, second_score = scored[1]
        actions = self.action_ids
        if top in actions or second in actions:
            return ()
        return (top, second) if second_score >= MIN_SCORE else ()
