"""The stand-ins a sandbox gets for a client's people, and the scrub that puts them in place of
the people wherever copied configuration names them."""

from __future__ import annotations

from apps.partners.sandbox.standins import Person, Scrub, standins_for

PEOPLE = [
    Person(1, "ann.lee@client.example", "Ann Lee", ("manager",), None),
    Person(2, "bo@client.example", "Bo Chen", ("approver", "requester"), 1),
    Person(3, "cy@client.example", "Cy Diaz", ("requester",), 1),
    Person(4, "portal@supplier.example", "Dee Eve", ("supplier",), None),
]


def test_one_stand_in_per_role_in_use_reporting_as_most_of_the_role_do() -> None:
    made = {s.role: s for s in standins_for(PEOPLE, "acmesbx")}
    assert set(made) == {"requester", "approver", "manager"}  # no supplier user
    assert made["requester"].email == "requester@acmesbx.sandbox.test"
    assert made["requester"].manager_role == "manager"
    assert made["manager"].manager_role is None
    assert "Lee" not in repr(made) and "client.example" not in repr(made)


def test_the_scrub_replaces_addresses_and_full_names_everywhere() -> None:
    scrub = Scrub(PEOPLE, "acmesbx")
    document = {
        "rules": [
            {
                "name": "Above 50k: ann lee (ANN.LEE@client.example), else cfo@client.example",
                "steps": [{"approver": {"type": "user", "email": "bo@client.example"}}],
            }
        ],
        "annual": "Annual review",  # a name inside a word is left alone
        "limits": [1, 2.5, None, True],
    }
    clean = scrub(document)
    text = repr(clean)
    assert "client.example" not in text and "ann lee" not in text.lower()
    assert clean["rules"][0]["steps"][0]["approver"]["email"] == "approver@acmesbx.sandbox.test"
    assert "Manager Stand-in (manager@acmesbx.sandbox.test)" in clean["rules"][0]["name"]
    assert "person1@acmesbx.sandbox.test" in clean["rules"][0]["name"]
    assert clean["annual"] == "Annual review" and clean["limits"] == [1, 2.5, None, True]


def test_a_one_word_name_leaves_the_policys_words_and_keys_alone() -> None:
    # the demo's supplier portal user is named "Supplier": its name is a word of the policy too
    people = [*PEOPLE, Person(5, "supplier@client.example", "Supplier", ("supplier",), None)]
    document = {
        "rules": [{"id": "small", "when": "amount <= 1000.0 && supplier.risk != 'high'"}],
        "suppliers": {"supplier@client.example": 1},
    }
    clean = Scrub(people, "acmesbx")(document)
    assert clean["rules"][0]["when"] == "amount <= 1000.0 && supplier.risk != 'high'"
    [key] = clean["suppliers"]
    assert key.endswith("@acmesbx.sandbox.test")  # an address in a key still goes
