"""What other apps add to the contacts list: columns, with their values and sort orders.

The list belongs to contacts, which knows none of the apps that add to it (scoring sits
above contacts): scoring registers the score and grade columns in its `contact_list`
module (imported by its AppConfig.ready). A column annotates the list's queryset with
values of its own, so sorting by it is one SQL query like any other sort.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sarnakh.core.registry import Registry, Spec


@dataclass(frozen=True)
class ListSort:
    """One order of the list: `key` is the ?sort= value, `label` its name in the Sort menu,
    `order_by` the expressions (over the annotated queryset) ending in a unique tiebreak."""

    key: str
    label: Any
    order_by: tuple
    direction: str = "descending"  # aria-sort of the column header while this sort is on


@dataclass(frozen=True)
class ContactListColumn(Spec):
    """A column: `handler(queryset)` returns the queryset annotated with the values the cell
    shows (names starting with the column's key, so columns never clash); `template`
    renders one cell with the row as `c`; `sorts` are (first click, second click) of the
    column's header, also offered in the Sort menu."""

    template: str = ""
    order: int = 100
    sorts: tuple[ListSort, ...] = ()
    cell_class: str = ""


CONTACT_LIST_COLUMNS: Registry[ContactListColumn] = Registry("contact list column")


def contact_list_column(
    *, key: str, label: Any, template: str, annotate: Callable[[Any], Any], order: int,
    sorts: tuple[ListSort, ListSort], cell_class: str = "",
) -> ContactListColumn:
    for sort in sorts:
        if not sort.order_by:
            raise ValueError(f"contact list column {key!r}: sort {sort.key!r} orders by nothing")
    return CONTACT_LIST_COLUMNS.register(
        ContactListColumn(key=key, label=label, config_schema={}, handler=annotate, template=template, order=order,
                          sorts=tuple(sorts), cell_class=cell_class)
    )


def contact_list_columns() -> list[ContactListColumn]:
    return sorted(CONTACT_LIST_COLUMNS, key=lambda column: (column.order, column.key))


def with_list_columns(queryset: Any) -> Any:
    """The list's queryset with every registered column's values."""
    for column in contact_list_columns():
        queryset = column.handler(queryset)
    return queryset


@dataclass(frozen=True)
class ContactBulkAction(Spec):
    """A bulk action another app adds to the contact list's bulk bar: `handler(contact_ids=…,
    value=…, actor=…)` does it and returns the message to show (DomainError for bad input);
    `choices()` lists the (value, label) pairs of the select shown beside it (the action is
    hidden while there are none); `capability` is what the user needs besides contacts.bulk."""

    value_label: Any = ""
    choices: Callable[[], list[tuple[str, str]]] = list
    capability: str = "contacts.bulk"
    order: int = 100


CONTACT_BULK_ACTIONS: Registry[ContactBulkAction] = Registry("contact bulk action")


def contact_bulk_action(*, key: str, label: Any, value_label: Any, choices: Callable[[], list[tuple[str, str]]],
                        handler: Callable[..., str], capability: str, order: int = 100) -> ContactBulkAction:
    return CONTACT_BULK_ACTIONS.register(
        ContactBulkAction(key=key, label=label, config_schema={}, handler=handler, value_label=value_label,
                          choices=choices, capability=capability, order=order)
    )


def contact_bulk_actions() -> list[ContactBulkAction]:
    return sorted(CONTACT_BULK_ACTIONS, key=lambda action: (action.order, action.key))
