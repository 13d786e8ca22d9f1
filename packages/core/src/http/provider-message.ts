/** The longest provider message kept from an error body, in characters. */
export const MAX_PROVIDER_MESSAGE_LENGTH = 300;

/**
 * The provider's own words from an error answer: the `error` (or `message`, or `error.message`)
 * string of a JSON body; for an HTML page (as the reference server sends for bad JSON, 415 or
 * 500) its title and first paragraph without tags; for other text a trimmed snippet. Falls back to
 * `fallback` (the HTTP status text) when the body says nothing. Never longer than
 * {@link MAX_PROVIDER_MESSAGE_LENGTH} characters.
 */
export function extractProviderMessage(body: string, fallback: string): string {
  const text = body.trim();
  if (text === '') return clip(fallback);
  const fromJson = messageFromJson(text);
  if (fromJson !== null) return clip(fromJson);
  if (/^<(?:!doctype|html|head|body|title|h1|p)\b/i.test(text)) {
    const fromHtml = messageFromHtml(text);
    return clip(fromHtml === '' ? fallback : fromHtml);
  }
  return clip(collapse(text));
}

function messageFromJson(text: string): string | null {
  if (!text.startsWith('{')) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  for (const key of ['error', 'message', 'detail', 'title']) {
    const field = record[key];
    if (typeof field === 'string' && field.trim() !== '') return collapse(field);
    if (typeof field === 'object' && field !== null) {
      const nested = (field as Record<string, unknown>).message;
      if (typeof nested === 'string' && nested.trim() !== '') return collapse(nested);
    }
  }
  return null;
}

function messageFromHtml(html: string): string {
  const title = firstElementText(html, 'title') ?? firstElementText(html, 'h1');
  const paragraph = firstElementText(html, 'p');
  if (title !== null && paragraph !== null) return `${title}: ${paragraph}`;
  if (title !== null || paragraph !== null) return title ?? paragraph ?? '';
  return collapse(decodeEntities(html.replace(/<[^>]*>/g, ' ')));
}

function firstElementText(html: string, tag: string): string | null {
  const match = new RegExp(`<${tag}\\b[^>]*>([\\s\\S]*?)</${tag}>`, 'i').exec(html);
  if (match?.[1] === undefined) return null;
  const text = collapse(decodeEntities(match[1].replace(/<[^>]*>/g, ' ')));
  return text === '' ? null : text;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d{1,7});/g, (_, code: string) => codePoint(Number(code)))
    .replace(/&#x([0-9a-f]{1,6});/gi, (_, code: string) => codePoint(Number.parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&');
}

function codePoint(code: number): string {
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function clip(text: string): string {
  return text.length <= MAX_PROVIDER_MESSAGE_LENGTH ? text : `${text.slice(0, MAX_PROVIDER_MESSAGE_LENGTH - 1)}…`;
}
