"""The council's originator details (settings.FGDM_ORIGINATOR) are checked: `manage.py check`
reports malformed ones or ones failing the Vocalink modulus check, `check --deploy` also refuses
the demo default, and no bank file is made from bad ones."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from core.exceptions import RuleBroken
from payments import services as payment_services
from payments.models import BatchExport
from tests.scenario import approved_batch

# Vocalink's standard modulus test case 3 (tests/payments/test_modulus.py): a pair that passes.
COUNCIL = {
    "name": "Dorset Council",
    "sort_code": "202959",
    "account_number": "63748472",
    "service_user_number": "654321",
}
ROOT = Path(__file__).resolve().parents[2]  # the project root, where manage.py is


def payments_errors(*, deploy: bool = False) -> list[str]:
    return [m.id for m in checks.run_checks(tags=["payments"], include_deployment_checks=deploy)]


class TestOriginatorCheck:
    def test_the_default_passes_check(self):
        assert payments_errors() == []

    def test_the_councils_own_details_pass_check_deploy(self):
        with override_settings(FGDM_ORIGINATOR=COUNCIL):
            assert payments_errors(deploy=True) == []

    def test_check_deploy_refuses_the_demo_default(self):
        assert payments_errors(deploy=True) == ["payments.E007"]
        with override_settings(FGDM_ORIGINATOR=COUNCIL | {"service_user_number": "123456"}):
            assert payments_errors(deploy=True) == ["payments.E007"]

    @pytest.mark.parametrize(
        "field,value,error",
        [
            ("name", "", "payments.E002"),
            ("name", "  £@# ", "payments.E002"),  # nothing BACS can print
            ("sort_code", "20-29-59", "payments.E003"),
            ("sort_code", "20295", "payments.E003"),
            ("account_number", "6374847", "payments.E004"),
            ("account_number", "637484721", "payments.E004"),
            ("account_number", "6374847X", "payments.E004"),
            ("service_user_number", "65432", "payments.E005"),
            ("service_user_number", "ABC123", "payments.E005"),
            ("account_number", "63748473", "payments.E006"),  # 8 digits, fails the modulus check
            ("account_number", "12345678", "payments.E006"),
        ],
    )
    def test_each_bad_value_is_an_error(self, field, value, error):
        with override_settings(FGDM_ORIGINATOR=COUNCIL | {field: value}):
            assert payments_errors() == [error]

    @pytest.mark.parametrize("value", [None, "089999/66374958", {"name": "Dorset Council", "sort_code": "089999"}])
    def test_missing_settings_are_an_error(self, value):
        with override_settings(FGDM_ORIGINATOR=value):
            assert payments_errors() == ["payments.E001"]

    def test_manage_py_check_fails(self):
        with override_settings(FGDM_ORIGINATOR=COUNCIL | {"sort_code": "400000", "account_number": "12345678"}):
            with pytest.raises(SystemCheckError, match="payments.E006"):
                call_command("check")

    def test_production_settings_check_deploy(self):
        """`manage.py check --deploy` with the production settings: clean with the council's own
        details, refused with the demo default."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FGDM_", "DJANGO_"))}
        env |= {"DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": secrets.token_urlsafe(60)}
        council = {
            "FGDM_ORIGINATOR_SORT_CODE": "202959",
            "FGDM_ORIGINATOR_ACCOUNT": "63748472",
            "FGDM_SERVICE_USER_NUMBER": "654321",
        }

        def check(extra):
            return subprocess.run(
                [sys.executable, "manage.py", "check", "--deploy"],
                cwd=ROOT,
                env=env | extra,
                capture_output=True,
                text=True,
                timeout=120,
            )

        clean = check(council)
        assert clean.returncode == 0 and "no issues" in clean.stdout, clean.stderr
        demo = check({})
        assert demo.returncode == 1 and "payments.E007" in demo.stderr


@pytest.mark.django_db
class TestNoBankFileFromBadDetails:
    def test_bank_formats_refused_ledger_csv_still_made(self, world, api):
        batch = approved_batch(world)
        client = api.as_user(world.u.fin1)
        with override_settings(FGDM_ORIGINATOR=COUNCIL | {"account_number": "12345678"}):
            for export_format in ("bacs18", "pain001"):
                response = client.post(f"/api/v1/payment-batches/{batch.pk}/export/?format={export_format}")
                assert response.status_code == 400
                assert "fail the Vocalink modulus check" in str(response.json()["format"])
            assert not BatchExport.objects.exists()
            assert client.post(f"/api/v1/payment-batches/{batch.pk}/export/?format=csv").status_code == 200
        batch.refresh_from_db()
        assert batch.status == "exported" and batch.export_format == "csv"
        with override_settings(FGDM_ORIGINATOR=COUNCIL | {"service_user_number": ""}):
            with pytest.raises(RuleBroken, match="service user number"):
                payment_services.batch_export_file(batch_id=batch.pk, by=world.u.fin1, export_format="bacs18")
        assert list(BatchExport.objects.values_list("export_format", flat=True)) == ["csv"]
