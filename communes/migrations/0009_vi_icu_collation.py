"""The ICU collation `vi_icu` that `ntm_portal.collation.vi_order` sorts names with (issue 19). PostgreSQL only: on
SQLite the collation of the same name is registered on each connection (ntm_portal.collation)."""

from django.contrib.postgres import operations
from django.db import migrations


class CreateCollation(operations.CreateCollation):
    # Django's skips SQLite going forwards but not backwards, where DROP COLLATION does not exist.
    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("communes", "0008_normalize_stored_text")]

    operations = [CreateCollation("vi_icu", provider="icu", locale="vi")]
