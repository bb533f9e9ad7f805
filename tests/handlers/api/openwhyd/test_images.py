"""`/uAvatarImg/<id>` over HTTP: the user's avatar (followed to its bytes), else Openwhyd's
default avatar with a 404."""

from __future__ import annotations

import io

from PIL import Image

from handlers.media.images import save_image
from handlers.media.pictures import default_image
from store.records import UserPatch
from tests.conftest import ctx_of
from tests.handlers.api.openwhyd.test_lists import register_member


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


async def test_a_users_avatar_is_served_through_uavatarimg(client):
    ann = await register_member(client, "ann")
    ctx = ctx_of(client)
    url = await save_image(ctx, png(), "avatars", ann.id)
    await ctx.store.users.update(ann.id, UserPatch(avatar_url=url))
    resp = await client.get(f"/uAvatarImg/{ann.id}", allow_redirects=False)
    assert resp.status == 307 and resp.headers["Location"] == url
    followed = await client.get(f"/uAvatarImg/{ann.id}")
    stored = await (await client.get(url)).read()
    assert followed.status == 200 and await followed.read() == stored
    with Image.open(io.BytesIO(stored)) as img:
        assert img.size == (8, 8)


async def test_no_avatar_no_user_or_no_id_answer_the_default_with_a_404(client):
    ann = await register_member(client, "ann")
    for ref in (str(ann.id), "999999", "ababababababab", "9" * 40):
        resp = await client.get(f"/uAvatarImg/{ref}")
        assert resp.status == 404, ref
        assert resp.content_type == "image/gif"
        assert await resp.read() == default_image("blank_user.gif")
    with Image.open(io.BytesIO(default_image("blank_user.gif"))) as img:
        assert img.format == "GIF" and img.size == (64, 64)
