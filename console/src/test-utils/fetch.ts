import { vi } from 'vitest';

/** A recorded request of the fake `fetch`. */
export interface FakeRequest {
  method: string;
  url: string;
  body: BodyInit | null | undefined;
  headers: Record<string, string>;
}

export interface FakeReply {
  status: number;
  body?: unknown;
}

/**
 * Replaces `fetch` (the API client's boundary) for a component test: `reply` answers each request;
 * every request is recorded. Restore with `vi.unstubAllGlobals()`.
 */
export function stubFetch(reply: (request: FakeRequest) => FakeReply) {
  const requests: FakeRequest[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init: RequestInit = {}) => {
      const request: FakeRequest = {
        method: init.method ?? 'GET',
        url: String(input),
        body: init.body,
        headers: (init.headers ?? {}) as Record<string, string>,
      };
      requests.push(request);
      const { status, body } = reply(request);
      const text = body === undefined ? '' : JSON.stringify(body);
      return {
        ok: status >= 200 && status < 300,
        status,
        statusText: '',
        text: async () => text,
      } as Response;
    }),
  );
  return requests;
}
