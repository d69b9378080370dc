// Text for XML documents (Atom and RSS feeds): what XML 1.0 cannot carry is removed, the rest escaped.

/**
 * Characters outside XML 1.0's `Char` production: C0 controls but tab, LF and CR; lone surrogates
 * (with the `u` flag a valid pair is one code point and does not match); U+FFFE and U+FFFF.
 * One such character makes a strict parser reject the whole document.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/gu;
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** `s` without the characters XML 1.0 forbids. */
export const xmlChars = (s: string) => s.replace(NOT_XML, "");

/** `s` as XML text or attribute value: forbidden characters removed, markup characters escaped. */
export const xml = (s: string) => xmlChars(s).replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
