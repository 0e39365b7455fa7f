"""Signing in to the console and out again, as support staff do, in Chromium."""

from __future__ import annotations

from playwright.async_api import expect

from domain.access import Role


async def test_support_signs_in_with_their_key_and_signs_out(live, page, snapshot):
    await page.goto(f"{live.url}/console/orders")
    # Not signed in: the console asks for a key first, then comes back to the page asked for.
    await expect(page.get_by_role("heading", name="Sign in to the support console")).to_be_visible()
    await snapshot("sign-in")
    await page.get_by_label("Your API key").fill(live.keys.key(Role.SUPPORT))
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    await expect(page).to_have_url(f"{live.url}/console/orders")
    await expect(page.get_by_role("banner")).to_contain_text("test-support (support)")

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("status")).to_have_text("You are signed out.")
    # The session is over on the server: the list asks to sign in again.
    await page.goto(f"{live.url}/console/orders")
    await expect(page.get_by_role("heading", name="Sign in to the support console")).to_be_visible()


async def test_a_wrong_key_is_told_and_gets_nothing(live, page):
    await page.goto(f"{live.url}/console/sign-in")
    await page.get_by_label("Your API key").fill("ord_not-a-key")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_be_visible()
    await expect(page.get_by_role("navigation", name="Sections")).to_have_count(0)
