"""Answer-quality metrics: Chinese-aware ROUGE-1/2/L and finding-level F1 (no model knowledge here).

    rouge(predictions, references)                  # {"rouge1": .., "rouge2": .., "rougeL": .., "rouge1_p": ..}
    rouge(predictions, references, tokenizer="jieba")
    finding_f1(predictions, references)             # {"precision", "recall", "f1", "support"}

rouge-score's default tokenizer deletes every non-ASCII character, so two identical Chinese
answers score 0 with it. medqa scores over `medqa.core.text.char_tokens` instead (each CJK character
one token; Latin words and numbers one lower-cased token each; punctuation dropped), or over
jieba words (`tokenizer="jieba"`, comparable with LLaMA-Factory's evaluation; jieba splits
medical terms badly, e.g. "肺野见", so characters are the main number).

The arithmetic is rouge-score's (`rouge_scorer(...)` gives its scorer with the same tokenizer):
ROUGE-N P = overlapping n-grams / prediction n-grams, R = overlap / reference n-grams; ROUGE-L
uses the longest common subsequence; F = 2PR/(P+R), 0 when P+R = 0. It is computed here over
token lists (n-gram Counters and a bit-parallel LCS) because rouge-score's pure-Python LCS table
is too slow for long answers; a test proves equality with rouge-score on random Chinese strings.
The corpus score is the mean over pairs of each pair's F (and P, R): the usual "average of
sentence scores", not an F of pooled counts. An empty prediction scores 0 and is never skipped.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
from rouge_score import rouge_scorer as _rouge_scorer
from rouge_score import tokenizers as _rouge_tokenizers

from medqa.core.text import char_tokens
from medqa.eval.labels import LEVELS, answer_label, finding_labels
from medqa.vocab.findings import extract_findings

__all__ = ["ROUGE_TYPES", "CharTokenizer", "JiebaTokenizer", "bleu4", "finding_f1", "get_tokenizer", "lcs_length",
           "pair_scores", "rouge", "rouge_scorer"]

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
_WORD_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffa-z0-9]")


class CharTokenizer(_rouge_tokenizers.Tokenizer):
    """CJK characters one token each; Latin words / numbers one lower-cased token each."""

    def tokenize(self, text: str) -> list[str]:
        return char_tokens(text)


class JiebaTokenizer(_rouge_tokenizers.Tokenizer):
    """jieba words (precise mode), lower-cased, punctuation and spaces dropped.

    jieba builds its dictionary on first use and logs that to stderr; it is built here once,
    quietly, the first time a text is tokenised (not on import).
    """

    _lock = threading.Lock()
    _jieba = None

    @classmethod
    def _segmenter(cls):
        with cls._lock:
            if cls._jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict ..." lines are DEBUG
                segmenter = jieba.Tokenizer()
                segmenter.initialize()
                cls._jieba = segmenter
        return cls._jieba

    def tokenize(self, text: str) -> list[str]:
        words = (w.strip().lower() for w in self._segmenter().lcut(text))
        return [w for w in words if w and _WORD_RE.search(w)]


_TOKENIZERS: dict[str, Callable[[], _rouge_tokenizers.Tokenizer]] = {"char": CharTokenizer, "jieba": JiebaTokenizer}


def get_tokenizer(tokenizer: str | _rouge_tokenizers.Tokenizer = "char") -> _rouge_tokenizers.Tokenizer:
    """A tokenizer object from its name ('char' or 'jieba'), or the object itself."""
    if isinstance(tokenizer, _rouge_tokenizers.Tokenizer):
        return tokenizer
    if tokenizer not in _TOKENIZERS:
        raise ValueError(f"unknown ROUGE tokenizer {tokenizer!r}: use one of {', '.join(_TOKENIZERS)}")
    return _TOKENIZERS[tokenizer]()


def rouge_scorer(tokenizer: str | _rouge_tokenizers.Tokenizer = "char") -> _rouge_scorer.RougeScorer:
    """rouge-score's own scorer with medqa's tokenizer (the reference implementation; slow LCS).

    Mind its argument order: `scorer.score(reference, prediction)`.
    """
    return _rouge_scorer.RougeScorer(list(ROUGE_TYPES), tokenizer=get_tokenizer(tokenizer))


def lcs_length(a: Sequence, b: Sequence) -> int:
    """Length of the longest common subsequence of two token sequences (bit-parallel, O(len(b)) int ops).

    Allison-Dix / Hyyrö: bit i of `v` is 0 where row i of the LCS table steps up; each token of `b`
    updates all rows at once with one add, so the cost is len(b) big-integer operations.
    """
    if not a or not b:
        return 0
    masks: dict = {}
    for i, token in enumerate(a):
        masks[token] = masks.get(token, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for token in b:
        u = v & masks.get(token, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def _fmeasure(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def _ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(tokens) if n == 1 else Counter(zip(*(tokens[i:] for i in range(n)), strict=False))


def _ngram_prf(pred: list[str], ref: list[str], n: int) -> tuple[float, float, float]:
    pred_ngrams, ref_ngrams = _ngrams(pred, n), _ngrams(ref, n)
    overlap = sum(min(count, pred_ngrams[g]) for g, count in ref_ngrams.items() if g in pred_ngrams)
    precision = overlap / max(sum(pred_ngrams.values()), 1)
    recall = overlap / max(sum(ref_ngrams.values()), 1)
    return precision, recall, _fmeasure(precision, recall)


def _lcs_prf(pred: list[str], ref: list[str]) -> tuple[float, float, float]:
    if not pred or not ref:
        return 0.0, 0.0, 0.0
    lcs = lcs_length(ref, pred)
    precision, recall = lcs / len(pred), lcs / len(ref)
    return precision, recall, _fmeasure(precision, recall)


def pair_scores(prediction: str, reference: str, tokenizer: str | _rouge_tokenizers.Tokenizer = "char") -> dict:
    """ROUGE of one pair: {"rouge1": F, "rouge1_p": P, "rouge1_r": R, ... for rouge1, rouge2, rougeL}."""
    tok = get_tokenizer(tokenizer)
    return _pair(tok.tokenize(prediction or ""), tok.tokenize(reference or ""))


def _pair(pred: list[str], ref: list[str]) -> dict:
    out = {}
    for name, (p, r, f) in zip(ROUGE_TYPES, (_ngram_prf(pred, ref, 1), _ngram_prf(pred, ref, 2),
                                            _lcs_prf(pred, ref)), strict=True):
        out[name], out[f"{name}_p"], out[f"{name}_r"] = f, p, r
    return out


def rouge(predictions: Sequence[str], references: Sequence[str],
          tokenizer: str | _rouge_tokenizers.Tokenizer = "char") -> dict:
    """Corpus ROUGE-1/2/L: the mean over pairs of each pair's F (keys rouge1, rouge2, rougeL, all 0-1),
    plus the means of P and R (rouge1_p, rouge1_r, ...). An empty prediction scores 0 for its pair.
    """
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions for {len(references)} references")
    if not references:
        raise ValueError("no prediction/reference pairs to score")
    tok = get_tokenizer(tokenizer)
    totals: Counter = Counter()
    for pred, ref in zip(predictions, references, strict=True):
        totals.update(_pair(tok.tokenize(pred or ""), tok.tokenize(ref or "")))
    keys = [k for name in ROUGE_TYPES for k in (name, f"{name}_p", f"{name}_r")]
    return {k: totals[k] / len(references) for k in keys}


def bleu4(predictions: Sequence[str], references: Sequence[str]) -> float | None:
    """Corpus BLEU-4 (0-1) with sacrebleu's Chinese tokenisation, or None when sacrebleu is not installed.

    Optional: medqa does not depend on sacrebleu; evaluation reports BLEU-4 only where it is present.
    """
    try:
        import sacrebleu
    except ImportError:
        return None
    return sacrebleu.corpus_bleu([p or "" for p in predictions], [list(references)], tokenize="zh").score / 100

def finding_f1(predictions: Sequence[str], references: Sequence[str]) -> dict:
    """Micro precision/recall/F1 over (finding key, present/absent) pairs of paired texts.

    A pair counts only when key and polarity both match (无胸腔积液 vs 有胸腔积液 is one false
    positive and one false negative). An empty prediction contributes its reference's findings as
    false negatives; a pair where neither side states any finding contributes nothing. With no
    findings anywhere the result is precision = recall = f1 = 0.0 and support 0: a perfect score
    for saying nothing would be misleading. `support` is the number of reference pairs.
    """
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions for {len(references)} references")
    tp = fp = fn = 0
    for pred, ref in zip(predictions, references, strict=True):
        p = set(extract_findings(pred).items()) if pred else set()
        r = set(extract_findings(ref).items()) if ref else set()
        tp += len(p & r)
        fp += len(p - r)
        fn += len(r - p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}


# -- per-item components (medqa.bootstrap turns them into every reported figure) ----------------
COMPONENTS = ("n", *ROUGE_TYPES, *(f"{c}_{level}" for level in LEVELS for c in ("tp", "fp", "fn")),
              "labelled", "correct", "checked", "agree")
_SUFFIX = {"status": "", "side": "_side", "severity": "_severity"}
# figure -> (numerator weights, denominator weights, value when the denominator is 0)
METRICS: dict[str, tuple[dict, dict, float]] = {
    **{name: ({name: 1.0}, {"n": 1.0}, float("nan")) for name in ROUGE_TYPES},
    **{f"finding_f1{_SUFFIX[lv]}": ({f"tp_{lv}": 2.0}, {f"tp_{lv}": 2.0, f"fp_{lv}": 1.0, f"fn_{lv}": 1.0}, 0.0)
       for lv in LEVELS},
    "finding_precision": ({"tp_status": 1.0}, {"tp_status": 1.0, "fp_status": 1.0}, 0.0),
    "finding_recall": ({"tp_status": 1.0}, {"tp_status": 1.0, "fn_status": 1.0}, 0.0),
    "accuracy": ({"correct": 1.0}, {"labelled": 1.0}, float("nan")),
    "label_agreement": ({"agree": 1.0}, {"checked": 1.0}, float("nan")),
}


def _level_counts(pred: str, ref: str) -> list[int]:
    """[tp, fp, fn] at each level (status, + side, + severity) for one pair."""
    p, r = finding_labels(pred) if pred else {}, finding_labels(ref) if ref else {}
    out = []
    for level in LEVELS:
        ps, rs = {f.key(level) for f in p.values()}, {f.key(level) for f in r.values()}
        out += [len(ps & rs), len(ps - rs), len(rs - ps)]
    return out


def finding_level_f1(predictions: Sequence[str], references: Sequence[str]) -> dict:
    """Micro finding F1 at three levels: {"status": f1, "side": f1, "severity": f1}.

    A finding matches at "status" when key and present / absent / uncertain agree; at "side" when
    its side (left / right / bilateral / none) agrees too; at "severity" when its severity does too.
    """
    totals = np.zeros(9)
    for pred, ref in zip(predictions, references, strict=True):
        totals += _level_counts(pred, ref)
    out = {}
    for i, level in enumerate(LEVELS):
        tp, fp, fn = totals[3 * i: 3 * i + 3]
        out[level] = float(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn else 0.0
    return out


def score_items(predictions: Sequence[str], references: Sequence[str], qtypes: Sequence[str],
                questions: Sequence[str], reference_labels: Sequence[str | None] | None = None,
                tokenizer: str | _rouge_tokenizers.Tokenizer = "char") -> np.ndarray:
    """items x COMPONENTS: ROUGE F, finding counts at each level, and for closed types the exact label.

    An item counts for accuracy ("labelled") when its reference has a label: the builder's
    (`reference_labels`) where given, else the one read from the reference text; the prediction
    is right when the label read from it is the same. Where the builder gave one, "checked" and
    "agree" record whether the text reader finds it in the reference too.
    """
    tok = get_tokenizer(tokenizer)
    given = reference_labels or [None] * len(references)
    out = np.zeros((len(references), len(COMPONENTS)))
    for i, (pred, ref, qtype, question, label) in enumerate(
            zip(predictions, references, qtypes, questions, given, strict=True)):
        pair = _pair(tok.tokenize(pred or ""), tok.tokenize(ref or ""))
        read = answer_label(qtype, question, ref)
        truth = label or read
        out[i, 0] = 1.0
        out[i, 1:4] = [pair[name] for name in ROUGE_TYPES]
        out[i, 4:13] = _level_counts(pred, ref)
        if truth is not None:
            out[i, 13] = 1.0
            out[i, 14] = float(answer_label(qtype, question, pred or "") == truth)
        if label is not None:
            out[i, 15], out[i, 16] = 1.0, float(read == label)
    return out
