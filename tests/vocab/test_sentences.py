"""The report-sentence grammar: sections split and rendered whole or not at all, facts with their status."""

import pytest

from medqa.vocab.clauses import ABSENT, PRESENT, STRONG, UNCERTAIN, WEAK
from medqa.vocab.keywords import MASKED, keyword_status, stems_for
from medqa.vocab.sentences import read_section, read_sentence, render_section, split_sentences


def _facts(sentence):
    return {(f.key, f.status, f.hedge) for f in read_sentence(sentence)[1]}


def test_sections_split_into_numbered_sentences_and_render_whole():
    assert split_sentences("1. Small left effusion. 2. No pneumothorax.") == [
        ("1. ", "Small left effusion."), ("2. ", "No pneumothorax.")]
    assert split_sentences("Low lung volumes 2. No edema.") == [("", "Low lung volumes"), ("2. ", "No edema.")]
    assert split_sentences("Clear lungs.There is no effusion.") == [("", "Clear lungs."), ("", "There is no effusion.")]
    sentences = read_section("1. Small left pleural effusion. 2. No pneumothorax.")
    assert render_section(sentences) == "1. 左侧少量胸腔积液。2. 未见气胸。"
    # One unreadable sentence and the section has no description at all, never a half-translated one.
    assert render_section(read_section("The lungs are clear. The XXXX are intact.")) == "双肺清晰。"  # left out
    assert render_section(read_section("The lungs are clear. The XXXX are XXXX.")) is None  # never guessed
    assert render_section(read_section("PA and lateral views of the chest were obtained.")) is None


def test_invisible_characters_and_odd_punctuation():
    assert read_sentence("Mild\u200b cardiomegaly.")[0] == "心脏轻度增大"
    assert read_sentence("Pneumonia?")[0] is None  # a question mark says more than the words
    assert read_sentence("[Pulmonary vascularity is within normal limits>].")[0] is None


@pytest.mark.parametrize(("sentence", "facts"), [
    ("No pneumothorax or large pleural effusion.", {("pneumothorax", ABSENT, ""), ("pleural effusion", ABSENT, "")}),
    ("Possible small right pleural effusion.", {("pleural effusion", UNCERTAIN, WEAK)}),
    ("Probable left basilar infiltrate.", {("infiltrate", UNCERTAIN, STRONG)}),
    ("Right lower lobe opacity, concerning for pneumonia.",
     {("opacity", PRESENT, ""), ("pneumonia", UNCERTAIN, STRONG)}),
    ("Left basilar opacity, atelectasis versus infiltrate.",
     {("opacity", PRESENT, ""), ("pulmonary atelectasis", UNCERTAIN, WEAK), ("infiltrate", UNCERTAIN, WEAK)}),
    ("The heart is normal in size.", {("cardiomegaly", ABSENT, "")}),
    ("Hyperexpanded lungs consistent with emphysema.",
     {("hyperdistention", PRESENT, ""), ("emphysema", PRESENT, "")}),
])
def test_clause_facts(sentence, facts):
    assert _facts(sentence) == facts


def test_negation_keeps_its_qualifier_in_the_fact():
    (fact,) = read_sentence("No large pleural effusion.")[1]
    assert fact.status == ABSENT and "large" in fact.term.qualifiers
    gross = read_sentence("No gross consolidation, atelectasis or infiltrate.")[1]
    assert all("significant" in f.term.qualifiers for f in gross)  # 'gross' covers the whole list


def test_other_films_of_the_report_are_not_read():
    sentences = read_section("Chest. The lungs are clear. Right knee. No fractures or dislocations.")
    assert [s.zh for s in sentences] == ["", "双肺清晰", None, None]
    assert not any(f.key == "fractures, bone" for s in sentences for f in s.facts)


@pytest.mark.parametrize(("sentence", "key", "status"), [
    ("mild bibasilar opacities, xxxx atelectasis", "pulmonary atelectasis", MASKED),
    ("there are xxxx opacities in the left lung", "opacity", "present"),
    ("aortic ectasia/tortuosity similar to prior", "tortuous aorta", "present"),
    ("patchy infiltrate/atelectasis in the right base", "infiltrate", "uncertain"),
    ("left basilar bandlike opacities suggestive of scarring or atelectasis", "opacity", "present"),
    ("considering technical factors heart size is mildly enlarged, aortic calcifications", "calcinosis", "present"),
    ("indistinct margination may be secondary to crowding, mild pulmonary edema", "pulmonary edema", "uncertain"),
    ("age-indeterminate wedging of several midthoracic vertebral bodies", "deformity", "present"),
    ("vague density in right mid lung, likely related to scapular tip", "density", "uncertain"),
    ("no pneumothorax or effusion", "pleural effusion", "absent"),
])
def test_keyword_status_of_unread_sentences(sentence, key, status):
    stems = stems_for(key) or stems_for({"deformity": "deformity"}[key])
    assert keyword_status(sentence, stems, key) == status
