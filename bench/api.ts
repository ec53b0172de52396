// How the bench calls the service: its address and the API key it was started
// with (an admin key, so the setup and the load use one key; rate limiting is
// off in the service under test, see service.ts).
export type Target = { baseUrl: string; apiKey: string };

export function authHeaders(target: Target): Record<string, string> {
  return { authorization: `Bearer ${target.apiKey}` };
}

/** A minimal JSON client for setting the scenario up through the API. */
export async function api<T>(target: Target, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${target.baseUrl}${path}`, {
    method,
    headers: {
      ...authHeaders(target),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return (text === "" ? undefined : JSON.parse(text)) as T;
}
