"""Subjects and predicates of report sentences: 'the heart is normal in size' -> 心脏大小正常.

A subject names a structure (心脏, 双肺, 纵隔轮廓) and, where a state can be wrong with it, the anatomy head the
lexicon renders that state on ('the aorta is tortuous' -> Aorta/tortuous -> 主动脉迂曲). A predicate is either a
normal statement (Chinese given here) or an abnormal state (rendered by the lexicon as a finding).
"""

from __future__ import annotations

from medqa.vocab.words import WordTable

# subject -> (Chinese, anatomy head for states ("" = none), anatomy qualifiers, class)
# class: "heart" (a normal heart says no cardiomegaly), "cpa" (sharp angles say no blunting), "chest" (the study).
SUBJECTS = WordTable({
    "heart": ("心脏", "heart", (), "heart"),
    "heart size;cardiac size;size of the heart;heart size and shape": ("心脏大小", "heart", (), "heart"),
    "cardiac silhouette;heart silhouette;cardiac shadow;cardiac contour[s|];heart contour[s|];cardiac outline;"
    "cardiac silhouette size": ("心影", "cardiac shadow", (), "heart"),
    "cardiomediastinal silhouette[s|];cardiomediastinal contour[s|];cardiomediastinal size;cardiomediastinal shadow;"
    "cardiopulmonary silhouette;cardiomediastinal structures;cardiomediastinal outline":
        ("心影及纵隔", "", (), "heart"),
    "cardiac and mediastinal contour[s|];cardiac and mediastinal silhouette[s|];heart and mediastinal contour[s|];"
    "cardiac and mediastinal structures;heart and mediastinal silhouette[s|];"
    "cardiac silhouette and mediastinal contour[s|];heart size and mediastinal contour[s|]":
        ("心脏及纵隔轮廓", "", (), "heart"),
    "mediastinum;upper mediastinum": ("纵隔", "mediastinum", (), ""),
    "mediastinum size;mediastinal size": ("纵隔大小", "", (), ""),
    "pulmonary vascular engorgement": ("肺血管充盈", "", (), ""),
    "mediastinal contour[s|];mediastinal silhouette[s|];mediastinal outline;mediastinal width":
        ("纵隔轮廓", "mediastinum", (), ""),
    "hilar contour[s|];hila;hilar structures;hilar regions;hilar shadows": ("双侧肺门影", "", (), ""),
    "hilar and mediastinal contour[s|];mediastinal and hilar contour[s|]": ("纵隔及肺门影", "", (), ""),
    "perihilar structures": ("肺门周围结构", "", (), ""),
    "lungs;both lungs;bilateral lungs;lung fields;the lungs bilaterally;lungs bilaterally":
        ("双肺", "lung", ("bilateral",), "lungs"),
    "remainder of the lungs;remaining lungs": ("余肺", "", (), "lungs"),
    "right lung": ("右肺", "lung", ("right",), "lungs"),
    "left lung": ("左肺", "lung", ("left",), "lungs"),
    "lung parenchyma;pulmonary parenchyma": ("肺实质", "", (), "lungs"),
    "lung zones": ("双肺野", "", (), "lungs"),
    "lung volumes;lung volume": ("肺容积", "lung volumes", (), ""),
    "pulmonary vascularity;pulmonary vasculature[s|];pulmonary vessels;vascularity;vasculature;"
    "pulmonary vascular markings;pulmonary vascular pattern;central pulmonary vasculature;pulmonary blood flow":
        ("肺血管纹理", "", (), ""),
    "central vascular markings": ("中央血管纹理", "", (), ""),
    "trachea": ("气管", "", (), ""),
    "central airways;airways;visualized airways": ("中央气道", "", (), ""),
    "pleural spaces;pleural space;pleura;pleural surfaces": ("胸膜腔", "", (), ""),
    "costophrenic angles;costophrenic angle;costophrenic sulci;costophrenic recesses":
        ("肋膈角", "costophrenic angle", (), "cpa"),
    "diaphragm;diaphragms;hemidiaphragms;both hemidiaphragms": ("膈肌", "diaphragm", (), ""),
    "right hemidiaphragm": ("右侧膈肌", "diaphragm", ("right",), ""),
    "left hemidiaphragm": ("左侧膈肌", "diaphragm", ("left",), ""),
    "osseous structures;bony structures;skeletal structures;bones;bony elements;osseous elements;"
    "skeletal elements;osseous and soft tissue structures": ("骨质结构", "", (), ""),
    "osseous structures of the thorax;bony structures of the thorax;skeletal structures of the thorax;"
    "osseous structures of the chest;bony structures of the chest": ("胸部骨质结构", "", (), ""),
    "bony thorax;osseous thorax;thoracic cage;bony chest": ("骨性胸廓", "", (), ""),
    "soft tissues;soft tissue;soft tissue structures;soft tissues of the chest wall": ("软组织", "", (), ""),
    "upper abdomen;visualized upper abdomen": ("上腹部", "", (), ""),
    "aorta": ("主动脉", "aorta", (), ""),
    "aortic arch;aortic knob": ("主动脉弓", "aortic arch", (), ""),
    "thoracic aorta": ("胸主动脉", "aorta, thoracic", (), ""),
    "descending thoracic aorta;descending aorta": ("胸降主动脉", "aorta, thoracic", (), ""),
    "thoracic spine": ("胸椎", "thoracic vertebrae", (), ""),
    "spine": ("脊柱", "spine", (), ""),
    "chest": ("胸部", "", (), "chest"),
    "chest x-ray;chest radiograph[s|];chest film;radiographs of the chest;chest exam;chest examination;"
    "examination of the chest;x-ray of chest;x-ray of the chest": ("胸片", "", (), "chest"),
})

NORMAL_PREDICATES = WordTable({
    "normal": "正常",
    "normal in appearance;normal appearing;normal in configuration;normal in contour;normal in shape;"
    "normal contour;normal in morphology": "形态正常",
    "normal in size;normal size;of normal size;normal in caliber": "大小正常",
    "normal in size and contour;normal size and contour;normal in size and configuration;normal size and "
    "configuration;normal in size and shape;normal size and shape;of normal size and contour;normal in contour and "
    "size;normal in size and appearance;normal size and appearance;normal size and shape": "大小及形态正常",
    "within normal limits;within normal limits in appearance;within normal limits for appearance;"
    "within normal limits of appearance;within normal limits in contour;within normal limits for contour;"
    "within limits of normal;normal limits;within normal limits limits;within limits of normal": "在正常范围内",
    "within normal limits in size;within normal limits for size;within normal limits of size;"
    "within normal limits in overall size;within normal limits size": "大小在正常范围内",
    "within normal limits in size and contour;within normal limits for size and contour;within normal limits of "
    "size and appearance;within normal limits in size and appearance;within normal limits in overall size and "
    "appearance;within normal limits in size and configuration;within normal limits for size and appearance":
        "大小及形态在正常范围内",
    "unremarkable;not remarkable;unremarkable in appearance;normal and unremarkable;unremarkable appearance;negative":
        "未见异常",
    "clear;clear bilaterally": "清晰",
    "intact": "完整",
    "midline;in midline;midline in position": "居中",
    "sharp;sharp bilaterally": "锐利",
    "stable;stable in appearance;stable in size;stable in size and contour;stable in contour": "较前稳定",
    "unchanged;unchanged in appearance;not changed": "较前无变化",
    "well expanded;expanded;well inflated": "膨胀良好",
    "well aerated": "充气良好",
    "normally inflated;normally aerated": "充气正常",
    "normally expanded": "膨胀正常",
    "at the upper limits of normal;upper limits of normal;at upper limits of normal;top normal;top normal in size;"
    "top-normal;at the upper limit of normal;upper limit of normal;upper normal;upper normal in size;"
    "near top normal in size;at the upper limits of normal in size;upper limits normal;high normal;"
    "at the upper range of normal;at upper limits of normal in size;at the upper limits of normal for size;"
    "near upper limits of normal in size;upper limits of normal in size;near the upper limits of normal;"
    "near upper limits of normal;at the upper limits of normal size;upper limits of normal size;"
    "at the upper limits of normal in size": "为正常上限",
    "borderline;borderline in size": "大小临界",
    "not enlarged;not increased in size": "未见增大",
    "not significantly enlarged": "未见明显增大",
    "symmetric": "对称",
    "within normal limits for patient age;within normal limits for age;normal for age;normal for patient age":
        "在正常范围内（与年龄相符）",
})

# Predicates that say the heart is not enlarged (for a fact "cardiomegaly: absent").
HEART_NORMAL = frozenset({"正常", "大小正常", "大小及形态正常", "在正常范围内", "大小在正常范围内",
                          "大小及形态在正常范围内", "未见增大", "未见异常"})

COPULAS = WordTable({"is;are;appear;appears;appear to be;appears to be;is again;are again;remain;remains;look;looks;"
                     "is overall;are overall;again appear;again appears;is seen to be;continue to be;"
                     "continues to be;is otherwise;are otherwise;otherwise appear": True})
ADVERBS = {"grossly": "大致", "essentially": "基本", "again": "仍", "also": "", "overall": "", "otherwise": "余",
           "still": "仍", "now": ""}
