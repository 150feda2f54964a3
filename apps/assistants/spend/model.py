"""The spend-coding model itself, free of Django: one TF-IDF feature space (character n-grams
inside words, 2 to 5, plus word unigrams, accents folded) shared by one linear classifier per
target (spend category, cost center, supplier). The confidence is the predicted probability;
the reasons are the words of the input that weighed most for the chosen class (the
coefficients of that class times the input's tf-idf values, summed over each word's n-grams).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from apps.controls.values import folded

if TYPE_CHECKING:
    from scipy import sparse
    from sklearn.pipeline import FeatureUnion

SEED = 0
# above this many documents the classifiers are trained by SGD (log loss): LBFGS on 100,000
# requisitions does not fit the nightly minute
LARGE = 20_000
# targets learnt from the word features only: a supplier goes with product and brand names,
# and forty suppliers over every character n-gram would not train inside the minute
WORDS_ONLY = frozenset({"supplier"})
WORD = re.compile(r"[^\W\d_]{2,}")
WORD_TOKENS = r"(?u)\b[^\W\d_]{2,}\b"  # words of two letters or more, no digits
# words that carry no purchase, never shown as a reason (English, German, French, Spanish)
FILLER = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "our",
        "new",
        "all",
        "per",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "a",
        "an",
        "is",
        "are",
        "der",
        "die",
        "das",
        "und",
        "für",
        "mit",
        "von",
        "vom",
        "zur",
        "zum",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "neue",
        "neuen",
        "les",
        "des",
        "pour",
        "avec",
        "une",
        "aux",
        "sur",
        "par",
        "dans",
        "nouveau",
        "nouveaux",
        "nouvelle",
        "los",
        "las",
        "del",
        "para",
        "con",
        "por",
        "una",
        "unos",
        "nuevo",
        "nuevos",
        "nueva",
    ]
)


def fold(text: str) -> str:
    """Lower case without accents ("Bürostühle" → "burostuhle"), as the vectorizer sees it
    (trained models refer to this function by name)."""
    return folded(text)


def requisition_text(title: str, justification: str = "", lines: Sequence[str] = ()) -> str:
    """What the model reads: the title twice (it names the purchase most often), the lines and
    the justification."""
    parts = [title, title, *lines, justification]
    return " \n ".join(p.strip() for p in parts if p and p.strip())


def _features(n: int) -> FeatureUnion:
    # scikit-learn loads when a model is built or unpickled, not when Django starts
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    # pruning rare n-grams keeps a large tenant's model small and its training inside a minute
    min_df = 2 if n >= LARGE else 1
    return FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(3, 5) if n >= LARGE else (2, 5),
                    preprocessor=fold,
                    sublinear_tf=True,
                    min_df=min_df,
                    max_features=150_000,
                    dtype=np.float32,
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    preprocessor=fold,
                    token_pattern=WORD_TOKENS,
                    sublinear_tf=True,
                    min_df=min_df,
                    dtype=np.float32,
                ),
            ),
        ]
    )


def _classifier(n: int) -> Any:
    from sklearn.linear_model import LogisticRegression, SGDClassifier

    if n >= LARGE:
        return SGDClassifier(
            loss="log_loss", alpha=2e-6, max_iter=5, tol=None, random_state=SEED, average=True
        )
    return LogisticRegression(C=20.0, max_iter=2000, random_state=SEED)


@dataclass
class Prediction:
    label: str
    confidence: float
    reasons: list[str]
    # every class with its probability, best first (the supplier is chosen among selectable
    # ones, so it needs more than the best)
    ranked: list[tuple[str, float]]


@dataclass
class SpendModel:
    """Fitted features and one classifier per target; `kind` is "tenant" (trained on the
    tenant's own history) or "cold-start"; `samples` the requisitions it learnt from."""

    kind: str
    samples: int
    features: Any = None
    targets: dict[str, Any] = field(default_factory=dict)
    names: np.ndarray | None = None
    word_columns: np.ndarray | None = None
    # cost center by (requester, category) and by category, for a cost center without a
    # trained classifier: {key: {code: count}}
    cost_center_counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def fit(
        self,
        texts: Sequence[str],
        labels: Mapping[str, Sequence[str | None]],
        weights: Sequence[float] | None = None,
    ) -> SpendModel:
        """Fit the features on `texts` and a classifier per target of `labels` on the texts
        that have that label (a target with fewer than two classes gets none)."""
        if not any(text.strip() for text in texts):
            # nothing to learn from (no category, cost center, catalog or history yet): the
            # model suggests nothing until the tenant has some (scikit-learn refuses an empty
            # vocabulary)
            return self
        self.features = _features(len(texts))
        matrix = self.features.fit_transform(texts).tocsr()
        self.names = self.features.get_feature_names_out()
        self.word_columns = np.flatnonzero(np.char.startswith(self.names.astype(str), "words__"))
        weight = np.asarray(weights if weights is not None else [1.0] * len(texts), dtype=float)
        for target, values in labels.items():
            rows = [i for i, v in enumerate(values) if v]
            y = np.asarray([values[i] for i in rows])
            if len(set(y.tolist())) < 2:
                continue
            classifier = _classifier(len(rows))
            columns = self._columns(target)
            inputs = matrix[rows] if columns is None else matrix[rows][:, columns]
            classifier.fit(inputs, y, sample_weight=weight[rows])
            self.targets[target] = classifier
        return self

    def _columns(self, target: str) -> np.ndarray | None:
        return self.word_columns if target in WORDS_ONLY else None

    def _inputs(self, target: str, vectors: sparse.csr_matrix) -> sparse.csr_matrix:
        columns = self._columns(target)
        return vectors if columns is None else vectors[:, columns]

    def predict(self, text: str, targets: Sequence[str]) -> dict[str, Prediction | None]:
        """The prediction of each of `targets` for one text (None without a classifier)."""
        if self.features is None:  # learnt from nothing
            return dict.fromkeys(targets)
        vector = self.features.transform([text]).tocsr()
        out: dict[str, Prediction | None] = {}
        for target in targets:
            classifier = self.targets.get(target)
            out[target] = (
                None
                if classifier is None
                else self._one(target, classifier, self._inputs(target, vector), text)
            )
        return out

    def predict_many(self, texts: Sequence[str], target: str) -> list[str | None]:
        classifier = self.targets.get(target)
        if classifier is None:
            return [None] * len(texts)
        vectors = self._inputs(target, self.features.transform(texts).tocsr())
        return [str(v) for v in classifier.predict(vectors)]

    def _one(
        self, target: str, classifier: Any, vector: sparse.csr_matrix, text: str
    ) -> Prediction:
        probabilities = classifier.predict_proba(vector)[0]
        order = np.argsort(-probabilities)
        classes = [str(c) for c in classifier.classes_]
        best = int(order[0])
        return Prediction(
            label=classes[best],
            confidence=float(probabilities[best]),
            reasons=self.reasons(target, classifier, vector, best, text),
            ranked=[(classes[i], float(probabilities[i])) for i in order],
        )

    def explain(self, text: str, target: str, label: str) -> list[str]:
        """The reasons for `label` (not necessarily the likeliest class) of `target`."""
        classifier = self.targets[target]
        chosen = [str(c) for c in classifier.classes_].index(label)
        vector = self._inputs(target, self.features.transform([text]).tocsr())
        return self.reasons(target, classifier, vector, chosen, text)

    def reasons(
        self,
        target: str,
        classifier: Any,
        vector: sparse.csr_matrix,
        chosen: int,
        text: str,
        top: int = 3,
    ) -> list[str]:
        """The input's words that weighed most for class `chosen`: each feature's weight for
        it times its tf-idf value, credited to the words that hold that n-gram."""
        coef = classifier.coef_
        row = coef[0] * (1 if chosen == 1 else -1) if coef.shape[0] == 1 else coef[chosen]
        assert self.names is not None
        columns = self._columns(target)
        names = self.names if columns is None else self.names[columns]
        contribution = {
            str(names[j]): float(row[j] * value)
            for j, value in zip(vector.indices, vector.data, strict=True)
        }
        words: dict[str, float] = {}
        shown: dict[str, str] = {}
        for word in WORD.findall(text):
            folded = fold(word)
            if folded in words or len(folded) < 3 or folded in FILLER:
                continue
            padded = f" {folded} "
            grams = {padded[i : i + n] for n in range(2, 6) for i in range(len(padded) - n + 1)}
            score = contribution.get(f"words__{folded}", 0.0) + sum(
                contribution.get(f"chars__{g}", 0.0) for g in grams
            )
            words[folded], shown[folded] = score, word
        ranked = sorted(((-s, w) for w, s in words.items() if s > 0))
        return [shown[w] for _s, w in ranked[:top]]
