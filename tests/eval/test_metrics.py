"""Metric tests: Chinese-aware ROUGE with hand-computed values, the rouge-score trap, equality with rouge-score."""

import importlib.util
import random

import pytest
from rouge_score import rouge_scorer as rs

from medqa.eval.metrics import JiebaTokenizer, bleu4, finding_f1, lcs_length, pair_scores, rouge, rouge_scorer


def test_rouge_score_default_tokenizer_deletes_chinese_but_medqa_does_not():
    # The trap: rouge-score's default tokenizer keeps only [a-z0-9], so identical Chinese answers score 0.
    default = rs.RougeScorer(["rouge1", "rouge2", "rougeL"])
    scores = default.score("右肺下叶结节", "右肺下叶结节")
    assert [scores[k].fmeasure for k in ("rouge1", "rouge2", "rougeL")] == [0.0, 0.0, 0.0]
    ours = rouge(["右肺下叶结节"], ["右肺下叶结节"])
    assert (ours["rouge1"], ours["rouge2"], ours["rougeL"]) == (1.0, 1.0, 1.0)


def test_negation_pair_by_hand():
    # pred 无胸腔积液 / ref 有胸腔积液: 5 characters each, 4 shared (胸 腔 积 液).
    # ROUGE-1: P = R = 4/5 -> F = 0.8. ROUGE-2: 4 bigrams each (无胸|有胸, 胸腔, 腔积, 积液), 3 shared -> 0.75.
    # ROUGE-L: LCS 胸腔积液 = 4 -> P = R = 0.8.
    s = rouge(["无胸腔积液"], ["有胸腔积液"])
    assert s["rouge1"] == pytest.approx(0.8) and s["rouge2"] == pytest.approx(0.75)
    assert s["rougeL"] == pytest.approx(0.8)


def test_unequal_lengths_precision_recall_by_hand():
    # pred 双肺纹理增多 (6 chars); ref 双肺纹理清晰，未见增多 (10 chars, the comma is dropped).
    # ROUGE-1: all 6 pred chars are in ref: P = 6/6, R = 6/10, F = 2*1*0.6/1.6 = 0.75.
    # ROUGE-2: pred bigrams 双肺 肺纹 纹理 理增 增多 (5); ref has 9; shared 双肺 肺纹 纹理 增多 = 4:
    #          P = 4/5, R = 4/9, F = 2*(4/5)*(4/9) / (4/5 + 4/9) = (32/45) / (56/45) = 4/7.
    # ROUGE-L: LCS 双肺纹理增多 = 6: P = 1, R = 0.6, F = 0.75.
    s = rouge(["双肺纹理增多"], ["双肺纹理清晰，未见增多"])
    assert (s["rouge1_p"], s["rouge1_r"], s["rouge1"]) == pytest.approx((1.0, 0.6, 0.75))
    assert (s["rouge2_p"], s["rouge2_r"], s["rouge2"]) == pytest.approx((0.8, 4 / 9, 4 / 7))
    assert (s["rougeL_p"], s["rougeL_r"], s["rougeL"]) == pytest.approx((1.0, 0.6, 0.75))


def test_repeated_tokens_are_clipped_and_lcs_is_order_aware():
    # pred 肺肺肺 / ref 肺: unigram overlap min(3, 1) = 1 -> P = 1/3, R = 1, F = 0.5;
    # pred has bigrams (肺肺 x2) but ref has none -> 0; LCS = 1 -> F = 0.5.
    s = rouge(["肺肺肺"], ["肺"])
    assert (s["rouge1"], s["rouge2"], s["rougeL"]) == pytest.approx((0.5, 0.0, 0.5))
    # 影心 vs 心影: both characters shared (ROUGE-1 = 1) but in the other order: LCS = 1 -> 0.5, no shared bigram.
    s = rouge(["影心"], ["心影"])
    assert (s["rouge1"], s["rouge2"], s["rougeL"]) == pytest.approx((1.0, 0.0, 0.5))


def test_empty_prediction_scores_zero_and_is_not_skipped():
    # Pair 1 is empty (0 for every metric), pair 2 is perfect (1): the mean is 0.5; skipping pair 1 would give 1.0.
    s = rouge(["", "肺野清晰"], ["心影不大", "肺野清晰"])
    assert (s["rouge1"], s["rouge2"], s["rougeL"]) == pytest.approx((0.5, 0.5, 0.5))
    assert pair_scores("", "心影不大")["rougeL"] == 0.0
    assert rouge([None], ["心影不大"])["rouge1"] == 0.0  # a missing answer is empty, not an error


def test_corpus_score_is_the_mean_of_pair_scores():
    # Pair scores from the hand computations above: ROUGE-1 0.8 and 0.75 -> mean 0.775.
    # (心影增大 vs 心影不大: 3 of 4 characters shared -> 0.75.)
    s = rouge(["无胸腔积液", "心影增大"], ["有胸腔积液", "心影不大"])
    assert s["rouge1"] == pytest.approx(0.775)


def test_latin_words_and_numbers_are_lower_cased_words():
    # pred tokens: pleural effusion 右 侧 3.5 cm (6); ref tokens: pleural effusion 3.5 cm (4); shared 4.
    # ROUGE-1: P = 4/6, R = 4/4, F = 2*(2/3)/(5/3) = 0.8.
    s = rouge(["Pleural EFFUSION 右侧 3.5cm"], ["pleural effusion, 3.5 cm"])
    assert (s["rouge1_p"], s["rouge1_r"], s["rouge1"]) == pytest.approx((2 / 3, 1.0, 0.8))
    # Words are whole tokens, not letters: 'effusions' shares nothing with 'effusion'.
    assert rouge(["effusions"], ["effusion"])["rouge1"] == 0.0


def test_punctuation_and_spaces_do_not_count():
    assert rouge(["无 气胸。"], ["无气胸"])["rougeL"] == 1.0


def test_jieba_option_uses_words_and_is_quiet(capfd):
    JiebaTokenizer._jieba = None  # force the lazy dictionary build inside this test
    tokens = JiebaTokenizer().tokenize("无胸腔积液。")
    assert tokens == ["无", "胸腔", "积液"]
    assert "prefix dict" not in capfd.readouterr().err  # jieba's start-up chatter is silenced
    # Words: 无|胸腔|积液 vs 有|胸腔|积液 -> ROUGE-1 2/3, ROUGE-2 1 of 2 bigrams = 0.5, LCS 2/3.
    s = rouge(["无胸腔积液"], ["有胸腔积液"], tokenizer="jieba")
    assert (s["rouge1"], s["rouge2"], s["rougeL"]) == pytest.approx((2 / 3, 0.5, 2 / 3))


def _random_text(rng: random.Random) -> str:
    pieces = list("肺野清晰心影不大无胸腔积液气胸右左双侧") + [" CT ", " no ", "3.5", "，", "。", " "]
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))


def test_equals_rouge_score_scorer_on_random_chinese_strings():
    # medqa computes ROUGE itself (fast LCS); it must agree with rouge-score given the same tokenizer.
    rng = random.Random(1234)
    reference = rouge_scorer("char")
    for _ in range(400):
        pred, ref = _random_text(rng), _random_text(rng)
        expected = reference.score(ref, pred)  # rouge-score takes (target, prediction)
        ours = pair_scores(pred, ref)
        for name in ("rouge1", "rouge2", "rougeL"):
            assert ours[name] == pytest.approx(expected[name].fmeasure, abs=1e-12), (pred, ref, name)
            assert ours[f"{name}_p"] == pytest.approx(expected[name].precision, abs=1e-12)
            assert ours[f"{name}_r"] == pytest.approx(expected[name].recall, abs=1e-12)


def _lcs_dp(a, b) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]


def test_bit_parallel_lcs_matches_dynamic_programming_on_long_sequences():
    rng = random.Random(7)
    assert lcs_length("ABCBDAB", "BDCABA") == 4  # the textbook example (BCBA)
    for _ in range(60):
        a = [rng.choice("肺心影积液") for _ in range(rng.randint(0, 150))]
        b = [rng.choice("肺心影积液") for _ in range(rng.randint(0, 150))]
        assert lcs_length(a, b) == _lcs_dp(a, b)


def test_finding_f1_reads_negations():
    # 无胸腔积液 vs 有胸腔积液: (effusion, absent) is a false positive, (effusion, present) a false negative -> 0.
    assert finding_f1(["无胸腔积液"], ["有胸腔积液"])["f1"] == 0.0
    # Same findings with other wording: (pneumothorax, absent) and (effusion, present) both match -> 1.
    assert finding_f1(["未见气胸，右侧胸腔积液"], ["无气胸，可见右侧胸腔积液"])["f1"] == 1.0


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="2 predictions for 1 references"):
        rouge(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="unknown ROUGE tokenizer 'words'.*char, jieba"):
        rouge(["a"], ["a"], tokenizer="words")
    with pytest.raises(ValueError, match="no prediction/reference pairs"):
        rouge([], [])


def test_bleu4_only_with_sacrebleu():
    if importlib.util.find_spec("sacrebleu") is None:
        assert bleu4(["右肺结节"], ["右肺结节"]) is None  # optional: not reported without sacrebleu
    else:
        assert bleu4(["右肺下叶见结节影"], ["右肺下叶见结节影"]) == pytest.approx(1.0)
