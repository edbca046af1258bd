"""The duplicate finder's pure rules: mailbox and phone keys, name likeness, blocking, bounds."""

from __future__ import annotations

from sarnakh.segments.hygiene import matching
from sarnakh.segments.hygiene.matching import Person, canonical_email, find_candidates, phone_key


def person(pk, first="", last="", email="", phone="", company=None):
    return Person(pk, first, last, email, phone, company)


def pairs(people, **kwargs):
    result = find_candidates(people, region="IR", **kwargs)
    return {(c.a, c.b): c for c in result.candidates}


def test_given_gmail_variants_then_they_share_one_mailbox_and_other_domains_drop_only_the_plus_tag():
    assert canonical_email("A.B+news@googlemail.com") == ("ab@gmail.com", matching.SAME_GMAIL)
    assert canonical_email("ab@gmail.com") == ("ab@gmail.com", matching.SAME_GMAIL)
    assert canonical_email("a.b+x@acme.com") == ("a.b@acme.com", matching.SAME_PLUS)
    assert canonical_email("a.b@acme.com") == ("a.b@acme.com", "")


def test_given_one_phone_written_three_ways_then_the_key_is_one_e164_number():
    assert phone_key("0912 345 6789", "IR") == phone_key("+98 (912) 345-6789", "IR") == phone_key("۰۰۹۸۹۱۲۳۴۵۶۷۸۹", "IR") == "+989123456789"


def test_given_planted_duplicates_when_searched_then_each_pair_is_found_with_its_reason():
    # given a Gmail dot/plus variant, a Persian name typed with Arabic letters at one company,
    # and one phone typed two ways
    people = [
        person(1, "Sara", "Tehrani", "sara.tehrani@gmail.com"),
        person(2, "Sara", "Tehrani", "saratehrani+news@googlemail.com"),
        person(3, "علي", "كريمي", "ali.karimi@pars.ir", company=7),
        person(4, "علی", "کریمی", "a.karimi@pars.ir", company=7),
        person(5, "Niloofar", "Sadeghi", "n1@yahoo.com", "0912 345 6789"),
        person(6, "Niloofar", "Sadeghy", "n2@outlook.com", "+98 912 345 6789"),
    ]
    # when candidates are searched
    found = pairs(people)
    # then exactly the three pairs come back, each with the reason that joined it
    assert set(found) == {(1, 2), (3, 4), (5, 6)}
    assert [r.code for r in found[(1, 2)].reasons] == [matching.SAME_GMAIL]
    assert found[(3, 4)].reasons[0].code == matching.NAME_COMPANY and found[(3, 4)].reasons[0].similarity == 100
    assert found[(5, 6)].reasons[0].code == matching.PHONE_FORMAT
    assert all(c.score >= matching.MIN_SCORE for c in found.values())


def test_given_different_people_when_searched_then_none_is_paired():
    people = [
        # two colleagues at one company
        person(1, "Ali", "Rezaei", "ali@pars.ir", company=1),
        person(2, "Maryam", "Ahmadi", "maryam@pars.ir", company=1),
        # one switchboard number, two different names
        person(3, "Hamid", "Karimi", "hamid@sun.ir", "+982188881234", company=2),
        person(4, "Negar", "Moradi", "negar@sun.ir", "+982188881234", company=2),
        # the same name on free mail, no company, nothing else shared
        person(5, "Sara", "Miller", "sara.miller@yahoo.com"),
        person(6, "Sara", "Miller", "smiller@hotmail.com"),
    ]
    assert pairs(people) == {}


def test_given_word_order_and_spelling_variants_at_one_domain_then_they_pair_by_name_likeness():
    people = [person(1, "Mohammad", "Hosseini", "m.hosseini@acme.ir"), person(2, "Hosseini", "Mohamad", "mh@acme.ir")]
    found = pairs(people)
    assert list(found) == [(1, 2)]
    assert found[(1, 2)].reasons[0].code == matching.NAME_DOMAIN
    assert found[(1, 2)].reasons[0].similarity >= matching.NAME_THRESHOLD


def test_given_a_dismissed_pair_then_it_is_not_offered():
    people = [person(1, "Sara", "T", "s.t@gmail.com"), person(2, "Sara", "T", "st@gmail.com")]
    assert pairs(people, dismissed={(1, 2)}) == {}


def test_given_a_block_bigger_than_the_bound_then_the_run_says_it_was_cut_and_compares_no_more():
    # given 30 people at one company with the same name, and a bound of 10 per window / 200 comparisons
    people = [person(i, "Ali", "Rezaei", f"a{i}@pars.ir", company=1) for i in range(1, 31)]
    result = find_candidates(people, region="IR", max_block=10, max_comparisons=200)
    # then the work stopped at the bound and says so
    assert result.truncated
    assert result.comparisons <= 200
    assert 0 < len(result.candidates) < 30 * 29 // 2
