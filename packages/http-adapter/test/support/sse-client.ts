/** One parsed Server-Sent Event. */
export interface SseMessage {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/**
 * A tiny SSE client over fetch: collects events and comments as they arrive; every wait is
 * bounded by a real-time timeout.
 */
export class SseClient {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  readonly status: number;
  readonly headers: Headers;
  #buffer = '';
  #waiters: (() => void)[] = [];
  #ended = false;
  readonly #controller: AbortController;
  readonly #done: Promise<void>;

  private constructor(response: Response, controller: AbortController) {
    this.status = response.status;
    this.headers = response.headers;
    this.#controller = controller;
    this.#done = this.#pump(response);
  }

  /** Connects to `url`. */
  static async connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('connect timeout')), 5000);
    try {
      const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
      return new SseClient(response, controller);
    } finally {
      clearTimeout(timer);
    }
  }

  get ended(): boolean {
    return this.#ended;
  }

  async #pump(response: Response): Promise<void> {
    const reader = response.body?.getReader();
    if (reader === undefined) return;
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.#buffer += decoder.decode(value, { stream: true });
        this.#parse();
      }
    } catch {
      // aborted
    } finally {
      this.#ended = true;
      this.#wake();
    }
  }

  #parse(): void {
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end === -1) return;
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      let id: string | undefined;
      let event = 'message';
      const data: string[] = [];
      let isComment = true;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          this.comments.push(line.slice(1).trim());
          continue;
        }
        isComment = false;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (!isComment) this.messages.push({ id, event, data: data.join('\n') });
      this.#wake();
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Waits (at most `ms` real time) until `predicate` holds. */
  async waitFor(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      if (this.#ended) throw new Error(`stream ended while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.messages.length} events`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for at least `n` events. */
  async waitForCount(n: number, ms = 5000): Promise<SseMessage[]> {
    await this.waitFor(() => this.messages.length >= n, `${n} events`, ms);
    return this.messages;
  }

  /** Disconnects and waits for the reader to finish. */
  async close(): Promise<void> {
    this.#controller.abort();
    await this.#done;
  }
}
