"""SQL for the catalogue; the caller owns the transaction."""

from __future__ import annotations

import asyncpg

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

from .models import Item, NewItem

_ITEM_COLUMNS = "item_id, barcode, title, material, audience, purchase_price_ore, author, isbn"


def item_from_row(row: asyncpg.Record) -> Item:
    return Item(
        item_id=row["item_id"],
        barcode=row["barcode"],
        title=row["title"],
        material=row["material"],
        audience=row["audience"],
        purchase_price_ore=row["purchase_price_ore"],
        author=row["author"],
        isbn=row["isbn"],
    )


async def insert_item_if_new(conn: DbConnection, item: NewItem) -> bool:
    """Insert ``item`` unless its barcode exists; whether it was inserted."""
    inserted = await conn.fetchval(
        """
        INSERT INTO items (barcode, title, material, audience, purchase_price_ore, author, isbn)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (barcode) DO NOTHING
        RETURNING item_id
        """,
        item.barcode,
        item.title,
        item.material,
        item.audience,
        item.purchase_price_ore,
        item.author,
        item.isbn,
    )
    return inserted is not None


async def find_item_by_barcode(conn: DbConnection, barcode: str, *, for_update: bool = False) -> Item | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT {_ITEM_COLUMNS} FROM items WHERE barcode = $1{lock}", barcode)  # noqa: S608 - constant columns and lock clause
    return None if row is None else item_from_row(row)


async def item_by_barcode(conn: DbConnection, barcode: str, *, for_update: bool = False) -> Item:
    """The item with ``barcode``; ``item_not_found`` if there is none."""
    item = await find_item_by_barcode(conn, barcode, for_update=for_update)
    if item is None:
        raise DomainError(ErrorKind.NOT_FOUND, "item_not_found", "no item has this barcode")
    return item


async def item_by_id(conn: DbConnection, item_id: int) -> Item:
    row = await conn.fetchrow(f"SELECT {_ITEM_COLUMNS} FROM items WHERE item_id = $1", item_id)  # noqa: S608 - constant columns
    if row is None:
        raise DomainError(ErrorKind.NOT_FOUND, "item_not_found", "no such item")
    return item_from_row(row)
