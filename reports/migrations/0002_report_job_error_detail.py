from django.db import migrations, models

# Failures recorded before this migration carry the exception's text (server paths among it) in `error`, the field
# users see: it moves to `error_detail`, and users get the general reason instead.
OLD_PREFIX = "Không tạo được báo cáo ở bước"
GENERAL_REASON = (
    "Không tạo được báo cáo: lỗi hệ thống. Lỗi đã được ghi lại; hãy thử lại sau hoặc báo cho quản trị hệ thống."
)


def hide_exception_texts(apps, schema_editor):
    ReportJob = apps.get_model("reports", "ReportJob")
    for job in ReportJob.objects.filter(error__startswith=OLD_PREFIX).only("pk", "error"):
        ReportJob.objects.filter(pk=job.pk).update(error=GENERAL_REASON, error_detail=job.error)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportjob",
            name="error_detail",
            field=models.TextField(blank=True, verbose_name="chi tiết lỗi"),
        ),
        migrations.AlterField(
            model_name="reportjob",
            name="error",
            field=models.TextField(blank=True, help_text="Lý do, như người dùng thấy.", verbose_name="lỗi"),
        ),
        migrations.RunPython(hide_exception_texts, migrations.RunPython.noop),
    ]
