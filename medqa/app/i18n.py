"""The demo's user-facing strings in Chinese (default) and English.

Every label, notice and chat message the clinician sees comes from `STRINGS`, so the language
switch changes all of them and a test can check that both languages name the same keys.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

STRINGS: dict[str, dict[str, str]] = {
    "title": {"zh": "# 胸部 X 光片中文问答（研究演示）",
              "en": "# Chinese chest X-ray question answering (research demo)"},
    "notice": {
        "zh": "⚠️ **仅供科研使用，不是诊断。** 模型的回答可能有误，不能替代放射科医生的判读，请勿用于临床决策。"
              "请勿上传含有患者身份信息的图像（DICOM 的标识字段不会被保存或记录）。",
        "en": "⚠️ **Research use only, not a diagnosis.** The model's answers may be wrong and do not replace a "
              "radiologist's reading; do not use them for clinical decisions. Do not upload images that show patient "
              "identity (identifying DICOM tags are never stored or logged).",
    },
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "clinician_id": {"zh": "医生化名 ID（每次会话填写一次）", "en": "Clinician pseudonymous ID (once per session)"},
    "clinician_placeholder": {"zh": "例如 rad-07（请勿填写真实姓名）", "en": "e.g. rad-07 (not your real name)"},
    "clinician_set": {"zh": "ID 已设置", "en": "ID set"},
    "set": {"zh": "确定", "en": "Set"},
    "upload": {"zh": "上传胸片（PNG / JPEG / DICOM）", "en": "Upload an X-ray (PNG / JPEG / DICOM)"},
    "image": {"zh": "图像（点击两次可标记区域）", "en": "Image (click twice to mark a region)"},
    "examples": {"zh": "示例胸片", "en": "Example X-rays"},
    "load_example": {"zh": "载入示例", "en": "Load example"},
    "no_examples": {"zh": "未配置示例文件夹", "en": "No example folder configured"},
    "region": {"zh": "标记区域（像素坐标 x1, y1, x2, y2）", "en": "Marked region (pixels x1, y1, x2, y2)"},
    "ask_region": {"zh": "询问该区域", "en": "Ask about this region"},
    "region_default_question": {"zh": "这个区域有什么异常吗？", "en": "Is there anything abnormal in this region?"},
    "chat": {"zh": "对话", "en": "Conversation"},
    "question": {"zh": "问题", "en": "Question"},
    "question_placeholder": {"zh": "请输入关于这张胸片的问题，例如：这张胸片正常吗？",
                             "en": "Ask about the X-ray, e.g. Is this chest X-ray normal?"},
    "send": {"zh": "发送", "en": "Send"},
    "stop": {"zh": "停止", "en": "Stop"},
    "regenerate": {"zh": "重新生成", "en": "Regenerate"},
    "clear": {"zh": "清空", "en": "Clear"},
    "decoding": {"zh": "解码设置", "en": "Decoding settings"},
    "strategy": {"zh": "解码方式", "en": "Strategy"},
    "max_new_tokens": {"zh": "最大生成长度", "en": "Max new tokens"},
    "num_beams": {"zh": "束宽", "en": "Beams"},
    "temperature": {"zh": "温度", "en": "Temperature"},
    "top_p": {"zh": "Top-p", "en": "Top-p"},
    "reference": {"zh": "参考答案（来自数据集）", "en": "Reference answer (from the dataset)"},
    "rating": {"zh": "评价回答", "en": "Rate an answer"},
    "answer_index": {"zh": "第几个回答（1 = 第一个）", "en": "Answer number (1 = first)"},
    "thumbs": {"zh": "总体", "en": "Overall"},
    "accuracy": {"zh": "准确性 (1-5)", "en": "Accuracy (1-5)"},
    "completeness": {"zh": "完整性 (1-5)", "en": "Completeness (1-5)"},
    "safety": {"zh": "安全性 (1-5)", "en": "Safety (1-5)"},
    "comment": {"zh": "意见（可选）", "en": "Comment (optional)"},
    "submit_rating": {"zh": "提交评价", "en": "Submit rating"},
    "coordinator": {"zh": "研究协调员", "en": "Coordinator"},
    "password": {"zh": "密码", "en": "Password"},
    "refresh": {"zh": "登录 / 刷新", "en": "Log in / refresh"},
    "since": {"zh": "起始日期 (YYYY-MM-DD)", "en": "From date (YYYY-MM-DD)"},
    "until": {"zh": "截止日期 (YYYY-MM-DD)", "en": "Until date (YYYY-MM-DD)"},
    "filter_clinician": {"zh": "医生 ID", "en": "Clinician ID"},
    "filter_model": {"zh": "模型", "en": "Model"},
    "export_csv": {"zh": "导出 CSV", "en": "Export CSV"},
    "export_jsonl": {"zh": "导出 JSONL", "en": "Export JSONL"},
    "download": {"zh": "下载", "en": "Download"},
    # -- messages ---------------------------------------------------------------------------
    "model_unavailable": {"zh": "⚠️ 模型不可用：{detail}", "en": "⚠️ The model is not available: {detail}"},
    "empty_question": {"zh": "⚠️ 问题是空的，请输入一个问题。",
                       "en": "⚠️ The question is empty: please type a question."},
    "question_truncated": {"zh": "ℹ️ 问题过长（{chars} 字），只保留了前 {kept} 字。",
                           "en": "ℹ️ The question was too long ({chars} characters); only the first {kept} were kept."},
    "history_truncated": {"zh": "ℹ️ 对话超出模型上下文，已省略最早的 {turns} 轮问答。",
                          "en": "ℹ️ The conversation exceeds the model's context; the oldest {turns} exchange(s) "
                                "were left out."},
    "image_error": {"zh": "⚠️ 无法使用该图像：{detail}", "en": "⚠️ This image cannot be used: {detail}"},
    "image_loaded": {"zh": "已载入图像 {name}（{width}×{height}）。", "en": "Image {name} loaded ({width}×{height})."},
    "new_case": {"zh": "ℹ️ 新图像：已开始新的对话。", "en": "ℹ️ New image: a new conversation was started."},
    "oom": {"zh": "⚠️ 显存不足，本次回答失败。请减小“最大生成长度”、改用贪心解码或清空对话后重试。",
            "en": "⚠️ Out of GPU memory: this answer failed. Lower 'max new tokens', use greedy decoding or clear "
                  "the conversation, then try again."},
    "model_error": {"zh": "⚠️ 生成时出错（详情已记入服务器日志）。对话仍可继续，请重试。",
                    "en": "⚠️ Generation failed (the details are in the server's log). The conversation continues; "
                          "please try again."},
    "rating_empty": {"zh": "⚠️ 评价为空：请选择赞/踩、至少一项评分，或填写意见。",
                     "en": "⚠️ The rating is empty: choose a thumb, at least one score, or write a comment."},
    "bad_decoding": {"zh": "⚠️ 解码设置无效：{detail}", "en": "⚠️ Invalid decoding settings: {detail}"},
    "question_cut": {"zh": "ℹ️ 问题超出模型上下文，已截短。",
                     "en": "ℹ️ The question exceeds the model's context and was cut."},
    "max_new_capped": {"zh": "ℹ️ 最大生成长度已降为 {n}，以免超出模型上下文。",
                       "en": "ℹ️ Max new tokens was lowered to {n} to fit the model's context."},
    "region_tag": {"zh": "区域", "en": "Region"},
    "startup_warning": {"zh": "⚠️ {detail}", "en": "⚠️ {detail}"},
    "stopped": {"zh": "（已停止）", "en": "(stopped)"},
    "nothing_to_regenerate": {"zh": "ℹ️ 还没有可以重新生成的回答。", "en": "ℹ️ There is no answer to regenerate yet."},
    "no_image_for_region": {"zh": "⚠️ 请先上传或载入一张图像，再标记区域。",
                            "en": "⚠️ Upload or load an image before marking a region."},
    "bad_region": {"zh": "⚠️ 区域无效：{detail}", "en": "⚠️ Invalid region: {detail}"},
    "need_clinician": {"zh": "⚠️ 请先在上方填写医生化名 ID。",
                       "en": "⚠️ Enter your clinician pseudonymous ID above first."},
    "bad_clinician": {"zh": "⚠️ ID 只能包含字母、数字、- 和 _，长度 1-64。",
                      "en": "⚠️ The ID may only contain letters, digits, - and _, 1-64 characters."},
    "no_answer": {"zh": "⚠️ 没有第 {index} 个回答。", "en": "⚠️ There is no answer number {index}."},
    "bad_rating": {"zh": "⚠️ 评价无效：{detail}", "en": "⚠️ Invalid rating: {detail}"},
    "rating_saved": {"zh": "✅ 评价已保存（编号 {id}）。", "en": "✅ Rating saved (id {id})."},
    "rating_failed": {"zh": "⚠️ 评价未能保存：{detail}", "en": "⚠️ The rating was not saved: {detail}"},
    "thumb_not_answer": {"zh": "ℹ️ 这条是提示信息，不是模型的回答：只有回答可以评价。",
                         "en": "ℹ️ That message is a notice, not a model answer: only answers can be rated."},
    "store_unreadable": {"zh": "⚠️ 评价数据库暂时无法读取，请稍后再试。",
                         "en": "⚠️ The ratings database cannot be read right now; try again in a moment."},
    "store_unavailable": {"zh": "评价数据库暂时无法写入，请稍后再提交一次。",
                          "en": "the ratings database cannot be written right now; submit again in a moment."},
    "metrics": {"zh": "与参考答案相比：ROUGE-1 {r1:.3f}，ROUGE-2 {r2:.3f}，ROUGE-L {rl:.3f}，发现 F1 {f1:.3f}",
                "en": "Against the reference: ROUGE-1 {r1:.3f}, ROUGE-2 {r2:.3f}, ROUGE-L {rl:.3f}, "
                      "finding F1 {f1:.3f}"},
    "metrics_all": {"zh": "（问题不在数据集中：与全部参考答案比较）",
                    "en": "(question not in the dataset: compared with all its reference answers)"},
    "reference_question": {"zh": "**参考问题：** {question}\n\n**参考答案：** {answer}",
                           "en": "**Reference question:** {question}\n\n**Reference answer:** {answer}"},
    "no_reference": {"zh": "（该图像不在构建的数据集中，没有参考答案）",
                     "en": "(this image is not in the built dataset: no reference answer)"},
    "wrong_password": {"zh": "⚠️ 密码错误。", "en": "⚠️ Wrong password."},
    "bad_date": {"zh": "⚠️ 日期格式应为 YYYY-MM-DD：{value}", "en": "⚠️ Dates must be YYYY-MM-DD: {value}"},
    "exported": {"zh": "已导出 {n} 条评价。", "en": "{n} rating(s) exported."},
    "counts": {"zh": "共 {n} 条评价，{clinicians} 位医生，{models} 个模型。",
               "en": "{n} ratings from {clinicians} clinician(s) about {models} model(s)."},
    # -- the coordinator's summary table and plot --------------------------------------------
    "col_model": {"zh": "模型", "en": "Model"},
    "col_n": {"zh": "评价数", "en": "Ratings"},
    "col_thumbs_up": {"zh": "赞的比例", "en": "Thumbs-up share"},
    "col_accuracy": {"zh": "平均准确性", "en": "Mean accuracy"},
    "col_completeness": {"zh": "平均完整性", "en": "Mean completeness"},
    "col_safety": {"zh": "平均安全性", "en": "Mean safety"},
    "plot_title": {"zh": "各模型的医生评分", "en": "Clinician ratings per model"},
    "plot_ylabel": {"zh": "平均评分 (1-5)", "en": "Mean rating (1-5)"},
    "plot_empty": {"zh": "没有符合筛选条件的评价", "en": "No ratings match these filters"},
    # -- hardening (issue 12) ---------------------------------------------------------------
    "need_image": {"zh": "⚠️ 还没有图像：请先上传或载入一张胸片，再提问。",
                   "en": "⚠️ There is no image yet: upload or load a chest X-ray before asking."},
    "image_too_large": {"zh": "⚠️ 图像太大，无法使用：{detail}", "en": "⚠️ The image is too large to use: {detail}"},
    "image_cleared": {"zh": "ℹ️ 之前的图像和对话已清除：现在没有图像，请上传一张可用的胸片。",
                      "en": "ℹ️ The previous image and its conversation were cleared: there is no image now; "
                            "upload a usable X-ray."},
    "image_reduced": {"zh": "ℹ️ 原图 {width}×{height} 已缩小到模型的输入大小 {kept_width}×{kept_height}。",
                      "en": "ℹ️ The original {width}×{height} was reduced to the model's input size "
                            "{kept_width}×{kept_height}."},
    "comment_too_long": {"zh": "⚠️ 意见太长（{chars} 字），最多 {limit} 字。评价未保存，请缩短后再提交。",
                         "en": "⚠️ The comment is too long ({chars} characters; at most {limit}). The rating was "
                               "not saved: shorten it and submit again."},
    "rating_updated": {"zh": "✅ 评价已更新（编号 {id}）。", "en": "✅ Rating updated (id {id})."},
    "admin_wait": {"zh": "⚠️ 密码错误次数过多，请 {seconds} 秒后再试。",
                   "en": "⚠️ Too many wrong passwords: try again in {seconds} s."},
    "no_model": {
        "zh": "⚠️ **没有配置模型，本机也没有 GPU，所以演示还不能回答问题。** 请设置以下之一后重启："
              "`MEDQA_MODEL=tiny`（离线小模型，仅供试用）或本地模型文件夹；`MEDQA_ADAPTER`（train.py 训练的 LoRA "
              "适配器文件夹）；或 `MEDQA_BACKEND=openai` 加 `MEDQA_BASE_URL=http://主机:8000/v1`（例如 vLLM 服务）。"
              "在 Hugging Face Space 上，请在 Settings → Variables and secrets 中设置。",
        "en": "⚠️ **No model is configured and this machine has no GPU, so the demo cannot answer yet.** Set one of "
              "these and restart: `MEDQA_MODEL=tiny` (the offline tiny model, for a trial) or a local model folder; "
              "`MEDQA_ADAPTER` (a LoRA adapter folder from train.py); or `MEDQA_BACKEND=openai` with "
              "`MEDQA_BASE_URL=http://HOST:8000/v1` (e.g. a vLLM server). On a Hugging Face Space, set them under "
              "Settings → Variables and secrets.",
    },
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """The string `key` in `lang` (falling back to Chinese), formatted with `values`."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


class Labels:
    """The demo's components whose text comes from `STRINGS`, so the language switch can relabel them all.

    `labels(gr.Button, {"value": "send"}, variant="primary")` makes the component with its text in
    the start language and remembers which string key each attribute shows; `updates(lang)` gives
    one `gr.update` per component, in `components` order.
    """

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        self.language = language
        self.entries: list[tuple[object, dict[str, str]]] = []

    def __call__(self, factory, keys: dict[str, str | tuple[str, ...]], /, **kwargs):
        """`factory(**kwargs)` with each attribute in `keys` set to its string (a tuple of keys: a list of strings,
        e.g. a table's headers); the component is remembered."""
        block = factory(**{attr: _text(key, self.language) for attr, key in keys.items()}, **kwargs)
        self.entries.append((block, keys))
        return block

    @property
    def components(self) -> list:
        """The relabelled components, in registration order."""
        return [block for block, _ in self.entries]

    def updates(self, lang: str) -> list:
        """One gr.update per component with its texts in `lang`."""
        import gradio as gr

        return [gr.update(**_attributes(keys, lang)) for _, keys in self.entries]


def _attributes(keys: dict, lang: str) -> dict:
    """The update of one component's texts in `lang`."""
    out = {attr: _text(key, lang) for attr, key in keys.items()}
    if "headers" in out:  # a table shows the headers of its value, so an empty value carries the new ones
        import pandas as pd

        out["value"] = pd.DataFrame(columns=out["headers"])
    return out


def _text(key: str | tuple[str, ...], lang: str) -> str | list[str]:
    """The string of `key` in `lang`, or the list of strings of a tuple of keys."""
    return [t(k, lang) for k in key] if isinstance(key, tuple) else t(key, lang)
