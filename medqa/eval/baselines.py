"""Answer baselines that need no GPU: what a model must beat on the medqa dataset.

All are fitted on training items (the dataset's folds other than the evaluated one) and answer
evaluation items (`medqa.eval.items.EvalItem`: question, qtype, image, reference):

* `MajorityBaseline`: the most frequent training answer for the question's type (qtype); the
  most frequent answer overall for a type never seen in training.
* `QuestionBaseline`: the question text alone, no image: the answer the training folds give to the
  same question, or to the nearest question (character-bigram TF-IDF) for a question never seen.
  For closed types it votes by label first (present / absent / uncertain, side, ...: the label
  most often given to that question), then takes that label's most frequent wording, so it finds
  whatever shortcut the question text offers. What it scores is what a model can get without
  looking at the film.
* `RetrievalBaseline`: the answer of the nearest training question by character-bigram TF-IDF
  cosine (smoothed idf). Among equally near questions (templated questions repeat verbatim) it
  takes the answer given about the most similar image when images are on disk: cosine of
  32x32 grey thumbnails, each standardised (mean 0, unit length), so overall brightness does not
  count. Without images, the most frequent answer among the equally near questions.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np

from medqa.core.imaging import load_image, resolve_image_path
from medqa.core.text import char_tokens
from medqa.eval.items import EvalItem
from medqa.eval.labels import answer_label


class MajorityBaseline:
    """The most frequent training answer for the question's type (the overall most frequent for a new type)."""

    def __init__(self, train: Sequence[EvalItem]) -> None:
        if not train:
            raise ValueError("baseline:majority needs training folds: every fold of this dataset is being evaluated")
        by_type: dict[str, Counter] = defaultdict(Counter)
        for item in train:
            by_type[item.qtype][item.reference] += 1
        self.answers = {qtype: counts.most_common(1)[0][0] for qtype, counts in by_type.items()}
        self.fallback = Counter(item.reference for item in train).most_common(1)[0][0]

    def predict(self, items: Sequence[EvalItem]) -> list[str]:
        return [self.answers.get(item.qtype, self.fallback) for item in items]


class Thumbnails:
    """Standardised 32x32 grey thumbnails of images on disk, cached; None for a missing or unreadable file."""

    def __init__(self, image_root: str | None) -> None:
        self.root, self.cache = image_root, {}

    def get(self, image: str | None) -> np.ndarray | None:
        if image is None or self.root is None:
            return None
        if image not in self.cache:
            try:
                grey = load_image(resolve_image_path(image, self.root)).convert("L").resize((32, 32))
                vec = np.asarray(grey, dtype=np.float64).ravel()
                vec -= vec.mean()
                norm = np.linalg.norm(vec)
                self.cache[image] = vec / norm if norm > 0 else None
            except (OSError, ValueError):  # no image on disk: this item simply gets no image vote
                self.cache[image] = None
        return self.cache[image]


def _bigrams(text: str) -> list[str]:
    tokens = char_tokens(text)
    return ["".join(p) for p in zip(tokens, tokens[1:], strict=False)] or tokens


class QuestionIndex:
    """Training questions grouped by text, and the nearest groups of a new question by char-bigram TF-IDF cosine."""

    def __init__(self, train: Sequence[EvalItem]) -> None:
        groups: dict[str, list[EvalItem]] = defaultdict(list)
        for item in train:
            groups[item.question].append(item)
        self.groups = list(groups.values())
        self.position = {q: i for i, q in enumerate(groups)}
        docs = [Counter(_bigrams(q)) for q in groups]
        df = Counter(g for doc in docs for g in doc)
        self.vocab = {g: i for i, g in enumerate(df)}
        # sklearn's smoothed idf: a bigram in every question still counts a little.
        self.idf = np.array([math.log((1 + len(docs)) / (1 + df[g])) + 1 for g in self.vocab])
        matrix = np.zeros((len(self.vocab), len(docs)))  # bigram x question: a query reads only its own rows
        for j, doc in enumerate(docs):
            cols, weights = self._weights(doc)
            matrix[cols, j] = weights
        self.matrix = matrix

    def _weights(self, doc: Counter) -> tuple[list[int], np.ndarray]:
        """Known bigrams of a question and their unit-length TF-IDF weights."""
        cols = [self.vocab[g] for g in doc if g in self.vocab]
        weights = np.array([doc[g] for g in doc if g in self.vocab], dtype=np.float64) * self.idf[cols]
        return cols, weights / max(float(np.linalg.norm(weights)), 1e-12)

    def nearest(self, question: str) -> np.ndarray:
        """Indices of the groups nearest to `question` (all equally near: templated questions tie)."""
        cols, weights = self._weights(Counter(_bigrams(question)))
        sims = weights @ self.matrix[cols] if cols else np.zeros(self.matrix.shape[1])
        return np.flatnonzero(sims >= sims.max() - 1e-9)


class QuestionBaseline:
    """The question alone: the training answer of the same (or nearest) question, voted by label (module doc)."""

    def __init__(self, train: Sequence[EvalItem]) -> None:
        if not train:
            raise ValueError("baseline:question needs training folds: every fold of this dataset is being evaluated")
        self.index = QuestionIndex(train)
        self.votes = [Counter((answer_label(c.qtype, c.question, c.reference), c.reference) for c in group)
                      for group in self.index.groups]

    def predict(self, items: Sequence[EvalItem]) -> list[str]:
        answers = []
        for item in items:
            g = self.index.position.get(item.question)
            groups = [g] if g is not None else self.index.nearest(item.question)
            votes = sum((self.votes[int(i)] for i in groups), Counter())
            labels = Counter()
            for (label, _answer), n in votes.items():
                labels[label] += n
            best = labels.most_common(1)[0][0]
            answers.append(max(((n, a) for (label, a), n in votes.items() if label == best),
                               key=lambda pair: pair[0])[1])
        return answers


class RetrievalBaseline:
    """Nearest training question by char-bigram TF-IDF cosine; ties broken by image similarity (see module doc)."""

    def __init__(self, train: Sequence[EvalItem], thumbs: Thumbnails) -> None:
        if not train:
            raise ValueError("baseline:retrieval needs training folds: every fold of this dataset is being evaluated")
        self.index = QuestionIndex(train)
        self.groups, self.thumbs = self.index.groups, thumbs
        self._thumb_cache: dict[int, tuple[np.ndarray, list[int]]] = {}
        self._answer_cache: dict[int, Counter] = {}

    def predict(self, items: Sequence[EvalItem]) -> list[str]:
        answers = []
        for item in items:
            answers.append(self._pick(self.index.nearest(item.question), self.thumbs.get(item.image)))
        return answers

    def _pick(self, groups: np.ndarray, query: np.ndarray | None) -> str:
        """The answer about the most similar image among the groups' items, else their most frequent answer."""
        best = None
        for g in groups if query is not None else ():
            thumbs, index = self._group_thumbs(int(g))
            if len(index):
                scores = thumbs @ query
                i = int(np.argmax(scores))  # the first of equals
                if best is None or scores[i] > best[0] + 1e-9:  # equal up to BLAS rounding: keep the first
                    best = (scores[i], self.groups[g][index[i]].reference)
        if best is not None:
            return best[1]
        if len(groups) == 1:
            return self._answers(int(groups[0])).most_common(1)[0][0]
        return sum((self._answers(int(g)) for g in groups), Counter()).most_common(1)[0][0]

    def _group_thumbs(self, g: int) -> tuple[np.ndarray, list[int]]:
        if g not in self._thumb_cache:  # one matrix per question group: a query costs one mat-vec
            index = [i for i, c in enumerate(self.groups[g]) if self.thumbs.get(c.image) is not None]
            rows = [self.thumbs.get(self.groups[g][i].image) for i in index]
            self._thumb_cache[g] = (np.stack(rows) if rows else np.zeros((0, 1024)), index)
        return self._thumb_cache[g]

    def _answers(self, g: int) -> Counter:
        if g not in self._answer_cache:
            self._answer_cache[g] = Counter(c.reference for c in self.groups[g])
        return self._answer_cache[g]
