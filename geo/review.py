"""Review: proposals from editors and automatic sources, accepted or rejected by a reviewer.

An editor without reviewer rights, and an automatic source (the OpenStreetMap
matcher, the plan ingester), call :func:`propose`; a reviewer sees the proposal
beside the current record and calls :func:`accept` (which creates the edit, in
the same transaction) or :func:`reject`. Both need a reason. Proposals are
checked when made, as an edit would be, so a proposal that could never be
accepted is refused at the door with the record, field and problem.
"""

from __future__ import annotations

from geo._errors import RecordError, StoreError
from geo.edits import _commit, _state, new_record_id, write_edit
from geo.store import Proposal, require_role, rows, session, utcnow, write_session


def propose(record_id: str | None, changes: dict, *, author: str, source: str, reason: str, evidence: dict | None = None) -> int:
    """Store a proposal; return its id.

    Parameters
    ----------
    record_id
        The record to change, or None to propose a new record (``changes`` is
        then the whole record, ``id`` excepted: one is given on acceptance).
    changes
        Field → proposed value; ``geometry`` as a GeoJSON dict.
    author
        Who proposes: an account name, or the name of an automatic source
        (``osm-matcher``…). No account is needed to propose.
    source, reason
        The evidence's origin and why. A reason is required.
    evidence
        Anything the reviewer should see (OSM tags, the matching text, a score).

    Raises
    ------
    RecordError
        The change would be refused as an edit (unknown field or record, a
        value ``geo validate`` rejects, nothing changing). Nothing is stored.
    """
    if not (author or "").strip():
        raise RecordError(record_id or "(new)", "author", "a proposal needs an author")
    if not isinstance(changes, dict) or not changes:
        raise RecordError(record_id or "(new)", "changes", "must be a non-empty mapping of field → value")
    with write_session() as s:
        state = _state(s)
        if record_id is None:
            write_edit(None, state, new_record_id(), {k: v for k, v in changes.items() if k != "id"}, author=author, reason=reason,
                       source=source, base_version=None, action="create")
            version = None
        else:
            checked = write_edit(None, state, record_id, changes, author=author, reason=reason, source=source, base_version=None)
            version = checked.base_version
        proposal = Proposal(record_id=record_id, changes=_json_changes(changes), author=author.strip(), source=(source or "").strip(),
                            reason=reason.strip(), evidence=evidence, base_version=version)
        s.add(proposal)
        s.flush()
        return proposal.id


def _json_changes(changes: dict) -> dict:
    from geo.edits import plain, to_geometry

    return {k: plain(to_geometry(v)) if k == "geometry" else plain(v) for k, v in changes.items()}


def _pending(s, proposal_id: int) -> Proposal:
    proposal = s.get(Proposal, proposal_id)
    if proposal is None:
        raise StoreError(f"proposal #{proposal_id}: no such proposal")
    if proposal.state != "pending":
        raise StoreError(f"proposal #{proposal_id}: already {proposal.state} by {proposal.decided_by}")
    return proposal


def accept(proposal_id: int, *, reviewer: str, reason: str = "") -> int:
    """Accept a pending proposal: create its edit (author = the proposer) and close it; return the edit id.

    The edit is checked against the record as it is now (the reviewer saw it
    side by side); if it no longer validates, nothing changes and the
    :class:`RecordError` says why.
    """
    require_role(reviewer, "reviewer", action=f"accept proposal #{proposal_id}")
    with write_session() as s:
        proposal = _pending(s, proposal_id)
        state = _state(s)
        common: dict = {"author": proposal.author, "reason": proposal.reason, "source": proposal.source, "base_version": None, "proposal_id": proposal.id}
        if proposal.record_id is None:
            record_id = new_record_id()
            edit = write_edit(s, state, record_id, {k: v for k, v in proposal.changes.items() if k != "id"}, action="create", **common)
            proposal.record_id = record_id
        else:
            edit = write_edit(s, state, proposal.record_id, proposal.changes, **common)
        _decide(proposal, "accepted", reviewer, reason)
        _commit(s, [edit.record_id], state)
        return edit.id


def reject(proposal_id: int, *, reviewer: str, reason: str) -> None:
    """Reject a pending proposal with a reason (required); the catalog does not change."""
    require_role(reviewer, "reviewer", action=f"reject proposal #{proposal_id}")
    if not (reason or "").strip():
        raise StoreError(f"proposal #{proposal_id}: reason: a rejection needs a reason")
    with write_session() as s:
        _decide(_pending(s, proposal_id), "rejected", reviewer, reason)


def _decide(proposal: Proposal, state: str, reviewer: str, reason: str) -> None:
    proposal.state = state
    proposal.decided_by = reviewer
    proposal.decided_at = utcnow()
    proposal.decision_reason = (reason or "").strip()


def list_proposals(*, state: str | None = "pending", record_id: str | None = None) -> list[Proposal]:
    """Proposals, oldest first; ``state=None`` lists every state. [] when the store does not exist."""
    return rows(Proposal, state=state, record_id=record_id)


def get_proposal(proposal_id: int) -> Proposal:
    with session(create=False) as s:
        proposal = None if s is None else s.get(Proposal, proposal_id)
    if proposal is None:
        raise StoreError(f"proposal #{proposal_id}: no such proposal")
    return proposal
