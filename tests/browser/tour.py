"""A person's visit to the service in a real browser: every page it reaches is checked with axe-core,
photographed at 1280 px and 390 px, and measured for sideways scrolling at 390 px and 320 px.

Journeys find things as a person does — by role and accessible name, label, link text and
headings — and call `look()` after each page they reach. `finish()` fails the test on any critical
or serious axe violation, an error page, a page reached but never looked at, or a page wider than
the window at 390 px or 320 px (it scrolls sideways).
"""

import datetime
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "vendor" / "axe.min.js"
SCREENSHOTS = HERE / "screenshots"
DESKTOP, PHONE, NARROW = 1280, 390, 320
FAILING_IMPACTS = ("critical", "serious")
IMPACT_ORDER = ("critical", "serious", "moderate", "minor")

# What axe returns, cut down to what the report prints: rule, impact, how many elements, the first.
AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
    target: v.nodes.length ? v.nodes[0].target.join(' ') : '',
  }));
}"""

# A link in a tab panel that is not the one shown, or in a closed <details>: open what holds it.
REVEAL = """element => {
  const panel = element.closest('[role=tabpanel]');
  if (panel && panel.id) {
    const tab = document.querySelector(`[role=tab][aria-controls="${panel.id}"], a[href="#${panel.id}"]`);
    if (tab) tab.click();
  }
  const details = element.closest('details:not([open])');
  if (details) details.querySelector('summary').click();
}"""


@dataclass
class PageSeen:
    number: int
    slug: str
    user: str
    url: str
    title: str
    width: int
    violations: list = field(default_factory=list)
    phone_width: int | None = None  # document.documentElement.scrollWidth at 390 px
    narrow_width: int | None = None  # and at 320 px (the narrowest phone the pages are made for)

    def counts(self) -> dict:
        counts = dict.fromkeys(IMPACT_ORDER, 0)
        for rule in self.violations:
            counts[rule["impact"] or "minor"] += 1
        return counts

    def lines(self) -> list[str]:
        counts = ", ".join(f"{n} {impact}" for impact, n in self.counts().items() if n) or "no violations"
        head = f"{self.number:02d} {self.slug} [{self.user}] {self.path} “{self.title}” — axe: {counts}"
        if self.phone_width is not None:
            head += f"; width at {PHONE} px: {self.phone_width}, at {NARROW} px: {self.narrow_width}"
        rows = [head]
        for rule in sorted(self.violations, key=lambda r: IMPACT_ORDER.index(r["impact"] or "minor")):
            rows.append(
                f"     {rule['impact']:<8} {rule['id']} ×{rule['count']}  first: {rule['target']}  ({rule['help']})"
            )
        return rows

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


class Tour:
    """One journey through the service in `page`, at `width` px (1280 for desktop, 390 for a phone)."""

    def __init__(self, page: Page, *, base_url: str, journey: str, password: str, width: int = DESKTOP):
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.journey = re.sub(r"[^a-z0-9]+", "-", journey.lower()).strip("-")
        self.password = password
        self.width = width
        self.user = "-"
        self.seen: list[PageSeen] = []
        self.errors: list[str] = []  # error responses and pages reached without a look
        self.console: list[str] = []  # the browser's console errors (a refused script or style shows here)
        self.pending: list[str] = []  # pages navigated to since the last look
        self.finished = False
        self.folder = SCREENSHOTS / self.journey
        self.folder.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": width, "height": 800})
        page.set_default_timeout(10_000)
        page.on("framenavigated", self._navigated)
        page.on("response", self._response)
        page.on("console", self._console)

    # -- what the browser tells us ---------------------------------------------------------

    def _navigated(self, frame):
        if frame != self.page.main_frame:
            return
        url = frame.url.split("#")[0]
        if self.seen and url == self.seen[-1].url.split("#")[0] and not self.pending:
            return  # a jump within the page
        if self.pending and self.pending[-1] != url:
            self.errors.append(f"reached {self.pending[-1]} without looking at it")
        self.pending.append(url)

    def _response(self, response):
        request = response.request
        # 400 and 422 are a form re-shown with its errors; any other error status is a bug
        if (
            request.is_navigation_request()
            and request.frame == self.page.main_frame
            and response.status >= 400
            and response.status not in (400, 422)
        ):
            self.errors.append(f"{response.status} from {request.method} {response.url} (as {self.user})")

    def _console(self, message):
        if message.type == "error":
            self.console.append(f"[{self.user}] {self.page.url}: {message.text}")

    # -- moving about ----------------------------------------------------------------------

    def start(self, path: str = "/accounts/login/"):
        """The only direct visits: the sign-in page and the first page of a journey."""
        self.page.goto(self.base_url + path)

    def sign_in(self, username: str, *, expect_heading: str | None = None):
        """Sign in at the sign-in page as a demo user, and look at the page it lands on."""
        self.user = username
        self.start("/accounts/login/")
        if not any(seen.slug == "sign-in" for seen in self.seen):
            self.look("sign-in", heading="Sign in")
        else:
            self.pending.clear()
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(self.password)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_role("button", name="Sign out")).to_be_visible()
        self.look("home", heading=expect_heading)

    def sign_out(self):
        self.page.get_by_role("button", name="Sign out").click()
        self.page.wait_for_load_state("load")
        self.pending.clear()  # the signed-out page is the sign-in page, looked at once already
        self.user = "-"

    def menu(self, name: str):
        """Follow a link in the service navigation, opening the menu first on a narrow screen."""
        nav = self.page.get_by_role("navigation", name="Menu")
        toggle = nav.get_by_role("button", name="Menu")
        if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
        nav.get_by_role("link", name=name, exact=True).click()

    def follow(self, name: str | re.Pattern, *, role: str = "link"):
        """Click the link (or button) named `name`, first opening the tab or the closed details
        that holds it, as a person would on a page in sections."""
        target = self.page.get_by_role(role, name=name).first
        if not target.is_visible():
            target.evaluate(REVEAL)
        target.click()

    # -- forms -----------------------------------------------------------------------------

    def fill_date(self, label: str, day: datetime.date, *, within=None):
        """A date question: GOV.UK's day, month and year boxes in a group named `label`, or a single
        date field labelled `label`."""
        scope = within or self.page
        group = scope.get_by_role("group", name=label)
        if group.count() == 1 and group.get_by_label("Day", exact=True).count() == 1:
            group.get_by_label("Day", exact=True).fill(str(day.day))
            group.get_by_label("Month", exact=True).fill(str(day.month))
            group.get_by_label("Year", exact=True).fill(str(day.year))
            return
        box = scope.get_by_label(label, exact=True)
        kind = box.get_attribute("type")
        if kind == "date":
            box.fill(day.isoformat())
        elif kind == "datetime-local":
            box.fill(f"{day.isoformat()}T10:00")
        else:
            box.fill(day.strftime("%d/%m/%Y"))

    def shows(self, text: str | re.Pattern):
        """The page shows `text` somewhere a person can see it (a banner, a heading, a table)."""
        expect(self.page.get_by_text(text).filter(visible=True).first).to_be_visible()

    def choose(self, label: str, option: str, *, within=None):
        """Answer a question by the words of an option: a radio in a group named `label`, or the
        first option of a select labelled `label` whose text contains `option`."""
        scope = within or self.page
        group = scope.get_by_role("group", name=label, exact=True)
        if group.count() == 1 and group.get_by_role("radio").count():
            group.get_by_role("radio", name=option).first.check()
            return
        select = scope.get_by_label(label, exact=True)
        value = select.locator("option", has_text=option).first.get_attribute("value")
        select.select_option(value)

    # -- the look at each page -------------------------------------------------------------

    def look(self, slug: str, *, heading: str | None = None) -> PageSeen:
        """Check the page the journey has reached: its main heading (if given), axe-core, and
        screenshots at both widths with the width measured at 390 px."""
        page = self.page
        page.wait_for_load_state("load")
        if heading is not None:
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        self.pending.clear()
        seen = PageSeen(
            number=len(self.seen) + 1,
            slug=slug,
            user=self.user,
            url=page.url,
            title=page.title(),
            width=self.width,
        )
        self.seen.append(seen)
        seen.violations = self._axe()
        other = PHONE if self.width == DESKTOP else DESKTOP
        self._shoot(seen, self.width)
        self._resize(other)
        self._shoot(seen, other)
        self._resize(self.width)
        print("\n".join(seen.lines()))
        return seen

    def _resize(self, width: int):
        """Change the window's width and let the page's scripts catch up (the menu folds at 390 px)."""
        self.page.set_viewport_size({"width": width, "height": 800})
        self.page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")

    def _axe(self) -> list[dict]:
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(AXE_JS.read_text(encoding="utf-8"))
        return self.page.evaluate(AXE_RUN)

    def _shoot(self, seen: PageSeen, width: int):
        if width == PHONE:
            seen.phone_width = self.page.evaluate("() => document.documentElement.scrollWidth")
            self._resize(NARROW)
            seen.narrow_width = self.page.evaluate("() => document.documentElement.scrollWidth")
            self._resize(PHONE)
        path = self.folder / f"{seen.number:02d}-{seen.slug}-{width}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def use_width(self, width: int):
        """Carry on at another width (before the first page: a phone-width journey)."""
        self.width = width
        self.page.set_viewport_size({"width": width, "height": 800})

    # -- the end of the journey ------------------------------------------------------------

    def report(self) -> str:
        lines = [f"== {self.journey}: {len(self.seen)} pages, screenshots in {self.folder}"]
        for seen in self.seen:
            lines += seen.lines()
        if self.console:
            lines.append("Browser console errors:")
            lines += [f"  {line}" for line in self.console]
        return "\n".join(lines)

    def finish(self):
        """Print the whole journey's findings and fail on what must not happen."""
        if self.finished:
            return
        self.finished = True
        if self.pending:
            self.errors.append(f"reached {self.pending[-1]} without looking at it")
        (self.folder / "pages.json").write_text(
            json.dumps([seen.__dict__ | {"counts": seen.counts()} for seen in self.seen], indent=1), encoding="utf-8"
        )
        print(self.report())
        problems = list(self.errors)
        for seen in self.seen:
            bad = [rule for rule in seen.violations if rule["impact"] in FAILING_IMPACTS]
            if bad:
                rules = "; ".join(f"{r['impact']} {r['id']} ×{r['count']} first: {r['target']}" for r in bad)
                problems.append(f"axe on {seen.number:02d} {seen.slug} ({seen.path}): {rules}")
        for window, measured in ((PHONE, "phone_width"), (NARROW, "narrow_width")):
            wide = [seen for seen in self.seen if (getattr(seen, measured) or 0) > window]
            if wide:
                message = "; ".join(
                    f"{s.number:02d} {s.slug} ({s.path}) is {getattr(s, measured)} px wide" for s in wide
                )
                problems.append(f"scrolls sideways at {window} px: {message}")
        assert not problems, f"{self.journey}:\n  " + "\n  ".join(problems)
