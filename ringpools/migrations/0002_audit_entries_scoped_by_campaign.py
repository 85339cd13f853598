"""Give earlier ring pool audit entries their campaign (AuditEntry.target_scope).

Entries written before the scope existed name the pool by id_from_network alone.
Where the cache holds exactly one pool with that id, the entry is that pool's; an id
that several campaigns share cannot be told apart afterwards, so those entries keep
an empty scope (shown on no pool's page, still listed in the audit log).
"""

from django.db import migrations
from django.db.models import Count


def scope_ring_pool_entries(apps, schema_editor):
    AuditEntry = apps.get_model("invoca_admin", "AuditEntry")
    RingPool = apps.get_model("ringpools", "RingPool")
    unique_ids = (
        RingPool.objects.values("id_from_network")
        .annotate(n=Count("pk"))
        .filter(n=1)
        .values_list("id_from_network", flat=True)
    )
    campaign_of = dict(
        RingPool.objects.filter(id_from_network__in=list(unique_ids)).values_list(
            "id_from_network", "campaign__id_from_network"
        )
    )
    for pool_id, campaign_id in campaign_of.items():
        AuditEntry.objects.filter(
            target_type="ring_pool", target_id=pool_id, target_scope=""
        ).update(target_scope=campaign_id)


class Migration(migrations.Migration):
    dependencies = [
        ("ringpools", "0001_initial"),
        ("invoca_admin", "0002_auditentry_target_scope"),
    ]

    operations = [migrations.RunPython(scope_ring_pool_entries, migrations.RunPython.noop)]
