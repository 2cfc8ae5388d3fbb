// The pages' accessibility smoke check, run in the page: returns a list of problems.
// Not axe-core (no network here): labels on form controls, headings in order, the text's
// contrast against its background (WCAG AA: 4.5:1, 3:1 for large text), images' alt
// text, named buttons and links, and the page's language.
() => {
  const problems = [];
  const visible = (el) => {
    const s = getComputedStyle(el);
    if (s.display === "none" || s.visibility === "hidden") return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.left > -1000;
  };
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.name ? "[name=" + el.name + "]" : "");
  if (!document.documentElement.lang) problems.push("html has no lang");
  if (!document.title.trim()) problems.push("the page has no title");
  // labels
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden" || el.type === "submit" || el.type === "button") continue;
    const named = (el.labels && el.labels.length) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || el.title;
    if (!named) problems.push("no label: " + describe(el));
  }
  for (const el of document.querySelectorAll("button, a[href]")) {
    if (!visible(el)) continue;
    if (!(el.textContent || el.getAttribute("aria-label") || "").trim()) problems.push("unnamed " + describe(el));
  }
  for (const el of document.querySelectorAll("img")) {
    if (!el.hasAttribute("alt")) problems.push("img without alt: " + el.src);
  }
  // headings: one h1 first, never a level skipped on the way down
  const heads = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")];
  const h1s = heads.filter((h) => h.tagName === "H1").length;
  if (h1s !== 1) problems.push(h1s + " h1 headings");
  let last = 0;
  for (const h of heads) {
    const level = Number(h.tagName[1]);
    if (last === 0 && level !== 1) problems.push("first heading is " + h.tagName);
    if (last && level > last + 1) problems.push("heading jumps from h" + last + " to " + h.tagName + ": " + h.innerText.slice(0, 40));
    last = level;
  }
  // contrast of every visible element that holds text of its own
  const rgba = (value) => {
    const m = value.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0.5) return c;
    }
    return [255, 255, 255, 1];
  };
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || seen.has(el) || !visible(el)) continue;
    if (el.closest("svg")) continue; // the charts: checked by their own colours in charts.py
    seen.add(el);
    const s = getComputedStyle(el);
    const fg = rgba(s.color), bg = background(el);
    const a = lum(fg), b = lum(bg);
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) problems.push("contrast " + ratio.toFixed(2) + ": " + describe(el) + " '" + node.textContent.trim().slice(0, 30) + "'");
  }
  return problems;
}
