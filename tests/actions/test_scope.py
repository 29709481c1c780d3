from urllib.parse import unquote

from actions.contacts import registratura
from actions.scope import ActionRedirectInfrastructure, redirect_department
from forms_catalog import load_catalog
from tests.actions.helpers import run_action, tracker_after, user_event


def test_unknown_topic_goes_to_the_registratura() -> None:
    assert redirect_department("ce se intampla in oras?").id == registratura().id


async def test_redirect_names_the_department_and_links_a_prefilled_email() -> None:
    text = "cand se asfalteaza strada mea din Pruni?"
    department = redirect_department(text)
    messages, _ = await run_action(
        ActionRedirectInfrastructure(), tracker_after(user_event(text, "out_of_scope_infrastructure"))
    )
    (message,) = messages
    assert department.email in message["text"]
    link = message["buttons"][0]["url"]
    assert link.startswith(f"mailto:{department.email}?subject=")
    assert "Întrebare din livechat" in unquote(link)


def test_every_out_of_scope_department_has_an_email() -> None:
    for department in load_catalog().departments.values():
        assert "@" in department.email
