// What can go wrong talking to the Hugging Face Hub, as coded errors whose messages say what to do.

export type HubErrorCode =
  | 'bad-repo'
  | 'needs-token'
  | 'gated'
  | 'not-found'
  | 'rate-limited'
  | 'network'
  | 'corrupt'
  | 'no-space'
  | 'no-variant'
  | 'busy'
  | 'cancelled';

export class HubError extends Error {
  override readonly name = 'HubError';
  constructor(
    readonly code: HubErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The HubError for an HTTP answer that is not a success, naming the repository and what to do. */
export function httpError(
  status: number,
  repo: string,
  endpoint: string,
  errorCode: string | null,
): HubError {
  if ((status === 401 || status === 403) && errorCode === 'GatedRepo') {
    return new HubError(
      'gated',
      `${repo} is gated: request access at ${endpoint}/${repo}, then set a token of that account ` +
        '(Glassbox: Set Hugging Face Token, or HF_TOKEN)',
    );
  }
  if (status === 401) {
    return new HubError(
      'needs-token',
      `${repo} was not found, or is private: check the id, or set a Hugging Face token with access to it ` +
        `(Glassbox: Set Hugging Face Token, or HF_TOKEN)`,
    );
  }
  if (status === 403) {
    return new HubError('gated', `your token has no access to ${repo} (request it at ${endpoint}/${repo})`);
  }
  if (status === 404) {
    const what =
      errorCode === 'RevisionNotFound'
        ? 'no such revision'
        : errorCode === 'EntryNotFound'
          ? 'no such file'
          : 'nothing at that address';
    return new HubError('not-found', `${repo}: the Hub has ${what} (HTTP 404)`);
  }
  if (status === 429)
    return new HubError('rate-limited', `the Hub is rate-limiting requests (HTTP 429): try later`);
  return new HubError('network', `the Hub answered HTTP ${status} for ${repo}`);
}

/** Whether a failed attempt is worth repeating (after a pause): dropped connections, 429 and 5xx. */
export function retryable(e: unknown): boolean {
  if (e instanceof HubError) return e.code === 'network' || e.code === 'rate-limited';
  return !(e instanceof Error && e.name === 'AbortError');
}
