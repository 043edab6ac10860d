"""The audit trail: every change to targets and memberships is kept; the trail is never edited."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from indicators.models import Target
from plans.models import Membership
from review.models import AuditEntry
from review.workflow import audit_trail, record_audit
from tests.conftest import unit


@pytest.fixture
def superuser_client(client, db):
    user = get_user_model().objects.create_superuser("quantri2", password="mat-khau-quan-tri")
    client.force_login(user)
    return client, user


def test_changing_a_target_in_the_admin_is_audited_with_before_and_after(superuser_client):
    client, user = superuser_client
    target = Target.objects.get(document__issuer__code="tth-btv-tu", code="2.1.2")
    url = reverse("admin:indicators_target_change", args=[target.pk])
    form = client.get(url).context["adminform"].form
    data = {k: form[k].value() for k in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["max_value"] = "1.80"
    data["compare_units"] = [str(pk) for pk in target.compare_units.values_list("pk", flat=True)]
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    entry = audit_trail(target).first()
    assert (entry.user, entry.action, entry.before["max_value"], entry.after["max_value"]) == (user, "update", "1.8400", "1.80")


def test_granting_and_removing_a_membership_in_the_admin_is_audited(superuser_client):
    client, user = superuser_client
    member = get_user_model().objects.create_user("canbo.moi", password="x-mat-khau-dai")
    response = client.post(reverse("admin:plans_membership_add"), {
        "user": member.pk, "unit": unit("93").pk, "agency": "", "role": "officer",
    })
    assert response.status_code == 302
    membership = Membership.objects.get(user=member)
    client.post(reverse("admin:plans_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert not Membership.objects.filter(user=member).exists()
    actions = list(AuditEntry.objects.filter(object_repr__contains="canbo.moi").order_by("id").values_list("action", "user"))
    assert actions == [("create", user.pk), ("delete", user.pk)]


def test_audit_entries_can_be_neither_edited_nor_deleted(superuser_client):
    client, user = superuser_client
    target = Target.objects.first()
    entry = record_audit(user=user, instance=target, action="update", before={"a": 1}, after={"a": 2})
    entry.reason = "sửa lén"
    with pytest.raises(ValueError, match="không được sửa"):
        entry.save()
    with pytest.raises(ValueError, match="không được xóa"):
        entry.delete()
    assert client.get(reverse("admin:review_auditentry_change", args=[entry.pk])).context["has_change_permission"] is False
    assert client.post(reverse("admin:review_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403


def test_loading_targets_from_a_sheet_is_audited(db):
    from exchange.workbook.loading import import_workbook
    from exchange.workbook.reading import read_csv_folder
    from tests.test_cascade import CASCADE, _sheet

    sheets = read_csv_folder(CASCADE)
    targets = sheets["targets"]
    rows = [list(r) for r in targets]
    code, maximum = targets.headers.index("Mã chỉ tiêu"), targets.headers.index("Giá trị tối đa")
    for row in rows:
        if row[code] == "2.1.2":
            row[maximum] = "1,80"
    assert not import_workbook({"targets": _sheet(targets.headers, *rows)}).errors
    entry = audit_trail(Target.objects.get(document__issuer__code="tth-btv-tu", code="2.1.2")).first()
    assert (entry.action, entry.before["max_value"], entry.after["max_value"]) == ("import", "1.8400", "1.80")
