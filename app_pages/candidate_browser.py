"""Small pieces of browser behaviour for the candidate's test that Streamlit has no widget for.

- ``new_item_view``: each new question opens at its top (question number, progress and timer
  visible, also on a phone) and the heading takes the keyboard focus, so a screen reader
  announces the new question. Streamlit keeps the scroll position across reruns; this script
  runs once per item because its body names the item.
- ``enter_submits``: Enter pressed on a chosen response sends the form, as the instructions
  say (browsers submit forms on Enter only from text fields).
- ``page_language``: the tab title and ``<html lang>`` in the candidate's language, so the
  browser, a translation prompt and a screen reader treat a Chinese page as Chinese.
- ``candidate_styles``: the question prompts in bold without Markdown in their labels, so the
  accessible name of each group is the plain prompt.

The only module of the pages that uses ``st.html``: the markup is fixed here; data reaches a
script only as JSON (``<``, ``>`` and ``&`` escaped), never as markup.
"""

from __future__ import annotations

import json

import streamlit as st

_NEW_ITEM = """
<script>
(() => {{
  const item = {item};
  const doc = window.document;
  const top = () => {{
    window.scrollTo(0, 0);
    doc.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"], '
      + '[data-testid="stAppScrollToBottomContainer"], section.main')
      .forEach((element) => {{ element.scrollTop = 0; }});
    const heading = Array.from(doc.querySelectorAll("h3"))
      .find((h) => h.textContent && h.textContent.trim() === item.heading);
    if (heading) {{
      heading.setAttribute("tabindex", "-1");
      heading.focus({{ preventScroll: true }});
    }}
  }};
  top();
  requestAnimationFrame(top);
  setTimeout(top, 120);
}})();
</script>
"""

_PAGE_LANGUAGE = """
<script>
(() => {{ window.document.documentElement.lang = {code}; }})();
</script>
"""

HTML_LANGUAGE = {"en": "en", "zh": "zh-CN"}
"""``<html lang>`` of each interface language (the Chinese texts are mainland Simplified)."""

_ENTER_SUBMITS = """
<script>
(() => {
  if (window.__sjtEnterSubmits) return;
  window.__sjtEnterSubmits = true;
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing) return;
    const target = event.target;
    if (!(target instanceof HTMLInputElement) || target.type !== "radio") return;
    const form = target.closest('[data-testid="stForm"]');
    const button = form && form.querySelector('[data-testid="stFormSubmitButton"] button');
    if (!button) return;
    event.preventDefault();
    // let the radio group report its value before the form is sent
    setTimeout(() => button.click(), 60);
  }, true);
})();
</script>
"""

_STYLES = """
<style>
[data-testid="stRadio"] > [data-testid="stWidgetLabel"] p { font-weight: 600; }
[data-testid="stMainBlockContainer"] { padding-top: 3rem; }
h3[tabindex="-1"]:focus { outline: none; }
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 2rem !important; line-height: 1.25; }
}
[data-testid="stElementContainer"]:has(> [data-testid="stHtml"] > script:only-child) {
  display: none;
}
</style>
"""


def new_item_script(item_id: str, heading: str) -> str:
    """The script of ``new_item_view``: fixed code, the item passed as escaped JSON data."""
    payload = json.dumps({"id": item_id, "heading": heading}, ensure_ascii=True)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        payload = payload.replace(char, code)  # no markup, whatever the data
    return _NEW_ITEM.format(item=payload)


def new_item_view(item_id: str, heading: str) -> None:
    """Scroll to the top and focus the question heading once per new item."""
    st.html(new_item_script(item_id, heading), unsafe_allow_javascript=True)


def page_language(lang: str | None, title: str) -> None:
    """Tab title ``title``; ``<html lang>`` of ``lang`` (None: a bilingual page, English first)."""
    st.set_page_config(page_title=title)
    code = json.dumps(HTML_LANGUAGE.get(lang or "en", "en"))
    st.html(_PAGE_LANGUAGE.format(code=code), unsafe_allow_javascript=True)


def enter_submits() -> None:
    """Make Enter on a chosen response submit its form (installed once per browser tab)."""
    st.html(_ENTER_SUBMITS, unsafe_allow_javascript=True)


def candidate_styles() -> None:
    st.html(_STYLES)
