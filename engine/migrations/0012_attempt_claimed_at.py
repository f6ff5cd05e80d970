from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("engine", "0011_compute_targets_and_where_steps_ran"),
    ]

    operations = [
        migrations.AddField(
            model_name="attempt",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
