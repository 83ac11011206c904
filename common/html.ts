// HTML escaping for everything that builds HTML from data: text and attribute values alike.

/**
 * `& < > " '` as numeric character references, so the result is safe as element text and as a
 * quoted attribute value (either quote). null and undefined become "".
 */
export function escapeHtml(text: string | number | null | undefined): string {
  return String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
