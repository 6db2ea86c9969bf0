"""How the rule generator words its questions and answers: several phrasings of each, as a Chinese
radiologist would put them, chosen from a seeded random generator so a model learns the finding, not a template.

Answers speak of the film (片中未见…), never of a report the model does not see. The first phrasing of each
list is the canonical one (RuleGenerator(vary=False) always uses it, and the tests' expected answers do).
Absent answers start with 未见/没有/无; uncertain ones use 考虑/不除外/可能/待排除 and never a flat 有 (PLAN.md).
"""

from __future__ import annotations

import random

QUESTIONS: dict[str, tuple[str, ...]] = {
    "normality": ("这张胸片是否正常？", "这张胸片有异常吗？", "这张胸部X光片看起来正常吗？", "胸片上有没有异常表现？",
                  "请判断这张胸片是否正常。", "这张片子正常吗？"),
    "presence": ("片中有没有{x}？", "这张胸片可以看到{x}吗？", "是否存在{x}？", "胸片上有{x}吗？", "能看到{x}吗？",
                 "这张片子显示{x}了吗？"),
    "location": ("{x}位于什么部位？", "{x}在哪个位置？", "{x}的位置在哪里？", "请指出{x}的部位。",
                 "片中{x}出现在哪里？"),
    "severity": ("{x}的程度如何？", "{x}严重吗？", "{x}有多严重？", "{x}是什么程度？", "请评估{x}的程度。"),
    "description": ("请描述这张胸片的影像表现。", "这张胸片有哪些影像所见？", "请写出这张胸片的影像描述。",
                    "这张胸片显示了什么？", "请详细描述这张胸片。"),
    "impression": ("诊断意见是什么？", "这张胸片的总体印象是什么？", "请给出这张胸片的诊断印象。",
                   "请总结这张胸片的主要发现。", "这张胸片的结论是什么？"),
    "projection": ("这张胸片是什么投照体位？", "这是正位片还是侧位片？", "这张片子是哪个体位拍摄的？",
                   "请说明这张胸片的投照方位。", "这是哪种体位的胸片？"),
}

ANSWERS: dict[str, tuple[str, ...]] = {
    "normal": ("心肺未见明显异常。", "正常，心肺未见明显异常。", "这张胸片未见明显异常。",
               "未见明显异常，胸片表现正常。"),
    "normal_with": ("心肺未见明显异常，可见{x}。", "心肺未见明显异常；片中可见{x}。", "未见心肺异常，可见{x}。"),
    "abnormal": ("不正常。{x}。", "有异常：{x}。", "异常，主要表现为：{x}。", "这张胸片不正常，{x}。"),
    "present": ("可见{x}。", "有，可见{x}。", "是的，片中可见{x}。", "存在{x}。"),
    "absent": ("未见{x}。", "没有，未见{x}。", "没有。片中未见{x}。", "无{x}。"),
    "uncertain_weak": ("不除外{x}。", "可能存在{x}，不除外。", "{x}待排除。", "可疑{x}，不除外。"),
    "uncertain_strong": ("考虑为{x}。", "诊断考虑为{x}。", "影像表现考虑为{x}。", "片中表现考虑为{x}。"),
    "location": ("{name}位于{x}。", "位于{x}。", "在{x}。", "{name}见于{x}。"),
    "severity": ("{name}为{x}。", "程度为{x}。", "{x}。", "{name}的程度为{x}。"),
    "description": ("{x}", "影像表现：{x}", "胸片示：{x}", "所见如下：{x}"),
    "impression": ("{x}", "诊断意见：{x}", "印象：{x}", "结论：{x}"),
    "projection_pa": ("这是正位（后前位）胸片。", "后前位（正位）胸片。", "这张是胸部正位片，后前位投照。"),
    "projection_ap": ("这是正位（前后位）胸片。", "前后位（正位）胸片。", "这张是胸部正位片，前后位投照。"),
    "projection_portable": ("这是正位（床旁前后位）胸片。", "床旁前后位（正位）胸片。",
                            "这张是床旁胸部正位片，前后位投照。"),
    "projection_lordotic": ("这是正位（前弓位）胸片。", "前弓位（正位）胸片。", "这张是胸部前弓位片。"),
    "projection_frontal": ("这是正位胸片。", "正位片。", "这张是胸部正位片。"),
    "projection_lateral": ("这是侧位胸片。", "侧位片。", "这张是胸部侧位片。"),
}


class Wording:
    """Picks phrasings: seeded and varied, or always the canonical first one."""

    def __init__(self, rng: random.Random, vary: bool = True) -> None:
        self.rng = rng
        self.vary = vary

    def _pick(self, options: tuple[str, ...]) -> str:
        return self.rng.choice(options) if self.vary else options[0]

    def question(self, qtype: str, x: str = "") -> str:
        return self._pick(QUESTIONS[qtype]).format(x=x)

    def answer(self, kind: str, x: str = "", name: str = "") -> str:
        text = self._pick(ANSWERS[kind]).format(x=x, name=name)
        return text.replace("。。", "。")
