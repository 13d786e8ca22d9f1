import type { CallProvider, PlaceCallRequest, ProviderCallInfo, ProviderCallStatus } from '@call-scheduler/core';

/** Options of {@link InstantProvider}. */
export interface InstantProviderOptions {
  /**
   * What a dial answers: `completed` ends the call in the same step (dial and end), `initiated`
   * leaves it live until a status read answers `completed`.
   */
  readonly answer: 'completed' | 'initiated';
  /** Called synchronously on every dial, before it answers (to time it). */
  readonly onPlace?: (request: PlaceCallRequest) => void;
  /** Called synchronously on every status read. */
  readonly onGet?: (providerCallId: string) => void;
}

/** An in-process provider that answers at once: no network, no waiting, no failures. */
export class InstantProvider implements CallProvider {
  readonly name = 'instant';
  readonly #options: InstantProviderOptions;
  /** Dials so far. */
  placed = 0;
  /** Status reads so far. */
  reads = 0;

  constructor(options: InstantProviderOptions) {
    this.#options = options;
  }

  async placeCall(request: PlaceCallRequest): Promise<ProviderCallInfo> {
    this.placed += 1;
    this.#options.onPlace?.(request);
    return info(`p-${request.callId}-${request.attempt}`, this.#options.answer);
  }

  async getCall(providerCallId: string): Promise<ProviderCallInfo> {
    this.reads += 1;
    this.#options.onGet?.(providerCallId);
    return info(providerCallId, 'completed');
  }
}

function info(providerCallId: string, status: ProviderCallStatus): ProviderCallInfo {
  return { providerCallId, status, rawStatus: status, durationSeconds: status === 'completed' ? 1 : null };
}
