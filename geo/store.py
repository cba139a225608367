"""The workbench store: edits, proposals and accounts in a SQL database.

An embedded SQLite file (``settings.db_path``, created on first write) by
default; any SQLAlchemy URL in ``settings.db_url`` (environment ``ATLAS_DB``),
e.g. PostgreSQL for an office where several editors share one catalog. The
schema is created and upgraded by Alembic (``geo/migrations``), on first use
and by ``python -m geo db upgrade``.

Edits are append-only: the ORM refuses to update or delete an edit, and
database triggers refuse raw ``UPDATE``/``DELETE`` statements too. A revert is a
new edit. Proposals change state once (pending → accepted or rejected).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from geo import settings
from geo._errors import AccessDenied, StoreError

ROLES: dict[str, tuple[str, str]] = {
    "editor": ("编辑(提交待审改动)", "Editor (proposes changes)"),
    "reviewer": ("审核人(直接改动、审核)", "Reviewer (edits and reviews)"),
}
PROPOSAL_STATES = ("pending", "accepted", "rejected")
_Row = TypeVar("_Row")
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    pass


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return None if value is None else value.astimezone(dt.UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Edit(Base):
    """One change of one record: never updated, never deleted.

    ``changes`` maps each field to ``{"before": …, "after": …}`` (geometry as a
    GeoJSON dict). ``seq`` numbers the edits of one record (1, 2, …); the unique
    constraint on ``(record_id, seq)`` makes two concurrent saves of one record
    collide instead of both passing. ``action`` is ``edit``, ``create``,
    ``merge``, ``remove`` or ``revert`` (then ``reverts`` names the edit).
    """

    __tablename__ = "edits"
    __table_args__ = (sa.UniqueConstraint("record_id", "seq", name="uq_edits_record_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    seq: Mapped[int]
    action: Mapped[str] = mapped_column(sa.String(16), default="edit")
    changes: Mapped[dict] = mapped_column(sa.JSON)
    author: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.Text, default="")
    base_version: Mapped[int]
    proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposals.id"), default=None)
    reverts: Mapped[int | None] = mapped_column(default=None)

    def describe(self) -> str:
        """One line: ``#id time author (reason): field before → after; …``."""
        fields = ", ".join(f"{f} {_short(c.get('before'))} → {_short(c.get('after'))}" for f, c in self.changes.items())
        return f"edit #{self.id} by {self.author} at {self.created_at:%Y-%m-%d %H:%M} UTC ({_short(self.reason)}): {fields}"


class Proposal(Base):
    """A change waiting for a reviewer (from an editor or an automatic source).

    ``record_id`` is None for a new record (``changes`` is then the whole
    record). ``changes`` maps fields to their proposed values.
    """

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str | None] = mapped_column(sa.String(64), index=True, default=None)
    changes: Mapped[dict] = mapped_column(sa.JSON)
    author: Mapped[str] = mapped_column(sa.String(128))
    source: Mapped[str] = mapped_column(sa.Text, default="")
    reason: Mapped[str] = mapped_column(sa.Text)
    evidence: Mapped[dict | None] = mapped_column(sa.JSON, default=None)
    base_version: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    state: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    decided_by: Mapped[str | None] = mapped_column(sa.String(128), default=None)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    decision_reason: Mapped[str | None] = mapped_column(sa.Text, default=None)


class User(Base):
    """An account: name, bcrypt hash of the password, role ``editor`` or ``reviewer``."""

    __tablename__ = "users"

    name: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    password_hash: Mapped[str] = mapped_column(sa.String(128))
    role: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


def _short(value, limit: int = 60) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, flush_context, instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, Edit) and (obj in session.deleted or session.is_modified(obj)):
            raise StoreError(f"edit #{obj.id}: edits are append-only (a revert is a new edit)")


# --- engine and migrations -------------------------------------------------------------------------

_engines: dict[str, sa.Engine] = {}


def url() -> str:
    """The store's URL: ``settings.db_url``, else the SQLite file ``settings.db_path`` (read now)."""
    return settings.db_url or f"sqlite:///{settings.db_path}"


def _is_missing_sqlite(address: str) -> bool:
    u = sa.engine.make_url(address)
    return u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:") and not Path(u.database).exists()


def get_engine(*, create: bool = True) -> sa.Engine | None:
    """The engine of the current store, upgraded to the latest schema on first use in this process.

    With ``create=False`` an embedded store that does not exist yet is not
    created: None is returned (reading an absent store = no edits).
    """
    address = url()
    engine = _engines.get(address)
    if engine is not None:
        return engine
    with _engine_lock:  # the app's sessions are threads of one process; Alembic's command API is not thread-safe
        engine = _engines.get(address)
        if engine is not None:
            return engine
        return _open_engine(address, create=create)


#: Serialises opening (and migrating) a store within one process.
_engine_lock = threading.Lock()


def _open_engine(address: str, *, create: bool) -> sa.Engine | None:
    if not create and _is_missing_sqlite(address):
        return None
    try:
        u = sa.engine.make_url(address)
        if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(address, connect_args={"timeout": 30} if u.get_backend_name() == "sqlite" else {})
        try:
            upgrade(engine)
        except sa.exc.DatabaseError:
            upgrade(engine)  # another process created the schema between our check and our write: it is there now
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        raise StoreError(f"ATLAS_DB {address!r} is not a usable database URL: {exc}") from exc
    except sa.exc.OperationalError as exc:
        raise StoreError(f"cannot open the store {u.render_as_string(hide_password=True)}: {exc.orig}") from exc
    _engines[address] = engine
    return engine


def _alembic_config(connection: sa.Connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: sa.Engine | None = None) -> str:
    """Bring the store's schema to the latest migration; return the revision now in place."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    engine = engine or get_engine()
    if engine is None:
        raise StoreError("the store could not be opened")
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # two app processes starting at once: one migrates, the other waits
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(7465)"))
        command.upgrade(_alembic_config(conn), "head")
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() or ""


def reset_engines() -> None:
    """Forget the cached engines (tests switch stores by changing ``settings.db_url``)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


@contextlib.contextmanager
def session(*, create: bool = True) -> Iterator[Session | None]:
    """A session in one transaction: committed on success, rolled back on an exception.

    Yields None when ``create=False`` and the embedded store does not exist.
    """
    engine = get_engine(create=create)
    if engine is None:
        yield None
        return
    with Session(engine, expire_on_commit=False) as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise


@contextlib.contextmanager
def write_session() -> Iterator[Session]:
    """:func:`session` for writing: the store is created if needed, so the session is never None."""
    with session() as s:
        if s is None:  # get_engine(create=True) always gives an engine; this guards the contract
            raise StoreError("the store could not be opened for writing")
        yield s


def select_rows(s: Session, model: type[_Row], *, order_by: Any = None, **where: object) -> list[_Row]:
    """Rows of ``model`` in session ``s`` whose columns equal ``where``'s values, oldest first (by ``id``).

    A ``where`` value of None is no filter (``record_id=None``: every record).
    ``order_by`` replaces the order (a column, e.g. ``User.name``).
    """
    query = sa.select(model).order_by(getattr(model, "id") if order_by is None else order_by)  # noqa: B009 (models without id pass order_by)
    for name, value in where.items():
        if value is not None:
            query = query.where(getattr(model, name) == value)
    return list(s.scalars(query))


def rows(model: type[_Row], *, order_by: Any = None, **where: object) -> list[_Row]:
    """:func:`select_rows` in a reading session of its own; [] when the store does not exist (nothing is created)."""
    with session(create=False) as s:
        return [] if s is None else select_rows(s, model, order_by=order_by, **where)


# --- accounts --------------------------------------------------------------------------------------


def _password_bytes(password: str) -> bytes:
    raw = password.encode("utf-8")
    if not 8 <= len(raw) <= 72:
        raise StoreError("password: must be 8 to 72 bytes long (bcrypt's limit)")
    return raw


def add_user(name: str, password: str, *, role: str = "editor") -> User:
    """Create an account; the password is stored only as a bcrypt hash.

    Raises
    ------
    StoreError
        Empty name, unknown role, a password shorter than 8 or longer than 72
        bytes, or a name already taken.
    """
    import bcrypt

    name = (name or "").strip()
    if not name:
        raise StoreError("user name: must not be empty")
    if role not in ROLES:
        raise StoreError(f"role: unknown value {role!r}; expected one of: {', '.join(ROLES)}")
    digest = bcrypt.hashpw(_password_bytes(password), bcrypt.gensalt()).decode("ascii")
    with write_session() as s:
        if s.get(User, name) is not None:
            raise StoreError(f"user {name!r} exists already")
        user = User(name=name, password_hash=digest, role=role)
        s.add(user)
    return user


def get_user(name: str | None) -> User | None:
    """The account called ``name``, or None (also when the store does not exist yet)."""
    if not name:
        return None
    with session(create=False) as s:
        return None if s is None else s.get(User, name)


def list_users() -> list[User]:
    """Every account, by name; [] when the store does not exist."""
    return rows(User, order_by=User.name)


def authenticate(name: str, password: str) -> User | None:
    """The account if ``password`` is right, else None (same answer for an unknown name)."""
    import bcrypt

    user = get_user((name or "").strip())
    try:
        raw = _password_bytes(password or "")
    except StoreError:
        return None
    if user is None:
        bcrypt.checkpw(raw, bcrypt.hashpw(b"timing-equaliser", bcrypt.gensalt(4)))
        return None
    return user if bcrypt.checkpw(raw, user.password_hash.encode("ascii")) else None


def require_role(name: str | None, role: str, *, action: str) -> User:
    """The account ``name`` if it has ``role`` (a reviewer has every editor right); else AccessDenied.

    Every write function calls this on the server side, so a page that forgot
    to hide a control, or a crafted request, still cannot write.
    """
    user = get_user(name)
    if user is None:
        raise AccessDenied(name, action, f"no account {name!r}: sign in, or create one with `python -m geo user add NAME`")
    if role == "reviewer" and user.role != "reviewer":
        raise AccessDenied(name, action, f"{name} is an {user.role}; only a reviewer may do this")
    return user
