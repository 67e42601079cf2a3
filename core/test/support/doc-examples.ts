import { expect } from 'vitest';

/**
 * Executed examples of the integrator guides (docs/integrators/*.md). Each example is an HTML
 * comment `<!-- example: <id> -->`, then a ```sh block with one `curl` command, then a ```http
 * block with the documented answer (status line, some headers, the JSON body; `"…"` stands for a
 * value that differs each time). A guide's test swaps the placeholders for a real tenant's, sends
 * the request through `server.inject` and asserts the documented answer.
 */
export const BASE_URL = 'https://cdp.example.com';

interface Fence {
  lang: string;
  text: string;
  line: number;
}

export interface DocExample {
  id: string;
  line: number;
  command: string;
  response: { status: number; headers: Record<string, string>; body: unknown };
}

function fencesOf(markdown: string, guide: string): Fence[] {
  const fences: Fence[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && !/^```\s*$/.test(lines[i]!); i += 1) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`${guide}:${start + 1}: unclosed code block`);
    fences.push({ lang: open[1]!, text: body.join('\n'), line: start + 1 });
  }
  return fences;
}

function parseResponse(fence: Fence, guide: string): DocExample['response'] {
  const [statusLine, ...rest] = fence.text.split('\n');
  const status = /^HTTP\/1\.1 (\d{3})\b/.exec(statusLine ?? '');
  if (!status) throw new Error(`${guide}:${fence.line}: the answer starts with "HTTP/1.1 <status>"`);
  const headers: Record<string, string> = {};
  let i = 0;
  for (; i < rest.length && rest[i]!.trim() !== ''; i += 1) {
    const colon = rest[i]!.indexOf(':');
    headers[rest[i]!.slice(0, colon).trim().toLowerCase()] = rest[i]!.slice(colon + 1).trim();
  }
  const text = rest.slice(i).join('\n').trim();
  return { status: Number(status[1]), headers, body: text === '' ? undefined : JSON.parse(text) };
}

/** The `<!-- example: <id> -->` markers of a guide, with their 1-based lines. */
function markersOf(markdown: string): { id: string; line: number }[] {
  return markdown.split('\n').flatMap((text, index) => {
    const match = /^<!-- example: ([a-z0-9-]+) -->$/.exec(text.trim());
    return match ? [{ id: match[1]!, line: index + 1 }] : [];
  });
}

/** Every example of the guide; every curl of the guide must be one (nothing documented goes untested). */
export function examplesOf(markdown: string, guide: string): DocExample[] {
  const fences = fencesOf(markdown, guide);
  const markers = markersOf(markdown);
  const examples = markers.flatMap((marker, index) => {
    const next = markers[index + 1]?.line ?? Infinity;
    const [request, response] = fences.filter((f) => f.line > marker.line && f.line < next);
    // A Node example (a ```js block) is run by `nodeExamplesOf`'s caller.
    if (request?.lang === 'js') return [];
    if (request?.lang !== 'sh' || response?.lang !== 'http')
      throw new Error(`${guide}:${marker.line}: example ${marker.id} needs a sh block (curl) then an http block (the answer)`);
    return [{ id: marker.id, line: request.line, command: request.text, response: parseResponse(response, guide) }];
  });
  const tested = new Set(examples.map((e) => e.line));
  for (const fence of fences)
    if (fence.lang === 'sh' && /\bcurl\b/.test(fence.text) && !tested.has(fence.line))
      throw new Error(`${guide}:${fence.line}: a curl without <!-- example: id --> (every curl of the guide is executed)`);
  const ids = examples.map((e) => e.id);
  expect(new Set(ids).size, 'example ids are unique').toBe(ids.length);
  return examples;
}

export interface NodeExample {
  id: string;
  line: number;
  /** An ES module: run with `node --input-type=module` from the repository (its packages resolve). */
  code: string;
}

/**
 * The Node examples of a guide: `<!-- example: <id> -->` then a ```js block. Every ```js block of
 * the guide must be one (nothing documented goes unexecuted); the caller runs each and checks what
 * the guide says it does.
 */
export function nodeExamplesOf(markdown: string, guide: string): NodeExample[] {
  const fences = fencesOf(markdown, guide);
  const markers = markersOf(markdown);
  const examples = markers.flatMap((marker, index) => {
    const next = markers[index + 1]?.line ?? Infinity;
    const [code] = fences.filter((f) => f.line > marker.line && f.line < next);
    return code?.lang === 'js' ? [{ id: marker.id, line: code.line, code: code.text }] : [];
  });
  const tested = new Set(examples.map((e) => e.line));
  for (const fence of fences)
    if (fence.lang === 'js' && !tested.has(fence.line))
      throw new Error(
        `${guide}:${fence.line}: a js block without <!-- example: id --> (every Node example of the guide is executed)`,
      );
  return examples;
}

/** The words of one shell command: '…' and "…" quoting, backslash-newline continuations. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const end = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '\n') i += 2;
    else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new Error('unclosed single quote');
      word = (word ?? '') + text.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      let value = '';
      for (i += 1; text[i] !== '"'; i += 1) {
        if (i >= text.length) throw new Error('unclosed double quote');
        if (text[i] === '$' || text[i] === '`') throw new Error('shell expansions are not supported in examples');
        if (text[i] === '\\' && ['"', '\\'].includes(text[i + 1]!)) i += 1;
        value += text[i];
      }
      word = (word ?? '') + value;
      i += 1;
    } else if (c === '#' && word === undefined) {
      while (i < text.length && text[i] !== '\n') i += 1;
    } else if (c === '\n') {
      end();
      if (words.length > 0) {
        if (text.slice(i).trim() !== '') throw new Error('one command per example block');
        break;
      }
      i += 1;
    } else if (/\s/.test(c)) {
      end();
      i += 1;
    } else {
      if (['$', '`', '|', ';', '&', '>', '<'].includes(c)) throw new Error(`unsupported shell syntax "${c}"`);
      word = (word ?? '') + c;
      i += 1;
    }
  }
  end();
  return words;
}

export interface CurlRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** The request a curl command sends (the options the guide uses; anything else is refused). */
export function curlRequest(words: string[]): CurlRequest {
  if (words[0] !== 'curl') throw new Error(`not a curl command: ${words[0]}`);
  let method: string | undefined;
  let url: string | undefined;
  let payload: string | undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < words.length; i += 1) {
    const word = words[i]!;
    const value = () => {
      i += 1;
      if (words[i] === undefined) throw new Error(`${word} needs a value`);
      return words[i]!;
    };
    if (word === '-i' || word === '-s' || word === '-sS') continue;
    else if (word === '-X') method = value();
    else if (word === '-u') headers.authorization = `Basic ${Buffer.from(value()).toString('base64')}`;
    else if (word === '-H') {
      const header = value();
      const colon = header.indexOf(':');
      headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    } else if (word === '-d' || word === '--data-raw') {
      payload = value();
      if (word === '-d' && payload.startsWith('@')) throw new Error('-d @file is not supported in examples');
    } else if (word.startsWith(BASE_URL)) url = word.slice(BASE_URL.length);
    else throw new Error(`unsupported curl argument ${word}`);
  }
  if (!url) throw new Error(`the URL must start with ${BASE_URL}`);
  // curl's defaults: -d posts, as a form unless a content type is given.
  if (payload !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
  return { method: method ?? (payload === undefined ? 'GET' : 'POST'), url, headers, payload };
}

const ISO_INSTANT = /"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))"/g;

/**
 * The guide's dates are of the day it was written; event times are accepted over two years only.
 * Every instant of one example moves by the same amount — the latest to an hour ago — so their
 * differences (the clock-skew example) stay as documented.
 */
export function shiftInstants(command: string, now: number): string {
  const instants = [...command.matchAll(ISO_INSTANT)].map((m) => Date.parse(m[1]!));
  if (instants.length === 0) return command;
  const shiftMs = now - 3600_000 - Math.max(...instants);
  return command.replace(ISO_INSTANT, (_m, iso: string) => JSON.stringify(new Date(Date.parse(iso) + shiftMs).toISOString()));
}

/** The documented answer as a matcher: `"…"` is any non-empty string; everything else exact. */
export function documented(value: unknown): unknown {
  if (value === '…') return expect.stringMatching(/\S/);
  if (Array.isArray(value)) return value.map(documented);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, documented(v)]));
  return value;
}
