"""A tiny DevTools-protocol client for headless Chromium over ``--remote-debugging-pipe``.

No websocket library needed: Chromium reads NUL-terminated JSON commands on fd 3 and writes
responses and events on fd 4. Enough protocol to open a page, collect console errors and
exceptions, evaluate an expression, take a screenshot and print to PDF.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
    "--remote-debugging-pipe",
)

# Runs in the child: put the two pipe ends on fds 3 and 4, then exec Chromium.
_TRAMPOLINE = (
    "import fcntl, os, sys\n"
    "r, w = (fcntl.fcntl(int(x), fcntl.F_DUPFD, 10) for x in sys.argv[1:3])\n"
    "os.dup2(r, 3); os.dup2(w, 4); os.close(r); os.close(w)\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)


def find_chromium() -> str | None:
    """Debian's chromium (or another Chromium/Chrome on PATH)."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


_LAYOUT_JS = r"""(() => {
  const overlaps = [];
  for (const cell of document.querySelectorAll('table td, table th')) {
    const box = cell.getBoundingClientRect();
    if (!box.width) continue;
    for (const inner of cell.querySelectorAll('*')) {
      const r = inner.getBoundingClientRect();
      if (!r.width || getComputedStyle(inner).position === 'absolute') continue;
      if (r.right > box.right + 1 || r.left < box.left - 1)
        overlaps.push(`${inner.tagName.toLowerCase()}.${inner.className} "${inner.innerText.slice(0, 30)}" sticks out of its cell in #${(cell.closest('section') || {}).id}`);
    }
  }
  const token = /(?:(?<![0-9A-Fa-f:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Fa-f:])|[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?:\/[0-9]{1,2})?|(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)+[A-Za-z][A-Za-z0-9_-]{0,62}|AS[0-9]+|--[a-z][a-z0-9-]*[a-z0-9])/g;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const broken = [];
  let checked = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('pre, script, style, a.url, .url') || !parent.getClientRects().length) continue;
    for (const m of node.data.matchAll(token)) {
      if (m[0].length < 4 || !/[.:]/.test(m[0]) && !/^(AS|--)/.test(m[0])) continue;
      const range = document.createRange();
      range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(b => b.width > 0).map(b => Math.round(b.top)));
      checked += 1;
      if (tops.size > 1) broken.push(`${m[0]} in #${(parent.closest('section') || {}).id}`);
    }
  }
  return {overlaps: [...new Set(overlaps)].slice(0, 10), broken: [...new Set(broken)].slice(0, 10),
          tokens: [String(checked)]};
})()"""


class CdpError(RuntimeError):
    """A protocol error or a browser that stopped answering."""


class Browser:
    """One headless Chromium with a single page attached (flattened session)."""

    def __init__(self, executable: str, profile: Path, timeout: float = 30.0) -> None:
        self.timeout = timeout
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        self.stderr_path = profile / "chromium-stderr.log"
        profile.mkdir(parents=True, exist_ok=True)
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _TRAMPOLINE, str(to_browser_r), str(from_browser_w), executable,
                 *FLAGS, f"--user-data-dir={profile / 'profile'}", "about:blank"],
                pass_fds=(to_browser_r, from_browser_w), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=err,
            )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    # -- protocol ------------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode() + b"\0"
        while data:
            written = os.write(self._to_browser, data)
            data = data[written:]

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CdpError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise CdpError(f"Chromium closed the pipe (see {self.stderr_path})")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return dict(json.loads(raw))

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command (to the page session once attached) and wait for its result."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        self._send(message)
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._receive(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise CdpError(f"{method}: {answer['error']}")
                return dict(answer.get("result", {}))
            if "method" in answer:
                self.events.append(answer)

    def wait_for(self, event: str) -> dict[str, Any]:
        """Wait for an event of the page session (events seen earlier count)."""
        deadline = time.monotonic() + self.timeout
        while True:
            for seen in self.events:
                if seen.get("method") == event:
                    self.events.remove(seen)
                    return seen
            answer = self._receive(deadline)
            if "method" in answer:
                self.events.append(answer)

    # -- what the tests use -------------------------------------------------------------------------

    def open(self, url: str) -> None:
        """Navigate and wait until the page has loaded."""
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise CdpError(f"evaluate failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries seen so far."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                found.append(f"exception: {params.get('exceptionDetails')}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append(f"log: {params['entry'].get('text')} ({params['entry'].get('url', '')})")
        return found

    def overflow(self, width: int, media: str = "screen") -> list[str]:
        """Elements that stick out to the right at a viewport ``width`` (empty: the page fits)."""
        self.call("Emulation.setEmulatedMedia", media=media)
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1,
                  mobile=False)
        try:
            return list(self.evaluate(
                "[...document.querySelectorAll('body *')]"
                ".filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
                ".slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${e.className} in #${(e.closest('section')"
                " || {}).id}: ${e.innerText.slice(0, 60)}`)"))
        finally:
            self.call("Emulation.clearDeviceMetricsOverride")
            self.call("Emulation.setEmulatedMedia", media="")

    def broken_labels(self, width: int, media: str = "screen") -> list[str]:
        """Short labels that wrap badly at a viewport ``width``: a status badge split inside a word,
        a column heading of the blocklist table on more than two lines (one character a line)."""
        self.call("Emulation.setEmulatedMedia", media=media)
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1,
                  mobile=False)
        try:
            return list(self.evaluate("""(() => {
                const lines = (node, start, end) => {
                  const r = document.createRange(); r.setStart(node, start); r.setEnd(node, end);
                  return new Set([...r.getClientRects()].filter(b => b.width > 0).map(b => Math.round(b.top))).size;
                };
                const bad = [];
                for (const e of document.querySelectorAll('.badge')) {
                  const t = e.firstChild;
                  if (!t || t.nodeType !== 3) continue;
                  for (const m of t.data.matchAll(/\\S+/g))
                    if (lines(t, m.index, m.index + m[0].length) > 1) bad.push(`badge ${t.data.trim()}`);
                }
                for (const e of document.querySelectorAll('table.blocklists th')) {
                  const t = e.firstChild;
                  if (t && t.nodeType === 3 && lines(t, 0, t.data.length) > 2) bad.push(`heading ${t.data.trim()}`);
                }
                return [...new Set(bad)].slice(0, 5);
            })()"""))
        finally:
            self.call("Emulation.clearDeviceMetricsOverride")
            self.call("Emulation.setEmulatedMedia", media="")

    def layout_problems(self, width: int, media: str = "print") -> dict[str, list[str]]:
        """Layout defects at a viewport ``width``: table cells whose contents spill over the cell
        (a badge over the next column), and network tokens (IPs, host names, check ids, flags) that
        a rendered line starts or ends inside. Code blocks are exempt: they wrap at spaces only."""
        self.call("Emulation.setEmulatedMedia", media=media)
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1,
                  mobile=False)
        try:
            return dict(self.evaluate(_LAYOUT_JS))
        finally:
            self.call("Emulation.clearDeviceMetricsOverride")
            self.call("Emulation.setEmulatedMedia", media="")

    def screenshot(self, path: Path, width: int = 1200, media: str = "screen") -> Path:
        """A full-page PNG at ``width`` CSS pixels."""
        self.call("Emulation.setEmulatedMedia", media=media)
        height = int(self.evaluate("Math.ceil(document.documentElement.scrollHeight)"))
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=min(height, 16000),
                  deviceScaleFactor=1, mobile=False)
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        self.call("Emulation.clearDeviceMetricsOverride")
        self.call("Emulation.setEmulatedMedia", media="")
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def pdf(self, path: Path) -> Path:
        """Print to PDF as a user would: A4 from the page's @page rule, backgrounds on."""
        printed = self.call("Page.printToPDF", preferCSSPageSize=True, printBackground=True,
                            paperWidth=8.27, paperHeight=11.69)
        path.write_bytes(base64.b64decode(printed["data"]))
        return path

    def close(self) -> None:
        try:
            self._send({"id": 0, "method": "Browser.close"})
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
