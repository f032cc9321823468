"""Existing text in NFC with surrounding whitespace trimmed (issue 16): the fields made Normalized* in 0003_normalized_text_fields.

A no-op on clean data (one read of each table, no write); see ntm_portal.fields.normalize_stored_text.
"""

import sys

from django.db import migrations

from ntm_portal.fields import normalize_stored_text

FIELDS = {
    "Agency": ["name", "short_name", "contact"],
    "Cadre": ["full_name", "title", "phone"],
    "SecondmentBatch": ["name", "decided_by", "decision_number"],
    "Secondment": ["role_at_commune", "decided_by", "decision_number", "note"],
    "SponsorAssignment": ["decided_by", "decision_number"],
    "WorkPlan": ["title"],
    "WorkPlanItem": ["title"],
    "FieldVisit": ["participants", "activities"],
    "SupportContribution": ["description"],
}
# The historical copies (simple_history) hold the same text: normalised too, so that a record and its history agree.
HISTORY = {f"Historical{model}": fields for model, fields in FIELDS.items() if model not in ("Agency", "SecondmentBatch")}


def normalize(apps, schema_editor):
    for model, fields in {**FIELDS, **HISTORY}.items():
        normalize_stored_text(apps.get_model("secondments", model), fields, stdout=sys.stdout)


class Migration(migrations.Migration):
    dependencies = [("secondments", "0003_normalized_text_fields")]

    operations = [migrations.RunPython(normalize, migrations.RunPython.noop, elidable=True)]
