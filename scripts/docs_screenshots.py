"""Screenshots of the pages for docs/quickstart.md, taken on a running ledger with the Chromium the setup
unpacked (the same as the browser tests').

    .venv/bin/python -m scripts.docs_screenshots --url http://127.0.0.1:8000 --certificate N --file data.csv \
        [--registrant-token drl_…]

With a registrant's token, the registration form is taken too (`portal-register-form.png`, in English).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from tests.web.chromium import CHROMIUM_FLAGS, chromium_environment

OUT = Path(__file__).resolve().parents[1] / "docs" / "img"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--certificate", required=True)
    parser.add_argument("--file", required=True, type=Path, help="a registered data file, verified in the browser")
    parser.add_argument("--registrant-token", help="an API token of a registrant, to sign in to the portal")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        binary, environment = chromium_environment(Path(tmp))
        browser = playwright.chromium.launch(executable_path=binary, args=CHROMIUM_FLAGS, env=environment)
        page = browser.new_page(base_url=args.url, viewport={"width": 1100, "height": 760})
        page.goto("/")
        page.screenshot(path=OUT / "home.png")
        page.goto("/verify")
        page.set_input_files("#file", str(args.file))
        page.wait_for_url("**/verify?q=*")
        page.screenshot(path=OUT / "verify.png")
        page.goto(f"/certificates/{args.certificate}")
        page.screenshot(path=OUT / "certificate.png", full_page=True)
        page.goto("/catalogue?lang=en")
        page.screenshot(path=OUT / "catalogue-en.png")
        page.goto("/notices?lang=zh")
        page.screenshot(path=OUT / "notices.png")
        page.goto("/docs")
        page.locator("button.authorize").wait_for()
        page.screenshot(path=OUT / "docs.png")
        if args.registrant_token:
            page.goto("/signin?next=/portal/register%3Flang%3Den")
            page.fill("#token", args.registrant_token)
            with page.expect_navigation():
                page.keyboard.press("Enter")
            page.screenshot(path=OUT / "portal-register-form.png")
        browser.close()
    for png in OUT.glob("*.png"):  # a 64-colour palette keeps the committed images small
        Image.open(png).convert("RGB").quantize(colors=64).save(png, optimize=True)


if __name__ == "__main__":
    main()
