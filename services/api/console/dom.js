// DOM building with text nodes only: nothing the API returns (a mention's text, a
// campaign's name) is ever parsed as HTML.

/** `<tag attrs>children</tag>`: strings become text, null and false are left out. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (value === true) {
      node.setAttribute(name, "");
    } else {
      node.setAttribute(name, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * A table with a header row and a caption (screen readers announce it); a row may be
 * `{ attrs, cells }` to carry attributes (`data-...`) of its own.
 */
export function table(caption, columns, rows) {
  return el(
    "table",
    {},
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, columns.map((name) => el("th", { scope: "col" }, name)))),
    el(
      "tbody",
      {},
      rows.map((row) => {
        const { attrs = {}, cells } = Array.isArray(row) ? { cells: row } : row;
        return el("tr", attrs, cells.map((cell) => (cell instanceof HTMLTableCellElement ? cell : el("td", {}, cell))));
      }),
    ),
  );
}
