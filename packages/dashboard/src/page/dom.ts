/**
 * The few DOM helpers every renderer uses. Feed strings (titles, messages, exit reasons)
 * come from process output, so text always goes in as textContent, never as markup.
 */

type Child = Node | string | null | false;

/** A new element with attributes and children; strings become text nodes. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Readonly<Record<string, string>> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** The element the page template marks with data-testid; a missing one is a template bug. */
export function byTestId(testId: string): HTMLElement {
  const element = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  if (element === null) throw new Error(`dashboard template has no [data-testid="${testId}"]`);
  return element;
}

/** The element with this id in the page template. */
export function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`dashboard template has no #${id}`);
  return element;
}

/**
 * Sets text only when it changed: the renderers run every second (uptime, countdowns) and
 * an unchanged write would still wake aria-live regions and cost a layout.
 */
export function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** Sets (or with null removes) an attribute only when it changed. */
export function setAttr(element: HTMLElement, name: string, value: string | null): void {
  if (value === null) {
    if (element.hasAttribute(name)) element.removeAttribute(name);
  } else if (element.getAttribute(name) !== value) {
    element.setAttribute(name, value);
  }
}
