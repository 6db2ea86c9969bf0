"""baseline:question by hand: the question text alone, label first, then wording; nearest question when unseen."""

from medqa.eval.baselines import QuestionBaseline
from medqa.eval.items import EvalItem


def item(question: str, answer: str, qtype: str = "presence", n: int = 0) -> EvalItem:
    return EvalItem(f"r{n}#0", f"r{n}", 0, qtype, question, answer, [], None)


def test_question_baseline_votes_by_label_then_wording():
    asked = "片中有没有胸腔积液？"
    answers = ["没有。", "没有。", "有。", "有，可见胸腔积液。", "有。可见少量胸腔积液。"]
    train = [item(asked, a, n=i) for i, a in enumerate(answers)]
    train += [item("片中有没有气胸？", "没有。", n=9), item("心影大吗？", "心影不大。", "severity", n=10)]
    baseline = QuestionBaseline(train)
    # The most frequent wording is 没有。 (2 of 5), but 3 of 5 answers say present: the label wins, then its
    # first most frequent wording.
    assert baseline.predict([item(asked, "?")]) == ["有。"]
    # A question never seen in training takes the nearest one's vote: 有没有气胸 is nearest to 片中有没有气胸.
    assert baseline.predict([item("有没有气胸？", "?")]) == ["没有。"]
    # The image plays no part: the same question about another film gets the same answer.
    assert baseline.predict([item(asked, "?", n=1), item(asked, "?", n=2)]) == ["有。", "有。"]
