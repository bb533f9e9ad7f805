"""A collection's collaborators: the owner adds people to a collaborative collection with `edit`
or `view`, changes their permission, or removes them; a collaborator may also leave. The person
added is told on their `user:#<id>` channel."""

from __future__ import annotations

from handlers.context import Context
from handlers.errors import Invalid, NotFound
from handlers.identity.auth import Principal
from handlers.social.collection_access import Role, owned_collection, visible_collection
from handlers.social.collection_details import CollaboratorEntry, collaborator_entries
from handlers.social.collections import HIDDEN_STATES
from store.records import CollectionCollaborator

__all__ = ["add_collaborator", "change_collaborator", "remove_collaborator", "PERMISSIONS"]

PERMISSIONS = ("edit", "view")


def _permission(value: str) -> str:
    if value not in PERMISSIONS:
        raise Invalid("permission_level must be edit or view", code="permission_invalid")
    return value


def _not_collaborator() -> NotFound:
    return NotFound("Collaborator not found", code="collaborator_not_found")


async def _entry(ctx: Context, member: CollectionCollaborator | None) -> CollaboratorEntry:
    if member is None:
        raise _not_collaborator()
    return (await collaborator_entries(ctx, [member]))[0]


async def add_collaborator(ctx: Context, principal: Principal, collection_id: int,
                           user_id: int, permission: str = "edit") -> CollaboratorEntry:
    """Let `user_id` see (`view`) or also change the tracks of (`edit`) one's collection."""
    permission = _permission(permission)
    access = await owned_collection(ctx, principal, collection_id,
                                    "Only the collection owner can add collaborators")
    collection = access.collection
    if not collection.is_collaborative:
        raise Invalid("Collection must be collaborative to add collaborators",
                      code="collection_not_collaborative")
    user = await ctx.store.users.get(user_id)
    if user is None or user.state in HIDDEN_STATES:
        raise NotFound("User not found", code="user_not_found")
    if user_id == collection.owner_id:
        raise Invalid("Cannot add collection owner as collaborator", code="collaborator_is_owner")
    member = await ctx.store.collections.add_collaborator(collection.id, user_id, permission,
                                                         principal.user.id)
    if member is None:
        raise Invalid("User is already a collaborator", code="collaborator_exists")
    await ctx.publisher.publish_to_user(user_id, {
        "type": "collection.collaborator", "collection_id": collection.id,
        "title": collection.title, "permission": permission,
        "by": {"id": principal.user.id, "name": principal.user.name or principal.user.username}})
    return await _entry(ctx, member)


async def change_collaborator(ctx: Context, principal: Principal, collection_id: int,
                              user_id: int, permission: str) -> CollaboratorEntry:
    """Set a collaborator's permission on one's collection."""
    permission = _permission(permission)
    access = await owned_collection(ctx, principal, collection_id,
                                    "Only the collection owner can update collaborator "
                                    "permissions")
    if await ctx.store.collections.collaborator(access.collection.id, user_id) is None:
        raise _not_collaborator()
    return await _entry(ctx, await ctx.store.collections.set_collaborator(
        access.collection.id, user_id, permission))


async def remove_collaborator(ctx: Context, principal: Principal, collection_id: int,
                              user_id: int) -> None:
    """The owner removes a collaborator, or a collaborator leaves."""
    access = await visible_collection(ctx, principal, collection_id)
    if access.role is not Role.OWNER and user_id != principal.user.id:
        await owned_collection(ctx, principal, collection_id,
                               "You can only remove yourself or (as owner) remove other "
                               "collaborators")
    if not await ctx.store.collections.remove_collaborator(access.collection.id, user_id):
        raise _not_collaborator()
