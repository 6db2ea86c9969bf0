"""The scoring conventions published SLAKE results use, one function each, so a row can stand beside theirs.

* `llava_med_closed` — LLaVA-Med's "yes/no accuracy" for CLOSED questions (microsoft/LLaVA-Med,
  llava/eval/run_eval.py, `evaluate`): prediction and reference lower-cased and normalised
  (`llava_med_normalize`, their eval_metrics/glossary.py `normalize_word`); a hit when the prediction
  contains "yes" or "no" (as substrings) *and* contains the reference as a substring, else a miss. It is an
  English rule: a Chinese answer never contains "yes"/"no", so medqa scores it on English questions only.
  (The first release, commit e9972cf, appended nothing for a wrong answer that contains yes/no, dropping it
  from the denominator; commit b9a98a7, "fix closed accuracy calculation (#35)", Dec 2023, counts it as 0,
  which medqa follows. LLaVA-Med v1.5's main branch no longer ships run_eval.py.)
* `llava_med_open_recall` — LLaVA-Med's "recall" for OPEN questions (the figure its paper reports as open
  accuracy): `calculate_f1score` in llava/eval/eval_metrics/evaluate_metrics.py over whitespace words of the
  normalised texts: tp = the prediction's count of each word the reference has, fn = the reference's count of
  each word the prediction lacks, recall = tp / (tp + fn); 0 for an empty side or no overlap. English text
  is split exactly as theirs. Their split leaves a Chinese answer as one "word" (Chinese has no spaces), so
  recall would be all-or-nothing on the whole string; medqa splits CJK runs into characters (Latin words such
  as "MRI", "T2" stay whole). No published SLAKE code computes recall on Chinese; characters, not jieba words,
  because SLAKE's Chinese answers are short terms (肝脏, 左肺, 横断面) where a segmenter's choice (肝 / 肝脏)
  would decide the match, and characters are medqa's main ROUGE tokens too.
* `exact_match` — the normalised exact match of lmms-eval's SLAKE task (EvolvingLMMs-Lab/lmms-eval,
  lmms_eval/tasks/slake/utils.py, `normalize_answer`), the one published SLAKE scorer that handles Chinese:
  lower-cased, parenthesised asides dropped, ASCII and Chinese punctuation made spaces, spaces collapsed,
  "x ray" = "xray", and yes/no words in either language mapped to yes / no (是的, 有, 包含 ... = yes;
  不是, 没有, 不包含 ... = no). Used for CLOSED and OPEN, English and Chinese.
"""

from __future__ import annotations

import re
import string
from collections import Counter

# -- LLaVA-Med (llava/eval/eval_metrics/glossary.py): the tables its normalize_word reads --------------------
_LLAVA_PUNCT = (";", "/", "[", "]", '"', "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?",
                "!")
# Their pattern as written: "(?!<=" is a look-ahead typo, so it removes every period not followed by a digit.
_LLAVA_PERIOD = re.compile(r"(?!<=\d)(\.)(?!\d)")
_LLAVA_COMMA = re.compile(r"(\d)(,)(\d)")
_LLAVA_NUMBERS = {"none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                  "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10"}
_LLAVA_ARTICLES = {"a", "an", "the"}
# Apostrophe-less English contractions and the form their normalize_word restores (VQA's table).
_LLAVA_CONTRACTIONS = dict(re.findall(r"(\S+)=(\S+)", (
    "aint=ain't arent=aren't cant=can't couldve=could've couldnt=couldn't couldn'tve=couldn't've "
    "couldnt've=couldn't've didnt=didn't doesnt=doesn't dont=don't hadnt=hadn't hadnt've=hadn't've "
    "hadn'tve=hadn't've hasnt=hasn't havent=haven't hed=he'd hed've=he'd've he'dve=he'd've hes=he's howd=how'd "
    "howll=how'll hows=how's Id've=I'd've I'dve=I'd've Im=I'm Ive=I've isnt=isn't itd=it'd itd've=it'd've "
    "it'dve=it'd've itll=it'll let's=let's maam=ma'am mightnt=mightn't mightnt've=mightn't've "
    "mightn'tve=mightn't've mightve=might've mustnt=mustn't mustve=must've neednt=needn't notve=not've "
    "oclock=o'clock oughtnt=oughtn't ow's'at='ow's'at 'ows'at='ow's'at 'ow'sat='ow's'at shant=shan't "
    "shed've=she'd've she'dve=she'd've she's=she's shouldve=should've shouldnt=shouldn't "
    "shouldnt've=shouldn't've shouldn'tve=shouldn't've somebody'd=somebodyd somebodyd've=somebody'd've "
    "somebody'dve=somebody'd've somebodyll=somebody'll somebodys=somebody's someoned=someone'd "
    "someoned've=someone'd've someone'dve=someone'd've someonell=someone'll someones=someone's "
    "somethingd=something'd somethingd've=something'd've something'dve=something'd've somethingll=something'll "
    "thats=that's thered=there'd thered've=there'd've there'dve=there'd've therere=there're theres=there's "
    "theyd=they'd theyd've=they'd've they'dve=they'd've theyll=they'll theyre=they're theyve=they've "
    "twas='twas wasnt=wasn't wed've=we'd've we'dve=we'd've weve=we've werent=weren't whatll=what'll "
    "whatre=what're whats=what's whatve=what've whens=when's whered=where'd wheres=where's whereve=where've "
    "whod=who'd whod've=who'd've who'dve=who'd've wholl=who'll whos=who's whove=who've whyll=why'll "
    "whyre=why're whys=why's wont=won't wouldve=would've wouldnt=wouldn't wouldnt've=wouldn't've "
    "wouldn'tve=wouldn't've yall=y'all yall'll=y'all'll y'allll=y'all'll yall'd've=y'all'd've "
    "y'alld've=y'all'd've y'all'dve=y'all'd've youd=you'd youd've=you'd've you'dve=you'd've youll=you'll "
    "youre=you're youve=you've")))
_CJK_OR_OTHER = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def llava_med_normalize(text: str) -> str:
    """LLaVA-Med's normalize_word: punctuation dropped or spaced, periods dropped, number words as digits,
    articles dropped, contractions restored, commas removed, lower-cased."""
    has_number_comma = _LLAVA_COMMA.search(text) is not None
    out = text
    for p in _LLAVA_PUNCT:
        # Theirs: a mark written next to a space (or any text with a 1,000-style number) is deleted, else spaced.
        out = out.replace(p, "" if has_number_comma or p + " " in text or " " + p in text else " ")
    out = _LLAVA_PERIOD.sub("", out, count=32)  # their call passes re.UNICODE (32) as the count argument
    words = [_LLAVA_NUMBERS.get(w, w) for w in out.lower().split()]
    words = [_LLAVA_CONTRACTIONS.get(w, w) for w in words if w not in _LLAVA_ARTICLES]
    return " ".join(words).replace(",", "")


def llava_med_words(text: str) -> Counter:
    """Word counts as LLaVA-Med's split_sentence(text, 1) makes them, each CJK character a word of its own."""
    words: Counter = Counter()
    for word in text.lower().strip().split():
        words.update(_CJK_OR_OTHER.findall(word))
    return words


def llava_med_closed(prediction: str, reference: str) -> float:
    """1.0 when the normalised prediction contains "yes" or "no" and the reference, else 0.0 (see module doc)."""
    pred, ref = llava_med_normalize(prediction.lower()), llava_med_normalize(reference.lower())
    return float(("yes" in pred or "no" in pred) and ref in pred)


def llava_med_prf(prediction: str, reference: str) -> tuple[float, float, float]:
    """(F1, precision, recall) of LLaVA-Med's calculate_f1score on the normalised texts (see module doc)."""
    pred = llava_med_words(llava_med_normalize(llava_med_normalize(prediction.lower())))
    ref = llava_med_words(llava_med_normalize(llava_med_normalize(reference.lower())))
    if not pred or not ref:
        return 0.0, 0.0, 0.0
    tp = sum(n for w, n in pred.items() if w in ref)
    fp = sum(n for w, n in pred.items() if w not in ref)
    fn = sum(n for w, n in ref.items() if w not in pred)
    if tp == 0:
        return 0.0, 0.0, 0.0
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 2 * precision * recall / (precision + recall), precision, recall


def llava_med_open_recall(prediction: str, reference: str) -> float:
    """LLaVA-Med's open-question recall of the reference's words in the prediction (see module doc)."""
    return llava_med_prf(prediction, reference)[2]


# -- lmms-eval (lmms_eval/tasks/slake/utils.py) -----------------------------------------------------------------
_EM_YES = {"yes", "yeah", "yep", "true", "是", "是的", "有", "包含", "可以", "能", "会", "正常"}
_EM_NO = {"no", "nope", "false", "否", "不是", "没有", "无", "不包含", "不能", "不会", "不可以", "不正常", "异常"}
_ZH_PUNCT = "！？｡。＂＃＄％＆＇（）＊＋，－／：；＜＝＞＠［＼］＾＿｀｛｜｝～、，。；：《》？【】（）"
_EM_SPACES = str.maketrans({c: " " for c in string.punctuation + _ZH_PUNCT})


def exact_match_normalize(answer: str) -> str:
    """lmms-eval's SLAKE normalize_answer (see module doc)."""
    text = re.sub(r"（[^）]*）", " ", re.sub(r"\([^)]*\)", " ", str(answer or "").strip().lower()))
    text = " ".join(text.translate(_EM_SPACES).split())
    text = "xray" if text in ("x ray", "xray") else text
    return "yes" if text in _EM_YES else "no" if text in _EM_NO else text


def exact_match(prediction: str, reference: str) -> float:
    """1.0 when the normalised prediction equals the normalised reference (lmms-eval's SLAKE accuracy)."""
    return float(exact_match_normalize(prediction) == exact_match_normalize(reference))
