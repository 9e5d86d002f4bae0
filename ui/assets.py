"""CSS and the small script the page needs (citation links, related-papers buttons, filter chips)."""

CSS = """
.rag-hidden { display: none !important; }
#rag-header { margin-bottom: 0; }
#rag-header h1 { margin: 0 0 2px 0; font-size: 1.5rem; }
#rag-stats-line { color: var(--body-text-color-subdued); font-size: 0.9rem; }
.answer { line-height: 1.55; }
.answer a.cite { text-decoration: none; font-weight: 600; padding: 0 1px; border-radius: 3px;
  color: var(--color-accent); background: var(--color-accent-soft); cursor: pointer; }
.answer .unsupported { text-decoration: underline wavy #d97706; text-underline-offset: 3px; }
.answer .warn { margin-top: 6px; font-size: 0.85rem; color: #b45309; }
.answer .notice { margin-top: 6px; font-size: 0.85rem; font-style: italic; color: var(--body-text-color-subdued); }
.answer .footer { margin-top: 8px; font-size: 0.75rem; color: var(--body-text-color-subdued); }
.answer.error { color: #b91c1c; }
#rag-cards { max-height: 680px; overflow-y: auto; }
.cards.empty { color: var(--body-text-color-subdued); padding: 24px 8px; text-align: center; }
.card { overflow-wrap: anywhere; border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px; margin-bottom: 10px;
  background: var(--background-fill-secondary); transition: box-shadow 0.3s, border-color 0.3s; }
.card.flash { border-color: var(--color-accent); box-shadow: 0 0 0 3px var(--color-accent-soft); }
.card-title { font-weight: 600; line-height: 1.3; }
.card-title .num { color: var(--color-accent); margin-right: 4px; }
.card-meta { font-size: 0.8rem; color: var(--body-text-color-subdued); margin: 3px 0 6px 0; }
.card-abstract { font-size: 0.85rem; line-height: 1.45; max-height: 220px; overflow-y: auto; }
.card-abstract mark.evidence { background: #fef08a; color: inherit; padding: 0 1px; border-radius: 2px; }
.card button.related { margin-top: 6px; font-size: 0.8rem; padding: 2px 10px; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-primary); }
.related-list { font-size: 0.85rem; }
.map-legend { display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 0.85rem; }
.map-method { font-size: 0.8rem; color: var(--body-text-color-subdued); margin-top: 4px; }
.map-legend .dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 5px; }
.answer p { margin: 0 0 6px 0; }
.answer ul.items { margin: 4px 0 6px 0; padding-left: 20px; }
.answer ul.items li { margin-bottom: 4px; }
.answer table.figures { border-collapse: collapse; font-size: 0.85rem; margin: 6px 0; }
.answer table.figures th, .answer table.figures td { border: 1px solid var(--border-color-primary); padding: 2px 8px; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; margin-bottom: 6px; }
.chip { font-size: 0.78rem; border-radius: 12px; padding: 1px 4px 1px 10px; background: var(--color-accent-soft); }
.chip button.chip-x { border: none; background: none; cursor: pointer; font-size: 0.9rem; padding: 0 4px; color: inherit; }
.related-list .score { color: var(--body-text-color-subdued); font-size: 0.75rem; }
"""

# One delegated listener: Markdown/HTML components are re-rendered on every update, so
# per-element handlers would be lost. Capture phase so the Chatbot's own link handling
# (which opens links in a new tab) never sees citation clicks.
HEAD = """
<script>
document.addEventListener("click", (ev) => {
  const target = ev.target instanceof Element ? ev.target : null;
  if (!target) return;
  const cite = target.closest("a.cite");
  if (cite) {
    ev.preventDefault();
    ev.stopPropagation();
    const id = cite.dataset.card || (cite.getAttribute("href") || "").replace(/^#/, "");
    const card = document.getElementById(id);
    if (card) {
      card.scrollIntoView({behavior: "smooth", block: "nearest"});
      card.classList.add("flash");
      setTimeout(() => card.classList.remove("flash"), 1800);
    }
    return;
  }
  const drop = target.closest("button.chip-x");
  if (drop) {
    ev.preventDefault();
    ev.stopPropagation();
    const box = document.querySelector("#drop-filter textarea, #drop-filter input");
    const go = document.querySelector("#drop-go");
    if (!box || !go) return;
    box.value = drop.dataset.drop || drop.value || "";  // the chat sanitises data-* attributes away
    box.dispatchEvent(new Event("input", {bubbles: true}));
    setTimeout(() => go.click(), 60);
    return;
  }
  const related = target.closest("button.related");
  if (related) {
    const box = document.querySelector("#related-pid textarea, #related-pid input");
    const go = document.querySelector("#related-go");
    if (!box || !go) return;
    box.value = related.dataset.pid || "";
    box.dispatchEvent(new Event("input", {bubbles: true}));
    setTimeout(() => go.click(), 60);
  }
}, true);
</script>
"""
