"""The browser harness itself: Chromium reaches the live server and reads its pages."""

from __future__ import annotations

from playwright.async_api import expect


async def test_a_person_signs_in_to_the_codec_with_a_support_key(live, page, snapshot):
    from domain.access import Role

    await page.goto(f"{live.url}/codec/sign-in")
    await page.get_by_label("Your API key").fill(live.keys.key(Role.SUPPORT))
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading")).to_contain_text("Signed in as")
    await snapshot("codec-signed-in")
