// Runs in every page the browser suite opens with JavaScript (an init script; see conftest.py).
// Once the page has loaded, it checks what every page must pass and reports to the test:
// axe-core (WCAG 2.2 A/AA and best practice), the title, and whether the page would scroll
// sideways at 320 CSS pixels (the same document laid out in a 320 px wide frame without
// scripts). The test's own axe runs wait for this one (window.__portalPageCheckDone).
(() => {
  if (window.top !== window || !location.protocol.startsWith("http")) return;
  const TAGS = __TAGS__;

  function overflowAt320() {
    return new Promise((resolve) => {
      const frame = document.createElement("iframe");
      // No scripts in the copy: only the layout is measured.
      frame.setAttribute("sandbox", "allow-same-origin");
      frame.setAttribute("aria-hidden", "true");
      frame.setAttribute("tabindex", "-1");
      frame.style.cssText = "position:absolute;left:-10000px;top:0;width:320px;height:640px;border:0";
      frame.srcdoc = document.documentElement.outerHTML;
      const done = (value) => { frame.remove(); resolve(value); };
      frame.addEventListener("load", () => {
        const doc = frame.contentDocument;
        if (!doc) return done(null);
        const wide = [...doc.querySelectorAll("body *")]
          .filter((el) => (el.getBoundingClientRect().right > 321 || el.scrollWidth > el.clientWidth + 1) && !el.closest("[hidden]"))
          .filter((el) => {
            // An element inside a box that scrolls by itself is fine (a table in a scroller).
            for (let up = el.parentElement; up && up !== doc.body; up = up.parentElement) {
              const style = frame.contentWindow.getComputedStyle(up);
              if (["auto", "scroll", "hidden", "clip"].includes(style.overflowX)) return false;
            }
            return true;
          })
          .slice(0, 5)
          .map((el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : ""));
        done({ scrollWidth: doc.documentElement.scrollWidth, wide });
      }, { once: true });
      document.body.appendChild(frame);
    });
  }

  async function run() {
    const report = {
      url: location.href,
      title: document.title,
      lang: document.documentElement.lang,
      errorPage: document.querySelector("[data-error-code]") !== null,
    };
    try {
      const result = await axe.run(document, { runOnly: { type: "tag", values: TAGS } });
      report.violations = result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })),
      }));
      report.overflow = await overflowAt320();
    } catch (error) {
      report.error = String(error);
    }
    if (window.__portalPageCheck) await window.__portalPageCheck(report);
  }

  window.addEventListener("load", () => {
    window.__portalPageCheckDone = new Promise((resolve) => setTimeout(resolve, 0)).then(run);
  }, { once: true });
})();
