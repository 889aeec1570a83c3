"""The end-to-end scenario of a Python integration partner, through a client generated from the
committed contract (openapi-python-client, no hand-written fixes): sign in, create a partner and
an agreement, page through lists, download an export, and read the rule id of a refusal.

Usage: JALIN_BASE_URL=http://127.0.0.1:8080 JALIN_USERNAME=admin JALIN_PASSWORD=... \
       PYTHONPATH=<generated client's parent> python scenario.py
"""

import os
import sys
import uuid

from jalin_client import AuthenticatedClient, Client
from jalin_client.api.agreements import create_agreement, export_agreements, list_agreements
from jalin_client.api.auth import get_me, login
from jalin_client.api.partners import create_partner
from jalin_client.api.reference import get_region, list_regions
from jalin_client.models import (
    Agreement,
    AgreementInput,
    CooperationObject,
    Instrument,
    LoginRequest,
    Partner,
    PartnerInput,
    PartnerKind,
    PartnerLevel,
    Problem,
    Region,
    Subtype,
)
from jalin_client.types import UNSET

BASE_URL = os.environ.get("JALIN_BASE_URL", "http://127.0.0.1:8080")
state: dict = {}


def signed_in() -> AuthenticatedClient:
    return state["client"]


def every_page(list_page, **query):
    """Follows `next_cursor` from page to page; yields every item."""
    cursor = UNSET
    while True:
        page = list_page.sync(client=signed_in(), limit=2, cursor=cursor, **query)
        assert not isinstance(page, Problem) and page is not None, page
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def without_a_token_the_api_answers_401():
    r = get_region.sync_detailed(client=Client(base_url=BASE_URL), code="33")
    assert r.status_code == 401, r.status_code
    assert isinstance(r.parsed, Problem) and r.parsed.code == "authentication_required", r.parsed


def signing_in_gives_a_token_that_says_who_i_am():
    body = LoginRequest(username=os.environ.get("JALIN_USERNAME", "admin"),
                        password=os.environ.get("JALIN_PASSWORD", ""))
    token = login.sync(client=Client(base_url=BASE_URL), body=body)
    assert not isinstance(token, Problem) and token is not None, token
    state["client"] = AuthenticatedClient(base_url=BASE_URL, token=token.access_token)
    me = get_me.sync(client=signed_in())
    assert me.role == "admin", me


def jawa_tengah_lists_35_regencies_and_cities_across_pages():
    regions = list(every_page(list_regions, parent_code="33"))
    assert len(regions) == 35, len(regions)
    assert all(isinstance(r, Region) for r in regions)
    assert any(r.code == "33.74" and r.name == "Kota Semarang" for r in regions)


def a_partner_and_an_agreement_are_created_and_listed():
    name = f"State of Queensland {uuid.uuid4().hex[:8]}"
    partner = create_partner.sync(client=signed_in(), body=PartnerInput(
        name=name, kind=PartnerKind.FOREIGN_LOCAL_GOVERNMENT, level=PartnerLevel.STATE, country="AU"))
    assert isinstance(partner, Partner), partner
    agreement = create_agreement.sync(client=signed_in(), body=AgreementInput(
        region_code="33", subtype=Subtype.SISTER_PROVINCE, instrument=Instrument.MOU,
        partner_ids=[partner.id], title_id=f"Nota Kesepahaman {name}",
        objects=[CooperationObject.CULTURAL_EXCHANGE], languages=["id", "en"]))
    assert isinstance(agreement, Agreement), agreement
    listed = list(every_page(list_agreements, region_code="33"))
    assert all(isinstance(a, Agreement) for a in listed)
    assert agreement.id in [a.id for a in listed]
    state["title"] = agreement.title_id


def the_registry_exports_as_xlsx_and_csv():
    xlsx = export_agreements.sync_detailed(client=signed_in(), format_="xlsx")
    assert xlsx.status_code == 200, xlsx.status_code
    assert bytes(xlsx.parsed)[:2] == b"PK", "an XLSX file is a zip archive"
    csv = export_agreements.sync_detailed(client=signed_in(), format_="csv")
    assert state["title"] in bytes(csv.parsed).decode("utf-8")


def r4_a_refusal_names_its_rule():
    taipei = create_partner.sync(client=signed_in(), body=PartnerInput(
        name=f"Taipei City {uuid.uuid4().hex[:8]}", kind=PartnerKind.FOREIGN_LOCAL_GOVERNMENT,
        level=PartnerLevel.CITY, country="TW"))
    assert isinstance(taipei, Partner), taipei
    r = create_agreement.sync_detailed(client=signed_in(), body=AgreementInput(
        region_code="33.74", subtype=Subtype.SISTER_CITY, instrument=Instrument.MOU,
        partner_ids=[taipei.id], title_id="Kota Kembar Semarang–Taipei",
        objects=[CooperationObject.CULTURAL_EXCHANGE], languages=["id", "en"]))
    assert r.status_code == 422, r.status_code
    problem = r.parsed
    assert isinstance(problem, Problem), problem
    assert problem.code == "rule_violation" and problem.rule == "R4", problem
    assert problem.rule_source, "the legal source comes with the rule"
    assert [e.code for e in problem.errors] == ["R4"], problem.errors


CHECKS = [
    without_a_token_the_api_answers_401,
    signing_in_gives_a_token_that_says_who_i_am,
    jawa_tengah_lists_35_regencies_and_cities_across_pages,
    a_partner_and_an_agreement_are_created_and_listed,
    the_registry_exports_as_xlsx_and_csv,
    r4_a_refusal_names_its_rule,
]


def main() -> int:
    failed = 0
    for check in CHECKS:
        try:
            check()
            print(f"ok   {check.__name__}")
        except Exception as e:  # noqa: BLE001 - every failure is reported, then counted
            failed += 1
            print(f"FAIL {check.__name__}: {type(e).__name__}: {e}")
    print(f"python: {len(CHECKS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
