from django.utils import translation

from sarnakh.capture.imports.notes import note, note_text


def test_a_note_made_in_english_reads_in_the_readers_language():
    text, code, params = note("same_person_updated", row=3, field="email")
    assert text == "Same person as row 3 (same email): this row's values are added on top of that row's."

    with translation.override("fa"):
        persian = note_text(code, params, text)
        channel = note_text("unknown_channel", {"channel": "event", "key": "source_detail"}, "")

    assert "ردیف ۳" in persian and "ایمیل" in persian and "Same" not in persian
    assert "«رویداد" in channel and "source_detail" in channel


def test_an_unknown_code_or_bad_parameters_fall_back_to_the_stored_text():
    assert note_text("nope", {}, "stored") == "stored"
    assert note_text("same_person_updated", {"field": "email"}, "stored") == "stored"
