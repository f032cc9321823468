"""Existing text in NFC with surrounding whitespace trimmed (issue 16): the fields made Normalized* in 0007_normalized_text_fields.

A no-op on clean data (one read of each table, no write); see ntm_portal.fields.normalize_stored_text.
"""

import sys

from django.db import migrations

from ntm_portal.fields import normalize_stored_text

FIELDS = {
    "AdministrativeUnit": ["code", "name"],
    "Recognition": ["decision_number", "signer"],
}

def normalize(apps, schema_editor):
    for model, fields in FIELDS.items():
        normalize_stored_text(apps.get_model("communes", model), fields, stdout=sys.stdout)


class Migration(migrations.Migration):
    dependencies = [("communes", "0007_normalized_text_fields")]

    operations = [migrations.RunPython(normalize, migrations.RunPython.noop, elidable=True)]
