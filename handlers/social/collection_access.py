"""Who may do what with a collection addressed by id (Sono's collections, Openwhyd's playlists).

The owner does everything; an admin too (Sono's superuser). A collaborator has a permission:
`view` sees the collection even when it is private; `edit` also adds, removes and reorders its
tracks, while the collection is collaborative (switching that off leaves them viewers). Changing
the collection itself (title, privacy, cover, collaborators) and deleting it are the owner's.
Anyone sees a public collection of a visible owner; a collection the asker may not see is
NotFound, never Forbidden, so that its existence stays private.
"""

from __future__ import annotations

import enum

import msgspec

from handlers.context import Context
from handlers.errors import Forbidden, NotFound
from handlers.identity.auth import Principal
from handlers.social.collections import HIDDEN_STATES, members
from store.records import Collection, CollectionCollaborator, User

__all__ = ["Role", "Access", "role_of", "role_among", "visible_collection", "editable_collection",
           "owned_collection", "collection_not_found", "EDITORS", "viewer_id", "sees_posts_in",
           "members"]

EDIT_REFUSED = "You don't have permission to edit this collection"


class Role(enum.StrEnum):
    """What a signed-in user is to a collection."""

    OWNER = "owner"
    EDIT = "edit"
    VIEW = "view"


EDITORS = frozenset({Role.OWNER, Role.EDIT})  # the roles that may change a collection's tracks


class Access(msgspec.Struct, kw_only=True):
    """A collection, its owner, and the asker's role (None: a visitor of a public one)."""

    collection: Collection
    owner: User
    role: Role | None

    @property
    def can_edit(self) -> bool:
        return self.role in EDITORS


def collection_not_found() -> NotFound:
    return NotFound("Collection not found", code="collection_not_found")


def role_among(viewer: Principal | None, collection: Collection,
               members: list[CollectionCollaborator]) -> Role | None:
    """The viewer's role on `collection`, given its collaborators; None for strangers and the
    signed-out."""
    if viewer is None:
        return None
    if viewer.user.id == collection.owner_id or viewer.user.is_admin:
        return Role.OWNER
    member = next((m for m in members if m.user_id == viewer.user.id), None)
    if member is None:
        return None
    if member.permission == Role.EDIT and collection.is_collaborative:
        return Role.EDIT
    return Role.VIEW


async def role_of(ctx: Context, viewer: Principal | None, collection: Collection) -> Role | None:
    """The viewer's role on `collection`, read from the store."""
    if viewer is None:
        return None
    member = await ctx.store.collections.collaborator(collection.id, viewer.user.id)
    return role_among(viewer, collection, [member] if member is not None else [])


def viewer_id(viewer: Principal | None) -> int | None:
    """The id the store's visibility rule (store/sqlite/_private.py) takes for a viewer."""
    return viewer.user.id if viewer is not None else None


async def sees_posts_in(ctx: Context, user: User | None, collection_id: int | None) -> bool:
    """Whether `user` (None: signed out) may see the posts filed in the collection: always for
    none or a public one; for a private one, its owner, collaborators and admins only (the
    rule _private.seen_by applies in SQL)."""
    if collection_id is None:
        return True
    collection = await ctx.store.collections.get(collection_id)
    if collection is None or collection.is_public:
        return True
    if user is None:
        return False
    if user.is_admin or user.id == collection.owner_id:
        return True
    return await ctx.store.collections.collaborator(collection_id, user.id) is not None


async def visible_collection(ctx: Context, viewer: Principal | None, collection_id: int
                             ) -> Access:
    """The collection if the viewer may see it; NotFound otherwise."""
    collection = await ctx.store.collections.get(collection_id)
    if collection is None:
        raise collection_not_found()
    owner = await ctx.store.users.get(collection.owner_id)
    if owner is None:
        raise collection_not_found()
    role = await role_of(ctx, viewer, collection)
    if role is None and not (collection.is_public and owner.state not in HIDDEN_STATES):
        raise collection_not_found()
    return Access(collection=collection, owner=owner, role=role)


async def editable_collection(ctx: Context, principal: Principal, collection_id: int) -> Access:
    """The collection if the principal may change its tracks; NotFound when they may not even
    see it, Forbidden when they only may see it."""
    access = await visible_collection(ctx, principal, collection_id)
    if not access.can_edit:
        raise Forbidden(EDIT_REFUSED, code="collection_edit_forbidden")
    return access


async def owned_collection(ctx: Context, principal: Principal, collection_id: int,
                           refusal: str = EDIT_REFUSED) -> Access:
    """The collection if the principal owns it (or is an admin); Forbidden with `refusal`
    for anyone else who may see it, NotFound for the others."""
    access = await visible_collection(ctx, principal, collection_id)
    if access.role is not Role.OWNER:
        raise Forbidden(refusal, code="collection_owner_only")
    return access
