"""Background entry points for scoring. What keeps scores real-time is
`subscribers.py`: scoring reacts to other apps' domain events there."""

from __future__ import annotations

from django_tasks import task

from sarnakh.scoring import services


@task()
def score_contacts(contact_ids: list[int]) -> int:
    """Refreshes the scores of these contacts with every active model; idempotent."""
    done = 0
    for contact_id in contact_ids:
        if services.contact_score_refresh(contact_id=contact_id):
            done += 1
    return done


@task()
def rescore_model(run_id: int) -> int:
    """A bulk re-score run (see rescore.py); returns how many contacts it scored."""
    from sarnakh.scoring.rescore import rescore_execute

    run = rescore_execute(run_id)
    return run.total if run is not None else 0


@task()
def act_on_crossings(model_id: int, contact_ids: list[int]) -> int:
    """Stage moves and `contact.qualified` events for contacts a bulk re-score found crossing."""
    return services.crossings_act(model_id=model_id, contact_ids=contact_ids)
