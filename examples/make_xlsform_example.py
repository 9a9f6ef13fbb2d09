"""Write examples/workshop-evaluation.xlsx: an XLSForm an organiser could send the bot.

The workbook is what KoboToolbox or ODK users author (survey, choices and settings sheets,
French and Arabic label columns); it is generated so that its content can be reviewed in a
diff. Run: python examples/make_xlsform_example.py [output.xlsx]
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

SURVEY: list[list[str]] = [
    ["type", "name", "label::French (fr)", "label::Arabic (ar)", "required", "relevant",
     "parameters", "constraint"],
    ["start", "start", "", "", "", "", "", ""],
    ["note", "welcome",
     "Merci d’avoir participé à l’atelier de Rabat et Tunis. Quelques questions, deux minutes.",
     "شكرًا لمشاركتك في ورشة الرباط وتونس. بضعة أسئلة، دقيقتان فقط.", "", "", "", ""],
    ["select_one role", "role", "Vous êtes…", "أنت…", "yes", "", "", ""],
    ["select_one level", "overall", "Dans l’ensemble, l’atelier était…",
     "بشكل عام، كانت الورشة…", "yes", "", "", ""],
    ["select_multiple topics", "useful_topics", "Quels thèmes vous ont été utiles ?",
     "ما المواضيع التي أفادتك؟", "", "", "", "count-selected(.) <= 3"],
    ["select_one yes_no", "will_use", "Comptez-vous utiliser ces outils dans votre travail ?",
     "هل تنوي استخدام هذه الأدوات في عملك؟", "yes", "", "", ""],
    ["text", "obstacle", "Qu’est-ce qui vous en empêche ?", "ما الذي يمنعك من ذلك؟", "",
     "${will_use} = 'no' or ${will_use} = 'not_sure'", "", "string-length(.) <= 500"],
    ["range", "recommend",
     "De 0 à 10, recommanderiez-vous cet atelier à un·e collègue ?",
     "من 0 إلى 10، هل توصي زميلًا أو زميلة بهذه الورشة؟", "yes", "", "start=0 end=10", ""],
    ["text", "improve", "Que faudrait-il changer pour la prochaine fois ?",
     "ما الذي ينبغي تغييره في المرة القادمة؟", "", "${recommend} <= 6", "", ""],
    ["text", "comment", "Un dernier mot ?", "كلمة أخيرة؟", "", "", "", ""],
    ["end", "end", "", "", "", "", "", ""],
]

CHOICES: list[list[str]] = [
    ["list_name", "name", "label::French (fr)", "label::Arabic (ar)"],
    ["role", "ngo", "Membre d’une association", "عضو في جمعية"],
    ["role", "public", "Agent·e public", "موظف عمومي"],
    ["role", "journalist", "Journaliste", "صحفي"],
    ["role", "other", "Autre", "أخرى"],
    ["level", "excellent", "Excellent", "ممتازة"],
    ["level", "good", "Bien", "جيدة"],
    ["level", "average", "Moyen", "متوسطة"],
    ["level", "poor", "Décevant", "مخيّبة للآمال"],
    ["topics", "open_data", "Les données ouvertes", "البيانات المفتوحة"],
    ["topics", "access_info", "Le droit d’accès à l’information", "الحق في الحصول على المعلومات"],
    ["topics", "visualisation", "La visualisation", "التمثيل البياني"],
    ["topics", "budgets", "Les budgets publics", "الميزانيات العمومية"],
    ["topics", "verification", "La vérification des faits", "التحقق من المعلومات"],
    ["yes_no", "yes", "Oui", "نعم"],
    ["yes_no", "no", "Non", "لا"],
    ["yes_no", "not_sure", "Je ne sais pas encore", "لا أعرف بعد"],
]

SETTINGS: list[list[str]] = [
    ["form_title", "form_title::Arabic (ar)", "form_id", "default_language", "version"],
    ["Évaluation de l’atelier données ouvertes (Rabat–Tunis)",
     "تقييم ورشة البيانات المفتوحة (الرباط–تونس)", "evaluation-rabat-tunis", "French (fr)",
     "2026-1"],
]


def write(path: Path) -> None:
    book = Workbook()
    sheets = (("survey", SURVEY), ("choices", CHOICES), ("settings", SETTINGS))
    for index, (title, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet(title)
        sheet.title = title
        for row in rows:
            sheet.append([cell or None for cell in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in sheet.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    book.properties.created = datetime(2026, 1, 1)  # not the day it was generated
    book.save(path)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name(
        "workshop-evaluation.xlsx")
    write(target)
    print(target)
