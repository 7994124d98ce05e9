/** Text for the extension's pages: `commands` in backticks show as selectable code. */

export function setText(element, text) {
  element.replaceChildren(...String(text ?? "").split("`").map((part, index) => {
    if (index % 2 === 0) return document.createTextNode(part);
    const code = document.createElement("code");
    code.textContent = part;
    return code;
  }));
}
